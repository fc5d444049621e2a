/**
 * Decoding of the status bytes an ESC/POS printer sends back (Epson ESC/POS reference):
 *
 * - `DLE EOT n` (real-time, answered on receipt even when the printer is offline):
 *   every reply has the fixed bit pattern 0xx1xx10 (bit 1 and 4 set, bits 0 and 7 clear).
 *   n=1 printer:       bit 3 offline, bit 5 waiting for online recovery.
 *   n=2 offline cause: bit 2 cover open, bit 3 feed button, bit 5 stopped by paper end,
 *                      bit 6 error occurred.
 *   n=3 error cause:   bit 2 recoverable, bit 3 autocutter, bit 5 unrecoverable,
 *                      bit 6 auto-recoverable error.
 *   n=4 paper sensor:  bits 2-3 roll near end, bits 5-6 roll end (paper out).
 * - `GS r 1` (processed in order with the print data, so its reply proves every byte before it,
 *   including the cut, was processed): bits 0-1 near end, bits 2-3 paper end; bits 4 and 7 are
 *   fixed 0.
 *
 * Bit 4 distinguishes the two kinds, so a reply stream can be routed without ambiguity; bytes
 * matching neither pattern (line noise, XON/XOFF) are ignored.
 */
import type { PrinterStatus } from './printer.ts';

export const DLE = 0x10;
export const EOT = 0x04;
export const GS = 0x1d;

export type RealtimeStatusRequest = 1 | 2 | 3 | 4;
export const REALTIME_STATUS_REQUESTS: readonly RealtimeStatusRequest[] = [1, 2, 3, 4];

export function realtimeStatusCommand(n: RealtimeStatusRequest): Buffer {
  return Buffer.from([DLE, EOT, n]);
}

/** `GS r 1`: transmit paper sensor status, queued behind the print data. */
export const TRANSMIT_PAPER_STATUS_COMMAND = Buffer.from([GS, 0x72, 0x01]);

export type ReplyKind = 'realtime-status' | 'transmitted-status' | 'unknown';

export function classifyReplyByte(byte: number): ReplyKind {
  if (!Number.isInteger(byte) || byte < 0 || byte > 0xff) return 'unknown';
  if ((byte & 0x93) === 0x12) return 'realtime-status';
  if ((byte & 0x90) === 0x00) return 'transmitted-status';
  return 'unknown';
}

export type RealtimeStatusBytes = {
  printer: number;
  offlineCause: number;
  errorCause: number;
  paperSensor: number;
};

export type DecodedStatus = { status: PrinterStatus; detail?: string };

const bit = (byte: number, n: number): boolean => (byte & (1 << n)) !== 0;

/**
 * The station-level status from the four real-time status bytes. Precedence: a cause the
 * operator can fix (cover, paper) before generic errors, generic errors before a bare offline
 * flag, and a low roll only when nothing else is wrong. Any byte values are accepted.
 */
export function decodeRealtimeStatus(bytes: RealtimeStatusBytes): DecodedStatus {
  const { printer, offlineCause, errorCause, paperSensor } = bytes;
  if (bit(offlineCause, 2)) return { status: 'cover-open' };
  if (bit(paperSensor, 5) || bit(paperSensor, 6) || bit(offlineCause, 5)) return { status: 'paper-out' };
  const errors: string[] = [];
  if (bit(errorCause, 3)) errors.push('autocutter error');
  if (bit(errorCause, 5)) errors.push('unrecoverable error');
  if (bit(errorCause, 6)) errors.push('auto-recoverable error (head temperature or voltage)');
  if (bit(errorCause, 2)) errors.push('recoverable error');
  if (errors.length === 0 && bit(offlineCause, 6)) errors.push('error reported without a cause');
  if (errors.length > 0) return { status: 'error', detail: errors.join(', ') };
  if (bit(printer, 3) || bit(printer, 5)) return { status: 'offline' };
  if (bit(paperSensor, 2) || bit(paperSensor, 3)) return { status: 'paper-low' };
  return { status: 'ready' };
}

export type TransmittedPaperStatus = { paperOut: boolean; paperLow: boolean };

export function decodeTransmittedPaperStatus(byte: number): TransmittedPaperStatus {
  return { paperOut: bit(byte, 2) || bit(byte, 3), paperLow: bit(byte, 0) || bit(byte, 1) };
}

/**
 * Routes the printer's reply bytes to whoever waits for them, in order per kind. Unsolicited
 * or unrecognised bytes are counted and dropped. Pure bookkeeping: no I/O, no timers.
 */
export class StatusReplyRouter {
  private readonly waiting: Record<'realtime-status' | 'transmitted-status', ((byte: number) => void)[]> = {
    'realtime-status': [],
    'transmitted-status': [],
  };
  ignoredBytes = 0;

  feed(chunk: Uint8Array): void {
    for (const byte of chunk) {
      const kind = classifyReplyByte(byte);
      if (kind === 'unknown') {
        this.ignoredBytes++;
        continue;
      }
      const waiter = this.waiting[kind].shift();
      if (waiter === undefined) this.ignoredBytes++;
      else waiter(byte);
    }
  }

  /** Registers a one-shot waiter; returns a function that withdraws it (on timeout). */
  expect(kind: 'realtime-status' | 'transmitted-status', onByte: (byte: number) => void): () => void {
    this.waiting[kind].push(onByte);
    return () => {
      const list = this.waiting[kind];
      const index = list.indexOf(onByte);
      if (index >= 0) list.splice(index, 1);
    };
  }

  pending(kind: 'realtime-status' | 'transmitted-status'): number {
    return this.waiting[kind].length;
  }
}
