/**
 * The real station hosts of a simulated day, started in this process on the simulated hardware
 * and driven through the same events their screens send (no browser: fast). Each helper waits
 * for the screen its step ends on; a screen that never comes is a thrown Error naming it (the
 * day then fails with that message).
 */
import path from 'node:path';
import type { Ballot } from '../../shared/ballot/ballot.ts';
import { presidentSignerRole, writeMemberCredential } from '../../shared/credentials/member-credential.ts';
import { loadSigner, memberRole, publicKeyFile } from '../../shared/crypto/keyset.ts';
import { encodeImage } from '../../shared/devices/activation/device-image.ts';
import type { ElectionDefinition } from '../../shared/election/definition.ts';
import type { VerifiedPackage } from '../../shared/election/package.ts';
import { startBoothHost, type BoothHost } from '../../booth/host.ts';
import { parseBoothHostConfig } from '../../booth/host-config.ts';
import { screenOf as boothScreenOf } from '../../booth/machine.ts';
import type { BoothScreen } from '../../booth/machine-types.ts';
import { startIdentityHost, type IdentityHost } from '../../identity-station/host.ts';
import { parseIdentityHostConfig } from '../../identity-station/host-config.ts';
import { screenOf as identityScreenOf } from '../../identity-station/machine.ts';
import type { IdentityScreen } from '../../identity-station/machine-types.ts';
import { parseResultsHostConfig } from '../../results-station/host-config.ts';
import { startResultsHost, type ResultsHost } from '../../results-station/host.ts';
import { screenOf as resultsScreenOf } from '../../results-station/machine.ts';
import type { ResultsScreen } from '../../results-station/machine-types.ts';
import type { OutboxItem } from '../../shared/transmission/queue.ts';
import { parseTransmissionHostConfig } from '../../transmission-station/host-config.ts';
import { describeTransmissionHostStartError } from '../../transmission-station/host.ts';
import type { TransmissionScreen } from '../../transmission-station/machine.ts';
import { runTransmissionStation } from '../../transmission-station/station.ts';
import type { SimulatedHardware } from '../control/simulated-hardware.ts';
import type { VirtualActivationDevice } from '../hid/virtual-activation-device.ts';

/** Generous: two busy cores, real ptys; nothing asserts on time. */
const WAIT_STEPS = 12_000;
const WAIT_STEP_MS = 10;
export const USB_NAME = 'consolidation';
export const IDENTITY_READER = 'identity';
export const RESULTS_READER = 'results';

export interface Mesa {
  readonly definition: ElectionDefinition;
  readonly pkg: VerifiedPackage;
  readonly packagePath: string;
  readonly keysDir: string;
  readonly stationsDir: string;
  readonly hardware: SimulatedHardware;
  /** pty path of each station's simulated printer (started once: it outlives a cabin crash). */
  readonly printerPaths: ReadonlyMap<string, string>;
  now: number;
}

export async function waitFor(check: () => boolean, what: string, idle: () => Promise<void> = () => Promise.resolve()): Promise<void> {
  for (let i = 0; i < WAIT_STEPS; i++) {
    await idle();
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
  }
  throw new Error(`never happened: ${what}`);
}

function printerConfig(mesa: Mesa, station: string) {
  const ptyPath = mesa.printerPaths.get(station);
  if (ptyPath === undefined) throw new Error(`bug: no printer for ${station}`);
  return { kind: 'escpos-serial' as const, path: ptyPath, statusReplyTimeoutMs: 5000 };
}

function common(mesa: Mesa, station: string) {
  return {
    packagePath: mesa.packagePath,
    rootPublicKeyFile: publicKeyFile(mesa.keysDir, 'onpe-root'),
    dataDir: path.join(mesa.stationsDir, station),
    keysDir: mesa.keysDir,
  };
}

function credentialBytes(mesa: Mesa, role: string): Uint8Array {
  const signer = loadSigner(mesa.keysDir, role);
  if (!signer.ok) throw new Error(`no key for ${role}`);
  return writeMemberCredential(signer.value.seed, role);
}

export function presidentCredential(mesa: Mesa): Uint8Array {
  const role = presidentSignerRole(mesa.pkg);
  if (role === undefined) throw new Error('the package names no president');
  return credentialBytes(mesa, role);
}

export function memberCredential(mesa: Mesa, n: number): Uint8Array {
  return credentialBytes(mesa, memberRole(n));
}

function credentialDevice(mesa: Mesa, name: string, bytes: Uint8Array): VirtualActivationDevice {
  const device = mesa.hardware.activationDevice(name);
  device.writeMemory(encodeImage(bytes));
  return device;
}

// --- identity station ---------------------------------------------------------------------------

export async function identityUntil(host: IdentityHost, wanted: IdentityScreen): Promise<void> {
  await waitFor(() => identityScreenOf(host.actor.getSnapshot()) === wanted, `identity screen ${wanted} (on ${identityScreenOf(host.actor.getSnapshot())})`);
}

export async function startIdentity(mesa: Mesa): Promise<IdentityHost> {
  const config = parseIdentityHostConfig({
    ...common(mesa, 'identity'),
    devices: {
      activationReader: { kind: 'simulated', name: IDENTITY_READER, timeoutMs: 3000 },
      consolidation: { kind: 'simulated', name: USB_NAME, writeOnce: false, inserted: true },
      printer: printerConfig(mesa, 'identity'),
    },
  });
  if (!config.ok) throw new Error(`identity config: ${config.error.join('; ')}`);
  const started = await startIdentityHost(config.value, { hardware: mesa.hardware, clock: () => new Date(mesa.now) });
  if (!started.ok) throw new Error(`identity station did not start: ${JSON.stringify(started.error)}`);
  return started.value;
}

async function withPresidentCredential(mesa: Mesa, host: IdentityHost) {
  const reader = mesa.hardware.activationReader(IDENTITY_READER);
  reader.pull();
  reader.insert(credentialDevice(mesa, 'credencial-presidente', presidentCredential(mesa)));
  const presented = await host.readPresidentCredential();
  reader.pull();
  if (presented === null) throw new Error('identity station did not read the president credential');
  return presented;
}

/** Mesa data confirmed, the titulares arrive (by DNI), installed with the president's credential. */
export async function installMesa(mesa: Mesa, host: IdentityHost, titulares: readonly string[]): Promise<void> {
  await identityUntil(host, 'confirm-mesa-data');
  host.send({ type: 'CONFIRM_MESA_DATA' });
  await identityUntil(host, 'installation');
  for (const dni of titulares) host.send({ type: 'MEMBER_ARRIVED', dni });
  host.send({ type: 'INSTALL', credential: await withPresidentCredential(mesa, host) });
  await identityUntil(host, 'awaiting-dni');
}

export async function issueDevice(mesa: Mesa, host: IdentityHost, dni: string, device: VirtualActivationDevice): Promise<void> {
  const reader = mesa.hardware.activationReader(IDENTITY_READER);
  reader.pull();
  reader.insert(device);
  host.send({ type: 'DNI_ENTERED', text: dni });
  await identityUntil(host, 'voter-may-vote');
  host.send({ type: 'ISSUE_DEVICE' });
  await identityUntil(host, 'device-out');
  host.send({ type: 'DONE' });
  await identityUntil(host, 'awaiting-dni');
  reader.pull();
}

/** The device comes back: 'voted-recorded' after a vote, 'art23-choice' when it was not used. */
export async function returnDevice(mesa: Mesa, host: IdentityHost, dni: string, device: VirtualActivationDevice, voted: boolean): Promise<void> {
  const reader = mesa.hardware.activationReader(IDENTITY_READER);
  reader.pull();
  reader.insert(device);
  host.send({ type: 'DEVICE_RETURNED', dni });
  if (voted) {
    await identityUntil(host, 'voted-recorded');
    host.send({ type: 'DONE' });
  } else {
    await identityUntil(host, 'art23-choice');
    host.send({ type: 'RECORD_NOT_VOTED' });
  }
  await identityUntil(host, 'awaiting-dni');
  reader.pull();
}

export async function impugn(host: IdentityHost, dni: string): Promise<void> {
  host.send({ type: 'IMPUGN', dni });
  await identityUntil(host, 'awaiting-dni');
}

export async function closeIdentity(mesa: Mesa, host: IdentityHost): Promise<void> {
  host.send({ type: 'CLOSE_VOTING', credential: await withPresidentCredential(mesa, host) });
  await identityUntil(host, 'closed');
}

// --- cabins -------------------------------------------------------------------------------------

export async function cabinUntil(host: BoothHost, wanted: BoothScreen, cabinId: string): Promise<void> {
  await waitFor(
    () => boothScreenOf(host.actor.getSnapshot()) === wanted,
    `${cabinId} screen ${wanted} (on ${boothScreenOf(host.actor.getSnapshot())})`,
    () => host.idle(),
  );
}

/** Starts (or restarts, on the same data dir) a cabin; returns it on the screen its state gives. */
export async function startCabin(mesa: Mesa, cabinId: string): Promise<BoothHost> {
  const config = parseBoothHostConfig({
    ...common(mesa, cabinId),
    cabinId,
    devices: {
      activationReader: { kind: 'simulated', name: cabinId, timeoutMs: 3000 },
      consolidation: { kind: 'simulated', name: USB_NAME, writeOnce: false, inserted: true },
      printer: printerConfig(mesa, cabinId),
    },
  });
  if (!config.ok) throw new Error(`${cabinId} config: ${config.error.join('; ')}`);
  const started = await startBoothHost(config.value, { hardware: mesa.hardware, clock: () => new Date(mesa.now) });
  if (!started.ok) throw new Error(`${cabinId} did not start: ${JSON.stringify(started.error)}`);
  return started.value;
}

export async function puestaACero(mesa: Mesa, host: BoothHost, cabinId: string): Promise<void> {
  await cabinUntil(host, 'awaiting-puesta-a-cero', cabinId);
  const reader = mesa.hardware.activationReader(cabinId);
  reader.insert(credentialDevice(mesa, `credencial-${cabinId}`, presidentCredential(mesa)));
  await cabinUntil(host, 'ready', cabinId);
  reader.pull();
  await host.idle();
}

/** Sends the screens' events for the first `contests` choices of `ballot` (all when undefined). */
export function chooseContests(definition: ElectionDefinition, host: BoothHost, ballot: Ballot, contests?: number): void {
  for (const contest of definition.contests.slice(0, contests)) {
    const choice = ballot.choices[contest.id];
    if (choice === undefined || choice.kind === 'blank') host.send({ type: 'CHOOSE_BLANK' });
    else if (choice.kind === 'null') host.send({ type: 'CHOOSE_NULL' });
    else {
      host.send({ type: 'CHOOSE_ORGANIZATION', organization: choice.organization });
      if (choice.preferential.length > 0) host.send({ type: 'SET_PREFERENTIAL', candidates: choice.preferential });
    }
    host.send({ type: 'NEXT' });
  }
}

export interface VoteHooks {
  /** Called after the choices, before CONFIRM (e.g. the printer runs out of paper). */
  readonly beforeConfirm?: () => void;
  /** Replaces the wait for 'remove-device' after CONFIRM (e.g. refill the paper first). */
  readonly afterConfirm?: () => Promise<void>;
}

export async function voteInCabin(mesa: Mesa, host: BoothHost, cabinId: string, device: VirtualActivationDevice, ballot: Ballot, hooks: VoteHooks = {}): Promise<void> {
  const reader = mesa.hardware.activationReader(cabinId);
  reader.insert(device);
  await cabinUntil(host, 'contest', cabinId);
  chooseContests(mesa.definition, host, ballot);
  await cabinUntil(host, 'review', cabinId);
  host.send({ type: 'NEXT' });
  await cabinUntil(host, 'confirm', cabinId);
  hooks.beforeConfirm?.();
  host.send({ type: 'CONFIRM' });
  if (hooks.afterConfirm !== undefined) await hooks.afterConfirm();
  await cabinUntil(host, 'remove-device', cabinId);
  reader.pull();
  await cabinUntil(host, 'ready', cabinId);
}

export async function closeCabin(mesa: Mesa, host: BoothHost, cabinId: string): Promise<void> {
  const reader = mesa.hardware.activationReader(cabinId);
  reader.insert(credentialDevice(mesa, `cierre-${cabinId}`, presidentCredential(mesa)));
  await waitFor(() => host.credentialPresent(), `${cabinId} reads the closing credential`, () => host.idle());
  host.requestClose(true);
  await cabinUntil(host, 'closed', cabinId);
  reader.pull();
  await host.idle();
}

// --- results station ----------------------------------------------------------------------------

export async function resultsUntil(host: ResultsHost, wanted: ResultsScreen, changedFrom?: unknown): Promise<void> {
  await waitFor(
    () => resultsScreenOf(host.actor.getSnapshot()) === wanted && host.actor.getSnapshot() !== changedFrom,
    `results screen ${wanted} (on ${resultsScreenOf(host.actor.getSnapshot())})`,
    () => host.idle(),
  );
}

export async function startResults(mesa: Mesa): Promise<ResultsHost> {
  const config = parseResultsHostConfig({
    ...common(mesa, 'results'),
    devices: {
      activationReader: { kind: 'simulated', name: RESULTS_READER, timeoutMs: 3000 },
      consolidation: { kind: 'simulated', name: USB_NAME, inserted: true },
      printer: printerConfig(mesa, 'results'),
    },
  });
  if (!config.ok) throw new Error(`results config: ${config.error.join('; ')}`);
  const started = await startResultsHost(config.value, { hardware: mesa.hardware, clock: () => new Date(mesa.now), devicePollMs: 50 });
  if (!started.ok) throw new Error(`results station did not start: ${JSON.stringify(started.error)}`);
  return started.value;
}

export async function presentToResults(mesa: Mesa, host: ResultsHost, name: string, bytes: Uint8Array, after: ResultsScreen): Promise<void> {
  const reader = mesa.hardware.activationReader(RESULTS_READER);
  const before = host.actor.getSnapshot();
  reader.insert(credentialDevice(mesa, name, bytes));
  await resultsUntil(host, after, before);
  reader.pull();
  await host.idle();
}

// --- transmission station -----------------------------------------------------------------------

/** The transmission station's printer and scanner. */
export const TRANSMISSION_DEVICE = 'transmission';
/** One port per write-once backup medium, each holding a blank medium. */
export const BACKUP_PORTS = ['respaldo-1', 'respaldo-2', 'respaldo-3'] as const;
/** Screens where the console coordinator would wait for a person: the day stops there. */
const TRANSMISSION_FAULTS: readonly TransmissionScreen[] = ['device-refused', 'link-down', 'zero-failed', 'pending', 'print-fault', 'scan-failed', 'backup-failed', 'out-of-service'];

/**
 * The transmission station (Art. 30) on the stick the results station wrote (the same port: the
 * results station's hardware), with the console coordinator's choices (station.ts): the ODPE copy
 * of the acta, as the results printer cut it, is on the scanner; three blank write-once media.
 * Resolves when the station is closed or rests on a fault screen, with that screen.
 */
export async function runTransmission(mesa: Mesa, centre: { readonly url: string; readonly certFile: string | undefined }): Promise<{ screen: TransmissionScreen; problem: string | null; items: OutboxItem[] }> {
  const tickets = mesa.hardware.printers.tickets('results');
  if (!tickets.ok) throw new Error(`results printer: ${tickets.error}`);
  const acta = tickets.value.find((t) => t.complete && /ACTA DE ESCRUTINIO/.test(t.text) && /DESTINO: ODPE/.test(t.text));
  if (acta === undefined) throw new Error('the results station printed no ODPE copy of the acta');
  const png = mesa.hardware.printers.ticketPng('results', acta.index);
  if (!png.ok) throw new Error(`ODPE acta image: ${png.error}`);
  const placed = mesa.hardware.scanner(TRANSMISSION_DEVICE).placePng(new Uint8Array(png.value));
  if (!placed.ok) throw new Error(`scanner: ${placed.error}`);
  for (const port of BACKUP_PORTS) mesa.hardware.usbStick(port, { writeOnce: true, inserted: true });

  const config = parseTransmissionHostConfig({
    ...common(mesa, 'transmission'),
    centre: { url: centre.url, ...(centre.certFile === undefined ? {} : { certFile: centre.certFile }), real: false },
    devices: {
      printer: printerConfig(mesa, TRANSMISSION_DEVICE),
      scanner: { kind: 'simulated', name: TRANSMISSION_DEVICE },
      consolidation: { kind: 'simulated', name: USB_NAME, inserted: true },
    },
    backupMedia: BACKUP_PORTS.map((name) => ({ kind: 'simulated' as const, name, writeOnce: true })),
  });
  if (!config.ok) throw new Error(`transmission config: ${config.error.join('; ')}`);
  const station = await runTransmissionStation(config.value, { hardware: mesa.hardware, clock: () => new Date(mesa.now), console: true });
  if (!station.ok) throw new Error(`transmission station did not start: ${describeTransmissionHostStartError(station.error)}`);
  try {
    const { host } = station.value;
    await waitFor(() => host.screen() === 'closed' || TRANSMISSION_FAULTS.includes(host.screen()), `transmission screen closed (on ${host.screen()})`);
    return { screen: host.screen(), problem: host.actor.getSnapshot().context.problem, items: host.outboxItems() };
  } finally {
    await station.value.close();
  }
}
