/**
 * The actors of the transmission machine (machine.ts) over the real parts: the consolidation
 * device, the durable outbox and the pinned client, the printer, the scanner and the write-once
 * backup media. Each returns the typed Result the machine expects and appends its audit entry.
 *
 * RESTART: every step that must not happen twice is recorded in progress.json (atomic write) in
 * the data dir, and the outbox is durable, so a station restarted mid-way walks the machine again
 * from `validating` and each actor finds its own work done: the zero report is not reprinted, a
 * file already acknowledged is not sent again (the outbox keeps the FIRST sealed unit and its
 * receipt), the acta already scanned is not rescanned (the same image, so the same sha256 and the
 * same outbox item), a backup already verified is not burned again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../shared/audit/log.ts';
import type { Signer } from '../shared/crypto/envelope.ts';
import { sha256Hex } from '../shared/crypto/hash.ts';
import { describeUsbError, type ConsolidationDevice } from '../shared/devices/consolidation/consolidation-device.ts';
import type { ThermalPrinter } from '../shared/devices/printer/printer.ts';
import { describePrinterError, isPrintable } from '../shared/devices/printer/printer.ts';
import { describeScannerError, type Scanner } from '../shared/devices/scanner/scanner.ts';
import { checkSoftwareAuthorized, type VerifiedPackage } from '../shared/election/package.ts';
import type { PrintDocument } from '../shared/documents/print-document.ts';
import { err, ok, type Result } from '../shared/result.ts';
import { describeMesaResultProblem, MESA_RESULT_FILE_NAME, PACKAGE_COPY_FILE_NAME, verifyMesaResult } from '../shared/results/mesa-result.ts';
import { openCentreAnswer } from '../shared/transmission/centre-answer.ts';
import { describeTransportError, type TransportAnswer, type TransportError } from '../shared/transmission/client.ts';
import { runOutboxOnce, type Outbox, type OutboxItem } from '../shared/transmission/queue.ts';
import { sealTransmission, type TransmittedKind } from '../shared/transmission/transmission-package.ts';
import { constanciaDeTransmision, transmissionZeroReport } from './documents.ts';
import type { BackupInput, DeviceProblem, PrintInput, TransmissionActors, TransmissionOutcome } from './machine.ts';

export const ACTA_IMAGE_FILE_NAME = 'acta-odpe.png';
export const RESULT_RECEIPT_FILE_NAME = 'recibo-resultado.vep';
export const IMAGE_RECEIPT_FILE_NAME = 'recibo-imagen.vep';
const DEVICE_COPY_DIR = 'dispositivo';
const PROGRESS_FILE = 'progress.json';

export interface Progress {
  packageHash: string;
  zeroPrintedAt: string | null;
  /** Names of the consolidation device's files copied into the data dir. */
  deviceFiles: string[];
  /** sha256 of the scanned acta image kept in the data dir. */
  imageSha256: string | null;
  printed: { result: number; image: number };
  backupsVerified: number[];
}

export interface ProgressStore {
  get(): Progress;
  update(change: (p: Progress) => void): void;
}

/** progress.json, written through a temp file + fsync + rename so a crash leaves the old or the new one. */
export function openProgress(dataDir: string, packageHash: string): ProgressStore {
  const file = path.join(dataDir, PROGRESS_FILE);
  const fresh = (): Progress => ({ packageHash, zeroPrintedAt: null, deviceFiles: [], imageSha256: null, printed: { result: 0, image: 0 }, backupsVerified: [] });
  let current = fresh();
  try {
    const loaded = JSON.parse(fs.readFileSync(file, 'utf8')) as Progress;
    // Progress of another package (a new election on the same hardware) does not carry over.
    if (loaded.packageHash === packageHash) current = loaded;
  } catch {
    // No progress yet.
  }
  return {
    get: () => structuredClone(current),
    update(change) {
      const next = structuredClone(current);
      change(next);
      const tmp = `${file}.${randomUUID()}.tmp`;
      const fd = fs.openSync(tmp, 'w', 0o600);
      try {
        fs.writeSync(fd, JSON.stringify(next));
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, file);
      current = next;
    },
  };
}

/** One POST of a unit; `onProgress` sees the body leave (bytes sent of total). */
export type SendFunction = (unit: Uint8Array, onProgress?: (sent: number, total: number) => void) => Promise<Result<TransportAnswer, TransportError>>;

export interface TransmissionParts {
  readonly pkg: VerifiedPackage;
  readonly signer: Signer;
  readonly softwareCode: string;
  readonly dataDir: string;
  readonly centreIsReal: boolean;
  readonly centreUrl: string;
  readonly audit: AuditLog;
  readonly outbox: Outbox;
  readonly send: SendFunction;
  /** Reaches the pinned centre without sending a unit (client.ts probeCentre). */
  readonly probe: () => Promise<Result<void, TransportError>>;
  /** Progress of long work for the screen (uploads, backups); null when it ends. */
  readonly report: (progress: WorkProgress | null) => void;
  readonly printer: ThermalPrinter;
  readonly scanner: Scanner;
  readonly consolidation: ConsolidationDevice;
  /** The write-once medium for backup copy `index` (1-based). */
  readonly backupMedium: (index: number) => ConsolidationDevice;
  readonly progress: ProgressStore;
  readonly clock: () => Date;
}

/** Long work in progress, shown on the screen as "done of total". */
export interface WorkProgress {
  readonly what: 'upload' | 'backup';
  /** Upload: 'mesa-result' | 'acta-image'; backup: the copy number. */
  readonly label: string;
  readonly filesDone: number;
  readonly filesTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

export type TransmissionActorFunctions = {
  readonly [K in keyof TransmissionActors]: K extends 'printConstancia'
    ? (input: PrintInput) => Promise<TransmissionActors[K]>
    : K extends 'burnBackup'
      ? (input: BackupInput) => Promise<TransmissionActors[K]>
      : () => Promise<TransmissionActors[K]>;
};

function deviceCopyPath(parts: TransmissionParts, name: string): string {
  return path.join(parts.dataDir, DEVICE_COPY_DIR, name);
}

function readCopy(parts: TransmissionParts, name: string): Uint8Array | undefined {
  try {
    return new Uint8Array(fs.readFileSync(deviceCopyPath(parts, name)));
  } catch {
    return undefined;
  }
}

/** Every file of the device, read now; falls back to the copy taken at a validation before a restart. */
async function readDeviceFiles(parts: TransmissionParts): Promise<Result<Map<string, Uint8Array>, string>> {
  const listed = await parts.consolidation.list();
  if (!listed.ok) {
    const copied = parts.progress.get().deviceFiles;
    if (listed.error.kind === 'not-mounted' && copied.length > 0) {
      const files = new Map<string, Uint8Array>();
      for (const name of copied) {
        const bytes = readCopy(parts, name);
        if (bytes === undefined) return err(`the station's copy of ${name} is missing`);
        files.set(name, bytes);
      }
      return ok(files);
    }
    return err(describeUsbError(listed.error));
  }
  const files = new Map<string, Uint8Array>();
  for (const name of listed.value) {
    const bytes = await parts.consolidation.readFile(name);
    if (!bytes.ok) return err(`${name}: ${describeUsbError(bytes.error)}`);
    files.set(name, bytes.value);
  }
  return ok(files);
}

function resultBytes(parts: TransmissionParts): Uint8Array {
  const bytes = readCopy(parts, MESA_RESULT_FILE_NAME);
  if (bytes === undefined) throw new Error('bug: transmitting before the device was validated and copied');
  return bytes;
}

function imageBytes(parts: TransmissionParts): Uint8Array {
  try {
    return new Uint8Array(fs.readFileSync(path.join(parts.dataDir, ACTA_IMAGE_FILE_NAME)));
  } catch {
    throw new Error('bug: transmitting the acta image before it was scanned');
  }
}

async function validateDevice(parts: TransmissionParts): Promise<Result<{ mesa: string }, DeviceProblem>> {
  const refuse = (detail: string): Result<{ mesa: string }, DeviceProblem> => {
    parts.audit.append('device.refused', { message: `consolidation device refused: ${detail}` });
    return err({ kind: 'invalid-device', detail });
  };
  // The station's own code first: unauthorized software must not touch any device.
  if (!checkSoftwareAuthorized(parts.pkg, parts.softwareCode).ok) {
    parts.audit.append('software.unauthorized', { message: `software code ${parts.softwareCode}` });
    return err({ kind: 'software-unauthorized', detail: `software code ${parts.softwareCode} is not authorized by the election package` });
  }
  const files = await readDeviceFiles(parts);
  if (!files.ok) return refuse(files.error);
  const packageCopy = files.value.get(PACKAGE_COPY_FILE_NAME);
  if (packageCopy === undefined) return refuse(`it holds no ${PACKAGE_COPY_FILE_NAME}`);
  // Package membership: the device must carry exactly this station's package (same election, same mesa).
  if (sha256Hex(packageCopy) !== parts.pkg.packageHash) return refuse('its election package is not the package of this mesa and election');
  const mesaBytes = files.value.get(MESA_RESULT_FILE_NAME);
  if (mesaBytes === undefined) return refuse(`it holds no ${MESA_RESULT_FILE_NAME} (no results to transmit)`);
  const verified = verifyMesaResult(mesaBytes, { pkg: parts.pkg });
  if (!verified.ok) return refuse(verified.error.map(describeMesaResultProblem).join('; '));
  const acta = verified.value.acta.data;
  const definition = parts.pkg.payload.definition;
  if (acta.mesa !== definition.mesa.number || acta.electionId !== definition.election.id) {
    return refuse(`the result is for mesa ${acta.mesa} of ${acta.electionId}, not mesa ${definition.mesa.number} of ${definition.election.id}`);
  }
  if (!checkSoftwareAuthorized(parts.pkg, acta.softwareCode).ok) {
    return refuse(`the results station's software code ${acta.softwareCode} is not authorized by the election package`);
  }
  fs.mkdirSync(path.join(parts.dataDir, DEVICE_COPY_DIR), { recursive: true, mode: 0o700 });
  for (const [name, bytes] of files.value) fs.writeFileSync(deviceCopyPath(parts, name), bytes, { mode: 0o600 });
  parts.progress.update((p) => {
    p.deviceFiles = [...files.value.keys()].sort();
  });
  parts.audit.append('results.read', { message: `mesa result verified, sha256 ${verified.value.fileHash}, results software ${acta.softwareCode}` });
  return ok({ mesa: acta.mesa });
}

/** Prints one document after checking the printer is ready; a fault is logged and returned. */
export async function print(parts: { readonly printer: ThermalPrinter; readonly audit: AuditLog }, document: PrintDocument): Promise<Result<void, string>> {
  const status = await parts.printer.status();
  if (!status.ok) return err(describePrinterError(status.error));
  if (!isPrintable(status.value)) return err(`printer ${status.value}`);
  const printed = await parts.printer.print({ id: randomUUID(), document });
  if (!printed.ok) {
    parts.audit.append('printer.fault', { message: describePrinterError(printed.error) });
    return err(describePrinterError(printed.error));
  }
  return ok(undefined);
}

async function puestaACero(parts: TransmissionParts): Promise<Result<void, string>> {
  const done = parts.progress.get().zeroPrintedAt;
  if (done !== null) {
    parts.audit.append('station.recovered', { message: `puesta a cero already printed at ${done}; not repeated` });
    return ok(undefined);
  }
  const outboxUnits = parts.outbox.list().length;
  if (outboxUnits !== 0) {
    parts.audit.append('puesta-a-cero.refused', { message: `the outbox holds ${outboxUnits} units` });
    return err(`the outbox is not empty (${outboxUnits} units): this station has transmitted before`);
  }
  const printedAt = parts.clock();
  const printed = await print(
    parts,
    transmissionZeroReport({ definition: parts.pkg.payload.definition, packageHash: parts.pkg.packageHash, softwareCode: parts.softwareCode, outboxUnits, printedAt }),
  );
  if (!printed.ok) return printed;
  parts.progress.update((p) => {
    p.zeroPrintedAt = printedAt.toISOString();
  });
  parts.audit.append('puesta-a-cero.printed', { message: 'transmission station zero report printed: outbox empty' });
  return ok(undefined);
}

function outcomeOf(item: OutboxItem): TransmissionOutcome {
  if (item.status === 'acknowledged') return { status: 'acknowledged' };
  if (item.status === 'refused') return { status: 'refused', reason: item.refusalReason ?? 'unknown', detail: item.lastError ?? '' };
  return { status: 'pending', detail: item.lastError ?? 'not sent yet' };
}

async function transmit(parts: TransmissionParts, kind: TransmittedKind, plaintext: Uint8Array): Promise<TransmissionOutcome> {
  const what = kind === 'mesa-result' ? 'mesa result' : 'acta image';
  if (parts.centreIsReal && parts.pkg.payload.definition.election.simulacro) {
    // Never let a drill's result leave for the real centre, even though the centre refuses it too.
    parts.audit.append('transmission.refused', { message: `${what} of a simulacro not sent: the configured centre is the real election's` });
    return { status: 'refused', reason: 'simulacro-to-real-centre', detail: 'a simulacro result cannot be transmitted to the real computing centre' };
  }
  // The same file is enqueued once: a later seal of it returns the first unit and its status.
  const queued = parts.outbox.enqueue(sealTransmission({ pkg: parts.pkg, kind, plaintext, signer: parts.signer }), parts.clock().getTime());
  if (!queued.ok) return { status: 'pending', detail: queued.error };
  const before = queued.value;
  if (before.status === 'acknowledged' || before.status === 'refused') return outcomeOf(before);
  const now = () => parts.clock().getTime();
  if (before.nextAttemptAt <= now()) {
    parts.audit.append('transmission.sent', { message: `${what} sha256 ${before.sha256} sent to ${parts.centreUrl} (attempt ${before.attempts + 1})` });
    const send = (unit: Uint8Array) =>
      parts.send(unit, (sent, total) => parts.report({ what: 'upload', label: kind, filesDone: sent === total ? 1 : 0, filesTotal: 1, bytesDone: sent, bytesTotal: total }));
    await runOutboxOnce({ outbox: parts.outbox, send, packageFor: (hash) => (hash === parts.pkg.packageHash ? parts.pkg : undefined), now });
    parts.report(null);
  }
  const after = parts.outbox.get(before.id);
  if (after === undefined) throw new Error('bug: outbox item vanished');
  if (after.attempts !== before.attempts) {
    if (after.status === 'acknowledged') parts.audit.append('transmission.acknowledged', { message: `${what} sha256 ${after.sha256} acknowledged by the centre` });
    else if (after.status === 'refused') parts.audit.append('transmission.refused', { message: `${what} refused by the centre: ${after.refusalReason ?? ''}: ${after.lastError ?? ''}` });
    else parts.audit.append('transmission.failed', { message: `${what}: ${after.lastError ?? 'no answer'}; retried later` });
  }
  return outcomeOf(after);
}

function itemFor(parts: TransmissionParts, kind: TransmittedKind, plaintext: Uint8Array): OutboxItem | undefined {
  return parts.outbox.get(`${kind}:${parts.pkg.payload.definition.mesa.number}:${sha256Hex(plaintext)}`);
}

async function printConstancia(parts: TransmissionParts, input: PrintInput): Promise<Result<void, string>> {
  const kind: TransmittedKind = input.what === 'result' ? 'mesa-result' : 'acta-image';
  const plaintext = input.what === 'result' ? resultBytes(parts) : imageBytes(parts);
  const item = itemFor(parts, kind, plaintext);
  if (item?.status !== 'acknowledged' || item.answer === null) return err('no receipt from the centre for this file');
  const answer = openCentreAnswer(item.answer, parts.pkg);
  if (!answer.ok || answer.value.outcome !== 'acknowledged') throw new Error('bug: an acknowledged outbox item holds no valid receipt');
  const receipt = answer.value.receipt;
  const already = parts.progress.get().printed[input.what];
  const printed = await print(
    parts,
    constanciaDeTransmision({
      definition: parts.pkg.payload.definition,
      what: input.what,
      sha256: item.sha256,
      packageHash: item.packageHash,
      receiptNumber: receipt.receiptNumber,
      receivedAt: receipt.receivedAt,
      receiptHash: sha256Hex(item.answer),
      copy: { index: input.copy, of: input.of },
      // More copies than asked in total so far (a second PRINT or a restart) are reprints.
      reprint: already >= input.of,
      printedAt: parts.clock(),
    }),
  );
  if (!printed.ok) return printed;
  parts.progress.update((p) => {
    p.printed[input.what] += 1;
  });
  parts.audit.append('constancia.printed', { message: `constancia de transmisión (${input.what}) copy ${input.copy} of ${input.of}` });
  return ok(undefined);
}

async function scanActa(parts: TransmissionParts): Promise<Result<void, string>> {
  if (parts.progress.get().imageSha256 !== null) return ok(undefined);
  const scanned = await parts.scanner.scan();
  if (!scanned.ok) {
    parts.audit.append('scanner.fault', { message: describeScannerError(scanned.error) });
    return err(describeScannerError(scanned.error));
  }
  const file = path.join(parts.dataDir, ACTA_IMAGE_FILE_NAME);
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, scanned.value.png, { mode: 0o600 });
  fs.renameSync(tmp, file);
  parts.progress.update((p) => {
    p.imageSha256 = sha256Hex(scanned.value.png);
  });
  return ok(undefined);
}

/** What each backup holds: the device's files, the scanned acta and the centre's receipts. */
function backupFiles(parts: TransmissionParts): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const name of parts.progress.get().deviceFiles) {
    const bytes = readCopy(parts, name);
    if (bytes === undefined) throw new Error(`bug: device copy of ${name} missing`);
    files.set(name, bytes);
  }
  const image = parts.progress.get().imageSha256 === null ? undefined : imageBytes(parts);
  if (image !== undefined) files.set(ACTA_IMAGE_FILE_NAME, image);
  const resultReceipt = itemFor(parts, 'mesa-result', resultBytes(parts))?.answer;
  if (resultReceipt != null) files.set(RESULT_RECEIPT_FILE_NAME, resultReceipt);
  const imageReceipt = image === undefined ? undefined : itemFor(parts, 'acta-image', image)?.answer;
  if (imageReceipt != null) files.set(IMAGE_RECEIPT_FILE_NAME, imageReceipt);
  return files;
}

/**
 * Writes `files` to a blank write-once medium, finalizes it, reads every file back and compares
 * sha256: a copy counts only once its bytes verify. Progress is reported file by file.
 */
export async function writeVerifiedBackup(
  medium: ConsolidationDevice,
  files: ReadonlyMap<string, Uint8Array>,
  onProgress: (filesDone: number, bytesDone: number) => void,
): Promise<Result<void, string>> {
  const status = await medium.detect();
  if (!status.ok) return err(describeUsbError(status.error));
  if (!status.value.mounted) return err('no backup medium inserted');
  if (!status.value.writeOnce || status.value.finalized) return err('the medium is not a blank write-once medium');
  const existing = await medium.list();
  if (!existing.ok) return err(describeUsbError(existing.error));
  if (existing.value.length > 0) return err('the medium already holds files (a spent medium): insert a new one');
  let filesDone = 0;
  let bytesDone = 0;
  onProgress(0, 0);
  for (const [name, bytes] of files) {
    const written = await medium.writeFileAtomic(name, bytes);
    if (!written.ok) return err(`${name}: ${describeUsbError(written.error)}`);
    filesDone += 1;
    bytesDone += bytes.length;
    onProgress(filesDone, bytesDone);
  }
  const finalized = await medium.finalize();
  if (!finalized.ok) return err(describeUsbError(finalized.error));
  for (const [name, bytes] of files) {
    const read = await medium.readFile(name);
    if (!read.ok) return err(`${name} unreadable after writing: ${describeUsbError(read.error)}`);
    if (sha256Hex(read.value) !== sha256Hex(bytes)) return err(`${name} differs after writing`);
  }
  await medium.eject();
  return ok(undefined);
}

export function backupProgress(index: number, files: ReadonlyMap<string, Uint8Array>, filesDone: number, bytesDone: number): WorkProgress {
  let bytesTotal = 0;
  for (const bytes of files.values()) bytesTotal += bytes.length;
  return { what: 'backup', label: String(index), filesDone, filesTotal: files.size, bytesDone, bytesTotal };
}

async function burnBackup(parts: TransmissionParts, input: BackupInput): Promise<Result<void, string>> {
  if (parts.progress.get().backupsVerified.includes(input.index)) return ok(undefined);
  const files = backupFiles(parts);
  const written = await writeVerifiedBackup(parts.backupMedium(input.index), files, (filesDone, bytesDone) =>
    parts.report(backupProgress(input.index, files, filesDone, bytesDone)),
  );
  parts.report(null);
  if (!written.ok) {
    parts.audit.append('backup.failed', { message: `backup ${input.index}: ${written.error}` });
    return written;
  }
  parts.progress.update((p) => {
    p.backupsVerified = [...p.backupsVerified, input.index].sort((a, b) => a - b);
  });
  parts.audit.append('backup.written', { message: `backup ${input.index} of 3: ${files.size} files written, finalized and verified by sha256` });
  return ok(undefined);
}

/** Art. 30.3 "conecta el dispositivo de comunicación": the pinned centre must answer. */
export async function connectLink(parts: Pick<TransmissionParts, 'probe' | 'audit' | 'centreUrl'>): Promise<Result<void, string>> {
  const probed = await parts.probe();
  if (!probed.ok) {
    const detail = describeTransportError(probed.error);
    parts.audit.append('transmission.link-down', { message: `${parts.centreUrl}: ${detail}` });
    return err(detail);
  }
  parts.audit.append('transmission.link-up', { message: `${parts.centreUrl} answered over the pinned TLS` });
  return ok(undefined);
}

export function hostActorFunctions(parts: TransmissionParts): TransmissionActorFunctions {
  return {
    validateDevice: () => validateDevice(parts),
    connectLink: () => connectLink(parts),
    puestaACero: () => puestaACero(parts),
    transmitResult: () => transmit(parts, 'mesa-result', resultBytes(parts)),
    scanActa: () => scanActa(parts),
    transmitImage: () => transmit(parts, 'acta-image', imageBytes(parts)),
    printConstancia: (input) => printConstancia(parts, input),
    burnBackup: (input) => burnBackup(parts, input),
  };
}
