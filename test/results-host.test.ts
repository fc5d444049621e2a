/**
 * The results station host with real parts: a generated key set and the signed eg2026 package
 * (test/helpers/mesa-device.ts builds the cabins' results and the identity summary with the
 * real builders), the results store and audit log on disk, a simulated activation reader for
 * the credentials, the ESC/POS driver on a simulated pty printer and a simulated USB stick.
 * Nothing here asserts timings.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { AUDIT_EXPORT_FILE_NAME, verifyAuditExport } from '../shared/audit/export.ts';
import { openAuditLog } from '../shared/audit/log.ts';
import { writeMemberCredential } from '../shared/credentials/member-credential.ts';
import { generateSigningKeyPair } from '../shared/crypto/ed25519.ts';
import { loadSigner, memberRole, publicKeyFile } from '../shared/crypto/keyset.ts';
import { encodeImage } from '../shared/devices/activation/device-image.ts';
import { sealEnvelope } from '../shared/crypto/envelope.ts';
import { buildCabinResults, CABIN_RESULTS_FILE_NAME, CABIN_RESULTS_KIND, verifyCabinResults } from '../shared/results/cabin-results.ts';
import { buildIdentitySummary, IDENTITY_SUMMARY_FILE_NAME, verifyIdentitySummary } from '../shared/results/identity-summary.ts';
import { MESA_RESULT_FILE_NAME, PACKAGE_COPY_FILE_NAME, verifyMesaResult } from '../shared/results/mesa-result.ts';
import { addArt23Blanks } from '../shared/tally/art23.ts';
import { mergeAllTallies } from '../shared/tally/merge.ts';
import { tallyBallots, type Tally } from '../shared/tally/tally.ts';
import { SimulatedHardware } from '../hardware-sim/control/simulated-hardware.ts';
import { ACTA_PDF_FILE_NAME } from '../results-station/host-actors.ts';
import { parseResultsHostConfig, type ResultsHostConfig } from '../results-station/host-config.ts';
import { writePersoneroCredential } from '../results-station/host-credentials.ts';
import { organizationField, sheetFields, tallyToSheet } from '../results-station/ports.ts';
import { RESULTS_AUDIT_FILE, RESULTS_STORE_FILE, startResultsHost, type ResultsHost } from '../results-station/host.ts';
import { screenOf } from '../results-station/machine.ts';
import type { ResultsScreen } from '../results-station/machine-types.ts';
import { openResultsStore } from '../results-station/store.ts';
import { buildMesaDevice, DEVICE_SOFTWARE_CODE, type MesaDevice } from './helpers/mesa-device.ts';

interface World {
  readonly dir: string;
  readonly device: MesaDevice;
  readonly config: ResultsHostConfig;
  readonly hardware: SimulatedHardware;
  readonly usbDir: string;
  readonly now: number;
}

const DEVICE_FILES = [CABIN_RESULTS_FILE_NAME('cabin-1'), CABIN_RESULTS_FILE_NAME('cabin-2'), IDENTITY_SUMMARY_FILE_NAME];

function makeWorld(t: ExecutionContext): World {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const keysDir = path.join(dir, 'keys');
  const device = buildMesaDevice(path.join(dir, 'built'), { keysDir, ballotsPerCabin: [4, 3], art23NotVoted: 1, impugnados: 1 });
  const hardware = new SimulatedHardware();
  t.teardown(() => hardware.dispose());
  const stick = hardware.usbStick('usb', { inserted: true });
  // The stick as the cabins and the identity station leave it (their signed files, audit log
  // exports and the non-voters list); the results station's own files are not there yet.
  const stationFiles = device.files.filter((name) => ![PACKAGE_COPY_FILE_NAME, MESA_RESULT_FILE_NAME, AUDIT_EXPORT_FILE_NAME('results')].includes(name));
  for (const name of stationFiles) fs.copyFileSync(path.join(device.dir, name), path.join(stick.mountPath, name));
  const parsed = parseResultsHostConfig({
    packagePath: path.join(device.dir, PACKAGE_COPY_FILE_NAME),
    rootPublicKeyFile: publicKeyFile(keysDir, 'onpe-root'),
    dataDir: path.join(dir, 'data'),
    keysDir,
    devices: {
      activationReader: { kind: 'simulated', name: 'reader', timeoutMs: 3000 },
      consolidation: { kind: 'simulated', name: 'usb', inserted: true },
      printer: { kind: 'simulated-pty', statusReplyTimeoutMs: 5000 },
    },
  });
  if (!parsed.ok) throw new Error(parsed.error.join('; '));
  return { dir, device, config: parsed.value, hardware, usbDir: stick.mountPath, now: Date.parse('2026-04-12T22:30:00Z') };
}

async function start(t: ExecutionContext, world: World): Promise<ResultsHost> {
  const started = await startResultsHost(world.config, { hardware: world.hardware, clock: () => new Date(world.now), devicePollMs: 50 });
  if (!started.ok) throw new Error(`host did not start: ${JSON.stringify(started.error)}`);
  let closed = false;
  const close = async () => {
    if (!closed) await started.value.close();
    closed = true;
  };
  t.teardown(close);
  return { ...started.value, close };
}

function screen(host: ResultsHost): ResultsScreen {
  return screenOf(host.actor.getSnapshot());
}

async function until(host: ResultsHost, wanted: ResultsScreen, changedFrom?: unknown): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    await host.idle();
    if (screen(host) === wanted && host.actor.getSnapshot() !== changedFrom) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const reason = host.actor.getSnapshot().context.outOfServiceReason;
  throw new Error(`expected screen ${wanted}, still on ${screen(host)}${reason === null ? '' : ` (${reason})`}`);
}

function ticketTexts(host: ResultsHost): string[] {
  const emulator = host.devices.printer?.simulator?.emulator;
  if (emulator === undefined) throw new Error('simulated printer expected');
  return emulator.completeTickets().map((ticket) => ticket.text);
}

function memberCredential(world: World, n: number): Uint8Array {
  const role = memberRole(n);
  const signer = loadSigner(world.device.keysDir, role);
  if (!signer.ok) throw new Error(`no key for ${role}`);
  return writeMemberCredential(signer.value.seed, role);
}

/**
 * The screen reads the credential on demand; the simulated reader reports an insertion through
 * its own event path, so a read right after insert() may not see the device yet. Polls for a
 * bounded time (no timing is asserted) and returns null only if the device never shows up.
 */
async function readInsertedCredential(host: ResultsHost): Promise<Awaited<ReturnType<ResultsHost['readCredential']>>> {
  for (let i = 0; i < 500; i++) {
    await host.idle();
    const credential = await host.readCredential();
    if (credential !== null) return credential;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return null;
}

/** Inserts a credential device, waits until the machine has answered it, pulls it. */
async function present(world: World, host: ResultsHost, bytes: Uint8Array, after: ResultsScreen): Promise<void> {
  const reader = world.hardware.activationReader('reader');
  const device = world.hardware.activationDevice(`credential-${Math.random().toString(16).slice(2)}`);
  device.writeMemory(encodeImage(bytes));
  const before = host.actor.getSnapshot();
  reader.insert(device);
  await host.idle();
  await until(host, after, before);
  reader.pull();
  await host.idle();
}

function expectedTally(device: MesaDevice): Tally {
  const cabins = Object.values(device.ballots).map((ballots) => {
    const counted = tallyBallots(device.pkg.payload.definition, ballots);
    if (!counted.ok) throw new Error('recount');
    return counted.value;
  });
  const merged = mergeAllTallies(device.pkg.payload.definition, cabins);
  if (!merged.ok) throw new Error('merge');
  const withBlanks = addArt23Blanks(merged.value, device.identityCounts.art23NotVoted);
  if (!withBlanks.ok) throw new Error('art23');
  return withBlanks.value;
}

async function toTallied(world: World, host: ResultsHost): Promise<void> {
  await until(host, 'awaiting-president');
  await present(world, host, memberCredential(world, 1), 'tallied');
}

async function signAll(world: World, host: ResultsHost): Promise<void> {
  for (const n of [1, 2, 3]) await present(world, host, memberCredential(world, n), 'signing');
}

function auditEvents(world: World): { event: string; message: string }[] {
  const log = openAuditLog(path.join(world.config.dataDir, RESULTS_AUDIT_FILE), { role: 'results', clock: () => new Date(world.now) });
  if (!log.ok) throw new Error('audit log');
  const entries = log.value.entries().map((entry) => ({ event: entry.event, message: entry.message }));
  log.value.close();
  return entries;
}

test('a full escrutinio: puesta a cero, both cabins and the identity summary read from one stick, actas printed, members and a personero sign, the consolidated result verifies', async (t) => {
  const world = makeWorld(t);
  const host = await start(t, world);
  await toTallied(world, host);
  t.deepEqual(host.actor.getSnapshot().context.result?.tally, expectedTally(world.device), 'the tally equals an independent recount of the ballots');

  host.send({ type: 'PRINT_ACTAS' });
  await until(host, 'signing');
  const tickets = ticketTexts(host);
  const copies = world.device.pkg.payload.definition.actaCopies.length;
  t.is(tickets.length, 1 + copies + 1, 'puesta a cero, one acta per destination, the cartel');
  t.regex(tickets[0] ?? '', /PUESTA A CERO/u);
  for (const [i, destination] of world.device.pkg.payload.definition.actaCopies.entries()) {
    t.regex(tickets[1 + i] ?? '', /ACTA DE ESCRUTINIO/u);
    t.true((tickets[1 + i] ?? '').includes(destination), `copy ${i + 1} is labelled ${destination}`);
    t.notRegex(tickets[1 + i] ?? '', /REIMPRESI/u);
  }
  t.regex(tickets.at(-1) ?? '', /CARTEL DE RESULTADOS/u);
  const pdf = fs.readFileSync(path.join(world.config.dataDir, ACTA_PDF_FILE_NAME));
  t.is(pdf.subarray(0, 5).toString('latin1'), '%PDF-', 'the acta is filed as a PDF in the data dir');

  // FINISH_SIGNING with only the president is refused.
  await present(world, host, memberCredential(world, 1), 'signing');
  host.send({ type: 'FINISH_SIGNING' });
  t.is(host.actor.getSnapshot().context.signingRefusal, 'insufficient-signatures');
  // An unreadable device is refused and logged.
  await present(world, host, new TextEncoder().encode('not a credential'), 'signing');
  t.is(host.actor.getSnapshot().context.signingRefusal, 'unreadable');
  await signAll(world, host);
  await present(world, host, writePersoneroCredential(generateSigningKeyPair().seed), 'signing');
  t.is(host.actor.getSnapshot().context.signatures.length, 4);
  host.send({ type: 'FINISH_SIGNING' });
  await until(host, 'closed');

  const mesaFile = fs.readFileSync(path.join(world.usbDir, MESA_RESULT_FILE_NAME));
  const verified = verifyMesaResult(mesaFile, { pkg: world.device.pkg });
  if (!verified.ok) throw new Error(`mesa result does not verify: ${JSON.stringify(verified.error)}`);
  t.deepEqual(verified.value.acta.data.tally, expectedTally(world.device));
  t.is(verified.value.memberSignatureCount, 3);
  t.is(verified.value.signatures.filter((s) => s.role === 'personero').length, 1);
  t.deepEqual(
    verified.value.acta.data.cabins.map((c) => c.cabinId),
    ['cabin-1', 'cabin-2'],
  );
  t.true(Buffer.from(fs.readFileSync(path.join(world.usbDir, PACKAGE_COPY_FILE_NAME))).equals(Buffer.from(world.device.pkg.bytes)));
  const exported = verifyAuditExport(fs.readFileSync(path.join(world.usbDir, AUDIT_EXPORT_FILE_NAME('results'))), verified.value.auditLogHead, { role: 'results' });
  t.true(exported.ok, 'the audit export ends at the head the mesa result signs');

  await host.close();
  const events = auditEvents(world).map((e) => e.event);
  for (const id of ['package.verified', 'software.verified', 'keys.loaded', 'puesta-a-cero.printed', 'results.read', 'results.consolidated', 'acta.printed', 'member.signed', 'credential.refused', 'results.written']) {
    t.true(events.includes(id), `audit log has ${id}`);
  }

  const again = await start(t, world);
  await until(again, 'closed');
  t.is(ticketTexts(again).length, 0, 'a closed station prints nothing at restart');
});

for (const file of DEVICE_FILES) {
  test(`a byte flipped in ${file} is refused naming the device, never tallied; the good file is then accepted`, async (t) => {
    const world = makeWorld(t);
    const target = path.join(world.usbDir, file);
    const original = fs.readFileSync(target);
    const flipped = Buffer.from(original);
    const at = Math.floor(flipped.length / 2);
    flipped[at] = (flipped[at] ?? 0) ^ 0x01;
    fs.writeFileSync(target, flipped);

    const host = await start(t, world);
    await until(host, 'awaiting-president');
    await present(world, host, memberCredential(world, 1), 'device-refused');
    const context = host.actor.getSnapshot().context;
    // One stick holds every file: it is refused at its first read (cabin 1), whichever file is bad.
    const cabin = /cabin-(\d)/u.exec(file)?.[1];
    t.true((context.deviceRefusalText ?? '').includes(cabin === '1' ? 'cabina 1' : `El archivo ${file}`), `the refusal names ${file}: ${context.deviceRefusalText ?? ''}`);
    t.deepEqual(context.readings, [], 'no cabin of the refused device is among the readings');
    t.is(context.identity, null);
    t.is(context.result, null, 'nothing was tallied');
    await host.idle();

    // The genuine file on a re-inserted device is accepted and the mesa is tallied correctly.
    fs.writeFileSync(target, original);
    const stick = world.hardware.usbStick('usb');
    await stick.remove();
    await host.idle();
    await new Promise((resolve) => setTimeout(resolve, 120));
    stick.insert();
    await until(host, 'tallied');
    t.deepEqual(host.actor.getSnapshot().context.result?.tally, expectedTally(world.device));
    await host.close();
    const refusals = auditEvents(world).filter((e) => e.event === 'results.refused');
    t.is(refusals.length, 1, 'the refusal is in the audit log');
    t.true((refusals[0]?.message ?? '').startsWith('cabin-1: '));
    t.true((refusals[0]?.message ?? '').includes(file), 'the audit entry names the file');
  });
}

test('an unknown file and a validly signed file with malformed content are refused, and each refusal reaches the audit log as one line', async (t) => {
  const world = makeWorld(t);
  const cabin2 = loadSigner(world.device.keysDir, 'cabin-2');
  if (!cabin2.ok) throw new Error('cabin-2 key');
  // Signed by the right cabin, but its payload fails the schema: the problem text spans two lines.
  const envelope = JSON.parse(fs.readFileSync(path.join(world.usbDir, CABIN_RESULTS_FILE_NAME('cabin-2')), 'utf8')) as { payload: Record<string, unknown> };
  fs.writeFileSync(path.join(world.usbDir, CABIN_RESULTS_FILE_NAME('cabin-2')), sealEnvelope(CABIN_RESULTS_KIND, { ...envelope.payload, usedNonceHashes: ['not hex'] }, cabin2.value));
  fs.writeFileSync(path.join(world.usbDir, 'notas.txt'), 'hola');
  const host = await start(t, world);
  await until(host, 'awaiting-president');
  await present(world, host, memberCredential(world, 1), 'device-refused');
  const text = host.actor.getSnapshot().context.deviceRefusalText ?? '';
  t.regex(text, /El archivo notas\.txt del dispositivo no corresponde a ninguna estación de la mesa/u);
  t.regex(text, /El archivo resultados-cabin-2\.vep del dispositivo no pasa la verificación/u);
  await host.close();
  const events = auditEvents(world);
  t.false(events.some((e) => e.event === 'storage.fault'), 'no audit entry was lost');
  const refused = events.filter((e) => e.event === 'results.refused');
  t.is(refused.length, 1);
  t.regex(refused[0]?.message ?? '', /device-file resultados-cabin-2\.vep: cabin results have malformed content: .* at usedNonceHashes\[0\]/u);
  t.regex(refused[0]?.message ?? '', /device-file notas\.txt: notas\.txt is a file no station of the mesa writes/u);
});

test('a cabin file copied under another cabin name is refused (its signer is another cabin)', async (t) => {
  const world = makeWorld(t);
  fs.copyFileSync(path.join(world.usbDir, CABIN_RESULTS_FILE_NAME('cabin-1')), path.join(world.usbDir, CABIN_RESULTS_FILE_NAME('cabin-2')));
  const host = await start(t, world);
  await until(host, 'awaiting-president');
  await present(world, host, memberCredential(world, 1), 'device-refused');
  const context = host.actor.getSnapshot().context;
  // The stick holds both cabins' files: it is refused as a whole at its first read, naming the bad file.
  t.deepEqual(context.readings, []);
  t.regex(context.deviceRefusalText ?? '', /El archivo resultados-cabin-2\.vep del dispositivo no pasa la verificación/u);
});

test('restart while counting: the puesta a cero is not repeated and reading starts over', async (t) => {
  const world = makeWorld(t);
  const stick = world.hardware.usbStick('usb');
  await stick.remove();
  const host = await start(t, world);
  await until(host, 'awaiting-president');
  await present(world, host, memberCredential(world, 1), 'insert-cabin-device');
  t.is(ticketTexts(host).length, 1);
  await host.close();

  const again = await start(t, world);
  await until(again, 'insert-cabin-device');
  stick.insert();
  await until(again, 'tallied');
  t.is(ticketTexts(again).length, 0, 'no second puesta a cero');
  t.deepEqual(again.actor.getSnapshot().context.result?.tally, expectedTally(world.device));
});

test('restart while printing: confirmed copies are not printed again, the interrupted one is a REIMPRESIÓN, and the acta bytes stay the same', async (t) => {
  const world = makeWorld(t);
  const host = await start(t, world);
  await toTallied(world, host);
  const emulator = host.devices.printer?.simulator?.emulator;
  if (emulator === undefined) throw new Error('simulated printer expected');
  emulator.scheduleFault('paper-out', 250);
  host.send({ type: 'PRINT_ACTAS' });
  await until(host, 'printer-fault');
  const sealedBefore = storedActa(world);
  await host.close();

  const again = await start(t, world);
  await until(again, 'signing');
  const tickets = ticketTexts(again);
  const copies = world.device.pkg.payload.definition.actaCopies.length;
  const printedBefore = host.actor.getSnapshot().context.nextCopy;
  t.is(tickets.length, copies + 1 - printedBefore, 'only the copies not confirmed are printed');
  t.regex(tickets[0] ?? '', /REIMPRESI/u, 'the interrupted copy is marked as a reprint');
  for (const later of tickets.slice(1)) t.notRegex(later, /REIMPRESI/u);
  t.deepEqual(storedActa(world), sealedBefore, 'the acta is sealed once');
});

function storedActa(world: World): Buffer {
  const store = openResultsStore(path.join(world.config.dataDir, RESULTS_STORE_FILE));
  if (!store.ok) throw new Error('store');
  const acta = store.value.acta();
  store.value.disconnect();
  if (acta === null) throw new Error('no sealed acta');
  return Buffer.from(acta.actaBytes);
}

test('restart while signing: signatures start over; restart while writing: the fixed signatures are written once the device is back', async (t) => {
  const world = makeWorld(t);
  const host = await start(t, world);
  await toTallied(world, host);
  host.send({ type: 'PRINT_ACTAS' });
  await until(host, 'signing');
  await present(world, host, memberCredential(world, 1), 'signing');
  t.is(host.actor.getSnapshot().context.signatures.length, 1);
  await host.close();

  const signing = await start(t, world);
  await until(signing, 'signing');
  t.is(signing.actor.getSnapshot().context.signatures.length, 0, 'signatures start over');
  t.is(ticketTexts(signing).length, 0, 'nothing is printed again');
  await signAll(world, signing);
  const stick = world.hardware.usbStick('usb');
  stick.setReadOnly(true);
  signing.send({ type: 'FINISH_SIGNING' });
  await until(signing, 'consolidation-fault');
  await signing.close();

  stick.setReadOnly(false);
  const writing = await start(t, world);
  await until(writing, 'closed');
  const verified = verifyMesaResult(fs.readFileSync(path.join(world.usbDir, MESA_RESULT_FILE_NAME)), { pkg: world.device.pkg });
  if (!verified.ok) throw new Error(`mesa result does not verify: ${JSON.stringify(verified.error)}`);
  t.deepEqual(verified.value.signatures.map((s) => s.signerId), ['member-1', 'member-2', 'member-3']);
});

test('a package signed by another root puts the station out of service instead of throwing', async (t) => {
  const world = makeWorld(t);
  const other = path.join(world.dir, 'other-root.json');
  fs.writeFileSync(other, JSON.stringify({ publicKey: Buffer.from(generateSigningKeyPair().publicKey).toString('base64') }));
  const host = await start(t, { ...world, config: { ...world.config, rootPublicKeyFile: other } });
  await until(host, 'out-of-service');
  t.is(host.definition, undefined);
});

test('a second, cross-cabin use of one activation is refused: cabin-2 reusing a nonce of cabin-1', async (t) => {
  const world = makeWorld(t);
  // Rebuild the device with both cabins signing the same nonce hashes.
  const cabin2 = loadSigner(world.device.keysDir, 'cabin-2');
  if (!cabin2.ok) throw new Error('cabin-2 key');
  const first = verifyCabinResults(fs.readFileSync(path.join(world.usbDir, CABIN_RESULTS_FILE_NAME('cabin-1'))), { pkg: world.device.pkg });
  if (!first.ok) throw new Error('cabin-1 file');
  const own = verifyCabinResults(fs.readFileSync(path.join(world.usbDir, CABIN_RESULTS_FILE_NAME('cabin-2'))), { pkg: world.device.pkg, expectedCabinId: 'cabin-2' });
  if (!own.ok) throw new Error('cabin-2 file');
  const ballots = world.device.ballots['cabin-2'] ?? [];
  const bytes = buildCabinResults({
    pkg: world.device.pkg,
    cabinId: 'cabin-2',
    softwareCode: first.value.softwareCode,
    zeroReportHash: own.value.zeroReportHash,
    ballots,
    usedNonceHashes: first.value.usedNonceHashes.slice(0, ballots.length),
    // Its own head: the cabin's audit log export on the stick still matches; only the nonces clash.
    auditHead: own.value.auditLogHead,
    signer: cabin2.value,
  });
  fs.writeFileSync(path.join(world.usbDir, CABIN_RESULTS_FILE_NAME('cabin-2')), bytes);
  const host = await start(t, world);
  await until(host, 'awaiting-president');
  await present(world, host, memberCredential(world, 1), 'device-refused');
  const context = host.actor.getSnapshot().context;
  t.regex(context.deviceRefusalText ?? '', /cabina 2/u);
  t.regex(context.deviceRefusalText ?? '', /dos veces/u);
  t.deepEqual(context.readings.map((r) => r.cabinId), ['cabin-1']);
});

test('cotejo with a deliberate difference: recorded in the sealed acta (observation and differences), the comparison printed before the first acta', async (t) => {
  const world = makeWorld(t);
  const host = await start(t, world);
  await toTallied(world, host);
  const result = host.actor.getSnapshot().context.result;
  if (result === null) throw new Error('no result');
  const electronic = tallyToSheet(result.tally);
  const field = organizationField(world.device.pkg.payload.definition.contests[0]?.id ?? '', 1);
  const paper = { ...electronic, [field]: (electronic[field] ?? 0) + 1 };
  host.send({ type: 'START_COTEJO' });
  await until(host, 'cotejo-entry');
  host.send({ type: 'COTEJO_ENTERED', counts: paper });
  await until(host, 'cotejo-review');
  t.deepEqual(host.actor.getSnapshot().context.cotejoDifferences, [{ field, first: electronic[field], second: (electronic[field] ?? 0) + 1 }]);
  host.send({ type: 'RECORD_COTEJO' });
  await until(host, 'signing');
  const tickets = ticketTexts(host);
  t.regex(tickets[1] ?? '', /COTEJO/u, 'the comparison is printed first');
  t.regex(tickets[2] ?? '', /ACTA DE ESCRUTINIO/u);
  await signAll(world, host);
  host.send({ type: 'FINISH_SIGNING' });
  await until(host, 'closed');
  const verified = verifyMesaResult(fs.readFileSync(path.join(world.usbDir, MESA_RESULT_FILE_NAME)), { pkg: world.device.pkg });
  if (!verified.ok) throw new Error('mesa result');
  t.deepEqual(verified.value.acta.data.cotejo, { differences: [{ field, electronic: electronic[field] ?? null, paper: (electronic[field] ?? 0) + 1 }] });
  t.true(verified.value.acta.data.observations.some((o) => o.startsWith('Cotejo (Art. 28)') && o.includes(field)));
  t.deepEqual(verified.value.acta.data.tally, expectedTally(world.device), 'the cotejo never changes the electronic tally');
});

test('STAE manual count: two members enter the count, a deliberate mismatch is shown field by field until both agree; the same acta, signatures and consolidated file follow', async (t) => {
  const world = makeWorld(t);
  const host = await start(t, { ...world, config: { ...world.config, mode: 'manual-count' } });
  await until(host, 'awaiting-president');
  await present(world, host, memberCredential(world, 1), 'manual-entry-first');
  const definition = world.device.pkg.payload.definition;
  const sheet: Record<string, number> = { ballots: 6 };
  for (const field of sheetFields(definition, 'cotejo')) sheet[field.field] = 0;
  const second = (i: number) => definition.contests[i]?.organizations[1]?.number ?? 0;
  for (const [i, contest] of definition.contests.entries()) {
    sheet[organizationField(contest.id, second(i))] = 5;
    sheet[`${contest.id}/null`] = 1;
  }
  host.send({ type: 'MANUAL_ENTRY', member: 'member-2', counts: sheet });
  await until(host, 'manual-entry-second');
  const wrong = { ...sheet, [organizationField(definition.contests[1]?.id ?? '', second(1))]: 4 };
  host.send({ type: 'MANUAL_ENTRY', member: 'member-3', counts: wrong });
  await until(host, 'manual-mismatch');
  t.deepEqual(host.actor.getSnapshot().context.entryDifferences.map((d) => d.field), [organizationField(definition.contests[1]?.id ?? '', second(1))]);
  host.send({ type: 'MANUAL_ENTRY', member: 'member-3', counts: sheet });
  await until(host, 'tallied');
  host.send({ type: 'PRINT_ACTAS' });
  await until(host, 'signing');
  await signAll(world, host);
  host.send({ type: 'FINISH_SIGNING' });
  await until(host, 'closed');
  const verified = verifyMesaResult(fs.readFileSync(path.join(world.usbDir, MESA_RESULT_FILE_NAME)), { pkg: world.device.pkg });
  if (!verified.ok) throw new Error(`mesa result does not verify: ${JSON.stringify(verified.error)}`);
  const acta = verified.value.acta.data;
  t.is(acta.mode, 'manual-count');
  t.deepEqual(acta.cabins, []);
  t.is(acta.identity, null);
  t.is(acta.tally.ballots, 6);
  t.true(acta.tally.contests.every((c, i) => c.organizations.find((o) => o.organization === second(i))?.votes === 5 && c.null === 1 && c.emitted === 6));
});

test('a reconciliation discrepancy never passes silently: recorded in the acta only with the president credential read from the reader', async (t) => {
  const world = makeWorld(t);
  const identity = loadSigner(world.device.keysDir, 'identity');
  if (!identity.ok) throw new Error('identity key');
  const counts = world.device.identityCounts;
  const original = verifyIdentitySummary(fs.readFileSync(path.join(world.usbDir, IDENTITY_SUMMARY_FILE_NAME)), { pkg: world.device.pkg });
  if (!original.ok) throw new Error('identity summary');
  // One more consumed activation than the cabins stored ballots: a vote is missing. Same log head
  // and non-voters list as the original, so the files it vouches for still match.
  const summary = buildIdentitySummary({
    pkg: world.device.pkg,
    softwareCode: DEVICE_SOFTWARE_CODE,
    counts: { ...counts, activationsIssued: counts.activationsIssued + 1, activationsConsumed: counts.activationsConsumed + 1 },
    auditHead: original.value.auditLogHead,
    nonVotersSha256: original.value.nonVotersSha256,
    signer: identity.value,
  });
  fs.writeFileSync(path.join(world.usbDir, IDENTITY_SUMMARY_FILE_NAME), summary);
  const host = await start(t, world);
  await until(host, 'awaiting-president');
  await present(world, host, memberCredential(world, 1), 'reconciliation-problems');
  t.is(host.actor.getSnapshot().context.outcome?.kind, 'discrepancies');

  // A member who is not the president is refused (and logged); the president's credential records it.
  const reader = world.hardware.activationReader('reader');
  const secretary = world.hardware.activationDevice('secretary');
  secretary.writeMemory(encodeImage(memberCredential(world, 2)));
  reader.insert(secretary);
  const notPresident = await readInsertedCredential(host);
  if (notPresident === null) throw new Error('credential not read');
  const before = host.actor.getSnapshot();
  host.send({ type: 'RECORD_DISCREPANCY', credential: notPresident });
  await until(host, 'reconciliation-problems', before);
  t.is(host.actor.getSnapshot().context.credentialRefusal, 'not-president');
  reader.pull();
  const president = world.hardware.activationDevice('president-again');
  president.writeMemory(encodeImage(memberCredential(world, 1)));
  reader.insert(president);
  const credential = await readInsertedCredential(host);
  if (credential === null) throw new Error('credential not read');
  host.send({ type: 'RECORD_DISCREPANCY', credential });
  await until(host, 'tallied');
  reader.pull();
  const observations = host.actor.getSnapshot().context.result?.observations ?? [];
  t.true(observations.some((o) => o.startsWith('Discrepancia registrada por el presidente de mesa') && o.includes('faltan 1 voto')));
  await host.close();
  const events = auditEvents(world);
  t.true(events.some((e) => e.event === 'credential.refused' && e.message.includes('not-president')));
  t.true(events.some((e) => e.event === 'results.consolidated' && e.message.includes('ballots-activations-mismatch')));
});
