/**
 * Message types and payloads of the activation reader protocol (shared/devices/hid/PROTOCOL.md,
 * section 2). Shared by the host driver and the simulated reader so both speak one definition.
 */
import { err, ok, type Result } from '../../result.ts';

export const MessageType = {
  presence: 0x01,
  read: 0x02,
  write: 0x03,
  erase: 0x04,
  presenceOk: 0x81,
  readOk: 0x82,
  writeOk: 0x83,
  eraseOk: 0x84,
  error: 0x7f,
  event: 0x60,
} as const;

export const ErrorCode = {
  noDevice: 0x01,
  deviceRemoved: 0x02,
  writeFailed: 0x03,
  tooLarge: 0x04,
  badRequest: 0x05,
  unknownType: 0x06,
} as const;
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

export const EventCode = { inserted: 0x01, removed: 0x02 } as const;

export const HANDLE_SIZE = 8;
/** Requests carrying this handle target whatever device is present. */
export const ANY_HANDLE = new Uint8Array(HANDLE_SIZE);
export const EVENT_SEQ = 0;
export const MAX_ERROR_DETAIL = 48;

export function handleHex(handle: Uint8Array): string {
  return Buffer.from(handle).toString('hex');
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

export function isAnyHandle(handle: Uint8Array): boolean {
  return handle.every((b) => b === 0);
}

export type PresencePayload = { present: false } | { present: true; handle: Uint8Array; capacity: number };

export function encodePresence(p: PresencePayload): Uint8Array {
  const out = new Uint8Array(1 + HANDLE_SIZE + 2);
  if (p.present) {
    out[0] = 1;
    out.set(p.handle, 1);
    out[1 + HANDLE_SIZE] = p.capacity >>> 8;
    out[2 + HANDLE_SIZE] = p.capacity & 0xff;
  }
  return out;
}

export function decodePresence(payload: Uint8Array): Result<PresencePayload, string> {
  if (payload.length !== 1 + HANDLE_SIZE + 2) return err(`presence payload of ${payload.length} bytes`);
  if (payload[0] === 0) return ok({ present: false });
  if (payload[0] !== 1) return err(`presence flag ${String(payload[0])}`);
  const capacity = ((payload[1 + HANDLE_SIZE] ?? 0) << 8) | (payload[2 + HANDLE_SIZE] ?? 0);
  return ok({ present: true, handle: payload.slice(1, 1 + HANDLE_SIZE), capacity });
}

/** handle ‖ data, the layout of READ, WRITE, ERASE and their answers. */
export function encodeHandled(handle: Uint8Array, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(HANDLE_SIZE + data.length);
  out.set(handle, 0);
  out.set(data, HANDLE_SIZE);
  return out;
}

export function decodeHandled(payload: Uint8Array): Result<{ handle: Uint8Array; data: Uint8Array }, string> {
  if (payload.length < HANDLE_SIZE) return err(`payload of ${payload.length} bytes lacks the handle`);
  return ok({ handle: payload.slice(0, HANDLE_SIZE), data: payload.slice(HANDLE_SIZE) });
}

export function encodeError(code: ErrorCodeValue, detail = ''): Uint8Array {
  const text = new TextEncoder().encode(detail.replace(/[^\x20-\x7e]/g, '?').slice(0, MAX_ERROR_DETAIL));
  const out = new Uint8Array(1 + text.length);
  out[0] = code;
  out.set(text, 1);
  return out;
}

export function decodeError(payload: Uint8Array): Result<{ code: number; detail: string }, string> {
  const code = payload[0];
  if (code === undefined) return err('empty error payload');
  if (payload.length > 1 + MAX_ERROR_DETAIL) return err('error detail too long');
  const detail = Buffer.from(payload.subarray(1)).toString('latin1').replace(/[^\x20-\x7e]/g, '?');
  return ok({ code, detail });
}

export type ReaderEvent = { event: 'inserted'; handle: Uint8Array } | { event: 'removed' };

export function encodeEvent(e: ReaderEvent): Uint8Array {
  return e.event === 'inserted' ? Uint8Array.of(EventCode.inserted, ...e.handle) : Uint8Array.of(EventCode.removed);
}

export function decodeEvent(payload: Uint8Array): Result<ReaderEvent, string> {
  if (payload[0] === EventCode.inserted && payload.length === 1 + HANDLE_SIZE) {
    return ok({ event: 'inserted', handle: payload.slice(1) });
  }
  if (payload[0] === EventCode.removed && payload.length === 1) return ok({ event: 'removed' });
  return err('malformed event');
}
