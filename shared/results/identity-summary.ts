/**
 * The identity summary file: what the identity station writes to the consolidation device at
 * close, and what the results station feeds into reconcile() (shared/tally/reconcile.ts).
 *
 * A signed envelope (kind `identity-summary`) signed by the package's `identity` key. The
 * payload holds COUNTS only (the ones reconcile needs, plus lost devices and assisted voters for
 * the acta), the election, mesa, package and software it ran under, and its audit log head.
 *
 * Secrecy: no per-voter data at all (no DNI, no list, no time). The list of electors who did
 * not vote (`electores-no-asistieron.csv`, a public record exported on request after close) is a
 * separate file; only its sha256 is signed here (`nonVotersSha256`), so that every file the
 * identity station leaves on the consolidation device is covered by its signature (a changed
 * byte in the list is refused by the results station and by `vep verify`). A hash of a public
 * list reveals nothing the list does not, and nothing about any vote.
 * The list is final once the station closes, so the hash is taken when the summary is built,
 * before the list is exported; the export writes exactly those bytes.
 *
 * Arithmetic (aligned with reconcile.ts, checked on build and on verify):
 * - activationsIssued = activationsConsumed + art23NotVoted (the station refuses to close with a
 *   device out; a lost device is counted in art23NotVoted, and lostDevices <= art23NotVoted);
 * - activationsConsumed + art23NotVoted + impugnados <= electoresHabiles = the package's padrón;
 * - assistedVoters <= those voters.
 * The cabins' ballot counts are not known here: reconcile() compares them with
 * activationsConsumed at the results station.
 */
import { z } from 'zod';
import { describeEnvelopeError, openEnvelope, sealEnvelope, type EnvelopeError, type KeyResolver, type Signer } from '../crypto/envelope.ts';
import { sha256Hex } from '../crypto/hash.ts';
import { isSoftwareAuthorized, resolvePackageKey, type VerifiedPackage } from '../election/package.ts';
import { err, ok, unreachable, type Result } from '../result.ts';
import type { IdentitySummary } from '../tally/reconcile.ts';

export const IDENTITY_SUMMARY_KIND = 'identity-summary';
/** 2: adds nonVotersSha256. */
export const IDENTITY_SUMMARY_FORMAT_VERSION = 2;
export const IDENTITY_SUMMARY_FILE_NAME = 'resumen-identidad.vep';
export const IDENTITY_SIGNER_ROLE = 'identity';
/** Refused before parsing: a real summary is well under 1 KB. */
export const MAX_IDENTITY_SUMMARY_BYTES = 64 * 1024;
/** Public record of the electors who did not come, CSV, exported by the identity station after close. */
export const NON_VOTERS_FILE_NAME = 'electores-no-asistieron.csv';

const HEX64 = /^[0-9a-f]{64}$/;

/** The counts the station signs (from the identity store's summary at close). */
export interface IdentitySummaryCounts extends IdentitySummary {
  /** Of art23NotVoted, the devices declared lost. */
  readonly lostDevices: number;
  /** Art. 22 assisted voters (a count). */
  readonly assistedVoters: number;
}

export interface IdentityAuditHead {
  readonly sequence: number;
  readonly hash: string;
}

export interface IdentitySummaryInput {
  readonly pkg: VerifiedPackage;
  readonly softwareCode: string;
  readonly counts: IdentitySummaryCounts;
  readonly auditHead: IdentityAuditHead;
  /** sha256 hex of the exact bytes of the non-voters list the station exports (NON_VOTERS_FILE_NAME). */
  readonly nonVotersSha256: string;
  readonly signer: Signer;
}

const hex64 = z.string().regex(HEX64, { message: 'must be 64 lowercase hexadecimal characters' });
const count = z.int().min(0).max(1_000_000);

const payloadSchema = z.strictObject({
  formatVersion: z.literal(IDENTITY_SUMMARY_FORMAT_VERSION),
  electionId: z.string().max(64),
  mesa: z.string().max(16),
  packageHash: hex64,
  softwareCode: hex64,
  electoresHabiles: count,
  activationsIssued: count,
  activationsConsumed: count,
  art23NotVoted: count,
  lostDevices: count,
  impugnados: count,
  assistedVoters: count,
  auditLogHead: z.strictObject({ sequence: z.int().min(0), hash: hex64 }),
  nonVotersSha256: hex64,
});

export interface VerifiedIdentitySummary {
  readonly electionId: string;
  readonly mesa: string;
  readonly packageHash: string;
  readonly softwareCode: string;
  readonly counts: IdentitySummaryCounts;
  /** Exactly what reconcile() takes as `identity`. */
  readonly identity: IdentitySummary;
  readonly auditLogHead: IdentityAuditHead;
  /** sha256 hex of the non-voters list (NON_VOTERS_FILE_NAME) this summary vouches for. */
  readonly nonVotersSha256: string;
  /** sha256 hex of the file bytes, for the results station's audit log and acta. */
  readonly fileHash: string;
}

export type IdentitySummaryProblem =
  | { readonly kind: 'too-large'; readonly size: number; readonly max: number }
  | { readonly kind: 'envelope'; readonly error: EnvelopeError }
  | { readonly kind: 'signer-not-identity'; readonly signer: string }
  | { readonly kind: 'bad-payload'; readonly detail: string }
  | { readonly kind: 'wrong-election'; readonly expected: string; readonly found: string }
  | { readonly kind: 'wrong-mesa'; readonly expected: string; readonly found: string }
  | { readonly kind: 'wrong-package'; readonly expected: string; readonly found: string }
  | { readonly kind: 'software-not-authorized'; readonly code: string }
  | { readonly kind: 'wrong-electores-habiles'; readonly expected: number; readonly found: number }
  | { readonly kind: 'activations-unaccounted'; readonly issued: number; readonly consumed: number; readonly art23NotVoted: number }
  | { readonly kind: 'lost-exceeds-art23'; readonly lostDevices: number; readonly art23NotVoted: number }
  | { readonly kind: 'voters-exceed-electors'; readonly voters: number; readonly electoresHabiles: number }
  | { readonly kind: 'assisted-exceed-voters'; readonly assistedVoters: number; readonly voters: number };

/** Builds and signs the summary. Throws on inconsistent counts or a wrong key: those are bugs at the station. */
export function buildIdentitySummary(input: IdentitySummaryInput): Uint8Array {
  const { pkg, signer, counts } = input;
  if (signer.role !== IDENTITY_SIGNER_ROLE) throw new Error(`bug: identity summary signed with the ${signer.role} key`);
  const definition = pkg.payload.definition;
  const payload = {
    formatVersion: IDENTITY_SUMMARY_FORMAT_VERSION,
    electionId: definition.election.id,
    mesa: definition.mesa.number,
    packageHash: pkg.packageHash,
    softwareCode: input.softwareCode,
    electoresHabiles: counts.electoresHabiles,
    activationsIssued: counts.activationsIssued,
    activationsConsumed: counts.activationsConsumed,
    art23NotVoted: counts.art23NotVoted,
    lostDevices: counts.lostDevices,
    impugnados: counts.impugnados,
    assistedVoters: counts.assistedVoters,
    auditLogHead: { sequence: input.auditHead.sequence, hash: input.auditHead.hash },
    nonVotersSha256: input.nonVotersSha256,
  };
  const bytes = sealEnvelope(IDENTITY_SUMMARY_KIND, payload, signer);
  // Never write a file the results station would refuse: fail loudly at the station instead.
  const check = verifyIdentitySummary(bytes, { pkg });
  if (!check.ok) throw new Error(`bug: identity summary just built does not verify: ${check.error.map(describeIdentitySummaryProblem).join('; ')}`);
  return bytes;
}

export interface VerifyIdentitySummaryOptions {
  readonly pkg: VerifiedPackage;
}

export function verifyIdentitySummary(
  bytes: Uint8Array,
  options: VerifyIdentitySummaryOptions,
): Result<VerifiedIdentitySummary, IdentitySummaryProblem[]> {
  const { pkg } = options;
  if (bytes.length > MAX_IDENTITY_SUMMARY_BYTES) return err([{ kind: 'too-large', size: bytes.length, max: MAX_IDENTITY_SUMMARY_BYTES }]);

  // Only the identity key may sign it: a cabin or results key must not.
  const anyKey = resolvePackageKey(pkg);
  const identityKey: KeyResolver = (signer, id) => (signer === IDENTITY_SIGNER_ROLE ? anyKey(signer, id) : undefined);
  const opened = openEnvelope(bytes, IDENTITY_SUMMARY_KIND, identityKey);
  if (!opened.ok) {
    const e = opened.error;
    if (e.kind === 'unknown-signer' && e.signer !== IDENTITY_SIGNER_ROLE && anyKey(e.signer, e.keyId) !== undefined) {
      return err([{ kind: 'signer-not-identity', signer: e.signer }]);
    }
    return err([{ kind: 'envelope', error: e }]);
  }

  const parsed = payloadSchema.safeParse(opened.value.payload);
  if (!parsed.success) return err([{ kind: 'bad-payload', detail: z.prettifyError(parsed.error) }]);
  const p = parsed.data;

  const problems: IdentitySummaryProblem[] = [];
  const definition = pkg.payload.definition;
  if (p.electionId !== definition.election.id) problems.push({ kind: 'wrong-election', expected: definition.election.id, found: p.electionId });
  if (p.mesa !== definition.mesa.number) problems.push({ kind: 'wrong-mesa', expected: definition.mesa.number, found: p.mesa });
  if (p.packageHash !== pkg.packageHash) problems.push({ kind: 'wrong-package', expected: pkg.packageHash, found: p.packageHash });
  if (!isSoftwareAuthorized(pkg, p.softwareCode)) problems.push({ kind: 'software-not-authorized', code: p.softwareCode });
  if (p.electoresHabiles !== definition.padron.length) {
    problems.push({ kind: 'wrong-electores-habiles', expected: definition.padron.length, found: p.electoresHabiles });
  }
  if (p.activationsIssued !== p.activationsConsumed + p.art23NotVoted) {
    problems.push({ kind: 'activations-unaccounted', issued: p.activationsIssued, consumed: p.activationsConsumed, art23NotVoted: p.art23NotVoted });
  }
  if (p.lostDevices > p.art23NotVoted) problems.push({ kind: 'lost-exceeds-art23', lostDevices: p.lostDevices, art23NotVoted: p.art23NotVoted });
  const voters = p.activationsConsumed + p.art23NotVoted + p.impugnados;
  if (voters > p.electoresHabiles) problems.push({ kind: 'voters-exceed-electors', voters, electoresHabiles: p.electoresHabiles });
  if (p.assistedVoters > voters) problems.push({ kind: 'assisted-exceed-voters', assistedVoters: p.assistedVoters, voters });
  if (problems.length > 0) return err(problems);

  const identity: IdentitySummary = {
    electoresHabiles: p.electoresHabiles,
    activationsIssued: p.activationsIssued,
    activationsConsumed: p.activationsConsumed,
    art23NotVoted: p.art23NotVoted,
    impugnados: p.impugnados,
  };
  return ok({
    electionId: p.electionId,
    mesa: p.mesa,
    packageHash: p.packageHash,
    softwareCode: p.softwareCode,
    counts: { ...identity, lostDevices: p.lostDevices, assistedVoters: p.assistedVoters },
    identity,
    auditLogHead: p.auditLogHead,
    nonVotersSha256: p.nonVotersSha256,
    fileHash: sha256Hex(bytes),
  });
}

/** English text for logs and developers. */
export function describeIdentitySummaryProblem(p: IdentitySummaryProblem): string {
  switch (p.kind) {
    case 'too-large':
      return `identity summary is ${p.size} bytes, at most ${p.max} allowed`;
    case 'envelope':
      return `identity summary rejected: ${describeEnvelopeError(p.error)}`;
    case 'signer-not-identity':
      return `identity summary signed by ${p.signer}, not by the identity station`;
    case 'bad-payload':
      return `identity summary has malformed content: ${p.detail}`;
    case 'wrong-election':
      return `identity summary is for election ${JSON.stringify(p.found)}, this package is ${JSON.stringify(p.expected)}`;
    case 'wrong-mesa':
      return `identity summary is for mesa ${JSON.stringify(p.found)}, this package is for mesa ${JSON.stringify(p.expected)}`;
    case 'wrong-package':
      return `identity summary was produced under package ${p.found}, not the loaded package ${p.expected}`;
    case 'software-not-authorized':
      return `identity summary was produced by software ${p.code}, which the package does not authorize`;
    case 'wrong-electores-habiles':
      return `identity summary counts ${p.found} electores hábiles, the package's padrón has ${p.expected}`;
    case 'activations-unaccounted':
      return `${p.issued} activation(s) issued but ${p.consumed} consumed + ${p.art23NotVoted} Art. 23 not voted`;
    case 'lost-exceeds-art23':
      return `${p.lostDevices} lost device(s) exceed the ${p.art23NotVoted} Art. 23 not voted they are part of`;
    case 'voters-exceed-electors':
      return `${p.voters} voter(s) exceed the ${p.electoresHabiles} electores hábiles`;
    case 'assisted-exceed-voters':
      return `${p.assistedVoters} assisted voter(s) exceed the ${p.voters} voter(s)`;
    default:
      return unreachable(p, 'identity summary problem');
  }
}

/** Spanish screen text for members and personeros: the file is left out. */
export function identitySummaryProblemForScreen(p: IdentitySummaryProblem): string {
  const reason = ((): string => {
    switch (p.kind) {
      case 'too-large':
      case 'bad-payload':
        return 'no tiene el formato esperado';
      case 'envelope':
      case 'signer-not-identity':
        return 'no tiene una firma válida';
      case 'wrong-election':
        return 'pertenece a otra elección';
      case 'wrong-mesa':
        return 'pertenece a otra mesa';
      case 'wrong-package':
        return 'se generó con otro paquete electoral';
      case 'software-not-authorized':
        return 'se generó con un software no autorizado';
      case 'wrong-electores-habiles':
      case 'activations-unaccounted':
      case 'lost-exceeds-art23':
      case 'voters-exceed-electors':
      case 'assisted-exceed-voters':
        return 'tiene cifras que no son coherentes';
      default:
        return unreachable(p, 'identity summary problem');
    }
  })();
  return `El resumen de la estación de comprobación de identidad ${reason}. No se acepta.`;
}
