/**
 * Accessible-cabin test host: the cabin machine with fake actors (booth-harness.ts), the
 * accessibility controller, and a simulated HID keypad (or two-switch device) whose boot-keyboard
 * reports go through the real HID keypad driver, so a test votes with key presses alone and reads
 * back every utterance the cabin spoke.
 */
import { VirtualKeypad } from '../../hardware-sim/hid/virtual-keypad.ts';
import { HidKeypad } from '../../shared/devices/keypad/hid-keypad.ts';
import type { KeyName, KeypadProfile } from '../../shared/devices/keypad/keypad.ts';
import { createAccessibilityController, type AccessibilityController, type Utterance } from '../../booth/accessibility/controller.ts';
import type { ClipStore } from '../../booth/accessibility/speech.ts';
import type { BoothHarness, BoothOptions } from './booth-harness.ts';
import { loadEg2026, startOpenBooth } from './booth-harness.ts';

export interface AccessibleBooth {
  readonly booth: BoothHarness;
  readonly controller: AccessibilityController;
  readonly device: VirtualKeypad;
  readonly utterances: Utterance[];
  /** Press and release a key, then let the reports and the machine settle; returns what was spoken. */
  press(key: KeyName): Promise<Utterance[]>;
  /** Holds a key while the device repeats its report `reports` times, then releases it. */
  hold(key: KeyName, reports: number): Promise<Utterance[]>;
  /** Presses `key` until the focus is on `target` (at most 60 presses); returns the presses. */
  moveTo(target: string, key: KeyName): Promise<number>;
  /** Prompt ids of the last utterance. */
  lastIds(): string[];
  close(): Promise<void>;
}

export async function startAccessibleBooth(
  profile: KeypadProfile,
  options: BoothOptions & { readonly clips?: ClipStore } = {},
): Promise<AccessibleBooth> {
  const definition = options.definition ?? loadEg2026();
  const booth = await startOpenBooth({ ...options, definition });
  const controller = createAccessibilityController({ actor: booth.actor, definition, clips: options.clips, input: profile });
  const utterances: Utterance[] = [];
  controller.onSpeak((utterance) => utterances.push(utterance));
  const device = new VirtualKeypad(profile);
  const keypad = new HidKeypad(() => Promise.resolve(device.openHost()), profile);
  const connected = await keypad.connect();
  if (!connected.ok) throw new Error(`virtual keypad did not connect: ${connected.error.detail}`);
  keypad.onKey((event) => controller.handleKey(event));

  const spokenSince = (count: number) => utterances.slice(count);
  const harness: AccessibleBooth = {
    booth,
    controller,
    device,
    utterances,
    async press(key) {
      const before = utterances.length;
      device.press(key);
      await booth.settle();
      return spokenSince(before);
    },
    async hold(key, reports) {
      const before = utterances.length;
      device.hold(key, reports);
      await booth.settle();
      device.release(key);
      await booth.settle();
      return spokenSince(before);
    },
    async moveTo(target, key) {
      for (let presses = 0; presses <= 60; presses++) {
        if (controller.view().focus === target) return presses;
        await harness.press(key);
      }
      throw new Error(`focus never reached ${target} with ${key} (at ${String(controller.view().focus)})`);
    },
    lastIds: () => (utterances.at(-1)?.prompts ?? []).map((prompt) => prompt.id),
    async close() {
      controller.stop();
      await keypad.close();
      booth.actor.stop();
    },
  };
  return harness;
}
