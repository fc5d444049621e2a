/**
 * The identity station host with real parts: a generated key set, the signed eg2026 package, the
 * identity store and audit log on disk, a simulated activation reader with virtual devices, the
 * ESC/POS driver on a simulated pty printer and a simulated USB stick. The clock is injected at
 * the opening hour (voting opens at once); nothing here asserts timings.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { markConsumed, readDeviceState } from '../shared/activation/device-state.ts';
import { verifyToken } from '../shared/activation/token.ts';
import { AUDIT_EXPORT_FILE_NAME, verifyAuditExport } from '../shared/audit/export.ts';
import { openAuditLog } from '../shared/audit/log.ts';
import { generateKeySet, loadSigner, publicKeyFile } from '../shared/crypto/keyset.ts';
import { decodeImage, encodeImage } from '../shared/devices/activation/device-image.ts';
import { buildPackage, resolvePackageKey, verifyPackageBytes, type VerifiedPackage } from '../shared/election/package.ts';
import { IDENTITY_SUMMARY_FILE_NAME, verifyIdentitySummary } from '../shared/results/identity-summary.ts';
import { SimulatedHardware } from '../hardware-sim/control/simulated-hardware.ts';
import type { VirtualActivationDevice } from '../hardware-sim/hid/virtual-activation-device.ts';
import { presidentSignerRole, writeMemberCredential } from '../shared/credentials/member-credential.ts';
import { IDENTITY_AUDIT_FILE, IDENTITY_STORE_FILE, identitySchedule, startIdentityHost, type IdentityHost } from '../identity-station/host.ts';
import { NON_VOTERS_FILE_NAME, nonVotersCsv } from '../identity-station/host-actors.ts';
import { parseIdentityHostConfig, type IdentityHostConfig } from '../identity-station/host-config.ts';
import { screenOf } from '../identity-station/machine.ts';
import { describeIdentityStationStartError, runIdentityStation } from '../identity-station/station.ts';
import type { IdentityScreen } from '../identity-station/machine-types.ts';
import { loadEg2026 } from './helpers/booth-harness.ts';

const EG = loadEg2026();
const dniOf = (role: string): string => {
  const member = EG.members.find((m) => m.role === role);
  if (member === undefined) throw new Error(`fixture has no ${role}`);
  return member.dni;
};
const PRESIDENTE = dniOf('presidente');
const SECRETARIO = dniOf('secretario');
const TERCER = dniOf('tercer-miembro');

interface World {
  readonly dir: string;
  readonly keysDir: string;
  readonly config: IdentityHostConfig;
  readonly hardware: SimulatedHardware;
  readonly pkg: VerifiedPackage;
  now: number;
}

function makeWorld(t: ExecutionContext): World {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const keysDir = path.join(dir, 'keys');
  const generated = generateKeySet(keysDir, { cabins: EG.mesa.cabins, members: EG.members.length });
  if (!generated.ok) throw new Error(`keys: ${JSON.stringify(generated.error)}`);
  const built = buildPackage(EG, keysDir);
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
      activationReader: { kind: 'simulated', name: 'writer', timeoutMs: 15_000 },
      consolidation: { kind: 'simulated', name: 'usb', writeOnce: false, inserted: true },
      printer: { kind: 'simulated-pty' },
    },
  };
  return { dir, keysDir, config, hardware, pkg: pkg.value, now: identitySchedule(EG).votingOpenAt };
}

async function start(t: ExecutionContext, world: World): Promise<IdentityHost> {
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

function screen(host: IdentityHost): IdentityScreen {
  return screenOf(host.actor.getSnapshot());
}

async function until(host: IdentityHost, wanted: IdentityScreen): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    if (screen(host) === wanted) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`expected screen ${wanted}, still on ${screen(host)}`);
}

function ticketTexts(host: IdentityHost): string[] {
  const emulator = host.devices.printer?.simulator?.emulator;
  if (emulator === undefined) throw new Error('simulated printer expected');
  return emulator.completeTickets().map((ticket) => ticket.text);
}

const flat = (s: string) => s.replace(/\s+/gu, ' ');

function presidentCredential(world: World): Uint8Array {
  const role = presidentSignerRole(world.pkg);
  if (role === undefined) throw new Error('no president');
  const signer = loadSigner(world.keysDir, role);
  if (!signer.ok) throw new Error('president key');
  return writeMemberCredential(signer.value.seed, role);
}

function contentOf(device: VirtualActivationDevice): Uint8Array {
  const blob = decodeImage(device.readMemory());
  if (!blob.ok) throw new Error('device unreadable');
  return blob.value;
}

function stateOf(world: World, device: VirtualActivationDevice) {
  return readDeviceState(contentOf(device), { resolveKey: resolvePackageKey(world.pkg), electionId: EG.election.id, mesa: EG.mesa.number });
}

async function installed(t: ExecutionContext, world: World): Promise<IdentityHost> {
  const host = await start(t, world);
  const reader = world.hardware.activationReader('writer');
  await until(host, 'confirm-mesa-data');
  host.send({ type: 'CONFIRM_MESA_DATA' });
  await until(host, 'installation');
  for (const dni of [PRESIDENTE, SECRETARIO, TERCER]) host.send({ type: 'MEMBER_ARRIVED', dni });
  t.is(host.actor.getSnapshot().context.members.length, 3);
  const credential = world.hardware.activationDevice('credential');
  credential.writeMemory(encodeImage(presidentCredential(world)));
  reader.insert(credential);
  const presented = await host.readPresidentCredential();
  t.not(presented, null, 'the credential in the reader is offered to the machine');
  host.send({ type: 'INSTALL', credential: presented });
  await until(host, 'awaiting-dni');
  reader.pull();
  return host;
}

test('a day at the mesa: install, president first, token issued and returned consumed, Art. 23, acta de sufragio, signed summary, no nonce anywhere', async (t) => {
  const world = makeWorld(t);
  const reader = world.hardware.activationReader('writer');
  const host = await installed(t, world);

  const installTickets = ticketTexts(host);
  const copies = EG.actaCopies.length;
  t.is(installTickets.length, 1 + copies, 'puesta a cero, then one acta de instalación per destination');
  t.regex(installTickets[0] ?? '', /REPORTE DE PUESTA A CERO/u);
  EG.actaCopies.forEach((destination, i) => {
    const acta = installTickets[1 + i] ?? '';
    t.regex(acta, /ACTA DE INSTALACIÓN/u);
    t.true(acta.includes(`Ejemplar: ${destination} (${i + 1} de ${copies})`));
    t.true(acta.includes(`DNI ${PRESIDENTE}`));
  });

  // The president votes first.
  host.send({ type: 'DNI_ENTERED', text: SECRETARIO });
  t.is(host.actor.getSnapshot().context.checkRefusal, 'president-first');
  const device = world.hardware.activationDevice('voter-device');
  reader.insert(device);
  host.send({ type: 'DNI_ENTERED', text: PRESIDENTE });
  await until(host, 'voter-may-vote');
  host.send({ type: 'ISSUE_DEVICE' });
  await until(host, 'device-out');
  const firstToken = verifyToken(contentOf(device), {
    resolveKey: resolvePackageKey(world.pkg),
    electionId: EG.election.id,
    mesa: EG.mesa.number,
    simulacro: EG.election.simulacro,
    now: new Date(world.now),
    isUsed: () => false,
  });
  if (!firstToken.ok) throw new Error(`token refused: ${JSON.stringify(firstToken.error)}`);
  const nonces = [firstToken.value.nonce];
  host.send({ type: 'DONE' });
  await until(host, 'awaiting-dni');

  // The cabin marks it consumed; the president hands it back.
  const cabin = loadSigner(world.keysDir, 'cabin-1');
  if (!cabin.ok) throw new Error('cabin key');
  device.writeMemory(encodeImage(markConsumed({ electionId: EG.election.id, mesa: EG.mesa.number, nonce: firstToken.value.nonce }, cabin.value)));
  host.send({ type: 'DEVICE_RETURNED', dni: PRESIDENTE });
  await until(host, 'voted-recorded');
  // Art. 22.5: the voter gets the DNI back with a constancia de sufragio; the consumed mark is erased.
  const constancia = ticketTexts(host)[1 + copies] ?? '';
  t.regex(constancia, /CONSTANCIA DE SUFRAGIO/u);
  t.true(constancia.includes(`DNI ${PRESIDENTE}`));
  t.false(/\d{1,2}:\d{2}/u.test(constancia), 'no hour on the constancia');
  t.is(stateOf(world, device).state, 'blank');
  host.send({ type: 'DONE' });
  await until(host, 'awaiting-dni');
  // The other members come next (order rule), so the president is not served again now.
  host.send({ type: 'DNI_ENTERED', text: PRESIDENTE });
  t.is(host.actor.getSnapshot().context.checkRefusal, 'members-first');

  // The returned device is reused for the secretary, rewritten with a fresh token.
  host.send({ type: 'DNI_ENTERED', text: SECRETARIO });
  await until(host, 'voter-may-vote');
  host.send({ type: 'ISSUE_DEVICE' });
  await until(host, 'device-out');
  const second = stateOf(world, device);
  if (second.state !== 'unconsumed-token') throw new Error(`expected a fresh token, found ${second.state}`);
  t.not(second.token.nonce, firstToken.value.nonce);
  nonces.push(second.token.nonce);
  host.send({ type: 'DONE' });
  await until(host, 'awaiting-dni');

  // It comes back unconsumed: Art. 23, and the device is erased.
  host.send({ type: 'DEVICE_RETURNED', dni: SECRETARIO });
  await until(host, 'art23-choice');
  host.send({ type: 'RECORD_NOT_VOTED' });
  await until(host, 'awaiting-dni');
  t.is(stateOf(world, device).state, 'blank');
  t.is(host.actor.getSnapshot().context.outstandingDevices, 0);

  // Close on the president's order.
  reader.pull();
  reader.insert(world.hardware.activationDevice('credential'));
  host.send({ type: 'CLOSE_VOTING', credential: await host.readPresidentCredential() });
  await until(host, 'closed');
  reader.pull();

  const tickets = ticketTexts(host);
  t.is(tickets.length, 2 + 2 * copies, 'puesta a cero, actas de instalación, one constancia de sufragio, actas de sufragio');
  const actas = tickets.slice(2 + copies);
  t.true(actas.every((ticket, i) => ticket.includes('ACTA DE SUFRAGIO') && ticket.includes(`(${i + 1} de ${copies})`)));
  t.is(new Set(actas.map((ticket) => ticket.replace(/^.*Ejemplar: .*$/mu, ''))).size, 1, 'the ejemplares differ only in their destination');
  const acta = flat(actas[0] ?? '');
  t.regex(acta, /ACTA DE SUFRAGIO/u);
  t.regex(acta, /Total de electores que votaron: 2 /u);
  t.regex(acta, /Votaron en cabina \(voto electrónico\): 1 /u);
  // A long label wraps: its count stands at the end of the label's first line.
  const art23Line = (actas[0] ?? '').split('\n').find((line) => line.includes('Identificados que no emitieron'));
  t.regex(art23Line ?? '', / 1$/u);
  t.regex(acta, /Dispositivos de activación entregados: 2 /u);
  t.regex(acta, /disposición del presidente/u);

  const file = await host.devices.consolidation?.readFile(IDENTITY_SUMMARY_FILE_NAME);
  if (file?.ok !== true) throw new Error('identity summary missing');
  const summary = verifyIdentitySummary(file.value, { pkg: world.pkg });
  if (!summary.ok) throw new Error(`summary does not verify: ${JSON.stringify(summary.error)}`);
  t.like(summary.value.counts, { electoresHabiles: EG.mesa.electoresHabiles, activationsIssued: 2, activationsConsumed: 1, art23NotVoted: 1, impugnados: 0 });
  // The audit log export lies next to it and verifies against the head the summary signs.
  const exported = await host.devices.consolidation?.readFile(AUDIT_EXPORT_FILE_NAME('identity'));
  if (exported?.ok !== true) throw new Error('audit export missing');
  const verifiedExport = verifyAuditExport(exported.value, summary.value.auditLogHead);
  if (!verifiedExport.ok) throw new Error(`audit export refused: ${JSON.stringify(verifiedExport.error)}`);
  t.is(verifiedExport.value.role, 'identity');
  t.is(verifiedExport.value.unsignedTail, 0);
  t.true(verifiedExport.value.entries.some((e) => e.event === 'acta.printed'));

  host.send({ type: 'EXPORT_NON_VOTERS' });
  for (let i = 0; i < 1500 && (await host.devices.consolidation?.readFile(NON_VOTERS_FILE_NAME))?.ok !== true; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const csv = await host.devices.consolidation?.readFile(NON_VOTERS_FILE_NAME);
  if (csv?.ok !== true) throw new Error('non-voters list missing');
  const lines = new TextDecoder().decode(csv.value).trim().split('\n');
  t.is(lines.length, 1 + EG.mesa.electoresHabiles - 2, 'header plus everyone but the two identified');
  t.false(lines.some((line) => line.includes(PRESIDENTE) || line.includes(SECRETARIO)));

  await host.close();
  // Secrecy: no nonce in the store file (and its WAL), the audit log or on paper.
  const storeBytes = ['', '-wal', '-shm']
    .map((suffix) => path.join(world.config.dataDir, IDENTITY_STORE_FILE + suffix))
    .filter((file) => fs.existsSync(file))
    .map((file) => fs.readFileSync(file).toString('latin1'))
    .join('');
  const log = openAuditLog(path.join(world.config.dataDir, IDENTITY_AUDIT_FILE), { role: 'identity', clock: () => new Date(world.now) });
  if (!log.ok) throw new Error('audit log');
  const entries = JSON.stringify(log.value.entries());
  log.value.close();
  for (const nonce of nonces) {
    t.false(storeBytes.includes(nonce), 'no nonce in the identity store');
    t.false(entries.includes(nonce), 'no nonce in the audit log');
    t.false(tickets.some((ticket) => ticket.includes(nonce)), 'no nonce on paper');
  }
  for (const id of ['package.verified', 'puesta-a-cero.printed', 'token.issued', 'constancia.printed', 'token.voided', 'voting.closed', 'results.written']) {
    t.true(entries.includes(`"${id}"`), `audit log has ${id}`);
  }

  const again = await start(t, world);
  await until(again, 'closed');
  t.is(ticketTexts(again).length, 0, 'a closed station prints nothing at restart');
});

test('a live token in the writer is never overwritten; the issue is refused', async (t) => {
  const world = makeWorld(t);
  const reader = world.hardware.activationReader('writer');
  const host = await installed(t, world);
  const device = world.hardware.activationDevice('voter-device');
  reader.insert(device);
  host.send({ type: 'DNI_ENTERED', text: PRESIDENTE });
  await until(host, 'voter-may-vote');
  host.send({ type: 'ISSUE_DEVICE' });
  await until(host, 'device-out');
  const live = contentOf(device);
  host.send({ type: 'DONE' });
  await until(host, 'awaiting-dni');
  host.send({ type: 'DNI_ENTERED', text: SECRETARIO });
  await until(host, 'voter-may-vote');
  host.send({ type: 'ISSUE_DEVICE' });
  await until(host, 'issue-failed');
  t.is(host.actor.getSnapshot().context.issueFailure?.kind, 'device-not-blank');
  t.deepEqual(contentOf(device), live);
  host.send({ type: 'DONE' });
  await until(host, 'awaiting-dni');
  host.send({ type: 'DNI_ENTERED', text: SECRETARIO });
  await until(host, 'voter-may-vote');
});

test('a package that does not verify puts the station out of service instead of throwing', async (t) => {
  const world = makeWorld(t);
  const bytes = fs.readFileSync(world.config.packagePath);
  bytes[bytes.length - 5] = (bytes[bytes.length - 5] ?? 0) ^ 1;
  fs.writeFileSync(world.config.packagePath, bytes);
  const host = await start(t, world);
  await until(host, 'out-of-service');
  t.is(host.definition, undefined);
});

test('the host config is parsed at the boundary; the non-voters CSV quotes what needs quoting', (t) => {
  const base = { packagePath: 'p.vep', rootPublicKeyFile: 'root.json', dataDir: 'd', keysDir: 'k', devices: { activationReader: { kind: 'simulated' } } };
  t.true(parseIdentityHostConfig(base).ok);
  const bad = parseIdentityHostConfig({ ...base, dataDir: '' });
  t.true(!bad.ok && bad.error.some((issue) => issue.startsWith('dataDir:')));
  t.false(parseIdentityHostConfig({ ...base, extra: 1 }).ok);
  t.is(nonVotersCsv([{ order: 3, dni: '12345678', surnames: 'PÉREZ, "EL" GRANDE', givenNames: 'ANA' }]), 'orden,dni,apellidos,nombres\n3,12345678,"PÉREZ, ""EL"" GRANDE",ANA\n');
});

test('runIdentityStation serves the president screen on 127.0.0.1 and reads the credential from the station reader', async (t) => {
  const world = makeWorld(t);
  const running = await runIdentityStation(world.config, { hardware: world.hardware, clock: () => new Date(world.now) });
  if (!running.ok) throw new Error(describeIdentityStationStartError(running.error));
  t.teardown(() => running.value.close());
  t.regex(running.value.screenUrl, /^http:\/\/127\.0\.0\.1:[0-9]+\/$/u);
  const page = await fetch(running.value.screenUrl);
  t.is(page.status, 200);
  t.is(await running.value.host.readPresidentCredential(), null, 'nothing in the reader');
  const credential = world.hardware.activationDevice('credential');
  credential.writeMemory(encodeImage(presidentCredential(world)));
  world.hardware.activationReader('writer').insert(credential);
  t.not(await running.value.host.readPresidentCredential(), null);
});
