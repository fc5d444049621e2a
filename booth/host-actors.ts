/**
 * The cabin's actors against the real parts (contracts: machine-types.ts BoothActorContracts).
 * One small function per actor. Expected failures resolve to typed results; only bugs reject.
 *
 * Secrecy: nothing here logs about a ballot (the entries written here name another cabin that
 * claimed a device, or say that a device of a vote committed here came back; no nonce, see
 * verifyTokenOnDevice). The token nonce is the AcceptedToken handle (memory only, until
 * the store records it hashed); print job ids are random, never derived from the ballot or time.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { markClaimed, markConsumed, readDeviceClaim, readDeviceState } from '../shared/activation/device-state.ts';
import { tokenRejectionScreenText } from '../shared/activation/rejection.ts';
import { verifyToken } from '../shared/activation/token.ts';
import { AUDIT_EXPORT_FILE_NAME, exportAuditLog, verifyAuditExport } from '../shared/audit/export.ts';
import type { AuditLog } from '../shared/audit/log.ts';
import { validateBallot } from '../shared/ballot/rules.ts';
import type { Signer } from '../shared/crypto/envelope.ts';
import { sha256Hex } from '../shared/crypto/hash.ts';
import type { ActivationError, ActivationReader } from '../shared/devices/activation/activation-reader.ts';
import type { ConsolidationDevice, UsbError } from '../shared/devices/consolidation/consolidation-device.ts';
import type { PrinterError, ThermalPrinter } from '../shared/devices/printer/printer.ts';
import { documentToPlainText, type PrintDocument } from '../shared/documents/print-document.ts';
import type { ElectionDefinition } from '../shared/election/definition.ts';
import { resolvePackageKey, type VerifiedPackage } from '../shared/election/package.ts';
import { err, ok, type Result } from '../shared/result.ts';
import { buildCabinResults, CABIN_RESULTS_FILE_NAME } from '../shared/results/cabin-results.ts';
import { emptyTally, isZeroTally, tallyBallots } from '../shared/tally/tally.ts';
import { verifyPresidentCredential } from '../shared/credentials/member-credential.ts';
import { cabinResultsReport, constanciaDeVoto, puestaACeroReport } from './documents.ts';
import { CLAIMED_ELSEWHERE_TEXT } from './machine-messages.ts';
import type { BoothActorContracts, BoothActorName, PrinterFault, SelfCheckFailure } from './machine-types.ts';
import { packageBindingHash, type VoteStore } from './vote-store.ts';
import { printerPresent, printerStatusAtSelfCheck } from '../shared/devices/printer/self-check.ts';

/** Everything the actors touch. `startupFailure`: found while starting (package, software, keys, store). */
export interface HostParts {
  readonly pkg: VerifiedPackage;
  readonly definition: ElectionDefinition;
  readonly cabinId: string;
  readonly signer: Signer;
  readonly softwareCode: string;
  readonly store: VoteStore;
  readonly audit: AuditLog;
  readonly reader: ActivationReader;
  readonly printer: ThermalPrinter;
  readonly consolidation: ConsolidationDevice;
  readonly clock: () => Date;
  /** Written after the results file is on the consolidation device: a restart then starts closed. */
  readonly resultsWrittenMarker: string;
}

type Out<K extends BoothActorName> = Promise<BoothActorContracts[K]['output']>;
type In<K extends BoothActorName> = BoothActorContracts[K]['input'];
export type HostActorFunctions = { [K in BoothActorName]: (input: In<K>) => Out<K> };

function printerFault(e: PrinterError): PrinterFault {
  return { kind: e.kind };
}

/** Random id: a job id derived from the ballot or the time would link the ticket to the vote. */
async function print(parts: HostParts, document: PrintDocument): Promise<Result<void, PrinterFault>> {
  const printed = await parts.printer.print({ id: randomUUID(), document });
  return printed.ok ? ok(undefined) : err(printerFault(printed.error));
}

function header(parts: HostParts) {
  return {
    definition: parts.definition,
    cabinId: parts.cabinId,
    softwareCode: parts.softwareCode,
    packageHash: parts.pkg.packageHash,
    printedAt: parts.clock(),
  };
}

async function selfCheck(parts: HostParts): Out<'selfCheck'> {
  const fail = (kind: SelfCheckFailure['kind']) => err({ kind });
  const year = parts.clock().getUTCFullYear();
  if (!Number.isFinite(year) || year < 2024) return fail('clock-invalid');
  try {
    parts.store.phase();
  } catch {
    return fail('storage-fault');
  }
  // A store from another package (another election or mesa, a re-issued package) must never
  // receive this package's votes nor mix its own into these results.
  const bound = parts.store.bindToPackage(packageBindingHash(parts.pkg));
  if (!bound.ok) {
    const message = bound.error.kind === 'other-package' ? `vote store bound to another election package (binding ${bound.error.bound})` : 'vote store binding failed';
    parts.audit.append('storage.fault', { message });
    return fail(bound.error.kind === 'other-package' ? 'store-other-package' : 'storage-fault');
  }
  if (!printerPresent(await printerStatusAtSelfCheck(parts.printer))) return fail('printer-unavailable');
  const presence = await parts.reader.presence();
  if (!presence.ok) return fail('activation-reader-unavailable');
  return ok(undefined);
}

async function runPuestaACero(parts: HostParts): Out<'runPuestaACero'> {
  const tally = emptyTally(parts.definition);
  let empty: boolean;
  try {
    empty = parts.store.isEmpty();
  } catch {
    return err({ kind: 'storage-fault' });
  }
  if (!empty || !isZeroTally(tally)) return err({ kind: 'store-not-empty' });
  const report = puestaACeroReport({ ...header(parts), tally });
  const printed = await print(parts, report);
  if (!printed.ok) return err({ kind: 'printer-fault', fault: printed.error });
  const zeroReportHash = sha256Hex(documentToPlainText(report));
  const opened = parts.store.openVoting(zeroReportHash);
  return opened.ok ? ok({ zeroReportHash }) : err({ kind: opened.error.kind === 'not-empty' ? 'store-not-empty' : 'storage-fault' });
}

function readFailure(e: ActivationError): 'device-missing' | 'write-failed' {
  return e.kind === 'no-device' || e.kind === 'device-removed' ? 'device-missing' : 'write-failed';
}

async function verifyTokenOnDevice(parts: HostParts): Out<'verifyToken'> {
  const unreadable = { kind: 'unreadable' as const, screenText: 'No se pudo leer el dispositivo de activación. Retírelo e insértelo de nuevo.' };
  const presence = await parts.reader.presence();
  if (!presence.ok || !presence.value.present) return err(unreadable);
  // Bound to this insertion: the claim below must land on the device that was verified.
  const io = { expectDeviceId: presence.value.deviceId };
  const read = await parts.reader.read(io);
  if (!read.ok) return err(unreadable);
  const { definition } = parts;
  const verified = verifyToken(read.value, {
    resolveKey: resolvePackageKey(parts.pkg),
    electionId: definition.election.id,
    mesa: definition.mesa.number,
    simulacro: definition.election.simulacro,
    now: parts.clock(),
    isUsed: (nonce) => parts.store.isUsed(nonce),
    cabinId: parts.cabinId,
  });
  if (!verified.ok) {
    const rejection = verified.error;
    if (rejection.kind === 'claimed-elsewhere') {
      // The machine logs token.rejected with the kind; this entry says which cabin holds it.
      // It names the other cabin only, nothing about any ballot.
      parts.audit.append('device.refused', { message: `activation device claimed by ${rejection.cabin} and never marked consumed: sent to the president` });
      return err({ kind: 'claimed-elsewhere', screenText: CLAIMED_ELSEWHERE_TEXT });
    }
    if (rejection.kind === 'replayed') {
      const marked = await consumeOwnCommittedClaim(parts, read.value, io, rejection.nonce);
      if (marked) return err({ kind: 'consumed', screenText: tokenRejectionScreenText({ kind: 'consumed', nonce: rejection.nonce, cabin: parts.cabinId }) });
    }
    return err({ kind: rejection.kind, screenText: tokenRejectionScreenText(rejection) });
  }
  // Claim the device before the session starts (payload.ts): from now on only this cabin accepts
  // it, so a device pulled after the commit but before the consumed mark cannot vote elsewhere.
  const scope = { resolveKey: resolvePackageKey(parts.pkg), electionId: definition.election.id, mesa: definition.mesa.number };
  const own = readDeviceClaim(read.value, scope);
  if (!own.ok) {
    // A bare token (verifyToken accepted it): wrap it in this cabin's claim.
    const claim = markClaimed(read.value, parts.signer);
    const written = await parts.reader.write(claim, io);
    if (!written.ok) return err(unreadable);
    const back = await parts.reader.read(io);
    if (!back.ok || Buffer.compare(Buffer.from(back.value), Buffer.from(claim)) !== 0) return err(unreadable);
  }
  return ok({ handle: verified.value.nonce });
}

function claimScope(parts: HostParts) {
  const { definition } = parts;
  return { resolveKey: resolvePackageKey(parts.pkg), electionId: definition.election.id, mesa: definition.mesa.number };
}

async function writeVerified(parts: HostParts, bytes: Uint8Array, io: { expectDeviceId: string }): Promise<boolean> {
  const written = await parts.reader.write(bytes, io);
  if (!written.ok) return false;
  const back = await parts.reader.read(io);
  return back.ok && Buffer.compare(Buffer.from(back.value), Buffer.from(bytes)) === 0;
}

/**
 * A device back in the cabin that claimed it, whose vote this cabin committed (the nonce is used
 * here) but which was never marked consumed (pulled before the mark, president released the
 * cabin, or a crash): write the consumed mark now instead of refusing it as a replay, so the
 * identity station sees the voter as having voted. True if the mark is on the device.
 */
async function consumeOwnCommittedClaim(parts: HostParts, bytes: Uint8Array, io: { expectDeviceId: string }, nonce: string): Promise<boolean> {
  const claim = readDeviceClaim(bytes, claimScope(parts));
  if (!claim.ok || claim.value.cabin !== parts.cabinId || claim.value.token.nonce !== nonce) return false;
  const { definition } = parts;
  const mark = markConsumed({ electionId: definition.election.id, mesa: definition.mesa.number, nonce }, parts.signer);
  if (!(await writeVerified(parts, mark, io))) return false;
  // The store may still wait for this very mark (machine not yet back in reinsert-device).
  if (parts.store.pendingConsumption()?.nonce === nonce) parts.store.markDeviceConsumed();
  parts.audit.append('device.refused', { message: 'own claim of a vote committed here: consumed mark written, no new session' });
  return true;
}

/**
 * Gives the identity station's token back in place of this cabin's claim after a session ended
 * without a vote. Never for a nonce the store records as used: that voter's vote counts, and a
 * bare token back at the identity station would add an Art. 23 blank for them.
 */
async function releaseClaim(parts: HostParts, input: In<'releaseClaim'>): Out<'releaseClaim'> {
  let used: boolean;
  try {
    used = parts.store.isUsed(input.token.handle);
  } catch {
    // Unknown whether the vote counts: keeping the claim is the safe side.
    return err({ kind: 'vote-recorded' });
  }
  if (used) return err({ kind: 'vote-recorded' });
  const presence = await parts.reader.presence();
  if (!presence.ok || !presence.value.present) return err({ kind: 'device-missing' });
  const io = { expectDeviceId: presence.value.deviceId };
  const read = await parts.reader.read(io);
  if (!read.ok) return err({ kind: readFailure(read.error) === 'device-missing' ? 'device-missing' : 'write-failed' });
  const claim = readDeviceClaim(read.value, claimScope(parts));
  if (!claim.ok || claim.value.cabin !== parts.cabinId || claim.value.token.nonce !== input.token.handle) {
    return err({ kind: 'not-claimed-here' });
  }
  return (await writeVerified(parts, claim.value.tokenBytes, io)) ? ok(undefined) : err({ kind: 'write-failed' });
}

function commitVote(parts: HostParts, input: In<'commitVote'>): Awaited<Out<'commitVote'>> {
  if (!validateBallot(parts.definition, input.ballot).ok) return err({ kind: 'invalid-ballot' });
  const committed = parts.store.commitVote({ ballot: input.ballot, nonce: input.token.handle });
  if (committed.ok) return ok(undefined);
  switch (committed.error.kind) {
    case 'nonce-used':
      return err({ kind: 'token-already-used' });
    case 'invalid-input':
      return err({ kind: 'invalid-ballot' });
    default:
      return err({ kind: 'storage-fault' });
  }
}

async function printConstancia(parts: HostParts, input: In<'printConstancia'>): Out<'printConstancia'> {
  const pending = parts.store.pendingConstancia();
  if (!pending.ok) return err({ kind: 'error' });
  if (pending.value === undefined) return ok(undefined);
  // The store's durable flag wins: it knows about restarts the machine may not have seen.
  const reprint = pending.value.reprint || input.reprint;
  const printed = await print(parts, constanciaDeVoto({ definition: parts.definition, ballot: pending.value.ballot, reprint }));
  if (!printed.ok) return printed;
  return parts.store.markConstanciaPrinted().ok ? ok(undefined) : err({ kind: 'error' });
}

async function markDeviceConsumed(parts: HostParts): Out<'markDeviceConsumed'> {
  const pending = parts.store.pendingConsumption();
  if (pending === undefined) return ok(undefined);
  const presence = await parts.reader.presence();
  if (!presence.ok) return err({ kind: readFailure(presence.error) });
  if (!presence.value.present) return err({ kind: 'device-missing' });
  // Bound to this insertion: a swap between the check and the write fails as device-removed.
  const io = { expectDeviceId: presence.value.deviceId };
  const read = await parts.reader.read(io);
  if (!read.ok) return err({ kind: readFailure(read.error) });
  const { definition } = parts;
  const scope = { electionId: definition.election.id, mesa: definition.mesa.number };
  const state = readDeviceState(read.value, { resolveKey: resolvePackageKey(parts.pkg), ...scope });
  const claim = readDeviceClaim(read.value, { resolveKey: resolvePackageKey(parts.pkg), ...scope });
  const claimedHere = claim.ok && claim.value.cabin === parts.cabinId && claim.value.token.nonce === pending.nonce;
  // A bare token of the nonce is accepted too: this cabin always claims first, but marking the
  // vote's own token consumed is never wrong, and refusing it would leave the vote unmarked.
  const holdsToken = claimedHere || (state.state === 'unconsumed-token' && state.token.nonce === pending.nonce);
  const alreadyMarked = state.state === 'consumed' && state.nonce === pending.nonce;
  if (!holdsToken && !alreadyMarked) return err({ kind: 'other-device' });
  if (holdsToken) {
    const written = await parts.reader.write(markConsumed({ ...scope, nonce: pending.nonce }, parts.signer), io);
    if (!written.ok) return err({ kind: readFailure(written.error) });
  }
  return parts.store.markDeviceConsumed().ok ? ok(undefined) : err({ kind: 'write-failed' });
}

function abandonConsumptionMark(parts: HostParts): Awaited<Out<'abandonConsumptionMark'>> {
  return parts.store.abandonPendingConsumption().ok ? ok(undefined) : err({ kind: 'storage-fault' });
}

async function printResultsReport(parts: HostParts, input: In<'printResultsReport'>): Out<'printResultsReport'> {
  const closed = parts.store.close();
  if (!closed.ok && closed.error.kind !== 'closed') return err({ kind: 'error' });
  const ballots = parts.store.closedBallots();
  if (!ballots.ok) return err({ kind: 'error' });
  const tally = tallyBallots(parts.definition, ballots.value);
  // The store only ever accepted validated ballots: an invalid one is a damaged store, not paper to print.
  if (!tally.ok) return err({ kind: 'error' });
  // input.reprint: the machine restarted in 'closing' (store closed, results not yet on the USB),
  // so a first copy may already be out: the paper says REIMPRESIÓN.
  return print(parts, cabinResultsReport({ ...header(parts), tally: tally.value, ballotCount: ballots.value.length, reprint: input.reprint }));
}

function consolidationFault(e: UsbError): BoothActorContracts['writeResultsToConsolidation']['output'] {
  switch (e.kind) {
    case 'not-mounted':
    case 'device-removed':
      return err({ kind: 'device-missing' });
    case 'full':
    case 'too-large':
      return err({ kind: 'device-full' });
    case 'read-only':
    case 'finalized':
    case 'exists':
    case 'write-once':
      return err({ kind: 'read-only' });
    default:
      return err({ kind: 'write-failed' });
  }
}

/** Atomic write, then read back: a stick that lies about writes must not leave the cabin "closed" without its files. */
async function writeAndReadBack(parts: HostParts, name: string, bytes: Uint8Array): Out<'writeResultsToConsolidation'> {
  const written = await parts.consolidation.writeFileAtomic(name, bytes);
  if (!written.ok) return consolidationFault(written.error);
  const back = await parts.consolidation.readFile(name);
  if (!back.ok) return consolidationFault(back.error);
  return Buffer.compare(Buffer.from(back.value), Buffer.from(bytes)) === 0 ? ok(undefined) : err({ kind: 'write-failed' });
}

async function writeResultsToConsolidation(parts: HostParts): Out<'writeResultsToConsolidation'> {
  const { store } = parts;
  const ballots = store.closedBallots();
  const nonces = store.usedNonceHashes();
  const zeroReportHash = store.zeroReportHash();
  if (!ballots.ok || !nonces.ok || zeroReportHash === undefined) return err({ kind: 'write-failed' });
  const auditHead = parts.audit.head();
  const bytes = buildCabinResults({
    pkg: parts.pkg,
    cabinId: parts.cabinId,
    softwareCode: parts.softwareCode,
    zeroReportHash,
    ballots: ballots.value,
    usedNonceHashes: nonces.value,
    auditHead,
    signer: parts.signer,
  });
  const results = await writeAndReadBack(parts, CABIN_RESULTS_FILE_NAME(parts.cabinId), bytes);
  if (!results.ok) return results;
  // The audit log export next to the results (Contract B). The results file signs `auditHead`;
  // normally nothing is appended between the two writes (the machine logs `results.written` only
  // after this actor), and anything that were would be reported by observers as an unsigned tail.
  const exported = exportAuditLog(parts.audit);
  const exportName = AUDIT_EXPORT_FILE_NAME(parts.cabinId);
  const log = await writeAndReadBack(parts, exportName, exported);
  if (!log.ok) return log;
  if (!verifyAuditExport(exported, auditHead, { role: parts.cabinId }).ok) return err({ kind: 'write-failed' });
  try {
    fs.writeFileSync(parts.resultsWrittenMarker, `${sha256Hex(bytes)}\n`, { flush: true });
  } catch {
    return err({ kind: 'write-failed' });
  }
  return ok(undefined);
}

export function hostActorFunctions(parts: HostParts): HostActorFunctions {
  return {
    selfCheck: () => selfCheck(parts),
    verifyPresidentCredential: ({ credential }) => Promise.resolve(verifyPresidentCredential(parts.pkg, credential.presented)),
    runPuestaACero: () => runPuestaACero(parts),
    verifyToken: () => verifyTokenOnDevice(parts),
    commitVote: (input) => Promise.resolve(commitVote(parts, input)),
    printConstancia: (input) => printConstancia(parts, input),
    markDeviceConsumed: () => markDeviceConsumed(parts),
    abandonConsumptionMark: () => Promise.resolve(abandonConsumptionMark(parts)),
    releaseClaim: (input) => releaseClaim(parts, input),
    printResultsReport: (input) => printResultsReport(parts, input),
    writeResultsToConsolidation: () => writeResultsToConsolidation(parts),
  };
}

/** Parts could not be assembled: self-check reports why, and nothing else may run (the machine never gets there). */
export function outOfServiceActorFunctions(failure: SelfCheckFailure): HostActorFunctions {
  const bug = () => Promise.reject(new Error('cabin host: actor called on a cabin that failed its self-check'));
  return {
    selfCheck: () => Promise.resolve(err(failure)),
    verifyPresidentCredential: bug,
    runPuestaACero: bug,
    verifyToken: bug,
    commitVote: bug,
    printConstancia: bug,
    markDeviceConsumed: bug,
    abandonConsumptionMark: bug,
    releaseClaim: bug,
    printResultsReport: bug,
    writeResultsToConsolidation: bug,
  };
}

export const RESULTS_WRITTEN_MARKER = 'results-written';
export function resultsWrittenMarkerPath(dataDir: string): string {
  return path.join(dataDir, RESULTS_WRITTEN_MARKER);
}
