/**
 * The device bridge's wire protocol: how a station process reaches the simulated HID devices, USB
 * media, scanners and clock that live in the simulator process (`vep start`). One unix-domain
 * socket in the run folder (no network port); one connection per opened device; newline-delimited
 * JSON, every line parsed with these schemas on arrival, on both ends. Bytes travel as base64.
 *
 * The bridge carries the lowest layer the real drivers already abstract (HidTransport reports,
 * FileSystemOps calls, Scanner.scan), so the station runs the very driver code it runs on real
 * hardware, and the simulator keeps its faults and its write-once rules.
 */
import type net from 'node:net';
import { z } from 'zod';

/** A consolidation file is at most 64 MiB (base64: ~86 MiB); anything longer is a broken peer. */
export const MAX_LINE_BYTES = 128 * 1024 * 1024;

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);
const handle = z.number().int().nonnegative();
const filePath = z.string().min(1).max(4096);

/** The first line of every connection says what it opens. */
export const OpenSchema = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('open-hid'), device: z.enum(['activation-reader', 'keypad', 'dni-reader']), name, profile: z.enum(['navigation', 'two-switch']).optional() }),
  z.strictObject({ t: z.literal('open-usb'), name, writeOnce: z.boolean() }),
  z.strictObject({ t: z.literal('open-scanner'), name }),
  z.strictObject({ t: z.literal('open-clock') }),
]);
export type OpenMessage = z.infer<typeof OpenSchema>;

export const UsbCallSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('mountStatus'), path: filePath }),
  z.strictObject({ op: z.literal('freeBytes'), path: filePath }),
  z.strictObject({ op: z.literal('createExclusive'), path: filePath }),
  z.strictObject({ op: z.literal('write'), handle, data: base64 }),
  z.strictObject({ op: z.literal('sync'), handle }),
  z.strictObject({ op: z.literal('close'), handle }),
  z.strictObject({ op: z.literal('rename'), from: filePath, to: filePath }),
  z.strictObject({ op: z.literal('syncDirectory'), path: filePath }),
  z.strictObject({ op: z.literal('stat'), path: filePath }),
  z.strictObject({ op: z.literal('readFile'), path: filePath }),
  z.strictObject({ op: z.literal('readdir'), path: filePath }),
  z.strictObject({ op: z.literal('unlink'), path: filePath }),
  z.strictObject({ op: z.literal('eject') }),
]);
export type UsbCall = z.infer<typeof UsbCallSchema>;

/** Station → simulator, after the opening line. */
export const ClientMessageSchema = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('hid-write'), data: base64 }),
  z.strictObject({ t: z.literal('call'), id: z.number().int().nonnegative(), call: z.union([UsbCallSchema, z.strictObject({ op: z.literal('scan') })]) }),
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

/** Simulator → station. */
export const ServerMessageSchema = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('opened') }),
  z.strictObject({ t: z.literal('refused'), message: z.string() }),
  z.strictObject({ t: z.literal('hid-data'), data: base64 }),
  z.strictObject({ t: z.literal('hid-error'), message: z.string() }),
  z.strictObject({ t: z.literal('reply'), id: z.number().int().nonnegative(), value: z.unknown() }),
  /** A failed call: the errno code (EIO, EEXIST, ...) survives, as the driver maps errors by it. */
  z.strictObject({ t: z.literal('failed'), id: z.number().int().nonnegative(), code: z.string().optional(), message: z.string() }),
  /** The simulated clock's offset from this machine's clock (same clock in both processes). */
  z.strictObject({ t: z.literal('clock'), offsetMs: z.number().finite() }),
]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;

// Replies per call, parsed by the station before use.
export const MountStatusSchema = z.union([
  z.strictObject({ mounted: z.literal(true), label: z.string() }),
  z.strictObject({ mounted: z.literal(false) }),
]);
export const StatSchema = z.union([z.strictObject({ isFile: z.boolean(), size: z.number().int().nonnegative() }), z.null()]);
export const ScanReplySchema = z.discriminatedUnion('ok', [
  z.strictObject({ ok: z.literal(true), value: z.strictObject({ png: base64, widthPx: z.number().int().positive(), heightPx: z.number().int().positive(), dpi: z.number().int().positive() }) }),
  z.strictObject({
    ok: z.literal(false),
    error: z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('no-paper') }),
      z.strictObject({ kind: z.literal('jam') }),
      z.strictObject({ kind: z.literal('offline'), detail: z.string() }),
    ]),
  }),
]);

export const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
export const fromBase64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

export function sendLine(socket: net.Socket, message: unknown): void {
  if (!socket.destroyed && socket.writable) socket.write(`${JSON.stringify(message)}\n`);
}

/**
 * Splits the socket's bytes into lines, parses each with `schema`, and hands on the valid ones.
 * A line that is not JSON, breaks the schema, or exceeds MAX_LINE_BYTES ends the connection
 * (`onInvalid` says why): a peer that speaks garbage is not trusted with the next line either.
 */
export function readLines<T>(
  socket: net.Socket,
  schema: z.ZodType<T>,
  onMessage: (message: T) => void,
  onInvalid: (reason: string) => void,
): void {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const invalid = (reason: string): void => {
    onInvalid(reason);
    socket.destroy();
  };
  socket.on('data', (chunk: Buffer) => {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
      const line = Buffer.concat([...pending, chunk.subarray(start, nl)]).toString('utf8');
      pending = [];
      pendingBytes = 0;
      start = nl + 1;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        return invalid('a line that is not JSON');
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) return invalid(`a malformed message: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      if (socket.destroyed) return;
      onMessage(parsed.data);
    }
    const rest = chunk.subarray(start);
    pendingBytes += rest.length;
    if (pendingBytes > MAX_LINE_BYTES) return invalid(`a line longer than ${MAX_LINE_BYTES} bytes`);
    if (rest.length > 0) pending.push(rest);
  });
}

/** Where a bridged medium appears to the station's consolidation driver (never a real path). */
export const bridgedMountPath = (medium: string): string => `/vep-bridge/${medium}`;
