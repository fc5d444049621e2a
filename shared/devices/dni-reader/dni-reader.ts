/**
 * The DNI reader as the identity station sees it: a document reader (barcode) that delivers the
 * number read from a DNI, or says the reading was garbled. It never decides whether the text is a
 * DNI: the station parses it exactly like a typed one (identity-station/dni.ts parseDniReading).
 *
 * Secrecy: a reading carries a voter's DNI. Drivers keep it only until it is delivered and never
 * put it in a status, an error or a log line.
 */
import type { Result } from '../../result.ts';

export type DniReading =
  /** What the reader sent before its Enter: usually 8 digits, but letters or other lengths are passed on for the station to refuse. */
  | { readonly kind: 'text'; readonly text: string }
  /** Reports that could not be decoded (wrong size, rollover, unknown keys, overflow): nothing usable was read. */
  | { readonly kind: 'garbled' };

export type DniReaderStatus =
  | { type: 'connected' }
  | { type: 'disconnected'; detail: string };

export type DniReaderError = { kind: 'not-connected'; detail: string };

export interface DniReader {
  /** Opens the device (again, after a disconnection). */
  connect(): Promise<Result<void, DniReaderError>>;
  onReading(listener: (reading: DniReading) => void): () => void;
  onStatus(listener: (status: DniReaderStatus) => void): () => void;
  close(): Promise<void>;
}
