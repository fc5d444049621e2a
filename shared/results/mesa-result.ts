/**
 * The consolidated mesa result: what the results station writes to the consolidation device at
 * the end of the escrutinio, for the transmission station and the observer tool (`vep verify`).
 *
 * Two signed envelopes, both signed by the package's `results` key:
 * - `acta-data` (ActaData): exactly what the acta de escrutinio prints (tally with Art. 23
 *   blanks, observations, the cabin and identity files it was computed from, cotejo). Its bytes
 *   are what the acta's QR codes carry, and what members sign: the ACTA DIGEST is sha256 of
 *   those bytes.
 * - `mesa-result`: the acta-data bytes (base64, so the embedded envelope is carried byte for
 *   byte and re-checked as canonical on open), the digest, the member and personero signatures
 *   over that digest, and the results station's audit log head.
 *
 * Signature rules (checked by verifyMesaResult; checkActaSignatures lets the station check
 * before it seals):
 * - A member signs with the seed on their credential device; `signerId` is `member-N` (their
 *   position in the package) and the signature must verify against the PACKAGE key of member-N;
 *   the embedded public key must be that same key (it is recorded only for readers).
 * - The president is the member whose definition role is `presidente`; their record has role
 *   `president`, every other member `member`. The president MUST have signed.
 * - At least MIN_MEMBER_SIGNATURES (3) member signatures, president included. Regulation Art. 20
 *   and 26.5 (and the LOE it defers to): the mesa installs and operates with its three members
 *   (titular or suplente: any member of the package counts), and "firman el acta de
 *   escrutinio"; personeros sign only "si lo desean", so they never count towards the three.
 * - Personeros carry their own key (they are not in the package); `signerId` must be
 *   `personero-<keyId of that key>`, and the key must not be one of the package's keys (a member
 *   cannot sign twice by posing as a personero).
 * - No signer twice (same signerId or same public key).
 * - The signed message is domain-separated canonical JSON (format tag, digest, signer, role),
 *   so a member credential that answers random challenges (member-credential.ts) can never be
 *   tricked into producing an acta signature, and a record cannot be relabelled.
 *
 * Verification collects every problem it can find, each with English (logs) and Spanish
 * (screens) text.
 */
import { z } from 'zod';
import { fromBase64Strict, toBase64 } from '../crypto/base64.ts';
import { canonicalJson } from '../crypto/canonical-json.ts';
import { keyId, publicKeyFromSeed, signDetached, verifyDetached } from '../crypto/ed25519.ts';
import { describeEnvelopeError, openEnvelope, sealEnvelope, type EnvelopeError, type KeyResolver, type Signer } from '../crypto/envelope.ts';
import { sha256Hex } from '../crypto/hash.ts';
import { RESULTS_ROLE } from '../crypto/keyset.ts';
import { presidentSignerRole } from '../credentials/member-credential.ts';
import { isSoftwareAuthorized, packageSigningKeys, resolvePackageKey, type VerifiedPackage } from '../election/package.ts';
import { err, ok, unreachable, type Result } from '../result.ts';
import type { Tally } from '../tally/tally.ts';
import { parseTally, verifyTally } from '../tally/verify.ts';
import type { IdentitySummaryCounts } from './identity-summary.ts';

export const MESA_RESULT_FILE_NAME = 'resultado-mesa.vep';
export const PACKAGE_COPY_FILE_NAME = 'paquete-electoral.vep';
export const ACTA_DATA_KIND = 'acta-data';
export const MESA_RESULT_KIND = 'mesa-result';
export const ACTA_DATA_FORMAT_VERSION = 1;
export const MESA_RESULT_FORMAT_VERSION = 1;
export const ACTA_SIGNATURE_FORMAT = 'vep-acta-signature/1';
/** The mesa operates with its three members (see the file comment). */
export const MIN_MEMBER_SIGNATURES = 3;
/** Refused before parsing: an acta is a few tens of KB (39 organizations x preferential rows). */
export const MAX_ACTA_DATA_BYTES = 1024 * 1024;
export const MAX_MESA_RESULT_BYTES = 4 * 1024 * 1024;
const MAX_SIGNATURES = 100;

const HEX64 = /^[0-9a-f]{64}$/;
const CABIN_ID = /^cabin-[1-9][0-9]*$/;
const MEMBER_ID = /^member-[1-9][0-9]*$/;
const PERSONERO_ID = /^personero-[0-9a-f]+$/;
const ISO_SECOND = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

export interface ActaCabin {
  readonly cabinId: string;
  readonly fileHash: string;
  readonly ballotCount: number;
}

export interface CotejoDifference {
  readonly field: string;
  readonly electronic: number | null;
  readonly paper: number | null;
}

export interface ActaData {
  readonly formatVersion: 1;
  readonly electionId: string;
  readonly mesa: string;
  readonly packageHash: string;
  readonly simulacro: boolean;
  /** Of the results station. */
  readonly softwareCode: string;
  /** sha256 of the results station's puesta a cero report text. */
  readonly zeroReportHash: string;
  readonly mode: 'electronic' | 'manual-count';
  /** Art. 23 blanks included. */
  readonly tally: Tally;
  /** Spanish, as printed on the acta. */
  readonly observations: readonly string[];
  /** The cabin files tallied; [] in manual-count mode. */
  readonly cabins: readonly ActaCabin[];
  readonly identity: { readonly fileHash: string; readonly counts: IdentitySummaryCounts } | null;
  readonly cotejo: { readonly differences: readonly CotejoDifference[] } | null;
  /** ISO-8601 UTC to the second: when the acta was produced. */
  readonly closedAt: string;
}

export interface VerifiedActaData {
  readonly data: ActaData;
  readonly bytes: Uint8Array;
  /** actaDigest(bytes). */
  readonly digest: string;
}

export type MemberSignatureRole = 'president' | 'member' | 'personero';

export interface MemberSignatureRecord {
  /** `member-N` or `personero-<keyId>`. */
  readonly signerId: string;
  readonly role: MemberSignatureRole;
  /** base64 of the 32-byte Ed25519 public key. */
  readonly publicKey: string;
  /** base64 of the 64-byte signature over actaSignatureMessage(digest, signerId, role). */
  readonly signature: string;
}

export interface AuditHeadRef {
  readonly sequence: number;
  readonly hash: string;
}

export interface VerifiedMesaResult {
  readonly acta: VerifiedActaData;
  readonly signatures: readonly MemberSignatureRecord[];
  /** signerId of the president (always among the signatures). */
  readonly president: string;
  /** Member signatures (president included); personeros excluded. */
  readonly memberSignatureCount: number;
  readonly auditLogHead: AuditHeadRef;
  /** sha256 hex of the file bytes. */
  readonly fileHash: string;
}

export type MesaResultProblem =
  | { readonly kind: 'too-large'; readonly what: 'acta-data' | 'mesa-result'; readonly size: number; readonly max: number }
  | { readonly kind: 'envelope'; readonly what: 'acta-data' | 'mesa-result'; readonly error: EnvelopeError }
  | { readonly kind: 'signer-not-results'; readonly what: 'acta-data' | 'mesa-result'; readonly signer: string }
  | { readonly kind: 'bad-payload'; readonly what: 'acta-data' | 'mesa-result'; readonly detail: string }
  | { readonly kind: 'wrong-election'; readonly expected: string; readonly found: string }
  | { readonly kind: 'wrong-mesa'; readonly expected: string; readonly found: string }
  | { readonly kind: 'wrong-package'; readonly expected: string; readonly found: string }
  | { readonly kind: 'software-not-authorized'; readonly code: string }
  | { readonly kind: 'simulacro-mismatch'; readonly expected: boolean; readonly found: boolean }
  | { readonly kind: 'tally-invalid'; readonly detail: string }
  | { readonly kind: 'cabins-inconsistent'; readonly detail: string }
  | { readonly kind: 'identity-inconsistent'; readonly detail: string }
  | { readonly kind: 'digest-mismatch'; readonly expected: string; readonly found: string }
  | { readonly kind: 'header-mismatch'; readonly field: 'electionId' | 'mesa' | 'packageHash'; readonly acta: string; readonly result: string }
  | { readonly kind: 'bad-signature-record'; readonly index: number; readonly detail: string }
  | { readonly kind: 'unknown-member'; readonly signerId: string }
  | { readonly kind: 'member-key-mismatch'; readonly signerId: string }
  | { readonly kind: 'wrong-signer-role'; readonly signerId: string; readonly expected: MemberSignatureRole; readonly found: MemberSignatureRole }
  | { readonly kind: 'personero-id-mismatch'; readonly signerId: string }
  | { readonly kind: 'personero-uses-package-key'; readonly signerId: string }
  | { readonly kind: 'signature-invalid'; readonly signerId: string }
  | { readonly kind: 'duplicate-signer'; readonly signerId: string }
  | { readonly kind: 'president-missing'; readonly president: string | undefined }
  | { readonly kind: 'too-few-members'; readonly found: number; readonly required: number };

const hex64 = z.string().regex(HEX64, { message: 'must be 64 lowercase hexadecimal characters' });
const count = z.int().min(0).max(1_000_000);
const signatureRecordSchema = z.strictObject({
  signerId: z.string().max(80),
  role: z.enum(['president', 'member', 'personero']),
  publicKey: z.string().max(64),
  signature: z.string().max(128),
});

const actaPayloadSchema = z.strictObject({
  formatVersion: z.literal(ACTA_DATA_FORMAT_VERSION),
  electionId: z.string().max(64),
  mesa: z.string().max(16),
  packageHash: hex64,
  simulacro: z.boolean(),
  softwareCode: hex64,
  zeroReportHash: hex64,
  mode: z.enum(['electronic', 'manual-count']),
  // Shape checked by parseTally, which freezes it.
  tally: z.unknown(),
  observations: z.array(z.string().max(2000)).max(200),
  cabins: z.array(z.strictObject({ cabinId: z.string().regex(CABIN_ID, { message: 'must be cabin-N' }), fileHash: hex64, ballotCount: count })).max(50),
  identity: z
    .strictObject({
      fileHash: hex64,
      counts: z.strictObject({
        electoresHabiles: count,
        activationsIssued: count,
        activationsConsumed: count,
        art23NotVoted: count,
        impugnados: count,
        lostDevices: count,
        assistedVoters: count,
      }),
    })
    .nullable(),
  cotejo: z
    .strictObject({
      differences: z.array(z.strictObject({ field: z.string().max(200), electronic: count.nullable(), paper: count.nullable() })).max(10_000),
    })
    .nullable(),
  closedAt: z.string().regex(ISO_SECOND, { message: 'must be ISO-8601 UTC to the second (YYYY-MM-DDTHH:MM:SSZ)' }),
});

const mesaPayloadSchema = z.strictObject({
  formatVersion: z.literal(MESA_RESULT_FORMAT_VERSION),
  electionId: z.string().max(64),
  mesa: z.string().max(16),
  packageHash: hex64,
  actaData: z.string().max(Math.ceil((MAX_ACTA_DATA_BYTES * 4) / 3) + 4),
  actaDigest: hex64,
  signatures: z.array(signatureRecordSchema).max(MAX_SIGNATURES),
  auditLogHead: z.strictObject({ sequence: z.int().min(0), hash: hex64 }),
});

/** Only the results station's key may sign either envelope. */
function openResultsEnvelope(
  bytes: Uint8Array,
  what: 'acta-data' | 'mesa-result',
  pkg: VerifiedPackage,
): Result<unknown, MesaResultProblem> {
  const anyKey = resolvePackageKey(pkg);
  const resultsKey: KeyResolver = (signer, id) => (signer === RESULTS_ROLE ? anyKey(signer, id) : undefined);
  const opened = openEnvelope(bytes, what === 'acta-data' ? ACTA_DATA_KIND : MESA_RESULT_KIND, resultsKey);
  if (opened.ok) return ok(opened.value.payload);
  const e = opened.error;
  if (e.kind === 'unknown-signer' && e.signer !== RESULTS_ROLE && anyKey(e.signer, e.keyId) !== undefined) {
    return err({ kind: 'signer-not-results', what, signer: e.signer });
  }
  return err({ kind: 'envelope', what, error: e });
}

/** sha256 hex of the sealed acta-data bytes: what members sign and the acta prints. */
export function actaDigest(actaBytes: Uint8Array): string {
  return sha256Hex(actaBytes);
}

/** Seals the acta data. Throws when it would not verify against `pkg` (a bug at the station). */
export function sealActaData(data: ActaData, signer: Signer, pkg?: VerifiedPackage): Uint8Array {
  if (signer.role !== RESULTS_ROLE) throw new Error(`bug: acta data signed with the ${signer.role} key`);
  const payload = {
    formatVersion: ACTA_DATA_FORMAT_VERSION,
    electionId: data.electionId,
    mesa: data.mesa,
    packageHash: data.packageHash,
    simulacro: data.simulacro,
    softwareCode: data.softwareCode,
    zeroReportHash: data.zeroReportHash,
    mode: data.mode,
    tally: data.tally,
    observations: [...data.observations],
    cabins: data.cabins.map((c) => ({ cabinId: c.cabinId, fileHash: c.fileHash, ballotCount: c.ballotCount })),
    identity:
      data.identity === null
        ? null
        : {
            fileHash: data.identity.fileHash,
            counts: {
              electoresHabiles: data.identity.counts.electoresHabiles,
              activationsIssued: data.identity.counts.activationsIssued,
              activationsConsumed: data.identity.counts.activationsConsumed,
              art23NotVoted: data.identity.counts.art23NotVoted,
              impugnados: data.identity.counts.impugnados,
              lostDevices: data.identity.counts.lostDevices,
              assistedVoters: data.identity.counts.assistedVoters,
            },
          },
    cotejo: data.cotejo === null ? null : { differences: data.cotejo.differences.map((d) => ({ field: d.field, electronic: d.electronic, paper: d.paper })) },
    closedAt: data.closedAt,
  };
  const bytes = sealEnvelope(ACTA_DATA_KIND, payload, signer);
  if (pkg !== undefined) {
    const check = openActaData(bytes, pkg);
    if (!check.ok) throw new Error(`bug: acta data just sealed does not verify: ${check.error.map(describeMesaResultProblem).join('; ')}`);
  }
  return bytes;
}

/** Opens and checks a sealed acta-data envelope against the package. */
export function openActaData(bytes: Uint8Array, pkg: VerifiedPackage): Result<VerifiedActaData, MesaResultProblem[]> {
  if (bytes.length > MAX_ACTA_DATA_BYTES) return err([{ kind: 'too-large', what: 'acta-data', size: bytes.length, max: MAX_ACTA_DATA_BYTES }]);
  const opened = openResultsEnvelope(bytes, 'acta-data', pkg);
  if (!opened.ok) return err([opened.error]);
  const parsed = actaPayloadSchema.safeParse(opened.value);
  if (!parsed.success) return err([{ kind: 'bad-payload', what: 'acta-data', detail: z.prettifyError(parsed.error) }]);
  const p = parsed.data;
  const tally = parseTally(p.tally);
  if (!tally.ok) return err([{ kind: 'bad-payload', what: 'acta-data', detail: `tally: ${tally.error.join('; ')}` }]);

  const problems: MesaResultProblem[] = [];
  const definition = pkg.payload.definition;
  if (p.electionId !== definition.election.id) problems.push({ kind: 'wrong-election', expected: definition.election.id, found: p.electionId });
  if (p.mesa !== definition.mesa.number) problems.push({ kind: 'wrong-mesa', expected: definition.mesa.number, found: p.mesa });
  if (p.packageHash !== pkg.packageHash) problems.push({ kind: 'wrong-package', expected: pkg.packageHash, found: p.packageHash });
  if (!isSoftwareAuthorized(pkg, p.softwareCode)) problems.push({ kind: 'software-not-authorized', code: p.softwareCode });
  if (p.simulacro !== definition.election.simulacro) {
    problems.push({ kind: 'simulacro-mismatch', expected: definition.election.simulacro, found: p.simulacro });
  }
  const tallyCheck = verifyTally(definition, tally.value);
  if (!tallyCheck.ok) problems.push({ kind: 'tally-invalid', detail: tallyCheck.error.map((x) => x.message).join('; ') });

  // The cabins listed are the files that were tallied: each cabin of the package at most once,
  // and their ballots are exactly the electronic ballots of the tally.
  const cabinKeys = pkg.payload.keys.stations.cabins;
  const seen = new Set<string>();
  for (const cabin of p.cabins) {
    if (!(cabin.cabinId in cabinKeys)) problems.push({ kind: 'cabins-inconsistent', detail: `${cabin.cabinId} is not a cabin of this mesa` });
    if (seen.has(cabin.cabinId)) problems.push({ kind: 'cabins-inconsistent', detail: `${cabin.cabinId} is listed twice` });
    seen.add(cabin.cabinId);
  }
  if (p.mode === 'manual-count' && p.cabins.length > 0) {
    problems.push({ kind: 'cabins-inconsistent', detail: 'a manual-count acta lists cabin files' });
  }
  if (p.mode === 'electronic') {
    const cabinBallots = p.cabins.reduce((sum, c) => sum + c.ballotCount, 0);
    if (cabinBallots !== tally.value.ballots) {
      problems.push({ kind: 'cabins-inconsistent', detail: `the cabins hold ${cabinBallots} ballot(s), the tally counts ${tally.value.ballots}` });
    }
  }
  // Art. 23 blanks come from the identity station's count, and only from it.
  const art23 = p.identity?.counts.art23NotVoted ?? 0;
  if (p.mode === 'electronic' && tally.value.art23Blanks !== art23) {
    problems.push({ kind: 'identity-inconsistent', detail: `tally has ${tally.value.art23Blanks} Art. 23 blank(s), the identity summary ${art23}` });
  }
  if (p.identity !== null && p.identity.counts.electoresHabiles !== definition.padron.length) {
    problems.push({
      kind: 'identity-inconsistent',
      detail: `identity counts ${p.identity.counts.electoresHabiles} electores hábiles, the padrón has ${definition.padron.length}`,
    });
  }
  if (problems.length > 0) return err(problems);

  const data: ActaData = { ...p, formatVersion: ACTA_DATA_FORMAT_VERSION, tally: tally.value };
  return ok({ data, bytes, digest: actaDigest(bytes) });
}

/** The exact bytes a signer signs: domain-separated, bound to the signer and their role. */
export function actaSignatureMessage(digest: string, signerId: string, role: MemberSignatureRole): Uint8Array {
  return new TextEncoder().encode(canonicalJson({ format: ACTA_SIGNATURE_FORMAT, actaDigest: digest, signerId, role }));
}

/** signerId for a personero's key. */
export function personeroSignerId(publicKey: Uint8Array): string {
  return `personero-${keyId(publicKey)}`;
}

/**
 * A member's or personero's signature of the acta. `seed` comes from the credential device (on
 * a smart card the card computes this itself). For members, `role` must be `president` for the
 * package's president and `member` otherwise; checkActaSignatures tells.
 */
export function signActaAsMember(actaBytes: Uint8Array, seed: Uint8Array, signerId: string, role: MemberSignatureRole): MemberSignatureRecord {
  const publicKey = publicKeyFromSeed(seed);
  const signature = signDetached(actaSignatureMessage(actaDigest(actaBytes), signerId, role), seed);
  return { signerId, role, publicKey: toBase64(publicKey), signature: toBase64(signature) };
}

/** The role a member-N signature must carry in this package. */
export function memberSignatureRole(pkg: Pick<VerifiedPackage, 'payload'>, signerId: string): MemberSignatureRole {
  return signerId === presidentSignerRole(pkg) ? 'president' : 'member';
}

/**
 * Every problem with a set of signatures over an acta digest: the results station calls this
 * before buildMesaResult (to tell members what is missing), verifyMesaResult calls it too.
 */
export function checkActaSignatures(
  pkg: Pick<VerifiedPackage, 'payload'>,
  digest: string,
  signatures: readonly MemberSignatureRecord[],
): MesaResultProblem[] {
  const problems: MesaResultProblem[] = [];
  const packageKeys = packageSigningKeys(pkg);
  const packageKeyTexts = new Set([...packageKeys.values()].map(toBase64));
  packageKeyTexts.add(pkg.payload.keys.onpeRoot);
  packageKeyTexts.add(pkg.payload.keys.centreBox);
  const president = presidentSignerRole(pkg);
  const seenIds = new Set<string>();
  const seenKeys = new Set<string>();
  let members = 0;
  let presidentSigned = false;

  for (const [index, record] of signatures.entries()) {
    const { signerId } = record;
    if (seenIds.has(signerId) || seenKeys.has(record.publicKey)) {
      problems.push({ kind: 'duplicate-signer', signerId });
      continue;
    }
    seenIds.add(signerId);
    seenKeys.add(record.publicKey);
    const publicKey = fromBase64Strict(record.publicKey, 32);
    const signature = fromBase64Strict(record.signature, 64);
    if (!publicKey.ok || !signature.ok) {
      problems.push({ kind: 'bad-signature-record', index, detail: !publicKey.ok ? 'public key is not 32 bytes of base64' : 'signature is not 64 bytes of base64' });
      continue;
    }
    if (MEMBER_ID.test(signerId)) {
      const packageKey = packageKeys.get(signerId);
      if (packageKey === undefined) {
        problems.push({ kind: 'unknown-member', signerId });
        continue;
      }
      if (toBase64(packageKey) !== record.publicKey) {
        problems.push({ kind: 'member-key-mismatch', signerId });
        continue;
      }
      const expectedRole = memberSignatureRole(pkg, signerId);
      if (record.role !== expectedRole) {
        problems.push({ kind: 'wrong-signer-role', signerId, expected: expectedRole, found: record.role });
        continue;
      }
      if (!verifyDetached(actaSignatureMessage(digest, signerId, record.role), signature.value, packageKey)) {
        problems.push({ kind: 'signature-invalid', signerId });
        continue;
      }
      members += 1;
      if (signerId === president) presidentSigned = true;
    } else if (PERSONERO_ID.test(signerId)) {
      if (record.role !== 'personero') {
        problems.push({ kind: 'wrong-signer-role', signerId, expected: 'personero', found: record.role });
        continue;
      }
      if (signerId !== personeroSignerId(publicKey.value)) {
        problems.push({ kind: 'personero-id-mismatch', signerId });
        continue;
      }
      if (packageKeyTexts.has(record.publicKey)) {
        problems.push({ kind: 'personero-uses-package-key', signerId });
        continue;
      }
      if (!verifyDetached(actaSignatureMessage(digest, signerId, record.role), signature.value, publicKey.value)) {
        problems.push({ kind: 'signature-invalid', signerId });
      }
    } else {
      problems.push({ kind: 'bad-signature-record', index, detail: `signer id ${JSON.stringify(signerId.slice(0, 80))} is neither member-N nor personero-<keyId>` });
    }
  }
  if (!presidentSigned) problems.push({ kind: 'president-missing', president });
  if (members < MIN_MEMBER_SIGNATURES) problems.push({ kind: 'too-few-members', found: members, required: MIN_MEMBER_SIGNATURES });
  return problems;
}

export interface MesaResultInput {
  readonly pkg: VerifiedPackage;
  readonly actaBytes: Uint8Array;
  readonly signatures: readonly MemberSignatureRecord[];
  readonly auditHead: AuditHeadRef;
  /** The results station's key (role `results`). */
  readonly signer: Signer;
}

/**
 * Seals the consolidated result. Signatures are stored sorted by signerId (deterministic bytes;
 * the order of signing carries nothing worth keeping). Throws when the result would not verify:
 * the station must run checkActaSignatures first, so anything else is a bug.
 */
export function buildMesaResult(input: MesaResultInput): Uint8Array {
  const { pkg, actaBytes, signer } = input;
  if (signer.role !== RESULTS_ROLE) throw new Error(`bug: mesa result signed with the ${signer.role} key`);
  const definition = pkg.payload.definition;
  const signatures = [...input.signatures]
    .map((s) => ({ signerId: s.signerId, role: s.role, publicKey: s.publicKey, signature: s.signature }))
    .sort((a, b) => (a.signerId < b.signerId ? -1 : a.signerId > b.signerId ? 1 : 0));
  const payload = {
    formatVersion: MESA_RESULT_FORMAT_VERSION,
    electionId: definition.election.id,
    mesa: definition.mesa.number,
    packageHash: pkg.packageHash,
    actaData: toBase64(actaBytes),
    actaDigest: actaDigest(actaBytes),
    signatures,
    auditLogHead: { sequence: input.auditHead.sequence, hash: input.auditHead.hash },
  };
  const bytes = sealEnvelope(MESA_RESULT_KIND, payload, signer);
  const check = verifyMesaResult(bytes, { pkg });
  if (!check.ok) throw new Error(`bug: mesa result just built does not verify: ${check.error.map(describeMesaResultProblem).join('; ')}`);
  return bytes;
}

export interface VerifyMesaResultOptions {
  readonly pkg: VerifiedPackage;
}

export function verifyMesaResult(bytes: Uint8Array, options: VerifyMesaResultOptions): Result<VerifiedMesaResult, MesaResultProblem[]> {
  const { pkg } = options;
  if (bytes.length > MAX_MESA_RESULT_BYTES) return err([{ kind: 'too-large', what: 'mesa-result', size: bytes.length, max: MAX_MESA_RESULT_BYTES }]);
  const opened = openResultsEnvelope(bytes, 'mesa-result', pkg);
  if (!opened.ok) return err([opened.error]);
  const parsed = mesaPayloadSchema.safeParse(opened.value);
  if (!parsed.success) return err([{ kind: 'bad-payload', what: 'mesa-result', detail: z.prettifyError(parsed.error) }]);
  const p = parsed.data;

  const problems: MesaResultProblem[] = [];
  const definition = pkg.payload.definition;
  if (p.electionId !== definition.election.id) problems.push({ kind: 'wrong-election', expected: definition.election.id, found: p.electionId });
  if (p.mesa !== definition.mesa.number) problems.push({ kind: 'wrong-mesa', expected: definition.mesa.number, found: p.mesa });
  if (p.packageHash !== pkg.packageHash) problems.push({ kind: 'wrong-package', expected: pkg.packageHash, found: p.packageHash });

  const actaBytes = fromBase64Strict(p.actaData);
  if (!actaBytes.ok) {
    problems.push({ kind: 'bad-payload', what: 'mesa-result', detail: `actaData: ${actaBytes.error}` });
    return err(problems);
  }
  const digest = actaDigest(actaBytes.value);
  if (digest !== p.actaDigest) problems.push({ kind: 'digest-mismatch', expected: digest, found: p.actaDigest });

  const acta = openActaData(actaBytes.value, pkg);
  if (!acta.ok) {
    // Header problems already reported above would repeat: keep the acta's own.
    problems.push(...acta.error.filter((a) => !problems.some((b) => canonicalJson(a) === canonicalJson(b))));
  } else {
    const data = acta.value.data;
    for (const field of ['electionId', 'mesa', 'packageHash'] as const) {
      if (data[field] !== p[field]) problems.push({ kind: 'header-mismatch', field, acta: data[field], result: p[field] });
    }
  }
  // Signatures are checked against the digest of the bytes actually carried.
  problems.push(...checkActaSignatures(pkg, digest, p.signatures));

  if (problems.length > 0 || !acta.ok) return err(problems);
  const president = presidentSignerRole(pkg);
  if (president === undefined) throw new Error('bug: president signature accepted without a president');
  return ok({
    acta: acta.value,
    signatures: p.signatures,
    president,
    memberSignatureCount: p.signatures.filter((s) => s.role !== 'personero').length,
    auditLogHead: p.auditLogHead,
    fileHash: sha256Hex(bytes),
  });
}

function fileLabel(what: 'acta-data' | 'mesa-result'): string {
  return what === 'acta-data' ? 'acta data' : 'mesa result';
}

/** English text for logs and developers. */
export function describeMesaResultProblem(p: MesaResultProblem): string {
  switch (p.kind) {
    case 'too-large':
      return `${fileLabel(p.what)} is ${p.size} bytes, at most ${p.max} allowed`;
    case 'envelope':
      return `${fileLabel(p.what)} rejected: ${describeEnvelopeError(p.error)}`;
    case 'signer-not-results':
      return `${fileLabel(p.what)} signed by ${p.signer}, not by the results station`;
    case 'bad-payload':
      return `${fileLabel(p.what)} has malformed content: ${p.detail}`;
    case 'wrong-election':
      return `mesa result is for election ${JSON.stringify(p.found)}, this package is ${JSON.stringify(p.expected)}`;
    case 'wrong-mesa':
      return `mesa result is for mesa ${JSON.stringify(p.found)}, this package is for mesa ${JSON.stringify(p.expected)}`;
    case 'wrong-package':
      return `mesa result was produced under package ${p.found}, not the loaded package ${p.expected}`;
    case 'software-not-authorized':
      return `acta was produced by software ${p.code}, which the package does not authorize`;
    case 'simulacro-mismatch':
      return `acta says simulacro=${String(p.found)} but the package's election says simulacro=${String(p.expected)}`;
    case 'tally-invalid':
      return `acta tally fails the tally rules: ${p.detail}`;
    case 'cabins-inconsistent':
      return `acta cabin list is inconsistent: ${p.detail}`;
    case 'identity-inconsistent':
      return `acta identity counts are inconsistent: ${p.detail}`;
    case 'digest-mismatch':
      return `mesa result records acta digest ${p.found}, the embedded acta hashes to ${p.expected}`;
    case 'header-mismatch':
      return `mesa result ${p.field} ${JSON.stringify(p.result)} differs from the acta's ${JSON.stringify(p.acta)}`;
    case 'bad-signature-record':
      return `signature #${p.index} is malformed: ${p.detail}`;
    case 'unknown-member':
      return `signature by ${p.signerId}, who is not a member in the package`;
    case 'member-key-mismatch':
      return `signature by ${p.signerId} carries a key that is not that member's key in the package`;
    case 'wrong-signer-role':
      return `signature by ${p.signerId} is labelled ${p.found}, expected ${p.expected}`;
    case 'personero-id-mismatch':
      return `personero signature ${p.signerId} does not name its own key`;
    case 'personero-uses-package-key':
      return `personero signature ${p.signerId} uses a key of the package (a member or station cannot sign as personero)`;
    case 'signature-invalid':
      return `signature by ${p.signerId} does not verify over the acta digest`;
    case 'duplicate-signer':
      return `${p.signerId} signed more than once (or shares a key with another signer)`;
    case 'president-missing':
      return p.president === undefined
        ? 'the package names no president (member with role presidente), so the acta cannot be signed by one'
        : `the president (${p.president}) has not signed the acta`;
    case 'too-few-members':
      return `${p.found} member signature(s), at least ${p.required} required`;
    default:
      return unreachable(p, 'mesa result problem');
  }
}

/** Spanish screen text for members and personeros. */
export function mesaResultProblemForScreen(p: MesaResultProblem): string {
  switch (p.kind) {
    case 'too-large':
    case 'bad-payload':
      return 'El resultado de la mesa no tiene el formato esperado. No se acepta.';
    case 'envelope':
    case 'signer-not-results':
    case 'digest-mismatch':
    case 'header-mismatch':
      return 'El resultado de la mesa no tiene una firma válida de la estación de resultados. No se acepta.';
    case 'wrong-election':
      return 'El resultado pertenece a otra elección. No se acepta.';
    case 'wrong-mesa':
      return 'El resultado pertenece a otra mesa. No se acepta.';
    case 'wrong-package':
      return 'El resultado se generó con otro paquete electoral. No se acepta.';
    case 'software-not-authorized':
      return 'El resultado se generó con un software no autorizado. No se acepta.';
    case 'simulacro-mismatch':
      return 'El resultado no coincide con el tipo de jornada (simulacro o elección). No se acepta.';
    case 'tally-invalid':
    case 'cabins-inconsistent':
    case 'identity-inconsistent':
      return 'Las cifras del acta no son coherentes. No se acepta.';
    case 'bad-signature-record':
    case 'signature-invalid':
      return 'Una de las firmas del acta no es válida.';
    case 'unknown-member':
    case 'member-key-mismatch':
      return 'Una firma no corresponde a un miembro de esta mesa.';
    case 'wrong-signer-role':
    case 'personero-id-mismatch':
    case 'personero-uses-package-key':
      return 'Una firma no corresponde al cargo con que se registró.';
    case 'duplicate-signer':
      return 'Una misma persona firmó el acta más de una vez.';
    case 'president-missing':
      return 'Falta la firma del presidente de mesa.';
    case 'too-few-members':
      return `Faltan firmas de miembros de mesa: hay ${p.found} y se requieren al menos ${p.required}.`;
    default:
      return unreachable(p, 'mesa result problem');
  }
}
