/**
 * Member credential (simulator design). A member presents the credential on an activation
 * device; the device holds `{ kind: 'member-credential', role: 'member-N', seed }`. A dumb device
 * holding a secret seed is what a smart card does internally: on real hardware the card keeps
 * the seed and signs the challenge itself. The host proves possession by having the credential
 * sign a fresh random challenge and verifying the signature against the election package's public
 * key for that member; it never trusts the role written on the device alone. The president is the
 * member whose definition role is `presidente`.
 *
 * The seed is used only inside `verifyMemberCredential` and never logged or stored.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { fromBase64Strict, toBase64 } from '../crypto/base64.ts';
import { signDetached, verifyDetached } from '../crypto/ed25519.ts';
import { memberRole } from '../crypto/keyset.ts';
import type { VerifiedPackage } from '../election/package.ts';
import { packageSigningKeys } from '../election/package.ts';
import { err, ok, type Result } from '../result.ts';

/** Why a presented president credential is refused (the same for every station). */
export type CredentialRefusal = 'unreadable' | 'unknown' | 'not-president' | 'revoked';

export const MEMBER_CREDENTIAL_KIND = 'member-credential';
const PRESIDENT_DEFINITION_ROLE = 'presidente';

const credentialSchema = z.strictObject({
  kind: z.literal(MEMBER_CREDENTIAL_KIND),
  role: z.string().regex(/^member-[1-9][0-9]*$/u),
  seed: z.string(),
});

/** Bytes to put on an activation device (tests, simulator, member kit preparation). */
export function writeMemberCredential(seed: Uint8Array, role: string): Uint8Array {
  const parsed = credentialSchema.safeParse({ kind: MEMBER_CREDENTIAL_KIND, role, seed: toBase64(seed) });
  if (!parsed.success || seed.length !== 32) throw new Error(`bad member credential input for ${role}`);
  return new TextEncoder().encode(JSON.stringify(parsed.data));
}

interface ParsedCredential {
  readonly role: string;
  readonly seed: Uint8Array;
}

function parseCredential(bytes: Uint8Array): ParsedCredential | undefined {
  try {
    const value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
    const parsed = credentialSchema.safeParse(value);
    if (!parsed.success) return undefined;
    const seed = fromBase64Strict(parsed.data.seed, 32);
    return seed.ok ? { role: parsed.data.role, seed: seed.value } : undefined;
  } catch {
    return undefined;
  }
}

/** True when the bytes look like a member credential (the host then does not treat them as a token). */
export function isMemberCredential(bytes: Uint8Array): boolean {
  return parseCredential(bytes) !== undefined;
}

/** Signer role of the package's president (`member-N`), or undefined if the package lists none. */
export function presidentSignerRole(pkg: Pick<VerifiedPackage, 'payload'>): string | undefined {
  const index = pkg.payload.keys.members.findIndex((m) => m.role === PRESIDENT_DEFINITION_ROLE);
  return index === -1 ? undefined : memberRole(index + 1);
}

/**
 * Challenge-response against the package key of the role the credential claims.
 * `unreadable`: not a credential; `unknown`: no such member or the proof fails;
 * `not-president`: a genuine member who is not the president.
 */
export function verifyPresidentCredential(
  pkg: Pick<VerifiedPackage, 'payload'>,
  presented: Uint8Array,
  random: (size: number) => Uint8Array = (size) => new Uint8Array(randomBytes(size)),
): Result<void, CredentialRefusal> {
  const credential = parseCredential(presented);
  if (credential === undefined) return err('unreadable');
  const publicKey = packageSigningKeys(pkg).get(credential.role);
  if (publicKey === undefined) return err('unknown');
  const challenge = random(32);
  // On a smart card this signature is computed by the card; the seed never leaves it.
  const signature = signDetached(challenge, credential.seed);
  if (!verifyDetached(challenge, signature, publicKey)) return err('unknown');
  if (credential.role !== presidentSignerRole(pkg)) return err('not-president');
  return ok(undefined);
}
