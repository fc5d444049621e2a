import test from 'ava';
import { err, ok } from '../shared/result.ts';
import type { IdentityContext } from '../identity-station/machine-types.ts';
import { checkRefusalText, closeRefusalText } from '../identity-station/messages.ts';
import { resolveIdentityTimeouts } from '../identity-station/timeouts.ts';
import {
  ELECTOR,
  IMPOSTOR,
  install,
  MEMBER_ARRIVAL_AT,
  OTHER_ELECTOR,
  PRESIDENT_CREDENTIAL,
  PRESIDENTE,
  SCHEDULE,
  SECRETARIO,
  startIdentity,
  startVoting,
  SUPLENTE,
  TERCER_MIEMBRO,
  voteFully,
} from './helpers/identity-harness.ts';

const context = (station: { actor: { getSnapshot(): { context: unknown } } }) =>
  station.actor.getSnapshot().context as IdentityContext;

test('installation with fewer than 3 members, or without a valid president credential, is refused', async (t) => {
  const station = startIdentity();
  await station.settle();
  t.is(station.screen(), 'confirm-mesa-data');
  await station.act({ type: 'CONFIRM_MESA_DATA' });
  await station.act({ type: 'MEMBER_ARRIVED', dni: PRESIDENTE });
  await station.act({ type: 'MEMBER_ARRIVED', dni: SECRETARIO });
  await station.act({ type: 'INSTALL', credential: PRESIDENT_CREDENTIAL });
  t.is(station.screen(), 'installation');
  t.is(context(station).installRefusal, 'not-enough-members');
  t.is(station.calls.verifyPresidentCredential.length, 0);
  await station.act({ type: 'MEMBER_ARRIVED', dni: '55555555' });
  t.is(context(station).memberRefusal, 'not-a-member');
  await station.act({ type: 'MEMBER_ARRIVED', dni: SECRETARIO });
  t.is(context(station).memberRefusal, 'already-registered');
  await station.act({ type: 'MEMBER_ARRIVED', dni: SUPLENTE });
  t.is(context(station).members.length, 3);
  await station.act({ type: 'INSTALL', credential: null });
  t.is(context(station).installRefusal, 'credential-missing');
  await station.act({ type: 'INSTALL', credential: IMPOSTOR });
  t.is(station.screen(), 'installation');
  t.is(context(station).installRefusal, 'credential-rejected');
  await station.act({ type: 'INSTALL', credential: PRESIDENT_CREDENTIAL });
  t.is(station.calls.runPuestaACero.length, 1);
  t.is(station.calls.printActaInstalacion.length, 1);
  t.is(station.screen(), 'awaiting-opening', 'installed before 07:00: waits for the opening time');
  t.true(station.auditIds().includes('installation.completed'));
});

test('a voter in line may be taken as a member only after the install deadline', async (t) => {
  const station = startIdentity();
  await station.settle();
  await station.act({ type: 'CONFIRM_MESA_DATA' });
  await station.act({ type: 'MEMBER_ARRIVED', dni: PRESIDENTE });
  await station.act({ type: 'MEMBER_ARRIVED', dni: SECRETARIO });
  await station.act({ type: 'TAKE_VOTER_AS_MEMBER', dni: ELECTOR, role: 'tercer-miembro' });
  t.is(context(station).memberRefusal, 'before-install-deadline');
  await station.advanceTo(SCHEDULE.installDeadlineAt);
  await station.act({ type: 'TAKE_VOTER_AS_MEMBER', dni: ELECTOR, role: 'secretario' });
  t.is(context(station).memberRefusal, 'role-taken');
  await station.act({ type: 'TAKE_VOTER_AS_MEMBER', dni: ELECTOR, role: 'tercer-miembro' });
  t.deepEqual(context(station).members.at(-1), { dni: ELECTOR, role: 'tercer-miembro', takenFromLine: true });
  await station.act({ type: 'INSTALL', credential: PRESIDENT_CREDENTIAL });
  t.is(station.screen(), 'awaiting-dni', 'past the opening time: voting starts at once');
});

test('past the no-installation deadline the acta de no instalación is printed and the machine ends', async (t) => {
  const station = startIdentity();
  await station.settle();
  await station.act({ type: 'CONFIRM_MESA_DATA' });
  await station.act({ type: 'MEMBER_ARRIVED', dni: PRESIDENTE });
  await station.advanceTo(SCHEDULE.noInstallationDeadlineAt);
  t.is(station.screen(), 'not-installed');
  t.is(station.actor.getSnapshot().status, 'done');
  t.deepEqual(station.calls.printActaNoInstalacion, [{ members: [{ dni: PRESIDENTE, role: 'presidente', takenFromLine: false }] }]);
  t.true(station.auditIds().includes('installation.failed'));
});

test('the president votes first, then the members, then anyone', async (t) => {
  const station = startIdentity();
  await install(station);
  await station.advanceTo(SCHEDULE.votingOpenAt);
  await station.act({ type: 'DNI_ENTERED', text: SECRETARIO });
  t.is(context(station).checkRefusal, 'president-first');
  t.is(station.calls.checkVoter.length, 0);
  await voteFully(station, PRESIDENTE);
  await station.act({ type: 'DNI_ENTERED', text: ELECTOR });
  t.is(context(station).checkRefusal, 'members-first');
  t.regex(checkRefusalText('members-first'), /miembros/);
  await voteFully(station, SECRETARIO);
  await voteFully(station, TERCER_MIEMBRO);
  await station.act({ type: 'DNI_ENTERED', text: ELECTOR });
  t.is(station.screen(), 'voter-may-vote');
});

test('each padrón outcome has its own screen and no DNI reaches the audit log', async (t) => {
  const station = await startVoting({
    handlers: {
      checkVoter: ({ dni }) =>
        Promise.resolve(
          ok(
            dni === '40000000'
              ? ('impugned' as const)
              : dni.startsWith('3')
                ? ('not-in-padron' as const)
                : dni === SECRETARIO
                  ? ('already-voted' as const)
                  : dni === OTHER_ELECTOR
                    ? ('holds-device' as const)
                    : ('may-vote' as const),
          ),
        ),
    },
  });
  const seen: string[] = [];
  for (const dni of [ELECTOR, '30000000', SECRETARIO, OTHER_ELECTOR, '40000000']) {
    await station.act({ type: 'DNI_ENTERED', text: dni });
    seen.push(station.screen());
    await station.act({ type: 'DONE' });
    t.is(context(station).currentDni, null, 'the voter leaves the context when the flow ends');
  }
  t.deepEqual(seen, ['voter-may-vote', 'voter-not-in-padron', 'voter-already-voted', 'voter-holds-device', 'voter-impugned']);
  t.false(station.audit.some((event) => /\d{8}/.test(event.message)));
});

test('bad DNIs are refused before the padrón is asked, with Spanish text', async (t) => {
  const station = await startVoting();
  const before = station.calls.checkVoter.length;
  for (const text of ['2000000A', '2000000', '200000001']) {
    await station.act({ type: 'DNI_ENTERED', text });
    t.is(station.screen(), 'awaiting-dni');
    t.is(context(station).checkRefusal, 'invalid-dni');
    t.regex(context(station).dniError?.screenText ?? '', /DNI/);
  }
  t.is(station.calls.checkVoter.length, before);
});

test('a device returned twice is recorded once', async (t) => {
  const station = await startVoting();
  await voteFully(station, ELECTOR);
  t.is(station.voted.size, 4);
  await station.act({ type: 'DEVICE_RETURNED', dni: ELECTOR });
  t.is(station.screen(), 'record-failed');
  t.is(context(station).recordFailure?.kind, 'not-holding-device');
  t.is(station.voted.size, 4);
  t.is(context(station).outstandingDevices, 0);
});

test('a device from another mesa or invalid is refused and records nothing', async (t) => {
  const station = await startVoting();
  station.handlers.readReturnedDevice = () => Promise.resolve(ok({ state: 'invalid' as const }));
  await station.act({ type: 'DNI_ENTERED', text: ELECTOR });
  await station.act({ type: 'ISSUE_DEVICE' });
  await station.act({ type: 'DONE' });
  const recorded = station.calls.recordVoted.length;
  await station.act({ type: 'DEVICE_RETURNED', dni: ELECTOR });
  t.is(station.screen(), 'device-refused');
  t.is(station.calls.recordVoted.length, recorded);
  t.is(context(station).outstandingDevices, 1);
  t.true(station.auditIds().includes('device.refused'));
});

test('issue failures (no device, device not blank) are shown and can be retried', async (t) => {
  const station = await startVoting();
  let answers = [err({ kind: 'device-not-blank' as const }), ok(undefined)];
  station.handlers.issueToken = () => {
    const [next, ...rest] = answers;
    answers = rest;
    return Promise.resolve(next ?? ok(undefined));
  };
  await station.act({ type: 'DNI_ENTERED', text: ELECTOR });
  await station.act({ type: 'ISSUE_DEVICE' });
  t.is(station.screen(), 'issue-failed');
  t.is(context(station).outstandingDevices, 0);
  await station.act({ type: 'RETRY' });
  t.is(station.screen(), 'device-out');
  t.is(context(station).outstandingDevices, 1);
});

test('Art. 23: an unused device goes back to the voter or is recorded as identified-but-not-voted', async (t) => {
  const station = await startVoting();
  station.handlers.readReturnedDevice = () => Promise.resolve(ok({ state: 'unconsumed-token' as const }));
  await station.act({ type: 'DNI_ENTERED', text: ELECTOR });
  await station.act({ type: 'ISSUE_DEVICE' });
  await station.act({ type: 'DONE' });
  await station.act({ type: 'DEVICE_RETURNED', dni: ELECTOR });
  t.is(station.screen(), 'art23-choice');
  await station.act({ type: 'LET_TRY_AGAIN' });
  t.is(context(station).outstandingDevices, 1, 'the device is still out');
  await station.act({ type: 'DEVICE_RETURNED', dni: ELECTOR });
  await station.act({ type: 'RECORD_NOT_VOTED' });
  t.deepEqual(station.calls.recordArt23, [{ dni: ELECTOR }]);
  t.is(context(station).outstandingDevices, 0);
  t.is(station.screen(), 'awaiting-dni');
  t.true(station.audit.some((event) => event.message.includes('Art. 23')));
});

test('lost device, impugnación and assisted voter', async (t) => {
  const station = await startVoting();
  await station.act({ type: 'DNI_ENTERED', text: ELECTOR });
  await station.act({ type: 'ISSUE_DEVICE' });
  await station.act({ type: 'DONE' });
  await station.act({ type: 'LOST_DEVICE_DECLARED', dni: ELECTOR });
  t.is(context(station).outstandingDevices, 0);
  await station.act({ type: 'DNI_ENTERED', text: OTHER_ELECTOR });
  await station.act({ type: 'IMPUGN' });
  t.deepEqual(station.calls.recordImpugnado, [{ dni: OTHER_ELECTOR }]);
  t.is(station.screen(), 'awaiting-dni');
  await station.act({ type: 'ASSISTED_VOTER' });
  t.is(context(station).assistedVoters, 1);
});

test('close: never before opening, not with outstanding devices, early only by the president', async (t) => {
  const early = startIdentity({ startAt: MEMBER_ARRIVAL_AT });
  await install(early);
  await early.act({ type: 'CLOSE_VOTING', credential: PRESIDENT_CREDENTIAL });
  t.is(early.screen(), 'awaiting-opening');
  t.is(context(early).closeRefusal, 'before-opening');

  const station = await startVoting();
  await station.act({ type: 'DNI_ENTERED', text: ELECTOR });
  await station.act({ type: 'ISSUE_DEVICE' });
  await station.act({ type: 'DONE' });
  await station.act({ type: 'CLOSE_VOTING', credential: PRESIDENT_CREDENTIAL });
  t.is(station.screen(), 'outstanding-devices');
  t.is(closeRefusalText('outstanding-devices', context(station).outstandingDevices), 'Falta devolver 1 dispositivo de activación.');
  await station.act({ type: 'DONE' });
  await station.act({ type: 'DEVICE_RETURNED', dni: ELECTOR });
  await station.act({ type: 'DONE' });
  await station.act({ type: 'CLOSE_VOTING', credential: null });
  t.is(context(station).closeRefusal, 'credential-missing');
  await station.act({ type: 'CLOSE_VOTING', credential: IMPOSTOR });
  t.is(context(station).closeRefusal, 'credential-rejected');
  await station.act({ type: 'CLOSE_VOTING', credential: PRESIDENT_CREDENTIAL });
  t.is(station.screen(), 'closed');
  t.deepEqual(station.calls.printActaSufragio, [{ reprint: false, assistedVoters: 0, closedByPresidentOrder: true }]);
  t.is(station.calls.writeIdentitySummary.length, 1);
  await station.act({ type: 'EXPORT_NON_VOTERS' });
  t.is(station.calls.exportNonVoters.length, 1);
  t.is(station.screen(), 'closed');
});

test('after the closing time no new voter is identified and closing needs no credential', async (t) => {
  const station = await startVoting();
  await station.advanceTo(SCHEDULE.votingCloseAt);
  await station.act({ type: 'DNI_ENTERED', text: ELECTOR });
  t.is(context(station).checkRefusal, 'voting-closed');
  await station.act({ type: 'CLOSE_VOTING', credential: null });
  t.is(station.screen(), 'closed');
  t.deepEqual(station.calls.printActaSufragio, [{ reprint: false, assistedVoters: 0, closedByPresidentOrder: false }]);
});

test('recovery: a closed station stays closed, a closing one reprints the acta', async (t) => {
  const closed = startIdentity({ input: { recovery: { phase: 'closed', outstandingDevices: 0 } } });
  await closed.settle();
  t.is(closed.screen(), 'closed');
  t.is(closed.calls.selfCheck.length, 0);
  const closing = startIdentity({ input: { recovery: { phase: 'closing', outstandingDevices: 0 } } });
  await closing.settle();
  t.is(closing.screen(), 'closed');
  t.deepEqual(closing.calls.printActaSufragio, [{ reprint: true, assistedVoters: 0, closedByPresidentOrder: false }]);
  const voting = startIdentity({ startAt: SCHEDULE.votingOpenAt, input: { recovery: { phase: 'voting', outstandingDevices: 2 } } });
  await voting.settle();
  t.is(voting.screen(), 'awaiting-dni');
  await voting.act({ type: 'CLOSE_VOTING', credential: PRESIDENT_CREDENTIAL });
  t.is(voting.screen(), 'outstanding-devices');
});

test('a failed self-check puts the station out of service with Spanish text', async (t) => {
  const station = startIdentity({ handlers: { selfCheck: () => Promise.resolve(err({ kind: 'software-unauthorized' as const })) } });
  await station.settle();
  t.is(station.screen(), 'out-of-service');
  t.regex(context(station).outOfServiceReason ?? '', /versión autorizada/);
});

test('without the titular president the first suplente presides and votes first', async (t) => {
  const station = startIdentity();
  await install(station, [SECRETARIO, TERCER_MIEMBRO, SUPLENTE]);
  await station.advanceTo(SCHEDULE.votingOpenAt);
  t.true(context(station).presidingDni === SUPLENTE);
  await station.act({ type: 'DNI_ENTERED', text: SECRETARIO });
  t.is(context(station).checkRefusal, 'president-first');
  await station.act({ type: 'DNI_ENTERED', text: SUPLENTE });
  t.is(station.screen(), 'voter-may-vote');
});

test('a non-elector cannot be taken from the line as a member', async (t) => {
  const station = startIdentity({ startAt: SCHEDULE.installDeadlineAt });
  await station.settle();
  await station.act({ type: 'CONFIRM_MESA_DATA' });
  await station.act({ type: 'TAKE_VOTER_AS_MEMBER', dni: '99999999', role: 'presidente' });
  t.is(context(station).memberRefusal, 'not-an-elector');
  t.is(context(station).members.length, 0);
});

test('timeouts outside their limits are a broken configuration', (t) => {
  t.throws(() => resolveIdentityTimeouts({ printerRetryPollMs: 10 }), { message: /printerRetryPollMs/ });
  t.notThrows(() => resolveIdentityTimeouts({ consolidationRetryPollMs: 30_000 }));
});
