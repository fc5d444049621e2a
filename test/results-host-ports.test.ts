/**
 * The results station's pure ports (results-station/ports.ts) and durable store
 * (results-station/store.ts), on the eg2026 fixture.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import Database from 'better-sqlite3';
import type { MemberSignatureRecord } from '../shared/results/mesa-result.ts';
import { tallyBallots, type Tally } from '../shared/tally/tally.ts';
import { verifyTally } from '../shared/tally/verify.ts';
import type { CabinReading, CountSheet, MesaResult } from '../results-station/machine-types.ts';
import {
  BALLOTS_FIELD,
  blankField,
  compareSheets,
  fieldLabel,
  manualTally,
  nullField,
  organizationField,
  preferentialField,
  preferentialFields,
  sheetFields,
  tallyMesa,
  tallyToSheet,
} from '../results-station/ports.ts';
import { openResultsStore } from '../results-station/store.ts';
import { ballotWith, blank, EG2026, nullVote, org } from './helpers/ballots.ts';

const EG = EG2026;
const [PRESIDENCIAL, SENADO] = EG.contests;
if (PRESIDENCIAL === undefined || SENADO === undefined) throw new Error('fixture');

function tallyOf(...ballots: Parameters<typeof ballotWith>[1][]): Tally {
  const counted = tallyBallots(EG, ballots.map((choices) => ballotWith(EG, choices)));
  if (!counted.ok) throw new Error('fixture ballots');
  return counted.value;
}

function reading(cabinId: string, tally: Tally): CabinReading {
  return { cabinId, ballotCount: tally.ballots, tally, fileHash: 'c'.repeat(64) };
}

const identity = (consumed: number, art23 = 0) => ({
  electoresHabiles: EG.padron.length,
  activationsIssued: consumed + art23,
  activationsConsumed: consumed,
  art23NotVoted: art23,
  impugnados: 0,
});

/** A complete, consistent manual sheet: `ballots` cédulas, all for organization 1 except one blank and one null per contest. */
function manualSheet(ballots: number): Record<string, number> {
  const sheet: Record<string, number> = { [BALLOTS_FIELD]: ballots };
  for (const field of sheetFields(EG, 'cotejo')) sheet[field.field] = 0;
  for (const contest of EG.contests) {
    sheet[organizationField(contest.id, 1)] = ballots - 2;
    sheet[blankField(contest.id)] = 1;
    sheet[nullField(contest.id)] = 1;
  }
  return sheet;
}

test('sheet fields: every organization then blank and null per contest, in definition order; the manual count starts with the ballots', (t) => {
  const cotejo = sheetFields(EG, 'cotejo');
  const expected = EG.contests.reduce((sum, contest) => sum + contest.organizations.length + 2, 0);
  t.is(cotejo.length, expected);
  t.is(new Set(cotejo.map((f) => f.field)).size, expected, 'field names are unique');
  t.deepEqual(cotejo[0], {
    field: `${PRESIDENCIAL.id}/${PRESIDENCIAL.organizations[0]?.number}`,
    contestId: PRESIDENCIAL.id,
    label: `${PRESIDENCIAL.name}: ${PRESIDENCIAL.organizations[0]?.number}. ${PRESIDENCIAL.organizations[0]?.name}`,
  });
  t.is(cotejo[PRESIDENCIAL.organizations.length]?.field, `${PRESIDENCIAL.id}/blank`);
  t.is(cotejo[PRESIDENCIAL.organizations.length + 1]?.field, `${PRESIDENCIAL.id}/null`);
  const manual = sheetFields(EG, 'manual-count');
  t.is(manual[0]?.field, 'ballots');
  t.is(manual[0]?.contestId, null);
  t.deepEqual(manual.slice(1), cotejo);
  t.true(preferentialFields(EG).every((f) => f.field.split('/').length === 3));
  t.false(preferentialFields(EG).some((f) => f.contestId === PRESIDENCIAL.id), 'no preferential votes in a single-choice contest');
  t.is(fieldLabel(EG, blankField(SENADO.id)), `${SENADO.name}: votos en blanco`);
  t.is(fieldLabel(EG, 'nope/1'), 'nope/1');
});

test('tallyMesa: merged cabins plus Art. 23 blanks with its observation; a mismatch with the identity summary is a discrepancy, another mesa is untallyable', (t) => {
  const one = tallyOf({ [PRESIDENCIAL.id]: org(1) }, { [PRESIDENCIAL.id]: org(2) });
  const two = tallyOf({ [PRESIDENCIAL.id]: nullVote });
  const ok = tallyMesa(EG, { cabins: [reading('cabin-1', one), reading('cabin-2', two)], identity: identity(3, 1) });
  if (ok.kind !== 'ok') throw new Error(`expected ok, got ${ok.kind}`);
  t.is(ok.result.tally.ballots, 3);
  t.is(ok.result.tally.art23Blanks, 1);
  t.is(ok.result.tally.contests[0]?.blank, 1);
  t.is(ok.result.tally.contests[0]?.null, 1);
  t.is(ok.result.tally.contests[0]?.emitted, 4);
  t.true(verifyTally(EG, ok.result.tally).ok);
  t.is(ok.result.observations.length, 1);
  t.regex(ok.result.observations[0] ?? '', /Art\. 23/u);

  const missing = tallyMesa(EG, { cabins: [reading('cabin-1', one)], identity: identity(3) });
  if (missing.kind !== 'discrepancies') throw new Error(`expected discrepancies, got ${missing.kind}`);
  t.true(missing.findings.some((f) => f.code.startsWith('ballots-activations-mismatch')));
  t.regex(missing.findings[0]?.screenText ?? '', /faltan 1 voto/u);
  t.is(missing.result.tally.ballots, 2, 'the tally is still shown');

  const otherMesa = { ...two, mesa: '999999' };
  const blocked = tallyMesa(EG, { cabins: [reading('cabin-1', one), reading('cabin-2', otherMesa)], identity: identity(3) });
  t.is(blocked.kind, 'untallyable');
});

test('tallyToSheet leaves the Art. 23 blanks out (constancias exist only for ballots); compareSheets reports every differing or missing field', (t) => {
  const tally = tallyOf({ [PRESIDENCIAL.id]: org(1) }, { [PRESIDENCIAL.id]: blank });
  const outcome = tallyMesa(EG, { cabins: [reading('cabin-1', tally)], identity: identity(2, 3) });
  if (outcome.kind !== 'ok') throw new Error('fixture');
  const sheet = tallyToSheet(outcome.result.tally);
  t.is(sheet[blankField(PRESIDENCIAL.id)], 1, 'one blank ballot, not the three Art. 23 blanks');
  t.is(sheet[organizationField(PRESIDENCIAL.id, 1)], 1);
  t.is(Object.keys(sheet).length, sheetFields(EG, 'cotejo').length);
  t.deepEqual(compareSheets(sheet, { ...sheet }), []);

  const paper: Record<string, number> = { ...sheet, [organizationField(PRESIDENCIAL.id, 1)]: 2 };
  delete paper[nullField(SENADO.id)];
  t.deepEqual(compareSheets(sheet, paper), [
    { field: organizationField(PRESIDENCIAL.id, 1), first: 1, second: 2 },
    { field: nullField(SENADO.id), first: 0, second: null },
  ].sort((a, b) => (a.field < b.field ? -1 : 1)));
});

test('manualTally: a consistent sheet is a checked manual-count tally; preferential votes are optional', (t) => {
  const sheet = manualSheet(10);
  const candidate = SENADO.organizations[0]?.candidates?.[0]?.number ?? 1;
  sheet[preferentialField(SENADO.id, 1, candidate)] = 4;
  const tallied = manualTally(EG, sheet);
  if (!tallied.ok) throw new Error(`refused: ${tallied.error.map((f) => f.screenText).join(' ')}`);
  t.is(tallied.value.mode, 'manual-count');
  t.is(tallied.value.tally.ballots, 10);
  t.is(tallied.value.tally.art23Blanks, 0);
  t.true(verifyTally(EG, tallied.value.tally).ok);
  t.is(tallied.value.tally.contests[1]?.organizations[0]?.preferential.find((c) => c.candidate === candidate)?.votes, 4);
  t.is(tallied.value.tally.contests[0]?.valid, 8, 'totals are computed, never typed');
});

test('manualTally refuses, all at once in Spanish: a contest that does not add up, unknown, missing and non-count fields, too many ballots, impossible preferential votes', (t) => {
  const codes = (sheet: CountSheet) => {
    const r = manualTally(EG, sheet);
    if (r.ok) throw new Error('expected a refusal');
    t.true(r.error.every((f) => f.screenText.length > 0 && f.actaText.length > 0));
    return r.error.map((f) => f.code);
  };
  t.deepEqual(codes({ ...manualSheet(10), [organizationField(SENADO.id, 1)]: 7 }), ['emitted-ballots']);
  t.true(codes({ ...manualSheet(10), 'senado/99': 1 }).includes('unknown-field'));
  const missing = manualSheet(10);
  delete missing[blankField(PRESIDENCIAL.id)];
  t.deepEqual(codes(missing), ['missing-field']);
  t.deepEqual(codes({ ...manualSheet(10), [nullField(SENADO.id)]: -1 }), ['invalid-count']);
  t.deepEqual(codes({ ...manualSheet(10), [nullField(SENADO.id)]: 1.5 }), ['invalid-count']);
  const tooMany = EG.mesa.electoresHabiles + 1;
  t.deepEqual(codes(manualSheet(tooMany)), ['ballots-exceed-electors']);
  const candidate = SENADO.organizations[0]?.candidates?.[0]?.number ?? 1;
  t.true(codes({ ...manualSheet(10), [preferentialField(SENADO.id, 1, candidate)]: 9 }).includes('preferential-candidate'));
});

// --- store -----------------------------------------------------------------------------------------

function storeFile(t: ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'results.db');
}

const RESULT: MesaResult = { mode: 'electronic', tally: tallyOf({ [PRESIDENCIAL.id]: org(1) }), observations: ['Observación.'] };
const ACTA = new Uint8Array([1, 2, 3, 4]);
const record = (signerId: string, role: MemberSignatureRecord['role']): MemberSignatureRecord => ({ signerId, role, publicKey: `pk-${signerId}`, signature: `sig-${signerId}` });

test('results store: empty at first, then counting, printing copy by copy, signing, writing with the fixed signatures, closed; each phase survives a reopen', (t) => {
  const file = storeFile(t);
  const reopen = () => {
    const s = openResultsStore(file);
    if (!s.ok) throw new Error('store');
    t.teardown(() => s.value.disconnect());
    return s.value;
  };
  let store = reopen();
  t.true(store.isEmpty());
  t.is(store.recovery(), undefined);
  t.false(store.sealActa({ result: RESULT, actaBytes: ACTA }).ok, 'no acta before the puesta a cero');
  t.true(store.recordPuestaACero('d'.repeat(64)).ok);
  t.false(store.isEmpty());
  t.false(store.recordPuestaACero('d'.repeat(64)).ok, 'one puesta a cero');
  store.disconnect();
  store = reopen();
  t.deepEqual(store.recovery(), { phase: 'counting' });
  t.is(store.zeroReportHash(), 'd'.repeat(64));

  t.true(store.sealActa({ result: RESULT, actaBytes: ACTA }).ok);
  t.true(store.sealActa({ result: RESULT, actaBytes: ACTA }).ok, 'the same acta again is a no-op');
  t.false(store.sealActa({ result: RESULT, actaBytes: new Uint8Array([9]) }).ok, 'a second, different acta is refused');
  t.false(store.copyStarted(1).ok, 'copies print in order');
  t.true(store.copyStarted(0).ok);
  t.deepEqual(store.recovery(), { phase: 'printing', result: RESULT, printedCopies: 0, copyInProgress: true });
  t.true(store.copyPrinted(0, 2).ok);
  t.true(store.copyStarted(1).ok);
  store.disconnect();
  store = reopen();
  t.deepEqual(store.recovery(), { phase: 'printing', result: RESULT, printedCopies: 1, copyInProgress: true });
  t.deepEqual(store.acta()?.actaBytes, ACTA);
  t.true(store.copyPrinted(1, 2).ok);
  t.deepEqual(store.recovery(), { phase: 'signing', result: RESULT });

  for (const [id, role] of [['member-1', 'president'], ['member-2', 'member'], ['personero-ab', 'personero']] as const) t.true(store.recordSignature(record(id, role)).ok);
  t.true(store.restartSigning().ok);
  t.deepEqual(store.signatures(), [], 'a restart while signing starts over');
  for (const [id, role] of [['member-1', 'president'], ['member-2', 'member'], ['member-3', 'member'], ['member-4', 'member']] as const) t.true(store.recordSignature(record(id, role)).ok);
  t.false(store.fixSignatures(['member-1', 'member-9']).ok, 'only stored signatures can be fixed');
  const fixed = store.fixSignatures(['member-1', 'member-2', 'member-3']);
  t.deepEqual(fixed.ok ? fixed.value.map((s) => s.signerId) : [], ['member-1', 'member-2', 'member-3']);
  t.true(store.fixSignatures(['member-3', 'member-2', 'member-1']).ok, 'idempotent for the same set');
  t.false(store.fixSignatures(['member-1', 'member-2']).ok, 'the set is fixed');
  t.false(store.recordSignature(record('member-5', 'member')).ok);
  store.disconnect();
  store = reopen();
  t.deepEqual(store.recovery(), {
    phase: 'writing',
    result: RESULT,
    signatures: ['member-1', 'member-2', 'member-3'].map((id) => ({ signerId: id, role: id === 'member-1' ? 'president' : 'member', signature: `sig-${id}` })),
  });
  t.true(store.markClosed().ok);
  t.true(store.markClosed().ok);
  t.deepEqual(store.recovery(), { phase: 'closed' });
  t.false(store.recordPuestaACero('e'.repeat(64)).ok);
});

test('results store: SQLite itself refuses moving the phase back or replacing a sealed acta', (t) => {
  const file = storeFile(t);
  const opened = openResultsStore(file);
  if (!opened.ok) throw new Error('store');
  const store = opened.value;
  t.true(store.recordPuestaACero('d'.repeat(64)).ok);
  t.true(store.sealActa({ result: RESULT, actaBytes: ACTA }).ok);
  store.disconnect();
  const db = new Database(file);
  t.teardown(() => db.close());
  const refusal = (sql: string, ...params: unknown[]): string => {
    try {
      db.prepare(sql).run(...params);
      return 'accepted';
    } catch (e) {
      return String((e as { message?: unknown }).message);
    }
  };
  t.regex(refusal("UPDATE station SET phase = 'counting', phase_rank = 1 WHERE id = 1"), /only moves forward/u);
  t.regex(refusal('UPDATE station SET acta_bytes = ? WHERE id = 1', Buffer.from([7])), /never replaced/u);
});
