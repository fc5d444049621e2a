/**
 * What the activation device carries, as signed-envelope payloads (shared/crypto/envelope.ts).
 *
 * Two kinds today, told apart by the envelope `kind` (the format's type field, so member
 * credentials or anything else written to the same device later is a new kind, never a
 * reinterpretation of these):
 * - `activation-token`, signed by the identity station (`identity`): the voter may vote once.
 * - `activation-claimed`, signed by the cabin that accepted the token (`cabin-N`), written over
 *   the token BEFORE the voting session starts: this device belongs to that cabin now. It wraps
 *   the token's bytes so the claiming cabin can check it again after a pull or a restart (the
 *   same voter back in the same cabin), while any other cabin refuses it. Why: a device pulled
 *   between the cabin's commit and its consumed mark would otherwise still carry a valid token
 *   that another cabin, which does not know the nonce, would accept (a second vote).
 * - `activation-consumed`, signed by the cabin that took the vote (`cabin-N`): the token was used.
 *
 * Secrecy (VVSG 2.0 §10: the device keeps nothing that identifies a ballot, nor the order or time
 * of use): no voter identity, no issue time, no cabin in the token; no ballot data and no time in
 * the consumed mark. The one time on the device is the token's expiry, rounded to the minute
 * (see `expiryAfter`).
 *
 * Size: the envelope JSON of a token or a consumed mark is at most 398 bytes with the longest election id the
 * definition schema allows (64 characters), well under the reader's 1024-byte blob limit
 * (MAX_BLOB_BYTES); test/activation-token.test.ts checks the worst case, so the compact binary
 * fallback was not needed and every signed artefact keeps the one envelope format. A claim wraps
 * a token (base64, 4/3 of it) and stays under the limit too (test/activation-claim.test.ts).
 */
import { z } from 'zod';

export const ACTIVATION_TOKEN_KIND = 'activation-token';
export const ACTIVATION_CONSUMED_KIND = 'activation-consumed';
export const ACTIVATION_CLAIMED_KIND = 'activation-claimed';
export const ACTIVATION_FORMAT_VERSION = 1;

/** 128-bit nonce in unpadded base64url: exactly 22 characters. */
export const NONCE_BYTES = 16;
const NONCE_PATTERN = /^[A-Za-z0-9_-]{22}$/u;

export function encodeNonce(bytes: Uint8Array): string {
  if (bytes.length !== NONCE_BYTES) throw new Error(`nonce must be ${NONCE_BYTES} bytes, got ${bytes.length}`);
  return Buffer.from(bytes).toString('base64url');
}

/** Only the one canonical spelling of 16 bytes: two spellings of one nonce would defeat replay checks. */
export function isCanonicalNonce(text: string): boolean {
  if (!NONCE_PATTERN.test(text)) return false;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.length === NONCE_BYTES && bytes.toString('base64url') === text;
}

/** "YYYY-MM-DDTHH:MMZ": UTC, minute precision. */
const EXPIRY_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$/u;

export function parseExpiry(text: string): number | undefined {
  if (!EXPIRY_PATTERN.test(text)) return undefined;
  const ms = Date.parse(`${text.slice(0, 16)}:00Z`);
  return Number.isFinite(ms) && formatExpiry(ms) === text ? ms : undefined;
}

function formatExpiry(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16)}Z`;
}

const MINUTE_MS = 60_000;

/**
 * Expiry = now + validity, rounded UP to the whole minute (never shorter than promised).
 * Why coarse: the expiry is the one time on the device, and issue time = expiry - validity. To the
 * millisecond it would be a near-unique timestamp of the voter's admission that the identity
 * station's own log (which records admissions) could match, and it would sit on the device the
 * cabin reads. To the minute it no longer names an instant, and minute precision is all an expiry
 * needs (station clocks differ by seconds anyway). The cabin never stores or logs it, and the
 * consumed mark that replaces the token carries no time at all.
 */
export function expiryAfter(now: Date, validityMinutes: number): string {
  return formatExpiry(Math.ceil((now.getTime() + validityMinutes * MINUTE_MS) / MINUTE_MS) * MINUTE_MS);
}

const electionId = z.string().min(1).max(64);
const mesa = z.string().regex(/^\d{6}$/u);
const nonce = z.string().refine(isCanonicalNonce, { message: 'must be a canonical base64url 128-bit nonce' });

export const tokenPayloadSchema = z.strictObject({
  v: z.literal(ACTIVATION_FORMAT_VERSION),
  electionId,
  mesa,
  nonce,
  expiresAt: z.string().refine((text) => parseExpiry(text) !== undefined, { message: 'must be YYYY-MM-DDTHH:MMZ' }),
  simulacro: z.boolean(),
});

export type TokenPayload = z.output<typeof tokenPayloadSchema>;

export const consumedPayloadSchema = z.strictObject({
  v: z.literal(ACTIVATION_FORMAT_VERSION),
  consumed: z.literal(true),
  electionId,
  mesa,
  nonce,
});

export type ConsumedPayload = z.output<typeof consumedPayloadSchema>;

/**
 * The identity station's token bytes, whole (base64), so that the claim proves the token it
 * replaced with the identity station's own signature, and so that a cabin can put the token back
 * if a session ends without a vote while the device is still in its reader. No field is added:
 * no time, no cabin data beyond the signer.
 */
export const claimedPayloadSchema = z.strictObject({
  v: z.literal(ACTIVATION_FORMAT_VERSION),
  claimed: z.literal(true),
  token: z.string().min(1).max(1024),
});

export type ClaimedPayload = z.output<typeof claimedPayloadSchema>;

/** Envelope signer roles allowed for each kind. */
export const CABIN_ROLE_PATTERN = /^cabin-[1-9][0-9]*$/u;
