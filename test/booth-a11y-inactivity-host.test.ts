/**
 * The inactivity rule is configurable in the real cabin (issue 8): the installer's `inactivity`
 * field of the cabin config (minutes / seconds) reaches the machine through the host, and a value
 * outside the VVSG 2.0 ranges (alert after 2–5 min, lasting 20–45 s) is refused when the config is
 * parsed, with the field named, so such a cabin never starts. The host's timers run on an injected
 * SimulatedClock, so no test waits minutes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { SimulatedClock } from 'xstate';
import type { ExecutionContext } from 'ava';
import { issueToken } from '../shared/activation/token.ts';
import { generateKeySet, loadSigner, publicKeyFile } from '../shared/crypto/keyset.ts';
import { presidentSignerRole, writeMemberCredential } from '../shared/credentials/member-credential.ts';
import { encodeImage } from '../shared/devices/activation/device-image.ts';
import { buildPackage, verifyPackageBytes } from '../shared/election/package.ts';
import { SimulatedHardware } from '../hardware-sim/control/simulated-hardware.ts';
import { startBoothHost, type BoothHost } from '../booth/host.ts';
import { inactivityTimeouts, parseBoothHostConfig } from '../booth/host-config.ts';
import { screenOf } from '../booth/machine.ts';
import type { BoothScreen } from '../booth/machine-types.ts';
import { DEFAULT_BOOTH_TIMEOUTS } from '../booth/timeouts.ts';
import { EG2026_OPEN_AT, loadEg2026 } from './helpers/booth-harness.ts';

const EG = loadEg2026();

/** A config as the installer writes it (JSON), with only `inactivity` varying. */
function rawConfig(dir: string, keysDir: string, inactivity?: unknown): Record<string, unknown> {
  return {
    packagePath: path.join(dir, 'package.vep'),
    rootPublicKeyFile: publicKeyFile(keysDir, 'onpe-root'),
    cabinId: 'cabin-1',
    dataDir: path.join(dir, 'data'),
    keysDir,
    ...(inactivity === undefined ? {} : { inactivity }),
    devices: {
      activationReader: { kind: 'simulated', name: 'reader', timeoutMs: 3000 },
      consolidation: { kind: 'simulated', name: 'usb', writeOnce: false, inserted: true },
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

/** Lets the host run what the clock advance made due (actors, audit) without moving the clock. */
async function settle(host: BoothHost): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await host.idle();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A cabin started from `inactivity`, opened by the president, with a voter on the first contest. */
async function voterVoting(t: ExecutionContext, inactivity: unknown, timers: SimulatedClock): Promise<BoothHost> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const keysDir = path.join(dir, 'keys');
  if (!generateKeySet(keysDir, { cabins: EG.mesa.cabins, members: EG.members.length }).ok) throw new Error('keys');
  const built = buildPackage(EG, keysDir);
  if (!built.ok) throw new Error('package');
  fs.writeFileSync(path.join(dir, 'package.vep'), built.value);
  const config = parseBoothHostConfig(rawConfig(dir, keysDir, inactivity));
  if (!config.ok) throw new Error(`config refused: ${config.error.join('; ')}`);
  const hardware = new SimulatedHardware();
  t.teardown(() => hardware.dispose());
  const started = await startBoothHost(config.value, { hardware, clock: () => new Date(EG2026_OPEN_AT), timerClock: timers });
  if (!started.ok) throw new Error(`host did not start: ${JSON.stringify(started.error)}`);
  const host = started.value;
  t.teardown(() => host.close());

  const root = JSON.parse(fs.readFileSync(publicKeyFile(keysDir, 'onpe-root'), 'utf8')) as { publicKey: string };
  const pkg = verifyPackageBytes(built.value, new Uint8Array(Buffer.from(root.publicKey, 'base64')));
  const role = pkg.ok ? presidentSignerRole(pkg.value) : undefined;
  const president = role === undefined ? undefined : loadSigner(keysDir, role);
  const identity = loadSigner(keysDir, 'identity');
  if (role === undefined || president === undefined || !president.ok || !identity.ok) throw new Error('fixture keys');
  const reader = hardware.activationReader('reader');
  await until(host, 'awaiting-puesta-a-cero');
  const credential = hardware.activationDevice('credential');
  credential.writeMemory(encodeImage(writeMemberCredential(president.value.seed, role)));
  reader.insert(credential);
  await until(host, 'ready');
  reader.pull();
  await host.idle();

  const token = issueToken({ electionId: EG.election.id, mesa: EG.mesa.number, simulacro: EG.election.simulacro, now: new Date(EG2026_OPEN_AT), validityMinutes: 60, signer: identity.value });
  const voter = hardware.activationDevice('voter');
  voter.writeMemory(encodeImage(token.bytes));
  reader.insert(voter);
  await until(host, 'contest');
  return host;
}

test('a cabin configured for an alert after 2 min lasting 20 s alerts and ends the session at exactly those times', async (t) => {
  const timers = new SimulatedClock();
  const host = await voterVoting(t, { alertAfterMinutes: 2, alertDurationSeconds: 20 }, timers);
  t.true(2 * 60_000 < DEFAULT_BOOTH_TIMEOUTS.inactivityAlertAfterMs && 20_000 < DEFAULT_BOOTH_TIMEOUTS.inactivityAlertDurationMs, 'the configured values differ from the defaults');

  timers.increment(2 * 60_000 - 1);
  await settle(host);
  t.is(screenOf(host.actor.getSnapshot()), 'contest', 'no alert before the configured 2 minutes');
  timers.increment(1);
  await until(host, 'inactivity-alert');

  timers.increment(20_000 - 1);
  await settle(host);
  t.is(screenOf(host.actor.getSnapshot()), 'inactivity-alert', 'the alert lasts the configured 20 s');
  timers.increment(1);
  await until(host, 'session-ended-inactivity');
});

test('without an inactivity field the cabin keeps the defaults of timeouts.ts (3 min, 30 s)', async (t) => {
  const timers = new SimulatedClock();
  const host = await voterVoting(t, undefined, timers);
  timers.increment(DEFAULT_BOOTH_TIMEOUTS.inactivityAlertAfterMs - 1);
  await settle(host);
  t.is(screenOf(host.actor.getSnapshot()), 'contest');
  timers.increment(1);
  await until(host, 'inactivity-alert');
  timers.increment(DEFAULT_BOOTH_TIMEOUTS.inactivityAlertDurationMs - 1);
  await settle(host);
  t.is(screenOf(host.actor.getSnapshot()), 'inactivity-alert');
  timers.increment(1);
  await until(host, 'session-ended-inactivity');
});

test('the config parser converts minutes and seconds to the machine timeouts', (t) => {
  t.deepEqual(inactivityTimeouts({ alertAfterMinutes: 2.5, alertDurationSeconds: 45 }), { inactivityAlertAfterMs: 150_000, inactivityAlertDurationMs: 45_000 });
  t.deepEqual(inactivityTimeouts({ alertAfterMinutes: 5 }), { inactivityAlertAfterMs: 300_000 });
  t.deepEqual(inactivityTimeouts(undefined), {});
  const parsed = parseBoothHostConfig(rawConfig('/tmp/x', '/tmp/k', { alertAfterMinutes: 5, alertDurationSeconds: 20 }));
  t.true(parsed.ok, 'the range ends are legal');
});

const REFUSED = [
  { inactivity: { alertAfterMinutes: 1 }, message: 'inactivity.alertAfterMinutes: the inactivity alert must come after 2 to 5 minutes (VVSG 2.0 ch. 7)' },
  { inactivity: { alertAfterMinutes: 5.5 }, message: 'inactivity.alertAfterMinutes: the inactivity alert must come after 2 to 5 minutes (VVSG 2.0 ch. 7)' },
  { inactivity: { alertAfterMinutes: 2.0001 }, message: 'inactivity.alertAfterMinutes: must be a whole number of seconds (e.g. 2.5 minutes)' },
  { inactivity: { alertDurationSeconds: 10 }, message: 'inactivity.alertDurationSeconds: the inactivity alert must last 20 to 45 seconds (VVSG 2.0 ch. 7)' },
  { inactivity: { alertDurationSeconds: 60 }, message: 'inactivity.alertDurationSeconds: the inactivity alert must last 20 to 45 seconds (VVSG 2.0 ch. 7)' },
  { inactivity: { alertDurationSeconds: 30.5 }, message: 'inactivity.alertDurationSeconds: must be a whole number of seconds' },
  // Milliseconds by mistake: refused, not read as 180000 minutes.
  { inactivity: { alertAfterMs: 180_000 }, message: 'inactivity: Unrecognized key: "alertAfterMs"' },
] as const;

for (const { inactivity, message } of REFUSED) {
  test(`an out-of-range or malformed inactivity config is refused at parse: ${JSON.stringify(inactivity)}`, (t) => {
    const parsed = parseBoothHostConfig(rawConfig('/tmp/x', '/tmp/k', inactivity));
    if (parsed.ok) return t.fail('the config was accepted');
    t.deepEqual(parsed.error, [message]);
  });
}
