import test from 'ava';
import { documentToPlainText } from '../shared/documents/print-document.ts';
import { sha256Hex } from '../shared/crypto/hash.ts';
import type { ElectionDefinition } from '../shared/election/definition.ts';
import { cotejoDifferenceCount, cotejoReport, resultsPuestaACeroReport, zeroReportHash } from '../results-station/documents.ts';
import { PACKAGE_HASH, PRINTED_AT, SOFTWARE_CODE } from './helpers/acta-fixture.ts';
import { EG2026, PRIMARIAS2025 } from './helpers/ballots.ts';

const TZ = 'America/Lima';
const BASE = { definition: EG2026, softwareCode: SOFTWARE_CODE, packageHash: PACKAGE_HASH, printedAt: PRINTED_AT, timeZone: TZ };

function joined(plain: string): string {
  return plain.replace(/\n/gu, ' ');
}

test('puesta a cero: station, election, mesa, software code, package hash, time to the second, all counters 0', (t) => {
  const report = resultsPuestaACeroReport({ ...BASE, storeEmpty: true });
  const plain = documentToPlainText(report);
  for (const expected of [
    'PUESTA A CERO',
    'Estación de resultados',
    `Mesa de sufragio N.° ${EG2026.mesa.number}`,
    `Id. de elección: ${EG2026.election.id}`,
    'Fecha y hora: 2026-04-12 17:40:09 (America/Lima)',
    '0123456789abcdef 0123456789abcdef',
    'fedcba9876543210 fedcba9876543210',
    'Presidente(a) de mesa',
  ]) {
    t.true(joined(plain).includes(expected), expected);
  }
  const lines = plain.split('\n');
  const counts = lines.slice(lines.findIndex((line) => line.startsWith('La estación de resultados'))).filter((line) => /\s\d+$/u.test(line));
  t.true(counts.length >= 4 + EG2026.contests.length);
  t.true(counts.every((line) => line.endsWith(' 0')), 'every counter printed is 0');
  t.is(zeroReportHash(report), sha256Hex(plain));
  t.true(plain.split('\n').every((line) => Array.from(line).length <= 48));
});

test('puesta a cero refuses a store that is not empty, and marks simulacro and reprint', (t) => {
  t.throws(() => resultsPuestaACeroReport({ ...BASE, storeEmpty: false }), { message: /not empty/u });
  const real: ElectionDefinition = { ...PRIMARIAS2025, election: { ...PRIMARIAS2025.election, simulacro: false } };
  const drill: ElectionDefinition = { ...PRIMARIAS2025, election: { ...PRIMARIAS2025.election, simulacro: true } };
  t.false(documentToPlainText(resultsPuestaACeroReport({ ...BASE, definition: real, storeEmpty: true })).includes('SIMULACRO'));
  t.true(documentToPlainText(resultsPuestaACeroReport({ ...BASE, definition: drill, storeEmpty: true })).includes('*** SIMULACRO ***'));
  t.true(documentToPlainText(resultsPuestaACeroReport({ ...BASE, storeEmpty: true, reprint: true })).includes('REIMPRESIÓN'));
  // Different time, different hash: the acta binds this exact paper.
  const later = resultsPuestaACeroReport({ ...BASE, storeEmpty: true, printedAt: new Date(PRINTED_AT.getTime() + 1000) });
  t.not(zeroReportHash(later), zeroReportHash(resultsPuestaACeroReport({ ...BASE, storeEmpty: true })));
});

/** A cotejo row with a difference mark: "label  electronic  manual **". */
const MARKED_ROW = /\s(\d+|-)\s+(\d+|-) \*\*$/u;

function sheetOf(definition: ElectionDefinition, votes: (contestIndex: number, option: string) => number): Record<string, number> {
  const sheet: Record<string, number> = {};
  definition.contests.forEach((contest, i) => {
    for (const o of contest.organizations) sheet[`${contest.id}/${o.number}`] = votes(i, String(o.number));
    sheet[`${contest.id}/blank`] = votes(i, 'blank');
    sheet[`${contest.id}/null`] = votes(i, 'null');
  });
  return sheet;
}

test('cotejo: every option shows electronic and manual counts; differences are marked and listed', (t) => {
  const electronic = sheetOf(PRIMARIAS2025, (i, option) => (option === 'blank' ? 2 : i + Number(option === 'null' ? 1 : option)));
  const contest = PRIMARIAS2025.contests[1];
  if (contest === undefined) return t.fail();
  const paper = { ...electronic, [`${contest.id}/1`]: (electronic[`${contest.id}/1`] ?? 0) + 1 };
  delete paper[`${contest.id}/null`];
  const plain = documentToPlainText(cotejoReport({ ...BASE, definition: PRIMARIAS2025, electronic, paper }));
  const lines = plain.split('\n');
  const marked = lines.filter((line) => MARKED_ROW.test(line));
  t.is(marked.length, 2);
  t.is(cotejoDifferenceCount(PRIMARIAS2025, electronic, paper), 2);
  t.deepEqual(marked[0]?.split(/\s+/u), ['1.', 'Lista', '1', String(electronic[`${contest.id}/1`]), String(paper[`${contest.id}/1`]), '**']);
  t.regex(marked[1] ?? '', /^VOTO NULO\s+\d+\s+- \*\*$/u);
  t.regex(plain, /DIFERENCIAS:\s+2/u);
  t.regex(joined(plain), /votos nulos: electrónico \d+, manual sin dato/u);
  // Every option of every contest is on the paper with both numbers.
  const rows = lines.filter((line) => /\s\d+\s+(\d+|-)( \*\*)?$/u.test(line));
  const options = PRIMARIAS2025.contests.reduce((sum, c) => sum + c.organizations.length + 2, 0);
  t.is(rows.length, options);
  t.true(lines.every((line) => Array.from(line).length <= 48));
});

test('cotejo without differences says so', (t) => {
  const sheet = sheetOf(EG2026, () => 3);
  const plain = documentToPlainText(cotejoReport({ ...BASE, electronic: sheet, paper: { ...sheet } }));
  t.regex(plain, /DIFERENCIAS:\s+0/u);
  t.true(joined(plain).includes('El conteo manual coincide con el escrutinio electrónico.'));
  t.false(plain.split('\n').some((line) => MARKED_ROW.test(line)));
});
