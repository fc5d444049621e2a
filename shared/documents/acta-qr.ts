/**
 * QR codes that carry the signed acta data (the `acta-data` envelope, shared/results/
 * mesa-result.ts) on the printed acta de escrutinio, so anyone holding the paper can check it
 * against the signed data with the package's public keys.
 *
 * Encoding: raw DEFLATE (level 9) of the envelope bytes, then RFC 9285 base45, whose alphabet
 * (0-9, A-Z, space, $%*+-./:) is exactly QR's alphanumeric mode: 5.5 bits per character, so
 * 16.5 bits per 2 bytes, against 8+ bits per character for base64 in byte mode.
 *
 * Chunks: `VEPA1:<i>/<n>:<tag>:<data>` (also all alphanumeric). `tag` is the first 8 hex digits
 * (uppercase) of the SHA-256 of the acta bytes: it ties every chunk to one acta, so chunks of
 * two actas with the same chunk count cannot be mixed; the decoder checks it again on the
 * reassembled bytes. Authenticity is not the tag's job: the envelope's signature is.
 *
 * Size: each symbol is at most version `ACTA_QR_MAX_VERSION` at error correction M; with the
 * quiet zone that is 105 modules, printed at `ACTA_QR_MODULE_DOTS` (5 dots = 0.63 mm at 203 dpi)
 * = 525 dots, within the 576 printable dots of an 80 mm roll and easily read by a phone. The
 * eg2026 fixture's full mesa (300 random ballots, every preferential mark used) needs 5 codes.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { decode as base45Decode, encode as base45Encode } from '@digitalbazaar/base45';
import { sha256Hex } from '../crypto/hash.ts';
import type { Result } from '../result.ts';
import { err, ok } from '../result.ts';

export const ACTA_QR_PREFIX = 'VEPA1';
/** QR version bound per symbol (level M): 97 modules + 8 quiet-zone modules. */
export const ACTA_QR_MAX_VERSION = 20;
/** Module size on the 203 dpi roll: 105 modules x 5 dots = 525 dots <= 576. */
export const ACTA_QR_MODULE_DOTS = 5;
/**
 * Alphanumeric capacity of version 20-M is 970 characters; the header takes at most
 * "VEPA1:99/99:XXXXXXXX:" = 21, so 940 data characters leave a margin.
 */
export const ACTA_QR_DATA_CHARS = 940;
/** More chunks than this means the acta is far beyond any real mesa: a bug, not a big acta. */
export const ACTA_QR_MAX_CHUNKS = 99;
/** Refuse to inflate past this (an acta is ~60 KB; a crafted QR must not exhaust memory). */
export const ACTA_QR_MAX_ACTA_BYTES = 4 * 1024 * 1024;

const BASE45_TEXT = /^[0-9A-Z $%*+\-./:]*$/u;
const CHUNK_HEADER = /^VEPA1:([1-9][0-9]?)\/([1-9][0-9]?):([0-9A-F]{8}):/u;

function tagOf(actaBytes: Uint8Array): string {
  return sha256Hex(actaBytes).slice(0, 8).toUpperCase();
}

/** The QR texts for an acta, in print order. Throws only if the acta is absurdly large (a bug). */
export function actaQrChunks(actaBytes: Uint8Array): string[] {
  // Copy into a fresh buffer: the base45 package reads `input.buffer` from offset 0, which is
  // wrong for a view into a larger buffer (Node's zlib returns pooled Buffers).
  const compressed = Uint8Array.from(deflateRawSync(actaBytes, { level: 9 }));
  const data = base45Encode(compressed);
  const count = Math.max(1, Math.ceil(data.length / ACTA_QR_DATA_CHARS));
  if (count > ACTA_QR_MAX_CHUNKS) {
    throw new RangeError(`acta of ${actaBytes.length} bytes needs ${count} QR codes (max ${ACTA_QR_MAX_CHUNKS})`);
  }
  // Equal-sized chunks, so no code is needlessly denser than the others.
  const size = Math.ceil(data.length / count);
  const tag = tagOf(actaBytes);
  return Array.from({ length: count }, (_, i) => `${ACTA_QR_PREFIX}:${i + 1}/${count}:${tag}:${data.slice(i * size, (i + 1) * size)}`);
}

/**
 * Reassembles the acta bytes from scanned QR texts, in any order. Refuses (in English, for
 * logs and the observer tool) anything that is not exactly one complete set of one acta.
 */
export function decodeActaQrChunks(chunks: readonly string[]): Result<Uint8Array, string> {
  if (chunks.length === 0) return err('no QR code given');
  const parts = new Map<number, string>();
  let total: number | undefined;
  let tag: string | undefined;
  for (const [position, chunk] of chunks.entries()) {
    const header = CHUNK_HEADER.exec(chunk);
    if (header === null) return err(`QR #${position + 1} is not an acta QR code (expected "${ACTA_QR_PREFIX}:i/n:tag:")`);
    const index = Number(header[1]);
    const count = Number(header[2]);
    if (index > count) return err(`QR #${position + 1} claims to be part ${index} of ${count}`);
    if (total !== undefined && count !== total) return err(`QR #${position + 1} belongs to a set of ${count} codes, others to a set of ${total}`);
    if (tag !== undefined && header[3] !== tag) return err(`QR #${position + 1} belongs to another acta (tag ${header[3]}, expected ${tag})`);
    if (parts.has(index)) return err(`QR part ${index} of ${count} was given twice`);
    total = count;
    tag = header[3];
    const data = chunk.slice(header[0].length);
    if (!BASE45_TEXT.test(data)) return err(`QR part ${index} holds characters outside base45`);
    parts.set(index, data);
  }
  if (total === undefined || tag === undefined) return err('no QR code given');
  const missing = Array.from({ length: total }, (_, i) => i + 1).filter((i) => !parts.has(i));
  if (missing.length > 0) return err(`QR part(s) ${missing.join(', ')} of ${total} missing`);
  const data = Array.from({ length: total }, (_, i) => parts.get(i + 1) ?? '').join('');
  let compressed: Uint8Array;
  try {
    compressed = base45Decode(data);
  } catch (e) {
    return err(`QR data is not valid base45: ${e instanceof Error ? e.message : String(e)}`);
  }
  let actaBytes: Uint8Array;
  try {
    actaBytes = Uint8Array.from(inflateRawSync(compressed, { maxOutputLength: ACTA_QR_MAX_ACTA_BYTES }));
  } catch (e) {
    return err(`QR data does not inflate: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (tagOf(actaBytes) !== tag) return err(`QR data does not match its tag ${tag} (corrupted or altered)`);
  return ok(actaBytes);
}
