/**
 * A scripted election day on the identity station host with real parts, for eg2026 and for the
 * primaries (primarias2025: its own schedule and acta copy list):
 * - the acta de instalación and acta de sufragio render as text AND as PNG through the printer
 *   simulator, with the numbers the script produced;
 * - secrecy (the rule in identity-station/README.md): no stored byte or row, audit entry, device
 *   byte, file on the stick or printed ticket links a DNI to a token nonce or to a time of issue.
 */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import Database from 'better-sqlite3';
import { PNG } from 'pngjs';
import { AUDIT_EXPORT_FILE_NAME } from '../shared/audit/export.ts';
import { openAuditLog } from '../shared/audit/log.ts';
import { fromBase64Strict } from '../shared/crypto/base64.ts';
import { IDENTITY_SUMMARY_FILE_NAME, verifyIdentitySummary } from '../shared/results/identity-summary.ts';
import type { ElectionDefinition } from '../shared/election/definition.ts';
import type { VirtualActivationDevice } from '../hardware-sim/hid/virtual-activation-device.ts';
import { IDENTITY_AUDIT_FILE, IDENTITY_STORE_FILE, identitySchedule, type IdentityHost } from '../identity-station/host.ts';
import { NON_VOTERS_FILE_NAME } from '../identity-station/host-actors.ts';
import {
  closeByPresident,
  doesNotVote,
  emulator,
  eventually,
  impugn,
  installed,
  loadFixture,
  losesDevice,
  makeWorld,
  plainElectors,
  printedCount,
  printerOutputDir,
  tickets,
  titulares,
  votes,
  type World,
} from './helpers/identity-host-world.ts';

interface DayPlan {
  /** Voters who vote in a cabin, the three titulares included. */
  readonly voted: number;
  readonly impugnados: number;
  /** Art. 23 identified but did not vote, the lost devices included. */
  readonly art23: number;
  readonly lost: number;
  readonly assisted: number;
}

interface DayRecord {
  readonly nonces: string[];
  /** Clock reading at each token issue (epoch ms). */
  readonly issuedAt: number[];
  /** Every DNI served during the day, members included. */
  readonly served: string[];
  readonly devices: VirtualActivationDevice[];
}

/** 37 s between steps: every issue has its own second and the minutes move on. */
const STEP_MS = 37_000;

async function scriptedDay(world: World, host: IdentityHost, plan: DayPlan): Promise<DayRecord> {
  const record: DayRecord = { nonces: [], issuedAt: [], served: [], devices: [] };
  const electors = plainElectors(world.definition);
  const queue = [...titulares(world.definition), ...electors];
  const next = () => {
    const dni = queue.shift();
    if (dni === undefined) throw new Error('padrón too short for the plan');
    record.served.push(dni);
    return dni;
  };
  const cabinDevice = world.hardware.activationDevice('dispositivo-1');
  const secondDevice = world.hardware.activationDevice('dispositivo-2');
  record.devices.push(cabinDevice, secondDevice);
  const step = async (act: (dni: string) => Promise<string | void>) => {
    world.now += STEP_MS;
    const at = world.now;
    const nonce = await act(next());
    if (typeof nonce === 'string') {
      record.nonces.push(nonce);
      record.issuedAt.push(at);
    }
  };
  for (let i = 0; i < plan.voted; i++) {
    await step((dni) => votes(world, host, dni, i % 2 === 0 ? cabinDevice : secondDevice));
    if (i < plan.assisted) host.send({ type: 'ASSISTED_VOTER' });
  }
  for (let i = 0; i < plan.impugnados; i++) await step((dni) => impugn(host, dni));
  for (let i = 0; i < plan.art23 - plan.lost; i++) await step((dni) => doesNotVote(world, host, dni, cabinDevice));
  for (let i = 0; i < plan.lost; i++) {
    const lost = world.hardware.activationDevice(`perdido-${i + 1}`);
    record.devices.push(lost);
    await step((dni) => losesDevice(world, host, dni, lost));
  }
  await eventually(() => host.actor.getSnapshot().context.assistedVoters === plan.assisted, 'assisted voters counted');
  world.now += STEP_MS;
  await closeByPresident(world, host);
  return record;
}

function expectedCounts(definition: ElectionDefinition, plan: DayPlan) {
  const total = plan.voted + plan.impugnados + plan.art23;
  return {
    'Electores hábiles:': definition.mesa.electoresHabiles,
    'Total de electores que votaron:': total,
    'Votaron en cabina (voto electrónico):': plan.voted,
    'Impugnados, votaron en': plan.impugnados,
    'Identificados que no emitieron': plan.art23,
    'de ellos, dispositivos': plan.lost,
    'Electores que no asistieron:': definition.mesa.electoresHabiles - total,
    'Dispositivos de activación entregados:': plan.voted + plan.art23,
    'Electores asistidos (Art. 22):': plan.assisted,
  };
}

/** Dark pixels of a rendered ticket: a blank or one-line picture would have next to none. */
function darkPixels(png: PNG): number {
  let dark = 0;
  for (let i = 0; i < png.data.length; i += 4) if ((png.data[i] ?? 255) < 128) dark += 1;
  return dark;
}

/** A day is dozens of device round trips: generous on a loaded machine (never a timing assertion). */
const DAY_TIMEOUT_MS = 9 * 60_000;

async function dayRendersActas(t: ExecutionContext, definition: ElectionDefinition, plan: DayPlan): Promise<void> {
  t.timeout(DAY_TIMEOUT_MS);
  const world = makeWorld(t, definition, { keepPrinterOutput: true });
  const host = await installed(t, world);
  await scriptedDay(world, host, plan);
  const printed = tickets(host);
  const copies = definition.actaCopies;

  const instalacion = printed.filter((ticket) => ticket.text.includes('ACTA DE INSTALACIÓN'));
  t.deepEqual(
    instalacion.map((ticket) => /Ejemplar: (\S+) \(/u.exec(ticket.text)?.[1]),
    [...copies],
  );
  for (const dni of titulares(definition)) t.true(instalacion.every((ticket) => ticket.text.includes(`DNI ${dni}`)));

  const sufragio = printed.filter((ticket) => ticket.text.includes('ACTA DE SUFRAGIO'));
  t.deepEqual(
    sufragio.map((ticket) => /Ejemplar: (\S+) \(/u.exec(ticket.text)?.[1]),
    [...copies],
  );
  for (const ticket of sufragio) {
    for (const [label, count] of Object.entries(expectedCounts(definition, plan))) {
      t.is(printedCount(ticket.text, label), count, `${label} on the ${/Ejemplar: (\S+)/u.exec(ticket.text)?.[1]} ejemplar`);
    }
  }
  t.is(printed.filter((ticket) => ticket.text.includes('CONSTANCIA DE SUFRAGIO')).length, plan.voted, 'one constancia per cabin vote');

  // PNG, as the simulator renders and files them: one text and one picture per ticket.
  const outputDir = printerOutputDir(world.dir);
  const byIndex = (index: number, ext: 'txt' | 'png') => path.join(outputDir, `ticket-${String(index).padStart(4, '0')}.${ext}`);
  for (const ticket of [instalacion[0], sufragio[0]]) {
    if (ticket === undefined) throw new Error('acta missing');
    t.is(fs.readFileSync(byIndex(ticket.index, 'txt'), 'utf8').trimEnd(), ticket.text.trimEnd());
    const fromFile = PNG.sync.read(fs.readFileSync(byIndex(ticket.index, 'png')));
    t.deepEqual(fromFile.data, PNG.sync.read(emulator(host).renderPng(ticket)).data, 'the filed PNG is the rendering of that ticket');
    t.is(fromFile.width, 576, '80 mm paper at 203 dpi');
    const lines = ticket.text.split('\n').length;
    t.true(fromFile.height >= lines * 24, 'at least one font-A line height per printed line');
    t.true(darkPixels(fromFile) > lines * 50, 'ink on the paper, not a blank picture');
  }
  t.true(fs.readdirSync(outputDir).every((name) => !name.includes('incomplete')), 'no piece was cut short');

  const file = await host.devices.consolidation?.readFile(IDENTITY_SUMMARY_FILE_NAME);
  if (file?.ok !== true) throw new Error('identity summary missing');
  const summary = verifyIdentitySummary(file.value, { pkg: world.pkg });
  if (!summary.ok) throw new Error('summary does not verify');
  t.like(summary.value.counts, {
    electoresHabiles: definition.mesa.electoresHabiles,
    activationsIssued: plan.voted + plan.art23,
    activationsConsumed: plan.voted,
    art23NotVoted: plan.art23,
    lostDevices: plan.lost,
    impugnados: plan.impugnados,
    assistedVoters: plan.assisted,
  });
}

test('eg2026 scripted day: 5 cabin votes, 2 impugnados, 3 Art. 23 (1 lost device), 2 assisted; every ejemplar of both actas prints those numbers, as text and PNG', async (t) => {
  await dayRendersActas(t, loadFixture('eg2026'), { voted: 5, impugnados: 2, art23: 3, lost: 1, assisted: 2 });
});

test('primaries (primarias2025): its schedule opens the station at its own hour and its three ejemplares are printed', async (t) => {
  const definition = loadFixture('primarias2025');
  const schedule = identitySchedule(definition);
  // 08:00 in Lima on 2025-11-30: the primaries' opening, not the general election's.
  t.is(new Date(schedule.votingOpenAt).toISOString(), '2025-11-30T13:00:00.000Z');
  t.is(new Date(schedule.votingCloseAt).toISOString(), '2025-11-30T20:00:00.000Z');
  await dayRendersActas(t, definition, { voted: 4, impugnados: 1, art23: 2, lost: 1, assisted: 1 });
});

// --- secrecy --------------------------------------------------------------------------------------

function nonceBytes(nonce: string): Buffer {
  const standard = nonce.replaceAll('-', '+').replaceAll('_', '/');
  const decoded = fromBase64Strict(standard.padEnd(Math.ceil(standard.length / 4) * 4, '='), 16);
  if (!decoded.ok) throw new Error('nonce is not 16 bytes of base64url');
  return Buffer.from(decoded.value);
}

/** Every way a time of issue could be written down: ISO to the second, epoch ms and s as text and big-endian integers. */
function timeNeedles(at: number): Buffer[] {
  const iso = new Date(at).toISOString();
  const seconds = Math.floor(at / 1000);
  const be = (value: number, bytes: number) => {
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64BE(BigInt(value));
    return buffer.subarray(8 - bytes);
  };
  return [Buffer.from(iso.slice(0, 19)), Buffer.from(String(at)), Buffer.from(String(seconds)), be(at, 6), be(seconds, 4)];
}

test('secrecy: no stored byte or row, audit entry, device byte, stick file or ticket links a DNI to a nonce or to a time of issue', async (t) => {
  t.timeout(DAY_TIMEOUT_MS);
  const world = makeWorld(t);
  const host = await installed(t, world);
  const day = await scriptedDay(world, host, { voted: 4, impugnados: 1, art23: 2, lost: 1, assisted: 1 });
  host.send({ type: 'EXPORT_NON_VOTERS' });
  await eventually(async () => (await host.devices.consolidation?.readFile(NON_VOTERS_FILE_NAME))?.ok === true, 'non-voters exported');
  const stickFiles = await Promise.all(
    [IDENTITY_SUMMARY_FILE_NAME, AUDIT_EXPORT_FILE_NAME('identity'), NON_VOTERS_FILE_NAME].map(async (name) => {
      const file = await host.devices.consolidation?.readFile(name);
      if (file?.ok !== true) throw new Error(`${name} missing`);
      return { name, bytes: Buffer.from(file.value) };
    }),
  );
  const printed = tickets(host).map((ticket) => ticket.text);
  await host.close();
  t.is(day.nonces.length, 4 + 2);
  const nonceNeedles = day.nonces.flatMap((nonce) => [Buffer.from(nonce), nonceBytes(nonce)]);
  const issueNeedles = day.issuedAt.flatMap(timeNeedles);
  const voterDnis = day.served.filter((dni) => !world.definition.members.some((m) => m.dni === dni));
  const allDnis = world.definition.padron.map((e) => e.dni);

  // 1. The store file, its WAL and shared memory, byte for byte: no nonce, no time of issue.
  const storeFiles = ['', '-wal', '-shm'].map((suffix) => path.join(world.config.dataDir, IDENTITY_STORE_FILE + suffix)).filter((f) => fs.existsSync(f));
  t.true(storeFiles.length >= 1);
  for (const file of storeFiles) {
    const bytes = fs.readFileSync(file);
    t.false(nonceNeedles.some((needle) => bytes.includes(needle)), `no nonce in ${path.basename(file)}`);
    t.false(issueNeedles.some((needle) => bytes.includes(needle)), `no time of issue in ${path.basename(file)}`);
  }

  // 2. Every row of every table: only the columns the rule allows, and no nonce or time in any value.
  const allowed: Record<string, readonly string[]> = {
    station: ['id', 'phase', 'activations_issued', 'assisted_voters', 'observations', 'installation_observations'],
    elector: ['dni', 'padron_order', 'surnames', 'given_names', 'outcome', 'holds_device'],
    member: ['dni', 'role', 'taken_from_line'],
  };
  const db = new Database(path.join(world.config.dataDir, IDENTITY_STORE_FILE), { readonly: true });
  t.teardown(() => db.close());
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
  let rows = 0;
  for (const table of tables) {
    for (const row of db.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[]) {
      rows += 1;
      const expected = allowed[table];
      if (expected !== undefined) t.deepEqual(Object.keys(row).sort(), [...expected].sort(), `columns of ${table}`);
      const values = Object.values(row).map((v) => String(v));
      t.false(values.some((v) => day.nonces.some((nonce) => v.includes(nonce))), `no nonce in ${table}`);
      t.false(values.some((v) => day.issuedAt.some((at) => v.includes(String(at)) || v.includes(new Date(at).toISOString().slice(0, 16)))), `no time in ${table}`);
    }
  }
  t.true(rows >= world.definition.padron.length, 'the scan saw the padrón rows');

  // 3. The audit log (the rule lets it keep event times to the second): no DNI, no nonce, so no time is tied to a voter.
  const log = openAuditLog(path.join(world.config.dataDir, IDENTITY_AUDIT_FILE), { role: 'identity', clock: () => new Date(world.now) });
  if (!log.ok) throw new Error('audit log');
  const entries = JSON.stringify(log.value.entries());
  log.value.close();
  // Control: the same needles DO find the issue times in the audit database, which keeps them to the second.
  const auditBytes = fs.readFileSync(path.join(world.config.dataDir, IDENTITY_AUDIT_FILE));
  const auditWal = path.join(world.config.dataDir, `${IDENTITY_AUDIT_FILE}-wal`);
  const auditAll = fs.existsSync(auditWal) ? Buffer.concat([auditBytes, fs.readFileSync(auditWal)]) : auditBytes;
  t.true(
    day.issuedAt.some((at) => auditAll.includes(Buffer.from(new Date(at).toISOString().slice(0, 19)))),
    'the scan can see a time where one is kept',
  );
  t.false(allDnis.some((dni) => entries.includes(dni)), 'no DNI in the audit log');
  t.false(day.nonces.some((nonce) => entries.includes(nonce)), 'no nonce in the audit log');

  // Control: the lost device still holds its live token, so the nonce needles find it there.
  const lostDevice = day.devices.at(-1);
  t.true(lostDevice !== undefined && nonceNeedles.some((needle) => Buffer.from(lostDevice.readMemory()).includes(needle)), 'the scan can see a nonce');

  // 4. Every device written during the day: no DNI; a token's expiry is rounded to the minute.
  for (const device of day.devices) {
    const bytes = Buffer.from(device.readMemory());
    t.false(allDnis.some((dni) => bytes.includes(Buffer.from(dni))), 'no DNI on a device');
    t.false(issueNeedles.some((needle) => bytes.includes(needle)), 'no time of issue on a device');
    const expiry = /"expiresAt":"([^"]+)"/u.exec(bytes.toString('latin1'))?.[1];
    if (expiry !== undefined) t.is(new Date(expiry).getTime() % 60_000, 0, 'expiry to the minute only');
  }

  // 5. The files on the consolidation stick: no nonce anywhere; the summary and the log export name no voter.
  for (const { name, bytes } of stickFiles) {
    t.false(nonceNeedles.some((needle) => bytes.includes(needle)), `no nonce in ${name}`);
    if (name !== NON_VOTERS_FILE_NAME) t.false(allDnis.some((dni) => bytes.includes(Buffer.from(dni))), `no DNI in ${name}`);
  }
  const nonVoters = stickFiles.find((f) => f.name === NON_VOTERS_FILE_NAME)?.bytes.toString('utf8') ?? '';
  t.false(day.served.some((dni) => nonVoters.includes(dni)), 'the public list names only those who did not come');

  // 6. Paper: no nonce on any ticket; a voter's DNI only on that voter's constancia, which has no hour.
  t.false(printed.some((text) => day.nonces.some((nonce) => text.includes(nonce))));
  for (const dni of voterDnis) {
    const naming = printed.filter((text) => text.includes(dni));
    t.true(naming.every((text) => text.includes('CONSTANCIA DE SUFRAGIO') && !/\d{1,2}:\d{2}/u.test(text)), 'a voter is named only on an undated constancia');
  }
});
