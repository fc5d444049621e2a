/**
 * The identity host follows its injected clock, not real time: a station started on a simulated
 * clock (as in `vep start`, where the tester's panel moves the day forward) opens voting when the
 * clock is advanced past the opening and, once advanced past the close, closes at the schedule
 * without the president's credential. Nothing here waits for real time to reach the schedule.
 */
import path from 'node:path';
import test from 'ava';
import { openAuditLog } from '../shared/audit/log.ts';
import { IDENTITY_AUDIT_FILE, identitySchedule } from '../identity-station/host.ts';
import { createHostTimerClock } from '../identity-station/host-clock.ts';
import { flat, install, makeWorld, start, ticketTexts, titulares, until, votes, type World } from './helpers/identity-host-world.ts';

function auditEvents(world: World): { event: string; message: string }[] {
  const log = openAuditLog(path.join(world.config.dataDir, IDENTITY_AUDIT_FILE), { role: 'identity', clock: () => new Date(world.now) });
  if (!log.ok) throw new Error('audit log');
  const entries = log.value.entries().map((e) => ({ event: e.event, message: e.message }));
  log.value.close();
  return entries;
}

test('a station on a simulated clock opens voting when the clock passes the opening and closes at the schedule when it passes the close', async (t) => {
  const world = makeWorld(t);
  const schedule = identitySchedule(world.definition);
  const [presidente] = titulares(world.definition);
  world.now = schedule.votingOpenAt - 60 * 60_000;
  const host = await start(t, world);
  await install(world, host, 'awaiting-opening');
  t.false(host.actor.getSnapshot().context.votingOpenReached);

  // The tester moves the day to just after the opening: no real hour passes.
  world.now = schedule.votingOpenAt + 60_000;
  await until(host, 'awaiting-dni');
  t.true(host.actor.getSnapshot().context.votingOpenReached);
  t.false(host.actor.getSnapshot().context.votingCloseReached);
  await votes(world, host, presidente, world.hardware.activationDevice('a'));

  // Before the close, closing still needs the president's credential.
  host.send({ type: 'CLOSE_VOTING', credential: null });
  t.is(host.actor.getSnapshot().context.closeRefusal, 'credential-missing');

  // Then past the close: the close hour is reached without any real wait.
  world.now = schedule.votingCloseAt + 60_000;
  host.send({ type: 'CLOSE_VOTING', credential: null });
  t.true(host.actor.getSnapshot().context.votingCloseReached, 'the host brings the schedule up to its clock before the event');
  await until(host, 'closed');
  t.false(host.actor.getSnapshot().context.closedByPresidentOrder);
  const acta = flat(ticketTexts(host).find((text) => text.includes('ACTA DE SUFRAGIO')) ?? '');
  t.regex(acta, /cerró a la hora establecida/u);
  const events = auditEvents(world);
  t.true(events.some((e) => e.event === 'voting.opened'));
  t.true(events.some((e) => e.event === 'voting.closed' && e.message === 'closed at the scheduled time'));
  t.false(events.some((e) => e.event === 'voting.closed' && e.message === 'closed by order of the president'));
});

test('a station on a simulated clock reaches the close on its own poll, with no member action', async (t) => {
  const world = makeWorld(t);
  const schedule = identitySchedule(world.definition);
  const host = await start(t, world);
  await install(world, host);
  host.send({ type: 'DNI_ENTERED', text: titulares(world.definition)[0] });
  await until(host, 'voter-may-vote');
  host.send({ type: 'DONE' });
  await until(host, 'awaiting-dni');
  world.now = schedule.votingCloseAt;
  for (let i = 0; i < 3000 && !host.actor.getSnapshot().context.votingCloseReached; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  t.true(host.actor.getSnapshot().context.votingCloseReached);
  host.send({ type: 'DNI_ENTERED', text: titulares(world.definition)[1] });
  t.is(host.actor.getSnapshot().context.checkRefusal, 'voting-closed');
});

test('the host timer clock fires due timers in due order on check, never before the clock reaches them', (t) => {
  let now = 1_000;
  const clock = createHostTimerClock(() => now, 60_000);
  t.teardown(() => clock.stop());
  const fired: string[] = [];
  clock.setTimeout(() => fired.push('late'), 5_000_000);
  clock.setTimeout(() => fired.push('early'), 2_000_000);
  const cleared = clock.setTimeout(() => fired.push('cleared'), 1_000);
  clock.clearTimeout(cleared);
  clock.check();
  t.deepEqual(fired, []);
  now = 2_500_000;
  clock.check();
  t.deepEqual(fired, ['early']);
  now = 10_000_000;
  clock.check();
  t.deepEqual(fired, ['early', 'late']);
  clock.stop();
  clock.setTimeout(() => fired.push('after stop'), 0);
  clock.check();
  t.deepEqual(fired, ['early', 'late']);
});

test('on a host clock that stands still, a timer still fires once its delay has passed in real time (retry polls keep retrying)', async (t) => {
  const clock = createHostTimerClock(() => 1_000, 5);
  t.teardown(() => clock.stop());
  let fired = false;
  clock.setTimeout(() => {
    fired = true;
  }, 20);
  for (let i = 0; i < 3000 && !fired; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  t.true(fired);
});
