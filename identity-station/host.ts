/**
 * The identity station host: runs the pure identity machine (machine.ts) against the real parts.
 * It verifies the election package against the trusted ONPE root, checks the software version
 * code, opens the identity store and audit log under the data dir, creates the devices, computes
 * the schedule, rebuilds the recovery state from the store, provides the actors (host-actors.ts)
 * and appends the machine's audit events to the audit log.
 *
 * DECISIONS
 * - Mirrors booth/host.ts: a bad package, unauthorized software, a missing identity key or an
 *   unreadable store do not throw; the machine starts and its self-check fails (out of service).
 * - The station has ONE activation reader/writer: voters' devices and the president's credential
 *   both go there. The reader is read on demand (issue, return, credential), so no reader events
 *   are forwarded to the machine.
 * - Assisted voters (Art. 22) are a count in the machine; the host persists it to the store when
 *   the machine emits `voter.assistance-authorized`, so the signed summary counts them too.
 * - Schedule instants: shared/election/local-time.ts localDateTimeToEpoch (the cabin uses it too).
 * - The machine's delays run on the host's clock (host-clock.ts), not on real time: a simulated
 *   clock advanced by the tester opens and closes voting at the schedule. The host checks the
 *   timers before every event it forwards, so an action right after a clock jump sees the jump.
 * - DNI reader (optional, `devices.dniReader`; absent = typing only): every reading goes to the
 *   machine as DNI_READ, which treats it as the DNI typed on the screen showing a DNI field. The
 *   host never logs a reading; it logs only that the reader was connected or lost, and reopens
 *   it after DNI_READER_RECONNECT_MS. A reader that fails never stops the station.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createActor, fromPromise } from 'xstate';
import type { Actor } from 'xstate';
import { openAuditLog, type AuditLog } from '../shared/audit/log.ts';
import { IDENTITY_ROLE, loadSigner } from '../shared/crypto/keyset.ts';
import { createDevices, type DeviceSetupError, type Devices } from '../shared/devices/factory.ts';
import { findElector, type ElectionDefinition } from '../shared/election/definition.ts';
import { checkSoftwareAuthorized, loadVerifiedPackage, type VerifiedPackage } from '../shared/election/package.ts';
import { readRootPublicKeyFile } from '../shared/election/root-key.ts';
import { err, ok, type Result } from '../shared/result.ts';
import { currentSoftwareVersionCode } from '../shared/software/version-code.ts';
import type { SimulatedHardware } from '../hardware-sim/control/simulated-hardware.ts';
import { isMemberCredential } from '../shared/credentials/member-credential.ts';
import { localDateTimeToEpoch } from '../shared/election/local-time.ts';
import type { Dni } from './dni.ts';
import type { IdentityHostConfig } from './host-config.ts';
import { hostActorFunctions, outOfServiceActorFunctions, type IdentityActorFunctions } from './host-actors.ts';
import { createHostTimerClock } from './host-clock.ts';
import { createIdentityMachine, type IdentityMachine } from './machine.ts';
import { DNI_READER_RECONNECT_MS, IDENTITY_HOST_CLOCK_POLL_MS } from './timeouts.ts';
import type { DniReader } from '../shared/devices/dni-reader/dni-reader.ts';
import type {
  IdentityActorContracts,
  IdentityActorName,
  IdentityEvent,
  IdentityInput,
  IdentityRecovery,
  IdentitySchedule,
  MemberClassification,
  PresentMember,
  PresidentCredential,
  SelfCheckFailure,
} from './machine-types.ts';
import { openIdentityStore, type IdentityStore } from './store.ts';

export interface IdentityHost {
  readonly actor: Actor<IdentityMachine>;
  /** Undefined when the package did not verify (the station is out of service). */
  readonly definition: ElectionDefinition | undefined;
  /** This installation's software version code once the package authorized it (shown on the mesa-data screen). */
  readonly softwareCode: string | undefined;
  readonly devices: Devices;
  send(event: IdentityEvent): void;
  /** The member credential now in the activation reader, or null (for the screen server). */
  readPresidentCredential(): Promise<PresidentCredential | null>;
  close(): Promise<void>;
}

export type IdentityHostStartError =
  | { readonly kind: 'data-dir'; readonly detail: string }
  | { readonly kind: 'audit-log'; readonly detail: string }
  | { readonly kind: 'devices'; readonly error: DeviceSetupError }
  | { readonly kind: 'devices-missing'; readonly missing: string };

export interface IdentityHostOptions {
  readonly hardware?: SimulatedHardware;
  readonly clock?: () => Date;
  /** How often the host compares its clock with the machine's timers (tests shorten it). */
  readonly clockPollMs?: number;
}

export const IDENTITY_STORE_FILE = 'identity.db';
export const IDENTITY_AUDIT_FILE = 'audit.db';

// --- pure helpers ---------------------------------------------------------------------------------

export function identitySchedule(definition: ElectionDefinition): IdentitySchedule {
  const { date, schedule, timezone } = definition.election;
  const at = (time: string) => localDateTimeToEpoch(date, time, timezone);
  return {
    votingOpenAt: at(schedule.votingOpen),
    installDeadlineAt: at(schedule.installDeadline),
    noInstallationDeadlineAt: at(schedule.noInstallationDeadline),
    votingCloseAt: at(schedule.votingClose),
  };
}

export function classifyMember(definition: ElectionDefinition, dni: Dni): MemberClassification {
  const member = definition.members.find((m) => m.dni === dni);
  if (member === undefined) return { kind: 'not-a-member' };
  return member.role === 'suplente' ? { kind: 'suplente' } : { kind: 'titular', role: member.role };
}

/** What the machine must know at start, from the durable store. */
export function recoveryFromStore(store: IdentityStore): IdentityRecovery {
  return { phase: store.phase(), outstandingDevices: store.summary().outstandingDevices };
}

/**
 * Forwards the DNI reader's readings to the machine and keeps the reader open (reconnecting after
 * an unplug). Answers the function that stops it. `log` gets English text with no reading in it.
 */
export function forwardDniReadings(
  reader: DniReader,
  send: (event: IdentityEvent) => void,
  log: (event: 'device.inserted' | 'device.removed', message: string) => void,
): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const reconnect = () => {
    if (stopped || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, DNI_READER_RECONNECT_MS);
    timer.unref();
  };
  const connect = async () => {
    if (stopped) return;
    const connected = await reader.connect();
    if (!connected.ok) reconnect();
  };
  const offReading = reader.onReading((reading) => {
    if (!stopped) send({ type: 'DNI_READ', reading });
  });
  const offStatus = reader.onStatus((status) => {
    if (status.type === 'connected') log('device.inserted', 'DNI reader connected');
    else {
      log('device.removed', 'DNI reader disconnected');
      reconnect();
    }
  });
  void connect();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    offReading();
    offStatus();
  };
}

// --- start ----------------------------------------------------------------------------------------

interface Assembled {
  readonly actors: IdentityActorFunctions;
  readonly pkg?: VerifiedPackage;
  readonly store?: IdentityStore;
  readonly softwareCode?: string;
}

function assemble(
  config: IdentityHostConfig,
  devices: Devices,
  audit: AuditLog,
  clock: () => Date,
  currentMembers: () => readonly PresentMember[],
): Assembled {
  const down = (kind: SelfCheckFailure['kind']): Assembled => ({ actors: outOfServiceActorFunctions({ kind }) });
  const rootKey = readRootPublicKeyFile(config.rootPublicKeyFile);
  if (rootKey === undefined) return down('package-invalid');
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
  // Without its own key the station can neither sign tokens nor the summary: not this package's station.
  const signer = loadSigner(config.keysDir, IDENTITY_ROLE);
  if (!signer.ok) return { ...down('package-invalid'), pkg };
  const definition = pkg.payload.definition;
  const store = openIdentityStore(path.join(config.dataDir, IDENTITY_STORE_FILE), definition.padron);
  if (!store.ok) return { ...down('storage-fault'), pkg };
  const { activationReader, printer, consolidation } = devices;
  if (activationReader === undefined || printer === undefined || consolidation === undefined) {
    throw new Error('bug: devices checked before assembly');
  }
  const actors = hostActorFunctions({
    pkg,
    definition,
    signer: signer.value,
    softwareCode,
    store: store.value,
    audit,
    reader: activationReader,
    printer: printer.printer,
    consolidation,
    clock,
    currentMembers,
  });
  return { actors, pkg, store: store.value, softwareCode };
}

function provided(actors: IdentityActorFunctions) {
  const wrap = <K extends IdentityActorName>(name: K) =>
    fromPromise<IdentityActorContracts[K]['output'], IdentityActorContracts[K]['input']>(({ input }) => actors[name](input));
  return {
    selfCheck: wrap('selfCheck'),
    verifyPresidentCredential: wrap('verifyPresidentCredential'),
    printActaNoInstalacion: wrap('printActaNoInstalacion'),
    runPuestaACero: wrap('runPuestaACero'),
    printActaInstalacion: wrap('printActaInstalacion'),
    checkVoter: wrap('checkVoter'),
    issueToken: wrap('issueToken'),
    readReturnedDevice: wrap('readReturnedDevice'),
    recordVoted: wrap('recordVoted'),
    recordArt23: wrap('recordArt23'),
    recordLostDevice: wrap('recordLostDevice'),
    recordImpugnado: wrap('recordImpugnado'),
    printActaSufragio: wrap('printActaSufragio'),
    recordObservation: wrap('recordObservation'),
    writeIdentitySummary: wrap('writeIdentitySummary'),
    exportNonVoters: wrap('exportNonVoters'),
  } satisfies { [K in IdentityActorName]: unknown };
}

export async function startIdentityHost(
  config: IdentityHostConfig,
  options: IdentityHostOptions = {},
): Promise<Result<IdentityHost, IdentityHostStartError>> {
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
  const auditOpened = openAuditLog(path.join(config.dataDir, IDENTITY_AUDIT_FILE), { role: IDENTITY_ROLE, clock });
  if (!auditOpened.ok) {
    await devices.close();
    return err({ kind: 'audit-log', detail: JSON.stringify(auditOpened.error) });
  }
  const audit = auditOpened.value;
  // The actors are built before the actor exists; the puesta a cero reads the members from it later.
  const running: { actor?: Actor<IdentityMachine> } = {};
  const currentMembers = () => running.actor?.getSnapshot().context.members ?? [];
  const { actors, pkg, store, softwareCode } = assemble(config, devices, audit, clock, currentMembers);
  const definition = pkg?.payload.definition;

  const ports = {
    classifyMember: (dni: Dni) => (definition === undefined ? ({ kind: 'not-a-member' } as const) : classifyMember(definition, dni)),
    isElector: (dni: Dni) => definition !== undefined && findElector(definition, dni) !== undefined,
    now: () => clock().getTime(),
  };
  const machine = createIdentityMachine(ports).provide({ actors: provided(actors) });
  let input: IdentityInput;
  if (definition === undefined || store === undefined) {
    // Out of service: the self-check fails before the schedule matters.
    input = { schedule: { votingOpenAt: 0, installDeadlineAt: 0, noInstallationDeadlineAt: 0, votingCloseAt: 0 } };
  } else {
    let recovery: IdentityRecovery | undefined;
    try {
      recovery = recoveryFromStore(store);
    } catch {
      // An unreadable store: the self-check reads it again and reports the storage fault.
      recovery = undefined;
    }
    input = { schedule: identitySchedule(definition), ...(recovery === undefined || recovery.phase === 'installing' ? {} : { recovery }) };
  }
  const timers = createHostTimerClock(() => clock().getTime(), options.clockPollMs ?? IDENTITY_HOST_CLOCK_POLL_MS);
  const actor = createActor(machine, { input, clock: timers });
  running.actor = actor;
  const append = (event: Parameters<AuditLog['append']>[0], message: string) => {
    try {
      audit.append(event, { message });
    } catch {
      // A message the log refuses (DNI-shaped) is a machine bug, a failing disk a storage fault:
      // either way the machine's run must not die inside its own event listener.
      try {
        audit.append('storage.fault', { message: 'audit entry could not be appended' });
      } catch {
        // Nothing more can be recorded; the next store write fails and the machine reports it.
      }
    }
  };
  actor.on('audit', (event) => {
    if (event.event === 'voter.assistance-authorized' && store !== undefined && !store.recordAssisted().ok) {
      append('storage.fault', 'assisted voter count not stored');
    }
    append(event.event, event.message);
  });
  actor.start();
  const send = (event: IdentityEvent) => {
    timers.check();
    actor.send(event);
  };
  const stopDniReader = devices.dniReader === undefined ? () => undefined : forwardDniReadings(devices.dniReader, send, append);

  const readPresidentCredential = async (): Promise<PresidentCredential | null> => {
    const presence = await reader.presence();
    if (!presence.ok || !presence.value.present) return null;
    const read = await reader.read({ expectDeviceId: presence.value.deviceId });
    return read.ok && isMemberCredential(read.value) ? { presented: read.value } : null;
  };

  return ok({
    actor,
    definition,
    softwareCode,
    devices,
    send,
    readPresidentCredential,
    async close() {
      stopDniReader();
      timers.stop();
      actor.stop();
      await devices.close();
      store?.disconnect();
      audit.close();
    },
  });
}
