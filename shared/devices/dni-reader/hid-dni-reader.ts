/**
 * DNI reader driver over a HidTransport (node-hid for a real barcode reader in keyboard-wedge
 * mode, hardware-sim/hid/virtual-dni-reader.ts otherwise). Built like keypad/hid-keypad.ts:
 * undecodable reports become a `garbled` reading, never an exception, and the readings' text is
 * never put in a status.
 */
import { err, ok, type Result } from '../../result.ts';
import { attachHidTransport, type HidTransport, type HidTransportOpener } from '../hid/transport.ts';
import type { DniReader, DniReaderError, DniReaderStatus, DniReading } from './dni-reader.ts';
import { WedgeDecoder } from './wedge-decoder.ts';

export class HidDniReader implements DniReader {
  private transport: HidTransport | undefined;
  private detachTransport: (() => void) | undefined;
  private readonly decoder = new WedgeDecoder();
  private readonly readingListeners = new Set<(reading: DniReading) => void>();
  private readonly statusListeners = new Set<(status: DniReaderStatus) => void>();

  constructor(private readonly openTransport: HidTransportOpener) {}

  async connect(): Promise<Result<void, DniReaderError>> {
    if (this.transport !== undefined) return ok(undefined);
    const opened = await this.openTransport();
    if (!opened.ok) return err({ kind: 'not-connected', detail: opened.error });
    const transport = opened.value;
    this.transport = transport;
    this.detachTransport = attachHidTransport(
      transport,
      (t) => this.transport === t,
      (report) => {
        for (const reading of this.decoder.apply(report)) this.reading(reading);
      },
      (message) => this.lost(message),
    );
    this.status({ type: 'connected' });
    return ok(undefined);
  }

  onReading(listener: (reading: DniReading) => void): () => void {
    this.readingListeners.add(listener);
    return () => this.readingListeners.delete(listener);
  }

  onStatus(listener: (status: DniReaderStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  async close(): Promise<void> {
    const transport = this.detach();
    if (transport !== undefined) await transport.close().catch(() => undefined);
  }

  private detach(): HidTransport | undefined {
    const transport = this.transport;
    this.transport = undefined;
    this.detachTransport?.();
    this.detachTransport = undefined;
    this.decoder.reset();
    return transport;
  }

  private lost(detail: string): void {
    const transport = this.detach();
    if (transport !== undefined) void transport.close().catch(() => undefined);
    this.status({ type: 'disconnected', detail });
  }

  private reading(reading: DniReading): void {
    for (const listener of [...this.readingListeners]) listener(reading);
  }

  private status(status: DniReaderStatus): void {
    for (const listener of [...this.statusListeners]) listener(status);
  }
}
