/**
 * The host's wrapper around the stations' opaque blob inside the device memory (PROTOCOL.md,
 * section 3). Its CRC makes a torn or interrupted write read back as `corrupt`, never as a shorter
 * or mixed blob that a station might accept.
 */
import { err, ok, type Result } from '../../result.ts';
import { crc32 } from '../hid/crc32.ts';

export const MAX_BLOB_BYTES = 1024;
export const IMAGE_OVERHEAD = 10;
const MAGIC_0 = 0x56;
const MAGIC_1 = 0x41;
const IMAGE_VERSION = 0x01;

export function encodeImage(blob: Uint8Array): Uint8Array {
  if (blob.length > MAX_BLOB_BYTES) throw new Error(`blob of ${blob.length} bytes exceeds ${MAX_BLOB_BYTES}`);
  const image = new Uint8Array(blob.length + IMAGE_OVERHEAD);
  image.set([MAGIC_0, MAGIC_1, IMAGE_VERSION, 0, blob.length >>> 8, blob.length & 0xff], 0);
  image.set(blob, 6);
  new DataView(image.buffer).setUint32(6 + blob.length, crc32(image.subarray(0, 6 + blob.length)), false);
  return image;
}

export function maxBlobFor(capacity: number): number {
  return Math.max(0, Math.min(MAX_BLOB_BYTES, capacity - IMAGE_OVERHEAD));
}

/** Memory of the device -> blob. An all-zero memory is a blank device: an empty blob. */
export function decodeImage(memory: Uint8Array): Result<Uint8Array, string> {
  if (memory.every((b) => b === 0)) return ok(new Uint8Array(0));
  if (memory.length < IMAGE_OVERHEAD) return err('memory smaller than an image');
  if (memory[0] !== MAGIC_0 || memory[1] !== MAGIC_1 || memory[2] !== IMAGE_VERSION || memory[3] !== 0) {
    return err('no image header');
  }
  const length = ((memory[4] ?? 0) << 8) | (memory[5] ?? 0);
  if (length > MAX_BLOB_BYTES || 6 + length + 4 > memory.length) return err(`image length ${length} beyond the memory`);
  const view = new DataView(memory.buffer, memory.byteOffset, memory.byteLength);
  if (view.getUint32(6 + length, false) !== crc32(memory.subarray(0, 6 + length))) return err('image CRC mismatch');
  if (memory.subarray(6 + length + 4).some((b) => b !== 0)) return err('nonzero bytes after the image');
  return ok(memory.slice(6, 6 + length));
}
