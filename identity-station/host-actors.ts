/**
 * The identity station's actors against the real parts (contracts: machine-types.ts
 * IdentityActorContracts). One small function per actor. Expected failures resolve to typed
 * results; only bugs reject.
 *
 * Secrecy: the token nonce exists only inside `issueToken` (the bytes are written to the device
 * and dropped) and, read back from a consumed mark, inside `recordVoted` (which erases it); the
 * store receives the DNI and a boolean, never the nonce, a time or a device id. Print job ids are
 * random. The only audit entries written here are constancia.printed / constancia.failed, with
 * fixed messages (no DNI, no device id).
 *
 * DECISIONS
 * - The president's credential is checked with shared/credentials/member-credential.ts, the
 *   same check the cabin uses.
 * - Actas (instalación, no instalación, sufragio) are printed once per destination of the
 *   package's actaCopies (Art. 27: the acta electoral goes to ODPE, JEE, JNE, ONPE...), each
 *   marked "Ejemplar: X (i de n)". A printer fault resumes at the copy that did not come out.
 * - At close the audit log export (registro-identity.vep) is written next to the identity summary,
 *   whose signature covers the log head; both are read back before the station counts as closed.
 * - Phase persistence happens in the actors that end a phase: acta de instalación → voting,
 *   acta de no instalación → not-installed, acta de sufragio → closing, summary written → closed.
 * - Constancia de sufragio (Art. 22.5: the voter "recibe su DNI con la constancia de sufragio"):
 *   recordVoted records the vote FIRST, then prints the constancia. A printer fault does not undo
 *   the record (the vote was cast; the store is the truth): it is logged as constancia.failed and
 *   the members hand the voter the manual constancia. The consumed mark (nonce + cabin) is then
 *   erased from the returned device, best effort: nothing needs it after the return, and a device
 *   lying on the table should not tell which cabin its last voter used.
 */
import { randomUUID } from 'node:crypto';
import { readDeviceClaim, readDeviceState } from '../shared/activation/device-state.ts';
import { issueToken as issueActivationToken } from '../shared/activation/token.ts';
import { AUDIT_EXPORT_FILE_NAME, exportAuditLog, verifyAuditExport } from '../shared/audit/export.ts';
import type { AuditLog } from '../shared/audit/log.ts';
import { IDENTITY_ROLE } from '../shared/crypto/keyset.ts';
import type { Signer } from '../shared/crypto/envelope.ts';
import type { ActivationError, ActivationReader } from '../shared/devices/activation/activation-reader.ts';
import type { ConsolidationDevice, UsbError } from '../shared/devices/consolidation/consolidation-device.ts';
import type { PrinterError, ThermalPrinter } from '../shared/devices/printer/printer.ts';
import type { PrintDocument } from '../shared/documents/print-document.ts';
import type { ElectionDefinition } from '../shared/election/definition.ts';
import { resolvePackageKey, type VerifiedPackage } from '../shared/election/package.ts';
import { err, ok, type Result } from '../shared/result.ts';
import { buildIdentitySummary, IDENTITY_SUMMARY_FILE_NAME, NON_VOTERS_FILE_NAME } from '../shared/results/identity-summary.ts';
import { sha256Hex } from '../shared/crypto/hash.ts';
import { isMemberCredential, verifyPresidentCredential } from '../shared/credentials/member-credential.ts';
import { actaDeInstalacion, actaDeNoInstalacion, actaDeSufragio, constanciaDeSufragio, identityPuestaACeroReport, type ActaCopy } from './documents.ts';
import type { Dni } from './dni.ts';
import type {
  ConsolidationFault,
  IdentityActorContracts,
  IdentityActorName,
  PresentMember,
  PrinterFault,
  RecordFailure,
  SelfCheckFailure,
} from './machine-types.ts';
import type { IdentityStore, IdentityStoreError } from './store.ts';
import { printerPresent, printerStatusAtSelfCheck } from '../shared/devices/printer/self-check.ts';

/** A token is for the voter walking to the cabin now; long enough for a queue at the cabin. */
export const TOKEN_VALIDITY_MINUTES = 30;
/** Public record of the electors who did not come (Art. 23 of the padrón process), CSV; its hash is signed in the summary. */
export { NON_VOTERS_FILE_NAME };

export interface IdentityHostParts {
  readonly pkg: VerifiedPackage;
  readonly definition: ElectionDefinition;
  /** The station's `identity` key: signs tokens and the summary. */
  readonly signer: Signer;
  readonly softwareCode: string;
  readonly store: IdentityStore;
  readonly audit: AuditLog;
  readonly reader: ActivationReader;
  readonly printer: ThermalPrinter;
  readonly consolidation: ConsolidationDevice;
  readonly clock: () => Date;
  /** Members registered so far (machine context): the puesta a cero report lists who signs it. */
  readonly currentMembers: () => readonly PresentMember[];
}

type Out<K extends IdentityActorName> = Promise<IdentityActorContracts[K]['output']>;
type In<K extends IdentityActorName> = IdentityActorContracts[K]['input'];
export type IdentityActorFunctions = { [K in IdentityActorName]: (input: In<K>) => Out<K> };

function printerFault(e: PrinterError): PrinterFault {
  return { kind: e.kind };
}

async function print(parts: IdentityHostParts, document: PrintDocument): Promise<Result<void, PrinterFault>> {
  const printed = await parts.printer.print({ id: randomUUID(), document });
  return printed.ok ? ok(undefined) : err(printerFault(printed.error));
}

function scope(parts: IdentityHostParts) {
  return { electionId: parts.definition.election.id, mesa: parts.definition.mesa.number };
}

async function selfCheck(parts: IdentityHostParts): Out<'selfCheck'> {
  const fail = (kind: SelfCheckFailure['kind']) => err({ kind });
  const year = parts.clock().getUTCFullYear();
  if (!Number.isFinite(year) || year < 2024) return fail('clock-invalid');
  const { definition } = parts;
  if (definition.padron.length !== definition.mesa.electoresHabiles || definition.members.length < 3) return fail('mesa-data-invalid');
  try {
    parts.store.phase();
    if (parts.store.summary().electoresHabiles !== definition.mesa.electoresHabiles) return fail('mesa-data-invalid');
  } catch {
    return fail('storage-fault');
  }
  if (!printerPresent(await printerStatusAtSelfCheck(parts.printer))) return fail('printer-unavailable');
  const presence = await parts.reader.presence();
  if (!presence.ok) return fail('activation-writer-unavailable');
  return ok(undefined);
}

type ActaKind = 'instalacion' | 'no-instalacion' | 'sufragio';

/**
 * Copies of each acta printed so far in this run, and the time they state. A retry after a
 * printer fault resumes at the first copy that did not come out, with the same time, so the
 * ejemplares agree with each other and none is printed twice.
 */
export type ActaPrintProgress = Map<ActaKind, { readonly at: Date; done: number }>;

async function printActaCopies(
  parts: IdentityHostParts,
  progress: ActaPrintProgress,
  kind: ActaKind,
  build: (at: Date, copy: ActaCopy) => PrintDocument,
): Promise<Result<void, PrinterFault>> {
  const destinations = parts.definition.actaCopies;
  let state = progress.get(kind);
  if (state === undefined) {
    state = { at: parts.clock(), done: 0 };
    progress.set(kind, state);
  }
  while (state.done < destinations.length) {
    const destination = destinations[state.done];
    if (destination === undefined) throw new Error('bug: acta copy index out of range');
    const printed = await print(parts, build(state.at, { destination, index: state.done + 1, of: destinations.length }));
    if (!printed.ok) return printed;
    state.done += 1;
  }
  return ok(undefined);
}

async function printActaNoInstalacion(
  parts: IdentityHostParts,
  progress: ActaPrintProgress,
  input: In<'printActaNoInstalacion'>,
): Out<'printActaNoInstalacion'> {
  if (!parts.store.recordMembers(input.members).ok) return err({ kind: 'error' });
  const observations = parts.store.observations('instalacion');
  const printed = await printActaCopies(parts, progress, 'no-instalacion', (at, copy) =>
    actaDeNoInstalacion({ definition: parts.definition, members: input.members, recordedAt: at, observations, copy }),
  );
  if (!printed.ok) return printed;
  return parts.store.setPhase('not-installed').ok ? ok(undefined) : err({ kind: 'error' });
}

async function runPuestaACero(parts: IdentityHostParts): Out<'runPuestaACero'> {
  let summary;
  try {
    if (!parts.store.isEmpty()) return err({ kind: 'store-not-empty' });
    summary = parts.store.summary();
  } catch {
    return err({ kind: 'storage-fault' });
  }
  const report = identityPuestaACeroReport({
    definition: parts.definition,
    summary,
    softwareCode: parts.softwareCode,
    packageHash: parts.pkg.packageHash,
    printedAt: parts.clock(),
    members: parts.currentMembers(),
  });
  const printed = await print(parts, report);
  return printed.ok ? ok(undefined) : err({ kind: 'printer-fault', fault: printed.error });
}

async function printActaInstalacion(
  parts: IdentityHostParts,
  progress: ActaPrintProgress,
  input: In<'printActaInstalacion'>,
): Out<'printActaInstalacion'> {
  if (!parts.store.recordMembers(input.members).ok) return err({ kind: 'error' });
  const observations = parts.store.observations('instalacion');
  const printed = await printActaCopies(parts, progress, 'instalacion', (at, copy) =>
    actaDeInstalacion({ definition: parts.definition, members: input.members, installedAt: at, observations, copy }),
  );
  if (!printed.ok) return printed;
  return parts.store.setPhase('voting').ok ? ok(undefined) : err({ kind: 'error' });
}

function checkVoter(parts: IdentityHostParts, input: In<'checkVoter'>): Awaited<Out<'checkVoter'>> {
  try {
    return ok(parts.store.checkVoter(input.dni));
  } catch {
    return err({ kind: 'storage-fault' });
  }
}

function readerFault(e: ActivationError): 'no-device' | 'write-failed' {
  return e.kind === 'no-device' || e.kind === 'device-removed' ? 'no-device' : 'write-failed';
}

async function issueToken(parts: IdentityHostParts, input: In<'issueToken'>): Out<'issueToken'> {
  try {
    if (parts.store.checkVoter(input.dni) !== 'may-vote') return err({ kind: 'storage-fault' });
  } catch {
    return err({ kind: 'storage-fault' });
  }
  const presence = await parts.reader.presence();
  if (!presence.ok) return err({ kind: readerFault(presence.error) });
  if (!presence.value.present) return err({ kind: 'no-device' });
  // Bound to this insertion: a swap between the check and the write fails as device-removed.
  const io = { expectDeviceId: presence.value.deviceId };
  const current = await parts.reader.read(io);
  if (!current.ok) return err({ kind: readerFault(current.error) });
  if (isMemberCredential(current.value)) return err({ kind: 'device-not-blank' });
  const state = readDeviceState(current.value, { resolveKey: resolvePackageKey(parts.pkg), ...scope(parts) });
  // A live token (or anything unknown) is never overwritten; a device consumed at this mesa is reusable.
  if (state.state !== 'blank' && state.state !== 'consumed') return err({ kind: 'device-not-blank' });
  if (state.state === 'consumed') {
    const erased = await parts.reader.erase(io);
    if (!erased.ok) return err({ kind: readerFault(erased.error) });
  }
  const { definition } = parts;
  const token = issueActivationToken({
    ...scope(parts),
    simulacro: definition.election.simulacro,
    now: parts.clock(),
    validityMinutes: TOKEN_VALIDITY_MINUTES,
    signer: parts.signer,
  });
  const written = await parts.reader.write(token.bytes, io);
  if (!written.ok) return err({ kind: readerFault(written.error) });
  const back = await parts.reader.read(io);
  if (!back.ok || Buffer.compare(Buffer.from(back.value), Buffer.from(token.bytes)) !== 0) {
    await parts.reader.erase(io);
    return err({ kind: 'write-failed' });
  }
  if (!parts.store.markHoldsDevice(input.dni).ok) {
    // A live token nobody is recorded as holding must not leave the station.
    await parts.reader.erase(io);
    return err({ kind: 'storage-fault' });
  }
  return ok(undefined);
}

async function readReturnedDevice(parts: IdentityHostParts): Out<'readReturnedDevice'> {
  const presence = await parts.reader.presence();
  if (!presence.ok) return err({ kind: 'unreadable' });
  if (!presence.value.present) return err({ kind: 'no-device' });
  const read = await parts.reader.read({ expectDeviceId: presence.value.deviceId });
  if (!read.ok) return err({ kind: read.error.kind === 'no-device' || read.error.kind === 'device-removed' ? 'no-device' : 'unreadable' });
  if (isMemberCredential(read.value)) return ok({ state: 'invalid' });
  const options = { resolveKey: resolvePackageKey(parts.pkg), ...scope(parts) };
  const state = readDeviceState(read.value, options);
  if (state.state !== 'invalid') return ok({ state: state.state });
  // readDeviceState reports a claim as invalid on purpose (never as an unused token); a VALID
  // claim of this mesa gets its own screen that names the cabin. The token inside is not kept.
  const claim = readDeviceClaim(read.value, options);
  const cabin = claim.ok ? cabinNumber(claim.value.cabin) : undefined;
  return ok(cabin === undefined ? { state: 'invalid' } : { state: 'claimed', cabin });
}

/** 'cabin-3' -> 3 (CABIN_ROLE_PATTERN); anything else is not a cabin. */
function cabinNumber(role: string): number | undefined {
  const found = /^cabin-([1-9][0-9]*)$/u.exec(role);
  return found?.[1] === undefined ? undefined : Number.parseInt(found[1], 10);
}

function recordFailure(result: Result<void, IdentityStoreError>): Result<void, RecordFailure> {
  if (result.ok) return ok(undefined);
  // 'not-allowed' (e.g. impugning someone who already voted) is the member's mistake, not a broken
  // store: answered on the record-failed screen instead of taking the station out of service.
  const kind = result.error.kind === 'not-holding-device' || result.error.kind === 'not-allowed' ? 'not-holding-device' : 'storage-fault';
  return err({ kind });
}

async function eraseConsumedMark(parts: IdentityHostParts): Promise<void> {
  const presence = await parts.reader.presence();
  if (!presence.ok || !presence.value.present) return;
  const io = { expectDeviceId: presence.value.deviceId };
  const read = await parts.reader.read(io);
  if (!read.ok || isMemberCredential(read.value)) return;
  // Only a consumed mark of this mesa: never a live token or anything the station cannot vouch for.
  if (readDeviceState(read.value, { resolveKey: resolvePackageKey(parts.pkg), ...scope(parts) }).state !== 'consumed') return;
  await parts.reader.erase(io);
}

async function recordVoted(parts: IdentityHostParts, dni: Dni): Promise<Result<void, RecordFailure>> {
  const recorded = recordFailure(parts.store.recordVoted(dni));
  if (!recorded.ok) return recorded;
  const printed = await print(parts, constanciaDeSufragio({ definition: parts.definition, dni }));
  try {
    if (printed.ok) parts.audit.append('constancia.printed', { message: 'constancia de sufragio' });
    else parts.audit.append('constancia.failed', { message: `constancia de sufragio not printed: ${printed.error.kind}` });
  } catch {
    // The vote is recorded; a log that cannot take the entry fails the next store or log write visibly.
  }
  await eraseConsumedMark(parts);
  return ok(undefined);
}

async function recordArt23(parts: IdentityHostParts, dni: Dni): Out<'recordArt23'> {
  try {
    if (parts.store.checkVoter(dni) !== 'holds-device') return err({ kind: 'not-holding-device' });
  } catch {
    return err({ kind: 'storage-fault' });
  }
  // The unused token must die before the record says it did.
  const erased = await parts.reader.erase();
  if (!erased.ok) return err({ kind: 'erase-failed' });
  const recorded = parts.store.recordArt23(dni);
  if (recorded.ok) return ok(undefined);
  return err({ kind: recorded.error.kind === 'not-holding-device' ? 'not-holding-device' : 'storage-fault' });
}

async function printActaSufragio(parts: IdentityHostParts, progress: ActaPrintProgress, input: In<'printActaSufragio'>): Out<'printActaSufragio'> {
  if (!parts.store.setPhase('closing').ok) return err({ kind: 'error' });
  let build: (at: Date, copy: ActaCopy) => PrintDocument;
  try {
    const summary = parts.store.summary();
    const members = parts.store.members();
    const observations = parts.store.observations('sufragio');
    build = (closedAt, copy) =>
      actaDeSufragio({
        definition: parts.definition,
        summary,
        members,
        observations,
        closedAt,
        closedByPresidentOrder: input.closedByPresidentOrder,
        reprint: input.reprint,
        copy,
      });
    // Built once before printing: a summary that does not add up must fail before any paper comes out.
    build(parts.clock(), { destination: 'check', index: 1, of: 1 });
  } catch {
    return err({ kind: 'error' });
  }
  return printActaCopies(parts, progress, 'sufragio', build);
}

function consolidationFault(e: UsbError): ConsolidationFault {
  switch (e.kind) {
    case 'not-mounted':
    case 'device-removed':
      return { kind: 'device-missing' };
    case 'full':
    case 'too-large':
      return { kind: 'device-full' };
    case 'read-only':
    case 'finalized':
    case 'exists':
    case 'write-once':
      return { kind: 'read-only' };
    default:
      return { kind: 'write-failed' };
  }
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

async function writeVerified(parts: IdentityHostParts, name: string, bytes: Uint8Array): Promise<Result<void, ConsolidationFault>> {
  // A retry after a fault on a write-once stick: the identical file already there is success.
  const existing = await parts.consolidation.readFile(name);
  if (existing.ok && sameBytes(existing.value, bytes)) return ok(undefined);
  const written = await parts.consolidation.writeFileAtomic(name, bytes);
  if (!written.ok) return err(consolidationFault(written.error));
  // Read back: a stick that lies about writes must not leave the station "closed" without the file.
  const back = await parts.consolidation.readFile(name);
  if (!back.ok) return err(consolidationFault(back.error));
  return sameBytes(back.value, bytes) ? ok(undefined) : err({ kind: 'write-failed' });
}

async function writeIdentitySummary(parts: IdentityHostParts): Out<'writeIdentitySummary'> {
  const auditHead = parts.audit.head();
  const bytes = buildIdentitySummary({
    pkg: parts.pkg,
    softwareCode: parts.softwareCode,
    counts: parts.store.summary(),
    auditHead,
    // The list is final at close: the summary signs the hash of the exact bytes exportNonVoters writes.
    nonVotersSha256: sha256Hex(nonVotersBytes(parts)),
    signer: parts.signer,
  });
  const written = await writeVerified(parts, IDENTITY_SUMMARY_FILE_NAME, bytes);
  if (!written.ok) return written;
  // The audit log export beside it (Contract B): the summary signs its head, so the observer can
  // check every entry. Checked against that head before it counts as written.
  const exported = exportAuditLog(parts.audit);
  if (!verifyAuditExport(exported, auditHead).ok) return err({ kind: 'write-failed' });
  const exportWritten = await writeVerified(parts, AUDIT_EXPORT_FILE_NAME(IDENTITY_ROLE), exported);
  if (!exportWritten.ok) return exportWritten;
  return parts.store.setPhase('closed').ok ? ok(undefined) : err({ kind: 'write-failed' });
}

/** The store files it under the acta its phase is preparing (store.ts addObservation). */
function recordObservation(parts: IdentityHostParts, text: string): Awaited<Out<'recordObservation'>> {
  const added = parts.store.addObservation(text);
  if (added.ok) return ok(undefined);
  return err({ kind: added.error.kind === 'storage' ? 'storage-fault' : 'refused' });
}

function csvField(value: string): string {
  return /[",\n\r]/u.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Public record (the padrón is public): order, DNI and names of the electors who did not come. */
export function nonVotersCsv(rows: ReturnType<IdentityStore['nonVoters']>): string {
  const lines = ['orden,dni,apellidos,nombres', ...rows.map((r) => [String(r.order), r.dni, r.surnames, r.givenNames].map(csvField).join(','))];
  return `${lines.join('\n')}\n`;
}

function nonVotersBytes(parts: IdentityHostParts): Uint8Array {
  return new TextEncoder().encode(nonVotersCsv(parts.store.nonVoters()));
}

async function exportNonVoters(parts: IdentityHostParts): Out<'exportNonVoters'> {
  return writeVerified(parts, NON_VOTERS_FILE_NAME, nonVotersBytes(parts));
}

export function hostActorFunctions(parts: IdentityHostParts): IdentityActorFunctions {
  const sync = <T>(value: T) => Promise.resolve(value);
  const progress: ActaPrintProgress = new Map();
  return {
    selfCheck: () => selfCheck(parts),
    verifyPresidentCredential: ({ credential }) => sync(verifyPresidentCredential(parts.pkg, credential.presented)),
    printActaNoInstalacion: (input) => printActaNoInstalacion(parts, progress, input),
    runPuestaACero: () => runPuestaACero(parts),
    printActaInstalacion: (input) => printActaInstalacion(parts, progress, input),
    checkVoter: (input) => sync(checkVoter(parts, input)),
    issueToken: (input) => issueToken(parts, input),
    readReturnedDevice: () => readReturnedDevice(parts),
    recordVoted: ({ dni }) => recordVoted(parts, dni),
    recordArt23: ({ dni }) => recordArt23(parts, dni),
    recordLostDevice: ({ dni }) => sync(recordFailure(parts.store.recordLostDevice(dni))),
    recordImpugnado: ({ dni }) => sync(recordFailure(parts.store.recordImpugnado(dni))),
    printActaSufragio: (input) => printActaSufragio(parts, progress, input),
    recordObservation: ({ text }) => sync(recordObservation(parts, text)),
    writeIdentitySummary: () => writeIdentitySummary(parts),
    exportNonVoters: () => exportNonVoters(parts),
  };
}

/** Parts could not be assembled: self-check reports why, and nothing else may run. */
export function outOfServiceActorFunctions(failure: SelfCheckFailure): IdentityActorFunctions {
  const bug = () => Promise.reject(new Error('identity host: actor called on a station that failed its self-check'));
  return {
    selfCheck: () => Promise.resolve(err(failure)),
    verifyPresidentCredential: bug,
    printActaNoInstalacion: bug,
    runPuestaACero: bug,
    printActaInstalacion: bug,
    checkVoter: bug,
    issueToken: bug,
    readReturnedDevice: bug,
    recordVoted: bug,
    recordArt23: bug,
    recordLostDevice: bug,
    recordImpugnado: bug,
    printActaSufragio: bug,
    recordObservation: bug,
    writeIdentitySummary: bug,
    exportNonVoters: bug,
  };
}
