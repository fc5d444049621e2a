/**
 * End to end through the REAL cabin: `runCabin` (the same code path as `vep booth run` and
 * `vep start`) with a generated key set, the signed eg2026 package, the vote store and audit log
 * on disk, and simulated hardware (activation reader with virtual devices, ESC/POS pty printer,
 * USB stick). Real Chromium drives the kiosk page; only the host's own events (devices, the
 * president's close) come from the test, exactly as on a kiosk.
 *
 * What is checked comes from the outputs a mesa would see: the constancia decoded from the
 * simulated printer's ticket (text and QR), the ballot rows in votes.db, the device bytes, the
 * signed results file on the USB stick. axe-core runs on every screen visited.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import Database from 'better-sqlite3';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import type { Browser, Page } from 'playwright-core';
import { readDeviceState } from '../shared/activation/device-state.ts';
import { AUDIT_EXPORT_FILE_NAME, verifyAuditExport } from '../shared/audit/export.ts';
import { issueToken } from '../shared/activation/token.ts';
import type { Ballot } from '../shared/ballot/ballot.ts';
import { decodeCompactBallot } from '../shared/ballot/encoding.ts';
import { validateBallot } from '../shared/ballot/rules.ts';
import { canonicalJson } from '../shared/crypto/canonical-json.ts';
import { generateKeySet, loadSigner, publicKeyFile } from '../shared/crypto/keyset.ts';
import { presidentSignerRole, writeMemberCredential } from '../shared/credentials/member-credential.ts';
import { decodeImage, encodeImage } from '../shared/devices/activation/device-image.ts';
import { buildPackage, resolvePackageKey, verifyPackageBytes, type VerifiedPackage } from '../shared/election/package.ts';
import { CABIN_RESULTS_FILE_NAME, verifyCabinResults } from '../shared/results/cabin-results.ts';
import { SimulatedHardware } from '../hardware-sim/control/simulated-hardware.ts';
import type { PrinterEmulator } from '../hardware-sim/printer/emulator.ts';
import type { VirtualActivationDevice } from '../hardware-sim/hid/virtual-activation-device.ts';
import type { BoothHostConfig } from '../booth/host-config.ts';
import type { BoothScreen } from '../booth/machine-types.ts';
import { runCabin, type RunningCabin } from '../booth/station.ts';
import { usedNonceKey } from '../booth/vote-store.ts';
import { EG2026_OPEN_AT, loadEg2026 } from './helpers/booth-harness.ts';
import { axeViolations, chooseWithKeypad, launchKioskBrowser, waitForScreen } from './helpers/booth-ui-browser.ts';

const jsQR = jsQRModule.default;
const EG = loadEg2026();

let browser: Browser;

test.before(async () => {
  browser = await launchKioskBrowser();
});

test.after.always(async () => {
  await browser.close();
});

interface World {
  readonly config: BoothHostConfig;
  readonly keysDir: string;
  readonly hardware: SimulatedHardware;
  readonly pkg: VerifiedPackage;
  readonly now: number;
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
  const rootPublicKeyFile = publicKeyFile(keysDir, 'onpe-root');
  const rootJson = JSON.parse(fs.readFileSync(rootPublicKeyFile, 'utf8')) as { publicKey: string };
  const pkg = verifyPackageBytes(built.value, new Uint8Array(Buffer.from(rootJson.publicKey, 'base64')));
  if (!pkg.ok) throw new Error('package does not verify');
  const hardware = new SimulatedHardware();
  t.teardown(() => hardware.dispose());
  const config: BoothHostConfig = {
    packagePath,
    rootPublicKeyFile,
    cabinId: 'cabin-1',
    dataDir: path.join(dir, 'data'),
    keysDir,
    devices: {
      activationReader: { kind: 'simulated', name: 'cabin-1', timeoutMs: 3000 },
      consolidation: { kind: 'simulated', name: 'usb', writeOnce: false, inserted: true },
      printer: { kind: 'simulated-pty' },
    },
  };
  return { config, keysDir, hardware, pkg: pkg.value, now: EG2026_OPEN_AT };
}

async function startCabin(t: ExecutionContext, world: World): Promise<RunningCabin> {
  const started = await runCabin(world.config, { hardware: world.hardware, clock: () => new Date(world.now) });
  if (!started.ok) throw new Error(`cabin did not start: ${JSON.stringify(started.error)}`);
  t.teardown(() => started.value.close());
  return started.value;
}

function emulatorOf(cabin: RunningCabin): PrinterEmulator {
  const found = cabin.host.devices.printer?.simulator?.emulator;
  if (found === undefined) throw new Error('simulated printer expected');
  return found;
}

function presidentCredential(world: World): Uint8Array {
  const role = presidentSignerRole(world.pkg);
  if (role === undefined) throw new Error('no president');
  const signer = loadSigner(world.keysDir, role);
  if (!signer.ok) throw new Error('president key');
  return writeMemberCredential(signer.value.seed, role);
}

/** A token issued as the identity station does, written on a fresh simulated activation device. */
function voterDevice(world: World, name: string): { device: VirtualActivationDevice; nonce: string } {
  const signer = loadSigner(world.keysDir, 'identity');
  if (!signer.ok) throw new Error('identity key');
  const token = issueToken({
    electionId: EG.election.id,
    mesa: EG.mesa.number,
    simulacro: EG.election.simulacro,
    now: new Date(world.now),
    validityMinutes: 60,
    signer: signer.value,
  });
  const device = world.hardware.activationDevice(name);
  device.writeMemory(encodeImage(token.bytes));
  return { device, nonce: token.nonce };
}

function deviceState(world: World, device: VirtualActivationDevice) {
  const blob = decodeImage(device.readMemory());
  if (!blob.ok) throw new Error('device unreadable');
  return readDeviceState(blob.value, { resolveKey: resolvePackageKey(world.pkg), electionId: EG.election.id, mesa: EG.mesa.number });
}

/** Ballot rows in the cabin's real store file (read-only second connection; WAL allows it). */
function storedBallotCount(world: World): number {
  const db = new Database(path.join(world.config.dataDir, 'votes.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM ballot').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

interface PrintedConstancia {
  readonly text: string;
  readonly ballot: Ballot;
}

/** Every whole constancia the simulated printer cut, decoded from its QR as a cotejo reader would. */
function printedConstancias(emulator: PrinterEmulator): PrintedConstancia[] {
  return emulator
    .completeTickets()
    .filter((ticket) => ticket.text.includes('CONSTANCIA DE VOTO'))
    .map((ticket) => {
      const png = PNG.sync.read(emulator.renderPng(ticket));
      const code = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
      if (code === null) throw new Error('constancia QR unreadable');
      const ballot = decodeCompactBallot(EG, code.data);
      if (!ballot.ok) throw new Error(`constancia QR does not decode: ${JSON.stringify(ballot.error)}`);
      return { text: ticket.text, ballot: ballot.value };
    });
}

function normalized(ballot: Ballot): string {
  const valid = validateBallot(EG, ballot);
  if (!valid.ok) throw new Error(`test ballot invalid: ${JSON.stringify(valid.error)}`);
  return canonicalJson(valid.value);
}

async function until(page: Page, screen: BoothScreen, violations: Map<string, string[]>): Promise<void> {
  await waitForScreen(page, screen);
  const key = `${screen}${(await page.locator('#title').textContent()) ?? ''}`;
  if (!violations.has(key)) violations.set(key, await axeViolations(page));
}

async function next(page: Page, screen: BoothScreen, violations: Map<string, string[]>): Promise<void> {
  await page.locator('button[data-key="next"]').click();
  await until(page, screen, violations);
}

async function tap(page: Page, name: string, key: string): Promise<void> {
  await page.getByRole('button', { name, exact: true }).click();
  await page.waitForSelector(`button[data-key="${key}"][aria-pressed="true"]`);
}

/** Bounded wait on a condition of the host world (devices, printer); never a timing assertion. */
async function eventually(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const VOTER_A: Ballot = {
  choices: {
    presidencial: { kind: 'organization', organization: 8, preferential: [] },
    'senado-nacional': { kind: 'organization', organization: 12, preferential: [3, 15] },
    'senado-regional': { kind: 'organization', organization: 3, preferential: [1] },
    diputados: { kind: 'organization', organization: 6, preferential: [4] },
    'parlamento-andino': { kind: 'organization', organization: 1, preferential: [2, 9] },
  },
};

const VOTER_B: Ballot = {
  choices: {
    presidencial: { kind: 'blank' },
    'senado-nacional': { kind: 'null' },
    'senado-regional': { kind: 'organization', organization: 4, preferential: [2] },
    diputados: { kind: 'organization', organization: 1, preferential: [3] },
    'parlamento-andino': { kind: 'organization', organization: 10, preferential: [14] },
  },
};

test('a simulacro day through the real cabin in Chromium: two voters, a device pulled mid-vote, paper out, close', async (t) => {
  const world = makeWorld(t);
  const cabin = await startCabin(t, world);
  const reader = world.hardware.activationReader('cabin-1');
  const emulator = emulatorOf(cabin);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  t.teardown(() => context.close());
  const page = await context.newPage();
  const violations = new Map<string, string[]>();
  await page.goto(cabin.screenUrl);

  // --- puesta a cero with the president's credential in the cabin's reader
  await until(page, 'awaiting-puesta-a-cero', violations);
  const credential = world.hardware.activationDevice('credencial-presidente');
  credential.writeMemory(encodeImage(presidentCredential(world)));
  reader.insert(credential);
  await until(page, 'ready', violations);
  reader.pull();
  await cabin.host.idle();
  t.regex(emulator.completeTickets()[0]?.text ?? '', /REPORTE DE PUESTA A CERO/u);
  t.is(storedBallotCount(world), 0);

  // --- voter A: five contests with preferential votes, diputados changed from the review
  const a = voterDevice(world, 'votante-a');
  reader.insert(a.device);
  await until(page, 'contest', violations);
  await chooseWithKeypad(page, 8, []);
  await next(page, 'contest', violations);
  await chooseWithKeypad(page, 12, [15, 3]);
  await next(page, 'contest', violations);
  await chooseWithKeypad(page, 3, [1]);
  await next(page, 'contest', violations);
  await chooseWithKeypad(page, 5, [7, 2]);
  await next(page, 'contest', violations);
  await chooseWithKeypad(page, 1, [9, 2]);
  await next(page, 'review', violations);
  t.regex((await page.locator('.review-list li').allTextContents())[3] ?? '', /^Diputados.*5 — /u);
  await page.getByRole('button', { name: /^Cambiar Diputados/u }).click();
  await until(page, 'contest', violations);
  await page.locator('button[data-key="remove-7"]').click();
  await page.locator('button[data-key="remove-2"]').click();
  await chooseWithKeypad(page, 6, [4]);
  await page.getByRole('button', { name: 'Volver a la revisión' }).click();
  await until(page, 'review', violations);
  t.regex((await page.locator('.review-list li').allTextContents())[3] ?? '', /^Diputados.*6 — .*voto preferencial: 4/u);
  await next(page, 'confirm', violations);
  await page.getByRole('button', { name: 'Confirmar mi voto' }).click();
  await until(page, 'remove-device', violations);

  const afterA = printedConstancias(emulator);
  t.is(afterA.length, 1, 'one constancia for voter A');
  t.is(normalized(afterA[0]?.ballot ?? { choices: {} }), normalized(VOTER_A), 'the constancia QR is what voter A chose');
  t.regex(afterA[0]?.text ?? '', /Diputados \(Cusco\)\n6 - Partido/u, 'the changed choice is on the paper');
  t.notRegex(afterA[0]?.text ?? '', /REIMPRESI/u);
  t.is(storedBallotCount(world), 1, 'the ballot is in the store');
  t.deepEqual(deviceState(world, a.device), { state: 'consumed', nonce: a.nonce, cabin: 'cabin-1' });
  reader.pull();
  await until(page, 'ready', violations);

  // --- voter B pulls the device mid-vote: cancelled, nothing stored, the token still works
  const b = voterDevice(world, 'votante-b');
  reader.insert(b.device);
  await until(page, 'contest', violations);
  await tap(page, 'Voto en blanco', 'blank');
  await next(page, 'contest', violations);
  reader.pull();
  await until(page, 'ready', violations);
  await page.waitForSelector('#title:text("Sesión cancelada")');
  t.regex((await page.locator('#main').textContent()) ?? '', /El voto NO fue registrado/u);
  t.is(storedBallotCount(world), 1, 'nothing stored for the cancelled session');
  t.is(printedConstancias(emulator).length, 1, 'nothing printed for the cancelled session');
  const pulled = deviceState(world, b.device);
  t.true(pulled.state === 'invalid' && pulled.detail.startsWith('claimed by cabin-1 '), 'the device stays claimed by this cabin, not consumed');

  reader.insert(b.device);
  await until(page, 'contest', violations);
  t.is(await page.locator('#content button[aria-pressed="true"]').count(), 0, 'a fresh ballot after the cancelled session');
  await tap(page, 'Voto en blanco', 'blank');
  await next(page, 'contest', violations);
  await tap(page, 'Voto nulo', 'null');
  await next(page, 'contest', violations);
  // The printer runs out of paper while voter B is still voting.
  emulator.setFault('paper-out');
  await chooseWithKeypad(page, 4, [2]);
  await next(page, 'contest', violations);
  await chooseWithKeypad(page, 1, [3]);
  await next(page, 'contest', violations);
  await chooseWithKeypad(page, 10, [14]);
  await next(page, 'review', violations);
  const review = await page.locator('.review-list li').allTextContents();
  t.regex(review[0] ?? '', /VOTO EN BLANCO/u);
  t.regex(review[1] ?? '', /VOTO NULO/u);
  await next(page, 'confirm', violations);
  await page.getByRole('button', { name: 'Confirmar mi voto' }).click();
  await until(page, 'printer-fault', violations);
  t.regex((await page.locator('#main').textContent()) ?? '', /Su voto ya fue registrado/u);
  t.is(storedBallotCount(world), 2, 'the vote was committed before the printer blocked the cabin');
  t.is(printedConstancias(emulator).length, 1, 'no constancia for voter B while the paper is out');

  emulator.refillPaper();
  await until(page, 'remove-device', violations);
  const afterB = printedConstancias(emulator);
  t.is(afterB.length, 2, 'the pending constancia printed once after the paper came back');
  t.is(normalized(afterB[1]?.ballot ?? { choices: {} }), normalized(VOTER_B));
  t.regex(afterB[1]?.text ?? '', /VOTO EN BLANCO[\s\S]*VOTO NULO/u);
  t.is(storedBallotCount(world), 2);
  t.deepEqual(deviceState(world, b.device), { state: 'consumed', nonce: b.nonce, cabin: 'cabin-1' });
  reader.pull();
  await until(page, 'ready', violations);

  // --- close on the president's order; the signed results hold exactly the two ballots
  reader.insert(credential);
  await eventually(() => cabin.host.credentialPresent(), 'the credential to be read');
  cabin.host.requestClose(true);
  await until(page, 'closed', violations);
  reader.pull();
  await cabin.host.idle();
  const file = await cabin.host.devices.consolidation?.readFile(CABIN_RESULTS_FILE_NAME('cabin-1'));
  if (file?.ok !== true) throw new Error('results file missing');
  const results = verifyCabinResults(file.value, { pkg: world.pkg, expectedCabinId: 'cabin-1' });
  if (!results.ok) throw new Error(`results do not verify: ${JSON.stringify(results.error)}`);
  t.deepEqual(results.value.ballots.map(normalized).sort(), [normalized(VOTER_A), normalized(VOTER_B)].sort());
  t.deepEqual([...results.value.usedNonceHashes].sort(), [usedNonceKey(a.nonce), usedNonceKey(b.nonce)].sort());

  // The cabin's audit log export sits next to the results and says nothing about any ballot.
  const exported = await cabin.host.devices.consolidation?.readFile(AUDIT_EXPORT_FILE_NAME('cabin-1'));
  if (exported?.ok !== true) throw new Error('audit export missing');
  t.true(verifyAuditExport(exported.value, results.value.auditLogHead, { role: 'cabin-1' }).ok);
  const exportText = new TextDecoder().decode(exported.value);
  for (const needle of [a.nonce, b.nonce, 'Movimiento Lago Turquesa', 'VOTO EN BLANCO', 'VOTO NULO', 'preferencial']) {
    t.false(exportText.includes(needle), `the exported log does not contain ${needle}`);
  }

  for (const [screen, found] of violations) t.deepEqual(found, [], `axe on ${screen}`);
  t.true(violations.size >= 9, `axe ran on every screen visited (${[...violations.keys()].join(', ')})`);
});
