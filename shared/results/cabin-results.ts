/**
 * The cabin results file: what each cabin writes to the consolidation device at close, and
 * what the results station and the observer tool accept from it.
 *
 * It is a signed envelope (kind `cabin-results`) signed by the cabin's own key (`cabin-N`,
 * from the election package). The payload holds the canonical encodings of every ballot, the
 * cabin's own tally of them, the used-nonce hashes (for cross-cabin reconciliation), the
 * puesta-a-cero report hash, the package and software it ran under, and its audit log head.
 *
 * Secrecy decisions:
 * - Ballots are stored SORTED lexicographically by their canonical text, not shuffled. Both
 *   erase cast order; sorting also makes the file a pure function of the multiset of ballots
 *   (rebuilding it from the same store gives the same bytes, so an auditor can compare), and
 *   the verifier can REFUSE any file whose ballots are not sorted, so no producer (buggy or
 *   malicious) can smuggle an order out. Sorting groups identical ballots, which reveals
 *   nothing the file does not already reveal (the multiset itself).
 * - No time at all: not per vote, and no `closedAt` either (the close is already in the
 *   cabin's audit log, bound here by its head; a second clock value would add nothing).
 * - Used-nonce hashes are sorted too (they are sha256 of random nonces: order-free anyway).
 *
 * Verification checks everything a tampered or misdirected file could get wrong and reports
 * every problem found, each with English text (logs) and Spanish screen text (members).
 */
import { z } from 'zod';
import type { Ballot } from '../ballot/ballot.ts';
import { decodeBallot, describeBallotDecodeProblem, encodeBallot, MAX_BALLOT_TEXT_LENGTH, type BallotDecodeProblem } from '../ballot/encoding.ts';
import { canonicalJson } from '../crypto/canonical-json.ts';
import { describeEnvelopeError, openEnvelope, sealEnvelope, type EnvelopeError, type KeyResolver, type Signer } from '../crypto/envelope.ts';
import { sha256Hex } from '../crypto/hash.ts';
import { isSoftwareAuthorized, resolvePackageKey, type VerifiedPackage } from '../election/package.ts';
import { err, ok, unreachable, type Result } from '../result.ts';
import { describeTallyProblem, tallyBallots, type Tally } from '../tally/tally.ts';
import { parseTally } from '../tally/verify.ts';

export const CABIN_RESULTS_KIND = 'cabin-results';
export const CABIN_RESULTS_FORMAT_VERSION = 1;
/** Refused before parsing: far above any real cabin (a few hundred ballots of < 1 KB). */
export const MAX_CABIN_RESULTS_BYTES = 16 * 1024 * 1024;

const CABIN_ID = /^cabin-[1-9][0-9]*$/;
const HEX64 = /^[0-9a-f]{64}$/;

/** File name on the consolidation device, e.g. `resultados-cabin-1.vep`. Throws on a malformed id (a bug). */
export function CABIN_RESULTS_FILE_NAME(cabinId: string): string {
  if (!CABIN_ID.test(cabinId)) throw new Error(`bug: cabin id ${JSON.stringify(cabinId)} is not cabin-N`);
  return `resultados-${cabinId}.vep`;
}

/**
 * Whether a cabin's audit log records the puesta a cero its signed results name: the cabin logs
 * `puesta-a-cero.printed` with the report's sha256, so a results file cannot claim a zero report
 * the cabin never printed (both are signed by the cabin, but the log is hash-chained from boot).
 */
export function zeroReportLogged(entries: readonly { readonly event: string; readonly message: string }[], zeroReportHash: string): boolean {
  return entries.some((entry) => entry.event === 'puesta-a-cero.printed' && entry.message.includes(`sha256 ${zeroReportHash}`));
}

export interface CabinAuditHead {
  readonly sequence: number;
  readonly hash: string;
}

export interface CabinResultsInput {
  readonly pkg: VerifiedPackage;
  readonly cabinId: string;
  readonly softwareCode: string;
  readonly zeroReportHash: string;
  readonly ballots: readonly Ballot[];
  readonly usedNonceHashes: readonly string[];
  readonly auditHead: CabinAuditHead;
  readonly signer: Signer;
}

const hex64 = z.string().regex(HEX64, { message: 'must be 64 lowercase hexadecimal characters' });

const payloadSchema = z.strictObject({
  formatVersion: z.literal(CABIN_RESULTS_FORMAT_VERSION),
  electionId: z.string().max(64),
  mesa: z.string().max(16),
  cabinId: z.string().regex(CABIN_ID, { message: 'must be cabin-N' }),
  packageHash: hex64,
  softwareCode: hex64,
  zeroReportHash: hex64,
  ballotCount: z.int().min(0),
  // Shape checked by parseTally, which freezes it.
  tally: z.unknown(),
  ballots: z.array(z.string().max(MAX_BALLOT_TEXT_LENGTH)).max(100_000),
  usedNonceHashes: z.array(hex64).max(100_000),
  auditLogHead: z.strictObject({ sequence: z.int().min(0), hash: hex64 }),
});

export interface VerifiedCabinResults {
  readonly cabinId: string;
  readonly electionId: string;
  readonly mesa: string;
  readonly packageHash: string;
  readonly softwareCode: string;
  readonly zeroReportHash: string;
  readonly ballotCount: number;
  /** The signed tally, proven equal to a recount of `ballots`. */
  readonly tally: Tally;
  /** Decoded ballots, in the file's (sorted, order-free) order. */
  readonly ballots: readonly Ballot[];
  /** Sorted, distinct. */
  readonly usedNonceHashes: readonly string[];
  readonly auditLogHead: CabinAuditHead;
  /** sha256 hex of the file bytes, for the results station's audit log and acta. */
  readonly fileHash: string;
}

export type CabinResultsProblem =
  | { readonly kind: 'too-large'; readonly size: number; readonly max: number }
  | { readonly kind: 'envelope'; readonly error: EnvelopeError }
  | { readonly kind: 'signer-not-cabin'; readonly signer: string }
  | { readonly kind: 'bad-payload'; readonly detail: string }
  | { readonly kind: 'cabin-mismatch'; readonly signer: string; readonly claimed: string }
  | { readonly kind: 'unexpected-cabin'; readonly expected: string; readonly found: string }
  | { readonly kind: 'wrong-election'; readonly expected: string; readonly found: string }
  | { readonly kind: 'wrong-mesa'; readonly expected: string; readonly found: string }
  | { readonly kind: 'wrong-package'; readonly expected: string; readonly found: string }
  | { readonly kind: 'software-not-authorized'; readonly code: string }
  | { readonly kind: 'invalid-ballot'; readonly index: number; readonly problem: BallotDecodeProblem }
  | { readonly kind: 'ballots-not-sorted'; readonly index: number }
  | { readonly kind: 'count-mismatch'; readonly ballotCount: number; readonly ballots: number; readonly nonces: number }
  | { readonly kind: 'too-many-ballots'; readonly ballots: number; readonly electors: number }
  | { readonly kind: 'duplicate-nonce'; readonly duplicates: number }
  | { readonly kind: 'tally-mismatch'; readonly detail: string };

/** Builds and signs the cabin results file. Throws on inconsistent input: the vote store validated all of it, so that is a bug. */
export function buildCabinResults(input: CabinResultsInput): Uint8Array {
  const { pkg, cabinId, signer } = input;
  if (signer.role !== cabinId) throw new Error(`bug: cabin results of ${cabinId} signed with the ${signer.role} key`);
  const definition = pkg.payload.definition;
  const tally = tallyBallots(definition, input.ballots);
  if (!tally.ok) throw new Error(`bug: cabin ${cabinId} holds invalid ballots: ${tally.error.map(describeTallyProblem).join('; ')}`);
  const payload = {
    formatVersion: CABIN_RESULTS_FORMAT_VERSION,
    electionId: definition.election.id,
    mesa: definition.mesa.number,
    cabinId,
    packageHash: pkg.packageHash,
    softwareCode: input.softwareCode,
    zeroReportHash: input.zeroReportHash,
    ballotCount: input.ballots.length,
    tally: tally.value,
    // Sorted: see the file comment (order-free, deterministic, enforceable by the verifier).
    ballots: input.ballots.map(encodeBallot).sort(),
    usedNonceHashes: [...input.usedNonceHashes].sort(),
    auditLogHead: { sequence: input.auditHead.sequence, hash: input.auditHead.hash },
  };
  const bytes = sealEnvelope(CABIN_RESULTS_KIND, payload, signer);
  // Never write a file the results station would refuse: fail loudly at the cabin instead.
  const check = verifyCabinResults(bytes, { pkg, expectedCabinId: cabinId });
  if (!check.ok) {
    throw new Error(`bug: cabin results just built do not verify: ${check.error.map(describeCabinResultsProblem).join('; ')}`);
  }
  return bytes;
}

export interface VerifyCabinResultsOptions {
  readonly pkg: VerifiedPackage;
  /** The cabin the reader expects (e.g. the slot being read); any cabin of the package when absent. */
  readonly expectedCabinId?: string;
}

export function verifyCabinResults(
  bytes: Uint8Array,
  options: VerifyCabinResultsOptions,
): Result<VerifiedCabinResults, CabinResultsProblem[]> {
  const { pkg, expectedCabinId } = options;
  if (bytes.length > MAX_CABIN_RESULTS_BYTES) return err([{ kind: 'too-large', size: bytes.length, max: MAX_CABIN_RESULTS_BYTES }]);

  // Only the package's cabin keys may sign cabin results: a results or member key must not.
  const anyKey = resolvePackageKey(pkg);
  const cabinKey: KeyResolver = (signer, id) => (CABIN_ID.test(signer) ? anyKey(signer, id) : undefined);
  const opened = openEnvelope(bytes, CABIN_RESULTS_KIND, cabinKey);
  if (!opened.ok) {
    const e = opened.error;
    if (e.kind === 'unknown-signer' && !CABIN_ID.test(e.signer) && anyKey(e.signer, e.keyId) !== undefined) {
      return err([{ kind: 'signer-not-cabin', signer: e.signer }]);
    }
    return err([{ kind: 'envelope', error: e }]);
  }
  const signer = opened.value.signer;

  const parsed = payloadSchema.safeParse(opened.value.payload);
  if (!parsed.success) return err([{ kind: 'bad-payload', detail: z.prettifyError(parsed.error) }]);
  const payload = parsed.data;
  const tally = parseTally(payload.tally);
  if (!tally.ok) return err([{ kind: 'bad-payload', detail: `tally: ${tally.error.join('; ')}` }]);

  const problems: CabinResultsProblem[] = [];
  const definition = pkg.payload.definition;
  if (payload.cabinId !== signer) problems.push({ kind: 'cabin-mismatch', signer, claimed: payload.cabinId });
  if (expectedCabinId !== undefined && signer !== expectedCabinId) {
    problems.push({ kind: 'unexpected-cabin', expected: expectedCabinId, found: signer });
  }
  if (payload.electionId !== definition.election.id) {
    problems.push({ kind: 'wrong-election', expected: definition.election.id, found: payload.electionId });
  }
  if (payload.mesa !== definition.mesa.number) problems.push({ kind: 'wrong-mesa', expected: definition.mesa.number, found: payload.mesa });
  if (payload.packageHash !== pkg.packageHash) {
    problems.push({ kind: 'wrong-package', expected: pkg.packageHash, found: payload.packageHash });
  }
  if (!isSoftwareAuthorized(pkg, payload.softwareCode)) problems.push({ kind: 'software-not-authorized', code: payload.softwareCode });

  const ballots: Ballot[] = [];
  for (const [index, text] of payload.ballots.entries()) {
    const decoded = decodeBallot(definition, text);
    if (decoded.ok) ballots.push(decoded.value);
    else problems.push({ kind: 'invalid-ballot', index, problem: decoded.error });
  }
  const unsorted = payload.ballots.findIndex((text, i) => i > 0 && (payload.ballots[i - 1] ?? '') > text);
  if (unsorted !== -1) problems.push({ kind: 'ballots-not-sorted', index: unsorted });

  const ballotCount = payload.ballotCount;
  if (ballotCount !== payload.ballots.length || ballotCount !== payload.usedNonceHashes.length) {
    problems.push({ kind: 'count-mismatch', ballotCount, ballots: payload.ballots.length, nonces: payload.usedNonceHashes.length });
  }
  // One cabin cannot receive more votes than the mesa has electors.
  if (payload.ballots.length > definition.padron.length) {
    problems.push({ kind: 'too-many-ballots', ballots: payload.ballots.length, electors: definition.padron.length });
  }
  const distinctNonces = new Set(payload.usedNonceHashes).size;
  if (distinctNonces !== payload.usedNonceHashes.length) {
    problems.push({ kind: 'duplicate-nonce', duplicates: payload.usedNonceHashes.length - distinctNonces });
  }

  // Recount only when every ballot decoded; otherwise the invalid ballots are already reported.
  if (ballots.length === payload.ballots.length) {
    const recount = tallyBallots(definition, ballots);
    if (!recount.ok) {
      problems.push({ kind: 'tally-mismatch', detail: recount.error.map(describeTallyProblem).join('; ') });
    } else if (canonicalJson(recount.value) !== canonicalJson(tally.value)) {
      problems.push({ kind: 'tally-mismatch', detail: firstTallyDifference(recount.value, tally.value) });
    }
  }

  if (problems.length > 0) return err(problems);
  return ok({
    cabinId: payload.cabinId,
    electionId: payload.electionId,
    mesa: payload.mesa,
    packageHash: payload.packageHash,
    softwareCode: payload.softwareCode,
    zeroReportHash: payload.zeroReportHash,
    ballotCount,
    tally: tally.value,
    ballots,
    usedNonceHashes: [...payload.usedNonceHashes].sort(),
    auditLogHead: payload.auditLogHead,
    fileHash: sha256Hex(bytes),
  });
}

/** Names where a recount differs from the signed tally, for the English problem text. */
function firstTallyDifference(recount: Tally, signed: Tally): string {
  for (const key of ['electionId', 'mesa', 'ballots', 'art23Blanks'] as const) {
    if (recount[key] !== signed[key]) return `${key}: recount ${String(recount[key])}, signed ${String(signed[key])}`;
  }
  for (const [i, contest] of recount.contests.entries()) {
    const other = signed.contests[i];
    if (other === undefined || canonicalJson(contest) !== canonicalJson(other)) return `contest ${contest.contestId}`;
  }
  return 'the signed tally has extra contests';
}

/** English text for logs and developers. */
export function describeCabinResultsProblem(p: CabinResultsProblem): string {
  switch (p.kind) {
    case 'too-large':
      return `cabin results file is ${p.size} bytes, at most ${p.max} allowed`;
    case 'envelope':
      return `cabin results rejected: ${describeEnvelopeError(p.error)}`;
    case 'signer-not-cabin':
      return `cabin results signed by ${p.signer}, which is not a cabin of this mesa`;
    case 'bad-payload':
      return `cabin results have malformed content: ${p.detail}`;
    case 'cabin-mismatch':
      return `cabin results signed by ${p.signer} claim to come from ${p.claimed}`;
    case 'unexpected-cabin':
      return `expected the results of ${p.expected}, found those of ${p.found}`;
    case 'wrong-election':
      return `cabin results are for election ${JSON.stringify(p.found)}, this package is ${JSON.stringify(p.expected)}`;
    case 'wrong-mesa':
      return `cabin results are for mesa ${JSON.stringify(p.found)}, this package is for mesa ${JSON.stringify(p.expected)}`;
    case 'wrong-package':
      return `cabin results were produced under package ${p.found}, not the loaded package ${p.expected}`;
    case 'software-not-authorized':
      return `cabin results were produced by software ${p.code}, which the package does not authorize`;
    case 'invalid-ballot':
      return `ballot #${p.index} of the cabin results is refused: ${describeBallotDecodeProblem(p.problem)}`;
    case 'ballots-not-sorted':
      return `ballots are not in sorted order (at #${p.index}): the file could carry the order of the votes`;
    case 'count-mismatch':
      return `ballot count ${p.ballotCount} disagrees with ${p.ballots} ballot(s) and ${p.nonces} used nonce(s)`;
    case 'too-many-ballots':
      return `${p.ballots} ballots in one cabin, but the mesa has only ${p.electors} electors`;
    case 'duplicate-nonce':
      return `${p.duplicates} used nonce hash(es) appear more than once`;
    case 'tally-mismatch':
      return `the signed tally does not match a recount of the ballots (${p.detail})`;
    default:
      return unreachable(p, 'cabin results problem');
  }
}

function cabinLabel(cabinId: string | undefined): string {
  const number = cabinId !== undefined && CABIN_ID.test(cabinId) ? cabinId.slice('cabin-'.length) : undefined;
  return number === undefined ? 'de una cabina' : `de la cabina ${number}`;
}

/**
 * Spanish screen text for members and personeros. `cabinId` is the cabin being read (the
 * expected one, or the signer once known); every refused file is left out of the count.
 */
export function cabinResultsProblemForScreen(p: CabinResultsProblem, cabinId?: string): string {
  const who = `Los resultados ${cabinLabel(cabinId)}`;
  const reason = ((): string => {
    switch (p.kind) {
      case 'too-large':
      case 'bad-payload':
        return 'no tienen el formato esperado';
      case 'envelope':
      case 'signer-not-cabin':
      case 'cabin-mismatch':
        return 'no tienen una firma válida';
      case 'unexpected-cabin':
        return `pertenecen a la cabina ${p.found.slice('cabin-'.length)}`;
      case 'wrong-election':
        return 'pertenecen a otra elección';
      case 'wrong-mesa':
        return 'pertenecen a otra mesa';
      case 'wrong-package':
        return 'se generaron con otro paquete electoral';
      case 'software-not-authorized':
        return 'se generaron con un software no autorizado';
      case 'invalid-ballot':
        return 'contienen un voto no válido';
      case 'ballots-not-sorted':
      case 'count-mismatch':
      case 'too-many-ballots':
      case 'duplicate-nonce':
        return 'no son coherentes';
      case 'tally-mismatch':
        return 'tienen un conteo que no coincide con los votos';
      default:
        return unreachable(p, 'cabin results problem');
    }
  })();
  return `${who} ${reason}. No se contabilizan.`;
}
