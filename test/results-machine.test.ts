import test from 'ava';
import { err, ok } from '../shared/result.ts';
import type { PrinterFault } from '../results-station/machine-types.ts';
import { DEFAULT_RESULTS_TIMEOUTS, resolveResultsTimeouts } from '../results-station/timeouts.ts';
import {
  ACTA_COPIES,
  IDENTITY,
  IMPOSTOR,
  MEMBER_2,
  MEMBER_3,
  manualSheet,
  PERSONERO,
  PRESIDENT,
  READINGS,
  readAllDevices,
  signAndFinish,
  startCounting,
  startResults,
  tallyToSheet,
} from './helpers/results-harness.ts';

test('happy path with 2 cabins: both read, reconciled, Art. 23 blank added, actas printed, signed and written', async (t) => {
  const station = await startCounting();
  t.is(station.screen(), 'insert-cabin-device');
  await readAllDevices(station);
  t.is(station.screen(), 'tallied');
  t.deepEqual(station.calls.readCabinResults.map((call) => call.cabinId), ['cabin-1', 'cabin-2']);
  const result = station.actor.getSnapshot().context.result;
  t.is(result?.tally.ballots, 5);
  t.is(result?.tally.art23Blanks, 1);
  t.true(result?.observations.some((line) => line.startsWith('Art. 23')));
  await station.act({ type: 'PRINT_ACTAS' });
  t.is(station.screen(), 'signing');
  t.deepEqual(
    station.calls.printActaCopy.map((call) => call.copy.destination),
    [...ACTA_COPIES, 'cartel'],
  );
  await signAndFinish(station);
  t.is(station.screen(), 'closed');
  t.is(station.calls.writeConsolidated[0]?.signatures.length, 3);
  t.deepEqual(station.errors, []);
  t.true(station.auditIds().includes('results.written'));
});

test('a refused cabin file is shown naming the cabin and reason, audited, not tallied, and another device succeeds', async (t) => {
  let attempts = 0;
  const station = await startCounting({
    handlers: {
      readCabinResults: ({ cabinId }) => {
        attempts += 1;
        if (cabinId === 'cabin-2' && attempts === 2) {
          return Promise.resolve(err({ codes: ['wrong-mesa'], reasons: ['El archivo corresponde a otra mesa.'] }));
        }
        const reading = READINGS[cabinId];
        return Promise.resolve(reading === undefined ? err({ codes: ['x'], reasons: ['x'] }) : ok(reading));
      },
    },
  });
  await station.act({ type: 'DEVICE_INSERTED' });
  await station.act({ type: 'DEVICE_INSERTED' });
  t.is(station.screen(), 'device-refused');
  const text = station.actor.getSnapshot().context.deviceRefusalText ?? '';
  t.regex(text, /cabina 2/);
  t.regex(text, /otra mesa/);
  t.deepEqual(station.actor.getSnapshot().context.readings.map((reading) => reading.cabinId), ['cabin-1']);
  t.true(station.audit.some((event) => event.event === 'results.refused' && event.message === 'cabin-2: wrong-mesa'));
  await station.act({ type: 'DEVICE_INSERTED' });
  t.is(station.screen(), 'insert-identity-device');
  await station.act({ type: 'DEVICE_INSERTED' });
  t.is(station.screen(), 'tallied');
  t.is(station.actor.getSnapshot().context.result?.tally.ballots, 5);
});

test('reconciliation mismatch blocks the mesa until a re-read or the president records it as an observation', async (t) => {
  // The identity station saw 6 consumed activations; the cabins hold 5 ballots.
  const station = await startCounting({
    handlers: { readIdentitySummary: () => Promise.resolve(ok({ ...IDENTITY, activationsConsumed: 6, activationsIssued: 7 })) },
  });
  await readAllDevices(station);
  t.is(station.screen(), 'reconciliation-problems');
  // Nothing moves the mesa on silently.
  await station.act({ type: 'PRINT_ACTAS' });
  t.is(station.screen(), 'reconciliation-problems');
  // Re-reading drops every reading and starts again at the first cabin.
  await station.act({ type: 'REREAD_DEVICES' });
  t.is(station.screen(), 'insert-cabin-device');
  t.deepEqual(station.actor.getSnapshot().context.readings, []);
  await readAllDevices(station);
  t.is(station.screen(), 'reconciliation-problems');
  await station.act({ type: 'RECORD_DISCREPANCY', credential: IMPOSTOR });
  t.is(station.screen(), 'reconciliation-problems');
  t.is(station.actor.getSnapshot().context.credentialRefusal, 'not-president');
  await station.act({ type: 'RECORD_DISCREPANCY', credential: PRESIDENT });
  t.is(station.screen(), 'tallied');
  t.deepEqual(station.calls.verifyPresidentCredential.at(-1)?.action, 'record-discrepancy');
  const observations = station.actor.getSnapshot().context.result?.observations ?? [];
  t.true(observations.some((line) => line.startsWith('Discrepancia registrada')));
});

test('cotejo with a deliberate difference: shown option by option and written into the observations', async (t) => {
  const station = await startCounting();
  await readAllDevices(station);
  await station.act({ type: 'START_COTEJO' });
  t.is(station.screen(), 'cotejo-entry');
  const electronic = tallyToSheet(station.actor.getSnapshot().context.result?.tally ?? READINGS['cabin-1']!.tally);
  const contestId = station.actor.getSnapshot().context.result?.tally.contests[0]?.contestId ?? '';
  const paper = { ...electronic, [`${contestId}/1`]: 2 };
  await station.act({ type: 'COTEJO_ENTERED', counts: paper });
  t.is(station.screen(), 'cotejo-review');
  t.deepEqual(station.actor.getSnapshot().context.cotejoDifferences, [{ field: `${contestId}/1`, first: 3, second: 2 }]);
  await station.act({ type: 'RECORD_COTEJO' });
  t.is(station.screen(), 'signing');
  const observations = station.calls.printActaCopy[0]?.result.observations ?? [];
  t.true(observations.some((line) => line.includes(`${contestId}/1: electrónico 3, manual 2`)));
  t.true(station.auditIds().includes('cotejo.mismatch'));
});

test('STAE manual count: a mismatch is shown field by field until both entries agree, then the acta flow', async (t) => {
  const station = await startCounting({ input: { mode: 'manual-count', cabinIds: [] } });
  t.is(station.screen(), 'manual-entry-first');
  await station.act({ type: 'MANUAL_ENTRY', member: 'member-2', counts: manualSheet(4) });
  t.is(station.screen(), 'manual-entry-second');
  await station.act({ type: 'MANUAL_ENTRY', member: 'member-2', counts: manualSheet(4) });
  t.is(station.screen(), 'manual-entry-second', 'the same member cannot make both entries');
  t.is(station.actor.getSnapshot().context.entryRefusal, 'same-member');
  await station.act({ type: 'MANUAL_ENTRY', member: 'member-3', counts: manualSheet(5) });
  t.is(station.screen(), 'manual-mismatch');
  const differences = station.actor.getSnapshot().context.entryDifferences;
  t.is(differences.length, Object.keys(manualSheet(4)).length);
  t.true(differences.every((difference) => difference.first === 4 && difference.second === 5));
  await station.act({ type: 'MANUAL_ENTRY', member: 'member-3', counts: manualSheet(4) });
  t.is(station.screen(), 'tallied');
  t.is(station.actor.getSnapshot().context.result?.tally.ballots, 4);
  await station.act({ type: 'START_COTEJO' });
  t.is(station.screen(), 'tallied', 'no cotejo for a paper count');
  await station.act({ type: 'PRINT_ACTAS' });
  await signAndFinish(station);
  t.is(station.screen(), 'closed');
  t.deepEqual(station.calls.readCabinResults, []);
});

test('printer fault during the 3rd acta copy blocks, then resumes at copy 3 without reprinting copies 1 and 2', async (t) => {
  let printed = 0;
  const station = await startCounting({
    handlers: {
      printActaCopy: ({ index }) => {
        printed += 1;
        const fault: PrinterFault = { kind: 'paper-out' };
        return Promise.resolve(index === 2 && printed === 3 ? err(fault) : ok(undefined));
      },
    },
  });
  await readAllDevices(station);
  await station.act({ type: 'PRINT_ACTAS' });
  t.is(station.screen(), 'printer-fault');
  t.deepEqual(station.calls.printActaCopy.map((call) => call.index), [0, 1, 2]);
  await station.advance(DEFAULT_RESULTS_TIMEOUTS.printerRetryPollMs);
  t.is(station.screen(), 'signing');
  t.deepEqual(station.calls.printActaCopy.map((call) => call.index), [0, 1, 2, 2, 3]);
  t.true(station.calls.printActaCopy.every((call) => !call.reprint));
});

test('after a restart mid-printing, only unconfirmed copies print and the one in progress is marked as a reprint', async (t) => {
  const result = { mode: 'electronic' as const, tally: READINGS['cabin-1']!.tally, observations: [] };
  const station = startResults({ input: { recovery: { phase: 'printing', result, printedCopies: 2, copyInProgress: true } } });
  await station.settle();
  t.is(station.screen(), 'signing');
  t.deepEqual(
    station.calls.printActaCopy.map((call) => [call.index, call.reprint]),
    [
      [2, true],
      [3, false],
    ],
  );
  t.true(station.auditIds().includes('acta.reprinted'));
});

test('signatures insufficient: cannot proceed without the president and 2 members; personeros do not count', async (t) => {
  const station = await startCounting();
  await readAllDevices(station);
  await station.act({ type: 'PRINT_ACTAS' });
  await station.act({ type: 'CREDENTIAL_PRESENTED', credential: MEMBER_2 });
  await station.act({ type: 'CREDENTIAL_PRESENTED', credential: MEMBER_2 });
  await station.act({ type: 'CREDENTIAL_PRESENTED', credential: PERSONERO });
  await station.act({ type: 'CREDENTIAL_PRESENTED', credential: PRESIDENT });
  await station.act({ type: 'FINISH_SIGNING' });
  t.is(station.screen(), 'signing');
  t.is(station.actor.getSnapshot().context.signingRefusal, 'insufficient-signatures');
  t.is(station.actor.getSnapshot().context.signatures.length, 3, 'a repeated signer is kept once');
  await station.act({ type: 'CREDENTIAL_PRESENTED', credential: IMPOSTOR });
  t.is(station.actor.getSnapshot().context.signingRefusal, 'unknown');
  await station.act({ type: 'CREDENTIAL_PRESENTED', credential: MEMBER_3 });
  await station.act({ type: 'FINISH_SIGNING' });
  t.is(station.screen(), 'closed');
  t.deepEqual(station.calls.writeConsolidated.length, 1);
});

test('a consolidation write fault is retried until the device accepts the signed result', async (t) => {
  let writes = 0;
  const station = await startCounting({
    handlers: { writeConsolidated: () => Promise.resolve(++writes === 1 ? err({ kind: 'device-missing' as const }) : ok(undefined)) },
  });
  await readAllDevices(station);
  await station.act({ type: 'PRINT_ACTAS' });
  await signAndFinish(station);
  t.is(station.screen(), 'consolidation-fault');
  await station.act({ type: 'RETRY_WRITE' });
  t.is(station.screen(), 'closed');
});

test('a failed self-check puts the station out of service with a Spanish reason, before any credential', async (t) => {
  const station = startResults({ handlers: { selfCheck: () => Promise.resolve(err({ kind: 'software-unauthorized' as const })) } });
  await station.settle();
  t.is(station.screen(), 'out-of-service');
  t.regex(station.actor.getSnapshot().context.outOfServiceReason ?? '', /versión autorizada/);
  t.deepEqual(station.auditIds(), ['station.self-test-failed']);
});

test('a printer retry poll outside its limits is a broken configuration', (t) => {
  t.throws(() => resolveResultsTimeouts({ printerRetryPollMs: 10 }), { message: /printerRetryPollMs/ });
  // The machine refuses to start on it (xstate reports the context error to subscribers).
  const station = startResults({ input: { timeouts: { printerRetryPollMs: 10 } } });
  t.is(station.errors.length, 1);
});
