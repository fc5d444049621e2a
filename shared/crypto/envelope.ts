/**
 * Signed envelope: the one format for every signed artefact (election package, tokens'
 * payloads aside, cabin results, identity summary, consolidated mesa result, receipts).
 *
 * File bytes = canonicalJson({format, kind, signer, keyId, payload, signature}).
 * The signature covers canonicalJson({format, kind, signer, keyId, payload}), so the kind
 * is bound (a cabin result can never be replayed as a package) and the signer is named.
 * On open we demand that the bytes are exactly canonical: a single changed byte anywhere,
 * whitespace included, is refused.
 */
import { canonicalJson, CanonicalJsonError, type Json } from './canonical-json.ts';
import { keyId as keyIdOf, signDetached, verifyDetached } from './ed25519.ts';
import { fromBase64Strict, toBase64 } from './base64.ts';
import { err, ok, type Result } from '../result.ts';

export const ENVELOPE_FORMAT = 'vep-signed/1';

export interface Signer {
  /** Role name of the key, e.g. "onpe-root", "cabin-1", "identity". */
  readonly role: string;
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
}

export type EnvelopeError =
  | { kind: 'not-json'; detail: string }
  | { kind: 'not-canonical' }
  | { kind: 'bad-shape'; detail: string }
  | { kind: 'wrong-kind'; expected: string; found: string }
  | { kind: 'unknown-signer'; signer: string; keyId: string }
  | { kind: 'bad-signature'; signer: string };

export interface Opened {
  readonly kind: string;
  readonly signer: string;
  readonly keyId: string;
  readonly payload: unknown;
}

/** Looks up the trusted public key for a signer role; undefined when not trusted. */
export type KeyResolver = (signer: string, keyId: string) => Uint8Array | undefined;

function signedPart(kind: string, signer: string, keyId: string, payload: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson({ format: ENVELOPE_FORMAT, kind, signer, keyId, payload }));
}

export function sealEnvelope(kind: string, payload: Json | object, signer: Signer): Uint8Array {
  const id = keyIdOf(signer.publicKey);
  const signature = signDetached(signedPart(kind, signer.role, id, payload), signer.seed);
  return new TextEncoder().encode(
    canonicalJson({ format: ENVELOPE_FORMAT, kind, signer: signer.role, keyId: id, payload, signature: toBase64(signature) }),
  );
}

export function openEnvelope(bytes: Uint8Array, expectedKind: string, resolve: KeyResolver): Result<Opened, EnvelopeError> {
  let text: string;
  let parsed: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    parsed = JSON.parse(text);
  } catch (e) {
    return err({ kind: 'not-json', detail: e instanceof Error ? e.message : String(e) });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return err({ kind: 'bad-shape', detail: 'not an object' });
  }
  const env = parsed as Record<string, unknown>;
  const keys = Object.keys(env).sort().join(',');
  if (keys !== 'format,keyId,kind,payload,signature,signer') {
    return err({ kind: 'bad-shape', detail: `unexpected fields: ${keys}` });
  }
  const { format, kind, signer, keyId, payload, signature } = env;
  if (format !== ENVELOPE_FORMAT) return err({ kind: 'bad-shape', detail: `unknown format ${String(format)}` });
  if (typeof kind !== 'string' || typeof signer !== 'string' || typeof keyId !== 'string' || typeof signature !== 'string') {
    return err({ kind: 'bad-shape', detail: 'kind, signer, keyId and signature must be strings' });
  }
  try {
    if (canonicalJson(parsed) !== text) return err({ kind: 'not-canonical' });
  } catch (e) {
    if (e instanceof CanonicalJsonError) return err({ kind: 'not-canonical' });
    throw e;
  }
  if (kind !== expectedKind) return err({ kind: 'wrong-kind', expected: expectedKind, found: kind });
  const publicKey = resolve(signer, keyId);
  if (!publicKey || keyIdOf(publicKey) !== keyId) return err({ kind: 'unknown-signer', signer, keyId });
  const sig = fromBase64Strict(signature, 64);
  if (!sig.ok) return err({ kind: 'bad-signature', signer });
  if (!verifyDetached(signedPart(kind, signer, keyId, payload), sig.value, publicKey)) {
    return err({ kind: 'bad-signature', signer });
  }
  return ok({ kind, signer, keyId, payload });
}

/** English developer/log text for an envelope error. */
export function describeEnvelopeError(e: EnvelopeError): string {
  switch (e.kind) {
    case 'not-json':
      return `not a signed file (invalid UTF-8 or JSON: ${e.detail})`;
    case 'not-canonical':
      return 'file bytes are not in canonical form: it was edited after signing';
    case 'bad-shape':
      return `not a signed envelope: ${e.detail}`;
    case 'wrong-kind':
      return `expected a signed ${e.expected}, found a ${e.found}`;
    case 'unknown-signer':
      return `signer ${e.signer} (key ${e.keyId}) is not a trusted key`;
    case 'bad-signature':
      return `signature by ${e.signer} does not verify: the content was changed or forged`;
  }
}
