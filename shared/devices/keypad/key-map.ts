/**
 * HID keyboard usage codes (usage page 0x07) of the keys each keypad profile understands
 * (hid/PROTOCOL.md, section 5). The first code listed for a key is the one a simulator sends.
 */
import type { KeyName, KeypadProfile } from './keypad.ts';

const NAVIGATION: ReadonlyArray<readonly [number, KeyName]> = [
  [0x52, 'up'],
  [0x51, 'down'],
  [0x50, 'left'],
  [0x4f, 'right'],
  [0x28, 'select'],
  [0x58, 'select'],
  [0x29, 'back'],
  [0x2a, 'back'],
  [0x3a, 'help'],
  [0x3b, 'repeat'],
  [0x3c, 'volume-down'],
  [0x3d, 'volume-up'],
  [0x3e, 'rate-down'],
  [0x3f, 'rate-up'],
];

// Switch interfaces commonly emit Space/Enter or 1/2; Tab is the other usual "next" switch.
const TWO_SWITCH: ReadonlyArray<readonly [number, KeyName]> = [
  [0x2c, 'move'],
  [0x2b, 'move'],
  [0x1e, 'move'],
  [0x28, 'select'],
  [0x58, 'select'],
  [0x1f, 'select'],
];

const MAPS: Readonly<Record<KeypadProfile, ReadonlyMap<number, KeyName>>> = {
  navigation: new Map(NAVIGATION),
  'two-switch': new Map(TWO_SWITCH),
};

export function keyForUsage(profile: KeypadProfile, usage: number): KeyName | undefined {
  return MAPS[profile].get(usage);
}

export function usageForKey(profile: KeypadProfile, key: KeyName): number | undefined {
  const entries = profile === 'navigation' ? NAVIGATION : TWO_SWITCH;
  return entries.find(([, k]) => k === key)?.[0];
}

export function keysOf(profile: KeypadProfile): KeyName[] {
  return [...new Set(MAPS[profile].values())];
}
