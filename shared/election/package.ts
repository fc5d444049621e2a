/**
 * The election package: what ONPE signs and every station of a mesa loads before it operates.
 * It is a signed envelope (kind `election-package`, signer `onpe-root`) whose payload holds the
 * election definition, the authorized software version codes and the PUBLIC keys of the
 * computing centre, the mesa's stations and its members' credentials.
 *
 * A station trusts exactly one key it got out of band (the ONPE root public key); everything
 * else it trusts comes from a package that key signed. Verification is strict: the envelope
 * must be byte-exact canonical JSON, the payload must match the schema with no extra fields,
 * the definition must pass `parseElectionDefinition` again, and keys must fit the definition
 * (one per cabin of the mesa, one per member in the definition's order).
 */
import fs from 'node:fs';
import { z } from 'zod';
import { fromBase64Strict, toBase64 } from '../crypto/base64.ts';
import { describeEnvelopeError, openEnvelope, sealEnvelope, type EnvelopeError, type KeyResolver } from '../crypto/envelope.ts';
import { keyId } from '../crypto/ed25519.ts';
import { sha256Hex } from '../crypto/hash.ts';
import {
  cabinRole,
  CENTRE_SIGNING_ROLE,
  describeKeySetError,
  IDENTITY_ROLE,
  loadPublicKeys,
  loadSigner,
  memberRole,
  ONPE_ROOT_ROLE,
  RESULTS_ROLE,
  TRANSMISSION_ROLE,
  type KeySetError,
} from '../crypto/keyset.ts';
import { currentSoftwareVersionCode, SOFTWARE_CODE_PATTERN } from '../software/version-code.ts';
import { formatDefinitionIssues, parseElectionDefinition, type DefinitionIssue, type ElectionDefinition } from './definition.ts';
import { err, ok, type Result } from '../result.ts';

export const ELECTION_PACKAGE_KIND = 'election-package';
export const PACKAGE_FORMAT_VERSION = 1;

const publicKey = z.string().refine((text) => fromBase64Strict(text, 32).ok, {
  message: 'must be a 32-byte public key in canonical base64',
});
const softwareCode = z.string().regex(SOFTWARE_CODE_PATTERN, { message: 'must be 64 lowercase hexadecimal characters' });

const packageKeysSchema = z.strictObject({
  onpeRoot: publicKey,
  centreSigning: publicKey,
  centreBox: publicKey,
  stations: z.strictObject({
    identity: publicKey,
    results: publicKey,
    transmission: publicKey,
    cabins: z.record(z.string().regex(/^cabin-[1-9][0-9]*$/, { message: 'must be named cabin-N' }), publicKey),
  }),
  members: z.array(z.strictObject({ dni: z.string(), role: z.string(), publicKey })),
});

const payloadSchema = z.strictObject({
  formatVersion: z.literal(PACKAGE_FORMAT_VERSION),
  // Validated separately by parseElectionDefinition, which reports precise issues.
  definition: z.unknown(),
  authorizedSoftware: z.array(softwareCode).min(1),
  keys: packageKeysSchema,
});

export type PackageKeys = z.output<typeof packageKeysSchema>;

export interface ElectionPackagePayload {
  readonly formatVersion: typeof PACKAGE_FORMAT_VERSION;
  readonly definition: ElectionDefinition;
  /** Sorted, without duplicates. */
  readonly authorizedSoftware: readonly string[];
  readonly keys: PackageKeys;
}

export interface VerifiedPackage {
  readonly payload: ElectionPackagePayload;
  /** sha256 hex of the package file bytes. */
  readonly packageHash: string;
  readonly bytes: Uint8Array;
}

export type PackageError =
  | { kind: 'io'; path: string; detail: string }
  | { kind: 'envelope'; error: EnvelopeError }
  | { kind: 'bad-payload'; detail: string }
  | { kind: 'bad-definition'; issues: DefinitionIssue[] }
  | { kind: 'inconsistent'; detail: string };

export function describePackageError(e: PackageError): string {
  switch (e.kind) {
    case 'io':
      return `cannot read election package ${e.path}: ${e.detail}`;
    case 'envelope':
      return `election package rejected: ${describeEnvelopeError(e.error)}`;
    case 'bad-payload':
      return `election package rejected: malformed content: ${e.detail}`;
    case 'bad-definition':
      return `election package rejected: its election definition is invalid:\n${formatDefinitionIssues(e.issues)}`;
    case 'inconsistent':
      return `election package rejected: ${e.detail}`;
  }
}

export type BuildError =
  | { kind: 'keys'; error: KeySetError }
  | { kind: 'too-few-keys'; what: 'cabin' | 'member'; needed: number; available: number; keysDir: string }
  | { kind: 'bad-code'; code: string }
  | { kind: 'self-check'; error: PackageError };

export function describeBuildError(e: BuildError): string {
  switch (e.kind) {
    case 'keys':
      return describeKeySetError(e.error);
    case 'too-few-keys':
      return e.what === 'cabin'
        ? `the mesa has ${e.needed} cabins but the key set in ${e.keysDir} has keys for only ${e.available} (generate it with --cabins ${e.needed})`
        : `the definition lists ${e.needed} members but the key set in ${e.keysDir} has only ${e.available} member credentials (generate it with --members ${e.needed})`;
    case 'bad-code':
      return `software version code ${JSON.stringify(e.code)} is not 64 lowercase hexadecimal characters`;
    case 'self-check':
      return `bug: the package just built does not verify: ${describePackageError(e.error)}`;
  }
}

function sortedUnique(codes: Iterable<string>): string[] {
  return [...new Set(codes)].sort();
}

/**
 * Builds and signs the package with DIR/secret/onpe-root.json. The authorized codes are the
 * definition's, the running software's own code, and `extraCodes`.
 */
export function buildPackage(
  definition: ElectionDefinition,
  keysDir: string,
  extraCodes: readonly string[] = [],
): Result<Uint8Array, BuildError> {
  const badCode = extraCodes.find((code) => !SOFTWARE_CODE_PATTERN.test(code));
  if (badCode !== undefined) return err({ kind: 'bad-code', code: badCode });
  const keys = loadPublicKeys(keysDir);
  if (!keys.ok) return err({ kind: 'keys', error: keys.error });
  const signer = loadSigner(keysDir, ONPE_ROOT_ROLE);
  if (!signer.ok) return err({ kind: 'keys', error: signer.error });

  const cabinCount = definition.mesa.cabins;
  if (keys.value.cabins.length < cabinCount) {
    return err({ kind: 'too-few-keys', what: 'cabin', needed: cabinCount, available: keys.value.cabins.length, keysDir });
  }
  if (keys.value.members.length < definition.members.length) {
    return err({
      kind: 'too-few-keys',
      what: 'member',
      needed: definition.members.length,
      available: keys.value.members.length,
      keysDir,
    });
  }

  const cabins: Record<string, string> = {};
  keys.value.cabins.slice(0, cabinCount).forEach((key, i) => (cabins[cabinRole(i + 1)] = toBase64(key)));
  const payload: ElectionPackagePayload = {
    formatVersion: PACKAGE_FORMAT_VERSION,
    definition,
    authorizedSoftware: sortedUnique([
      ...(definition.authorizedSoftware ?? []),
      currentSoftwareVersionCode(),
      ...extraCodes,
    ]),
    keys: {
      onpeRoot: toBase64(keys.value.onpeRoot),
      centreSigning: toBase64(keys.value.centreSigning),
      centreBox: toBase64(keys.value.centreBox),
      stations: {
        identity: toBase64(keys.value.identity),
        results: toBase64(keys.value.results),
        transmission: toBase64(keys.value.transmission),
        cabins,
      },
      members: definition.members.map((member, i) => ({
        dni: member.dni,
        role: member.role,
        publicKey: toBase64(keys.value.members[i] ?? new Uint8Array()),
      })),
    },
  };
  const bytes = sealEnvelope(ELECTION_PACKAGE_KIND, payload, signer.value);
  // Never hand out a package that a station would refuse.
  const check = verifyPackageBytes(bytes, signer.value.publicKey);
  if (!check.ok) return err({ kind: 'self-check', error: check.error });
  return ok(bytes);
}

/** Verifies package bytes against the trusted ONPE root public key. */
export function verifyPackageBytes(bytes: Uint8Array, trustedRootPublicKey: Uint8Array): Result<VerifiedPackage, PackageError> {
  const resolveRoot: KeyResolver = (signer) => (signer === ONPE_ROOT_ROLE ? trustedRootPublicKey : undefined);
  const opened = openEnvelope(bytes, ELECTION_PACKAGE_KIND, resolveRoot);
  if (!opened.ok) return err({ kind: 'envelope', error: opened.error });

  const parsed = payloadSchema.safeParse(opened.value.payload);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ');
    return err({ kind: 'bad-payload', detail });
  }
  const definition = parseElectionDefinition(parsed.data.definition);
  if (!definition.ok) return err({ kind: 'bad-definition', issues: definition.error });

  const payload: ElectionPackagePayload = { ...parsed.data, definition: definition.value };
  const problem = consistencyProblem(payload, trustedRootPublicKey);
  if (problem !== undefined) return err({ kind: 'inconsistent', detail: problem });
  return ok({ payload, packageHash: sha256Hex(bytes), bytes });
}

/** Rules that tie the keys and codes to the definition; undefined when all hold. */
function consistencyProblem(payload: ElectionPackagePayload, trustedRoot: Uint8Array): string | undefined {
  const { definition, keys, authorizedSoftware } = payload;
  if (keys.onpeRoot !== toBase64(trustedRoot)) return 'keys.onpeRoot is not the root key that signed the package';

  const cabinNames = Object.keys(keys.stations.cabins).sort();
  const expectedCabins = Array.from({ length: definition.mesa.cabins }, (_, i) => cabinRole(i + 1)).sort();
  if (cabinNames.join(',') !== expectedCabins.join(',')) {
    return `keys.stations.cabins must hold exactly ${expectedCabins.join(', ')} for a mesa of ${definition.mesa.cabins} cabins`;
  }
  if (keys.members.length !== definition.members.length) {
    return `keys.members has ${keys.members.length} entries, the definition lists ${definition.members.length} members`;
  }
  const memberMismatch = definition.members.findIndex(
    (m, i) => keys.members[i]?.dni !== m.dni || keys.members[i]?.role !== m.role,
  );
  if (memberMismatch !== -1) return `keys.members[${memberMismatch}] does not match definition members[${memberMismatch}]`;

  for (let i = 1; i < authorizedSoftware.length; i++) {
    if ((authorizedSoftware[i - 1] ?? '') >= (authorizedSoftware[i] ?? '')) {
      return 'authorizedSoftware must be sorted and without duplicates';
    }
  }
  const missingCode = (definition.authorizedSoftware ?? []).find((code) => !authorizedSoftware.includes(code));
  if (missingCode !== undefined) return `authorizedSoftware lacks the definition's code ${missingCode}`;

  // Distinct keys: a key shared by two roles would let one station speak for another.
  const all = [
    keys.onpeRoot,
    keys.centreSigning,
    keys.centreBox,
    keys.stations.identity,
    keys.stations.results,
    keys.stations.transmission,
    ...Object.values(keys.stations.cabins),
    ...keys.members.map((m) => m.publicKey),
  ];
  if (new Set(all).size !== all.length) return 'the same public key is used for two roles';
  return undefined;
}

/** Reads and verifies a package file; the trusted key is the ONPE root public key. */
export function loadVerifiedPackage(path: string, trustedRootPublicKey: Uint8Array): Result<VerifiedPackage, PackageError> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(fs.readFileSync(path));
  } catch (e) {
    const detail = e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : String(e);
    return err({ kind: 'io', path, detail });
  }
  return verifyPackageBytes(bytes, trustedRootPublicKey);
}

type PackageLike = Pick<VerifiedPackage, 'payload'>;

/** Signer role of a member's credential: `member-<n>`, n = 1-based position in the definition. */
export function memberSignerRole(pkg: PackageLike, dni: string): string | undefined {
  const index = pkg.payload.keys.members.findIndex((m) => m.dni === dni);
  return index === -1 ? undefined : memberRole(index + 1);
}

/** Public signing keys by envelope signer role: stations, members and the computing centre. */
export function packageSigningKeys(pkg: PackageLike): ReadonlyMap<string, Uint8Array> {
  const { keys } = pkg.payload;
  const entries: [string, string][] = [
    [CENTRE_SIGNING_ROLE, keys.centreSigning],
    [IDENTITY_ROLE, keys.stations.identity],
    [RESULTS_ROLE, keys.stations.results],
    [TRANSMISSION_ROLE, keys.stations.transmission],
    ...Object.entries(keys.stations.cabins),
    ...keys.members.map((m, i): [string, string] => [memberRole(i + 1), m.publicKey]),
  ];
  const map = new Map<string, Uint8Array>();
  for (const [role, text] of entries) {
    const bytes = fromBase64Strict(text, 32);
    // The package was verified, so its keys decode; anything else is a bug.
    if (!bytes.ok) throw new Error(`bug: verified package holds an undecodable key for ${role}`);
    map.set(role, bytes.value);
  }
  return map;
}

/**
 * Resolver for envelopes signed by the stations, members (`member-<n>`) or computing centre
 * (`centre`) of this package. The ONPE root is deliberately absent: it signs packages only.
 */
export function resolvePackageKey(pkg: PackageLike): KeyResolver {
  const map = packageSigningKeys(pkg);
  return (signer, id) => {
    const key = map.get(signer);
    return key !== undefined && keyId(key) === id ? key : undefined;
  };
}

/** The computing centre's X25519 `box` public key, for encrypting transmitted results. */
export function packageCentreBoxKey(pkg: PackageLike): Uint8Array {
  const bytes = fromBase64Strict(pkg.payload.keys.centreBox, 32);
  if (!bytes.ok) throw new Error('bug: verified package holds an undecodable centre box key');
  return bytes.value;
}

export function isSoftwareAuthorized(pkg: PackageLike, code: string): boolean {
  return pkg.payload.authorizedSoftware.includes(code);
}

export interface SoftwareNotAuthorized {
  kind: 'software-not-authorized';
  code: string;
  authorized: readonly string[];
}

/** Screen text (Spanish, for members and personeros) when the station's software is not authorized. */
export const SOFTWARE_NOT_AUTHORIZED_SCREEN_TEXT =
  'El código de versión del software de esta estación no está autorizado en el paquete electoral. No se puede operar.';

export function checkSoftwareAuthorized(pkg: PackageLike, code: string): Result<void, SoftwareNotAuthorized> {
  if (isSoftwareAuthorized(pkg, code)) return ok(undefined);
  return err({ kind: 'software-not-authorized', code, authorized: pkg.payload.authorizedSoftware });
}

export function describeSoftwareNotAuthorized(e: SoftwareNotAuthorized): string {
  return (
    `this station refuses to operate: its software version code ${e.code} is not among the ` +
    `${e.authorized.length} code(s) authorized by the election package`
  );
}

/** Screen text with the code, so members can read it out to the ODPE support line. */
export function softwareNotAuthorizedScreenText(e: SoftwareNotAuthorized): string {
  return `${SOFTWARE_NOT_AUTHORIZED_SCREEN_TEXT} Código de esta estación: ${e.code}.`;
}
