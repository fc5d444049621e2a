/**
 * The cabin host with real parts: a generated key set, the signed eg2026 package, the vote store
 * and audit log on disk, a simulated activation reader with virtual devices, the ESC/POS driver on
 * a simulated pty printer and a simulated USB stick. Time for the machine comes from an injected
 * clock; nothing here asserts timings.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { issueToken } from '../shared/activation/token.ts';
import { tokenRejectionScreenText } from '../shared/activation/rejection.ts';
import { AUDIT_EXPORT_FILE_NAME, verifyAuditExport } from '../shared/audit/export.ts';
import { openAuditLog } from '../shared/audit/log.ts';
import { readDeviceState } from '../shared/activation/device-state.ts';
import type { ContestChoice } from '../shared/ballot/ballot.ts';
import { generateKeySet, loadSigner, publicKeyFile } from '../shared/crypto/keyset.ts';
import { encodeImage, decodeImage } from '../shared/devices/activation/device-image.ts';
import { buildPackage, resolvePackageKey, verifyPackageBytes } from '../shared/election/package.ts';
import { CABIN_RESULTS_FILE_NAME, verifyCabinResults } from '../shared/results/cabin-results.ts';
import { tallyBallots } from '../shared/tally/tally.ts';
import { SimulatedHardware } from '../hardware-sim/control/simulated-hardware.ts';
import type { VirtualActivationDevice } from '../hardware-sim/hid/virtual-activation-device.ts';
import { presidentSignerRole, verifyPresidentCredential, writeMemberCredential } from '../shared/credentials/member-credential.ts';
import { startBoothHost, votingCloseAt, type BoothHost } from '../booth/host.ts';
import { localDateTimeToEpoch } from '../shared/election/local-time.ts';
import { parseBoothHostConfig, type BoothHostConfig } from '../booth/host-config.ts';
import { screenOf } from '../booth/machine.ts';
import type { BoothScreen } from '../booth/machine-types.ts';
import { EG2026_CLOSE_AT, EG2026_OPEN_AT, loadEg2026 } from './helpers/booth-harness.ts';

const EG = loadEg2026();

test('votingCloseAt is schedule.votingClose on the election date in the election timezone', (t) => {
  t.is(votingCloseAt(EG), EG2026_CLOSE_AT);
  t.is(localDateTimeToEpoch('2026-04-12', '07:30', 'America/Lima'), EG2026_OPEN_AT);
  // Across a DST change: Madrid is UTC+2 in July, UTC+1 in January.
  t.is(localDateTimeToEpoch('2026-07-01', '12:00', 'Europe/Madrid'), Date.parse('2026-07-01T10:00:00Z'));
  t.is(localDateTimeToEpoch('2026-01-01', '12:00', 'Europe/Madrid'), Date.parse('2026-01-01T11:00:00Z'));
});

interface World {
  readonly dir: string;
  readonly keysDir: string;
  readonly config: BoothHostConfig;
  readonly hardware: SimulatedHardware;
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
  const hardware = new SimulatedHardware();
  t.teardown(() => hardware.dispose());
  const config: BoothHostConfig = {
    packagePath,
    rootPublicKeyFile: publicKeyFile(keysDir, 'onpe-root'),
    cabinId: 'cabin-1',
    dataDir: path.join(dir, 'data'),
    keysDir,
    devices: {
      activationReader: { kind: 'simulated', name: 'reader', timeoutMs: 3000 },
      consolidation: { kind: 'simulated', name: 'usb', writeOnce: false, inserted: true },
      printer: { kind: 'simulated-pty' },
    },
  };
  return { dir, keysDir, config, hardware, now: EG2026_OPEN_AT };
}

async function start(t: ExecutionContext, world: World): Promise<BoothHost> {
  const started = await startBoothHost(world.config, { hardware: world.hardware, clock: () => new Date(world.now) });
  if (!started.ok) throw new Error(`host did not start: ${JSON.stringify(started.error)}`);
  let closed = false;
  const close = async () => {
    if (!closed) await started.value.close();
    closed = true;
  };
  t.teardown(close);
  return { ...started.value, close };
}

function screen(host: BoothHost): BoothScreen {
  return screenOf(host.actor.getSnapshot());
}

/** Waits (bounded) until the machine shows `wanted`; fails with the screen it is stuck on. */
async function until(host: BoothHost, wanted: BoothScreen): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    await host.idle();
    if (screen(host) === wanted) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`expected screen ${wanted}, still on ${screen(host)}`);
}

function deviceWith(world: World, name: string, blob: Uint8Array): VirtualActivationDevice {
  const device = world.hardware.activationDevice(name);
  device.writeMemory(encodeImage(blob));
  return device;
}

function presidentCredential(world: World): Uint8Array {
  const pkg = verifyPackageBytes(fs.readFileSync(world.config.packagePath), loadRootKey(world));
  const role = pkg.ok ? presidentSignerRole(pkg.value) : undefined;
  if (role === undefined) throw new Error('no president');
  const signer = loadSigner(world.keysDir, role);
  if (!signer.ok) throw new Error('president key');
  return writeMemberCredential(signer.value.seed, role);
}

function token(world: World) {
  const signer = loadSigner(world.keysDir, 'identity');
  if (!signer.ok) throw new Error('identity key');
  return issueToken({
    electionId: EG.election.id,
    mesa: EG.mesa.number,
    simulacro: EG.election.simulacro,
    now: new Date(world.now),
    validityMinutes: 60,
    signer: signer.value,
  });
}

function emulator(host: BoothHost) {
  const found = host.devices.printer?.simulator?.emulator;
  if (found === undefined) throw new Error('simulated printer expected');
  return found;
}

function ticketTexts(host: BoothHost): string[] {
  return emulator(host).completeTickets().map((ticket) => ticket.text);
}

/** One choice per contest: an organization (with the first preferential candidates where allowed), then blank. */
function choices(): ContestChoice[] {
  return EG.contests.map((contest, index) => {
    if (index === EG.contests.length - 1) return { kind: 'blank' };
    const organization = contest.organizations[index];
    if (organization === undefined) throw new Error('fixture');
    const preferential = (organization.candidates ?? []).slice(0, contest.maxPreferential).map((c) => c.number);
    return { kind: 'organization', organization: organization.number, preferential };
  });
}

async function voteAll(host: BoothHost): Promise<void> {
  await voteAllThen(host, () => undefined);
}

/** Votes every contest, confirms, and runs `afterConfirm` synchronously right after CONFIRM. */
async function voteAllThen(host: BoothHost, afterConfirm: () => void): Promise<void> {
  for (const choice of choices()) {
    if (choice.kind === 'blank') host.send({ type: 'CHOOSE_BLANK' });
    else if (choice.kind === 'null') host.send({ type: 'CHOOSE_NULL' });
    else {
      host.send({ type: 'CHOOSE_ORGANIZATION', organization: choice.organization });
      host.send({ type: 'SET_PREFERENTIAL', candidates: choice.preferential });
    }
    host.send({ type: 'NEXT' });
  }
  await until(host, 'review');
  host.send({ type: 'NEXT' });
  await until(host, 'confirm');
  host.send({ type: 'CONFIRM' });
  afterConfirm();
}

async function openCabin(t: ExecutionContext, world: World): Promise<BoothHost> {
  const host = await start(t, world);
  await until(host, 'awaiting-puesta-a-cero');
  const reader = world.hardware.activationReader('reader');
  reader.insert(deviceWith(world, 'credential', presidentCredential(world)));
  await until(host, 'ready');
  reader.pull();
  await host.idle();
  return host;
}

test('a full day: puesta a cero, one vote, replay refused, close, results on the USB, restart closed', async (t) => {
  const world = makeWorld(t);
  const reader = world.hardware.activationReader('reader');
  const host = await openCabin(t, world);

  const zero = ticketTexts(host);
  t.is(zero.length, 1);
  t.regex(zero[0] ?? '', /REPORTE DE PUESTA A CERO/u);
  t.regex(zero[0] ?? '', /TOTAL DE VOTOS EMITIDOS\s+0/u);
  t.notRegex(zero[0] ?? '', /TOTAL DE VOTOS EMITIDOS\s+[1-9]/u);

  const issued = token(world);
  const voterDevice = deviceWith(world, 'voter', issued.bytes);
  reader.insert(voterDevice);
  await until(host, 'contest');
  await voteAll(host);
  await until(host, 'remove-device');

  const tickets = ticketTexts(host);
  t.is(tickets.length, 2, 'exactly one constancia after the puesta a cero');
  t.regex(tickets[1] ?? '', /CONSTANCIA DE VOTO/u);
  t.notRegex(tickets[1] ?? '', /REIMPRESI/u);
  const blob = decodeImage(voterDevice.readMemory());
  if (!blob.ok) throw new Error('device unreadable');
  const pkg = verifyPackageBytes(fs.readFileSync(world.config.packagePath), loadRootKey(world));
  if (!pkg.ok) throw new Error('package');
  const state = readDeviceState(blob.value, { resolveKey: resolvePackageKey(pkg.value), electionId: EG.election.id, mesa: EG.mesa.number });
  t.deepEqual(state, { state: 'consumed', nonce: issued.nonce, cabin: 'cabin-1' });

  reader.pull();
  await until(host, 'ready');

  // The same token copied onto another device: this cabin has it as used.
  reader.insert(deviceWith(world, 'copy', issued.bytes));
  await until(host, 'token-rejected');
  t.is(host.actor.getSnapshot().context.tokenRefusal?.kind, 'replayed');
  reader.pull();
  await until(host, 'ready');

  // The consumed device itself.
  reader.insert(voterDevice);
  await until(host, 'token-rejected');
  t.is(host.actor.getSnapshot().context.tokenRefusal?.kind, 'consumed');
  reader.pull();
  await until(host, 'ready');

  // Closing before the scheduled time, on the president's order, with the credential in the reader.
  reader.insert(world.hardware.activationDevice('credential'));
  for (let i = 0; i < 1500 && !host.credentialPresent(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  t.true(host.credentialPresent());
  t.is(screen(host), 'ready', 'a member credential is not a voter device');
  host.requestClose(true);
  await until(host, 'closed');
  reader.pull();
  await host.idle();

  const report = ticketTexts(host)[2] ?? '';
  t.regex(report, /RESULTADOS DE LA CABINA/u);
  t.regex(report, /Cédulas emitidas en la cabina:\s+1/u);
  t.notRegex(report, /REIMPRESI/u, 'a first, uninterrupted report is not a reprint');
  const file = await host.devices.consolidation?.readFile(CABIN_RESULTS_FILE_NAME('cabin-1'));
  if (file?.ok !== true) throw new Error('results file missing');
  const verified = verifyCabinResults(file.value, { pkg: pkg.value, expectedCabinId: 'cabin-1' });
  if (!verified.ok) throw new Error(`results do not verify: ${JSON.stringify(verified.error)}`);
  t.is(verified.value.ballotCount, 1);
  const expected = tallyBallots(EG, [{ choices: Object.fromEntries(EG.contests.map((c, i) => [c.id, choices()[i] as ContestChoice])) }]);
  if (!expected.ok) throw new Error('tally');
  t.deepEqual(verified.value.tally, expected.value);

  // The audit log export sits next to the results and ends at the head the results file signs.
  const exported = await host.devices.consolidation?.readFile(AUDIT_EXPORT_FILE_NAME('cabin-1'));
  if (exported?.ok !== true) throw new Error('audit export missing');
  const audit = verifyAuditExport(exported.value, verified.value.auditLogHead, { role: 'cabin-1' });
  if (!audit.ok) throw new Error(`audit export does not verify: ${JSON.stringify(audit.error)}`);
  t.is(audit.value.unsignedTail, 0);
  t.true(audit.value.entries.some((entry) => entry.event === 'ballot.committed'));
  const exportText = new TextDecoder().decode(exported.value);
  t.false(exportText.includes(issued.nonce), 'no nonce in the exported log');
  for (const [index, contest] of EG.contests.entries()) {
    const choice = choices()[index];
    const organization = choice?.kind === 'organization' ? contest.organizations.find((o) => o.number === choice.organization) : undefined;
    if (organization !== undefined) t.false(exportText.includes(organization.name), `no ballot content (${organization.name}) in the exported log`);
  }

  await host.close();
  const log = openAuditLog(path.join(world.config.dataDir, 'audit.db'), { role: 'cabin-1', clock: () => new Date(world.now) });
  if (!log.ok) throw new Error('audit log');
  const entries = log.value.entries();
  log.value.close();
  const events = entries.map((entry) => entry.event);
  for (const id of ['package.verified', 'software.verified', 'puesta-a-cero.printed', 'ballot.committed', 'constancia.printed', 'results.written']) {
    t.true(events.includes(id), `audit log has ${id}`);
  }
  t.is(events.filter((id) => id === 'ballot.committed').length, 1);
  t.deepEqual(
    entries.filter((entry) => entry.event === 'token.rejected').map((entry) => entry.message),
    ['replayed', 'consumed'],
    'the copied token and the consumed device are each logged as refused',
  );
  t.false(JSON.stringify(entries).includes(issued.nonce), 'the nonce never reaches the audit log');

  const again = await start(t, world);
  await until(again, 'closed');
  t.is(ticketTexts(again).length, 0, 'a closed cabin prints nothing at restart');
});

function loadRootKey(world: World): Uint8Array {
  const json = JSON.parse(fs.readFileSync(world.config.rootPublicKeyFile, 'utf8')) as { publicKey: string };
  return new Uint8Array(Buffer.from(json.publicKey, 'base64'));
}

test('a package that does not verify puts the cabin out of service instead of throwing', async (t) => {
  const world = makeWorld(t);
  const bytes = fs.readFileSync(world.config.packagePath);
  bytes[bytes.length - 5] = (bytes[bytes.length - 5] ?? 0) ^ 1;
  fs.writeFileSync(world.config.packagePath, bytes);
  const host = await start(t, world);
  await until(host, 'out-of-service');
  t.is(host.definition, undefined);
});

test('member credentials: only the president, proven against the package key', (t) => {
  const world = makeWorld(t);
  const pkg = verifyPackageBytes(fs.readFileSync(world.config.packagePath), loadRootKey(world));
  if (!pkg.ok) throw new Error('package');
  const president = presidentSignerRole(pkg.value);
  t.is(president, 'member-1');
  const secretary = loadSigner(world.keysDir, 'member-2');
  const presidentKey = loadSigner(world.keysDir, 'member-1');
  if (!secretary.ok || !presidentKey.ok) throw new Error('keys');
  t.deepEqual(verifyPresidentCredential(pkg.value, writeMemberCredential(presidentKey.value.seed, 'member-1')), { ok: true, value: undefined });
  t.deepEqual(verifyPresidentCredential(pkg.value, writeMemberCredential(secretary.value.seed, 'member-2')), { ok: false, error: 'not-president' });
  // The secretary's seed claiming to be the president fails the challenge.
  t.deepEqual(verifyPresidentCredential(pkg.value, writeMemberCredential(secretary.value.seed, 'member-1')), { ok: false, error: 'unknown' });
  t.deepEqual(verifyPresidentCredential(pkg.value, new TextEncoder().encode('hello')), { ok: false, error: 'unreadable' });
});

test('a constancia pending at a stop is printed once after the restart, marked REIMPRESIÓN', async (t) => {
  const world = makeWorld(t);
  const reader = world.hardware.activationReader('reader');
  const host = await openCabin(t, world);
  reader.insert(deviceWith(world, 'voter', token(world).bytes));
  await until(host, 'contest');
  emulator(host).setFault('paper-out');
  await voteAll(host);
  await until(host, 'printer-fault');
  t.is(ticketTexts(host).length, 1, 'only the puesta a cero was printed');
  await host.close();

  const again = await start(t, world);
  for (let i = 0; i < 1500 && ticketTexts(again).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  await until(again, 'remove-device');
  reader.pull();
  await until(again, 'ready');
  const tickets = ticketTexts(again);
  t.is(tickets.length, 1);
  t.regex(tickets[0] ?? '', /CONSTANCIA DE VOTO/u);
  t.regex(tickets[0] ?? '', /REIMPRESIÓN/u);
});

test('a credential already in the reader at start is presented once the self-check passed; a forged token is refused', async (t) => {
  const world = makeWorld(t);
  const reader = world.hardware.activationReader('reader');
  reader.insert(deviceWith(world, 'credential', presidentCredential(world)));
  const host = await start(t, world);
  await until(host, 'ready');
  t.regex(ticketTexts(host)[0] ?? '', /REPORTE DE PUESTA A CERO/u);
  reader.pull();
  await host.idle();

  // A token signed by an identity key that is not this package's.
  const otherKeys = path.join(world.dir, 'other-keys');
  if (!generateKeySet(otherKeys, { cabins: 1, members: 1 }).ok) throw new Error('other keys');
  const impostor = loadSigner(otherKeys, 'identity');
  if (!impostor.ok) throw new Error('impostor key');
  const forged = issueToken({
    electionId: EG.election.id,
    mesa: EG.mesa.number,
    simulacro: EG.election.simulacro,
    now: new Date(world.now),
    validityMinutes: 60,
    signer: impostor.value,
  });
  reader.insert(deviceWith(world, 'forged', forged.bytes));
  await until(host, 'token-rejected');
  const refusal = host.actor.getSnapshot().context.tokenRefusal;
  t.is(refusal?.kind, 'forged');
  t.is(refusal?.screenText, tokenRejectionScreenText({ kind: 'forged', detail: '' }));
  reader.pull();
  await until(host, 'ready');
  t.is(ticketTexts(host).length, 1, 'nothing printed for a refused token');
  const log = openAuditLog(path.join(world.config.dataDir, 'audit.db'), { role: 'cabin-1', clock: () => new Date(world.now) });
  if (!log.ok) throw new Error('audit log');
  const rejected = log.value.entries().filter((e) => e.event === 'token.rejected');
  log.value.close();
  t.deepEqual(
    rejected.map((e) => e.message),
    ['forged'],
    'the forged token is logged as refused',
  );
  t.false(JSON.stringify(rejected).includes(forged.nonce), 'the forged nonce is not logged');
});

test('a device pulled at CONFIRM: the vote counts once, the device is marked when brought back, or the president releases the cabin', async (t) => {
  const world = makeWorld(t);
  const reader = world.hardware.activationReader('reader');
  const host = await openCabin(t, world);
  const pkg = verifyPackageBytes(fs.readFileSync(world.config.packagePath), loadRootKey(world));
  if (!pkg.ok) throw new Error('package');
  const stateOf = (device: VirtualActivationDevice) => {
    const blob = decodeImage(device.readMemory());
    if (!blob.ok) throw new Error('device unreadable');
    return readDeviceState(blob.value, { resolveKey: resolvePackageKey(pkg.value), electionId: EG.election.id, mesa: EG.mesa.number });
  };

  const first = token(world);
  const firstDevice = deviceWith(world, 'first', first.bytes);
  reader.insert(firstDevice);
  await until(host, 'contest');
  await voteAllThen(host, () => reader.pull());
  await until(host, 'reinsert-device');
  t.is(ticketTexts(host).length, 2, 'the constancia printed although the device left');
  const pulled = stateOf(firstDevice);
  t.true(pulled.state === 'invalid' && pulled.detail.startsWith('claimed by cabin-1 '), 'the device left claimed by this cabin, not with a usable token');
  reader.insert(firstDevice);
  await until(host, 'remove-device');
  t.deepEqual(stateOf(firstDevice), { state: 'consumed', nonce: first.nonce, cabin: 'cabin-1' });
  reader.pull();
  await until(host, 'ready');

  const second = token(world);
  reader.insert(deviceWith(world, 'second', second.bytes));
  await until(host, 'contest');
  await voteAllThen(host, () => reader.pull());
  await until(host, 'reinsert-device');
  reader.insert(deviceWith(world, 'credential', presidentCredential(world)));
  for (let i = 0; i < 1500 && !host.credentialPresent(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  t.is(screen(host), 'reinsert-device', 'a credential is not taken for the voter device');
  t.true(host.releaseCabin());
  await until(host, 'ready');
  reader.pull();
  await host.idle();

  reader.insert(world.hardware.activationDevice('credential'));
  for (let i = 0; i < 1500 && !host.credentialPresent(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  host.requestClose(true);
  await until(host, 'closed');
  const file = await host.devices.consolidation?.readFile(CABIN_RESULTS_FILE_NAME('cabin-1'));
  if (file?.ok !== true) throw new Error('results file missing');
  const verified = verifyCabinResults(file.value, { pkg: pkg.value, expectedCabinId: 'cabin-1' });
  t.is(verified.ok ? verified.value.ballotCount : -1, 2, 'both votes counted, each once');
});

test('the host config is parsed at the boundary: defaults filled, a bad cabin id refused with its path', (t) => {
  const base = { packagePath: 'p.vep', rootPublicKeyFile: 'root.json', cabinId: 'cabin-2', dataDir: 'd', keysDir: 'k', devices: { activationReader: { kind: 'simulated' } } };
  const parsed = parseBoothHostConfig(base);
  t.true(parsed.ok);
  t.is(parsed.ok ? parsed.value.devices.activationReader?.timeoutMs : undefined, 3000);
  const bad = parseBoothHostConfig({ ...base, cabinId: 'cabina' });
  t.false(bad.ok);
  t.true(!bad.ok && bad.error.some((issue) => issue.startsWith('cabinId:')));
  t.false(parseBoothHostConfig({ ...base, extra: 1 }).ok);
});

test('expired, other-mesa, other-election and simulacro-mismatch tokens: each refused with its screen and an audit entry', async (t) => {
  const world = makeWorld(t);
  const reader = world.hardware.activationReader('reader');
  const host = await openCabin(t, world);
  const identity = loadSigner(world.keysDir, 'identity');
  if (!identity.ok) throw new Error('identity key');
  const base = { electionId: EG.election.id, mesa: EG.mesa.number, simulacro: EG.election.simulacro, now: new Date(world.now), validityMinutes: 60, signer: identity.value };
  const cases = [
    { kind: 'expired', token: issueToken({ ...base, now: new Date(world.now - 3 * 60 * 60 * 1000) }) },
    { kind: 'other-mesa', token: issueToken({ ...base, mesa: EG.mesa.number === '000001' ? '000002' : '000001' }) },
    { kind: 'other-election', token: issueToken({ ...base, electionId: 'otra-eleccion' }) },
    { kind: 'simulacro-mismatch', token: issueToken({ ...base, simulacro: !EG.election.simulacro }) },
  ] as const;
  for (const [i, c] of cases.entries()) {
    reader.insert(deviceWith(world, `bad-${i}`, c.token.bytes));
    await until(host, 'token-rejected');
    const refusal = host.actor.getSnapshot().context.tokenRefusal;
    t.is(refusal?.kind, c.kind);
    t.truthy(refusal?.screenText);
    t.notRegex(refusal?.screenText ?? '', /[0-9]{2}:[0-9]{2}/u, 'no time on the voter screen');
    reader.pull();
    await until(host, 'ready');
  }
  const log = openAuditLog(path.join(world.config.dataDir, 'audit.db'), { role: 'cabin-1', clock: () => new Date(world.now) });
  if (!log.ok) throw new Error('audit log');
  const rejected = log.value.entries().filter((e) => e.event === 'token.rejected').map((e) => e.message);
  log.value.close();
  t.deepEqual(rejected, cases.map((c) => c.kind));
  t.is(ticketTexts(host).length, 1, 'only the puesta a cero was printed');
});

test('a results report interrupted by a stop is printed again after the restart, marked REIMPRESIÓN; the results still reach the USB', async (t) => {
  const world = makeWorld(t);
  const reader = world.hardware.activationReader('reader');
  const host = await openCabin(t, world);
  reader.insert(deviceWith(world, 'voter', token(world).bytes));
  await until(host, 'contest');
  await voteAll(host);
  await until(host, 'remove-device');
  reader.pull();
  await until(host, 'ready');

  emulator(host).setFault('paper-out');
  reader.insert(deviceWith(world, 'credential', presidentCredential(world)));
  for (let i = 0; i < 1500 && !host.credentialPresent(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  host.requestClose(true);
  await until(host, 'printer-fault');
  t.false(ticketTexts(host).some((text) => /RESULTADOS DE LA CABINA/u.test(text)), 'no whole report came out before the stop');
  reader.pull();
  await host.close();

  const again = await start(t, world);
  await until(again, 'closed');
  const reports = ticketTexts(again).filter((text) => /RESULTADOS DE LA CABINA/u.test(text));
  t.is(reports.length, 1, 'the report prints once after the restart');
  t.regex(reports[0] ?? '', /\*\*\* REIMPRESIÓN \*\*\*/u);
  t.regex(reports[0] ?? '', /Cédulas emitidas en la cabina:\s+1/u);
  const file = await again.devices.consolidation?.readFile(CABIN_RESULTS_FILE_NAME('cabin-1'));
  t.true(file?.ok === true, 'results written after the reprint');
});
