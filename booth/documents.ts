/**
 * The cabin's printed documents, as pure functions from data to a PrintDocument:
 * - `constanciaDeVoto`: the voter's paper record (cotejo at the mesa, audit).
 * - `puestaACeroReport`: the zero report printed at installation, signed by the mesa.
 * - `cabinResultsReport`: the cabin's results at close (Art. 26.2 of the regulation).
 *
 * Pure: no clock, no I/O, no randomness. Every time printed is given by the caller, and the
 * constancia takes no time at all, so the same ballot always prints the same bytes.
 *
 * Spanish text (legal/voter-facing). Inconsistent input (a tally not matching the definition,
 * a non-zero tally at puesta a cero) is a bug in the caller and throws: printing a wrong
 * legal document is worse than printing none.
 */
import type { Ballot } from '../shared/ballot/ballot.ts';
import { BLANK_TEXT, NULL_TEXT, contestDisplayName, describeBallot } from '../shared/ballot/describe.ts';
import { encodeCompactBallot } from '../shared/ballot/encoding.ts';
import type { Contest, ElectionDefinition } from '../shared/election/definition.ts';
import type { ContentBlock, PrintDocument } from '../shared/documents/print-document.ts';
import {
  PAPER_80MM_COLUMNS,
  feed,
  heading,
  makeDocument,
  qr,
  rule,
  text,
  voterText,
} from '../shared/documents/print-document.ts';
import { countRow, formatPrintedAt, groupHex, REPRINT_TEXT, SIMULACRO_BANNER } from '../shared/documents/report-pieces.ts';
import type { ContestTally, Tally } from '../shared/tally/tally.ts';
import { contestAllowsPreferential, isZeroTally } from '../shared/tally/tally.ts';

const COLUMNS = PAPER_80MM_COLUMNS;

function simulacroBanner(definition: ElectionDefinition): ContentBlock[] {
  if (!definition.election.simulacro) return [];
  return [heading(SIMULACRO_BANNER), text('Documento de simulacro: sin validez electoral', { align: 'center', bold: true })];
}

// --- constancia de voto -------------------------------------------------------------------------

export interface ConstanciaInput {
  readonly definition: ElectionDefinition;
  readonly ballot: Ballot;
  /**
   * Accepted so callers can pass their context, but deliberately NOT printed. The cabin id
   * does not identify the voter, yet it adds nothing to the cotejo (the mesa compares the
   * choices, not the cabin) and it splits the mesa's voters into smaller groups, narrowing
   * the anonymity set of each constancia. Same reasoning for time, sequence or token data,
   * which are not even accepted here.
   */
  readonly cabinId?: string;
  /** A reprint (paper jam, voter request) is marked so two papers for one vote are explained. */
  readonly reprint: boolean;
}

/**
 * The voter's constancia: every contest's choice in voter-facing text size (the same words
 * as the review screen and audio, from describe.ts) and a QR with the compact ballot for a
 * fast cotejo. Nothing on it identifies the voter or the order of voting.
 */
export function constanciaDeVoto(input: ConstanciaInput): PrintDocument {
  const { definition, ballot, reprint } = input;
  const blocks: ContentBlock[] = [
    ...simulacroBanner(definition),
    heading('CONSTANCIA DE VOTO'),
    voterText(definition.election.name, { align: 'center', bold: true }),
    voterText(`Mesa ${definition.mesa.number}`, { align: 'center' }),
  ];
  if (reprint) blocks.push(voterText(`*** ${REPRINT_TEXT} ***`, { align: 'center', bold: true }));
  blocks.push(rule('='));
  for (const { contestName, text: choiceText } of describeBallot(definition, ballot)) {
    blocks.push(voterText(contestName, { bold: true }), voterText(choiceText), rule('-'));
  }
  blocks.push(qr(encodeCompactBallot(definition, ballot)));
  if (reprint) blocks.push(voterText(`*** ${REPRINT_TEXT} ***`, { align: 'center', bold: true }));
  blocks.push(...simulacroBanner(definition));
  return makeDocument(blocks, { columns: COLUMNS });
}

// --- reports --------------------------------------------------------------------------------

interface ReportHeaderInput {
  readonly definition: ElectionDefinition;
  readonly cabinId: string;
  readonly softwareCode: string;
  readonly packageHash: string;
  readonly printedAt: Date;
}

function reportHeader(title: string, input: ReportHeaderInput): ContentBlock[] {
  const { definition } = input;
  return [
    ...simulacroBanner(definition),
    heading(title),
    rule('='),
    text(
      [
        `Elección: ${definition.election.name}`,
        `Id. de elección: ${definition.election.id}`,
        `Mesa: ${definition.mesa.number}`,
        `Local: ${definition.mesa.place.name}`,
        `Cabina: ${input.cabinId}`,
        `Fecha y hora: ${formatPrintedAt(input.printedAt, definition.election.timezone)}`,
      ].join('\n'),
    ),
    text('Código de versión del software:'),
    text(groupHex(input.softwareCode)),
    text('Huella (SHA-256) del paquete electoral:'),
    text(groupHex(input.packageHash)),
    rule('='),
  ];
}

function signatureBlocks(): ContentBlock[] {
  const line = '_'.repeat(32);
  const personero = ['', line, 'Firma de personero', 'Organización: ____________________', 'DNI: ______________'];
  return [
    text('FIRMAS', { bold: true, align: 'center' }),
    text(['', line, 'Presidente(a) de mesa', 'DNI: ______________'].join('\n')),
    text([...personero, ...personero, ...personero].join('\n')),
  ];
}

function reportFooter(definition: ElectionDefinition): ContentBlock[] {
  return [rule('='), ...signatureBlocks(), feed(1), ...simulacroBanner(definition)];
}

/** The tally must have been counted for this definition: same election, mesa and rows. */
function assertTallyMatchesDefinition(definition: ElectionDefinition, tally: Tally): void {
  if (tally.electionId !== definition.election.id || tally.mesa !== definition.mesa.number) {
    throw new Error(`report: tally is for ${tally.electionId}/${tally.mesa}, definition is ${definition.election.id}/${definition.mesa.number}`);
  }
  if (tally.contests.length !== definition.contests.length) {
    throw new Error(`report: tally has ${tally.contests.length} contests, definition ${definition.contests.length}`);
  }
  for (const [index, contest] of definition.contests.entries()) {
    const row = tally.contests[index];
    if (row?.contestId !== contest.id) throw new Error(`report: tally contest #${index} is not ${contest.id}`);
    const numbers = row.organizations.map((o) => o.organization).join(',');
    if (numbers !== contest.organizations.map((o) => o.number).join(',')) {
      throw new Error(`report: tally organizations of ${contest.id} do not match the definition`);
    }
  }
}

function organizationLabel(contest: Contest, number: number): string {
  const organization = contest.organizations.find((o) => o.number === number);
  if (organization === undefined) throw new Error(`report: contest ${contest.id} has no organization ${number}`);
  return `${organization.number}. ${organization.name} (${organization.shortName})`;
}

function contestPairs(definition: ElectionDefinition, tally: Tally): [Contest, ContestTally][] {
  return definition.contests.map((contest, index) => {
    const row = tally.contests[index];
    if (row === undefined) throw new Error(`report: no tally for ${contest.id}`);
    return [contest, row];
  });
}

// --- puesta a cero ------------------------------------------------------------------------------

export interface PuestaACeroInput extends ReportHeaderInput {
  /** Must be a zero tally (emptyTally or the cabin's store read at installation). */
  readonly tally: Tally;
}

/**
 * Reporte de puesta a cero: proves before voting that every counter of every contest is 0.
 * Every organization is listed with 0; preferential counters (30 candidates per list in
 * eg2026) are summarised per contest in one line, since listing thousands of zeros would
 * waste metres of paper and `isZeroTally` already checked each one.
 */
export function puestaACeroReport(input: PuestaACeroInput): PrintDocument {
  const { definition, tally } = input;
  assertTallyMatchesDefinition(definition, tally);
  if (!isZeroTally(tally)) throw new Error('puestaACeroReport: the tally is not zero (refusing to print a false puesta a cero)');
  const blocks: ContentBlock[] = [...reportHeader('REPORTE DE PUESTA A CERO', input)];
  blocks.push(text(countRow('Cédulas registradas en la cabina:', tally.ballots), { bold: true }), rule('-'));
  for (const [contest, row] of contestPairs(definition, tally)) {
    blocks.push(text(contestDisplayName(contest), { bold: true }));
    const lines = row.organizations.map((o) => countRow(organizationLabel(contest, o.organization), o.votes));
    lines.push(countRow(BLANK_TEXT, row.blank), countRow(NULL_TEXT, row.null));
    if (contestAllowsPreferential(contest)) lines.push(countRow('Votos preferenciales (todos los candidatos)', 0));
    lines.push(countRow('TOTAL DE VOTOS EMITIDOS', row.emitted));
    blocks.push(text(lines.join('\n')), rule('-'));
  }
  blocks.push(...reportFooter(definition));
  return makeDocument(blocks, { columns: COLUMNS });
}

// --- cabin results (Art. 26.2) ------------------------------------------------------------------

export interface CabinResultsInput extends ReportHeaderInput {
  readonly tally: Tally;
  /** Ballots the cabin's store holds; must equal `tally.ballots`. */
  readonly ballotCount: number;
  /**
   * A report printed again after a restart during closing (the first copy may have come out
   * whole, partly or not at all): marked so two papers for one close are explained. Optional
   * only for callers that predate the flag; the cabin always passes it.
   */
  readonly reprint?: boolean;
}

/**
 * Results of this cabin at close: per contest, votes per organization (all organizations,
 * zeros included, same rows as the puesta a cero and the acta), preferential votes of every
 * candidate with at least one vote (candidates at 0 are left out to save paper: thousands of
 * rows in eg2026; the report says so), blank, null, valid and emitted. Totals are summed
 * here from the rows and must agree with the tally's own totals, so the paper can never show
 * a total that the rows printed above it do not add up to.
 */
export function cabinResultsReport(input: CabinResultsInput): PrintDocument {
  const { definition, tally, ballotCount } = input;
  assertTallyMatchesDefinition(definition, tally);
  if (tally.ballots !== ballotCount) {
    throw new Error(`cabinResultsReport: tally counts ${tally.ballots} ballots, the store holds ${ballotCount}`);
  }
  const reprint = input.reprint === true;
  const reprintMark = text(`*** ${REPRINT_TEXT} ***`, { align: 'center', bold: true });
  const blocks: ContentBlock[] = [...reportHeader('RESULTADOS DE LA CABINA', input)];
  if (reprint) blocks.push(reprintMark);
  blocks.push(text(countRow('Cédulas emitidas en la cabina:', ballotCount), { bold: true }));
  blocks.push(text('Votos preferenciales: se listan solo los candidatos con al menos un voto.'), rule('-'));
  for (const [contest, row] of contestPairs(definition, tally)) {
    const valid = row.organizations.reduce((sum, o) => sum + o.votes, 0);
    const emitted = valid + row.blank + row.null;
    if (valid !== row.valid || emitted !== row.emitted || emitted !== tally.ballots + tally.art23Blanks) {
      throw new Error(`cabinResultsReport: tally of ${contest.id} is inconsistent (valid ${row.valid}/${valid}, emitted ${row.emitted}/${emitted})`);
    }
    blocks.push(text(contestDisplayName(contest), { bold: true }));
    const lines: string[] = [];
    for (const o of row.organizations) {
      lines.push(countRow(organizationLabel(contest, o.organization), o.votes));
      for (const candidate of o.preferential) {
        if (candidate.votes > 0) lines.push(countRow(`Voto preferencial, candidato ${candidate.candidate}`, candidate.votes, 4));
      }
    }
    lines.push(
      countRow('VOTOS VÁLIDOS', valid),
      countRow('VOTOS EN BLANCO', row.blank),
      countRow('VOTOS NULOS', row.null),
      countRow('TOTAL DE VOTOS EMITIDOS', emitted),
    );
    blocks.push(text(lines.join('\n')), rule('-'));
  }
  if (reprint) blocks.push(reprintMark);
  blocks.push(...reportFooter(definition));
  return makeDocument(blocks, { columns: COLUMNS });
}
