/**
 * End to end, a mesa of the eg2026 fixture on simulated hardware with the REAL station hosts:
 * the identity station (identity-station/host.ts) installs the mesa and issues activation
 * tokens, two cabins (booth/host.ts) store the votes, one Art. 23 elector and one impugnado,
 * every station closes and writes its signed file to ONE consolidation stick, which the results
 * station (results-station/host.ts) then reads: actas printed, members sign, consolidated result
 * written. The acta's numbers must equal an independent recount of the ballots stored in the
 * cabins' vote stores, and the observer tool (`vep verify`) must accept the device.
 */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import type { Ballot, ContestChoice } from '../shared/ballot/ballot.ts';
import { writeMemberCredential } from '../shared/credentials/member-credential.ts';
import { loadSigner, memberRole } from '../shared/crypto/keyset.ts';
import { encodeImage } from '../shared/devices/activation/device-image.ts';
import { AUDIT_EXPORT_FILE_NAME } from '../shared/audit/export.ts';
import { openAuditLog } from '../shared/audit/log.ts';
import { CABIN_RESULTS_FILE_NAME } from '../shared/results/cabin-results.ts';
import { IDENTITY_SUMMARY_FILE_NAME, NON_VOTERS_FILE_NAME } from '../shared/results/identity-summary.ts';
import { MESA_RESULT_FILE_NAME, PACKAGE_COPY_FILE_NAME, verifyMesaResult } from '../shared/results/mesa-result.ts';
import { addArt23Blanks } from '../shared/tally/art23.ts';
import { mergeAllTallies } from '../shared/tally/merge.ts';
import { tallyBallots, type Tally } from '../shared/tally/tally.ts';
import type { VirtualActivationDevice } from '../hardware-sim/hid/virtual-activation-device.ts';
import { startBoothHost, type BoothHost } from '../booth/host.ts';
import { screenOf as boothScreenOf } from '../booth/machine.ts';
import type { BoothScreen } from '../booth/machine-types.ts';
import { openVoteStore } from '../booth/vote-store.ts';
import { parseResultsHostConfig } from '../results-station/host-config.ts';
import { RESULTS_AUDIT_FILE, startResultsHost, type ResultsHost } from '../results-station/host.ts';
import { screenOf as resultsScreenOf } from '../results-station/machine.ts';
import type { ResultsScreen } from '../results-station/machine-types.ts';
import { runCli, runCliInProcess } from './helpers/cli.ts';
import { parsePrintedActa, printedShapeOf } from './helpers/printed-acta.ts';
import {
  closeByPresident,
  doesNotVote,
  handBack,
  impugn,
  install,
  issue,
  loadFixture,
  makeWorld,
  presidentCredential,
  start as startIdentity,
  titulares,
  until as identityUntil,
  type World,
} from './helpers/identity-host-world.ts';

const PRINTER = { kind: 'simulated-pty', statusReplyTimeoutMs: 5000 } as const;

async function wait(check: () => boolean, what: string, idle: () => Promise<void> = () => Promise.resolve()): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    await idle();
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never happened: ${what}`);
}

async function cabinUntil(host: BoothHost, wanted: BoothScreen): Promise<void> {
  await wait(() => boothScreenOf(host.actor.getSnapshot()) === wanted, `cabin screen ${wanted} (on ${boothScreenOf(host.actor.getSnapshot())})`, () => host.idle());
}

async function resultsUntil(host: ResultsHost, wanted: ResultsScreen, changedFrom?: unknown): Promise<void> {
  await wait(
    () => resultsScreenOf(host.actor.getSnapshot()) === wanted && host.actor.getSnapshot() !== changedFrom,
    `results screen ${wanted} (on ${resultsScreenOf(host.actor.getSnapshot())})`,
    () => host.idle(),
  );
}

function credentialDevice(world: World, name: string, bytes: Uint8Array): VirtualActivationDevice {
  const device = world.hardware.activationDevice(name);
  device.writeMemory(encodeImage(bytes));
  return device;
}

async function startCabin(t: ExecutionContext, world: World, cabinId: string): Promise<BoothHost> {
  const started = await startBoothHost(
    {
      packagePath: world.config.packagePath,
      rootPublicKeyFile: world.config.rootPublicKeyFile,
      cabinId,
      dataDir: path.join(world.dir, cabinId),
      keysDir: world.keysDir,
      devices: {
        activationReader: { kind: 'simulated', name: `reader-${cabinId}`, timeoutMs: 3000 },
        consolidation: { kind: 'simulated', name: 'usb', writeOnce: false, inserted: true },
        printer: PRINTER,
      },
    },
    { hardware: world.hardware, clock: () => new Date(world.now) },
  );
  if (!started.ok) throw new Error(`cabin did not start: ${JSON.stringify(started.error)}`);
  t.teardown(() => started.value.close());
  const host = started.value;
  await cabinUntil(host, 'awaiting-puesta-a-cero');
  const reader = world.hardware.activationReader(`reader-${cabinId}`);
  reader.insert(credentialDevice(world, `credential-${cabinId}`, presidentCredential(world)));
  await cabinUntil(host, 'ready');
  reader.pull();
  await host.idle();
  return host;
}

/** Voter n's choices: an organization (with preferential votes where allowed), a blank or a null, varied by n. */
function ballotOf(world: World, n: number): Ballot {
  const choices: Record<string, ContestChoice> = {};
  for (const [i, contest] of world.definition.contests.entries()) {
    const pick = (n * 7 + i * 3) % 11;
    if (pick === 9) choices[contest.id] = { kind: 'blank' };
    else if (pick === 10) choices[contest.id] = { kind: 'null' };
    else {
      const organization = contest.organizations[(n + i * 5) % contest.organizations.length];
      if (organization === undefined) throw new Error('fixture');
      const max = contest.kind === 'organization-list' ? contest.maxPreferential : 0;
      const numbers = (organization.candidates ?? []).map((c) => c.number);
      const preferential = numbers.slice(n % Math.max(1, numbers.length - max), (n % Math.max(1, numbers.length - max)) + Math.min(max, n % 3));
      choices[contest.id] = { kind: 'organization', organization: organization.number, preferential: [...preferential].sort((a, b) => a - b) };
    }
  }
  return { choices };
}

async function voteInCabin(world: World, cabin: BoothHost, cabinId: string, device: VirtualActivationDevice, ballot: Ballot): Promise<void> {
  const reader = world.hardware.activationReader(`reader-${cabinId}`);
  reader.insert(device);
  await cabinUntil(cabin, 'contest');
  for (const contest of world.definition.contests) {
    const choice = ballot.choices[contest.id];
    if (choice === undefined || choice.kind === 'blank') cabin.send({ type: 'CHOOSE_BLANK' });
    else if (choice.kind === 'null') cabin.send({ type: 'CHOOSE_NULL' });
    else {
      cabin.send({ type: 'CHOOSE_ORGANIZATION', organization: choice.organization });
      if (choice.preferential.length > 0) cabin.send({ type: 'SET_PREFERENTIAL', candidates: choice.preferential });
    }
    cabin.send({ type: 'NEXT' });
  }
  await cabinUntil(cabin, 'review');
  cabin.send({ type: 'NEXT' });
  await cabinUntil(cabin, 'confirm');
  cabin.send({ type: 'CONFIRM' });
  await cabinUntil(cabin, 'remove-device');
  reader.pull();
  await cabinUntil(cabin, 'ready');
}

async function closeCabin(world: World, cabin: BoothHost, cabinId: string): Promise<void> {
  const reader = world.hardware.activationReader(`reader-${cabinId}`);
  reader.insert(credentialDevice(world, `close-${cabinId}`, presidentCredential(world)));
  await wait(() => cabin.credentialPresent(), `${cabinId} sees the credential`, () => cabin.idle());
  cabin.requestClose(true);
  await cabinUntil(cabin, 'closed');
  reader.pull();
  await cabin.idle();
}

function memberCredential(world: World, n: number): Uint8Array {
  const role = memberRole(n);
  const signer = loadSigner(world.keysDir, role);
  if (!signer.ok) throw new Error(`no key for ${role}`);
  return writeMemberCredential(signer.value.seed, role);
}

function recount(world: World, ballotsPerCabin: readonly (readonly Ballot[])[], art23: number): Tally {
  const tallies = ballotsPerCabin.map((ballots) => {
    const counted = tallyBallots(world.definition, ballots);
    if (!counted.ok) throw new Error('recount');
    return counted.value;
  });
  const merged = mergeAllTallies(world.definition, tallies);
  if (!merged.ok) throw new Error('merge');
  const withBlanks = addArt23Blanks(merged.value, art23);
  if (!withBlanks.ok) throw new Error('art23');
  return withBlanks.value;
}

interface MesaPlan {
  /** Electors who vote in the cabins (titulares first, then padrón order). */
  readonly voters: number;
  /** Electors identified who then do not vote (Art. 23), after the voters. */
  readonly art23: number;
  /** Electors impugned (Art. 24, vote on paper), after those. */
  readonly impugned: number;
}

/**
 * The day: identity station, two cabins, the plan's electors, every station closed onto ONE
 * stick, the results station's escrutinio. Asserts that the acta (sealed data AND every printed
 * copy's text) equals an independent recount of the ballots in the cabins' vote stores, and that
 * `vep verify` exits 0 on the stick. Returns the world and the stick's directory.
 */
async function mesaDay(t: ExecutionContext, plan: MesaPlan): Promise<{ world: World; usbDir: string }> {
  const world = makeWorld(t);
  // Every station uses the same printer settings (generous status timeout on two busy cores).
  world.config.devices.printer = PRINTER;
  const identity = await startIdentity(t, world);
  await install(world, identity);
  const cabins = { 'cabin-1': await startCabin(t, world, 'cabin-1'), 'cabin-2': await startCabin(t, world, 'cabin-2') };

  // Members first (the identity station's order rule), then other electors, alternating cabins.
  const members = titulares(world.definition);
  // Everyone else in padrón order (suplentes vote as electors).
  const others = world.definition.padron.map((e) => e.dni).filter((dni) => !members.includes(dni));
  const voters = [...members, ...others].slice(0, plan.voters);
  const rest = others.slice(plan.voters - members.length);
  if (plan.voters < members.length || rest.length < plan.art23 + plan.impugned) throw new Error('the plan does not fit the padrón');
  const cast: Record<string, Ballot[]> = { 'cabin-1': [], 'cabin-2': [] };
  for (const [n, dni] of voters.entries()) {
    const cabinId = n % 2 === 0 ? 'cabin-1' : 'cabin-2';
    const device = world.hardware.activationDevice(`voter-${n}`);
    await issue(world, identity, dni, device);
    const ballot = ballotOf(world, n);
    await voteInCabin(world, cabins[cabinId], cabinId, device, ballot);
    cast[cabinId]?.push(ballot);
    handBack(world, identity, dni, device);
    await identityUntil(identity, 'voted-recorded');
    identity.send({ type: 'DONE' });
    await identityUntil(identity, 'awaiting-dni');
    world.hardware.activationReader('writer').pull();
  }
  for (const [i, dni] of rest.slice(0, plan.art23).entries()) await doesNotVote(world, identity, dni, world.hardware.activationDevice(`unused-${i}`));
  for (const dni of rest.slice(plan.art23, plan.art23 + plan.impugned)) await impugn(identity, dni);

  for (const cabinId of ['cabin-1', 'cabin-2'] as const) await closeCabin(world, cabins[cabinId], cabinId);
  await closeByPresident(world, identity);
  // The public list of non-voters goes on the stick too (its hash is signed in the summary).
  identity.send({ type: 'EXPORT_NON_VOTERS' });
  await wait(() => fs.existsSync(path.join(world.hardware.usbStick('usb').mountPath, NON_VOTERS_FILE_NAME)), 'non-voters list on the stick');
  await identityUntil(identity, 'closed');
  await identity.close();
  for (const cabin of Object.values(cabins)) await cabin.close();

  // The independent recount: straight from the cabins' vote stores.
  const stored = (['cabin-1', 'cabin-2'] as const).map((cabinId) => {
    const store = openVoteStore(path.join(world.dir, cabinId, 'votes.db'));
    if (!store.ok) throw new Error(`${cabinId} store`);
    const ballots = store.value.closedBallots();
    store.value.disconnect();
    if (!ballots.ok) throw new Error(`${cabinId} ballots`);
    return ballots.value;
  });
  const expected = recount(world, stored, plan.art23);
  t.deepEqual(expected, recount(world, [cast['cabin-1'] ?? [], cast['cabin-2'] ?? []], plan.art23), 'the stores hold exactly the ballots cast');

  // The results station reads the one stick every station wrote to.
  const parsed = parseResultsHostConfig({
    packagePath: world.config.packagePath,
    rootPublicKeyFile: world.config.rootPublicKeyFile,
    dataDir: path.join(world.dir, 'results'),
    keysDir: world.keysDir,
    devices: {
      activationReader: { kind: 'simulated', name: 'results-reader', timeoutMs: 3000 },
      consolidation: { kind: 'simulated', name: 'usb', inserted: true },
      printer: PRINTER,
    },
  });
  if (!parsed.ok) throw new Error(parsed.error.join('; '));
  const started = await startResultsHost(parsed.value, { hardware: world.hardware, clock: () => new Date(world.now + 9 * 3600_000), devicePollMs: 50 });
  if (!started.ok) throw new Error(`results host did not start: ${JSON.stringify(started.error)}`);
  const results = started.value;
  t.teardown(() => results.close());
  const reader = world.hardware.activationReader('results-reader');
  const present = async (name: string, bytes: Uint8Array, after: ResultsScreen) => {
    const before = results.actor.getSnapshot();
    reader.insert(credentialDevice(world, name, bytes));
    await resultsUntil(results, after, before);
    reader.pull();
    await results.idle();
  };
  await resultsUntil(results, 'awaiting-president');
  await present('results-president', memberCredential(world, 1), 'tallied');
  t.deepEqual(results.actor.getSnapshot().context.result?.tally, expected);
  results.send({ type: 'PRINT_ACTAS' });
  await resultsUntil(results, 'signing');
  for (const n of [1, 2, 3]) await present(`signer-${n}`, memberCredential(world, n), 'signing');
  results.send({ type: 'FINISH_SIGNING' });
  await resultsUntil(results, 'closed');

  const tickets = results.devices.printer?.simulator?.emulator.completeTickets().map((ticket) => ticket.text) ?? [];
  const actas = tickets.filter((text) => /ACTA DE ESCRUTINIO/u.test(text));
  t.is(actas.length, world.definition.actaCopies.length);
  // The PAPER: every printed copy's numbers, read back from its text, equal the recount.
  for (const acta of actas) t.deepEqual(parsePrintedActa(acta, world.definition), printedShapeOf(expected), 'printed acta = recount');
  const usbDir = world.hardware.usbStick('usb').mountPath;
  const verified = verifyMesaResult(fs.readFileSync(path.join(usbDir, MESA_RESULT_FILE_NAME)), { pkg: world.pkg });
  if (!verified.ok) throw new Error(`mesa result does not verify: ${JSON.stringify(verified.error)}`);
  t.deepEqual(verified.value.acta.data.tally, expected, 'the acta numbers equal the recount of the stored ballots');
  t.is(verified.value.acta.data.tally.ballots, plan.voters);
  t.is(verified.value.acta.data.identity?.counts.impugnados, plan.impugned);
  t.is(verified.value.acta.data.identity?.counts.art23NotVoted, plan.art23);
  await results.close();

  const observerActa = path.join(world.dir, 'acta-observador.txt');
  const verify = await runCli(['verify', usbDir, '--keys', world.keysDir, '--acta', observerActa], { timeoutMs: 120_000 });
  t.is(verify.code, 0, `vep verify: ${verify.stdout}${verify.stderr}`);
  // The observer renders the acta from the verified data with the station's own function: it is
  // the first printed copy, line for line, but for the time it was printed.
  const withoutPrintTime = (text: string) => text.split('\n').filter((line) => !line.startsWith('Impresión:')).map((line) => line.trimEnd());
  t.deepEqual(withoutPrintTime(fs.readFileSync(observerActa, 'utf8')), withoutPrintTime(actas[0] ?? ''), 'vep verify --acta renders the printed acta');
  return { world, usbDir };
}

test.serial('a mesa end to end: identity station, two cabins, results station; the acta and its printed copies equal a recount of the stored ballots, vep verify accepts the device, and a byte flipped in any file is refused by the station and by vep verify', async (t) => {
  const { world, usbDir } = await mesaDay(t, { voters: 6, art23: 1, impugned: 1 });

  // Every file the real stations wrote is on the stick.
  const good = path.join(world.dir, 'good-device');
  fs.cpSync(usbDir, good, { recursive: true });
  const files = fs.readdirSync(good).sort();
  t.deepEqual(files, [...STICK_FILES].sort(), `device files: ${files.join(', ')}`);
  await flipEveryFile(t, world, good, files);
});

/**
 * A FULL mesa of the eg2026 fixture: every elector of the padrón comes (most vote, some are
 * Art. 23, some impugned), so the acta is checked at the size it has on election day. Measured
 * at about a minute and a half on the 2-core machine (see results-station/README.md).
 */
test.serial('a full mesa: all 300 electors of the eg2026 padrón come; the acta and its printed copies equal a recount of the stored ballots and vep verify accepts the device', async (t) => {
  t.timeout(600_000);
  const padron = loadFixture('eg2026').padron.length;
  const art23 = 5;
  const impugned = 3;
  const { world } = await mesaDay(t, { voters: padron - art23 - impugned, art23, impugned });
  t.is(world.definition.padron.length, padron);
});

/** What the cabins, the identity station and the results station leave on the one stick. */
const STICK_FILES = [
  PACKAGE_COPY_FILE_NAME,
  CABIN_RESULTS_FILE_NAME('cabin-1'),
  CABIN_RESULTS_FILE_NAME('cabin-2'),
  AUDIT_EXPORT_FILE_NAME('cabin-1'),
  AUDIT_EXPORT_FILE_NAME('cabin-2'),
  IDENTITY_SUMMARY_FILE_NAME,
  AUDIT_EXPORT_FILE_NAME('identity'),
  NON_VOTERS_FILE_NAME,
  MESA_RESULT_FILE_NAME,
  AUDIT_EXPORT_FILE_NAME('results'),
];

/**
 * One byte flipped (first, middle, last, and a quarter in) in each file of the good device: a
 * fresh results station refuses the device naming the file, and `vep verify` exits non-zero
 * naming it. One station and one copy of the device serve every flip (the refused device is
 * taken out, the flipped file restored and the next one flipped), so no day is rerun.
 */
async function flipEveryFile(t: ExecutionContext, world: World, good: string, files: readonly string[]): Promise<void> {
  const stick = world.hardware.usbStick('flips', { inserted: false });
  const copy = stick.mountPath;
  for (const name of files) fs.copyFileSync(path.join(good, name), path.join(copy, name));
  const parsed = parseResultsHostConfig({
    packagePath: world.config.packagePath,
    rootPublicKeyFile: world.config.rootPublicKeyFile,
    dataDir: path.join(world.dir, 'results-flips'),
    keysDir: world.keysDir,
    devices: {
      activationReader: { kind: 'simulated', name: 'flips-reader', timeoutMs: 3000 },
      consolidation: { kind: 'simulated', name: 'flips', inserted: false },
      printer: PRINTER,
    },
  });
  if (!parsed.ok) throw new Error(parsed.error.join('; '));
  const started = await startResultsHost(parsed.value, { hardware: world.hardware, clock: () => new Date(world.now + 10 * 3600_000), devicePollMs: 50 });
  if (!started.ok) throw new Error(`results host did not start: ${JSON.stringify(started.error)}`);
  const station = started.value;
  t.teardown(() => station.close());
  await resultsUntil(station, 'awaiting-president');
  const reader = world.hardware.activationReader('flips-reader');
  reader.insert(credentialDevice(world, 'flips-president', memberCredential(world, 1)));
  await resultsUntil(station, 'insert-cabin-device');
  reader.pull();

  // Each refusal the machine audits, in order: the signal that THIS insertion was read and refused.
  const refused: string[] = [];
  station.actor.on('audit', (event) => {
    if (event.event === 'results.refused') refused.push(event.message);
  });
  let flips = 0;
  for (const name of files) {
    const original = fs.readFileSync(path.join(good, name));
    const n = original.length;
    for (const at of new Set([0, Math.floor(n / 4), Math.floor(n / 2), n - 1])) {
      const flipped = Buffer.from(original);
      flipped[at] = (flipped[at] ?? 0) ^ 0x01;
      fs.writeFileSync(path.join(copy, name), flipped);
      const what = `${name} byte ${at} of ${n}`;

      const verify = await runCliInProcess(['verify', copy, '--keys', world.keysDir]);
      t.not(verify.code, 0, `vep verify accepts ${what}`);
      t.true(verify.stderr.includes(`FAIL ${name}: `), `vep verify names ${name} (${what}): ${verify.stderr}`);

      stick.insert();
      await wait(() => refused.length === flips + 1, `the station refuses ${what}`, () => station.idle());
      await resultsUntil(station, 'device-refused');
      t.true(refused[flips]?.includes(name), `the audit entry names ${name}: ${refused[flips] ?? ''}`);
      const text = station.actor.getSnapshot().context.deviceRefusalText ?? '';
      // The station's own cabin-1 read names its cabin; any other file is named by its file name.
      t.true(name === CABIN_RESULTS_FILE_NAME('cabin-1') ? text.includes('cabina 1') : text.includes(`El archivo ${name}`), `the station names ${name} (${what}): ${text}`);
      t.deepEqual(station.actor.getSnapshot().context.readings, [], `nothing read from the device with ${what}`);
      await stick.remove();
      await station.idle();
      await new Promise((resolve) => setTimeout(resolve, 120));
      fs.writeFileSync(path.join(copy, name), original);
      flips += 1;
    }
  }
  t.true(flips >= files.length * 3);
  // The same device restored: accepted, and the same tally.
  stick.insert();
  await resultsUntil(station, 'tallied');
  await station.close();
  const logged = auditEntries(path.join(world.dir, 'results-flips'), world.now).filter((e) => e.event === 'results.refused');
  t.deepEqual(
    logged.map((e) => e.message),
    refused,
    'every refusal is in the station audit log',
  );
}

function auditEntries(dataDir: string, now: number): { event: string; message: string }[] {
  const log = openAuditLog(path.join(dataDir, RESULTS_AUDIT_FILE), { role: 'results', clock: () => new Date(now) });
  if (!log.ok) throw new Error('audit log');
  const entries = log.value.entries().map((entry) => ({ event: entry.event, message: entry.message }));
  log.value.close();
  return entries;
}
