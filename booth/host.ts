/**
 * The cabin host: runs the pure cabin machine (machine.ts) against the real parts. It verifies the
 * election package against the trusted ONPE root, checks the software version code, opens the
 * vote store and audit log under the data dir, creates the devices, computes the voting close
 * time, rebuilds the recovery state from the store, provides the actors (host-actors.ts), appends
 * the machine's audit events to the audit log, and forwards activation reader changes.
 *
 * DECISIONS
 * - A bad package, unauthorized software, a missing cabin key or an unreadable store do not throw:
 *   the machine starts and its self-check fails, so the cabin shows out-of-service with the reason.
 * - A member credential inserted in the activation reader is never forwarded as DEVICE_INSERTED
 *   (it is not a voter's device). While the cabin awaits the puesta a cero it is presented as
 *   CREDENTIAL_PRESENTED; otherwise it is held until removal for `requestClose`/`releaseCabin`.
 * - The store knows 'closed' but not whether the results reached the USB stick: a marker file in
 *   the data dir, written after the read-back check, tells 'closing' (reprint + rewrite) from 'closed'.
 * - Accessibility (issue 8): with a verified package the host runs the audio/keypad session
 *   (accessibility/controller.ts) and forwards every key of the configured keypad or two-switch
 *   device to it. A keypad that fails or is unplugged never stops the cabin (touch still works);
 *   the host reconnects it every few seconds. Clips are read from `audioCacheDir` when it holds
 *   a pre-rendered cache for this package, otherwise rendered in memory (speech.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createActor, fromPromise, type SimulatedClock } from 'xstate';
import type { Actor } from 'xstate';
import { openAuditLog, type AuditLog } from '../shared/audit/log.ts';
import type { ContestChoice } from '../shared/ballot/ballot.ts';
import { validateContestChoice, type DraftProblem } from '../shared/ballot/rules.ts';
import { loadSigner } from '../shared/crypto/keyset.ts';
import { createDevices, type DeviceSetupError, type Devices } from '../shared/devices/factory.ts';
import type { ActivationEvent } from '../shared/devices/activation/activation-reader.ts';
import { findContest, localDateTimeToEpoch, type ElectionDefinition } from '../shared/election/definition.ts';
import { checkSoftwareAuthorized, loadVerifiedPackage, type VerifiedPackage } from '../shared/election/package.ts';
import { readRootPublicKeyFile } from '../shared/election/root-key.ts';
import { err, ok, type Result } from '../shared/result.ts';
import { currentSoftwareVersionCode } from '../shared/software/version-code.ts';
import type { SimulatedHardware } from '../hardware-sim/control/simulated-hardware.ts';
import { isMemberCredential } from '../shared/credentials/member-credential.ts';
import { inactivityTimeouts, type BoothHostConfig } from './host-config.ts';
import { hostActorFunctions, outOfServiceActorFunctions, resultsWrittenMarkerPath, type HostActorFunctions } from './host-actors.ts';
import { createBoothMachine, screenOf, type BoothMachine } from './machine.ts';
import type { BoothActorContracts, BoothActorName, BoothEvent, BoothInput, BoothPhase, BoothRecovery, PresidentCredential, SelfCheckFailure } from './machine-types.ts';
import { openVoteStore, type VoteStore } from './vote-store.ts';
import { createAccessibilityController, type AccessibilityController } from './accessibility/controller.ts';
import { createClipStore, type ClipStore } from './accessibility/speech.ts';

const KEYPAD_RECONNECT_MS = 3_000;

export interface BoothHost {
  readonly actor: Actor<BoothMachine>;
  /** Undefined when the package did not verify (the cabin is out of service). */
  readonly definition: ElectionDefinition | undefined;
  readonly devices: Devices;
  send(event: BoothEvent): void;
  /** CLOSE_REQUESTED with the member credential now in the reader (null if none). */
  requestClose(presidentOrder: boolean): void;
  /** PRESIDENT_RELEASE with the credential in the reader; false if no credential is present. */
  releaseCabin(): boolean;
  /** A member credential is in the reader (for the UI: enable the president's actions). */
  credentialPresent(): boolean;
  /** The audio/keypad session and its clips; undefined when the package did not verify. */
  readonly accessibility: { readonly controller: AccessibilityController; readonly clips: ClipStore } | undefined;
  /** Resolves once every reader event received so far was forwarded to the machine. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export type HostStartError =
  | { readonly kind: 'data-dir'; readonly detail: string }
  | { readonly kind: 'audit-log'; readonly detail: string }
  | { readonly kind: 'devices'; readonly error: DeviceSetupError }
  | { readonly kind: 'devices-missing'; readonly missing: string };

export interface BoothHostOptions {
  readonly hardware?: SimulatedHardware;
  readonly clock?: () => Date;
  /**
   * The clock the machine's named delays run on (tests: an xstate SimulatedClock to reach the
   * inactivity end without waiting minutes); absent: real time.
   */
  readonly timerClock?: SimulatedClock;
  /** Directory of pre-rendered prompt clips (speech.ts prerenderClips); absent: render in memory. */
  readonly audioCacheDir?: string;
}

// --- pure helpers ---------------------------------------------------------------------------------

export function votingCloseAt(definition: ElectionDefinition): number {
  const { election } = definition;
  return localDateTimeToEpoch(election.date, election.schedule.votingClose, election.timezone);
}

/** What the machine must know at start, from the durable store (and the results marker). */
export function recoveryFromStore(store: VoteStore, resultsWritten: boolean): BoothRecovery {
  const stored = store.phase();
  const phase: BoothPhase = stored === 'closed' ? (resultsWritten ? 'closed' : 'closing') : stored;
  const pending = store.pendingConstancia();
  return {
    phase,
    // An unreadable pending record counts as pending: the printing actor then reports the fault.
    pendingConstancia: !pending.ok || pending.value !== undefined,
    pendingConsumptionMark: store.pendingConsumption() !== undefined,
  };
}

// --- start ----------------------------------------------------------------------------------------

interface Assembled {
  readonly actors: HostActorFunctions;
  readonly pkg?: VerifiedPackage;
  readonly store?: VoteStore;
}

function assemble(config: BoothHostConfig, devices: Devices, audit: AuditLog, clock: () => Date): Assembled {
  const down = (kind: SelfCheckFailure['kind']): Assembled => ({ actors: outOfServiceActorFunctions({ kind }) });
  const rootKey = readRootPublicKeyFile(config.rootPublicKeyFile);
  if (rootKey === undefined) return down('keys-invalid');
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
  const signer = loadSigner(config.keysDir, config.cabinId);
  if (!signer.ok || !(config.cabinId in pkg.payload.keys.stations.cabins)) return { ...down('keys-invalid'), pkg };
  const store = openVoteStore(path.join(config.dataDir, 'votes.db'));
  if (!store.ok) return { ...down('storage-fault'), pkg };
  const { activationReader, printer, consolidation } = devices;
  if (activationReader === undefined || printer === undefined || consolidation === undefined) {
    throw new Error('bug: devices checked before assembly');
  }
  const actors = hostActorFunctions({
    pkg,
    definition: pkg.payload.definition,
    cabinId: config.cabinId,
    signer: signer.value,
    softwareCode,
    store: store.value,
    audit,
    reader: activationReader,
    printer: printer.printer,
    consolidation,
    clock,
    resultsWrittenMarker: resultsWrittenMarkerPath(config.dataDir),
  });
  return { actors, pkg, store: store.value };
}

function provided(actors: HostActorFunctions) {
  const wrap = <K extends BoothActorName>(name: K) =>
    fromPromise<BoothActorContracts[K]['output'], BoothActorContracts[K]['input']>(({ input }) => actors[name](input));
  return {
    selfCheck: wrap('selfCheck'),
    verifyPresidentCredential: wrap('verifyPresidentCredential'),
    runPuestaACero: wrap('runPuestaACero'),
    verifyToken: wrap('verifyToken'),
    commitVote: wrap('commitVote'),
    printConstancia: wrap('printConstancia'),
    markDeviceConsumed: wrap('markDeviceConsumed'),
    abandonConsumptionMark: wrap('abandonConsumptionMark'),
    releaseClaim: wrap('releaseClaim'),
    printResultsReport: wrap('printResultsReport'),
    writeResultsToConsolidation: wrap('writeResultsToConsolidation'),
  };
}

export async function startBoothHost(config: BoothHostConfig, options: BoothHostOptions = {}): Promise<Result<BoothHost, HostStartError>> {
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
  const auditOpened = openAuditLog(path.join(config.dataDir, 'audit.db'), { role: config.cabinId, clock });
  if (!auditOpened.ok) {
    await devices.close();
    return err({ kind: 'audit-log', detail: JSON.stringify(auditOpened.error) });
  }
  const audit = auditOpened.value;
  const { actors, pkg, store } = assemble(config, devices, audit, clock);
  const definition = pkg?.payload.definition;

  const validateChoice = (contestId: string, choice: ContestChoice): Result<ContestChoice, DraftProblem> => {
    const contest = definition === undefined ? undefined : findContest(definition, contestId);
    if (contest === undefined) return err({ kind: 'unknown-contest', contestId });
    return validateContestChoice(contest, choice);
  };
  const machine = createBoothMachine({ validateChoice, now: () => clock().getTime() }).provide({ actors: provided(actors) });
  let input: BoothInput;
  if (definition === undefined || store === undefined) {
    // Out of service: self-check fails before any of this is read.
    input = { contests: [{ id: 'unavailable' }], votingCloseAt: 0 };
  } else {
    const recovery = recoveryFromStore(store, fs.existsSync(resultsWrittenMarkerPath(config.dataDir)));
    input = {
      contests: definition.contests.map((c) => ({ id: c.id })),
      votingCloseAt: votingCloseAt(definition),
      recovery,
      initialPhase: recovery.phase === 'closed' ? 'closed' : 'boot',
      timeouts: inactivityTimeouts(config.inactivity),
    };
  }
  const actor = createActor(machine, options.timerClock === undefined ? { input } : { input, clock: options.timerClock });
  actor.on('audit', (event) => {
    try {
      audit.append(event.event, { message: event.message });
    } catch {
      // A message the log refuses (DNI-shaped) is a machine bug, a failing disk a storage fault:
      // either way the machine's run must not die inside its own event listener.
      try {
        audit.append('storage.fault', { message: 'audit entry could not be appended' });
      } catch {
        // Nothing more can be recorded; the next store write fails and the machine reports it.
      }
    }
  });

  let credential: Uint8Array | null = null;
  // Each insertion of a credential is presented for the puesta a cero at most once: after a
  // refusal the machine is back on awaiting-puesta-a-cero and must not loop on the same card.
  let presented = false;
  const presentForZero = () => {
    if (credential === null || presented || screenOf(actor.getSnapshot()) !== 'awaiting-puesta-a-cero') return;
    presented = true;
    actor.send({ type: 'CREDENTIAL_PRESENTED', credential: { presented: credential } });
  };
  let queue: Promise<void> = Promise.resolve();
  const onReaderEvent = async (event: ActivationEvent): Promise<void> => {
    if (event.type === 'inserted') {
      const read = await reader.read({ expectDeviceId: event.deviceId });
      if (read.ok && isMemberCredential(read.value)) {
        credential = read.value;
        presented = false;
        // Inserted during the self-check: presented when the machine reaches awaiting-puesta-a-cero.
        presentForZero();
        return;
      }
      actor.send({ type: 'DEVICE_INSERTED' });
    } else if (credential !== null) {
      credential = null;
    } else {
      // Removal, or the reader itself disconnected: either way no voter device is readable.
      actor.send({ type: 'DEVICE_REMOVED' });
    }
  };
  const enqueue = (event: ActivationEvent) => {
    queue = queue.then(() => onReaderEvent(event));
  };
  const unsubscribe = reader.onChange(enqueue);
  const snapshots = actor.subscribe(() => presentForZero());
  actor.start();
  const presence = await reader.presence();
  if (presence.ok && presence.value.present) enqueue({ type: 'inserted', deviceId: presence.value.deviceId });

  const accessibility = startAccessibility(actor, definition, pkg?.packageHash, devices, options.audioCacheDir ?? config.audioCacheDir);

  const held = (): PresidentCredential | null => (credential === null ? null : { presented: credential });
  return ok({
    actor,
    definition,
    devices,
    send: (event) => actor.send(event),
    requestClose: (presidentOrder) => actor.send({ type: 'CLOSE_REQUESTED', credential: held(), presidentOrder }),
    releaseCabin: () => {
      const presented = held();
      if (presented === null) return false;
      actor.send({ type: 'PRESIDENT_RELEASE', credential: presented });
      return true;
    },
    credentialPresent: () => credential !== null,
    accessibility: accessibility?.session,
    idle: () => queue,
    async close() {
      accessibility?.stop();
      unsubscribe();
      snapshots.unsubscribe();
      actor.stop();
      await queue;
      await devices.close();
      store?.disconnect();
      audit.close();
    },
  });
}

/** The audio ballot and keypad session, with the keypad's keys forwarded and reconnection. */
function startAccessibility(
  actor: Actor<BoothMachine>,
  definition: ElectionDefinition | undefined,
  packageHash: string | undefined,
  devices: Devices,
  audioCacheDir: string | undefined,
): { readonly session: { readonly controller: AccessibilityController; readonly clips: ClipStore }; stop(): void } | undefined {
  if (definition === undefined || packageHash === undefined) return undefined;
  const clips = createClipStore({ packageHash, cacheDir: audioCacheDir });
  const keypad = devices.keypad;
  const controller = createAccessibilityController({ actor, definition, clips, ...(keypad === undefined ? {} : { input: keypad.profile }) });
  if (keypad === undefined) return { session: { controller, clips }, stop: () => controller.stop() };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const reconnect = () => {
    if (stopped || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, KEYPAD_RECONNECT_MS);
    timer.unref();
  };
  const connect = async () => {
    if (stopped) return;
    const connected = await keypad.connect();
    if (!connected.ok) reconnect();
  };
  const offKey = keypad.onKey((event) => controller.handleKey(event));
  const offStatus = keypad.onStatus((status) => {
    if (status.type === 'disconnected') reconnect();
  });
  void connect();
  return {
    session: { controller, clips },
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      offKey();
      offStatus();
      controller.stop();
    },
  };
}
