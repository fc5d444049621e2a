/**
 * Scenario tests of the cabin state machine with fake actors and a SimulatedClock: whole votes
 * on the eg2026 ballot, every way a session can end, printer faults, device pulls around the
 * commit, inactivity, closing and recovery.
 */
import test from 'ava';
import type { Ballot, ContestChoice } from '../shared/ballot/ballot.ts';
import { err, ok } from '../shared/result.ts';
import { DEFAULT_BOOTH_TIMEOUTS, resolveBoothTimeouts } from '../booth/timeouts.ts';
import { SESSION_ENDED_BY_INACTIVITY_TEXT } from '../booth/machine-messages.ts';
import type { BoothHarness } from './helpers/booth-harness.ts';
import {
  deferred,
  EG2026_CLOSE_AT,
  IMPOSTOR,
  loadEg2026,
  PRESIDENT,
  startBooth,
  startOpenBooth,
} from './helpers/booth-harness.ts';
import type { BoothActorContracts, BoothScreen, TokenRejectionKind } from '../booth/machine-types.ts';

const definition = loadEg2026();
const contests = definition.contests;

function contestAt(index: number) {
  const contest = contests[index];
  if (contest === undefined) throw new Error(`fixture has no contest ${index}`);
  return contest;
}

/** The third organization of each contest, with its highest candidate numbers as preferential. */
function preferentialChoice(index: number): ContestChoice & { kind: 'organization' } {
  const contest = contestAt(index);
  const organization = contest.organizations[2];
  if (organization === undefined) throw new Error('fixture contest has fewer than 3 organizations');
  const numbers = (organization.candidates ?? []).map((candidate) => candidate.number);
  const preferential = numbers.slice(-contest.maxPreferential).slice(0, contest.maxPreferential);
  return { kind: 'organization', organization: organization.number, preferential: contest.maxPreferential === 0 ? [] : preferential };
}

async function insertAndActivate(booth: BoothHarness): Promise<void> {
  await booth.act({ type: 'DEVICE_INSERTED' });
}

/** Marks the choice on the current contest the way a keypad does, preferential typed descending. */
async function mark(booth: BoothHarness, choice: ContestChoice): Promise<void> {
  if (choice.kind === 'blank') return booth.act({ type: 'CHOOSE_BLANK' });
  if (choice.kind === 'null') return booth.act({ type: 'CHOOSE_NULL' });
  await booth.act({ type: 'CHOOSE_ORGANIZATION', organization: choice.organization });
  for (const candidate of [...choice.preferential].reverse()) {
    await booth.act({ type: 'TOGGLE_PREFERENTIAL', candidate });
  }
}

async function voteThrough(booth: BoothHarness, choices: readonly ContestChoice[]): Promise<void> {
  for (const choice of choices) {
    await mark(booth, choice);
    await booth.act({ type: 'NEXT' });
  }
}

function committedBallots(booth: BoothHarness): Ballot[] {
  return booth.calls.commitVote.map((input) => input.ballot);
}

function ballotOf(choices: readonly ContestChoice[]): Ballot {
  return { choices: Object.fromEntries(choices.map((choice, index) => [contestAt(index).id, choice])) };
}

const allPreferential = contests.map((_, index) => preferentialChoice(index));

test('a full vote of the five eg2026 contests with preferential marks is committed once, marked, then printed', async (t) => {
  const order: string[] = [];
  const booth = await startOpenBooth({
    handlers: {
      markDeviceConsumed: () => (order.push('mark'), Promise.resolve(ok(undefined))),
      printConstancia: () => (order.push('print'), Promise.resolve(ok(undefined))),
    },
  });
  t.is(booth.calls.runPuestaACero.length, 1);
  await insertAndActivate(booth);
  t.is(booth.screen(), 'contest');

  for (const [index, choice] of allPreferential.entries()) {
    t.is(booth.actor.getSnapshot().context.contestIndex, index);
    await mark(booth, choice);
    await booth.act({ type: 'NEXT' });
  }
  t.is(booth.screen(), 'review');
  await booth.act({ type: 'NEXT' });
  t.is(booth.screen(), 'confirm');
  await booth.act({ type: 'CONFIRM' });

  t.deepEqual(committedBallots(booth), [ballotOf(allPreferential)]);
  t.deepEqual(booth.calls.commitVote[0]?.token, { handle: 'token-1' });
  t.true(allPreferential.some((choice) => choice.preferential.length === 2), 'fixture exercises two preferential marks');
  t.deepEqual(order, ['mark', 'print']);
  t.is(booth.screen(), 'remove-device');
  const context = booth.actor.getSnapshot().context;
  t.deepEqual(context.draft, {}, 'draft wiped after the commit');
  t.is(context.token, null, 'token wiped after the commit');

  await booth.act({ type: 'DEVICE_REMOVED' });
  t.is(booth.screen(), 'ready');
  t.deepEqual(booth.auditIds().slice(-3), ['session.started', 'ballot.committed', 'constancia.printed']);
  for (const event of booth.audit) t.false(event.message.includes('token-1'), `audit ${event.event} carries no token`);
});

test('preferential marks are kept sorted whatever the typing order, and SET_PREFERENTIAL replaces them', async (t) => {
  const booth = await startOpenBooth();
  await insertAndActivate(booth);
  await booth.act({ type: 'CHOOSE_BLANK' });
  await booth.act({ type: 'NEXT' });
  const senate = contestAt(1);
  const organization = senate.organizations[0];
  if (organization === undefined) throw new Error('fixture');
  await booth.act({ type: 'CHOOSE_ORGANIZATION', organization: organization.number });
  await booth.act({ type: 'TOGGLE_PREFERENTIAL', candidate: 9 });
  await booth.act({ type: 'TOGGLE_PREFERENTIAL', candidate: 4 });
  t.deepEqual(booth.actor.getSnapshot().context.draft[senate.id], { kind: 'organization', organization: organization.number, preferential: [4, 9] });
  await booth.act({ type: 'TOGGLE_PREFERENTIAL', candidate: 9 });
  t.deepEqual(booth.actor.getSnapshot().context.draft[senate.id], { kind: 'organization', organization: organization.number, preferential: [4] });
  await booth.act({ type: 'SET_PREFERENTIAL', candidates: [12, 3] });
  t.deepEqual(booth.actor.getSnapshot().context.draft[senate.id], { kind: 'organization', organization: organization.number, preferential: [3, 12] });
});

test('blank and null votes; NEXT is refused while a contest is pending; invalid marks leave the draft unchanged', async (t) => {
  const booth = await startOpenBooth();
  await insertAndActivate(booth);

  await booth.act({ type: 'NEXT' });
  t.is(booth.screen(), 'contest');
  t.is(booth.actor.getSnapshot().context.contestIndex, 0, 'pending contest: NEXT refused');
  t.deepEqual(booth.actor.getSnapshot().context.choiceRefusal, { kind: 'pending-contests', contestIds: [contestAt(0).id] });

  await booth.act({ type: 'TOGGLE_PREFERENTIAL', candidate: 1 });
  t.is(booth.actor.getSnapshot().context.choiceRefusal?.kind, 'preferential-without-organization');
  await booth.act({ type: 'CHOOSE_ORGANIZATION', organization: 999 });
  t.is(booth.actor.getSnapshot().context.choiceRefusal?.kind, 'unknown-organization');
  await booth.act({ type: 'CHOOSE_ORGANIZATION', organization: 1 });
  await booth.act({ type: 'TOGGLE_PREFERENTIAL', candidate: 1 });
  t.is(booth.actor.getSnapshot().context.choiceRefusal?.kind, 'preferential-not-allowed', 'presidential formula has no preferential');
  t.deepEqual(booth.actor.getSnapshot().context.draft[contestAt(0).id], { kind: 'organization', organization: 1, preferential: [] });

  await booth.act({ type: 'CHOOSE_BLANK' });
  t.is(booth.actor.getSnapshot().context.choiceRefusal, null);
  await booth.act({ type: 'NEXT' });
  await booth.act({ type: 'CHOOSE_ORGANIZATION', organization: 1 });
  await booth.act({ type: 'SET_PREFERENTIAL', candidates: [1, 2, 3] });
  t.is(booth.actor.getSnapshot().context.choiceRefusal?.kind, 'too-many-preferential');
  await booth.act({ type: 'CHOOSE_NULL' });
  await booth.act({ type: 'NEXT' });
  await booth.act({ type: 'BACK' });
  t.is(booth.actor.getSnapshot().context.contestIndex, 1, 'BACK walks to the previous contest');
  await booth.act({ type: 'NEXT' });

  const rest: ContestChoice[] = [{ kind: 'blank' }, { kind: 'null' }, { kind: 'blank' }];
  await voteThrough(booth, rest);
  t.is(booth.screen(), 'review');
  await booth.act({ type: 'NEXT' });
  await booth.act({ type: 'CONFIRM' });
  t.deepEqual(committedBallots(booth), [ballotOf([{ kind: 'blank' }, { kind: 'null' }, ...rest])]);
});

test('a change from the review returns to the review, and BACK from a confirmation returns to it too', async (t) => {
  const booth = await startOpenBooth();
  await insertAndActivate(booth);
  await voteThrough(booth, allPreferential);
  t.is(booth.screen(), 'review');

  await booth.act({ type: 'EDIT_CONTEST', contestId: contestAt(2).id });
  t.is(booth.screen(), 'contest');
  t.is(booth.actor.getSnapshot().context.contestIndex, 2);
  await booth.act({ type: 'CHOOSE_NULL' });
  await booth.act({ type: 'NEXT' });
  t.is(booth.screen(), 'review', 'NEXT after an edit goes back to the review, not to the next contest');

  await booth.act({ type: 'EDIT_CONTEST', contestId: 'no-such-contest' });
  t.is(booth.screen(), 'review', 'unknown contest id ignored');
  await booth.act({ type: 'EDIT_CONTEST', contestId: contestAt(0).id });
  await booth.act({ type: 'BACK' });
  t.is(booth.screen(), 'review', 'BACK after an edit goes back to the review');

  await booth.act({ type: 'NEXT' });
  t.is(booth.screen(), 'confirm');
  await booth.act({ type: 'BACK' });
  t.is(booth.screen(), 'review');
  await booth.act({ type: 'NEXT' });
  await booth.act({ type: 'CONFIRM' });

  const expected = [...allPreferential] as ContestChoice[];
  expected[2] = { kind: 'null' };
  t.deepEqual(committedBallots(booth), [ballotOf(expected)]);
});

test('printer out of paper mid-print blocks the cabin until fixed; the constancia is then printed exactly once', async (t) => {
  let printed = 0;
  let paper = false;
  const booth = await startOpenBooth({
    handlers: {
      printConstancia: () => {
        if (!paper) return Promise.resolve(err({ kind: 'paper-out' as const }));
        printed += 1;
        return Promise.resolve(ok(undefined));
      },
    },
  });
  await insertAndActivate(booth);
  await voteThrough(booth, allPreferential);
  await booth.act({ type: 'NEXT' });
  await booth.act({ type: 'CONFIRM' });

  t.is(booth.screen(), 'printer-fault');
  t.is(booth.calls.commitVote.length, 1);
  t.is(booth.calls.markDeviceConsumed.length, 1, 'device marked before the print attempt');
  t.deepEqual(booth.actor.getSnapshot().context.printerFault, { kind: 'paper-out' });

  // Blocked: nothing but the printer moves the cabin on.
  await booth.act({ type: 'CLOSE_REQUESTED', credential: PRESIDENT, presidentOrder: true });
  await booth.act({ type: 'CONFIRM' });
  t.is(booth.screen(), 'printer-fault');

  // The retry poll tries again on its own while the paper is still out.
  await booth.advance(DEFAULT_BOOTH_TIMEOUTS.printerRetryPollMs);
  t.is(booth.screen(), 'printer-fault');
  t.is(booth.calls.printConstancia.length, 2);

  paper = true;
  await booth.act({ type: 'PRINTER_READY' });
  t.is(booth.screen(), 'remove-device');
  t.is(printed, 1);
  await booth.act({ type: 'PRINTER_READY' });
  await booth.advance(DEFAULT_BOOTH_TIMEOUTS.printerRetryPollMs * 3);
  t.is(printed, 1, 'no second constancia');
  t.is(booth.calls.printConstancia.length, 3);
  t.is(booth.calls.commitVote.length, 1);
  t.deepEqual(
    booth.auditIds().filter((id) => id.startsWith('printer') || id.startsWith('constancia')),
    ['printer.fault', 'printer.fault', 'printer.recovered', 'constancia.printed'],
  );
});

const preCommitPulls: { name: string; reach: (booth: BoothHarness) => Promise<void> }[] = [
  { name: 'activating', reach: async () => {} },
  { name: 'voting', reach: async (booth) => mark(booth, { kind: 'blank' }) },
  { name: 'review', reach: async (booth) => voteThrough(booth, allPreferential) },
  {
    name: 'confirming',
    reach: async (booth) => {
      await voteThrough(booth, allPreferential);
      await booth.act({ type: 'NEXT' });
    },
  },
  {
    name: 'inactivity alert',
    reach: async (booth) => {
      await mark(booth, { kind: 'null' });
      await booth.advance(DEFAULT_BOOTH_TIMEOUTS.inactivityAlertAfterMs);
    },
  },
];

for (const { name, reach } of preCommitPulls) {
  test(`device pulled in ${name}: session cancelled, nothing committed, token left unconsumed, draft wiped`, async (t) => {
    const token = deferred<ReturnType<typeof ok<{ handle: string }>>>();
    const booth = await startOpenBooth({
      handlers: name === 'activating' ? { verifyToken: () => token.promise } : {},
    });
    await insertAndActivate(booth);
    await reach(booth);
    const expectedScreens: Record<string, BoothScreen> = {
      activating: 'verifying-token',
      voting: 'contest',
      review: 'review',
      confirming: 'confirm',
    };
    t.is(booth.screen(), expectedScreens[name] ?? 'inactivity-alert');

    await booth.act({ type: 'DEVICE_REMOVED' });
    token.resolve(ok({ handle: 'late' }));
    await booth.settle();
    t.is(booth.screen(), 'ready');
    t.is(booth.calls.commitVote.length, 0);
    t.is(booth.calls.markDeviceConsumed.length, 0);
    t.is(booth.calls.printConstancia.length, 0);
    const context = booth.actor.getSnapshot().context;
    t.deepEqual(context.draft, {});
    t.is(context.token, null);
    t.is(booth.auditIds().at(-1), 'session.cancelled');
  });
}

test('device pulled during the commit: the vote is counted once, printed, and the cabin asks for the device to mark it', async (t) => {
  const commit = deferred<ReturnType<typeof ok<undefined>>>();
  const booth = await startOpenBooth({ handlers: { commitVote: () => commit.promise } });
  await insertAndActivate(booth);
  await voteThrough(booth, allPreferential);
  await booth.act({ type: 'NEXT' });
  await booth.act({ type: 'CONFIRM' });
  t.is(booth.screen(), 'recording');

  await booth.act({ type: 'DEVICE_REMOVED' });
  t.is(booth.screen(), 'recording', 'a started commit is never abandoned');
  commit.resolve(ok(undefined));
  await booth.settle();
  t.is(booth.calls.printConstancia.length, 1, 'constancia printed without the device');
  t.is(booth.calls.markDeviceConsumed.length, 0, 'no mark attempt without a device');
  t.is(booth.screen(), 'reinsert-device');

  await booth.act({ type: 'DEVICE_INSERTED' });
  t.is(booth.calls.markDeviceConsumed.length, 1);
  t.is(booth.screen(), 'remove-device');
  await booth.act({ type: 'DEVICE_REMOVED' });
  t.is(booth.screen(), 'ready');
  t.is(booth.calls.commitVote.length, 1);
  t.is(booth.calls.printConstancia.length, 1);
});

test('device pulled while the mark is written: reinsert, the mark is retried, the vote still counts once', async (t) => {
  const firstMark = deferred<ReturnType<typeof err<{ kind: 'device-missing' }>>>();
  let attempts = 0;
  const booth = await startOpenBooth({
    handlers: {
      markDeviceConsumed: () => {
        attempts += 1;
        return attempts === 1 ? firstMark.promise : Promise.resolve(ok(undefined));
      },
    },
  });
  await insertAndActivate(booth);
  await voteThrough(booth, allPreferential);
  await booth.act({ type: 'NEXT' });
  await booth.act({ type: 'CONFIRM' });
  t.is(booth.screen(), 'marking-device');
  await booth.act({ type: 'DEVICE_REMOVED' });
  t.is(booth.screen(), 'marking-device', 'the mark actor answers first');
  firstMark.resolve(err({ kind: 'device-missing' }));
  await booth.settle();
  t.is(booth.screen(), 'reinsert-device');
  t.deepEqual(booth.actor.getSnapshot().context.consumedMarkFailure, { kind: 'device-missing' });
  t.is(booth.calls.printConstancia.length, 1, 'the constancia did not wait for the device');

  await booth.act({ type: 'DEVICE_INSERTED' });
  t.is(booth.screen(), 'remove-device');
  await booth.act({ type: 'DEVICE_REMOVED' });
  t.is(booth.screen(), 'ready');
  t.is(booth.calls.commitVote.length, 1);
  t.is(attempts, 2);
});

test('a device that never comes back: the president releases the cabin (audited), the vote stays counted once', async (t) => {
  const booth = await startOpenBooth({
    handlers: { markDeviceConsumed: () => Promise.resolve(err({ kind: 'other-device' as const })) },
  });
  await insertAndActivate(booth);
  await voteThrough(booth, allPreferential);
  await booth.act({ type: 'NEXT' });
  await booth.act({ type: 'CONFIRM' });
  t.is(booth.calls.markDeviceConsumed.length, 2, 'one retry after printing while a device is in the reader');
  t.is(booth.screen(), 'reinsert-device');

  await booth.act({ type: 'PRESIDENT_RELEASE', credential: IMPOSTOR });
  t.is(booth.screen(), 'reinsert-device');
  t.is(booth.actor.getSnapshot().context.credentialRefusal, 'not-president');
  t.is(booth.calls.abandonConsumptionMark.length, 0);

  await booth.act({ type: 'PRESIDENT_RELEASE', credential: PRESIDENT });
  t.is(booth.screen(), 'ready');
  t.is(booth.calls.abandonConsumptionMark.length, 1);
  t.deepEqual(booth.calls.verifyPresidentCredential.at(-1), { credential: PRESIDENT, action: 'release-cabin' });
  t.is(booth.auditIds().at(-1), 'device.removed');
  t.regex(booth.audit.at(-1)?.message ?? '', /having voted/u);
  t.is(booth.calls.commitVote.length, 1);
});

test('inactivity: alert after the configured time, any voter key resets the timer, abandonment stores nothing', async (t) => {
  const timeouts = resolveBoothTimeouts({ inactivityAlertAfterMs: 120_000, inactivityAlertDurationMs: 20_000 });
  const booth = await startOpenBooth({ input: { timeouts } });
  await insertAndActivate(booth);
  await mark(booth, { kind: 'blank' });
  await booth.act({ type: 'NEXT' });

  await booth.advance(119_000);
  t.is(booth.screen(), 'contest');
  await booth.act({ type: 'SET_DISPLAY', settings: { textSize: 'large' } });
  await booth.advance(119_000);
  t.is(booth.screen(), 'contest', 'the display change counted as activity');
  await booth.advance(1_000);
  t.is(booth.screen(), 'inactivity-alert');

  await booth.act({ type: 'CHOOSE_NULL' });
  t.is(booth.screen(), 'contest', 'a key dismisses the alert');
  const afterDismiss = booth.actor.getSnapshot().context;
  t.is(afterDismiss.contestIndex, 1, 'back on the same contest');
  t.false(Object.hasOwn(afterDismiss.draft, contestAt(1).id), 'the dismissing key was not applied');
  t.is(afterDismiss.display.textSize, 'large');

  await booth.advance(120_000);
  t.is(booth.screen(), 'inactivity-alert');
  await booth.act({ type: 'STILL_HERE' });
  await voteThrough(booth, allPreferential.slice(1));
  t.is(booth.screen(), 'review');
  await booth.advance(120_000);
  await booth.act({ type: 'STILL_HERE' });
  t.is(booth.screen(), 'review', 'the alert returns to the screen it interrupted');

  await booth.advance(120_000);
  await booth.advance(19_999);
  t.is(booth.screen(), 'inactivity-alert');
  await booth.advance(1);
  t.is(booth.screen(), 'session-ended-inactivity');
  t.is(SESSION_ENDED_BY_INACTIVITY_TEXT, 'Sesión terminada por inactividad. Devuelva el dispositivo a la mesa.');
  t.is(booth.calls.commitVote.length, 0, 'nothing stored for an abandoned session');
  t.is(booth.calls.markDeviceConsumed.length, 0, 'token left unconsumed');
  t.deepEqual(booth.calls.releaseClaim, [{ token: { handle: 'token-1' } }], 'the claim on the device is given back');
  const ended = booth.actor.getSnapshot().context;
  t.deepEqual(ended.draft, {});
  t.is(ended.token, null);
  t.is(ended.claimToRelease, null, 'the token leaves memory once the claim is released');
  t.deepEqual(booth.auditIds().slice(-2), ['session.timed-out', 'token.claim-released']);

  await booth.act({ type: 'CHOOSE_BLANK' });
  t.is(booth.screen(), 'session-ended-inactivity');
  await booth.act({ type: 'DEVICE_REMOVED' });
  t.is(booth.screen(), 'ready');
});

test('display settings reset for each voter', async (t) => {
  const booth = await startOpenBooth();
  await insertAndActivate(booth);
  await booth.act({ type: 'SET_DISPLAY', settings: { contrast: 'high-yellow-on-black', textSize: 'extra-large' } });
  t.deepEqual(booth.actor.getSnapshot().context.display, { contrast: 'high-yellow-on-black', textSize: 'extra-large' });
  await booth.act({ type: 'DEVICE_REMOVED' });
  await insertAndActivate(booth);
  t.deepEqual(booth.actor.getSnapshot().context.display, { textSize: 'standard', contrast: 'standard' });
});

test('the remove-device screen escalates when the voter leaves the device in', async (t) => {
  const booth = await startOpenBooth();
  await insertAndActivate(booth);
  await voteThrough(booth, allPreferential);
  await booth.act({ type: 'NEXT' });
  await booth.act({ type: 'CONFIRM' });
  t.is(booth.screen(), 'remove-device');
  await booth.advance(DEFAULT_BOOTH_TIMEOUTS.deviceRemovalReminderAfterMs);
  t.is(booth.screen(), 'remove-device-overdue');
  await booth.act({ type: 'DEVICE_REMOVED' });
  t.is(booth.screen(), 'ready');
});

const rejections: TokenRejectionKind[] = [
  'unreadable',
  'malformed',
  'forged',
  'other-election',
  'other-mesa',
  'expired',
  'replayed',
  'consumed',
  'claimed-elsewhere',
  'simulacro-mismatch',
];

test('token rejections: each reason is shown and audited by kind, nothing is stored, removal returns to ready', async (t) => {
  let next: TokenRejectionKind = 'unreadable';
  const booth = await startOpenBooth({
    handlers: { verifyToken: () => Promise.resolve(err({ kind: next, screenText: `texto ${next}` })) },
  });
  for (const kind of rejections) {
    next = kind;
    await insertAndActivate(booth);
    t.is(booth.screen(), 'token-rejected', kind);
    t.deepEqual(booth.actor.getSnapshot().context.tokenRefusal, { kind, screenText: `texto ${kind}` });
    t.deepEqual(booth.audit.at(-1), { type: 'audit', event: 'token.rejected', message: kind });
    await booth.act({ type: 'CHOOSE_BLANK' });
    t.is(booth.screen(), 'token-rejected', 'no voting on a rejected token');
    await booth.act({ type: 'DEVICE_REMOVED' });
    t.is(booth.screen(), 'ready');
    t.is(booth.actor.getSnapshot().context.tokenRefusal, null);
  }
  t.is(booth.calls.commitVote.length, 0);
});

test('closing is refused without a credential, before the close time without an order, and with a wrong credential', async (t) => {
  const booth = await startOpenBooth();
  await booth.act({ type: 'CLOSE_REQUESTED', credential: null, presidentOrder: true });
  t.is(booth.screen(), 'ready');
  t.is(booth.actor.getSnapshot().context.closeRefusal, 'credential-missing');

  await booth.act({ type: 'CLOSE_REQUESTED', credential: PRESIDENT, presidentOrder: false });
  t.is(booth.screen(), 'ready');
  t.is(booth.actor.getSnapshot().context.closeRefusal, 'before-close-time');
  t.is(booth.calls.verifyPresidentCredential.length, 1, 'only the puesta a cero credential was checked');

  await booth.act({ type: 'CLOSE_REQUESTED', credential: IMPOSTOR, presidentOrder: true });
  t.is(booth.screen(), 'ready');
  t.is(booth.actor.getSnapshot().context.closeRefusal, 'credential-rejected');

  // Not during a session either.
  await insertAndActivate(booth);
  await booth.act({ type: 'CLOSE_REQUESTED', credential: PRESIDENT, presidentOrder: true });
  t.is(booth.screen(), 'contest');
  await booth.act({ type: 'DEVICE_REMOVED' });

  booth.clock.set(EG2026_CLOSE_AT - 1);
  await booth.act({ type: 'CLOSE_REQUESTED', credential: PRESIDENT, presidentOrder: false });
  t.is(booth.actor.getSnapshot().context.closeRefusal, 'before-close-time', 'one millisecond early is early');
  t.is(booth.calls.printResultsReport.length, 0);
});

test('closing after the close time prints the report, retries the consolidation device, and closed never returns', async (t) => {
  let usbPresent = false;
  const booth = await startOpenBooth({
    handlers: {
      writeResultsToConsolidation: () => Promise.resolve(usbPresent ? ok(undefined) : err({ kind: 'device-missing' as const })),
    },
  });
  booth.clock.set(EG2026_CLOSE_AT);
  await booth.act({ type: 'CLOSE_REQUESTED', credential: PRESIDENT, presidentOrder: false });
  t.deepEqual(booth.calls.verifyPresidentCredential.at(-1), { credential: PRESIDENT, action: 'close-voting' });
  t.deepEqual(booth.calls.printResultsReport, [{ reprint: false }]);
  t.is(booth.screen(), 'consolidation-fault');
  await booth.advance(DEFAULT_BOOTH_TIMEOUTS.consolidationRetryPollMs);
  t.is(booth.calls.writeResultsToConsolidation.length, 2, 'retried by the poll');
  usbPresent = true;
  await booth.act({ type: 'RETRY_RESULTS_WRITE' });
  t.is(booth.screen(), 'closed');
  t.is(booth.actor.getSnapshot().status, 'done');

  for (const event of [
    { type: 'DEVICE_INSERTED' },
    { type: 'CREDENTIAL_PRESENTED', credential: PRESIDENT },
    { type: 'CLOSE_REQUESTED', credential: PRESIDENT, presidentOrder: true },
  ] as const) {
    await booth.act(event);
    t.is(booth.screen(), 'closed');
  }
  t.is(booth.calls.verifyToken.length, 0);
  t.deepEqual(booth.auditIds().slice(-3), ['voting.closed', 'acta.printed', 'results.written']);
});

test('the president may order an early close; a printer fault during the report is retried', async (t) => {
  let paper = false;
  const booth = await startOpenBooth({
    handlers: {
      printResultsReport: () => Promise.resolve(paper ? ok(undefined) : err({ kind: 'cover-open' as const })),
    },
  });
  await booth.act({ type: 'CLOSE_REQUESTED', credential: PRESIDENT, presidentOrder: true });
  t.is(booth.screen(), 'printer-fault');
  paper = true;
  await booth.act({ type: 'PRINTER_READY' });
  t.is(booth.screen(), 'closed');
  t.is(booth.calls.printResultsReport.length, 2);
});

test('a cabin restarted closed starts closed, runs nothing, and never accepts a vote', async (t) => {
  for (const input of [{ initialPhase: 'closed' as const }, { recovery: { phase: 'closed' as const, pendingConstancia: false, pendingConsumptionMark: false } }]) {
    const booth = startBooth({ input });
    await booth.settle();
    t.is(booth.screen(), 'closed');
    await booth.act({ type: 'DEVICE_INSERTED' });
    t.is(booth.screen(), 'closed');
    t.is(booth.calls.selfCheck.length, 0);
    t.is(booth.calls.verifyToken.length, 0);
  }
});

test('recovery with a pending constancia prints it once, marked as a reprint, then asks for the device', async (t) => {
  const booth = startBooth({
    input: { recovery: { phase: 'open', pendingConstancia: true, pendingConsumptionMark: true } },
    handlers: { markDeviceConsumed: () => Promise.resolve(err({ kind: 'device-missing' as const })) },
  });
  await booth.settle();
  t.deepEqual(booth.calls.printConstancia, [{ reprint: true }]);
  t.is(booth.calls.runPuestaACero.length, 0, 'no second puesta a cero on an open store');
  t.is(booth.screen(), 'reinsert-device');
  t.true(booth.auditIds().includes('station.recovered'));
  t.is(booth.audit.find((event) => event.event === 'constancia.printed')?.message, 'reprinted after restart');
  await booth.act({ type: 'PRINTER_READY' });
  t.is(booth.calls.printConstancia.length, 1, 'printed once');
});

test('recovery with only a pending constancia prints it and returns to ready; a closing cabin resumes closing', async (t) => {
  const open = startBooth({ input: { recovery: { phase: 'open', pendingConstancia: true, pendingConsumptionMark: false } } });
  await open.settle();
  t.deepEqual(open.calls.printConstancia, [{ reprint: true }]);
  t.is(open.calls.markDeviceConsumed.length, 0);
  t.is(open.screen(), 'ready');

  const closing = startBooth({ input: { recovery: { phase: 'closing', pendingConstancia: false, pendingConsumptionMark: false } } });
  await closing.settle();
  t.deepEqual(closing.calls.printResultsReport, [{ reprint: true }]);
  t.is(closing.screen(), 'closed');
});

test('self-check and puesta a cero failures put the cabin out of service with a Spanish reason', async (t) => {
  const unauthorized = startBooth({
    handlers: { selfCheck: () => Promise.resolve(err({ kind: 'software-unauthorized' as const })) },
  });
  await unauthorized.settle();
  t.is(unauthorized.screen(), 'out-of-service');
  t.regex(unauthorized.actor.getSnapshot().context.outOfServiceReason ?? '', /versión autorizada/u);
  t.is(unauthorized.auditIds().at(-1), 'station.self-test-failed');

  const notEmpty = startBooth({
    handlers: { runPuestaACero: () => Promise.resolve(err({ kind: 'store-not-empty' as const })) },
  });
  await notEmpty.settle();
  await notEmpty.act({ type: 'CREDENTIAL_PRESENTED', credential: IMPOSTOR });
  t.is(notEmpty.screen(), 'awaiting-puesta-a-cero');
  t.is(notEmpty.calls.runPuestaACero.length, 0, 'no puesta a cero without the president');
  await notEmpty.act({ type: 'CREDENTIAL_PRESENTED', credential: PRESIDENT });
  t.is(notEmpty.screen(), 'out-of-service');
  t.regex(notEmpty.actor.getSnapshot().context.outOfServiceReason ?? '', /no está vacía/u);
  await notEmpty.act({ type: 'DEVICE_INSERTED' });
  t.is(notEmpty.screen(), 'out-of-service', 'never opens');

  const crashing = startBooth({ handlers: { selfCheck: () => Promise.reject(new Error('bug')) } });
  await crashing.settle();
  t.is(crashing.screen(), 'out-of-service');
});

test('a failed commit is never reported as recorded', async (t) => {
  const booth = await startOpenBooth({
    handlers: { commitVote: () => Promise.resolve(err({ kind: 'storage-fault' as const })) },
  });
  await insertAndActivate(booth);
  await voteThrough(booth, allPreferential);
  await booth.act({ type: 'NEXT' });
  await booth.act({ type: 'CONFIRM' });
  t.is(booth.screen(), 'out-of-service');
  t.regex(booth.actor.getSnapshot().context.outOfServiceReason ?? '', /NO fue registrado/u);
  t.is(booth.calls.printConstancia.length, 0);
  t.is(booth.calls.markDeviceConsumed.length, 0);
  t.false(booth.auditIds().includes('ballot.committed'));
  t.deepEqual(booth.actor.getSnapshot().context.draft, {});
  t.deepEqual(booth.calls.releaseClaim, [{ token: { handle: 'token-1' } }], 'nothing stored: the claim is given back');
  t.deepEqual(booth.auditIds().slice(-2), ['ballot.commit-failed', 'token.claim-released']);
  t.is(booth.actor.getSnapshot().status, 'done', 'then out of service for good');
  t.is(booth.actor.getSnapshot().context.claimToRelease, null);
});

test('a commit refused because the token is already used keeps the claim (that vote counts)', async (t) => {
  const booth = await startOpenBooth({
    handlers: { commitVote: () => Promise.resolve(err({ kind: 'token-already-used' as const })) },
  });
  await insertAndActivate(booth);
  await voteThrough(booth, allPreferential);
  await booth.act({ type: 'NEXT' });
  await booth.act({ type: 'CONFIRM' });
  t.is(booth.screen(), 'out-of-service');
  t.is(booth.calls.releaseClaim.length, 0);
  t.is(booth.auditIds().at(-1), 'ballot.commit-failed');
});

test('timeouts outside their legal ranges are refused as broken configuration', (t) => {
  t.throws(() => resolveBoothTimeouts({ inactivityAlertAfterMs: 60_000 }), { message: /inactivityAlertAfterMs/u });
  t.throws(() => resolveBoothTimeouts({ inactivityAlertDurationMs: 50_000 }), { message: /inactivityAlertDurationMs/u });
  t.is(resolveBoothTimeouts().inactivityAlertAfterMs, 180_000);
  const misconfigured = startBooth({ input: { timeouts: { inactivityAlertAfterMs: 10 } } });
  t.is(misconfigured.actor.getSnapshot().status, 'error', 'the cabin does not start');
  t.regex(String(misconfigured.errors[0]), /inactivityAlertAfterMs/u);
});

async function reachInactivityEnd(booth: BoothHarness): Promise<void> {
  await insertAndActivate(booth);
  await booth.advance(DEFAULT_BOOTH_TIMEOUTS.inactivityAlertAfterMs);
  await booth.advance(DEFAULT_BOOTH_TIMEOUTS.inactivityAlertDurationMs);
}

test('inactivity end: a claim that cannot be given back is audited as kept, the session still ends', async (t) => {
  const booth = await startOpenBooth({ handlers: { releaseClaim: () => Promise.resolve(err({ kind: 'write-failed' })) } });
  await reachInactivityEnd(booth);
  t.is(booth.screen(), 'session-ended-inactivity');
  t.is(booth.calls.releaseClaim.length, 1);
  t.deepEqual(booth.audit.at(-1), {
    type: 'audit',
    event: 'token.claim-kept',
    message: 'claim not released (write-failed): only this cabin accepts the device',
  });
  t.false(JSON.stringify(booth.audit).includes('token-1'), 'no nonce in the audit');
  await booth.act({ type: 'DEVICE_REMOVED' });
  t.is(booth.screen(), 'ready');
  t.is(booth.calls.commitVote.length, 0);
});

test('inactivity end: the device pulled while the claim is given back leads to ready once the actor answers', async (t) => {
  const release = deferred<BoothActorContracts['releaseClaim']['output']>();
  const booth = await startOpenBooth({ handlers: { releaseClaim: () => release.promise } });
  await reachInactivityEnd(booth);
  t.is(booth.screen(), 'session-ended-inactivity', 'the voter sees the end while the claim is released');
  await booth.act({ type: 'DEVICE_REMOVED' });
  t.is(booth.screen(), 'session-ended-inactivity', 'the release is not abandoned half-way');
  await booth.act({ type: 'DEVICE_INSERTED' });
  await booth.act({ type: 'DEVICE_REMOVED' });
  release.resolve(ok(undefined));
  await booth.settle();
  t.is(booth.screen(), 'ready');
  t.false(booth.actor.getSnapshot().context.deviceAbsent);
  t.is(booth.auditIds().at(-1), 'token.claim-released');
  await booth.act({ type: 'DEVICE_INSERTED' });
  t.is(booth.screen(), 'contest', 'the next voter starts normally');
});

test('a device pulled mid-vote ends the session without a release attempt (nothing to write on)', async (t) => {
  const booth = await startOpenBooth();
  await insertAndActivate(booth);
  await booth.act({ type: 'DEVICE_REMOVED' });
  t.is(booth.screen(), 'ready');
  t.is(booth.calls.releaseClaim.length, 0);
});
