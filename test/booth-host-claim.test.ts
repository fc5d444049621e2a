/**
 * Two real cabin hosts of one mesa on shared simulated hardware: a device claimed by one cabin is
 * refused by the other (clear screen, audit entry), so a device pulled after the vote's commit
 * but before its consumed mark cannot vote a second time elsewhere; the claiming cabin still
 * takes it back (session resumed after a pull, consumed mark written after the commit).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { SimulatedClock } from 'xstate';
import type { ExecutionContext } from 'ava';
import { readDeviceClaim, readDeviceState } from '../shared/activation/device-state.ts';
import { issueToken } from '../shared/activation/token.ts';
import { openAuditLog } from '../shared/audit/log.ts';
import { generateKeySet, loadSigner, publicKeyFile } from '../shared/crypto/keyset.ts';
import { presidentSignerRole, writeMemberCredential } from '../shared/credentials/member-credential.ts';
import { decodeImage, encodeImage } from '../shared/devices/activation/device-image.ts';
import { buildPackage, resolvePackageKey, verifyPackageBytes, type VerifiedPackage } from '../shared/election/package.ts';
import { CABIN_RESULTS_FILE_NAME, verifyCabinResults } from '../shared/results/cabin-results.ts';
import { SimulatedHardware } from '../hardware-sim/control/simulated-hardware.ts';
import type { VirtualActivationDevice } from '../hardware-sim/hid/virtual-activation-device.ts';
import { startBoothHost, type BoothHost } from '../booth/host.ts';
import type { BoothHostConfig } from '../booth/host-config.ts';
import { screenOf } from '../booth/machine.ts';
import type { BoothScreen } from '../booth/machine-types.ts';
import { usedNonceKey } from '../booth/vote-store.ts';
import { DEFAULT_BOOTH_TIMEOUTS } from '../booth/timeouts.ts';
import { EG2026_OPEN_AT, loadEg2026 } from './helpers/booth-harness.ts';

const EG = loadEg2026();
const CLAIMED_TEXT = 'Este dispositivo ya fue usado en otra cabina. Devuélvalo al presidente de mesa.';

interface Mesa {
  readonly dir: string;
  readonly keysDir: string;
  readonly packagePath: string;
  readonly pkg: VerifiedPackage;
  readonly hardware: SimulatedHardware;
  readonly now: number;
}

function makeMesa(t: ExecutionContext): Mesa {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const keysDir = path.join(dir, 'keys');
  if (!generateKeySet(keysDir, { cabins: EG.mesa.cabins, members: EG.members.length }).ok) throw new Error('keys');
  const built = buildPackage(EG, keysDir);
  if (!built.ok) throw new Error('package');
  const packagePath = path.join(dir, 'package.vep');
  fs.writeFileSync(packagePath, built.value);
  const root = JSON.parse(fs.readFileSync(publicKeyFile(keysDir, 'onpe-root'), 'utf8')) as { publicKey: string };
  const pkg = verifyPackageBytes(built.value, new Uint8Array(Buffer.from(root.publicKey, 'base64')));
  if (!pkg.ok) throw new Error('package does not verify');
  const hardware = new SimulatedHardware();
  t.teardown(() => hardware.dispose());
  return { dir, keysDir, packagePath, pkg: pkg.value, hardware, now: EG2026_OPEN_AT };
}

function configOf(mesa: Mesa, cabinId: string): BoothHostConfig {
  return {
    packagePath: mesa.packagePath,
    rootPublicKeyFile: publicKeyFile(mesa.keysDir, 'onpe-root'),
    cabinId,
    dataDir: path.join(mesa.dir, cabinId),
    keysDir: mesa.keysDir,
    devices: {
      activationReader: { kind: 'simulated', name: cabinId, timeoutMs: 3000 },
      consolidation: { kind: 'simulated', name: `${cabinId}-usb`, writeOnce: false, inserted: true },
      printer: { kind: 'simulated-pty' },
    },
  };
}

async function until(host: BoothHost, wanted: BoothScreen): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    await host.idle();
    if (screenOf(host.actor.getSnapshot()) === wanted) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`expected screen ${wanted}, still on ${screenOf(host.actor.getSnapshot())}`);
}

function credentialDevice(mesa: Mesa): VirtualActivationDevice {
  const role = presidentSignerRole(mesa.pkg);
  if (role === undefined) throw new Error('no president');
  const signer = loadSigner(mesa.keysDir, role);
  if (!signer.ok) throw new Error('president key');
  const device = mesa.hardware.activationDevice('credencial');
  device.writeMemory(encodeImage(writeMemberCredential(signer.value.seed, role)));
  return device;
}

/** A cabin after its puesta a cero, on the ready screen. */
async function openCabin(t: ExecutionContext, mesa: Mesa, cabinId: string, timerClock?: SimulatedClock): Promise<BoothHost> {
  const started = await startBoothHost(configOf(mesa, cabinId), { hardware: mesa.hardware, clock: () => new Date(mesa.now), ...(timerClock === undefined ? {} : { timerClock }) });
  if (!started.ok) throw new Error(`host did not start: ${JSON.stringify(started.error)}`);
  const host = started.value;
  t.teardown(() => host.close());
  await until(host, 'awaiting-puesta-a-cero');
  const reader = mesa.hardware.activationReader(cabinId);
  reader.insert(credentialDevice(mesa));
  await until(host, 'ready');
  reader.pull();
  await host.idle();
  return host;
}

function voterDevice(mesa: Mesa, name: string): { device: VirtualActivationDevice; nonce: string; bytes: Uint8Array } {
  const signer = loadSigner(mesa.keysDir, 'identity');
  if (!signer.ok) throw new Error('identity key');
  const token = issueToken({ electionId: EG.election.id, mesa: EG.mesa.number, simulacro: EG.election.simulacro, now: new Date(mesa.now), validityMinutes: 60, signer: signer.value });
  const device = mesa.hardware.activationDevice(name);
  device.writeMemory(encodeImage(token.bytes));
  return { device, nonce: token.nonce, bytes: token.bytes };
}

function contentOf(device: VirtualActivationDevice): Uint8Array {
  const blob = decodeImage(device.readMemory());
  if (!blob.ok) throw new Error('device unreadable');
  return blob.value;
}

function scopeOf(mesa: Mesa) {
  return { resolveKey: resolvePackageKey(mesa.pkg), electionId: EG.election.id, mesa: EG.mesa.number };
}

function blankBallot(host: BoothHost, afterConfirm: () => void = () => undefined): Promise<void> {
  for (let contest = 0; contest < EG.contests.length; contest++) {
    host.send({ type: 'CHOOSE_BLANK' });
    host.send({ type: 'NEXT' });
  }
  return (async () => {
    await until(host, 'review');
    host.send({ type: 'NEXT' });
    await until(host, 'confirm');
    host.send({ type: 'CONFIRM' });
    afterConfirm();
  })();
}

function auditEntries(mesa: Mesa, cabinId: string) {
  const log = openAuditLog(path.join(mesa.dir, cabinId, 'audit.db'), { role: cabinId, clock: () => new Date(mesa.now) });
  if (!log.ok) throw new Error('audit log');
  const entries = log.value.entries();
  log.value.close();
  return entries;
}

async function refusedByOtherCabin(t: ExecutionContext, mesa: Mesa, other: BoothHost, device: VirtualActivationDevice): Promise<void> {
  const reader = mesa.hardware.activationReader('cabin-2');
  reader.insert(device);
  await until(other, 'token-rejected');
  t.deepEqual(other.actor.getSnapshot().context.tokenRefusal, { kind: 'claimed-elsewhere', screenText: CLAIMED_TEXT });
  reader.pull();
  await until(other, 'ready');
}

test('a device pulled between the commit and the consumed mark is refused by the other cabin, then marked by its own', async (t) => {
  const mesa = makeMesa(t);
  const first = await openCabin(t, mesa, 'cabin-1');
  const second = await openCabin(t, mesa, 'cabin-2');
  const reader1 = mesa.hardware.activationReader('cabin-1');

  const voter = voterDevice(mesa, 'votante');
  reader1.insert(voter.device);
  await until(first, 'contest');
  const claim = readDeviceClaim(contentOf(voter.device), scopeOf(mesa));
  t.true(claim.ok && claim.value.cabin === 'cabin-1' && claim.value.token.nonce === voter.nonce, 'claimed before voting starts');
  await blankBallot(first, () => reader1.pull());
  await until(first, 'reinsert-device');

  await refusedByOtherCabin(t, mesa, second, voter.device);
  const log2 = auditEntries(mesa, 'cabin-2');
  t.true(log2.some((e) => e.event === 'device.refused' && /claimed by cabin-1 /u.test(e.message)), 'the refusal is logged with its reason');
  t.true(log2.some((e) => e.event === 'token.rejected'));
  t.false(JSON.stringify(log2).includes(voter.nonce), 'the nonce never reaches the log');
  const printed2 = second.devices.printer?.simulator?.emulator.completeTickets() ?? [];
  t.is(printed2.length, 1, 'the other cabin printed nothing but its puesta a cero');

  reader1.insert(voter.device);
  await until(first, 'remove-device');
  t.deepEqual(readDeviceState(contentOf(voter.device), scopeOf(mesa)), { state: 'consumed', nonce: voter.nonce, cabin: 'cabin-1' });
  reader1.pull();
  await until(first, 'ready');

  // At close the store lists the nonce as used: the results station's reconciliation sees it.
  reader1.insert(mesa.hardware.activationDevice('credencial'));
  for (let i = 0; i < 1500 && !first.credentialPresent(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  first.requestClose(true);
  await until(first, 'closed');
  const file = await first.devices.consolidation?.readFile(CABIN_RESULTS_FILE_NAME('cabin-1'));
  if (file?.ok !== true) throw new Error('results missing');
  const results = verifyCabinResults(file.value, { pkg: mesa.pkg, expectedCabinId: 'cabin-1' });
  if (!results.ok) throw new Error('results do not verify');
  t.deepEqual(results.value.usedNonceHashes, [usedNonceKey(voter.nonce)]);
  t.is(results.value.ballotCount, 1);
});

test('a device pulled mid-vote is refused by the other cabin and resumed by the cabin that claimed it', async (t) => {
  const mesa = makeMesa(t);
  const first = await openCabin(t, mesa, 'cabin-1');
  const second = await openCabin(t, mesa, 'cabin-2');
  const reader1 = mesa.hardware.activationReader('cabin-1');
  const voter = voterDevice(mesa, 'votante');
  reader1.insert(voter.device);
  await until(first, 'contest');
  first.send({ type: 'CHOOSE_NULL' });
  reader1.pull();
  await until(first, 'ready');

  await refusedByOtherCabin(t, mesa, second, voter.device);

  reader1.insert(voter.device);
  await until(first, 'contest');
  await blankBallot(first);
  await until(first, 'remove-device');
  t.deepEqual(readDeviceState(contentOf(voter.device), scopeOf(mesa)), { state: 'consumed', nonce: voter.nonce, cabin: 'cabin-1' });
  reader1.pull();
  await until(first, 'ready');

  // The consumed device is refused everywhere as used, not as claimed.
  mesa.hardware.activationReader('cabin-2').insert(voter.device);
  await until(second, 'token-rejected');
  t.is(second.actor.getSnapshot().context.tokenRefusal?.screenText, 'Este dispositivo de activación ya fue utilizado. Devuélvalo a la mesa.');
});

test('a session ended by inactivity gives the identity token back: Art. 23 applies and any cabin of the mesa accepts it', async (t) => {
  const mesa = makeMesa(t);
  const timers = new SimulatedClock();
  const first = await openCabin(t, mesa, 'cabin-1', timers);
  const second = await openCabin(t, mesa, 'cabin-2');
  const reader1 = mesa.hardware.activationReader('cabin-1');
  const voter = voterDevice(mesa, 'votante');
  reader1.insert(voter.device);
  await until(first, 'contest');
  t.true(readDeviceClaim(contentOf(voter.device), scopeOf(mesa)).ok, 'claimed while voting');

  timers.increment(DEFAULT_BOOTH_TIMEOUTS.inactivityAlertAfterMs);
  await until(first, 'inactivity-alert');
  timers.increment(DEFAULT_BOOTH_TIMEOUTS.inactivityAlertDurationMs);
  await until(first, 'session-ended-inactivity');
  for (let i = 0; i < 1500 && !auditEntries(mesa, 'cabin-1').some((e) => e.event === 'token.claim-released'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  t.deepEqual(contentOf(voter.device), voter.bytes, "the identity station's own token is back, byte for byte");
  const state = readDeviceState(contentOf(voter.device), scopeOf(mesa));
  t.true(state.state === 'unconsumed-token' && state.token.nonce === voter.nonce, 'the identity station sees a token never used (Art. 23)');
  const log1 = auditEntries(mesa, 'cabin-1');
  t.true(log1.some((e) => e.event === 'session.timed-out'));
  t.true(log1.some((e) => e.event === 'token.claim-released'));
  t.false(JSON.stringify(log1).includes(voter.nonce), 'the nonce never reaches the log');
  reader1.pull();
  await until(first, 'ready');

  // No claim left: the other cabin takes it like any fresh token.
  mesa.hardware.activationReader('cabin-2').insert(voter.device);
  await until(second, 'contest');
  const claim = readDeviceClaim(contentOf(voter.device), scopeOf(mesa));
  t.true(claim.ok && claim.value.cabin === 'cabin-2');
});

test('a device of a vote committed here but never marked comes back to its cabin: marked consumed, no new session', async (t) => {
  const mesa = makeMesa(t);
  const first = await openCabin(t, mesa, 'cabin-1');
  const reader1 = mesa.hardware.activationReader('cabin-1');
  const voter = voterDevice(mesa, 'votante');
  reader1.insert(voter.device);
  await until(first, 'contest');
  await blankBallot(first, () => reader1.pull());
  await until(first, 'reinsert-device');
  // The voter left: the president releases the cabin without the mark.
  reader1.insert(credentialDevice(mesa));
  for (let i = 0; i < 1500 && !first.credentialPresent(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  t.true(first.releaseCabin());
  await until(first, 'ready');
  reader1.pull();
  await first.idle();
  t.true(readDeviceClaim(contentOf(voter.device), scopeOf(mesa)).ok, 'still claimed by cabin-1 when it comes back');

  reader1.insert(voter.device);
  await until(first, 'token-rejected');
  t.is(first.actor.getSnapshot().context.tokenRefusal?.kind, 'consumed');
  t.deepEqual(readDeviceState(contentOf(voter.device), scopeOf(mesa)), { state: 'consumed', nonce: voter.nonce, cabin: 'cabin-1' });
  const log = auditEntries(mesa, 'cabin-1');
  t.true(log.some((e) => e.event === 'device.refused' && /consumed mark written/u.test(e.message)));
  t.false(JSON.stringify(log).includes(voter.nonce));
  reader1.pull();
  await until(first, 'ready');
  const printed = first.devices.printer?.simulator?.emulator.completeTickets() ?? [];
  t.is(printed.length, 2, 'puesta a cero and one constancia: no second vote');
});
