/**
 * The results station host: runs the pure results machine (machine.ts) against the real parts.
 * It verifies the election package against the trusted ONPE root, checks the software version
 * code, loads the `results` key, opens the results store and audit log under the data dir,
 * creates the devices, rebuilds the recovery state from the store, binds the pure ports
 * (ports.ts) to the package's definition, provides the actors (host-actors.ts) and appends the
 * machine's audit events to the audit log.
 *
 * DECISIONS
 * - Mirrors identity-station/host.ts: a bad package, unauthorized software, a missing results
 *   key or an unreadable store do not throw; the machine starts and its self-check fails.
 * - ONE activation reader serves every credential (president, members, personeros). A
 *   credential inserted while the machine asks for one (puesta a cero, signing) is presented
 *   once; `readCredential` reads it on demand for the screen (recording discrepancies).
 * - The consolidation port is polled (`watchDevices`): DEVICE_INSERTED on an insertion, or when
 *   the machine starts waiting for a file the device in the port already holds.
 * - Recovery 'signing' drops any stored signature (the machine starts signing over).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createActor, fromPromise } from 'xstate';
import type { Actor } from 'xstate';
import { openAuditLog, type AuditLog } from '../shared/audit/log.ts';
import { loadSigner, RESULTS_ROLE } from '../shared/crypto/keyset.ts';
import type { ActivationEvent, ActivationReader } from '../shared/devices/activation/activation-reader.ts';
import type { ConsolidationDevice } from '../shared/devices/consolidation/consolidation-device.ts';
import { createDevices, type DeviceSetupError, type Devices } from '../shared/devices/factory.ts';
import type { ElectionDefinition } from '../shared/election/definition.ts';
import { checkSoftwareAuthorized, loadVerifiedPackage, type VerifiedPackage } from '../shared/election/package.ts';
import { readRootPublicKeyFile } from '../shared/election/root-key.ts';
import { err, ok, type Result } from '../shared/result.ts';
import { CABIN_RESULTS_FILE_NAME } from '../shared/results/cabin-results.ts';
import { IDENTITY_SUMMARY_FILE_NAME } from '../shared/results/identity-summary.ts';
import { currentSoftwareVersionCode } from '../shared/software/version-code.ts';
import type { SimulatedHardware } from '../hardware-sim/control/simulated-hardware.ts';
import type { ResultsHostConfig } from './host-config.ts';
import { hostActorFunctions, newSession, outOfServiceActorFunctions, type ResultsActorFunctions } from './host-actors.ts';
import { resultsDocuments, type ResultsDocuments } from './host-documents.ts';
import { createResultsMachine, screenOf, type ResultsMachine } from './machine.ts';
import type {
  Credential,
  ResultsActorContracts,
  ResultsActorName,
  ResultsEvent,
  ResultsInput,
  ResultsScreen,
  SelfCheckFailure,
} from './machine-types.ts';
import { resultsPorts } from './ports.ts';
import { openResultsStore, type ResultsStore } from './store.ts';

export interface ResultsHost {
  readonly actor: Actor<ResultsMachine>;
  /** Undefined when the package did not verify (the station is out of service). */
  readonly definition: ElectionDefinition | undefined;
  readonly devices: Devices;
  send(event: ResultsEvent): void;
  /** The credential now in the activation reader (any bytes), or null: for the screen server. */
  readCredential(): Promise<Credential | null>;
  /** Resolves once every device event and poll started so far reached the machine. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export type ResultsHostStartError =
  | { readonly kind: 'data-dir'; readonly detail: string }
  | { readonly kind: 'audit-log'; readonly detail: string }
  | { readonly kind: 'devices'; readonly error: DeviceSetupError }
  | { readonly kind: 'devices-missing'; readonly missing: string };

export interface ResultsHostOptions {
  readonly hardware?: SimulatedHardware;
  readonly clock?: () => Date;
  /** Printed documents; H2's acta, cartel and reports by default. */
  readonly documents?: ResultsDocuments;
  /** How often the consolidation port is polled for an inserted device. */
  readonly devicePollMs?: number;
}

export const RESULTS_STORE_FILE = 'results.db';
export const RESULTS_AUDIT_FILE = 'audit.db';

interface Assembled {
  readonly actors: ResultsActorFunctions;
  readonly pkg?: VerifiedPackage;
  readonly store?: ResultsStore;
}

interface AssembleArgs {
  readonly config: ResultsHostConfig;
  readonly devices: Devices;
  readonly audit: AuditLog;
  readonly clock: () => Date;
  readonly documents: ResultsDocuments;
  readonly running: { actor?: Actor<ResultsMachine> };
}

function assemble({ config, devices, audit, clock, documents, running }: AssembleArgs): Assembled {
  const down = (kind: SelfCheckFailure['kind']): Assembled => ({ actors: outOfServiceActorFunctions({ kind }) });
  const rootKey = readRootPublicKeyFile(config.rootPublicKeyFile);
  if (rootKey === undefined) {
    audit.append('keys.refused', { message: 'ONPE root public key file unreadable' });
    return down('package-invalid');
  }
  const loaded = loadVerifiedPackage(config.packagePath, rootKey);
  if (!loaded.ok) {
    audit.append('package.refused', { message: loaded.error.kind });
    return down('package-invalid');
  }
  const pkg = loaded.value;
  audit.append('package.verified', { message: `package sha256 ${pkg.packageHash}` });
  const softwareCode = currentSoftwareVersionCode();
  if (!checkSoftwareAuthorized(pkg, softwareCode).ok) {
    audit.append('software.unauthorized', { message: `software code ${softwareCode}` });
    return { ...down('software-unauthorized'), pkg };
  }
  audit.append('software.verified', { message: `software code ${softwareCode}` });
  // The acta and the mesa result are sealed with this key: without it, not this package's station.
  const signer = loadSigner(config.keysDir, RESULTS_ROLE);
  if (!signer.ok || Buffer.from(signer.value.publicKey).toString('base64') !== pkg.payload.keys.stations.results) {
    audit.append('keys.refused', { message: signer.ok ? 'results key is not the package results key' : 'results key unreadable' });
    return { ...down('keys-invalid'), pkg };
  }
  audit.append('keys.loaded', { message: 'results key matches the package' });
  const store = openResultsStore(path.join(config.dataDir, RESULTS_STORE_FILE));
  if (!store.ok) {
    audit.append('storage.fault', { message: 'results store could not be opened' });
    return { ...down('storage-fault'), pkg };
  }
  const { activationReader, printer, consolidation } = devices;
  if (activationReader === undefined || printer === undefined || consolidation === undefined) {
    throw new Error('bug: devices checked before assembly');
  }
  const actors = hostActorFunctions({
    pkg,
    definition: pkg.payload.definition,
    signer: signer.value,
    softwareCode,
    store: store.value,
    audit,
    reader: activationReader,
    printer: printer.printer,
    consolidation,
    documents,
    dataDir: config.dataDir,
    clock,
    session: newSession(),
    currentContext: () => running.actor?.getSnapshot().context,
  });
  return { actors, pkg, store: store.value };
}

function provided(actors: ResultsActorFunctions) {
  const wrap = <K extends ResultsActorName>(name: K) =>
    fromPromise<ResultsActorContracts[K]['output'], ResultsActorContracts[K]['input']>(({ input }) => actors[name](input));
  return {
    selfCheck: wrap('selfCheck'),
    verifyPresidentCredential: wrap('verifyPresidentCredential'),
    runPuestaACero: wrap('runPuestaACero'),
    readCabinResults: wrap('readCabinResults'),
    readIdentitySummary: wrap('readIdentitySummary'),
    printActaCopy: wrap('printActaCopy'),
    verifyMemberSignature: wrap('verifyMemberSignature'),
    writeConsolidated: wrap('writeConsolidated'),
  };
}

/** The machine input from the package and the store (undefined store: out of service). */
export function resultsInput(config: ResultsHostConfig, definition: ElectionDefinition | undefined, store: ResultsStore | undefined): ResultsInput {
  if (definition === undefined || store === undefined) {
    // Out of service: the self-check fails before cabins or copies matter.
    return { cabinIds: ['cabin-1'], mode: 'electronic', actaCopies: ['ONPE'] };
  }
  const cabinIds = Array.from({ length: definition.mesa.cabins }, (_, i) => `cabin-${i + 1}`);
  let recovery;
  try {
    if (store.phase() === 'signing' && !store.restartSigning().ok) throw new Error('signatures not cleared');
    recovery = store.recovery();
  } catch {
    // An unreadable store: the self-check reads it again and reports the storage fault.
    recovery = undefined;
  }
  return { cabinIds, mode: config.mode, actaCopies: definition.actaCopies, ...(recovery === undefined ? {} : { recovery }) };
}

export async function startResultsHost(
  config: ResultsHostConfig,
  options: ResultsHostOptions = {},
): Promise<Result<ResultsHost, ResultsHostStartError>> {
  const clock = options.clock ?? (() => new Date());
  try {
    fs.mkdirSync(config.dataDir, { recursive: true });
  } catch (e) {
    return err({ kind: 'data-dir', detail: String(e) });
  }
  const created = await createDevices(config.devices, { hardware: options.hardware });
  if (!created.ok) return err({ kind: 'devices', error: created.error });
  const devices = created.value;
  const missing = (['activationReader', 'printer', 'consolidation'] as const).find((name) => devices[name] === undefined);
  if (missing !== undefined) {
    await devices.close();
    return err({ kind: 'devices-missing', missing });
  }
  const reader = devices.activationReader;
  if (reader === undefined) throw new Error('bug: reader checked above');
  const auditOpened = openAuditLog(path.join(config.dataDir, RESULTS_AUDIT_FILE), { role: RESULTS_ROLE, clock });
  if (!auditOpened.ok) {
    await devices.close();
    return err({ kind: 'audit-log', detail: JSON.stringify(auditOpened.error) });
  }
  const audit = auditOpened.value;
  const running: { actor?: Actor<ResultsMachine> } = {};
  const { actors, pkg, store } = assemble({ config, devices, audit, clock, documents: options.documents ?? resultsDocuments, running });
  const definition = pkg?.payload.definition;

  const ports = definition === undefined ? resultsPortsUnavailable() : resultsPorts(definition);
  const machine = createResultsMachine(ports).provide({ actors: provided(actors) });
  const actor = createActor(machine, { input: resultsInput(config, definition, store) });
  running.actor = actor;
  actor.on('audit', (event) => {
    try {
      audit.append(event.event, { message: event.message });
    } catch {
      // A message the log refuses is a machine bug, a failing disk a storage fault: either way the
      // machine's run must not die inside its own event listener.
      try {
        audit.append('storage.fault', { message: 'audit entry could not be appended' });
      } catch {
        // Nothing more can be recorded; the next store write fails and the machine reports it.
      }
    }
  });
  const watch = watchDevices(actor, reader, devices.consolidation, options.devicePollMs ?? DEFAULT_DEVICE_POLL_MS);
  actor.start();
  await watch.start();

  const readCredential = async (): Promise<Credential | null> => {
    const presence = await reader.presence();
    if (!presence.ok || !presence.value.present) return null;
    const read = await reader.read({ expectDeviceId: presence.value.deviceId });
    return read.ok ? { presented: read.value } : null;
  };

  return ok({
    actor,
    definition,
    devices,
    send: (event) => actor.send(event),
    readCredential,
    idle: () => watch.idle(),
    async close() {
      await watch.stop();
      actor.stop();
      await devices.close();
      store?.disconnect();
      audit.close();
    },
  });
}

// --- devices to machine events ------------------------------------------------------------------

export const DEFAULT_DEVICE_POLL_MS = 300;

/** Screens where a credential in the reader is presented to the machine. */
const CREDENTIAL_SCREENS: readonly ResultsScreen[] = ['awaiting-president', 'signing'];

/** The file the machine is waiting for on the consolidation device, or undefined. */
function expectedFile(actor: Actor<ResultsMachine>): string | undefined {
  const snapshot = actor.getSnapshot();
  const screen = screenOf(snapshot);
  if (screen === 'insert-identity-device') return IDENTITY_SUMMARY_FILE_NAME;
  if (screen !== 'insert-cabin-device') return undefined;
  const cabinId = snapshot.context.cabinIds[snapshot.context.readings.length];
  return cabinId === undefined ? undefined : CABIN_RESULTS_FILE_NAME(cabinId);
}

/**
 * Reader and USB port to machine events (see DECISIONS). A credential is presented once per
 * insertion, when the machine asks for one (after a refusal it is not presented again until it
 * is pulled and inserted again). A consolidation device is announced when it is inserted, or
 * when the machine starts waiting for a file the device already in the port holds (one stick
 * carried through every station needs no pulling between cabins); a device that was refused is
 * read again only after it is pulled and inserted again.
 */
function watchDevices(actor: Actor<ResultsMachine>, reader: ActivationReader, consolidation: ConsolidationDevice | undefined, pollMs: number) {
  let credential: Uint8Array | null = null;
  let presented = false;
  let queue: Promise<void> = Promise.resolve();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wasMounted = false;

  const present = () => {
    if (credential === null || presented || !CREDENTIAL_SCREENS.includes(screenOf(actor.getSnapshot()))) return;
    presented = true;
    actor.send({ type: 'CREDENTIAL_PRESENTED', credential: { presented: credential } });
  };
  const onReaderEvent = async (event: ActivationEvent): Promise<void> => {
    if (event.type !== 'inserted') {
      credential = null;
      return;
    }
    const read = await reader.read({ expectDeviceId: event.deviceId });
    credential = read.ok ? read.value : null;
    presented = false;
    present();
  };
  const enqueue = (work: () => Promise<void>) => {
    queue = queue.then(work, work);
  };
  const pollUsb = async (): Promise<void> => {
    if (consolidation === undefined || stopped) return;
    const status = await consolidation.detect();
    const mounted = status.ok && status.value.mounted;
    const inserted = mounted && !wasMounted;
    wasMounted = mounted;
    if (stopped || !mounted) return;
    const wanted = expectedFile(actor);
    if (inserted) {
      actor.send({ type: 'DEVICE_INSERTED' });
      return;
    }
    if (wanted === undefined) return;
    const files = await consolidation.list();
    if (!stopped && files.ok && files.value.includes(wanted) && expectedFile(actor) === wanted) actor.send({ type: 'DEVICE_INSERTED' });
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      enqueue(pollUsb);
      void queue.then(schedule);
    }, pollMs);
  };
  const unsubscribe = reader.onChange((event) => enqueue(() => onReaderEvent(event)));
  const snapshots = actor.subscribe(() => present());
  return {
    async start() {
      const presence = await reader.presence();
      if (presence.ok && presence.value.present) {
        const { deviceId } = presence.value;
        enqueue(() => onReaderEvent({ type: 'inserted', deviceId }));
      }
      schedule();
    },
    idle: () => queue,
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      unsubscribe();
      snapshots.unsubscribe();
      await queue;
    },
  };
}

/** Ports of a station out of service: the machine never reaches them (self-check fails first). */
function resultsPortsUnavailable(): ReturnType<typeof resultsPorts> {
  const bug = (): never => {
    throw new Error('results host bug: tally port used on a station out of service');
  };
  return { tallyMesa: bug, tallyToSheet: bug, compareSheets: bug, manualTally: bug };
}
