/**
 * A simulated HID device of another process (the simulator's), as a HidTransport: the real
 * drivers (activation reader, keypad, DNI reader) run over it unchanged. A bridge that goes away
 * is what an unplugged device is to hidraw: an 'error', and the opener fails until it is back.
 */
import { EventEmitter } from 'node:events';
import { err, ok } from '../../result.ts';
import type { HidTransport, HidTransportOpener } from '../hid/transport.ts';
import { BridgeConnection } from './connection.ts';
import { fromBase64, toBase64, type OpenMessage } from './protocol.ts';

export type BridgedHidDevice = Omit<Extract<OpenMessage, { t: 'open-hid' }>, 't'>;

class BridgedHidTransport implements HidTransport {
  private readonly events = new EventEmitter();
  private done = false;

  constructor(private readonly connection: BridgeConnection) {
    // The drivers always listen; a bare transport must not crash on an unheard error.
    this.events.on('error', () => undefined);
    connection.onMessage((message) => {
      if (this.done) return;
      if (message.t === 'hid-data') this.events.emit('data', fromBase64(message.data));
      else if (message.t === 'hid-error') this.fail(message.message);
    });
    connection.onClose((reason) => this.fail(reason));
  }

  write(report: Uint8Array): Promise<void> {
    if (this.done || !this.connection.send({ t: 'hid-write', data: toBase64(report) })) {
      return Promise.reject(new Error('HID device disconnected'));
    }
    return Promise.resolve();
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
    this.done = true;
    this.connection.close();
    return Promise.resolve();
  }

  private fail(message: string): void {
    if (this.done) return;
    this.done = true;
    this.connection.close();
    this.events.emit('error', new Error(message));
  }
}

/** Opens `device` on the bridge at `socketPath` (again after every unplug, as the drivers do). */
export function bridgeHidOpener(socketPath: string, device: BridgedHidDevice): HidTransportOpener {
  return async () => {
    const opened = await BridgeConnection.open(socketPath, { t: 'open-hid', ...device });
    return opened.ok ? ok(new BridgedHidTransport(opened.value)) : err(opened.error.message);
  };
}
