/**
 * Identity station host restarts: a stop in each phase (installation, voting with devices out,
 * closing) and the clock before opening / after closing, all with real parts
 * (test/helpers/identity-host-world.ts). The store is the only memory across a restart.
 */
import path from 'node:path';
import test from 'ava';
import { openAuditLog } from '../shared/audit/log.ts';
import { IDENTITY_SUMMARY_FILE_NAME, verifyIdentitySummary } from '../shared/results/identity-summary.ts';
import { IDENTITY_AUDIT_FILE, identitySchedule, type IdentityHost } from '../identity-station/host.ts';
import {
  closeByPresident,
  consume,
  emulator,
  flat,
  handBack,
  install,
  installed,
  issue,
  makeWorld,
  printedCount,
  start,
  stateOf,
  ticketTexts,
  titulares,
  until,
  votes,
  withCredential,
  type World,
} from './helpers/identity-host-world.ts';

function auditEntries(world: World) {
  const log = openAuditLog(path.join(world.config.dataDir, IDENTITY_AUDIT_FILE), { role: 'identity', clock: () => new Date(world.now) });
  if (!log.ok) throw new Error('audit log');
  const entries = log.value.entries();
  log.value.close();
  return entries;
}

async function summaryOf(world: World, host: IdentityHost) {
  const file = await host.devices.consolidation?.readFile(IDENTITY_SUMMARY_FILE_NAME);
  if (file?.ok !== true) throw new Error('identity summary missing');
  const summary = verifyIdentitySummary(file.value, { pkg: world.pkg });
  if (!summary.ok) throw new Error(`summary does not verify: ${JSON.stringify(summary.error)}`);
  return summary.value.counts;
}

test('a stop during installation: attendance is registered again after the restart, then the mesa installs', async (t) => {
  const world = makeWorld(t);
  const first = await start(t, world);
  await until(first, 'confirm-mesa-data');
  first.send({ type: 'CONFIRM_MESA_DATA' });
  await until(first, 'installation');
  for (const dni of titulares(world.definition)) first.send({ type: 'MEMBER_ARRIVED', dni });
  t.is(first.actor.getSnapshot().context.members.length, 3);
  await first.close();

  const again = await start(t, world);
  await until(again, 'confirm-mesa-data');
  t.is(again.actor.getSnapshot().context.members.length, 0, 'nothing durable happened before the acta: attendance starts over');
  t.is(ticketTexts(again).length, 0);
  await install(world, again);
  const texts = ticketTexts(again);
  t.regex(texts[0] ?? '', /REPORTE DE PUESTA A CERO/u);
  t.is(texts.filter((text) => text.includes('ACTA DE INSTALACIÓN')).length, world.definition.actaCopies.length);
});

test('a stop during voting with devices out: the count survives, the devices are resolved after the restart, the acta adds up', async (t) => {
  const world = makeWorld(t);
  const [presidente, secretario, tercer] = titulares(world.definition);
  const first = await installed(t, world);
  const a = world.hardware.activationDevice('a');
  const b = world.hardware.activationDevice('b');
  const nonceA = await issue(world, first, presidente, a);
  await issue(world, first, secretario, b);
  t.is(first.actor.getSnapshot().context.outstandingDevices, 2);
  await first.close();

  const again = await start(t, world);
  await until(again, 'awaiting-dni');
  t.is(again.actor.getSnapshot().context.outstandingDevices, 2, 'outstanding devices come back from the store');
  t.true(auditEntries(world).some((e) => e.event === 'station.recovered' && e.message === 'voting'));
  // Voting cannot close while devices are out.
  again.send({ type: 'CLOSE_VOTING', credential: await withCredential(world, again) });
  await until(again, 'outstanding-devices');
  again.send({ type: 'DONE' });
  await until(again, 'awaiting-dni');

  consume(world, a, nonceA);
  handBack(world, again, presidente, a);
  await until(again, 'voted-recorded');
  again.send({ type: 'DONE' });
  await until(again, 'awaiting-dni');
  handBack(world, again, secretario, b);
  await until(again, 'art23-choice');
  again.send({ type: 'RECORD_NOT_VOTED' });
  await until(again, 'awaiting-dni');
  t.is(stateOf(world, b).state, 'blank', 'the unused token died before the record');
  // The order rule is rebuilt from the store: the president and secretary are done, the third member votes next.
  await votes(world, again, tercer, a);
  await closeByPresident(world, again);

  const acta = flat(ticketTexts(again).find((text) => text.includes('ACTA DE SUFRAGIO')) ?? '');
  t.regex(acta, /Total de electores que votaron: 3 /u);
  t.regex(acta, /Votaron en cabina \(voto electrónico\): 2 /u);
  t.like(await summaryOf(world, again), { activationsIssued: 3, activationsConsumed: 2, art23NotVoted: 1 });
});

test('a stop during closing (printer out of paper): the acta de sufragio is reprinted, marked REIMPRESIÓN, and the summary written', async (t) => {
  const world = makeWorld(t);
  const [presidente] = titulares(world.definition);
  const first = await installed(t, world);
  await votes(world, first, presidente, world.hardware.activationDevice('a'));
  emulator(first).setFault('paper-out');
  first.send({ type: 'CLOSE_VOTING', credential: await withCredential(world, first) });
  await until(first, 'printer-fault');
  t.true(auditEntries(world).some((e) => e.event === 'printer.fault'));
  await first.close();

  const again = await start(t, world);
  await until(again, 'closed');
  const actas = ticketTexts(again).filter((text) => text.includes('ACTA DE SUFRAGIO'));
  t.is(actas.length, world.definition.actaCopies.length, 'every ejemplar reprinted once');
  t.true(actas.every((text) => text.includes('REIMPRESIÓN')));
  t.is(printedCount(actas[0] ?? '', 'Total de electores que votaron:'), 1);
  t.like(await summaryOf(world, again), { activationsIssued: 1, activationsConsumed: 1 });
  t.true(auditEntries(world).some((e) => e.event === 'station.recovered' && e.message === 'closing'));
});

test('clock before opening: installed but waiting, no voter and no closing; after a restart at the opening hour voting starts', async (t) => {
  const world = makeWorld(t);
  const schedule = identitySchedule(world.definition);
  const [presidente] = titulares(world.definition);
  world.now = schedule.votingOpenAt - 45 * 60_000;
  const first = await start(t, world);
  await install(world, first, 'awaiting-opening');
  first.send({ type: 'CLOSE_VOTING', credential: await withCredential(world, first) });
  t.is(first.actor.getSnapshot().context.closeRefusal, 'before-opening');
  first.send({ type: 'DNI_ENTERED', text: presidente });
  t.is(first.actor.getSnapshot().context.currentDni, null, 'no voter is identified before the opening hour');
  t.is(ticketTexts(first).filter((text) => text.includes('ACTA DE INSTALACIÓN')).length, world.definition.actaCopies.length);
  await first.close();

  world.now = schedule.votingOpenAt;
  const again = await start(t, world);
  await until(again, 'awaiting-dni');
  await votes(world, again, presidente, world.hardware.activationDevice('a'));
  t.is(again.actor.getSnapshot().context.outstandingDevices, 0);
});

test('clock after closing: no new voter, the device still out comes back, voting closes at the hour without the credential', async (t) => {
  const world = makeWorld(t);
  const schedule = identitySchedule(world.definition);
  const [presidente, secretario] = titulares(world.definition);
  const first = await installed(t, world);
  const a = world.hardware.activationDevice('a');
  const nonce = await issue(world, first, presidente, a);
  await first.close();

  world.now = schedule.votingCloseAt + 10 * 60_000;
  const again = await start(t, world);
  await until(again, 'awaiting-dni');
  again.send({ type: 'DNI_ENTERED', text: secretario });
  t.is(again.actor.getSnapshot().context.checkRefusal, 'voting-closed');
  again.send({ type: 'CLOSE_VOTING', credential: null });
  await until(again, 'outstanding-devices');
  again.send({ type: 'DONE' });
  await until(again, 'awaiting-dni');
  consume(world, a, nonce);
  handBack(world, again, presidente, a);
  await until(again, 'voted-recorded');
  again.send({ type: 'DONE' });
  await until(again, 'awaiting-dni');
  again.send({ type: 'CLOSE_VOTING', credential: null });
  await until(again, 'closed');
  const acta = flat(ticketTexts(again).find((text) => text.includes('ACTA DE SUFRAGIO')) ?? '');
  t.regex(acta, /cerró a la hora establecida/u);
  t.regex(acta, /Total de electores que votaron: 1 /u);
});
