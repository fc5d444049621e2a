/**
 * The transmission module host (Art. 31): runs the pure module machine (module-machine.ts)
 * against the real parts, as host.ts does for the Art. 30 station. At start it verifies every
 * configured package against the trusted ONPE root and checks they make one polling place (one
 * election, one local de votación, one package per mesa, simulacro matching the centre), loads
 * the `transmission` key (every package must name it), opens the outbox, the audit log and the
 * module record in the data dir, reads the pinned centre certificate and creates the devices.
 *
 * DECISIONS
 * - A configuration that is not one polling place is a start error (nothing the operator can
 *   fix on screen), and so is a simulacro package with a centre configured as the real one.
 * - Pending units are retried on the outbox's backoff: with `autoRetry` the host sends SEND
 *   when the next attempt is due and the operator is at the home screen.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createActor, fromPromise, type Actor } from 'xstate';
import { openAuditLog, type AuditLog } from '../shared/audit/log.ts';
import { sha256Hex } from '../shared/crypto/hash.ts';
import { describeKeySetError, loadSigner, TRANSMISSION_ROLE } from '../shared/crypto/keyset.ts';
import { toBase64 } from '../shared/crypto/base64.ts';
import { createDevices, type Devices } from '../shared/devices/factory.ts';
import { describePackageError, loadVerifiedPackage, type VerifiedPackage } from '../shared/election/package.ts';
import { err, ok, type Result } from '../shared/result.ts';
import { currentSoftwareVersionCode } from '../shared/software/version-code.ts';
import { describeDatabaseOpenError } from '../shared/storage/database.ts';
import { probeCentre, sendUnit } from '../shared/transmission/client.ts';
import { openOutbox, type OutboxItem } from '../shared/transmission/queue.ts';
import type { TransmissionModuleConfig } from './host-config.ts';
import type { WorkProgress } from './host-actors.ts';
import { hostRuntime, openBackupMedia, progressReports } from './host-runtime.ts';
import { loadRootKey, TRANSMISSION_AUDIT_FILE, TRANSMISSION_OUTBOX_FILE, type TransmissionHostOptions, type TransmissionHostStartError } from './host.ts';
import { moduleActorFunctions, openModuleRecord, type ModuleActorFunctions, type ModuleRecord } from './module-actors.ts';
import {
  createModuleMachine,
  moduleScreenOf,
  type CargoInput,
  type MesaInput,
  type ModuleActors,
  type ModuleBackupInput,
  type ModuleEvent,
  type ModuleMachine,
  type ModulePrintInput,
  type ModuleScreen,
} from './module-machine.ts';

export interface TransmissionModuleHost {
  readonly actor: Actor<ModuleMachine>;
  readonly devices: Devices;
  readonly audit: AuditLog;
  /** The polling place's packages by mesa number, in mesa order. */
  readonly packages: ReadonlyMap<string, VerifiedPackage>;
  send(event: ModuleEvent): void;
  screen(): ModuleScreen;
  outboxItems(): OutboxItem[];
  /** The durable record: per mesa received / returned / refused, foreign devices refused. */
  record(): ModuleRecord;
  work(): WorkProgress | null;
  onChange(changed: () => void): () => void;
  /** Resolves when the machine rests in a state waiting for the operator (or a final state). */
  settled(): Promise<ModuleScreen>;
  close(): Promise<void>;
}

const BUSY: readonly ModuleScreen[] = ['starting', 'connecting', 'zeroing', 'receiving', 'printing', 'scanning', 'queueing', 'transmitting', 'burning'];

function provided(actors: ModuleActorFunctions) {
  type Out<K extends keyof ModuleActors> = ModuleActors[K];
  return {
    checkSoftware: fromPromise<Out<'checkSoftware'>, void>(() => actors.checkSoftware()),
    connectLink: fromPromise<Out<'connectLink'>, void>(() => actors.connectLink()),
    puestaACero: fromPromise<Out<'puestaACero'>, void>(() => actors.puestaACero()),
    receiveDevice: fromPromise<Out<'receiveDevice'>, void>(() => actors.receiveDevice()),
    printCargo: fromPromise<Out<'printCargo'>, CargoInput>(({ input }) => actors.printCargo(input)),
    scanActa: fromPromise<Out<'scanActa'>, MesaInput>(({ input }) => actors.scanActa(input)),
    queueMesa: fromPromise<Out<'queueMesa'>, MesaInput>(({ input }) => actors.queueMesa(input)),
    transmitDue: fromPromise<Out<'transmitDue'>, void>(() => actors.transmitDue()),
    printConstancia: fromPromise<Out<'printConstancia'>, ModulePrintInput>(({ input }) => actors.printConstancia(input)),
    burnBackup: fromPromise<Out<'burnBackup'>, ModuleBackupInput>(({ input }) => actors.burnBackup(input)),
  };
}

/** The configured packages, verified, as one polling place; the reason when they are not. */
function loadPollingPlace(config: TransmissionModuleConfig, rootKey: Uint8Array): Result<Map<string, VerifiedPackage>, string> {
  const byMesa = new Map<string, VerifiedPackage>();
  let first: VerifiedPackage | undefined;
  for (const file of config.packagePaths) {
    const loaded = loadVerifiedPackage(file, rootKey);
    if (!loaded.ok) return err(`${file}: ${describePackageError(loaded.error)}`);
    const pkg = loaded.value;
    const def = pkg.payload.definition;
    first ??= pkg;
    const ref = first.payload.definition;
    if (def.election.id !== ref.election.id) return err(`${file}: election ${def.election.id}, not ${ref.election.id}: a module serves one election`);
    if (def.mesa.place.name !== ref.mesa.place.name || def.mesa.place.address !== ref.mesa.place.address) {
      return err(`${file}: mesa ${def.mesa.number} votes at ${def.mesa.place.name}, not ${ref.mesa.place.name}: a module serves one polling place`);
    }
    if (byMesa.has(def.mesa.number)) return err(`${file}: mesa ${def.mesa.number} is configured twice`);
    if (def.election.simulacro && config.centre.real) return err(`${file}: a simulacro package cannot be transmitted to the real election centre`);
    byMesa.set(def.mesa.number, pkg);
  }
  return ok(new Map([...byMesa].sort(([a], [b]) => (a < b ? -1 : 1))));
}

export async function startTransmissionModuleHost(
  config: TransmissionModuleConfig,
  options: TransmissionHostOptions = {},
): Promise<Result<TransmissionModuleHost, TransmissionHostStartError>> {
  const clock = options.clock ?? (() => new Date());
  try {
    fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  } catch (e) {
    return err({ kind: 'data-dir', detail: e instanceof Error ? e.message : String(e) });
  }
  const rootKey = loadRootKey(config.rootPublicKeyFile);
  if (rootKey === undefined) return err({ kind: 'keys', detail: `ONPE root public key file ${config.rootPublicKeyFile} unreadable` });
  const place = loadPollingPlace(config, rootKey);
  if (!place.ok) return err({ kind: 'package', detail: place.error });
  const packages = place.value;
  const signer = loadSigner(config.keysDir, TRANSMISSION_ROLE);
  if (!signer.ok) return err({ kind: 'keys', detail: describeKeySetError(signer.error) });
  for (const [mesa, pkg] of packages) {
    if (toBase64(signer.value.publicKey) !== pkg.payload.keys.stations.transmission) {
      return err({ kind: 'keys', detail: `the transmission key is not the one the package of mesa ${mesa} names` });
    }
  }
  let pinnedCert: string | undefined;
  if (config.centre.certFile !== undefined) {
    try {
      pinnedCert = fs.readFileSync(config.centre.certFile, 'utf8');
    } catch (e) {
      return err({ kind: 'certificate', detail: e instanceof Error ? e.message : String(e) });
    }
  }
  const audit = openAuditLog(path.join(config.dataDir, TRANSMISSION_AUDIT_FILE), { role: 'transmission', clock });
  if (!audit.ok) return err({ kind: 'audit-log', detail: JSON.stringify(audit.error) });
  const outbox = openOutbox(path.join(config.dataDir, TRANSMISSION_OUTBOX_FILE));
  if (!outbox.ok) return err({ kind: 'outbox', detail: describeDatabaseOpenError(outbox.error) });
  const created = await createDevices(config.devices, options.hardware === undefined ? {} : { hardware: options.hardware });
  if (!created.ok) {
    outbox.value.close();
    return err({ kind: 'devices', detail: JSON.stringify(created.error) });
  }
  const devices = created.value;
  const { printer, scanner, consolidation } = devices;
  if (printer === undefined || scanner === undefined || consolidation === undefined) {
    await devices.close();
    outbox.value.close();
    return err({ kind: 'devices-missing', missing: printer === undefined ? 'printer' : scanner === undefined ? 'scanner' : 'consolidation' });
  }
  const backupMedium = await openBackupMedia(config.backupMedia, devices);
  const softwareCode = options.softwareCode ?? currentSoftwareVersionCode();
  const recordKey = sha256Hex([...packages.values()].map((p) => p.packageHash).join('\n'));
  const record = openModuleRecord(config.dataDir, recordKey);
  const first = [...packages.values()][0]?.payload.definition;
  audit.value.append('station.boot', { message: `transmission module for ${packages.size} mesas of ${first?.mesa.place.name ?? ''} (${first?.election.id ?? ''})` });

  const progress = progressReports();
  const centreOptions = { url: config.centre.url, ...(pinnedCert === undefined ? {} : { pinnedCert }) };
  const actors = moduleActorFunctions({
    byMesa: packages,
    rootKey,
    signer: signer.value,
    softwareCode,
    dataDir: config.dataDir,
    centreUrl: config.centre.url,
    audit: audit.value,
    outbox: outbox.value,
    send: options.sendUnit ?? ((unit, onProgress) => sendUnit(unit, { ...centreOptions, ...(onProgress === undefined ? {} : { onProgress }) })),
    probe: options.probeLink ?? (() => probeCentre(centreOptions)),
    report: progress.report,
    printer: printer.printer,
    scanner,
    consolidation,
    backupMedium,
    record,
    scanActas: config.scanActas,
    clock,
  });
  const received = Object.values(record.get().mesas).filter((m) => m.state === 'received').length;
  const actor = createActor(createModuleMachine().provide({ actors: provided(actors) }), { input: { received } });
  const screen = () => moduleScreenOf(actor.getSnapshot());
  const runtime = hostRuntime({
    actor,
    progress,
    screen,
    busy: BUSY,
    waitingScreen: 'waiting',
    retry: () => actor.send({ type: 'SEND' }),
    autoRetry: options.autoRetry ?? true,
    outbox: outbox.value,
    clock,
    audit: audit.value,
    devices,
    stopMessage: 'transmission module stopped',
  });
  actor.start();

  return ok({
    actor,
    devices,
    audit: audit.value,
    packages,
    send: (event) => actor.send(event),
    screen,
    outboxItems: () => outbox.value.list(),
    record: () => record.get(),
    work: progress.work,
    onChange: runtime.onChange,
    settled: runtime.settled,
    close: runtime.close,
  });
}
