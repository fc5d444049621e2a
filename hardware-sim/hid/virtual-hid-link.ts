/**
 * The host end of a simulated HID device: implements HidTransport like node-hid's HIDAsync does
 * for a real one. Reports cross asynchronously (as over USB), in order.
 */
import { EventEmitter } from 'node:events';
import type { HidTransport } from '../../shared/devices/hid/transport.ts';

export interface VirtualHidDeviceSide {
  /** An output report from the host. */
  receive(report: Uint8Array): void;
  /** The host closed its handle. */
  hostClosed(host: VirtualHidHost): void;
}

export class VirtualHidHost implements HidTransport {
  private readonly events = new EventEmitter();
  private closedFlag = false;

  constructor(private readonly device: VirtualHidDeviceSide) {
    // An 'error' without listener would throw inside the emitter; the driver always listens,
    // but a test holding a bare transport must not crash.
    this.events.on('error', () => undefined);
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  write(report: Uint8Array): Promise<void> {
    if (this.closedFlag) return Promise.reject(new Error('HID device disconnected'));
    const copy = Uint8Array.from(report);
    setImmediate(() => {
      if (!this.closedFlag) this.device.receive(copy);
    });
    return Promise.resolve();
  }

  /** Device side: an input report for the host. */
  deliver(report: Uint8Array): void {
    if (this.closedFlag) return;
    const copy = Uint8Array.from(report);
    setImmediate(() => {
      if (!this.closedFlag) this.events.emit('data', copy);
    });
  }

  /** Device side: the device vanished (unplugged); the host sees an error, as with hidraw. */
  fail(message: string): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    setImmediate(() => this.events.emit('error', new Error(message)));
  }

  on(event: 'data', listener: (report: Uint8Array) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  on(event: 'data' | 'error', listener: ((report: Uint8Array) => void) | ((error: Error) => void)): void {
    this.events.on(event, listener);
  }

  off(event: 'data', listener: (report: Uint8Array) => void): void;
  off(event: 'error', listener: (error: Error) => void): void;
  off(event: 'data' | 'error', listener: ((report: Uint8Array) => void) | ((error: Error) => void)): void {
    this.events.off(event, listener);
  }

  close(): Promise<void> {
    if (!this.closedFlag) {
      this.closedFlag = true;
      this.device.hostClosed(this);
    }
    return Promise.resolve();
  }
}
