/**
 * The results station's actors against the real parts (contracts: machine-types.ts
 * ResultsActorContracts). One small function per actor. Expected failures resolve to typed
 * results; only bugs reject.
 *
 * Secrecy: the station reads ballots only inside verifyCabinResults (recount) and keeps counts
 * and file hashes; the used-nonce hashes of the cabins read so far stay in memory for the
 * cross-cabin check and are never stored or logged.
 *
 * DECISIONS
 * - Reading is a session in memory (`ResultsSession`): a read of the FIRST cabin starts it over
 *   (the machine drops every reading on REREAD_DEVICES and after a restart), so the cabins and
 *   identity summary named in the acta are exactly the ones the machine tallied.
 * - Cross-cabin check: a cabin whose used-nonce hashes meet those of a cabin already read is
 *   refused (one activation cannot vote twice, in two cabins); nothing of it is tallied.
 * - The acta-data envelope is sealed ONCE, by the first printActaCopy, from the machine's final
 *   result, and kept in the store with that result (counting → printing); every copy, the QR,
 *   the PDF, the signatures and the consolidated file use those same bytes. A result that
 *   differs from the sealed one is a bug (the machine cannot change a printed result).
 * - Store phases follow the actors: puesta a cero → counting, seal → printing, each copy
 *   started/printed, last copy → signing, write starts → writing (signatures fixed), file
 *   written and read back → closed.
 * - writeConsolidated takes the audit head and the export at the same instant, before writing,
 *   so the export ends exactly at the head the mesa result signs. Each file is written
 *   atomically, read back and VERIFIED (not only compared), so a stick that lies is caught.
 * - Every device read (a cabin's or the identity station's) also checks EVERY other file on it
 *   against the signature that vouches for it (checkDeviceFiles: audit log exports, non-voters
 *   list, package copy, an earlier mesa result, unknown files): one failing file refuses the
 *   device, naming the file, so nothing on a stick the station accepted was changed.
 * - Every refused credential is logged (`credential.refused`, reason only, no identity); device
 *   refusals are logged by the machine (`results.refused`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { AUDIT_EXPORT_FILE_NAME, exportAuditLog, verifyAuditExport } from '../shared/audit/export.ts';
import type { AuditLog } from '../shared/audit/log.ts';
import { verifyPresidentCredential } from '../shared/credentials/member-credential.ts';
import { fromBase64Strict } from '../shared/crypto/base64.ts';
import { canonicalJson } from '../shared/crypto/canonical-json.ts';
import type { Signer } from '../shared/crypto/envelope.ts';
import { sha256Hex } from '../shared/crypto/hash.ts';
import type { ActivationReader } from '../shared/devices/activation/activation-reader.ts';
import type { ConsolidationDevice, UsbError } from '../shared/devices/consolidation/consolidation-device.ts';
import type { PrinterError, ThermalPrinter } from '../shared/devices/printer/printer.ts';
import { documentToPlainText, type PrintDocument } from '../shared/documents/print-document.ts';
import type { ElectionDefinition } from '../shared/election/definition.ts';
import { verifyPackageBytes, type VerifiedPackage } from '../shared/election/package.ts';
import { err, ok, type Result } from '../shared/result.ts';
import {
  CABIN_RESULTS_FILE_NAME,
  cabinResultsProblemForScreen,
  describeCabinResultsProblem,
  verifyCabinResults,
} from '../shared/results/cabin-results.ts';
import {
  describeIdentitySummaryProblem,
  IDENTITY_SUMMARY_FILE_NAME,
  identitySummaryProblemForScreen,
  verifyIdentitySummary,
  type VerifiedIdentitySummary,
} from '../shared/results/identity-summary.ts';
import {
  ACTA_DATA_FORMAT_VERSION,
  actaDigest,
  buildMesaResult,
  checkActaSignatures,
  describeMesaResultProblem,
  MESA_RESULT_FILE_NAME,
  openActaData,
  PACKAGE_COPY_FILE_NAME,
  sealActaData,
  verifyMesaResult,
  type ActaData,
} from '../shared/results/mesa-result.ts';
import { checkDeviceFiles } from '../shared/results/device-files.ts';
import { signActaWithCredential } from './host-credentials.ts';
import type { ResultsDocuments } from './host-documents.ts';
import type {
  ActaCopy,
  CabinReading,
  ConsolidationFault,
  DeviceRefusal,
  MesaResult,
  PrinterFault,
  ResultsActorContracts,
  ResultsActorName,
  ResultsContext,
  SelfCheckFailure,
} from './machine-types.ts';
import { cotejoObservation } from './messages.ts';
import { tallyToSheet } from './ports.ts';
import type { ResultsStore } from './store.ts';
import { toMachineSignature } from './store.ts';
import { printerPresent, printerStatusAtSelfCheck } from '../shared/devices/printer/self-check.ts';

/** The acta as a PDF in the station's data dir (filed record; the printed copies are legal). */
export const ACTA_PDF_FILE_NAME = 'acta-escrutinio.pdf';

/** What was verified during the current reading round (see DECISIONS). */
export interface ResultsSession {
  readonly cabins: Map<string, { readonly reading: CabinReading; readonly usedNonceHashes: ReadonlySet<string> }>;
  identity: VerifiedIdentitySummary | null;
}

export function newSession(): ResultsSession {
  return { cabins: new Map(), identity: null };
}

export interface ResultsHostParts {
  readonly pkg: VerifiedPackage;
  readonly definition: ElectionDefinition;
  /** The station's `results` key: seals the acta data and the mesa result. */
  readonly signer: Signer;
  readonly softwareCode: string;
  readonly store: ResultsStore;
  readonly audit: AuditLog;
  readonly reader: ActivationReader;
  readonly printer: ThermalPrinter;
  readonly consolidation: ConsolidationDevice;
  readonly documents: ResultsDocuments;
  readonly dataDir: string;
  readonly clock: () => Date;
  readonly session: ResultsSession;
  /** The machine's context now (the cotejo differences the members recorded). */
  readonly currentContext: () => ResultsContext | undefined;
}

type Out<K extends ResultsActorName> = Promise<ResultsActorContracts[K]['output']>;
type In<K extends ResultsActorName> = ResultsActorContracts[K]['input'];
export type ResultsActorFunctions = { [K in ResultsActorName]: (input: In<K>) => Out<K> };

function printerFault(e: PrinterError): PrinterFault {
  return { kind: e.kind };
}

async function print(parts: ResultsHostParts, document: PrintDocument): Promise<Result<void, PrinterFault>> {
  const printed = await parts.printer.print({ id: randomUUID(), document });
  return printed.ok ? ok(undefined) : err(printerFault(printed.error));
}

function audit(parts: ResultsHostParts, event: Parameters<AuditLog['append']>[0], message: string): void {
  try {
    parts.audit.append(event, { message });
  } catch {
    // A failing log disk shows up at the next store write; the actor's answer must not be lost.
  }
}

// --- self-check and puesta a cero -------------------------------------------------------------

async function selfCheck(parts: ResultsHostParts): Out<'selfCheck'> {
  const fail = (kind: SelfCheckFailure['kind']) => err({ kind });
  const year = parts.clock().getUTCFullYear();
  if (!Number.isFinite(year) || year < 2024) return fail('clock-invalid');
  try {
    parts.store.phase();
  } catch {
    return fail('storage-fault');
  }
  if (!printerPresent(await printerStatusAtSelfCheck(parts.printer))) return fail('printer-unavailable');
  // The credential reader is not checked here: SelfCheckFailure has no kind for it, and a dead
  // reader already shows as an unreadable credential on the president's first attempt.
  return ok(undefined);
}

async function runPuestaACero(parts: ResultsHostParts): Out<'runPuestaACero'> {
  try {
    if (!parts.store.isEmpty()) {
      audit(parts, 'puesta-a-cero.refused', `results store is in phase ${parts.store.phase()}`);
      return err({ kind: 'store-not-empty' });
    }
  } catch {
    return err({ kind: 'storage-fault' });
  }
  const report = parts.documents.puestaACero({
    definition: parts.definition,
    softwareCode: parts.softwareCode,
    packageHash: parts.pkg.packageHash,
    printedAt: parts.clock(),
  });
  const printed = await print(parts, report);
  if (!printed.ok) return err({ kind: 'printer-fault', fault: printed.error });
  const recorded = parts.store.recordPuestaACero(sha256Hex(documentToPlainText(report)));
  return recorded.ok ? ok(undefined) : err({ kind: 'storage-fault' });
}

// --- reading devices ----------------------------------------------------------------------------

function usbRefusal(e: UsbError, file: string, owner: string): DeviceRefusal {
  switch (e.kind) {
    case 'not-mounted':
    case 'device-removed':
      return { codes: [`device-missing: ${e.kind}`], reasons: ['No hay un dispositivo de consolidación insertado, o se retiró durante la lectura.'] };
    case 'not-found':
      return { codes: [`file-missing: ${file}`], reasons: [`El dispositivo no contiene ${owner}.`] };
    case 'too-large':
      return { codes: [`file-too-large: ${file}`], reasons: [`${owner} no tiene el formato esperado.`] };
    default:
      return { codes: [`device-unreadable: ${e.kind}`], reasons: ['El dispositivo no pudo leerse.'] };
  }
}

/**
 * Refusal codes go into the audit log, which refuses control characters (an entry is one line):
 * a multi-line detail (a schema error names its path on a second line) would lose the entry.
 */
function oneLine(code: string): string {
  return Array.from(code, (c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f ? ' ' : c)).join('');
}

function refusal(codes: readonly string[], reasons: readonly string[]): { ok: false; error: DeviceRefusal } {
  return err({ codes: codes.map(oneLine), reasons: [...new Set(reasons)] });
}

/**
 * Every other file on the inserted device, checked against the signature that vouches for it
 * (shared/results/device-files.ts): a device carrying one file that fails is refused as a whole,
 * naming the file. Null when every file is vouched for.
 */
async function deviceFilesRefusal(parts: ResultsHostParts): Promise<DeviceRefusal | null> {
  const listed = await parts.consolidation.list();
  if (!listed.ok) return usbRefusal(listed.error, '', 'el dispositivo');
  const files = new Map<string, Uint8Array>();
  for (const name of listed.value) {
    const read = await parts.consolidation.readFile(name);
    if (!read.ok) return usbRefusal(read.error, name, `el archivo ${name}`);
    files.set(name, read.value);
  }
  const problems = checkDeviceFiles(files, parts.pkg);
  if (problems.length === 0) return null;
  return refusal(
    problems.map((p) => `device-file ${p.file}: ${p.detail}`),
    problems.map((p) => p.screen),
  ).error;
}

async function readCabinResults(parts: ResultsHostParts, input: In<'readCabinResults'>): Out<'readCabinResults'> {
  const { cabinId, alreadyRead } = input;
  if (alreadyRead.length === 0) parts.session.cabins.clear();
  const name = CABIN_RESULTS_FILE_NAME(cabinId);
  const read = await parts.consolidation.readFile(name);
  if (!read.ok) return err(usbRefusal(read.error, name, `los resultados de la cabina ${cabinId.replace(/^cabin-/u, '')}`));
  const verified = verifyCabinResults(read.value, { pkg: parts.pkg, expectedCabinId: cabinId });
  if (!verified.ok) {
    return refusal(
      verified.error.map((problem) => `${name}: ${describeCabinResultsProblem(problem)}`),
      verified.error.map((problem) => cabinResultsProblemForScreen(problem, cabinId)),
    );
  }
  const nonces = new Set(verified.value.usedNonceHashes);
  for (const earlier of alreadyRead) {
    const known = parts.session.cabins.get(earlier.cabinId);
    if (known === undefined) {
      // The machine says it read a cabin this session never verified: a bug, not a device fault.
      throw new Error(`results host bug: ${earlier.cabinId} was read outside this session`);
    }
    const shared = [...nonces].filter((nonce) => known.usedNonceHashes.has(nonce)).length;
    if (shared > 0) {
      return refusal(
        [`nonce-reused-across-cabins: ${shared} activation(s) of ${cabinId} were already used in ${earlier.cabinId}`],
        [`${shared === 1 ? 'Una activación usada' : `${shared} activaciones usadas`} en esta cabina también figura${shared === 1 ? '' : 'n'} en la cabina ${earlier.cabinId.replace(/^cabin-/u, '')}: un mismo elector no puede votar dos veces.`],
      );
    }
  }
  const others = await deviceFilesRefusal(parts);
  if (others !== null) return err(others);
  const reading: CabinReading = {
    cabinId,
    ballotCount: verified.value.ballotCount,
    tally: verified.value.tally,
    fileHash: verified.value.fileHash,
  };
  parts.session.cabins.set(cabinId, { reading, usedNonceHashes: nonces });
  return ok(reading);
}

async function readIdentitySummary(parts: ResultsHostParts): Out<'readIdentitySummary'> {
  parts.session.identity = null;
  const read = await parts.consolidation.readFile(IDENTITY_SUMMARY_FILE_NAME);
  if (!read.ok) return err(usbRefusal(read.error, IDENTITY_SUMMARY_FILE_NAME, 'el resumen de la estación de comprobación de identidad'));
  const verified = verifyIdentitySummary(read.value, { pkg: parts.pkg });
  if (!verified.ok) {
    return refusal(
      verified.error.map((problem) => `${IDENTITY_SUMMARY_FILE_NAME}: ${describeIdentitySummaryProblem(problem)}`),
      verified.error.map(identitySummaryProblemForScreen),
    );
  }
  const others = await deviceFilesRefusal(parts);
  if (others !== null) return err(others);
  parts.session.identity = verified.value;
  return ok(verified.value.identity);
}

// --- acta ---------------------------------------------------------------------------------------

function isoSecond(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** The acta data of the machine's final result and the current reading session. */
export function actaDataFor(parts: ResultsHostParts, result: MesaResult, zeroReportHash: string): ActaData {
  const { definition, session } = parts;
  const context = parts.currentContext();
  const cotejoDifferences = context?.cotejoDifferences ?? null;
  const cotejoRecorded = cotejoDifferences !== null && result.observations.includes(cotejoObservation(cotejoDifferences));
  const electronic = result.mode === 'electronic';
  const identity = session.identity;
  if (electronic && identity === null) throw new Error('results host bug: an electronic acta without a verified identity summary');
  const cabins = electronic
    ? (context?.readings ?? []).map((reading) => {
        const known = session.cabins.get(reading.cabinId);
        if (known === undefined || known.reading.fileHash !== reading.fileHash) {
          throw new Error(`results host bug: ${reading.cabinId} tallied but not verified in this session`);
        }
        return { cabinId: reading.cabinId, fileHash: reading.fileHash, ballotCount: reading.ballotCount };
      })
    : [];
  return {
    formatVersion: ACTA_DATA_FORMAT_VERSION,
    electionId: definition.election.id,
    mesa: definition.mesa.number,
    packageHash: parts.pkg.packageHash,
    simulacro: definition.election.simulacro,
    softwareCode: parts.softwareCode,
    zeroReportHash,
    mode: result.mode,
    tally: result.tally,
    observations: result.observations,
    cabins,
    identity: electronic && identity !== null ? { fileHash: identity.fileHash, counts: identity.counts } : null,
    cotejo: cotejoRecorded
      ? { differences: (cotejoDifferences ?? []).map((d) => ({ field: d.field, electronic: d.first, paper: d.second })) }
      : null,
    closedAt: isoSecond(parts.clock()),
  };
}

function writeFileAtomicLocal(file: string, bytes: Uint8Array): void {
  const temp = `${file}.${randomUUID()}.tmp`;
  fs.writeFileSync(temp, bytes, { flush: true });
  fs.renameSync(temp, file);
}

/** The sealed acta: sealed now from `result` if this is the first copy, else the stored one. */
async function sealedActa(parts: ResultsHostParts, result: MesaResult): Promise<{ data: ActaData; actaBytes: Uint8Array }> {
  const stored = parts.store.acta();
  if (stored !== null) {
    if (canonicalJson(stored.result) !== canonicalJson(result)) throw new Error('results host bug: the machine prints a result other than the sealed one');
    const data = actaDataOf(parts, stored.actaBytes);
    return { data, actaBytes: stored.actaBytes };
  }
  const zeroReportHash = parts.store.zeroReportHash();
  if (zeroReportHash === null) throw new Error('results host bug: sealing an acta before the puesta a cero');
  const data = actaDataFor(parts, result, zeroReportHash);
  const actaBytes = sealActaData(data, parts.signer, parts.pkg);
  const sealed = parts.store.sealActa({ result, actaBytes });
  if (!sealed.ok) throw new StoreWriteFailed();
  // The filed PDF: a failure is logged, never a reason to withhold the paper actas.
  try {
    const pdf = await parts.documents.pdf({ definition: parts.definition, acta: data, actaBytes, printedAt: parts.clock() });
    writeFileAtomicLocal(path.join(parts.dataDir, ACTA_PDF_FILE_NAME), pdf);
  } catch {
    audit(parts, 'storage.fault', 'acta PDF could not be written to the data dir');
  }
  return { data, actaBytes };
}

/** The sealed acta's data, re-opened and re-checked (signature, package, tally) from the store's bytes. */
function actaDataOf(parts: ResultsHostParts, actaBytes: Uint8Array): ActaData {
  const opened = openActaData(actaBytes, parts.pkg);
  if (!opened.ok) throw new Error(`results host: the stored acta does not verify: ${opened.error.map(describeMesaResultProblem).join('; ')}`);
  return opened.value.data;
}

class StoreWriteFailed extends Error {
  constructor() {
    super('results store write failed');
  }
}

function copyDocument(parts: ResultsHostParts, copy: ActaCopy, index: number, acta: { data: ActaData; actaBytes: Uint8Array }, reprint: boolean): PrintDocument {
  const printedAt = parts.clock();
  if (copy.document === 'cartel') return parts.documents.cartel({ definition: parts.definition, acta: acta.data, reprint, printedAt });
  const of = parts.definition.actaCopies.length;
  return parts.documents.acta({
    definition: parts.definition,
    acta: acta.data,
    actaBytes: acta.actaBytes,
    copy: { destination: copy.destination, index: index + 1, of },
    reprint,
    printedAt,
  });
}

/** The cotejo sheets back from the sealed acta: the paper count is the electronic one except where it differed. */
function cotejoDocument(parts: ResultsHostParts, data: ActaData, reprint: boolean): PrintDocument {
  const electronic = tallyToSheet(data.tally);
  const paper: Record<string, number> = { ...electronic };
  for (const difference of data.cotejo?.differences ?? []) {
    if (difference.paper === null) delete paper[difference.field];
    else paper[difference.field] = difference.paper;
  }
  return parts.documents.cotejo({
    definition: parts.definition,
    softwareCode: parts.softwareCode,
    packageHash: parts.pkg.packageHash,
    electronic,
    paper,
    reprint,
    printedAt: parts.clock(),
  });
}

async function printActaCopy(parts: ResultsHostParts, input: In<'printActaCopy'>): Out<'printActaCopy'> {
  const total = parts.definition.actaCopies.length + 1;
  let acta;
  try {
    acta = await sealedActa(parts, input.result);
  } catch (e) {
    if (e instanceof StoreWriteFailed) return err({ kind: 'error' });
    throw e;
  }
  if (!parts.store.copyStarted(input.index).ok) return err({ kind: 'error' });
  if (input.index === 0 && acta.data.cotejo !== null) {
    // Art. 28: the comparison is printed with the first acta (again if that copy is redone).
    const printed = await print(parts, cotejoDocument(parts, acta.data, input.reprint));
    if (!printed.ok) return printed;
  }
  const printed = await print(parts, copyDocument(parts, input.copy, input.index, acta, input.reprint));
  if (!printed.ok) return printed;
  return parts.store.copyPrinted(input.index, total).ok ? ok(undefined) : err({ kind: 'error' });
}

// --- signatures and the consolidated file --------------------------------------------------------

function verifyPresident(parts: ResultsHostParts, input: In<'verifyPresidentCredential'>): Awaited<Out<'verifyPresidentCredential'>> {
  const checked = verifyPresidentCredential(parts.pkg, input.credential.presented);
  if (!checked.ok) audit(parts, 'credential.refused', `president credential for ${input.action}: ${checked.error}`);
  return checked;
}

function verifyMemberSignature(parts: ResultsHostParts, input: In<'verifyMemberSignature'>): Awaited<Out<'verifyMemberSignature'>> {
  const stored = parts.store.acta();
  if (stored === null || canonicalJson(stored.result) !== canonicalJson(input.result)) {
    throw new Error('results host bug: signing a result that is not the sealed acta');
  }
  const signed = signActaWithCredential(parts.pkg, input.credential.presented, stored.actaBytes);
  if (!signed.ok) {
    audit(parts, 'credential.refused', `acta signature: ${signed.error}`);
    return signed;
  }
  if (!parts.store.recordSignature(signed.value).ok) {
    audit(parts, 'storage.fault', 'acta signature not stored');
    return err('unreadable');
  }
  audit(parts, 'member.signed', `acta de escrutinio signed by ${signed.value.signerId} (${signed.value.role})`);
  return ok(toMachineSignature(signed.value));
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

/** Writes atomically, reads back, and checks the bytes read with `verify` (not only equality). */
async function writeVerified(
  parts: ResultsHostParts,
  name: string,
  bytes: Uint8Array,
  verify: (back: Uint8Array) => boolean,
): Promise<Result<void, ConsolidationFault>> {
  const written = await parts.consolidation.writeFileAtomic(name, bytes);
  if (!written.ok) return err(consolidationFault(written.error));
  const back = await parts.consolidation.readFile(name);
  if (!back.ok) return err(consolidationFault(back.error));
  const same = Buffer.compare(Buffer.from(back.value), Buffer.from(bytes)) === 0;
  return same && verify(back.value) ? ok(undefined) : err({ kind: 'write-failed' });
}

async function writeConsolidated(parts: ResultsHostParts, input: In<'writeConsolidated'>): Out<'writeConsolidated'> {
  const stored = parts.store.acta();
  if (stored === null || canonicalJson(stored.result) !== canonicalJson(input.result)) {
    throw new Error('results host bug: writing a result that is not the sealed acta');
  }
  const fixed = parts.store.fixSignatures(input.signatures.map((s) => s.signerId));
  if (!fixed.ok) return err({ kind: 'write-failed' });
  const problems = checkActaSignatures(parts.pkg, actaDigest(stored.actaBytes), fixed.value);
  if (problems.length > 0) throw new Error(`results host bug: signatures the machine accepted do not verify: ${problems.map(describeMesaResultProblem).join('; ')}`);
  // Head and export at the same instant: the export ends exactly at the head the result signs.
  const auditHead = parts.audit.head();
  const exported = exportAuditLog(parts.audit);
  const mesaResult = buildMesaResult({ pkg: parts.pkg, actaBytes: stored.actaBytes, signatures: fixed.value, auditHead, signer: parts.signer });
  const files: [string, Uint8Array, (back: Uint8Array) => boolean][] = [
    [PACKAGE_COPY_FILE_NAME, parts.pkg.bytes, (back) => packageMatches(parts.pkg, back)],
    [AUDIT_EXPORT_FILE_NAME(parts.audit.role), exported, (back) => verifyAuditExport(back, auditHead, { role: parts.audit.role }).ok],
    // Last: a device holding the mesa result holds everything it refers to.
    [MESA_RESULT_FILE_NAME, mesaResult, (back) => verifyMesaResult(back, { pkg: parts.pkg }).ok],
  ];
  for (const [name, bytes, verify] of files) {
    const written = await writeVerified(parts, name, bytes, verify);
    if (!written.ok) return written;
  }
  return parts.store.markClosed().ok ? ok(undefined) : err({ kind: 'write-failed' });
}

function packageMatches(pkg: VerifiedPackage, back: Uint8Array): boolean {
  const root = fromBase64Strict(pkg.payload.keys.onpeRoot, 32);
  return sha256Hex(back) === pkg.packageHash && root.ok && verifyPackageBytes(back, root.value).ok;
}

export function hostActorFunctions(parts: ResultsHostParts): ResultsActorFunctions {
  const sync = <T>(value: T) => Promise.resolve(value);
  return {
    selfCheck: () => selfCheck(parts),
    verifyPresidentCredential: (input) => sync(verifyPresident(parts, input)),
    runPuestaACero: () => runPuestaACero(parts),
    readCabinResults: (input) => readCabinResults(parts, input),
    readIdentitySummary: () => readIdentitySummary(parts),
    printActaCopy: (input) => printActaCopy(parts, input),
    verifyMemberSignature: (input) => sync(verifyMemberSignature(parts, input)),
    writeConsolidated: (input) => writeConsolidated(parts, input),
  };
}

/** Parts could not be assembled: self-check reports why, and nothing else may run. */
export function outOfServiceActorFunctions(failure: SelfCheckFailure): ResultsActorFunctions {
  const bug = () => Promise.reject(new Error('results host: actor called on a station that failed its self-check'));
  return {
    selfCheck: () => Promise.resolve(err(failure)),
    verifyPresidentCredential: bug,
    runPuestaACero: bug,
    readCabinResults: bug,
    readIdentitySummary: bug,
    printActaCopy: bug,
    verifyMemberSignature: bug,
    writeConsolidated: bug,
  };
}
