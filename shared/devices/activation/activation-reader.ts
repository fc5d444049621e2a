/**
 * The activation device as the stations see it: a reader that moves opaque bytes to and from the
 * device in it. What the bytes mean (token, consumed flag) is the stations' business.
 *
 * Secrecy: `deviceId` is a random handle for the current insertion, regenerated at every insertion;
 * it is not a hardware serial. Stations must still never log or store it (see hid/PROTOCOL.md §4).
 */
import type { Result } from '../../result.ts';
import type { FrameErrorDetail } from '../hid/frame.ts';

export type Presence = { present: false } | { present: true; deviceId: string };

export type ActivationError =
  | { kind: 'no-device' }
  /** The device left the reader during the operation (or another one took its place). */
  | { kind: 'device-removed' }
  | { kind: 'reader-disconnected'; detail: string }
  | { kind: 'bad-frame'; detail: FrameErrorDetail | 'unexpected' | 'rejected-by-reader'; message: string }
  | { kind: 'timeout' }
  | { kind: 'too-large'; size: number; max: number }
  /** The device refused the write, or the read-back differs from what was written. */
  | { kind: 'write-failed'; detail: string }
  /** The stored content fails its integrity check: an interrupted write or a damaged device. */
  | { kind: 'corrupt'; detail: string };

export type ActivationEvent =
  | { type: 'inserted'; deviceId: string }
  | { type: 'removed' }
  | { type: 'reader-disconnected' };

export interface ActivationIoOptions {
  /** Fail with `device-removed` unless the device in the reader is still this insertion. */
  readonly expectDeviceId?: string;
}

export interface ActivationReader {
  presence(): Promise<Result<Presence, ActivationError>>;
  /** The blob stored on the device; a blank device reads as an empty blob. */
  read(options?: ActivationIoOptions): Promise<Result<Uint8Array, ActivationError>>;
  /** Stores the blob, replacing everything on the device, and verifies it by reading it back. */
  write(data: Uint8Array, options?: ActivationIoOptions): Promise<Result<void, ActivationError>>;
  /** Blanks the whole device memory (verified). */
  erase(options?: ActivationIoOptions): Promise<Result<void, ActivationError>>;
  /** Inserted/removed/disconnected events. Returns the unsubscribe function. */
  onChange(listener: (event: ActivationEvent) => void): () => void;
  close(): Promise<void>;
}

export function describeActivationError(e: ActivationError): string {
  switch (e.kind) {
    case 'no-device': return 'no activation device in the reader';
    case 'device-removed': return 'the activation device was removed during the operation';
    case 'reader-disconnected': return `activation reader disconnected: ${e.detail}`;
    case 'bad-frame': return `bad frame from the activation reader (${e.detail}): ${e.message}`;
    case 'timeout': return 'the activation reader did not answer in time';
    case 'too-large': return `data of ${e.size} bytes exceeds the device limit of ${e.max}`;
    case 'write-failed': return `write to the activation device failed: ${e.detail}`;
    case 'corrupt': return `activation device content is corrupt: ${e.detail}`;
  }
}
