/**
 * Simulated accessible keypad (or two-switch device) sending boot-keyboard reports. `hold` resends
 * the same report several times, as some keypads do while a key stays down, so tests can prove the
 * driver turns a hold into a single press.
 */
import { err, ok, type Result } from '../../shared/result.ts';
import type { HidTransport } from '../../shared/devices/hid/transport.ts';
import { KEYBOARD_REPORT_SIZE } from '../../shared/devices/keypad/keyboard-report.ts';
import { usageForKey } from '../../shared/devices/keypad/key-map.ts';
import { NAVIGATION_KEYS, TWO_SWITCH_KEYS, type KeyName, type KeypadProfile } from '../../shared/devices/keypad/keypad.ts';
import { VirtualHidHost, type VirtualHidDeviceSide } from './virtual-hid-link.ts';

export class VirtualKeypad implements VirtualHidDeviceSide {
  private host: VirtualHidHost | undefined;
  private connected = true;
  private readonly held = new Set<number>();

  constructor(readonly profile: KeypadProfile) {}

  get state(): { connected: boolean; held: KeyName[]; profile: KeypadProfile } {
    return { connected: this.connected, held: [...this.heldKeys()], profile: this.profile };
  }

  openHost(): Result<HidTransport, string> {
    if (!this.connected) return err('keypad not connected');
    if (this.host !== undefined && !this.host.closed) return err('keypad already open');
    this.host = new VirtualHidHost(this);
    return ok(this.host);
  }

  /** A short press: down then up. */
  press(key: KeyName): void {
    this.hold(key, 1);
    this.release(key);
  }

  /** Key goes down; the device repeats its report `reports` times while it is held. */
  hold(key: KeyName, reports = 5): void {
    this.held.add(this.usage(key));
    for (let i = 0; i < Math.max(1, reports); i++) this.send();
  }

  release(key: KeyName): void {
    this.held.delete(this.usage(key));
    this.send();
  }

  /** Fault injection: any bytes as an input report. */
  sendRaw(report: Uint8Array): void {
    this.host?.deliver(report);
  }

  unplug(): void {
    this.connected = false;
    this.held.clear();
    this.host?.fail('keypad unplugged');
    this.host = undefined;
  }

  replug(): void {
    this.connected = true;
  }

  receive(): void {
    // Output reports (keyboard LEDs) mean nothing to this keypad.
  }

  hostClosed(host: VirtualHidHost): void {
    if (this.host === host) this.host = undefined;
  }

  private usage(key: KeyName): number {
    const usage = usageForKey(this.profile, key);
    if (usage === undefined) throw new Error(`a ${this.profile} keypad has no key ${key}`);
    return usage;
  }

  private *heldKeys(): Generator<KeyName> {
    for (const key of [...NAVIGATION_KEYS, ...TWO_SWITCH_KEYS]) {
      const usage = usageForKey(this.profile, key);
      if (usage !== undefined && this.held.has(usage)) yield key;
    }
  }

  private send(): void {
    const report = new Uint8Array(KEYBOARD_REPORT_SIZE);
    report.set([...this.held].slice(0, 6), 2);
    this.host?.deliver(report);
  }
}
