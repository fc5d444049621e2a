import test from 'ava';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { createPrinter } from '../shared/devices/printer/factory.ts';
import type { Ballot } from '../shared/ballot/ballot.ts';
import { decodeCompactBallot, encodeCompactBallot } from '../shared/ballot/encoding.ts';
import { describeBallotLines } from '../shared/ballot/describe.ts';
import type { ElectionDefinition } from '../shared/election/definition.ts';
import { formatDefinitionIssues, loadElectionDefinitionFile } from '../shared/election/definition.ts';
import type { PrintDocument, QrBlock, TextBlock } from '../shared/documents/print-document.ts';
import { documentToPlainText, textHeightMm } from '../shared/documents/print-document.ts';
import { emptyTally, tallyBallots } from '../shared/tally/tally.ts';
import type { Tally } from '../shared/tally/tally.ts';
import { cabinResultsReport, constanciaDeVoto, puestaACeroReport } from '../booth/documents.ts';
import { REPRINT_TEXT, SIMULACRO_BANNER, countRow, formatPrintedAt } from '../shared/documents/report-pieces.ts';
import { ballotWith, blank, nullVote, org } from './helpers/ballots.ts';

function loadEg2026(): ElectionDefinition {
  const loaded = loadElectionDefinitionFile('test/fixtures/eg2026/definition.json');
  if (!loaded.ok) throw new Error(formatDefinitionIssues(loaded.error));
  return loaded.value;
}

// jsqr is CommonJS; under NodeNext its default import is the module object.
const jsQR = jsQRModule.default;

const EG = loadEg2026();
const NOT_SIMULACRO: ElectionDefinition = { ...EG, election: { ...EG.election, simulacro: false } };

const BALLOT: Ballot = ballotWith(EG, {
  presidencial: org(8),
  'senado-nacional': org(12, 3, 15),
  'senado-regional': blank,
  diputados: nullVote,
  'parlamento-andino': org(1, 2),
});

const SOFTWARE = 'a'.repeat(64);
const PACKAGE = 'b'.repeat(64);
// 2026-04-12 07:31:05 in Lima (UTC-5).
const PRINTED_AT = new Date('2026-04-12T12:31:05Z');

function lines(doc: PrintDocument): string[] {
  return documentToPlainText(doc).split('\n');
}

function qrBlocks(doc: PrintDocument): QrBlock[] {
  return doc.blocks.filter((b): b is QrBlock => b.kind === 'qr');
}

function collapse(s: string): string {
  return s.replace(/\s+/gu, ' ').trim();
}

/** Printed text with wrapped lines joined, so a long description can be searched whole. */
function flatText(doc: PrintDocument): string {
  return collapse(lines(doc).filter((l) => !l.startsWith('[QR: ')).join(' '));
}

// --- constancia ---------------------------------------------------------------------------------

test('constancia names the election, mesa and every contest choice in readable words', (t) => {
  const doc = constanciaDeVoto({ definition: EG, ballot: BALLOT, reprint: false });
  const flat = flatText(doc);
  t.true(flat.includes('CONSTANCIA DE VOTO'));
  t.true(flat.includes(EG.election.name));
  t.true(flat.includes(`Mesa ${EG.mesa.number}`));
  for (const line of describeBallotLines(EG, BALLOT)) {
    const [contestName = '', choice = ''] = line.split(/: (.*)/su);
    t.true(flat.includes(collapse(contestName)), contestName);
    t.true(flat.includes(collapse(choice)), choice);
  }
  t.true(flat.includes('VOTO EN BLANCO'));
  t.true(flat.includes('VOTO NULO'));
  t.regex(flat, /votos preferenciales: 3 y 15/u);
  t.false(flat.includes(REPRINT_TEXT));
});

test('constancia text is voter-facing size (>= 3.5 mm) everywhere', (t) => {
  const doc = constanciaDeVoto({ definition: EG, ballot: BALLOT, reprint: true });
  const texts = doc.blocks.filter((b): b is TextBlock => b.kind === 'text');
  // The simulacro disclaimer under the banner is the only small line; every ballot line is big.
  for (const block of texts.filter((b) => !b.text.startsWith('Documento de simulacro'))) {
    t.true(textHeightMm(block.style.size) >= 3.5, block.text);
  }
});

test('constancia QR decodes back to the same ballot', (t) => {
  const doc = constanciaDeVoto({ definition: EG, ballot: BALLOT, reprint: false });
  const codes = qrBlocks(doc);
  t.is(codes.length, 1);
  const data = codes[0]?.data ?? '';
  t.is(data, encodeCompactBallot(EG, BALLOT));
  const decoded = decodeCompactBallot(EG, data);
  t.true(decoded.ok);
  if (decoded.ok) t.deepEqual(decoded.value, BALLOT);
});

test('constancia carries nothing that looks like a time and nothing about the cabin', (t) => {
  const without = constanciaDeVoto({ definition: EG, ballot: BALLOT, reprint: false });
  const withCabin = constanciaDeVoto({ definition: EG, ballot: BALLOT, cabinId: 'cabin-2', reprint: false });
  // Same input, same paper: the cabin id and the moment of printing cannot leak.
  t.deepEqual(withCabin, without);
  const printed = lines(without).filter((l) => !l.startsWith('[QR: '));
  for (const line of printed) t.notRegex(line, /\d{1,2}:\d{2}/u, line);
  t.false(documentToPlainText(without).toLowerCase().includes('cabin'));
  // The QR holds only the compact ballot (its "12:3+15" is organization:preferential, not a time).
  t.regex(qrBlocks(without)[0]?.data ?? '', /^VEP1\/EG2026\/041287\//u);
});

test('constancia marks SIMULACRO at top and bottom only in a simulacro', (t) => {
  const drill = lines(constanciaDeVoto({ definition: EG, ballot: BALLOT, reprint: false }));
  t.true(drill[0]?.includes(SIMULACRO_BANNER));
  t.true(drill.slice(-2).some((l) => l.includes(SIMULACRO_BANNER)));
  t.is(drill.filter((l) => l.includes(SIMULACRO_BANNER)).length, 2);
  const real = documentToPlainText(constanciaDeVoto({ definition: NOT_SIMULACRO, ballot: BALLOT, reprint: false }));
  t.false(real.includes('SIMULACRO'));
});

test('constancia marks REIMPRESIÓN on a reprint', (t) => {
  const reprint = documentToPlainText(constanciaDeVoto({ definition: EG, ballot: BALLOT, reprint: true }));
  t.true(reprint.includes(REPRINT_TEXT));
});

// --- puesta a cero ------------------------------------------------------------------------------

const HEADER = { definition: EG, cabinId: 'cabin-1', softwareCode: SOFTWARE, packageHash: PACKAGE, printedAt: PRINTED_AT };

test('printed time is to the second in the election timezone', (t) => {
  t.is(formatPrintedAt(PRINTED_AT, 'America/Lima'), '2026-04-12 07:31:05 (America/Lima)');
});

test('countRow fills exactly the paper width with the number at the right edge', (t) => {
  const row = countRow('1. Partido', 123);
  t.is(row.length, 48);
  t.true(row.endsWith(' 123'));
  const long = countRow('x '.repeat(40).trim(), 7).split('\n');
  t.true(long.length > 1);
  t.true(long.every((l) => l.length <= 48));
  t.true(long[0]?.endsWith(' 7') === true);
});

test('puesta a cero lists header data and every organization of every contest with 0', (t) => {
  const doc = puestaACeroReport({ ...HEADER, tally: emptyTally(EG) });
  const text = documentToPlainText(doc);
  const printed = lines(doc);
  t.true(text.includes('REPORTE DE PUESTA A CERO'));
  t.true(text.includes(`Id. de elección: ${EG.election.id}`));
  t.true(text.includes(EG.election.name));
  t.true(text.includes(`Mesa: ${EG.mesa.number}`));
  t.true(text.includes('Cabina: cabin-1'));
  const compact = text.replace(/\s+/gu, '');
  t.true(compact.includes(SOFTWARE));
  t.true(compact.includes(PACKAGE));
  t.true(text.includes('2026-04-12 07:31:05'));
  t.true(text.includes('Presidente(a) de mesa'));
  t.true(text.includes('Firma de personero'));
  t.is(printed.filter((l) => l.includes(SIMULACRO_BANNER)).length, 2);
  for (const contest of EG.contests) {
    const start = printed.findIndex((l) => l.startsWith(contest.name));
    t.true(start >= 0, contest.id);
    for (const organization of contest.organizations) {
      const label = `${organization.number}. ${organization.name}`;
      const row = printed.findIndex((l, i) => i > start && l.startsWith(label.slice(0, 30)));
      t.true(row > start, `${contest.id} ${organization.number}`);
      t.regex(printed[row] ?? '', / 0$/u);
    }
  }
  t.is(printed.filter((l) => /^VOTO EN BLANCO +0$/u.test(l)).length, EG.contests.length);
  t.is(printed.filter((l) => /^VOTO NULO +0$/u.test(l)).length, EG.contests.length);
  t.is(printed.filter((l) => /^TOTAL DE VOTOS EMITIDOS +0$/u.test(l)).length, EG.contests.length);
  t.false(documentToPlainText(puestaACeroReport({ ...HEADER, definition: NOT_SIMULACRO, tally: emptyTally(NOT_SIMULACRO) })).includes('SIMULACRO'));
});

/** The number at the right edge of a report row. */
function countAtEnd(line: string | undefined): number | undefined {
  const match = / (\d+)$/u.exec(line ?? '');
  return match === null ? undefined : Number(match[1]);
}

function tallyOf(ballots: Ballot[]): Tally {
  const tally = tallyBallots(EG, ballots);
  if (!tally.ok) throw new Error('fixture ballots invalid');
  return tally.value;
}

test('puesta a cero refuses a non-zero tally', (t) => {
  t.throws(() => puestaACeroReport({ ...HEADER, tally: tallyOf([BALLOT]) }), { message: /not zero/u });
});

// --- cabin results ------------------------------------------------------------------------------

test('results report numbers equal the tally', (t) => {
  const ballots = [
    BALLOT,
    BALLOT,
    ballotWith(EG, { presidencial: org(3), 'senado-nacional': org(12, 15) }),
    ballotWith(EG, { presidencial: nullVote }),
  ];
  const tally = tallyOf(ballots);
  const doc = cabinResultsReport({ ...HEADER, tally, ballotCount: ballots.length });
  const printed = lines(doc);
  const text = documentToPlainText(doc);
  t.true(text.includes('RESULTADOS DE LA CABINA'));
  t.true(printed.some((l) => /^Cédulas emitidas en la cabina: +4$/u.test(l)));
  t.is(printed.filter((l) => l.includes(SIMULACRO_BANNER)).length, 2);
  for (const [index, contest] of EG.contests.entries()) {
    const row = tally.contests[index];
    if (row === undefined) throw new Error('no row');
    const start = printed.findIndex((l) => l.startsWith(contest.name));
    const end = printed.findIndex((l, i) => i > start && l.startsWith('TOTAL DE VOTOS EMITIDOS'));
    const section = printed.slice(start, end + 1);
    t.is(countAtEnd(section.at(-1)), row.emitted);
    t.is(countAtEnd(section.find((l) => l.startsWith('VOTOS EN BLANCO '))), row.blank);
    t.is(countAtEnd(section.find((l) => l.startsWith('VOTOS NULOS '))), row.null);
    for (const o of row.organizations) {
      const name = contest.organizations.find((x) => x.number === o.organization)?.name ?? '';
      const at = section.findIndex((l) => l.startsWith(`${o.organization}. ${name}`.slice(0, 30)));
      t.is(countAtEnd(section[at]), o.votes, `${contest.id} ${o.organization}`);
      // The indented lines right under the organization are its preferential votes, non-zero only.
      const candidateLines: string[] = [];
      for (let i = at + 1; section[i]?.startsWith('    Voto preferencial') === true; i++) candidateLines.push(section[i] ?? '');
      const expected = o.preferential.filter((c) => c.votes > 0).map((c) => [c.candidate, c.votes]);
      const found = candidateLines.map((l) => (/candidato (\d+) +(\d+)$/u.exec(l) ?? []).slice(1).map(Number));
      t.deepEqual(found, expected, `${contest.id} ${o.organization}`);
    }
  }
  // Known values: senado-nacional, organization 12: candidate 3 has 2 votes, candidate 15 has 3.
  const senado = printed.slice(printed.findIndex((l) => l.startsWith('Senadores — Distrito Electoral Único')));
  const org12 = senado.findIndex((l) => l.startsWith('12. '));
  t.regex(senado[org12 + 1] ?? '', /^ {4}Voto preferencial, candidato 3 +2$/u);
  t.regex(senado[org12 + 2] ?? '', /^ {4}Voto preferencial, candidato 15 +3$/u);
  t.regex(senado[org12] ?? '', / 3$/u);
  t.true(text.includes('Presidente(a) de mesa'));
});

test('results report refuses a ballot count that disagrees with the tally', (t) => {
  t.throws(() => cabinResultsReport({ ...HEADER, tally: tallyOf([BALLOT]), ballotCount: 2 }), { message: /store holds 2/u });
});

test('results report refuses a tally whose totals do not add up', (t) => {
  const tally = tallyOf([BALLOT]);
  const forged = { ...tally, contests: tally.contests.map((c, i) => (i === 0 ? { ...c, emitted: c.emitted + 1 } : c)) };
  t.throws(() => cabinResultsReport({ ...HEADER, tally: forged, ballotCount: 1 }), { message: /inconsistent/u });
});

// --- through the real driver --------------------------------------------------------------------

test('the constancia prints through the ESC/POS driver on the simulated printer, QR readable', async (t) => {
  const created = await createPrinter({ kind: 'simulated-pty' });
  if (!created.ok) throw new Error(`cannot create simulated printer: ${JSON.stringify(created.error)}`);
  t.teardown(() => created.value.printer.close());
  const emulator = created.value.simulator?.emulator;
  if (emulator === undefined) throw new Error('simulated-pty printer without simulator');
  const document = constanciaDeVoto({ definition: EG, ballot: BALLOT, reprint: false });
  t.deepEqual(await created.value.printer.print({ id: 'constancia-test', document }), { ok: true, value: { printed: true } });
  const tickets = emulator.tickets();
  t.is(tickets.length, 1);
  const ticket = tickets[0];
  if (ticket === undefined) return;
  t.true(ticket.complete);
  t.is(emulator.unknownCommands().total, 0);
  // Same lines as the plain-text rendering; the em dash is outside CP850 and prints as '-'.
  t.is(ticket.text, documentToPlainText(document).replaceAll('—', '-'));
  t.true(collapse(ticket.text).includes('votos preferenciales: 3 y 15'));
  const png = PNG.sync.read(emulator.renderPng(ticket));
  t.is(jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data, encodeCompactBallot(EG, BALLOT));
});
