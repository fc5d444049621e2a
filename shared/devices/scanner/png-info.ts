/**
 * Width and height of a PNG from its IHDR chunk, checking the signature and the chunk CRC, so
 * that scanner output (or a file placed on the simulated glass) is known to be a PNG.
 */
import { err, ok, type Result } from '../../result.ts';
import { crc32 } from '../hid/crc32.ts';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function readPngSize(png: Uint8Array): Result<{ widthPx: number; heightPx: number }, string> {
  if (png.length < 33 || SIGNATURE.some((b, i) => png[i] !== b)) return err('not a PNG');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  if (view.getUint32(8) !== 13 || Buffer.from(png.subarray(12, 16)).toString('latin1') !== 'IHDR') return err('PNG without IHDR');
  if (view.getUint32(29) !== crc32(png.subarray(12, 29))) return err('PNG header CRC mismatch');
  const widthPx = view.getUint32(16);
  const heightPx = view.getUint32(20);
  if (widthPx === 0 || heightPx === 0) return err('PNG of zero size');
  return ok({ widthPx, heightPx });
}
