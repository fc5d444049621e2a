/**
 * The consolidation device (USB storage) as the stations see it: named files written atomically,
 * read back, listed. In write-once mode (the transmission station's backup media) nothing that was
 * written can be replaced or deleted, and nothing more can be written after finalize().
 */
import type { Result } from '../../result.ts';

export type UsbStatus =
  | { mounted: true; label: string; freeBytes: number; writeOnce: boolean; finalized: boolean }
  | { mounted: false };

export type UsbError =
  | { kind: 'not-mounted' }
  /** The medium disappeared during the operation. */
  | { kind: 'device-removed' }
  | { kind: 'full' }
  | { kind: 'read-only' }
  /** Write-once: a file of that name already exists and may not be replaced. */
  | { kind: 'exists'; name: string }
  /** Write-once: deleting a written file is refused. */
  | { kind: 'write-once'; name: string }
  /** Write-once: the medium was finalized; no more writes. */
  | { kind: 'finalized' }
  | { kind: 'not-found'; name: string }
  | { kind: 'invalid-name'; name: string; reason: string }
  | { kind: 'too-large'; size: number; max: number }
  | { kind: 'io'; detail: string };

export interface ConsolidationDevice {
  readonly writeOnce: boolean;
  detect(): Promise<Result<UsbStatus, UsbError>>;
  /**
   * Writes through a randomly named temporary file in the same directory, fsyncs it, renames it,
   * fsyncs the directory: the final name never shows a partial file.
   */
  writeFileAtomic(name: string, bytes: Uint8Array): Promise<Result<void, UsbError>>;
  readFile(name: string): Promise<Result<Uint8Array, UsbError>>;
  /** Valid file names only (temporary and private files are never listed), sorted. */
  list(): Promise<Result<string[], UsbError>>;
  deleteFile(name: string): Promise<Result<void, UsbError>>;
  /** Write-once media only: seals the medium against any further write. */
  finalize(): Promise<Result<void, UsbError>>;
  /** Flushes and releases the medium; afterwards every operation is `not-mounted`. */
  eject(): Promise<Result<void, UsbError>>;
}

export function describeUsbError(e: UsbError): string {
  switch (e.kind) {
    case 'not-mounted': return 'no consolidation device mounted';
    case 'device-removed': return 'the consolidation device was removed during the operation';
    case 'full': return 'the consolidation device is full';
    case 'read-only': return 'the consolidation device is read-only';
    case 'exists': return `${e.name} already exists on write-once media`;
    case 'write-once': return `${e.name} cannot be deleted from write-once media`;
    case 'finalized': return 'the write-once media is finalized';
    case 'not-found': return `${e.name} not found on the consolidation device`;
    case 'invalid-name': return `invalid file name ${JSON.stringify(e.name)}: ${e.reason}`;
    case 'too-large': return `file of ${e.size} bytes exceeds the limit of ${e.max}`;
    case 'io': return `consolidation device I/O error: ${e.detail}`;
  }
}
