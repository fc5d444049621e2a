/**
 * Decoding of boot-keyboard reports into key events, with no auto-repeat: the tracker emits an
 * event only when the set of pressed keys changes, so a device that resends its report while a
 * key is held (or a noisy link that repeats it) still yields exactly one press.
 */
import { err, ok, type Result } from '../../result.ts';
import { keyForUsage } from './key-map.ts';
import type { KeyEvent, KeyName, KeypadProfile } from './keypad.ts';

export const KEYBOARD_REPORT_SIZE = 8;

export type KeyboardReport = { kind: 'keys'; usages: readonly number[] } | { kind: 'rollover' };

export function decodeKeyboardReport(report: Uint8Array): Result<KeyboardReport, string> {
  if (report.length !== KEYBOARD_REPORT_SIZE) return err(`report of ${report.length} bytes, expected ${KEYBOARD_REPORT_SIZE}`);
  const slots = [...report.subarray(2)];
  // 0x01..0x03: ErrorRollOver, POSTFail, ErrorUndefined. The key state is unknown: keep the last.
  if (slots.some((u) => u >= 0x01 && u <= 0x03)) return ok({ kind: 'rollover' });
  return ok({ kind: 'keys', usages: slots.filter((u) => u !== 0) });
}

export class KeyStateTracker {
  private held = new Set<KeyName>();

  constructor(private readonly profile: KeypadProfile) {}

  apply(report: KeyboardReport): KeyEvent[] {
    if (report.kind === 'rollover') return [];
    const now = new Set<KeyName>();
    for (const usage of report.usages) {
      const key = keyForUsage(this.profile, usage);
      if (key !== undefined) now.add(key);
    }
    const events: KeyEvent[] = [];
    for (const key of this.held) if (!now.has(key)) events.push({ type: 'up', key });
    for (const key of now) if (!this.held.has(key)) events.push({ type: 'down', key });
    this.held = now;
    return events;
  }

  /** The device went away: whatever was held is released. */
  releaseAll(): KeyEvent[] {
    const events = [...this.held].map((key): KeyEvent => ({ type: 'up', key }));
    this.held = new Set();
    return events;
  }
}
