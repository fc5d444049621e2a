/**
 * After the vote the cabin overwrites the token with a CONSUMED mark signed by its own key. The
 * identity station reads a returned device with `readDeviceState` and can then tell "consumed by
 * a real cabin of this mesa" from "never used" (Art. 23: identified but did not vote) and from
 * junk. The mark holds no ballot data and no time; the signer role names the cabin, which the
 * mesa members see anyway when the voter walks into it.
 *
 * Before the vote the cabin writes a CLAIM mark over the token (markClaimed, payload.ts): only the
 * claiming cabin accepts the device again. `readDeviceState` reports a claimed device as `invalid`
 * with the reason, never as an unconsumed token: the identity station must not record Art. 23 for
 * a voter whose vote may have been committed (see readDeviceClaim).
 */
import { fromBase64Strict, toBase64 } from '../crypto/base64.ts';
import { openEnvelope, sealEnvelope, type KeyResolver, type Signer } from '../crypto/envelope.ts';
import { IDENTITY_ROLE } from '../crypto/keyset.ts';
import { MAX_BLOB_BYTES } from '../devices/activation/device-image.ts';
import {
  ACTIVATION_CLAIMED_KIND,
  ACTIVATION_CONSUMED_KIND,
  ACTIVATION_FORMAT_VERSION,
  ACTIVATION_TOKEN_KIND,
  CABIN_ROLE_PATTERN,
  claimedPayloadSchema,
  consumedPayloadSchema,
  tokenPayloadSchema,
} from './payload.ts';
import type { VerifiedToken } from './token.ts';
import { err, ok, type Result } from '../result.ts';

export interface ConsumedMarkInput {
  readonly electionId: string;
  readonly mesa: string;
  readonly nonce: string;
}

/** The blob the cabin writes over the token. Throws if `signer` is not a cabin key (a bug). */
export function markConsumed(token: ConsumedMarkInput, signer: Signer): Uint8Array {
  if (!CABIN_ROLE_PATTERN.test(signer.role)) throw new Error(`consumed marks are signed by a cabin key, not ${signer.role}`);
  const parsed = consumedPayloadSchema.safeParse({
    v: ACTIVATION_FORMAT_VERSION,
    consumed: true,
    electionId: token.electionId,
    mesa: token.mesa,
    nonce: token.nonce,
  });
  if (!parsed.success) throw new Error(`bad consumed mark input: ${parsed.error.message}`);
  const bytes = sealEnvelope(ACTIVATION_CONSUMED_KIND, parsed.data, signer);
  if (bytes.length > MAX_BLOB_BYTES) throw new Error(`bug: consumed mark of ${bytes.length} bytes exceeds ${MAX_BLOB_BYTES}`);
  return bytes;
}

/**
 * The blob a cabin writes over a verified token before the voting session starts (payload.ts:
 * `activation-claimed`), wrapping the token's own bytes. Throws if `signer` is not a cabin key
 * or the result would not fit the device (bugs).
 */
export function markClaimed(tokenBytes: Uint8Array, signer: Signer): Uint8Array {
  if (!CABIN_ROLE_PATTERN.test(signer.role)) throw new Error(`claim marks are signed by a cabin key, not ${signer.role}`);
  const parsed = claimedPayloadSchema.safeParse({ v: ACTIVATION_FORMAT_VERSION, claimed: true, token: toBase64(tokenBytes) });
  if (!parsed.success) throw new Error(`bad claim mark input: ${parsed.error.message}`);
  const bytes = sealEnvelope(ACTIVATION_CLAIMED_KIND, parsed.data, signer);
  if (bytes.length > MAX_BLOB_BYTES) throw new Error(`bug: claim mark of ${bytes.length} bytes exceeds ${MAX_BLOB_BYTES}`);
  return bytes;
}

/** A claim mark of this election and mesa, verified, with the identity-signed token inside it. */
export interface DeviceClaim {
  readonly token: VerifiedToken;
  /** The token's bytes as the identity station wrote them (to put back when a claim is released). */
  readonly tokenBytes: Uint8Array;
  readonly cabin: string;
}

/** Why a device that looks like a claim is not a valid one (English, for the log). */
export type ClaimProblem = { readonly kind: 'not-a-claim' } | { readonly kind: 'invalid'; readonly detail: string };

/** Opens a claim mark: signed by a cabin of this package, wrapping a token of this election and mesa. */
export function readDeviceClaim(bytes: Uint8Array, options: ReadDeviceStateOptions): Result<DeviceClaim, ClaimProblem> {
  if (kindOf(bytes) !== ACTIVATION_CLAIMED_KIND) return err({ kind: 'not-a-claim' });
  const opened = openEnvelope(bytes, ACTIVATION_CLAIMED_KIND, options.resolveKey);
  if (!opened.ok) return err({ kind: 'invalid', detail: `claim mark envelope: ${opened.error.kind}` });
  if (!CABIN_ROLE_PATTERN.test(opened.value.signer)) return err({ kind: 'invalid', detail: `claim mark signed by ${opened.value.signer}` });
  const parsed = claimedPayloadSchema.safeParse(opened.value.payload);
  if (!parsed.success) return err({ kind: 'invalid', detail: 'claim mark payload does not match the format' });
  const tokenBytes = fromBase64Strict(parsed.data.token);
  if (!tokenBytes.ok) return err({ kind: 'invalid', detail: 'claim mark token is not canonical base64' });
  const inner = readDeviceState(tokenBytes.value, options);
  if (inner.state !== 'unconsumed-token') {
    return err({ kind: 'invalid', detail: `claim mark wraps no token of this mesa (${inner.state === 'invalid' ? inner.detail : inner.state})` });
  }
  return ok({ token: inner.token, tokenBytes: tokenBytes.value, cabin: opened.value.signer });
}

export type DeviceState =
  | { readonly state: 'blank' }
  /** A token of this election and mesa signed by this package's identity station (expired or not). */
  | { readonly state: 'unconsumed-token'; readonly token: VerifiedToken }
  /** A consumed mark of this election and mesa signed by one of this package's cabins. */
  | { readonly state: 'consumed'; readonly nonce: string; readonly cabin: string }
  /** Anything else: unsigned, forged, another election or mesa, unknown kind. English detail for the log. */
  | { readonly state: 'invalid'; readonly detail: string };

export interface ReadDeviceStateOptions {
  readonly resolveKey: KeyResolver;
  readonly electionId: string;
  readonly mesa: string;
}

function kindOf(bytes: Uint8Array): string | undefined {
  try {
    const value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
    if (typeof value === 'object' && value !== null && 'kind' in value && typeof value.kind === 'string') return value.kind;
  } catch {
    // Not JSON: reported as invalid below.
  }
  return undefined;
}

function sameMesa(found: { electionId: string; mesa: string }, options: ReadDeviceStateOptions): string | undefined {
  if (found.electionId !== options.electionId) return `belongs to election ${found.electionId}`;
  if (found.mesa !== options.mesa) return `belongs to mesa ${found.mesa}`;
  return undefined;
}

/** Classifies device content for the identity station (returned devices) and the cabin (recovery). */
export function readDeviceState(bytes: Uint8Array, options: ReadDeviceStateOptions): DeviceState {
  if (bytes.length === 0) return { state: 'blank' };
  const kind = kindOf(bytes);
  if (kind === ACTIVATION_TOKEN_KIND) {
    const opened = openEnvelope(bytes, ACTIVATION_TOKEN_KIND, options.resolveKey);
    if (!opened.ok) return { state: 'invalid', detail: `token envelope: ${opened.error.kind}` };
    if (opened.value.signer !== IDENTITY_ROLE) return { state: 'invalid', detail: `token signed by ${opened.value.signer}` };
    const parsed = tokenPayloadSchema.safeParse(opened.value.payload);
    if (!parsed.success) return { state: 'invalid', detail: 'token payload does not match the format' };
    const { v: _v, ...token } = parsed.data;
    const other = sameMesa(token, options);
    return other === undefined ? { state: 'unconsumed-token', token } : { state: 'invalid', detail: `token ${other}` };
  }
  if (kind === ACTIVATION_CONSUMED_KIND) {
    const opened = openEnvelope(bytes, ACTIVATION_CONSUMED_KIND, options.resolveKey);
    if (!opened.ok) return { state: 'invalid', detail: `consumed mark envelope: ${opened.error.kind}` };
    if (!CABIN_ROLE_PATTERN.test(opened.value.signer)) return { state: 'invalid', detail: `consumed mark signed by ${opened.value.signer}` };
    const parsed = consumedPayloadSchema.safeParse(opened.value.payload);
    if (!parsed.success) return { state: 'invalid', detail: 'consumed mark payload does not match the format' };
    const other = sameMesa(parsed.data, options);
    return other === undefined
      ? { state: 'consumed', nonce: parsed.data.nonce, cabin: opened.value.signer }
      : { state: 'invalid', detail: `consumed mark ${other}` };
  }
  if (kind === ACTIVATION_CLAIMED_KIND) {
    // Claimed by a cabin but never marked consumed: the cabin may have committed the vote before
    // the device left it, or not. Neither "voted" nor "did not vote" may be assumed, so it is not
    // an `unconsumed-token` (which the identity station may record as Art. 23). Callers that can
    // offer the president's decision tell it apart with readDeviceClaim.
    const claim = readDeviceClaim(bytes, options);
    if (!claim.ok) return { state: 'invalid', detail: claim.error.kind === 'invalid' ? claim.error.detail : 'claim mark' };
    return { state: 'invalid', detail: `claimed by ${claim.value.cabin} and never marked consumed: the voter may have voted (president decides)` };
  }
  return { state: 'invalid', detail: kind === undefined ? 'not a signed envelope' : `unknown content kind ${kind}` };
}
