/**
 * The one-time activation token: written by the identity station on the voter's activation
 * device after it checked the DNI, checked by the cabin before it opens a voting session.
 *
 * Unlinkability duty of the identity station: `issueToken` returns the nonce only so the station
 * can hand the bytes to the device writer. The station must NOT store, log or print the nonce, and
 * above all never next to the voter (no nonce -> DNI table, not even in memory past the write): the
 * cabin records used nonces, and a station-side map would let anyone holding both stores' copies
 * join them. The token itself carries no voter identity, no issue time and no cabin.
 */
import { randomBytes } from 'node:crypto';
import { fromBase64Strict } from '../crypto/base64.ts';
import { openEnvelope, sealEnvelope, type EnvelopeError, type KeyResolver, type Signer } from '../crypto/envelope.ts';
import { IDENTITY_ROLE } from '../crypto/keyset.ts';
import { MAX_BLOB_BYTES } from '../devices/activation/device-image.ts';
import { err, ok, type Result } from '../result.ts';
import {
  ACTIVATION_CLAIMED_KIND,
  ACTIVATION_CONSUMED_KIND,
  ACTIVATION_FORMAT_VERSION,
  ACTIVATION_TOKEN_KIND,
  CABIN_ROLE_PATTERN,
  claimedPayloadSchema,
  consumedPayloadSchema,
  encodeNonce,
  expiryAfter,
  NONCE_BYTES,
  parseExpiry,
  tokenPayloadSchema,
  type TokenPayload,
} from './payload.ts';
import type { TokenRejection } from './rejection.ts';

/** Longest validity the issuer accepts: a token is for the voter walking to the cabin now. */
export const MAX_VALIDITY_MINUTES = 24 * 60;

export interface IssueTokenInput {
  readonly electionId: string;
  readonly mesa: string;
  readonly simulacro: boolean;
  readonly now: Date;
  readonly validityMinutes: number;
  /** The identity station's key (role `identity`). */
  readonly signer: Signer;
  /** CSPRNG override for tests; defaults to node:crypto randomBytes. */
  readonly random?: (size: number) => Uint8Array;
}

export interface IssuedToken {
  /** The blob to write on the activation device. */
  readonly bytes: Uint8Array;
  /** For the caller's own checks only: never store or log it (see the module comment). */
  readonly nonce: string;
}

/** Throws on bad configuration (wrong key role, invalid ids, absurd validity): these are bugs. */
export function issueToken(input: IssueTokenInput): IssuedToken {
  if (input.signer.role !== IDENTITY_ROLE) {
    throw new Error(`activation tokens are signed by the ${IDENTITY_ROLE} key, not ${input.signer.role}`);
  }
  if (!Number.isSafeInteger(input.validityMinutes) || input.validityMinutes < 1 || input.validityMinutes > MAX_VALIDITY_MINUTES) {
    throw new Error(`validityMinutes must be an integer from 1 to ${MAX_VALIDITY_MINUTES}, got ${input.validityMinutes}`);
  }
  const nonce = encodeNonce((input.random ?? randomBytes)(NONCE_BYTES));
  const parsed = tokenPayloadSchema.safeParse({
    v: ACTIVATION_FORMAT_VERSION,
    electionId: input.electionId,
    mesa: input.mesa,
    nonce,
    expiresAt: expiryAfter(input.now, input.validityMinutes),
    simulacro: input.simulacro,
  });
  if (!parsed.success) throw new Error(`bad activation token input: ${parsed.error.message}`);
  const bytes = sealEnvelope(ACTIVATION_TOKEN_KIND, parsed.data, input.signer);
  if (bytes.length > MAX_BLOB_BYTES) throw new Error(`bug: activation token of ${bytes.length} bytes exceeds ${MAX_BLOB_BYTES}`);
  return { bytes, nonce };
}

export type VerifiedToken = Omit<TokenPayload, 'v'>;

export interface VerifyTokenOptions {
  /** The election package's resolver (resolvePackageKey): only this package's identity key counts. */
  readonly resolveKey: KeyResolver;
  readonly electionId: string;
  readonly mesa: string;
  /** Whether this cabin runs a simulacro: a drill token never opens a real election, nor vice versa. */
  readonly simulacro: boolean;
  readonly now: Date;
  /** The vote store's used-nonce check (survives restarts). */
  readonly isUsed: (nonce: string) => boolean;
  /**
   * The verifying cabin (`cabin-N`): a device claimed by this cabin (markClaimed) is checked like
   * the token it replaced; one claimed by any other cabin is refused as `claimed-elsewhere`.
   * Without it (non-cabin callers) every claimed device is `claimed-elsewhere`.
   */
  readonly cabinId?: string;
}

function envelopeRejection(e: EnvelopeError): TokenRejection {
  switch (e.kind) {
    case 'not-json':
    case 'bad-shape':
      return { kind: 'malformed', detail: e.kind === 'not-json' ? 'not a signed envelope' : e.detail };
    case 'wrong-kind':
      return { kind: 'malformed', detail: `device carries a ${e.found}, not an activation token` };
    case 'not-canonical':
      return { kind: 'forged', detail: 'bytes were edited after signing' };
    case 'unknown-signer':
      return { kind: 'forged', detail: `signer ${e.signer} is not a key of this election package` };
    case 'bad-signature':
      return { kind: 'forged', detail: `signature by ${e.signer} does not verify` };
  }
}

/** A device that carries a consumed mark instead of a token: `consumed` if a cabin of this package signed it. */
function consumedRejection(bytes: Uint8Array, resolveKey: KeyResolver): TokenRejection {
  const opened = openEnvelope(bytes, ACTIVATION_CONSUMED_KIND, resolveKey);
  if (!opened.ok) return envelopeRejection(opened.error);
  if (!CABIN_ROLE_PATTERN.test(opened.value.signer)) {
    return { kind: 'forged', detail: `consumed mark signed by ${opened.value.signer}, not a cabin` };
  }
  const payload = consumedPayloadSchema.safeParse(opened.value.payload);
  if (!payload.success) return { kind: 'malformed', detail: `consumed mark: ${payload.error.message}` };
  return { kind: 'consumed', nonce: payload.data.nonce, cabin: opened.value.signer };
}

/** The token payload from the device: an identity-signed token, or this cabin's own claim of one. */
function tokenOrOwnClaim(bytes: Uint8Array, options: VerifyTokenOptions): Result<TokenPayload, TokenRejection> {
  if (bytes.length === 0) return err({ kind: 'malformed', detail: 'blank device' });
  const opened = openEnvelope(bytes, ACTIVATION_TOKEN_KIND, options.resolveKey);
  if (!opened.ok) {
    const e = opened.error;
    if (e.kind === 'wrong-kind' && e.found === ACTIVATION_CONSUMED_KIND) return err(consumedRejection(bytes, options.resolveKey));
    if (e.kind === 'wrong-kind' && e.found === ACTIVATION_CLAIMED_KIND) return claimedToken(bytes, options);
    return err(envelopeRejection(e));
  }
  return identityPayload(opened.value.signer, opened.value.payload);
}

/** Bytes that must be an identity-signed token (a claim's content): no other kind accepted. */
function identityToken(bytes: Uint8Array, options: VerifyTokenOptions): Result<TokenPayload, TokenRejection> {
  const opened = openEnvelope(bytes, ACTIVATION_TOKEN_KIND, options.resolveKey);
  if (!opened.ok) return err(envelopeRejection(opened.error));
  return identityPayload(opened.value.signer, opened.value.payload);
}

function identityPayload(signer: string, payload: unknown): Result<TokenPayload, TokenRejection> {
  if (signer !== IDENTITY_ROLE) {
    return err({ kind: 'forged', detail: `token signed by ${signer}, not the identity station` });
  }
  const parsed = tokenPayloadSchema.safeParse(payload);
  if (!parsed.success) return err({ kind: 'malformed', detail: `token payload: ${parsed.error.message}` });
  return ok(parsed.data);
}

/** A claim mark: the token it wraps if THIS cabin signed it, else the rejection. */
function claimedToken(bytes: Uint8Array, options: VerifyTokenOptions): Result<TokenPayload, TokenRejection> {
  const opened = openEnvelope(bytes, ACTIVATION_CLAIMED_KIND, options.resolveKey);
  if (!opened.ok) return err(envelopeRejection(opened.error));
  const { signer } = opened.value;
  if (!CABIN_ROLE_PATTERN.test(signer)) return err({ kind: 'forged', detail: `claim mark signed by ${signer}, not a cabin` });
  const payload = claimedPayloadSchema.safeParse(opened.value.payload);
  if (!payload.success) return err({ kind: 'malformed', detail: `claim mark: ${payload.error.message}` });
  const inner = fromBase64Strict(payload.data.token);
  if (!inner.ok) return err({ kind: 'malformed', detail: 'claim mark token is not canonical base64' });
  // The wrapped bytes must be an identity-signed token themselves (never another claim or mark).
  const token = identityToken(inner.value, options);
  if (!token.ok) return token;
  if (signer !== options.cabinId) return err({ kind: 'claimed-elsewhere', nonce: token.value.nonce, cabin: signer });
  return token;
}

/**
 * The cabin's check of the device content. Order: shape and signature first (nothing unsigned is
 * interpreted), then election, mesa and mode, then replay before expiry (a reused token is the
 * more serious finding for the log). A device this cabin claimed goes through the same checks.
 */
export function verifyToken(bytes: Uint8Array, options: VerifyTokenOptions): Result<VerifiedToken, TokenRejection> {
  const payload = tokenOrOwnClaim(bytes, options);
  if (!payload.ok) return payload;
  const { v: _v, ...token } = payload.value;
  if (token.electionId !== options.electionId) return err({ kind: 'other-election', found: token.electionId });
  if (token.mesa !== options.mesa) return err({ kind: 'other-mesa', found: token.mesa });
  if (token.simulacro !== options.simulacro) return err({ kind: 'simulacro-mismatch', tokenSimulacro: token.simulacro });
  if (options.isUsed(token.nonce)) return err({ kind: 'replayed', nonce: token.nonce });
  const expires = parseExpiry(token.expiresAt);
  // The schema already refused an unparsable expiry.
  if (expires === undefined || options.now.getTime() >= expires) return err({ kind: 'expired', expiresAt: token.expiresAt });
  return ok(token);
}
