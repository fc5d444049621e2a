/**
 * The transmission unit: what a transmission station sends to the computing centre, one per
 * transmitted file (the consolidated mesa result, or the scanned image of the ODPE acta copy).
 *
 * Wire bytes = a signed envelope (kind `transmission`, signer `transmission`: the package's
 * transmission-station key) whose payload is
 *   {formatVersion, electionId, mesa, packageHash, simulacro, kind, sha256, senderBoxKey, nonce, ciphertext}
 * where ciphertext = tweetnacl `box(plaintext, nonce, centreBoxPublicKey, senderSecret)`.
 *
 * Decisions:
 * - The sender box key is EPHEMERAL, one fresh X25519 pair per unit, its secret dropped right
 *   after sealing. The station has no long-term box key to protect or leak, and authenticity
 *   comes from the outer Ed25519 signature (which covers senderBoxKey, nonce and ciphertext),
 *   not from the box sender key. Sealing the same file twice gives different bytes; the centre
 *   therefore deduplicates on `sha256` (of the plaintext), never on the unit bytes.
 * - electionId, mesa, packageHash and simulacro are in clear (but signed) so the centre can pick
 *   the package (and its transmission key) and refuse another election or a simulacro before
 *   decrypting. They are claims: the centre checks them again against the decrypted, verified
 *   result.
 * - For `mesa-result` the plaintext is the signed `resultado-mesa.vep` bytes (Contract A); for
 *   `acta-image` it is the raw image file, authenticated only by this unit's signature.
 */
import nacl from 'tweetnacl';
import { z } from 'zod';
import { fromBase64Strict, toBase64 } from '../crypto/base64.ts';
import { describeEnvelopeError, openEnvelope, sealEnvelope, type EnvelopeError, type Signer } from '../crypto/envelope.ts';
import { sha256Hex } from '../crypto/hash.ts';
import { TRANSMISSION_ROLE } from '../crypto/keyset.ts';
import { packageCentreBoxKey, resolvePackageKey, type VerifiedPackage } from '../election/package.ts';
import { err, ok, type Result } from '../result.ts';

export const TRANSMISSION_KIND = 'transmission';
export const TRANSMISSION_FORMAT_VERSION = 1;
export const TRANSMITTED_KINDS = ['mesa-result', 'acta-image'] as const;
export type TransmittedKind = (typeof TRANSMITTED_KINDS)[number];
/** Refused before parsing: a mesa result is ~100 KB, a scanned acta a few MB. */
export const MAX_TRANSMISSION_BYTES = 32 * 1024 * 1024;

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, { message: 'must be 64 lowercase hexadecimal characters' });
function base64Bytes(length?: number) {
  return z.string().refine((text) => fromBase64Strict(text, length).ok, {
    message: length === undefined ? 'must be canonical base64' : `must be ${length} bytes in canonical base64`,
  });
}

export const transmissionPayloadSchema = z.strictObject({
  formatVersion: z.literal(TRANSMISSION_FORMAT_VERSION),
  electionId: z.string().min(1).max(64),
  mesa: z.string().min(1).max(16),
  packageHash: hex64,
  simulacro: z.boolean(),
  kind: z.enum(TRANSMITTED_KINDS),
  sha256: hex64,
  senderBoxKey: base64Bytes(nacl.box.publicKeyLength),
  nonce: base64Bytes(nacl.box.nonceLength),
  ciphertext: base64Bytes(),
});

export type TransmissionPayload = z.output<typeof transmissionPayloadSchema>;

export type TransmissionProblem =
  | { kind: 'too-large'; size: number }
  | { kind: 'envelope'; error: EnvelopeError }
  | { kind: 'bad-payload'; detail: string }
  | { kind: 'wrong-signer'; signer: string }
  | { kind: 'undecryptable' }
  | { kind: 'hash-mismatch'; claimed: string; actual: string };

export function describeTransmissionProblem(p: TransmissionProblem): string {
  switch (p.kind) {
    case 'too-large':
      return `transmission of ${p.size} bytes exceeds the limit of ${MAX_TRANSMISSION_BYTES}`;
    case 'envelope':
      return `transmission envelope rejected: ${describeEnvelopeError(p.error)}`;
    case 'bad-payload':
      return `transmission envelope has a malformed payload: ${p.detail}`;
    case 'wrong-signer':
      return `transmission is signed by ${p.signer}, not by the transmission station`;
    case 'undecryptable':
      return 'transmission cannot be decrypted with the centre key (wrong key or altered ciphertext)';
    case 'hash-mismatch':
      return `decrypted content has sha256 ${p.actual}, the transmission claims ${p.claimed}`;
  }
}

export interface SealTransmissionInput {
  readonly pkg: VerifiedPackage;
  readonly kind: TransmittedKind;
  readonly plaintext: Uint8Array;
  /** The package's `transmission` key. */
  readonly signer: Signer;
}

export function sealTransmission({ pkg, kind, plaintext, signer }: SealTransmissionInput): Uint8Array {
  if (signer.role !== TRANSMISSION_ROLE) throw new Error(`bug: transmission units are signed by ${TRANSMISSION_ROLE}, not ${signer.role}`);
  const sender = nacl.box.keyPair();
  const nonce = nacl.randomBytes(nacl.box.nonceLength);
  const ciphertext = nacl.box(plaintext, nonce, packageCentreBoxKey(pkg), sender.secretKey);
  sender.secretKey.fill(0);
  const { definition } = pkg.payload;
  const payload: TransmissionPayload = {
    formatVersion: TRANSMISSION_FORMAT_VERSION,
    electionId: definition.election.id,
    mesa: definition.mesa.number,
    packageHash: pkg.packageHash,
    simulacro: definition.election.simulacro,
    kind,
    sha256: sha256Hex(plaintext),
    senderBoxKey: toBase64(sender.publicKey),
    nonce: toBase64(nonce),
    ciphertext: toBase64(ciphertext),
  };
  return sealEnvelope(TRANSMISSION_KIND, payload, signer);
}

function parsePayload(payload: unknown): Result<TransmissionPayload, TransmissionProblem> {
  const parsed = transmissionPayloadSchema.safeParse(payload);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ');
    return err({ kind: 'bad-payload', detail });
  }
  return ok(parsed.data);
}

/**
 * Reads the claims WITHOUT checking the signature: the centre needs electionId and packageHash
 * to find the key to check it with. Nothing read here may be trusted beyond choosing a package
 * or refusing.
 */
export function peekTransmission(bytes: Uint8Array): Result<TransmissionPayload, TransmissionProblem> {
  if (bytes.length > MAX_TRANSMISSION_BYTES) return err({ kind: 'too-large', size: bytes.length });
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    return err({ kind: 'envelope', error: { kind: 'not-json', detail: e instanceof Error ? e.message : String(e) } });
  }
  if (typeof parsed !== 'object' || parsed === null || !('payload' in parsed)) {
    return err({ kind: 'envelope', error: { kind: 'bad-shape', detail: 'not an envelope' } });
  }
  return parsePayload(parsed.payload);
}

/** Verifies the unit's signature by the transmission key of `pkg` and parses its payload. */
export function openTransmission(bytes: Uint8Array, pkg: VerifiedPackage): Result<TransmissionPayload, TransmissionProblem> {
  if (bytes.length > MAX_TRANSMISSION_BYTES) return err({ kind: 'too-large', size: bytes.length });
  const resolve = resolvePackageKey(pkg);
  const opened = openEnvelope(bytes, TRANSMISSION_KIND, (signer, id) =>
    signer === TRANSMISSION_ROLE ? resolve(signer, id) : undefined,
  );
  if (!opened.ok) {
    if (opened.error.kind === 'unknown-signer' && opened.error.signer !== TRANSMISSION_ROLE) {
      return err({ kind: 'wrong-signer', signer: opened.error.signer });
    }
    return err({ kind: 'envelope', error: opened.error });
  }
  return parsePayload(opened.value.payload);
}

/** Decrypts with the centre's box secret and checks the plaintext against the signed sha256. */
export function decryptTransmission(payload: TransmissionPayload, centreBoxSecret: Uint8Array): Result<Uint8Array, TransmissionProblem> {
  const decode = (text: string): Uint8Array => {
    const bytes = fromBase64Strict(text);
    if (!bytes.ok) throw new Error('bug: payload was parsed as canonical base64');
    return bytes.value;
  };
  const plaintext = nacl.box.open(decode(payload.ciphertext), decode(payload.nonce), decode(payload.senderBoxKey), centreBoxSecret);
  if (plaintext === null) return err({ kind: 'undecryptable' });
  const actual = sha256Hex(plaintext);
  if (actual !== payload.sha256) return err({ kind: 'hash-mismatch', claimed: payload.sha256, actual });
  return ok(plaintext);
}
