/**
 * Who may sign the acta de escrutinio at the results station, and the signature itself.
 *
 * - Members present their member credential (shared/credentials/member-credential.ts format:
 *   `{ kind: 'member-credential', role: 'member-N', seed }`). The seed must be the one behind
 *   the PACKAGE key of member-N (proven by a fresh challenge, as for the president's
 *   credential), and the record's role is `president` for the package's president, `member`
 *   otherwise (mesa-result.ts memberSignatureRole).
 * - PERSONERO CREDENTIAL (design of this station): personeros are not in the package, so their
 *   device holds only their own key: `{ kind: 'personero-credential', seed }` (32-byte Ed25519
 *   seed, base64). The signer id is `personero-<keyId>` of that key (mesa-result.ts
 *   personeroSignerId) and the record carries the public key. The station proves the device
 *   holds the seed and refuses a key that belongs to the package (a member must sign as a
 *   member, never a second time as a personero). Who the personero is, is written on paper by
 *   the members; the key only binds "this device signed this acta".
 *
 * The seed is used only inside these functions: never logged, stored or returned. On a smart
 * card the card itself would compute both signatures.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { fromBase64Strict, toBase64 } from '../shared/crypto/base64.ts';
import { publicKeyFromSeed, signDetached, verifyDetached } from '../shared/crypto/ed25519.ts';
import { MEMBER_CREDENTIAL_KIND } from '../shared/credentials/member-credential.ts';
import { packageSigningKeys, type VerifiedPackage } from '../shared/election/package.ts';
import { err, ok, type Result } from '../shared/result.ts';
import { memberSignatureRole, personeroSignerId, signActaAsMember, type MemberSignatureRecord } from '../shared/results/mesa-result.ts';
import type { CredentialRefusal } from './machine-types.ts';

export const PERSONERO_CREDENTIAL_KIND = 'personero-credential';

const memberSchema = z.strictObject({
  kind: z.literal(MEMBER_CREDENTIAL_KIND),
  role: z.string().regex(/^member-[1-9][0-9]*$/u),
  seed: z.string(),
});
const personeroSchema = z.strictObject({ kind: z.literal(PERSONERO_CREDENTIAL_KIND), seed: z.string() });

type ParsedSigner = { readonly kind: 'member'; readonly role: string; readonly seed: Uint8Array } | { readonly kind: 'personero'; readonly seed: Uint8Array };

function parseSigner(bytes: Uint8Array): ParsedSigner | undefined {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
  const member = memberSchema.safeParse(value);
  if (member.success) {
    const seed = fromBase64Strict(member.data.seed, 32);
    return seed.ok ? { kind: 'member', role: member.data.role, seed: seed.value } : undefined;
  }
  const personero = personeroSchema.safeParse(value);
  if (personero.success) {
    const seed = fromBase64Strict(personero.data.seed, 32);
    return seed.ok ? { kind: 'personero', seed: seed.value } : undefined;
  }
  return undefined;
}

/** Bytes for a personero's activation device (tests, simulator, personero kit preparation). */
export function writePersoneroCredential(seed: Uint8Array): Uint8Array {
  if (seed.length !== 32) throw new Error('a personero credential needs a 32-byte seed');
  return new TextEncoder().encode(JSON.stringify({ kind: PERSONERO_CREDENTIAL_KIND, seed: toBase64(seed) }));
}

/** True when the bytes are a member or personero credential (not a voter's device). */
export function isSignerCredential(bytes: Uint8Array): boolean {
  return parseSigner(bytes) !== undefined;
}

function provesPossession(seed: Uint8Array, publicKey: Uint8Array, random: (size: number) => Uint8Array): boolean {
  const challenge = random(32);
  return verifyDetached(challenge, signDetached(challenge, seed), publicKey);
}

/**
 * Verifies the credential and signs the sealed acta with it. `unreadable`: not a signer
 * credential; `unknown`: no such member, the proof fails, or a personero key of the package.
 */
export function signActaWithCredential(
  pkg: Pick<VerifiedPackage, 'payload'>,
  presented: Uint8Array,
  actaBytes: Uint8Array,
  random: (size: number) => Uint8Array = (size) => new Uint8Array(randomBytes(size)),
): Result<MemberSignatureRecord, CredentialRefusal> {
  const parsed = parseSigner(presented);
  if (parsed === undefined) return err('unreadable');
  const keys = packageSigningKeys(pkg);
  if (parsed.kind === 'member') {
    const packageKey = keys.get(parsed.role);
    if (packageKey === undefined || !provesPossession(parsed.seed, packageKey, random)) return err('unknown');
    return ok(signActaAsMember(actaBytes, parsed.seed, parsed.role, memberSignatureRole(pkg, parsed.role)));
  }
  const publicKey = publicKeyFromSeed(parsed.seed);
  const text = toBase64(publicKey);
  const packageKeys = new Set([...keys.values()].map(toBase64));
  packageKeys.add(pkg.payload.keys.onpeRoot);
  if (packageKeys.has(text) || !provesPossession(parsed.seed, publicKey, random)) return err('unknown');
  return ok(signActaAsMember(actaBytes, parsed.seed, personeroSignerId(publicKey), 'personero'));
}
