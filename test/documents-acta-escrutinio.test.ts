import test from 'ava';
import fc from 'fast-check';
import { PrinterMechanism } from '../hardware-sim/printer/printer-mechanism.ts';
import { contestDisplayName } from '../shared/ballot/describe.ts';
import { toCp850Printable } from '../shared/devices/printer/cp850.ts';
import { renderDocumentBytes } from '../shared/devices/printer/escpos-render.ts';
import { actaCopyLabels, actaDeEscrutinio, copyLabelText } from '../shared/documents/acta-escrutinio.ts';
import { decodeActaQrChunks } from '../shared/documents/acta-qr.ts';
import { documentToPlainText, wrapText } from '../shared/documents/print-document.ts';
import type { ElectionDefinition } from '../shared/election/definition.ts';
import type { ActaData } from '../shared/results/mesa-result.ts';
import { sealActaData } from '../shared/results/mesa-result.ts';
import { contestAllowsPreferential } from '../shared/tally/tally.ts';
import { actaDataFor, largestRealisticActa, mustTally, PRINTED_AT, RESULTS_SIGNER } from './helpers/acta-fixture.ts';
import { ballotArbitrary, EG2026, PRIMARIAS2025, ballotsArbitrary } from './helpers/ballots.ts';

const LARGEST = largestRealisticActa();
const TZ = 'America/Lima';

function print(definition: ElectionDefinition, acta: ActaData, bytes: Uint8Array, options: { reprint?: boolean; index?: number } = {}): string {
  const copies = actaCopyLabels(definition);
  const copy = copies[(options.index ?? 1) - 1] ?? copies[0];
  if (copy === undefined) throw new Error('no copies');
  return documentToPlainText(
    actaDeEscrutinio({ definition, acta, actaBytes: bytes, copy, reprint: options.reprint ?? false, printedAt: PRINTED_AT, timeZone: TZ }),
  );
}

/** The number at the end of the first line that starts with `label` (after `from`). */
function numberAfter(lines: readonly string[], label: string, from = 0): number {
  const line = lines.slice(from).find((l) => l.startsWith(label));
  const match = line === undefined ? null : /\s(\d+)$/u.exec(line);
  if (match === null) throw new Error(`no number for "${label}"`);
  return Number(match[1]);
}

const TOTAL_LABELS = ['TOTAL DE VOTOS VÁLIDOS', 'VOTOS EN BLANCO', 'VOTOS NULOS', 'TOTAL DE VOTOS EMITIDOS', 'VOTOS IMPUGNADOS'];

interface ParsedContest {
  organizations: Map<number, number>;
  preferential: Map<number, Map<number, number>>;
  totals: Map<string, number>;
}

/** Re-reads the per-contest section of the printed text: rows, preferential grids, totals. */
function parseContests(definition: ElectionDefinition, plain: string): Map<string, ParsedContest> {
  const lines = plain.split('\n');
  const starts = definition.contests.map((contest) => {
    const firstLine = wrapText(contestDisplayName(contest), 48)[0];
    const at = lines.findIndex((line) => line === firstLine);
    if (at < 0) throw new Error(`contest ${contest.id} not printed`);
    return at;
  });
  const parsed = new Map<string, ParsedContest>();
  definition.contests.forEach((contest, i) => {
    const end = lines.findIndex((line, at) => at > (starts[i] ?? 0) && /^-{48}$/u.test(line));
    const section = lines.slice(starts[i], end);
    const result: ParsedContest = { organizations: new Map(), preferential: new Map(), totals: new Map() };
    let current: number | undefined;
    for (const line of section) {
      const row = /^(\d+)\. .*\s(\d+)$/u.exec(line);
      if (row !== null) {
        current = Number(row[1]);
        result.organizations.set(current, Number(row[2]));
        continue;
      }
      const label = TOTAL_LABELS.find((l) => line.startsWith(l));
      const value = /\s(\d+)$/u.exec(line);
      if (label !== undefined && value !== null) {
        result.totals.set(label, Number(value[1]));
        continue;
      }
      if (/^ {4}\s*\d+:\d+/u.test(line) && current !== undefined) {
        const grid = result.preferential.get(current) ?? new Map<number, number>();
        for (const cell of line.matchAll(/(\d+):(\d+)/gu)) grid.set(Number(cell[1]), Number(cell[2]));
        result.preferential.set(current, grid);
      }
    }
    parsed.set(contest.id, result);
  });
  return parsed;
}

/** Every number printed in the contest sections equals the tally; nothing is missing or extra. */
function checkPrintedAgainstTally(definition: ElectionDefinition, acta: ActaData, plain: string): string[] {
  const problems: string[] = [];
  const parsed = parseContests(definition, plain);
  for (const [index, contest] of definition.contests.entries()) {
    const row = acta.tally.contests[index];
    const printed = parsed.get(contest.id);
    if (row === undefined || printed === undefined) return [`${contest.id} missing`];
    if (printed.organizations.size !== row.organizations.length) problems.push(`${contest.id}: ${printed.organizations.size} rows`);
    for (const o of row.organizations) {
      if (printed.organizations.get(o.organization) !== o.votes) problems.push(`${contest.id}/${o.organization} votes`);
      const grid = printed.preferential.get(o.organization);
      if (contestAllowsPreferential(contest) && o.votes > 0) {
        if (grid?.size !== o.preferential.length) problems.push(`${contest.id}/${o.organization} grid size`);
        for (const c of o.preferential) if (grid?.get(c.candidate) !== c.votes) problems.push(`${contest.id}/${o.organization}/${c.candidate}`);
      } else if (grid !== undefined) {
        problems.push(`${contest.id}/${o.organization} has an unexpected grid`);
      }
    }
    const expected: [string, number][] = [
      ['TOTAL DE VOTOS VÁLIDOS', row.valid],
      ['VOTOS EN BLANCO', row.blank],
      ['VOTOS NULOS', row.null],
      ['TOTAL DE VOTOS EMITIDOS', row.emitted],
    ];
    if (acta.identity !== null) expected.push(['VOTOS IMPUGNADOS', acta.identity.counts.impugnados]);
    for (const [label, value] of expected) if (printed.totals.get(label) !== value) problems.push(`${contest.id} ${label}: ${printed.totals.get(label)} != ${value}`);
  }
  const lines = plain.split('\n');
  if (numberAfter(lines, 'Electores hábiles:') !== definition.mesa.electoresHabiles) problems.push('electores hábiles');
  if (numberAfter(lines, 'TOTAL DE VOTANTES') !== acta.tally.ballots + acta.tally.art23Blanks) problems.push('votantes');
  if (numberAfter(lines, 'Identificados que no votaron (Art. 23)') !== acta.tally.art23Blanks) problems.push('art 23');
  return problems;
}

test('every number printed on the largest realistic eg2026 acta equals the tally', (t) => {
  const plain = print(EG2026, LARGEST.data, LARGEST.bytes);
  t.deepEqual(checkPrintedAgainstTally(EG2026, LARGEST.data, plain), []);
  const lines = plain.split('\n');
  t.is(numberAfter(lines, 'Cédulas electrónicas'), LARGEST.data.tally.ballots);
  t.is(numberAfter(lines, 'Impugnados, votaron en cédula'), 2);
  t.is(numberAfter(lines, '  Cabina cabin-1:'), LARGEST.data.cabins[0]?.ballotCount ?? -1);
  t.true(
    lines.filter((line) => !line.startsWith('[QR: ')).every((line) => Array.from(line).length <= 48),
    'nothing wider than the 80 mm roll',
  );
});

test('property: printed totals equal the tally for random tallies of both fixtures', (t) => {
  let problems: string[] = [];
  const details = fc.check(
    fc.property(ballotsArbitrary, fc.nat({ max: 5 }), fc.nat({ max: 3 }), ({ definition, ballots }, art23, impugnados) => {
      const acta = actaDataFor(definition, mustTally(definition, ballots, art23), { impugnados });
      const bytes = sealActaData(acta, RESULTS_SIGNER);
      problems = checkPrintedAgainstTally(definition, acta, print(definition, acta, bytes));
      return problems.length === 0;
    }),
    { numRuns: 25 },
  );
  // The counterexample holds a whole definition: report the problems, not the input.
  t.false(details.failed, `seed ${details.seed}: ${problems.slice(0, 10).join('; ')}`);
});

test('header: mesa, place, copy label, times to the second in the election time zone, hashes, signatures', (t) => {
  const printed = print(EG2026, LARGEST.data, LARGEST.bytes, { index: 2 });
  // Long lines wrap at 48 columns: compare with the words joined again.
  const plain = printed.replace(/\n(?!\[QR)/gu, ' ');
  const { mesa } = EG2026;
  for (const expected of [
    'ACTA DE ESCRUTINIO',
    `Mesa de sufragio N.° ${mesa.number}`,
    `Ubigeo: ${mesa.ubigeo}`,
    `Local de votación: ${mesa.place.name}`,
    `Id. de elección: ${EG2026.election.id}`,
    copyLabelText({ destination: EG2026.actaCopies[1] ?? '', index: 2, of: EG2026.actaCopies.length }),
    'Cierre: 2026-04-12 17:31:05 (America/Lima)',
    'Impresión: 2026-04-12 17:40:09 (America/Lima)',
    '0123456789abcdef 0123456789abcdef',
    'Presidente(a) de mesa',
    'Personero(a)',
  ]) {
    t.true(plain.includes(expected), expected);
  }
  t.is(printed.split('\n').filter((line) => line.includes('EJEMPLAR 2 DE')).length, 2, 'copy label at top and bottom');
  t.false(plain.includes('REIMPRESIÓN'));
  t.true(print(EG2026, LARGEST.data, LARGEST.bytes, { reprint: true }).includes('*** REIMPRESIÓN ***'));
});

test('the QR texts on the acta reassemble to the sealed acta bytes', (t) => {
  const plain = print(EG2026, LARGEST.data, LARGEST.bytes);
  const chunks = [...plain.matchAll(/^\[QR: (.*)\]$/gmu)].map((m) => m[1] ?? '');
  t.true(chunks.length > 1);
  const decoded = decodeActaQrChunks(chunks);
  t.true(decoded.ok);
  if (decoded.ok) t.deepEqual(decoded.value, LARGEST.bytes);
});

test('simulacro actas carry the banner; primaries print their own copies', (t) => {
  const simulacro: ElectionDefinition = { ...PRIMARIAS2025, election: { ...PRIMARIAS2025.election, simulacro: true } };
  const real: ElectionDefinition = { ...PRIMARIAS2025, election: { ...PRIMARIAS2025.election, simulacro: false } };
  const ballots = fc.sample(ballotArbitrary(simulacro), { numRuns: 10, seed: 7 });
  const acta = actaDataFor(simulacro, mustTally(simulacro, ballots));
  const bytes = sealActaData(acta, RESULTS_SIGNER);
  const plain = print(simulacro, acta, bytes);
  t.is(plain.split('\n').filter((line) => line.includes('*** SIMULACRO ***')).length, 2);
  t.deepEqual(
    actaCopyLabels(PRIMARIAS2025).map((c) => c.destination),
    [...PRIMARIAS2025.actaCopies],
  );
  const realActa = actaDataFor(real, mustTally(real, ballots));
  t.false(print(real, realActa, sealActaData(realActa, RESULTS_SIGNER)).includes('SIMULACRO'));
});

test('cotejo differences and observations are printed with readable field names', (t) => {
  const contest = EG2026.contests[0];
  if (contest === undefined) return t.fail();
  const tally = mustTally(EG2026, fc.sample(ballotArbitrary(EG2026), { numRuns: 5, seed: 3 }), 2);
  const acta = actaDataFor(EG2026, tally, {
    cotejo: { differences: [{ field: `${contest.id}/1`, electronic: 4, paper: 5 }, { field: `${contest.id}/blank`, electronic: 1, paper: null }] },
  });
  const plain = print(EG2026, acta, sealActaData(acta, RESULTS_SIGNER)).replace(/\n(?=[^-\n])/gu, ' ');
  t.true(plain.includes('COTEJO DE VOTOS (Art. 28)'));
  t.regex(plain, /Diferencias entre el escrutinio electrónico y el conteo manual: 2/u);
  t.regex(plain, /- .* - 1\. .*: electrónico 4, manual 5/u);
  t.regex(plain, /votos en blanco: electrónico 1, manual sin dato/u);
  t.regex(plain, /Art\. 23: 2 electores identificados/u);
  const clean = actaDataFor(EG2026, tally, { cotejo: { differences: [] } });
  t.regex(print(EG2026, clean, sealActaData(clean, RESULTS_SIGNER)), /coincide con el escrutinio electrónico/u);
});

test('inconsistent input throws instead of printing a wrong acta', (t) => {
  const other = actaDataFor(EG2026, LARGEST.data.tally, { impugnados: 5 });
  const copy = { destination: 'JEE', index: 1, of: 5 };
  const base = { definition: EG2026, acta: LARGEST.data, actaBytes: LARGEST.bytes, copy, reprint: false, printedAt: PRINTED_AT, timeZone: TZ };
  t.notThrows(() => actaDeEscrutinio(base));
  t.throws(() => actaDeEscrutinio({ ...base, acta: other }), { message: /does not carry this acta/u });
  t.throws(() => actaDeEscrutinio({ ...base, definition: PRIMARIAS2025 }), { message: /definition is/u });
  t.throws(() => actaDeEscrutinio({ ...base, copy: { ...copy, index: 6 } }), { message: /copy 6 of 5/u });
  const [first, ...rest] = LARGEST.data.tally.contests;
  if (first === undefined) return t.fail();
  const broken: ActaData = { ...LARGEST.data, tally: { ...LARGEST.data.tally, contests: [{ ...first, emitted: first.emitted + 1 }, ...rest] } };
  t.throws(() => actaDeEscrutinio({ ...base, acta: broken, actaBytes: sealActaData(broken, RESULTS_SIGNER) }), { message: /does not add up/u });
});

test('a manual-count acta (STAE) prints counted ballots, no cabins, and no impugnados without an identity summary', (t) => {
  const ballots = fc.sample(ballotArbitrary(EG2026), { numRuns: 12, seed: 5 });
  const acta: ActaData = { ...actaDataFor(EG2026, mustTally(EG2026, ballots), { mode: 'manual-count' }), identity: null };
  const plain = print(EG2026, acta, sealActaData(acta, RESULTS_SIGNER));
  t.true(plain.includes('Escrutinio: conteo manual de cédulas (STAE)'));
  t.is(numberAfter(plain.split('\n'), 'Cédulas contadas (conteo manual):'), 12);
  t.false(plain.includes('Cabina '));
  t.false(plain.includes('VOTOS IMPUGNADOS'));
  t.deepEqual(checkPrintedAgainstTally(EG2026, acta, plain), []);
});

test('the whole acta printed on the simulated 80 mm printer: same text as the document, QR codes scan to the acta bytes', async (t) => {
  const copy = actaCopyLabels(EG2026)[0];
  if (copy === undefined) return t.fail();
  const doc = actaDeEscrutinio({ definition: EG2026, acta: LARGEST.data, actaBytes: LARGEST.bytes, copy, reprint: false, printedAt: PRINTED_AT, timeZone: TZ });
  const mechanism = new PrinterMechanism(() => {});
  mechanism.receive(await renderDocumentBytes(doc));
  const tickets = mechanism.tickets();
  t.is(tickets.length, 1);
  const ticket = tickets[0];
  if (ticket === undefined) return t.fail();
  t.true(ticket.complete);
  // The printer's code page has no em dash: compare after the same substitution.
  t.is(ticket.text, documentToPlainText(doc).split('\n').map((line) => (line.startsWith('[QR: ') ? line : toCp850Printable(line))).join('\n'));
  const scanned = [...ticket.text.matchAll(/^\[QR: (.*)\]$/gmu)].map((m) => m[1] ?? '');
  const decoded = decodeActaQrChunks(scanned);
  t.true(decoded.ok);
  if (decoded.ok) t.deepEqual(decoded.value, LARGEST.bytes);
});
