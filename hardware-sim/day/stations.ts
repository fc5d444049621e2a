/**
 * The real stations of a simulated day, each in a process of its own as `vep start` runs them
 * (`vep identity run`, `vep booth run`, `vep results run`, `vep transmission run`, `vep center
 * serve`; bin/start-processes.ts, configuration by bin/start-stations.ts) on the simulator's
 * devices and clock through its device bridge, and driven through each station's screen server
 * exactly as the browser page does: POST /input with JSON (Content-Type application/json, a
 * same-origin Origin) and GET /view for the screen. The devices move in the simulator of this
 * process (readers, activation devices, the stick, the scanner, the printers' paper). Each
 * helper waits for the screen its step ends on; a screen that never comes is a thrown Error
 * naming it (the day then fails with that message).
 */
import http from 'node:http';
import path from 'node:path';
import type { Ballot } from '../../shared/ballot/ballot.ts';
import { presidentSignerRole, writeMemberCredential } from '../../shared/credentials/member-credential.ts';
import { loadSigner, memberRole } from '../../shared/crypto/keyset.ts';
import { encodeImage } from '../../shared/devices/activation/device-image.ts';
import type { ElectionDefinition } from '../../shared/election/definition.ts';
import type { VerifiedPackage } from '../../shared/election/package.ts';
import { openOutbox, type OutboxItem } from '../../shared/transmission/queue.ts';
import { parseTransmissionHostConfig } from '../../transmission-station/host-config.ts';
import { TRANSMISSION_OUTBOX_FILE } from '../../transmission-station/host.ts';
import type { TransmissionScreen } from '../../transmission-station/machine.ts';
import { spawnStationProcess, type StationProcess } from '../../bin/start-processes.ts';
import {
  cabinConfigInput,
  centreCommand,
  clockBridgeArgs,
  identityConfigInput,
  resultsConfigInput,
  STATION_COMMANDS,
  writeConfig,
  type MesaStationsRun,
} from '../../bin/start-stations.ts';
import { BACKUP_PORTS, insertBackupMedia, TRANSMISSION_DEVICE, transmissionConfig } from '../../bin/start-transmission.ts';
import type { SimulatedHardware } from '../control/simulated-hardware.ts';
import type { VirtualActivationDevice } from '../hid/virtual-activation-device.ts';

export { TRANSMISSION_DEVICE };

/** Generous: two busy cores, several processes, real ptys; nothing asserts on time. */
const WAIT_MS = 120_000;
const POLL_MS = 15;
export const USB_NAME = 'consolidation';
export const IDENTITY_READER = 'identity';
export const RESULTS_READER = 'results';

export interface Mesa {
  readonly definition: ElectionDefinition;
  readonly pkg: VerifiedPackage;
  readonly packagePath: string;
  readonly keysDir: string;
  readonly stationsDir: string;
  /** Where the stations' configuration files are written. */
  readonly configDir: string;
  readonly hardware: SimulatedHardware;
  /** The simulator's device bridge socket. */
  readonly bridge: string;
  /** pty path of each station's simulated printer (started once: it outlives a cabin crash). */
  readonly printerPaths: ReadonlyMap<string, string>;
}

// --- a station's screen, as the page sees it ------------------------------------------------------

/** The part of every station's view the day reads (each view names its screen; the rest is per station). */
export interface ScreenView {
  readonly screen: string;
  readonly revision: number;
  readonly [key: string]: unknown;
}

function request(url: URL, method: 'GET' | 'POST', body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(body));
      // The page's own origin, as the browser sends it on its POST.
      headers.Origin = url.origin;
    }
    const req = http.request(url, { method, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A station's screen server, driven over HTTP as its page does. */
export class Screen {
  readonly label: string;
  readonly url: URL;

  constructor(label: string, url: string) {
    this.label = label;
    this.url = new URL(url);
  }

  private parse(what: string, answer: { status: number; text: string }): ScreenView {
    if (answer.status !== 200) throw new Error(`${this.label} screen: ${what} answered ${answer.status} ${answer.text}`);
    return JSON.parse(answer.text) as ScreenView;
  }

  async view(): Promise<ScreenView> {
    return this.parse('GET /view', await request(new URL('/view', this.url), 'GET'));
  }

  /** POST /input: one tap or typed entry; answers the view after the machine took it. */
  async input(event: Record<string, unknown>): Promise<ScreenView> {
    return this.parse(`POST /input ${String(event.type)}`, await request(new URL('/input', this.url), 'POST', JSON.stringify(event)));
  }

  /** Polls the view until `done` holds; throws naming `what` and the screen it rested on. */
  async until(done: (view: ScreenView) => boolean, what: string): Promise<ScreenView> {
    const deadline = Date.now() + WAIT_MS;
    let last: ScreenView | undefined;
    while (Date.now() < deadline) {
      last = await this.view();
      if (done(last)) return last;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    throw new Error(`never happened: ${this.label} ${what} (on ${last?.screen ?? 'no view'})`);
  }

  onScreen(wanted: string): Promise<ScreenView> {
    return this.until((view) => view.screen === wanted, `screen ${wanted}`);
  }
}

/** A station process and its screen. */
export interface RunningStation {
  readonly process: StationProcess;
  readonly screen: Screen;
}

// --- the processes -------------------------------------------------------------------------------

function run(mesa: Mesa): MesaStationsRun {
  return { packagePath: mesa.packagePath, keysDir: mesa.keysDir, bridge: mesa.bridge };
}

function printer(mesa: Mesa, station: string) {
  const ptyPath = mesa.printerPaths.get(station);
  if (ptyPath === undefined) throw new Error(`bug: no printer for ${station}`);
  return { kind: 'escpos-serial' as const, path: ptyPath, statusReplyTimeoutMs: 5000 };
}

async function spawnScreen(mesa: Mesa, label: string, args: string[], ready: RegExp): Promise<RunningStation> {
  const started = await spawnStationProcess({ label, args: [...args, ...clockBridgeArgs(mesa.bridge)], ready: [ready] });
  if (!started.ok) throw new Error(started.error);
  const url = started.value.matches[0]?.[1];
  if (url === undefined) throw new Error(`bug: ${label} named no screen`);
  return { process: started.value, screen: new Screen(label, url) };
}

const dataDir = (mesa: Mesa, station: string) => path.join(mesa.stationsDir, station);

export function startIdentity(mesa: Mesa): Promise<RunningStation> {
  const config = identityConfigInput(run(mesa), { dataDir: dataDir(mesa, 'identity'), reader: IDENTITY_READER, printer: printer(mesa, 'identity'), consolidationPort: USB_NAME });
  return spawnScreen(mesa, 'identity station', STATION_COMMANDS.identity.args(writeConfig(mesa.configDir, 'identity', config)), STATION_COMMANDS.identity.ready);
}

/** Starts (or restarts, on the same data dir and printer) a cabin's process. */
export function startCabin(mesa: Mesa, cabinId: string): Promise<RunningStation> {
  const config = cabinConfigInput(run(mesa), { cabinId, dataDir: dataDir(mesa, cabinId), printer: printer(mesa, cabinId), consolidationPort: USB_NAME });
  return spawnScreen(mesa, cabinId, STATION_COMMANDS.cabin.args(writeConfig(mesa.configDir, cabinId, config)), STATION_COMMANDS.cabin.ready);
}

export function startResults(mesa: Mesa): Promise<RunningStation> {
  const config = resultsConfigInput(run(mesa), { dataDir: dataDir(mesa, 'results'), reader: RESULTS_READER, printer: printer(mesa, 'results'), consolidationPort: USB_NAME });
  return spawnScreen(mesa, 'results station', STATION_COMMANDS.results.args(writeConfig(mesa.configDir, 'results', config)), STATION_COMMANDS.results.ready);
}

export interface RunningCentre {
  readonly process: StationProcess;
  readonly url: string;
  readonly certFile: string;
}

export async function startCentre(mesa: Mesa, dbFile: string): Promise<RunningCentre> {
  const started = await spawnStationProcess({ label: 'computing centre', ...centreCommand({ packagePath: mesa.packagePath, keysDir: mesa.keysDir, dbFile, bridge: mesa.bridge }) });
  if (!started.ok) throw new Error(started.error);
  const url = started.value.matches[0]?.[1];
  const certFile = started.value.matches[1]?.[1];
  if (url === undefined || certFile === undefined) throw new Error('bug: the centre named no URL or certificate');
  return { process: started.value, url, certFile };
}

// --- credentials and devices ----------------------------------------------------------------------

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

/** The president taps INSTALL or CLOSE_VOTING with the credential in the station's reader (the host reads it). */
async function withPresidentCredential(mesa: Mesa, identity: Screen, event: 'INSTALL' | 'CLOSE_VOTING', after: string): Promise<void> {
  const reader = mesa.hardware.activationReader(IDENTITY_READER);
  reader.pull();
  reader.insert(credentialDevice(mesa, 'credencial-presidente', presidentCredential(mesa)));
  await identity.input({ type: event });
  await identity.onScreen(after);
  reader.pull();
}

/** Mesa data confirmed, the titulares arrive (by DNI), installed with the president's credential. */
export async function installMesa(mesa: Mesa, identity: Screen, titulares: readonly string[]): Promise<void> {
  await identity.onScreen('confirm-mesa-data');
  await identity.input({ type: 'CONFIRM_MESA_DATA' });
  await identity.onScreen('installation');
  for (const dni of titulares) await identity.input({ type: 'MEMBER_ARRIVED', dni });
  await withPresidentCredential(mesa, identity, 'INSTALL', 'awaiting-dni');
}

export async function issueDevice(mesa: Mesa, identity: Screen, dni: string, device: VirtualActivationDevice): Promise<void> {
  const reader = mesa.hardware.activationReader(IDENTITY_READER);
  reader.pull();
  reader.insert(device);
  await identity.input({ type: 'DNI_ENTERED', text: dni });
  await identity.onScreen('voter-may-vote');
  await identity.input({ type: 'ISSUE_DEVICE' });
  await identity.onScreen('device-out');
  await identity.input({ type: 'DONE' });
  await identity.onScreen('awaiting-dni');
  reader.pull();
}

/** The device comes back: 'voted-recorded' after a vote, 'art23-choice' when it was not used. */
export async function returnDevice(mesa: Mesa, identity: Screen, dni: string, device: VirtualActivationDevice, voted: boolean): Promise<void> {
  const reader = mesa.hardware.activationReader(IDENTITY_READER);
  reader.pull();
  reader.insert(device);
  await identity.input({ type: 'DEVICE_RETURNED', dni });
  if (voted) {
    await identity.onScreen('voted-recorded');
    await identity.input({ type: 'DONE' });
  } else {
    await identity.onScreen('art23-choice');
    await identity.input({ type: 'RECORD_NOT_VOTED' });
  }
  await identity.onScreen('awaiting-dni');
  reader.pull();
}

export async function impugn(identity: Screen, dni: string): Promise<void> {
  await identity.input({ type: 'IMPUGN', dni });
  await identity.onScreen('awaiting-dni');
}

export async function closeIdentity(mesa: Mesa, identity: Screen): Promise<void> {
  await withPresidentCredential(mesa, identity, 'CLOSE_VOTING', 'closed');
}

// --- cabins -------------------------------------------------------------------------------------

export async function puestaACero(mesa: Mesa, cabin: Screen, cabinId: string): Promise<void> {
  await cabin.onScreen('awaiting-puesta-a-cero');
  const reader = mesa.hardware.activationReader(cabinId);
  reader.insert(credentialDevice(mesa, `credencial-${cabinId}`, presidentCredential(mesa)));
  await cabin.onScreen('ready');
  reader.pull();
}

/** The voter's taps for the first `contests` choices of `ballot` (all when undefined). */
export async function chooseContests(definition: ElectionDefinition, cabin: Screen, ballot: Ballot, contests?: number): Promise<void> {
  for (const contest of definition.contests.slice(0, contests)) {
    const choice = ballot.choices[contest.id];
    if (choice === undefined || choice.kind === 'blank') await cabin.input({ type: 'CHOOSE_BLANK' });
    else if (choice.kind === 'null') await cabin.input({ type: 'CHOOSE_NULL' });
    else {
      await cabin.input({ type: 'CHOOSE_ORGANIZATION', organization: choice.organization });
      if (choice.preferential.length > 0) await cabin.input({ type: 'SET_PREFERENTIAL', candidates: choice.preferential });
    }
    await cabin.input({ type: 'NEXT' });
  }
}

export interface VoteHooks {
  /** Called after the choices, before CONFIRM (e.g. the printer runs out of paper). */
  readonly beforeConfirm?: () => void;
  /** Replaces the wait for 'remove-device' after CONFIRM (e.g. refill the paper first). */
  readonly afterConfirm?: () => Promise<void>;
}

export async function voteInCabin(mesa: Mesa, cabin: Screen, cabinId: string, device: VirtualActivationDevice, ballot: Ballot, hooks: VoteHooks = {}): Promise<void> {
  const reader = mesa.hardware.activationReader(cabinId);
  reader.insert(device);
  await cabin.onScreen('contest');
  await chooseContests(mesa.definition, cabin, ballot);
  await cabin.onScreen('review');
  await cabin.input({ type: 'NEXT' });
  await cabin.onScreen('confirm');
  hooks.beforeConfirm?.();
  await cabin.input({ type: 'CONFIRM' });
  if (hooks.afterConfirm !== undefined) await hooks.afterConfirm();
  await cabin.onScreen('remove-device');
  reader.pull();
  await cabin.onScreen('ready');
}

/**
 * After the close of voting (on the simulator's clock) a member's credential left in the reader
 * of a cabin on 'ready' closes it (`vep booth run --simulacro-credential-close`): its results go
 * to the consolidation stick.
 */
export async function closeCabin(mesa: Mesa, cabin: Screen, cabinId: string): Promise<void> {
  const reader = mesa.hardware.activationReader(cabinId);
  reader.insert(credentialDevice(mesa, `cierre-${cabinId}`, presidentCredential(mesa)));
  await cabin.onScreen('closed');
  reader.pull();
}

// --- results station ----------------------------------------------------------------------------

/** A member's credential in the results station's reader until the screen moved on to `after`. */
export async function presentToResults(mesa: Mesa, results: Screen, name: string, bytes: Uint8Array, after: string): Promise<ScreenView> {
  const reader = mesa.hardware.activationReader(RESULTS_READER);
  const before = await results.view();
  reader.insert(credentialDevice(mesa, name, bytes));
  const reached = await results.until((view) => view.screen === after && view.revision !== before.revision, `screen ${after} after ${name}`);
  reader.pull();
  return reached;
}

/** A member signs on the 'signing' screen: the credential stays in until the signature is listed. */
export async function signAtResults(mesa: Mesa, results: Screen, name: string, bytes: Uint8Array): Promise<void> {
  const reader = mesa.hardware.activationReader(RESULTS_READER);
  const signed = (view: ScreenView) => (Array.isArray(view.signatures) ? view.signatures.length : 0);
  const before = signed(await results.view());
  reader.insert(credentialDevice(mesa, name, bytes));
  await results.until((view) => {
    if (view.screen === 'signing' && typeof view.refusal === 'string' && view.refusal !== '') throw new Error(`results station refused ${name}: ${view.refusal}`);
    return view.screen === 'signing' && signed(view) > before;
  }, `signature of ${name}`);
  reader.pull();
}

// --- transmission station -----------------------------------------------------------------------

/** Screens where the coordinator would wait for a person: the day stops there. */
const TRANSMISSION_FAULTS: readonly TransmissionScreen[] = ['device-refused', 'link-down', 'zero-failed', 'pending', 'print-fault', 'scan-failed', 'backup-failed', 'out-of-service'];
/** After CLOSE the station's process ends on its own. */
const TRANSMISSION_EXIT_MS = 30_000;

/**
 * The transmission station (Art. 30) on the stick the results station wrote (the same port: the
 * results station's hardware), driven on its screen with the console coordinator's default
 * choices (transmission-station/station.ts defaultCoordinatorEvent): print the configured copies
 * of the constancia for each acknowledged file, go on after a refusal, close after the third
 * backup. The ODPE copy of the acta, as the results printer cut it, is on the scanner; three blank
 * write-once media in their ports. Resolves once the station is closed (its process ended) or
 * rests on a fault screen (its process stopped), with that screen and its outbox as stored.
 */
export async function runTransmission(mesa: Mesa, centre: { readonly url: string; readonly certFile: string }): Promise<{ screen: string; problem: string | null; items: OutboxItem[] }> {
  const tickets = mesa.hardware.printers.tickets('results');
  if (!tickets.ok) throw new Error(`results printer: ${tickets.error}`);
  const acta = tickets.value.find((t) => t.complete && /ACTA DE ESCRUTINIO/.test(t.text) && /DESTINO: ODPE/.test(t.text));
  if (acta === undefined) throw new Error('the results station printed no ODPE copy of the acta');
  const png = mesa.hardware.printers.ticketPng('results', acta.index);
  if (!png.ok) throw new Error(`ODPE acta image: ${png.error}`);
  const placed = mesa.hardware.scanner(TRANSMISSION_DEVICE).placePng(new Uint8Array(png.value));
  if (!placed.ok) throw new Error(`scanner: ${placed.error}`);
  insertBackupMedia(mesa.hardware);

  const input = transmissionConfig({
    packagePath: mesa.packagePath,
    keysDir: mesa.keysDir,
    dataDir: dataDir(mesa, 'transmission'),
    bridge: mesa.bridge,
    stickPort: USB_NAME,
    printerPath: printer(mesa, TRANSMISSION_DEVICE).path,
    centre,
  });
  const parsed = parseTransmissionHostConfig(input);
  if (!parsed.ok) throw new Error(`bug: transmission config: ${parsed.error.join('; ')}`);
  const copies = parsed.value.constanciaCopies;
  const station = await spawnScreen(mesa, 'transmission station', STATION_COMMANDS.transmission.args(writeConfig(mesa.configDir, 'transmission', input)), STATION_COMMANDS.transmission.ready);
  let rested: ScreenView;
  try {
    // Which file the next 'acknowledged' screen is about: the result first, then the acta image.
    let acknowledged: 'result' | 'image' = 'result';
    for (;;) {
      const view = await station.screen.until(
        (v) => ['acknowledged', 'refused', 'ready-to-close', 'closed', ...TRANSMISSION_FAULTS].includes(v.screen),
        'screen closed or one waiting for the coordinator',
      );
      if (view.screen === 'closed' || TRANSMISSION_FAULTS.includes(view.screen as TransmissionScreen)) {
        rested = view;
        break;
      }
      let next: Record<string, unknown>;
      if (view.screen === 'acknowledged') {
        const printed = view.printed as { result: number; image: number };
        if (printed[acknowledged] === 0) next = { type: 'PRINT', copies };
        else {
          next = { type: 'CONTINUE' };
          acknowledged = 'image';
        }
      } else if (view.screen === 'refused') {
        next = { type: 'CONTINUE' };
        acknowledged = 'image';
      } else next = { type: 'CLOSE' };
      // Every coordinator's tap moves the machine at once (to printing, scanning, burning, closed).
      const answer = await station.screen.input(next);
      if (answer.screen === view.screen) throw new Error(`transmission station: ${String(next.type)} not taken on ${view.screen}`);
      if (answer.screen === 'closed') {
        rested = answer;
        break;
      }
    }
  } catch (e) {
    await station.process.stop();
    throw e;
  }
  if (rested.screen === 'closed') {
    await Promise.race([station.process.exited, new Promise((resolve) => setTimeout(resolve, TRANSMISSION_EXIT_MS).unref())]);
  }
  await station.process.stop();
  const outbox = openOutbox(path.join(dataDir(mesa, 'transmission'), TRANSMISSION_OUTBOX_FILE));
  if (!outbox.ok) throw new Error(`transmission outbox unreadable after the station stopped: ${outbox.error.kind}`);
  try {
    return { screen: rested.screen, problem: typeof rested.detail === 'string' ? rested.detail : null, items: outbox.value.list() };
  } finally {
    outbox.value.close();
  }
}

export { BACKUP_PORTS };
