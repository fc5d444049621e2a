/**
 * The results display's view model (pure, from machine snapshots): which device is prompted or
 * refused, the entry forms' fields (the ports' sheet naming and order), the double entry's
 * secrecy before comparison, and the copy being printed.
 */
import test from 'ava';
import { err } from '../shared/result.ts';
import { sheetFields } from '../results-station/ports.ts';
import { entryFields, resultsView, sheetFromValues } from '../results-station/ui/view-model.ts';
import type { ResultsHarness } from './helpers/results-harness.ts';
import { DEFINITION, manualSheet, readAllDevices, startCounting } from './helpers/results-harness.ts';

const view = (station: ResultsHarness) => resultsView(station.actor.getSnapshot(), DEFINITION);

test('a refused identity summary names the identity station, the reason and what to insert', async (t) => {
  const station = await startCounting({
    handlers: { readIdentitySummary: () => Promise.resolve(err({ codes: ['bad-signature'], reasons: ['La firma del resumen no es válida.'] })) },
  });
  await readAllDevices(station);
  const refused = view(station);
  t.is(refused.screen, 'device-refused');
  t.deepEqual(refused.device, { kind: 'identity', label: 'estación de identificación' });
  t.true(refused.refusal?.includes('estación de identificación') && refused.refusal.includes('La firma del resumen no es válida.'), refused.refusal ?? '');
  t.regex(refused.instruction, /estación de identificación/);
  t.deepEqual(refused.progress?.cabins.map((cabin) => cabin.read), [true, true]);
  t.false(refused.progress?.identityRead);
});

test('entry fields follow the ports’ sheet fields; values map back to named counts', (t) => {
  for (const mode of ['electronic', 'manual-count'] as const) {
    const fields = entryFields(DEFINITION, mode);
    t.deepEqual(
      fields.map((field) => field.name),
      sheetFields(DEFINITION, mode === 'electronic' ? 'cotejo' : 'manual-count').map((field) => field.field),
    );
  }
  const manual = entryFields(DEFINITION, 'manual-count');
  t.is(manual[0]?.name, 'ballots');
  t.regex(manual[1]?.label ?? '', /^1 — \S/);
  const sheet = sheetFromValues(manual, manual.map((_, index) => index));
  t.is(sheet['ballots'], 0);
  t.is(sheet['presidencial/1'], 1);
  t.throws(() => sheetFromValues(manual, [1, 2, 3]));
});

test('the cotejo form expects the electronic votos emitidos; the second manual entry gets nothing of the first', async (t) => {
  const electronic = await startCounting();
  await readAllDevices(electronic);
  await electronic.act({ type: 'START_COTEJO' });
  const cotejo = view(electronic);
  t.is(cotejo.form?.kind, 'cotejo');
  t.is(cotejo.form?.expectedVoters, 6, '5 ballots + 1 Art. 23 blank');
  t.is(cotejo.form?.contests.length, DEFINITION.contests.length);

  const manual = await startCounting({ input: { mode: 'manual-count', cabinIds: [] } });
  await manual.act({ type: 'MANUAL_ENTRY', member: 'member-1', counts: manualSheet(7) });
  const second = view(manual);
  t.is(second.screen, 'manual-entry-second');
  t.deepEqual(second.form?.entries, []);
  t.false(JSON.stringify(second).includes('"values"'));
  t.is(second.members.length, DEFINITION.members.length);
  await manual.act({ type: 'MANUAL_ENTRY', member: 'member-2', counts: manualSheet(6) });
  const mismatch = view(manual);
  t.is(mismatch.screen, 'manual-mismatch');
  t.deepEqual(mismatch.form?.entries.map((entry) => entry.member), ['member-1', 'member-2']);
  t.deepEqual([...(mismatch.form?.flagged ?? [])].sort(), DEFINITION.contests.map((contest) => `${contest.id}/1`).sort());
});

test('the copy being printed is named with its position', async (t) => {
  const station = await startCounting({ handlers: { printActaCopy: () => new Promise(() => undefined) } });
  await readAllDevices(station);
  await station.act({ type: 'PRINT_ACTAS' });
  t.deepEqual(view(station).printing, { copy: 'acta de escrutinio para JEE', index: 1, of: 4, reprint: false });
});
