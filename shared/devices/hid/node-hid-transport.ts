/**
 * HidTransport over node-hid 3 (real hardware). node-hid is imported lazily so that simulated
 * configurations and tests never load the native module.
 */
import { EventEmitter } from 'node:events';
import { err, ok, type Result } from '../../result.ts';
import type { HidTransport, HidTransportOpener } from './transport.ts';

export type NodeHidTarget = { path: string } | { vendorId: number; productId: number };

interface HidAsyncLike {
  write(values: number[] | Buffer): Promise<number>;
  on(event: 'data', listener: (data: Buffer) => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  close(): Promise<void>;
}

class NodeHidTransport implements HidTransport {
  private readonly events = new EventEmitter();
  private closed = false;

  constructor(private readonly device: HidAsyncLike) {
    device.on('data', (data: Buffer) => this.events.emit('data', new Uint8Array(data)));
    device.on('error', (error: unknown) => {
      this.closed = true;
      this.events.emit('error', error instanceof Error ? error : new Error(String(error)));
    });
  }

  async write(report: Uint8Array): Promise<void> {
    if (this.closed) throw new Error('HID device closed');
    // hidapi: first byte is the report id, 0x00 for devices with unnumbered reports.
    const withId = Buffer.alloc(report.length + 1);
    withId.set(report, 1);
    await this.device.write(withId);
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

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.device.close();
  }
}

export function nodeHidOpener(target: NodeHidTarget): HidTransportOpener {
  return async (): Promise<Result<HidTransport, string>> => {
    try {
      const { HIDAsync } = await import('node-hid');
      const device = 'path' in target
        ? await HIDAsync.open(target.path)
        : await HIDAsync.open(target.vendorId, target.productId);
      return ok(new NodeHidTransport(device));
    } catch (e) {
      return err(e instanceof Error ? e.message : String(e));
    }
  };
}
