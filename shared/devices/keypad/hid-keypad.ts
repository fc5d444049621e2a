/**
 * Keypad driver over a HidTransport (node-hid for a real keypad, hardware-sim/hid/virtual-keypad.ts
 * otherwise). Undecodable reports are reported as status and ignored, never thrown.
 */
import { err, ok, type Result } from '../../result.ts';
import { attachHidTransport, type HidTransport, type HidTransportOpener } from '../hid/transport.ts';
import { decodeKeyboardReport, KeyStateTracker } from './keyboard-report.ts';
import type { KeyEvent, Keypad, KeypadError, KeypadProfile, KeypadStatus } from './keypad.ts';

export class HidKeypad implements Keypad {
  private transport: HidTransport | undefined;
  private detachTransport: (() => void) | undefined;
  private readonly tracker: KeyStateTracker;
  private readonly keyListeners = new Set<(event: KeyEvent) => void>();
  private readonly statusListeners = new Set<(status: KeypadStatus) => void>();

  constructor(private readonly openTransport: HidTransportOpener, readonly profile: KeypadProfile) {
    this.tracker = new KeyStateTracker(profile);
  }

  async connect(): Promise<Result<void, KeypadError>> {
    if (this.transport !== undefined) return ok(undefined);
    const opened = await this.openTransport();
    if (!opened.ok) return err({ kind: 'not-connected', detail: opened.error });
    const transport = opened.value;
    this.transport = transport;
    this.detachTransport = attachHidTransport(
      transport,
      (t) => this.transport === t,
      (report) => this.receive(report),
      (message) => this.lost(message),
    );
    this.status({ type: 'connected' });
    return ok(undefined);
  }

  onKey(listener: (event: KeyEvent) => void): () => void {
    this.keyListeners.add(listener);
    return () => this.keyListeners.delete(listener);
  }

  onStatus(listener: (status: KeypadStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  async close(): Promise<void> {
    const transport = this.detach();
    if (transport !== undefined) await transport.close().catch(() => undefined);
  }

  private receive(report: Uint8Array): void {
    const decoded = decodeKeyboardReport(report);
    if (!decoded.ok) {
      this.status({ type: 'bad-report', detail: decoded.error });
      return;
    }
    for (const event of this.tracker.apply(decoded.value)) this.key(event);
  }

  private detach(): HidTransport | undefined {
    const transport = this.transport;
    this.transport = undefined;
    this.detachTransport?.();
    this.detachTransport = undefined;
    for (const event of this.tracker.releaseAll()) this.key(event);
    return transport;
  }

  private lost(detail: string): void {
    const transport = this.detach();
    if (transport !== undefined) void transport.close().catch(() => undefined);
    this.status({ type: 'disconnected', detail });
  }

  private key(event: KeyEvent): void {
    for (const listener of [...this.keyListeners]) listener(event);
  }

  private status(status: KeypadStatus): void {
    for (const listener of [...this.statusListeners]) listener(status);
  }
}
