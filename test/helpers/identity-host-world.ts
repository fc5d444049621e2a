/**
 * The identity station host with real parts, for host tests: a generated key set, a signed
 * package of a fixture definition (eg2026 or primarias2025), the store and audit log on disk, a
 * simulated activation reader ('writer') with virtual devices, the ESC/POS driver on a simulated
 * pty printer and a simulated USB stick ('usb'). The clock is injected (`world.now`) and read at
 * each call, so a test moves time by assigning it; nothing asserts timings.
 *
 * The voter steps (`issue`, `returnConsumed`, ...) drive the machine the way the president's
 * screen does, and wait for the screen each step ends on.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { markConsumed, readDeviceState } from '../../shared/activation/device-state.ts';
import { verifyToken } from '../../shared/activation/token.ts';
import { generateKeySet, loadSigner, publicKeyFile } from '../../shared/crypto/keyset.ts';
import { decodeImage, encodeImage } from '../../shared/devices/activation/device-image.ts';
import { loadElectionDefinitionFile, type ElectionDefinition, type MemberRole } from '../../shared/election/definition.ts';
import { buildPackage, resolvePackageKey, verifyPackageBytes, type VerifiedPackage } from '../../shared/election/package.ts';
import { SimulatedHardware } from '../../hardware-sim/control/simulated-hardware.ts';
import type { PrinterEmulator } from '../../hardware-sim/printer/emulator.ts';
import type { Ticket } from '../../hardware-sim/printer/printer-mechanism.ts';
import type { VirtualActivationDevice } from '../../hardware-sim/hid/virtual-activation-device.ts';
import { presidentSignerRole, writeMemberCredential } from '../../shared/credentials/member-credential.ts';
import { identitySchedule, startIdentityHost, type IdentityHost } from '../../identity-station/host.ts';
import type { IdentityHostConfig } from '../../identity-station/host-config.ts';
import { screenOf } from '../../identity-station/machine.ts';
import type { IdentityScreen } from '../../identity-station/machine-types.ts';

export function loadFixture(name: 'eg2026' | 'primarias2025'): ElectionDefinition {
  const loaded = loadElectionDefinitionFile(path.join(import.meta.dirname, '..', 'fixtures', name, 'definition.json'));
  if (!loaded.ok) throw new Error(`${name} fixture does not load: ${JSON.stringify(loaded.error)}`);
  return loaded.value;
}

export function memberDni(definition: ElectionDefinition, role: MemberRole): string {
  const member = definition.members.find((m) => m.role === role);
  if (member === undefined) throw new Error(`fixture has no ${role}`);
  return member.dni;
}

/** The three titulares in the order they must vote (president first, then the members). */
export function titulares(definition: ElectionDefinition): [string, string, string] {
  return [memberDni(definition, 'presidente'), memberDni(definition, 'secretario'), memberDni(definition, 'tercer-miembro')];
}

/** Electors of the padrón who are not members, in padrón order. */
export function plainElectors(definition: ElectionDefinition): string[] {
  const members = new Set(definition.members.map((m) => m.dni));
  return definition.padron.map((e) => e.dni).filter((dni) => !members.has(dni));
}

export const printerOutputDir = (worldDir: string): string => path.join(worldDir, 'printer-output');

export interface World {
  readonly dir: string;
  readonly keysDir: string;
  readonly definition: ElectionDefinition;
  readonly config: IdentityHostConfig;
  readonly hardware: SimulatedHardware;
  readonly pkg: VerifiedPackage;
  now: number;
}

export function makeWorld(
  t: ExecutionContext,
  definition: ElectionDefinition = loadFixture('eg2026'),
  options: { readonly keepPrinterOutput?: boolean } = {},
): World {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const keysDir = path.join(dir, 'keys');
  const generated = generateKeySet(keysDir, { cabins: definition.mesa.cabins, members: definition.members.length });
  if (!generated.ok) throw new Error(`keys: ${JSON.stringify(generated.error)}`);
  const built = buildPackage(definition, keysDir);
  if (!built.ok) throw new Error(`package: ${JSON.stringify(built.error)}`);
  const packagePath = path.join(dir, 'package.vep');
  fs.writeFileSync(packagePath, built.value);
  const rootJson = JSON.parse(fs.readFileSync(publicKeyFile(keysDir, 'onpe-root'), 'utf8')) as { publicKey: string };
  const pkg = verifyPackageBytes(built.value, new Uint8Array(Buffer.from(rootJson.publicKey, 'base64')));
  if (!pkg.ok) throw new Error('package does not verify');
  const hardware = new SimulatedHardware();
  t.teardown(() => hardware.dispose());
  const config: IdentityHostConfig = {
    packagePath,
    rootPublicKeyFile: publicKeyFile(keysDir, 'onpe-root'),
    dataDir: path.join(dir, 'data'),
    keysDir,
    devices: {
      // Generous device timeouts: helpers share two cores, and a slow reply must not pass for a fault.
      activationReader: { kind: 'simulated', name: 'writer', timeoutMs: 15_000 },
      consolidation: { kind: 'simulated', name: 'usb', writeOnce: false, inserted: true },
      // With keepPrinterOutput the simulator writes every cut piece as ticket-NNNN.txt and .png.
      printer: {
        kind: 'simulated-pty',
        statusReplyTimeoutMs: 10_000,
        offlineAfterSilenceMs: 10_000,
        jobConfirmTimeoutMs: 60_000,
        ...(options.keepPrinterOutput === true ? { outputDir: printerOutputDir(dir) } : {}),
      },
    },
  };
  return { dir, keysDir, definition, config, hardware, pkg: pkg.value, now: identitySchedule(definition).votingOpenAt };
}

/** Starts a host on the world's clock; closed at teardown unless the test closed it. */
export async function start(t: ExecutionContext, world: World): Promise<IdentityHost> {
  const started = await startIdentityHost(world.config, { hardware: world.hardware, clock: () => new Date(world.now) });
  if (!started.ok) throw new Error(`host did not start: ${JSON.stringify(started.error)}`);
  let closed = false;
  const close = async () => {
    if (!closed) await started.value.close();
    closed = true;
  };
  t.teardown(close);
  return { ...started.value, close };
}

export function screen(host: IdentityHost): IdentityScreen {
  return screenOf(host.actor.getSnapshot());
}

export async function until(host: IdentityHost, wanted: IdentityScreen): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (screen(host) === wanted) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const { issueFailure } = host.actor.getSnapshot().context;
  const why = screen(host) === 'issue-failed' ? ` (${JSON.stringify(issueFailure)})` : '';
  throw new Error(`expected screen ${wanted}, still on ${screen(host)}${why}`);
}

async function untilOneOf(host: IdentityHost, wanted: readonly IdentityScreen[]): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (wanted.includes(screen(host))) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`expected one of ${wanted.join(', ')}, still on ${screen(host)}`);
}

export async function eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never happened: ${what}`);
}

export function emulator(host: IdentityHost): PrinterEmulator {
  const found = host.devices.printer?.simulator?.emulator;
  if (found === undefined) throw new Error('simulated printer expected');
  return found;
}

export function tickets(host: IdentityHost): Ticket[] {
  return emulator(host).completeTickets();
}

export function ticketTexts(host: IdentityHost): string[] {
  return tickets(host).map((ticket) => ticket.text);
}

export function presidentCredential(world: World): Uint8Array {
  const role = presidentSignerRole(world.pkg);
  if (role === undefined) throw new Error('no president');
  const signer = loadSigner(world.keysDir, role);
  if (!signer.ok) throw new Error('president key');
  return writeMemberCredential(signer.value.seed, role);
}

export function contentOf(device: VirtualActivationDevice): Uint8Array {
  const blob = decodeImage(device.readMemory());
  if (!blob.ok) throw new Error('device unreadable');
  return blob.value;
}

export function stateOf(world: World, device: VirtualActivationDevice) {
  const { definition } = world;
  return readDeviceState(contentOf(device), {
    resolveKey: resolvePackageKey(world.pkg),
    electionId: definition.election.id,
    mesa: definition.mesa.number,
  });
}

/** Puts the president's credential in the writer and returns what the host reads from it. */
export async function withCredential(world: World, host: IdentityHost) {
  const reader = world.hardware.activationReader('writer');
  reader.pull();
  const credential = world.hardware.activationDevice('credential');
  credential.writeMemory(encodeImage(presidentCredential(world)));
  reader.insert(credential);
  const presented = await host.readPresidentCredential();
  reader.pull();
  if (presented === null) throw new Error('credential not read');
  return presented;
}

/** From boot to the first voter: mesa data confirmed, the three titulares, the president's credential. */
export async function install(world: World, host: IdentityHost, endsOn: IdentityScreen = 'awaiting-dni'): Promise<void> {
  await until(host, 'confirm-mesa-data');
  host.send({ type: 'CONFIRM_MESA_DATA' });
  await until(host, 'installation');
  for (const dni of titulares(world.definition)) host.send({ type: 'MEMBER_ARRIVED', dni });
  host.send({ type: 'INSTALL', credential: await withCredential(world, host) });
  await until(host, endsOn);
}

export async function installed(t: ExecutionContext, world: World): Promise<IdentityHost> {
  const host = await start(t, world);
  await install(world, host);
  return host;
}

/** Identifies `dni`, writes a token on `device` and sends the voter off; returns the token's nonce. */
export async function issue(world: World, host: IdentityHost, dni: string, device: VirtualActivationDevice): Promise<string> {
  const reader = world.hardware.activationReader('writer');
  reader.pull();
  reader.insert(device);
  host.send({ type: 'DNI_ENTERED', text: dni });
  await until(host, 'voter-may-vote');
  host.send({ type: 'ISSUE_DEVICE' });
  await untilOneOf(host, ['device-out', 'issue-failed']);
  if (screen(host) === 'issue-failed') {
    // Under heavy load the write can fail before the reader has reported the freshly inserted
    // device; the president's path is the screen's retry, once (a second failure still fails).
    host.send({ type: 'RETRY' });
  }
  await until(host, 'device-out');
  const { definition } = world;
  const token = verifyToken(contentOf(device), {
    resolveKey: resolvePackageKey(world.pkg),
    electionId: definition.election.id,
    mesa: definition.mesa.number,
    simulacro: definition.election.simulacro,
    now: new Date(world.now),
    isUsed: () => false,
  });
  if (!token.ok) throw new Error(`token refused: ${JSON.stringify(token.error)}`);
  host.send({ type: 'DONE' });
  await until(host, 'awaiting-dni');
  reader.pull();
  return token.value.nonce;
}

/** What a cabin of the mesa writes over the token after the vote. */
export function consume(world: World, device: VirtualActivationDevice, nonce: string, cabin = 'cabin-1'): void {
  const signer = loadSigner(world.keysDir, cabin);
  if (!signer.ok) throw new Error('cabin key');
  const { definition } = world;
  device.writeMemory(encodeImage(markConsumed({ electionId: definition.election.id, mesa: definition.mesa.number, nonce }, signer.value)));
}

/** The voter hands `device` back; the screen the return ends on is awaited by the caller. */
export function handBack(world: World, host: IdentityHost, dni: string, device: VirtualActivationDevice): void {
  const reader = world.hardware.activationReader('writer');
  reader.pull();
  reader.insert(device);
  host.send({ type: 'DEVICE_RETURNED', dni });
}

/** A full vote in a cabin: issue, consume, return; the constancia de sufragio is printed. */
export async function votes(world: World, host: IdentityHost, dni: string, device: VirtualActivationDevice): Promise<string> {
  const nonce = await issue(world, host, dni, device);
  consume(world, device, nonce);
  handBack(world, host, dni, device);
  await until(host, 'voted-recorded');
  host.send({ type: 'DONE' });
  await until(host, 'awaiting-dni');
  world.hardware.activationReader('writer').pull();
  return nonce;
}

/** Art. 23: identified, device back unused, recorded as not voted. */
export async function doesNotVote(world: World, host: IdentityHost, dni: string, device: VirtualActivationDevice): Promise<string> {
  const nonce = await issue(world, host, dni, device);
  handBack(world, host, dni, device);
  await until(host, 'art23-choice');
  host.send({ type: 'RECORD_NOT_VOTED' });
  await until(host, 'awaiting-dni');
  world.hardware.activationReader('writer').pull();
  return nonce;
}

/** A token issued on a device that never comes back, declared lost. */
export async function losesDevice(world: World, host: IdentityHost, dni: string, device: VirtualActivationDevice): Promise<string> {
  const nonce = await issue(world, host, dni, device);
  const before = host.actor.getSnapshot().context.outstandingDevices;
  host.send({ type: 'LOST_DEVICE_DECLARED', dni });
  await eventually(() => host.actor.getSnapshot().context.outstandingDevices === before - 1, 'lost device recorded');
  await until(host, 'awaiting-dni');
  return nonce;
}

/** Art. 24 from the idle screen: the voter votes on paper. */
export async function impugn(host: IdentityHost, dni: string): Promise<void> {
  host.send({ type: 'IMPUGN', dni });
  await until(host, 'awaiting-dni');
}

export async function closeByPresident(world: World, host: IdentityHost): Promise<void> {
  host.send({ type: 'CLOSE_VOTING', credential: await withCredential(world, host) });
  await until(host, 'closed');
}

export const flat = (s: string): string => s.replace(/\s+/gu, ' ');

/** The count printed after `label` on a ticket (labels may wrap: the count ends the label's first line). */
export function printedCount(ticketText: string, label: string): number {
  const line = ticketText.split('\n').find((l) => l.includes(label));
  const found = line === undefined ? null : / (\d+)\s*$/u.exec(line);
  if (found?.[1] === undefined) throw new Error(`no count for "${label}" on the ticket`);
  return Number.parseInt(found[1], 10);
}
