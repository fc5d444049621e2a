/**
 * The actors of the transmission module machine (module-machine.ts) over the real parts: the
 * consolidation device port where the operator inserts each mesa's device, the durable outbox
 * and the pinned client, the printer, the scanner and the write-once backup media. The pieces
 * the Art. 30 station has are reused (host-actors.ts: print, connectLink, writeVerifiedBackup;
 * documents.ts: constancia de transmisión; shared/transmission: sealing and the outbox).
 *
 * What the module keeps per mesa lives in the data dir:
 *   mesas/<mesa>/dispositivo/<file>   the device's content, "grabado" before the cargo (31.4)
 *   mesas/<mesa>/acta-odpe.png        the digitized ODPE acta copy (31.7)
 *   module.json                       the durable record (atomic write): per mesa received /
 *                                     returned / refused, hashes, time received, cargos and
 *                                     constancias printed; foreign devices refused; backups done
 * RESTART: the record and the outbox are durable; the machine starts again at the operator's
 * home and a mesa received but not yet queued is queued by the next outbox pass.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../shared/audit/log.ts';
import type { Signer } from '../shared/crypto/envelope.ts';
import { sha256Hex } from '../shared/crypto/hash.ts';
import { describeUsbError, type ConsolidationDevice } from '../shared/devices/consolidation/consolidation-device.ts';
import type { ThermalPrinter } from '../shared/devices/printer/printer.ts';
import { describeScannerError, type Scanner } from '../shared/devices/scanner/scanner.ts';
import { cargoDeRecepcion } from '../shared/documents/cargo-recepcion.ts';
import { checkSoftwareAuthorized, describePackageError, verifyPackageBytes, type VerifiedPackage } from '../shared/election/package.ts';
import { err, ok, type Result } from '../shared/result.ts';
import { describeMesaResultProblem, MESA_RESULT_FILE_NAME, PACKAGE_COPY_FILE_NAME, verifyMesaResult } from '../shared/results/mesa-result.ts';
import { openCentreAnswer } from '../shared/transmission/centre-answer.ts';
import type { TransportError } from '../shared/transmission/client.ts';
import { runOutboxOnce, type Outbox, type OutboxItem } from '../shared/transmission/queue.ts';
import { peekTransmission, sealTransmission, type TransmittedKind } from '../shared/transmission/transmission-package.ts';
import { constanciaDeTransmision, moduleZeroReport } from './documents.ts';
import { ACTA_IMAGE_FILE_NAME, backupProgress, connectLink, print, writeVerifiedBackup, type SendFunction, type WorkProgress } from './host-actors.ts';
import { BACKUP_COPIES } from './machine.ts';
import type { CargoInput, DeviceRefusal, MesaInput, ModuleActors, ModuleBackupInput, ModulePrintInput, ReceiveOutcome } from './module-machine.ts';

const RECORD_FILE = 'module.json';
const MESAS_DIR = 'mesas';
const DEVICE_DIR = 'dispositivo';

export interface MesaRecord {
  state: 'received' | 'returned' | 'refused';
  /** English detail of a hand-back or refusal; null once received. */
  detail: string | null;
  refusal: DeviceRefusal | null;
  resultSha256: string | null;
  files: { name: string; sha256: string }[];
  receivedAt: string | null;
  imageSha256: string | null;
  queued: boolean;
  cargosPrinted: number;
  printed: { result: number; image: number };
}

export interface ForeignDevice {
  at: string;
  mesa: string | null;
  electionId: string | null;
  reason: DeviceRefusal;
  detail: string;
}

export interface ModuleRecord {
  /** sha256 over the configured package hashes: a record of another configuration does not carry over. */
  key: string;
  zeroPrintedAt: string | null;
  mesas: Record<string, MesaRecord>;
  foreign: ForeignDevice[];
  backupsVerified: number[];
}

export interface ModuleRecordStore {
  get(): ModuleRecord;
  update(change: (r: ModuleRecord) => void): void;
}

/** module.json through temp file + fsync + rename, as progress.json of the Art. 30 station. */
export function openModuleRecord(dataDir: string, key: string): ModuleRecordStore {
  const file = path.join(dataDir, RECORD_FILE);
  let current: ModuleRecord = { key, zeroPrintedAt: null, mesas: {}, foreign: [], backupsVerified: [] };
  try {
    const loaded = JSON.parse(fs.readFileSync(file, 'utf8')) as ModuleRecord;
    if (loaded.key === key) current = loaded;
  } catch {
    // Nothing recorded yet.
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

export interface ModuleParts {
  /** The polling place's packages by mesa number (one election, one place; checked at start). */
  readonly byMesa: ReadonlyMap<string, VerifiedPackage>;
  readonly rootKey: Uint8Array;
  readonly signer: Signer;
  readonly softwareCode: string;
  readonly dataDir: string;
  readonly centreUrl: string;
  readonly audit: AuditLog;
  readonly outbox: Outbox;
  readonly send: SendFunction;
  readonly probe: () => Promise<Result<void, TransportError>>;
  readonly report: (progress: WorkProgress | null) => void;
  readonly printer: ThermalPrinter;
  readonly scanner: Scanner;
  readonly consolidation: ConsolidationDevice;
  readonly backupMedium: (index: number) => ConsolidationDevice;
  readonly record: ModuleRecordStore;
  readonly scanActas: boolean;
  readonly clock: () => Date;
}

export interface ModuleActorFunctions {
  readonly checkSoftware: () => Promise<ModuleActors['checkSoftware']>;
  readonly connectLink: () => Promise<ModuleActors['connectLink']>;
  readonly puestaACero: () => Promise<ModuleActors['puestaACero']>;
  readonly receiveDevice: () => Promise<ModuleActors['receiveDevice']>;
  readonly printCargo: (input: CargoInput) => Promise<ModuleActors['printCargo']>;
  readonly scanActa: (input: MesaInput) => Promise<ModuleActors['scanActa']>;
  readonly queueMesa: (input: MesaInput) => Promise<ModuleActors['queueMesa']>;
  readonly transmitDue: () => Promise<ModuleActors['transmitDue']>;
  readonly printConstancia: (input: ModulePrintInput) => Promise<ModuleActors['printConstancia']>;
  readonly burnBackup: (input: ModuleBackupInput) => Promise<ModuleActors['burnBackup']>;
}

function mesaDir(parts: ModuleParts, mesa: string): string {
  return path.join(parts.dataDir, MESAS_DIR, mesa);
}

function readKept(parts: ModuleParts, mesa: string, name: string): Uint8Array {
  try {
    return new Uint8Array(fs.readFileSync(path.join(mesaDir(parts, mesa), DEVICE_DIR, name)));
  } catch {
    throw new Error(`bug: the module's copy of ${name} for mesa ${mesa} is missing`);
  }
}

function imageOf(parts: ModuleParts, mesa: string): Uint8Array | undefined {
  try {
    return new Uint8Array(fs.readFileSync(path.join(mesaDir(parts, mesa), ACTA_IMAGE_FILE_NAME)));
  } catch {
    return undefined;
  }
}

function pkgOf(parts: ModuleParts, mesa: string): VerifiedPackage {
  const pkg = parts.byMesa.get(mesa);
  if (pkg === undefined) throw new Error(`bug: mesa ${mesa} is not served by this module`);
  return pkg;
}

function mesaRecord(parts: ModuleParts, mesa: string): MesaRecord {
  const r = parts.record.get().mesas[mesa];
  if (r === undefined) throw new Error(`bug: nothing recorded for mesa ${mesa}`);
  return r;
}

function emptyMesa(): MesaRecord {
  return { state: 'refused', detail: null, refusal: null, resultSha256: null, files: [], receivedAt: null, imageSha256: null, queued: false, cargosPrinted: 0, printed: { result: 0, image: 0 } };
}

async function readDevice(device: ConsolidationDevice): Promise<Result<Map<string, Uint8Array>, string>> {
  const listed = await device.list();
  if (!listed.ok) return err(listed.error.kind === 'not-mounted' ? 'no consolidation device is inserted' : describeUsbError(listed.error));
  const files = new Map<string, Uint8Array>();
  for (const name of listed.value) {
    const bytes = await device.readFile(name);
    if (!bytes.ok) return err(`${name}: ${describeUsbError(bytes.error)}`);
    files.set(name, bytes.value);
  }
  return ok(files);
}

async function receiveDevice(parts: ModuleParts): Promise<ReceiveOutcome> {
  const now = parts.clock();
  const foreign = (mesa: string | null, electionId: string | null, reason: DeviceRefusal, detail: string): ReceiveOutcome => {
    parts.audit.append('device.refused', { message: `consolidation device refused (${reason}): ${detail}` });
    parts.record.update((r) => {
      r.foreign.push({ at: now.toISOString(), mesa, electionId, reason, detail });
    });
    return { kind: 'refused', mesa, reason, detail };
  };
  const refuseMesa = (mesa: string, reason: DeviceRefusal, detail: string): ReceiveOutcome => {
    parts.audit.append('device.refused', { message: `consolidation device of mesa ${mesa} refused (${reason}): ${detail}` });
    parts.record.update((r) => {
      const previous = r.mesas[mesa];
      // A refused device never undoes a reception: the received result stays as it was.
      if (previous?.state === 'received') return;
      r.mesas[mesa] = { ...emptyMesa(), state: 'refused', refusal: reason, detail };
    });
    return { kind: 'refused', mesa, reason, detail };
  };
  const files = await readDevice(parts.consolidation);
  if (!files.ok) {
    // Nothing was read (no stick, a failing port): a fault of this attempt, not a device to list.
    parts.audit.append('device.refused', { message: `consolidation device unreadable: ${files.error}` });
    return { kind: 'refused', mesa: null, reason: 'unreadable', detail: files.error };
  }
  const packageCopy = files.value.get(PACKAGE_COPY_FILE_NAME);
  if (packageCopy === undefined) return foreign(null, null, 'no-package', `it holds no ${PACKAGE_COPY_FILE_NAME}`);
  const packageHash = sha256Hex(packageCopy);
  const pkg = [...parts.byMesa.values()].find((p) => p.packageHash === packageHash);
  if (pkg === undefined) {
    // Not one of ours: say whose it is when its package verifies, so the operator can send the president to the right place.
    const theirs = verifyPackageBytes(packageCopy, parts.rootKey);
    if (!theirs.ok) return foreign(null, null, 'package-invalid', `its election package does not verify: ${describePackageError(theirs.error)}`);
    const def = theirs.value.payload.definition;
    const ours = pkgOf(parts, [...parts.byMesa.keys()][0] ?? '').payload.definition;
    if (def.election.id !== ours.election.id) {
      return foreign(def.mesa.number, def.election.id, 'other-election', `its package is of election ${def.election.id} (mesa ${def.mesa.number}); this module serves ${ours.election.id}`);
    }
    return foreign(def.mesa.number, def.election.id, 'other-place', `mesa ${def.mesa.number} (${def.mesa.place.name}) is not a mesa of this polling place (${ours.mesa.place.name})`);
  }
  const definition = pkg.payload.definition;
  const mesa = definition.mesa.number;
  const mesaBytes = files.value.get(MESA_RESULT_FILE_NAME);
  if (mesaBytes === undefined) {
    const detail = `it holds no ${MESA_RESULT_FILE_NAME}: no results to transmit`;
    parts.audit.append('device.returned', { message: `consolidation device of mesa ${mesa} handed back without a cargo: ${detail}` });
    parts.record.update((r) => {
      if (r.mesas[mesa]?.state === 'received') return;
      r.mesas[mesa] = { ...emptyMesa(), state: 'returned', detail };
    });
    return { kind: 'no-results', mesa, detail };
  }
  const verified = verifyMesaResult(mesaBytes, { pkg });
  if (!verified.ok) return refuseMesa(mesa, 'result-invalid', verified.error.map(describeMesaResultProblem).join('; '));
  const acta = verified.value.acta.data;
  if (acta.mesa !== mesa || acta.electionId !== definition.election.id) {
    return refuseMesa(mesa, 'result-invalid', `the result is for mesa ${acta.mesa} of ${acta.electionId}, not mesa ${mesa} of ${definition.election.id}`);
  }
  if (!checkSoftwareAuthorized(pkg, acta.softwareCode).ok) {
    return refuseMesa(mesa, 'software-unauthorized', `the results station's software code ${acta.softwareCode} is not authorized by the election package`);
  }
  const resultSha256 = verified.value.fileHash;
  const before = parts.record.get().mesas[mesa];
  if (before?.state === 'received') {
    if (before.resultSha256 === resultSha256) {
      parts.audit.append('results.read', { message: `mesa ${mesa} device presented again (same result sha256 ${resultSha256}): cargo reprinted` });
      return { kind: 'received', mesa, reprint: true, scan: parts.scanActas && before.imageSha256 === null };
    }
    return refuseMesa(mesa, 'conflict', `mesa ${mesa} already delivered another result (sha256 ${before.resultSha256 ?? ''}); this one is ${resultSha256}`);
  }
  // "Graba el contenido del dispositivo" (31.4): kept before the cargo says it was received.
  const dir = path.join(mesaDir(parts, mesa), DEVICE_DIR);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [name, bytes] of files.value) fs.writeFileSync(path.join(dir, name), bytes, { mode: 0o600 });
  parts.record.update((r) => {
    r.mesas[mesa] = {
      ...emptyMesa(),
      state: 'received',
      resultSha256,
      files: [...files.value].map(([name, bytes]) => ({ name, sha256: sha256Hex(bytes) })).sort((a, b) => (a.name < b.name ? -1 : 1)),
      receivedAt: now.toISOString(),
    };
  });
  parts.audit.append('results.read', { message: `mesa ${mesa}: result verified, sha256 ${resultSha256}, results software ${acta.softwareCode}` });
  return { kind: 'received', mesa, reprint: false, scan: parts.scanActas };
}

async function printCargo(parts: ModuleParts, input: CargoInput): Promise<Result<void, string>> {
  const m = mesaRecord(parts, input.mesa);
  const pkg = pkgOf(parts, input.mesa);
  if (m.resultSha256 === null || m.receivedAt === null) throw new Error('bug: a cargo for a mesa not received');
  const printed = await print(
    parts,
    cargoDeRecepcion({
      definition: pkg.payload.definition,
      resultSha256: m.resultSha256,
      packageHash: pkg.packageHash,
      files: m.files,
      actaReceived: parts.scanActas,
      softwareCode: parts.softwareCode,
      receivedAt: new Date(m.receivedAt),
      copy: { index: input.copy, of: input.of },
      reprint: input.reprint,
      printedAt: parts.clock(),
    }),
  );
  if (!printed.ok) return printed;
  parts.record.update((r) => {
    const rec = r.mesas[input.mesa];
    if (rec !== undefined) rec.cargosPrinted += 1;
  });
  parts.audit.append('cargo.printed', { message: `cargo de recepción of mesa ${input.mesa}, copy ${input.copy} of ${input.of}${input.reprint ? ' (reprint)' : ''}` });
  return ok(undefined);
}

async function scanActa(parts: ModuleParts, input: MesaInput): Promise<Result<void, string>> {
  if (mesaRecord(parts, input.mesa).imageSha256 !== null) return ok(undefined);
  const scanned = await parts.scanner.scan();
  if (!scanned.ok) {
    parts.audit.append('scanner.fault', { message: describeScannerError(scanned.error) });
    return err(describeScannerError(scanned.error));
  }
  const file = path.join(mesaDir(parts, input.mesa), ACTA_IMAGE_FILE_NAME);
  fs.writeFileSync(`${file}.tmp`, scanned.value.png, { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
  parts.record.update((r) => {
    const rec = r.mesas[input.mesa];
    if (rec !== undefined) rec.imageSha256 = sha256Hex(scanned.value.png);
  });
  return ok(undefined);
}

/** Seals the mesa's result (and its image, when digitized) into the outbox: once per file. */
function queueMesa(parts: ModuleParts, mesa: string): Result<void, string> {
  const pkg = pkgOf(parts, mesa);
  const units: [TransmittedKind, Uint8Array][] = [['mesa-result', readKept(parts, mesa, MESA_RESULT_FILE_NAME)]];
  const image = imageOf(parts, mesa);
  if (image !== undefined) units.push(['acta-image', image]);
  for (const [kind, plaintext] of units) {
    const queued = parts.outbox.enqueue(sealTransmission({ pkg, kind, plaintext, signer: parts.signer }), parts.clock().getTime());
    if (!queued.ok) return err(queued.error);
  }
  parts.record.update((r) => {
    const rec = r.mesas[mesa];
    if (rec !== undefined) rec.queued = true;
  });
  return ok(undefined);
}

const UNSETTLED: readonly OutboxItem['status'][] = ['pending', 'sent'];

/** One pass of the outbox for every mesa of the module; returns how many units are still to settle. */
async function transmitDue(parts: ModuleParts): Promise<{ unsettled: number }> {
  for (const [mesa, rec] of Object.entries(parts.record.get().mesas)) {
    if (rec.state === 'received' && !rec.queued) queueMesa(parts, mesa);
  }
  const byHash = new Map([...parts.byMesa.values()].map((p) => [p.packageHash, p]));
  const now = () => parts.clock().getTime();
  const before = new Map(parts.outbox.list().map((i) => [i.id, i]));
  const due = parts.outbox.due(now());
  if (due.length > 0) {
    parts.audit.append('transmission.sent', { message: `${due.length} unit(s) sent to ${parts.centreUrl}` });
    const send = (unit: Uint8Array) => {
      // The unit's own (signed) claims say which file is leaving, for the progress line.
      const claims = peekTransmission(unit);
      const label = claims.ok ? `${claims.value.kind}:${claims.value.mesa}` : 'unit';
      return parts.send(unit, (sent, total) =>
        parts.report({ what: 'upload', label, filesDone: sent === total ? 1 : 0, filesTotal: 1, bytesDone: sent, bytesTotal: total }),
      );
    };
    await runOutboxOnce({ outbox: parts.outbox, send, packageFor: (hash) => byHash.get(hash), now });
    parts.report(null);
  }
  const after = parts.outbox.list();
  for (const item of after) {
    const was = before.get(item.id);
    if (was === undefined || was.attempts === item.attempts) continue;
    const what = `${item.kind} of mesa ${item.mesa}`;
    if (item.status === 'acknowledged') parts.audit.append('transmission.acknowledged', { message: `${what} sha256 ${item.sha256} acknowledged by the centre` });
    else if (item.status === 'refused') parts.audit.append('transmission.refused', { message: `${what} refused by the centre: ${item.refusalReason ?? ''}: ${item.lastError ?? ''}` });
    else parts.audit.append('transmission.failed', { message: `${what}: ${item.lastError ?? 'no answer'}; retried later` });
  }
  return { unsettled: after.filter((i) => UNSETTLED.includes(i.status)).length };
}

function itemFor(parts: ModuleParts, mesa: string, kind: TransmittedKind): OutboxItem | undefined {
  const rec = parts.record.get().mesas[mesa];
  const sha = kind === 'mesa-result' ? rec?.resultSha256 : rec?.imageSha256;
  return sha == null ? undefined : parts.outbox.get(`${kind}:${mesa}:${sha}`);
}

async function printConstancia(parts: ModuleParts, input: ModulePrintInput): Promise<Result<void, string>> {
  const pkg = parts.byMesa.get(input.mesa);
  if (pkg === undefined) return err(`mesa ${input.mesa} is not served by this module`);
  const item = itemFor(parts, input.mesa, input.what === 'result' ? 'mesa-result' : 'acta-image');
  if (item?.status !== 'acknowledged' || item.answer === null) return err(`no receipt from the centre yet for the ${input.what} of mesa ${input.mesa}`);
  const answer = openCentreAnswer(item.answer, pkg);
  if (!answer.ok || answer.value.outcome !== 'acknowledged') throw new Error('bug: an acknowledged outbox item holds no valid receipt');
  const already = parts.record.get().mesas[input.mesa]?.printed[input.what] ?? 0;
  const printed = await print(
    parts,
    constanciaDeTransmision({
      definition: pkg.payload.definition,
      what: input.what,
      sha256: item.sha256,
      packageHash: item.packageHash,
      receiptNumber: answer.value.receipt.receiptNumber,
      receivedAt: answer.value.receipt.receivedAt,
      receiptHash: sha256Hex(item.answer),
      copy: { index: input.copy, of: input.of },
      reprint: already >= input.of,
      printedAt: parts.clock(),
    }),
  );
  if (!printed.ok) return printed;
  parts.record.update((r) => {
    const rec = r.mesas[input.mesa];
    if (rec !== undefined) rec.printed[input.what] += 1;
  });
  parts.audit.append('constancia.printed', { message: `constancia de transmisión (${input.what}) of mesa ${input.mesa}, copy ${input.copy} of ${input.of}` });
  return ok(undefined);
}

/** Every received mesa's device files, its acta image and the centre's receipts, as `mesa-<n>-<name>`. */
function backupFiles(parts: ModuleParts): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const [mesa, rec] of Object.entries(parts.record.get().mesas).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (rec.state !== 'received') continue;
    for (const f of rec.files) files.set(`mesa-${mesa}-${f.name}`, readKept(parts, mesa, f.name));
    const image = imageOf(parts, mesa);
    if (image !== undefined) files.set(`mesa-${mesa}-${ACTA_IMAGE_FILE_NAME}`, image);
    const resultReceipt = itemFor(parts, mesa, 'mesa-result')?.answer;
    if (resultReceipt != null) files.set(`mesa-${mesa}-recibo-resultado.vep`, resultReceipt);
    const imageReceipt = itemFor(parts, mesa, 'acta-image')?.answer;
    if (imageReceipt != null) files.set(`mesa-${mesa}-recibo-imagen.vep`, imageReceipt);
  }
  return files;
}

async function burnBackup(parts: ModuleParts, input: ModuleBackupInput): Promise<Result<void, string>> {
  if (parts.record.get().backupsVerified.includes(input.index)) return ok(undefined);
  const files = backupFiles(parts);
  const written = await writeVerifiedBackup(parts.backupMedium(input.index), files, (filesDone, bytesDone) =>
    parts.report(backupProgress(input.index, files, filesDone, bytesDone)),
  );
  parts.report(null);
  if (!written.ok) {
    parts.audit.append('backup.failed', { message: `module backup ${input.index}: ${written.error}` });
    return written;
  }
  parts.record.update((r) => {
    r.backupsVerified = [...r.backupsVerified, input.index].sort((a, b) => a - b);
  });
  parts.audit.append('backup.written', { message: `module backup ${input.index} of ${BACKUP_COPIES}: ${files.size} files written, finalized and verified by sha256` });
  return ok(undefined);
}

async function puestaACero(parts: ModuleParts): Promise<Result<void, string>> {
  const done = parts.record.get().zeroPrintedAt;
  if (done !== null) {
    parts.audit.append('station.recovered', { message: `module puesta a cero already printed at ${done}; not repeated` });
    return ok(undefined);
  }
  const units = parts.outbox.list().length;
  if (units !== 0) {
    parts.audit.append('puesta-a-cero.refused', { message: `the outbox holds ${units} units` });
    return err(`the outbox is not empty (${units} units): this module has transmitted before`);
  }
  const printedAt = parts.clock();
  const printed = await print(
    parts,
    moduleZeroReport({
      mesas: [...parts.byMesa.values()].map((p) => ({ definition: p.payload.definition, packageHash: p.packageHash })),
      softwareCode: parts.softwareCode,
      outboxUnits: units,
      printedAt,
    }),
  );
  if (!printed.ok) return printed;
  parts.record.update((r) => {
    r.zeroPrintedAt = printedAt.toISOString();
  });
  parts.audit.append('puesta-a-cero.printed', { message: `transmission module zero report printed: ${parts.byMesa.size} mesas, outbox empty` });
  return ok(undefined);
}

function checkSoftware(parts: ModuleParts): Result<void, string> {
  for (const [mesa, pkg] of parts.byMesa) {
    if (!checkSoftwareAuthorized(pkg, parts.softwareCode).ok) {
      parts.audit.append('software.unauthorized', { message: `software code ${parts.softwareCode} (package of mesa ${mesa})` });
      return err(`software code ${parts.softwareCode} is not authorized by the package of mesa ${mesa}`);
    }
  }
  return ok(undefined);
}

export function moduleActorFunctions(parts: ModuleParts): ModuleActorFunctions {
  return {
    checkSoftware: () => Promise.resolve(checkSoftware(parts)),
    connectLink: () => connectLink(parts),
    puestaACero: () => puestaACero(parts),
    receiveDevice: () => receiveDevice(parts),
    printCargo: (input) => printCargo(parts, input),
    scanActa: (input) => scanActa(parts, input),
    queueMesa: (input) => Promise.resolve(queueMesa(parts, input.mesa)),
    transmitDue: () => transmitDue(parts),
    printConstancia: (input) => printConstancia(parts, input),
    burnBackup: (input) => burnBackup(parts, input),
  };
}
