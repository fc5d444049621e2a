/**
 * The transmission station host (Art. 30): runs the pure machine (machine.ts) against the real
 * parts. At start it verifies the package against the trusted ONPE root, loads the
 * `transmission` key (it must be the package's), opens the outbox and audit log in the data dir,
 * reads the pinned centre certificate and creates the devices; the actors are in host-actors.ts.
 *
 * DECISIONS
 * - Broken configuration (bad package, wrong key, missing device) is a start error, not a
 *   machine state: there is nothing a coordinator can fix from the screen.
 * - A pending transmission is retried by the outbox's own backoff: with `autoRetry` the host
 *   sends RETRY when the outbox's next attempt is due; tests turn it off and drive the clock.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createActor, fromPromise, type Actor } from 'xstate';
import { openAuditLog, type AuditLog } from '../shared/audit/log.ts';
import { z } from 'zod';
import { describeKeySetError, loadSigner, TRANSMISSION_ROLE } from '../shared/crypto/keyset.ts';
import { fromBase64Strict, toBase64 } from '../shared/crypto/base64.ts';
import { createDevices, type Devices } from '../shared/devices/factory.ts';
import type { ElectionDefinition } from '../shared/election/definition.ts';
import { describePackageError, loadVerifiedPackage } from '../shared/election/package.ts';
import { err, ok, type Result } from '../shared/result.ts';
import { currentSoftwareVersionCode } from '../shared/software/version-code.ts';
import { describeDatabaseOpenError } from '../shared/storage/database.ts';
import { probeCentre, sendUnit } from '../shared/transmission/client.ts';
import { openOutbox, type OutboxItem } from '../shared/transmission/queue.ts';
import type { SimulatedHardware } from '../hardware-sim/control/simulated-hardware.ts';
import type { TransmissionHostConfig } from './host-config.ts';
import { openBackupMedia, progressReports, hostRuntime } from './host-runtime.ts';
import { hostActorFunctions, openProgress, type TransmissionActorFunctions, type TransmissionParts, type WorkProgress } from './host-actors.ts';
import { createTransmissionMachine, transmissionScreenOf, type BackupInput, type PrintInput, type TransmissionActors, type TransmissionEvent, type TransmissionMachine, type TransmissionScreen } from './machine.ts';

export const TRANSMISSION_OUTBOX_FILE = 'outbox.db';
export const TRANSMISSION_AUDIT_FILE = 'audit.db';

export interface TransmissionHost {
  readonly actor: Actor<TransmissionMachine>;
  readonly definition: ElectionDefinition;
  readonly devices: Devices;
  readonly audit: AuditLog;
  send(event: TransmissionEvent): void;
  screen(): TransmissionScreen;
  /** The per-unit status board (pending, sent, acknowledged, refused with reason). */
  outboxItems(): OutboxItem[];
  /** The long work under way (an upload, a backup being written), for the progress bar. */
  work(): WorkProgress | null;
  /** Calls `changed` on every machine snapshot and every progress report; returns unsubscribe. */
  onChange(changed: () => void): () => void;
  /** Resolves when the machine rests in a state waiting for the coordinator (or a final state). */
  settled(): Promise<TransmissionScreen>;
  close(): Promise<void>;
}

export type TransmissionHostStartError =
  | { readonly kind: 'data-dir' | 'package' | 'keys' | 'outbox' | 'audit-log' | 'certificate' | 'screen'; readonly detail: string }
  | { readonly kind: 'devices'; readonly detail: string }
  | { readonly kind: 'devices-missing'; readonly missing: string };

export function describeTransmissionHostStartError(e: TransmissionHostStartError): string {
  if (e.kind === 'devices-missing') return `the configuration has no ${e.missing} device`;
  return `${e.kind}: ${e.detail}`;
}

export interface TransmissionHostOptions {
  readonly hardware?: SimulatedHardware;
  readonly clock?: () => Date;
  /** Default true: RETRY a pending transmission when the outbox says it is due. */
  readonly autoRetry?: boolean;
  /** Replaces the HTTPS client (tests that cut the link). */
  readonly sendUnit?: TransmissionParts['send'];
  /** Replaces the link check (default: GET the centre's health path over the pinned TLS). */
  readonly probeLink?: TransmissionParts['probe'];
  readonly softwareCode?: string;
}

const BUSY_SCREENS: readonly TransmissionScreen[] = ['validating', 'connecting', 'zeroing', 'transmitting', 'printing', 'scanning', 'burning'];

function provided(actors: TransmissionActorFunctions) {
  type Out<K extends keyof TransmissionActors> = TransmissionActors[K];
  return {
    validateDevice: fromPromise<Out<'validateDevice'>, void>(() => actors.validateDevice()),
    connectLink: fromPromise<Out<'connectLink'>, void>(() => actors.connectLink()),
    puestaACero: fromPromise<Out<'puestaACero'>, void>(() => actors.puestaACero()),
    transmitResult: fromPromise<Out<'transmitResult'>, void>(() => actors.transmitResult()),
    scanActa: fromPromise<Out<'scanActa'>, void>(() => actors.scanActa()),
    transmitImage: fromPromise<Out<'transmitImage'>, void>(() => actors.transmitImage()),
    printConstancia: fromPromise<Out<'printConstancia'>, PrintInput>(({ input }) => actors.printConstancia(input)),
    burnBackup: fromPromise<Out<'burnBackup'>, BackupInput>(({ input }) => actors.burnBackup(input)),
  };
}

const publicKeyFileSchema = z.object({ publicKey: z.string() });

/** The trusted root key file, read as results-station/host.ts reads it. */
export function loadRootKey(file: string): Uint8Array | undefined {
  try {
    const parsed = publicKeyFileSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    if (!parsed.success) return undefined;
    const key = fromBase64Strict(parsed.data.publicKey, 32);
    return key.ok ? key.value : undefined;
  } catch {
    return undefined;
  }
}

export async function startTransmissionHost(
  config: TransmissionHostConfig,
  options: TransmissionHostOptions = {},
): Promise<Result<TransmissionHost, TransmissionHostStartError>> {
  const clock = options.clock ?? (() => new Date());
  try {
    fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  } catch (e) {
    return err({ kind: 'data-dir', detail: e instanceof Error ? e.message : String(e) });
  }
  const rootKey = loadRootKey(config.rootPublicKeyFile);
  if (rootKey === undefined) return err({ kind: 'keys', detail: `ONPE root public key file ${config.rootPublicKeyFile} unreadable` });
  const loaded = loadVerifiedPackage(config.packagePath, rootKey);
  if (!loaded.ok) return err({ kind: 'package', detail: describePackageError(loaded.error) });
  const pkg = loaded.value;
  const signer = loadSigner(config.keysDir, TRANSMISSION_ROLE);
  if (!signer.ok) return err({ kind: 'keys', detail: describeKeySetError(signer.error) });
  if (toBase64(signer.value.publicKey) !== pkg.payload.keys.stations.transmission) {
    return err({ kind: 'keys', detail: 'the transmission key is not the package transmission key' });
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
  const missing = printer === undefined ? 'printer' : scanner === undefined ? 'scanner' : consolidation === undefined ? 'consolidation' : undefined;
  if (missing !== undefined || printer === undefined || scanner === undefined || consolidation === undefined) {
    await devices.close();
    outbox.value.close();
    return err({ kind: 'devices-missing', missing: missing ?? 'printer' });
  }
  const backupMedium = await openBackupMedia(config.backupMedia, devices);
  const softwareCode = options.softwareCode ?? currentSoftwareVersionCode();
  audit.value.append('station.boot', { message: `transmission station for mesa ${pkg.payload.definition.mesa.number}, package sha256 ${pkg.packageHash}` });

  const progress = progressReports();
  const centreOptions = { url: config.centre.url, ...(pinnedCert === undefined ? {} : { pinnedCert }) };
  const actors = hostActorFunctions({
    pkg,
    signer: signer.value,
    softwareCode,
    dataDir: config.dataDir,
    centreIsReal: config.centre.real,
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
    progress: openProgress(config.dataDir, pkg.packageHash),
    clock,
  });
  const actor = createActor(createTransmissionMachine().provide({ actors: provided(actors) }));
  const screen = () => transmissionScreenOf(actor.getSnapshot());
  const runtime = hostRuntime({
    actor,
    progress,
    screen,
    busy: BUSY_SCREENS,
    waitingScreen: 'pending',
    retry: () => actor.send({ type: 'RETRY' }),
    autoRetry: options.autoRetry ?? true,
    outbox: outbox.value,
    clock,
    audit: audit.value,
    devices,
    stopMessage: 'transmission station stopped',
  });
  actor.start();

  return ok({
    actor,
    definition: pkg.payload.definition,
    devices,
    audit: audit.value,
    send: (event) => actor.send(event),
    screen,
    outboxItems: () => outbox.value.list(),
    work: progress.work,
    onChange: runtime.onChange,
    settled: runtime.settled,
    close: runtime.close,
  });
}
