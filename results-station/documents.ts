/**
 * The results station's own printed documents (the acta de escrutinio and the cartel live in
 * shared/documents/, shared with the observer tool):
 * - `resultsPuestaACeroReport` (Art. 26.1): before counting, proves the station holds no
 *   result, acta or signature; names the election, mesa, station, software code and package.
 *   Its plain text's SHA-256 (`zeroReportHash`) goes into the acta data (Contract A).
 * - `cotejoReport` (Art. 28): the members' hand count of the constancias de voto against the
 *   electronic count, per contest and option, every difference marked.
 *
 * Pure: no clock, no I/O, mirroring booth/documents.ts and identity-station/documents.ts.
 * Inconsistent input (a store that is not empty at puesta a cero) throws: a false puesta a
 * cero is worse than none.
 */
import { BLANK_TEXT, NULL_TEXT, contestDisplayName } from '../shared/ballot/describe.ts';
import { sha256Hex } from '../shared/crypto/hash.ts';
import { actaSignatureBlocks } from '../shared/documents/acta-escrutinio.ts';
import { countFieldKey, describeCountField } from '../shared/documents/count-fields.ts';
import type { ContentBlock, PrintDocument } from '../shared/documents/print-document.ts';
import { documentToPlainText, feed, heading, makeDocument, PAPER_80MM_COLUMNS, rule, text, wrapText } from '../shared/documents/print-document.ts';
import { countRow, formatPrintedAt, groupHex, mesaPlaceLines, REPRINT_TEXT, simulacroBanner } from '../shared/documents/report-pieces.ts';
import type { ElectionDefinition } from '../shared/election/definition.ts';
import type { CountSheet } from './machine-types.ts';

const COLUMNS = PAPER_80MM_COLUMNS;
const STATION_NAME = 'Estación de resultados';

interface StationHeaderInput {
  readonly definition: ElectionDefinition;
  readonly softwareCode: string;
  readonly packageHash: string;
  readonly printedAt: Date;
  readonly timeZone: string;
}

function stationHeader(title: string, input: StationHeaderInput, reprint: boolean): ContentBlock[] {
  return [
    ...simulacroBanner(input.definition.election.simulacro),
    heading(title),
    text(STATION_NAME, { bold: true, align: 'center' }),
    ...(reprint ? [text(`*** ${REPRINT_TEXT} ***`, { bold: true, align: 'center' })] : []),
    rule('='),
    text([...mesaPlaceLines(input.definition), `Fecha y hora: ${formatPrintedAt(input.printedAt, input.timeZone)}`].join('\n')),
    text('Código de versión del software:'),
    text(groupHex(input.softwareCode)),
    text('Huella (SHA-256) del paquete electoral:'),
    text(groupHex(input.packageHash)),
    rule('='),
  ];
}

function footer(definition: ElectionDefinition, reprint: boolean): ContentBlock[] {
  return [
    ...actaSignatureBlocks(),
    feed(1),
    ...(reprint ? [text(`*** ${REPRINT_TEXT} ***`, { bold: true, align: 'center' })] : []),
    ...simulacroBanner(definition.election.simulacro),
  ];
}

// --- puesta a cero (Art. 26.1) ---------------------------------------------------------------

export interface ResultsPuestaACeroInput extends StationHeaderInput {
  /** The station store's own proof (ResultsStore.isEmpty()): no count, acta, copy or signature. */
  readonly storeEmpty: boolean;
  /** Printed again after a restart before counting started. */
  readonly reprint?: boolean;
}

export function resultsPuestaACeroReport(input: ResultsPuestaACeroInput): PrintDocument {
  const { definition } = input;
  if (!input.storeEmpty) throw new Error('resultsPuestaACeroReport: the results store is not empty (refusing to print a false puesta a cero)');
  const reprint = input.reprint === true;
  const counts = [
    countRow('Resultados de cabinas leídos:', 0),
    countRow('Cédulas consolidadas:', 0),
    countRow('Actas de escrutinio emitidas:', 0),
    countRow('Firmas de miembros registradas:', 0),
  ];
  const perContest = definition.contests.map((contest) => countRow(contestDisplayName(contest), 0));
  const blocks: ContentBlock[] = [
    ...stationHeader('PUESTA A CERO', input, reprint),
    text('La estación de resultados no contiene votos, resultados ni actas de esta mesa.'),
    rule('-'),
    text(counts.join('\n')),
    rule('-'),
    text('Votos registrados por elección:', { bold: true }),
    text(perContest.join('\n')),
    rule('='),
    ...footer(definition, reprint),
  ];
  return makeDocument(blocks, { columns: COLUMNS });
}

/**
 * The `zeroReportHash` of the acta data: SHA-256 (hex) of the report's plain text, which is
 * what any observer can re-create from the paper's own lines.
 */
export function zeroReportHash(report: PrintDocument): string {
  return sha256Hex(documentToPlainText(report));
}

// --- cotejo (Art. 28) ---------------------------------------------------------------------------

export interface CotejoReportInput extends StationHeaderInput {
  /**
   * The electronic count with the sheet's field names (`<contest>/<organization>`,
   * `<contest>/blank`, `<contest>/null`). It must count the ballots (constancias exist only for
   * them), i.e. WITHOUT the Art. 23 blanks, or every contest's blank row would differ.
   */
  readonly electronic: CountSheet;
  /** The members' hand count of the constancias, same field names. */
  readonly paper: CountSheet;
  readonly reprint?: boolean;
}

const NUMBER_WIDTH = 6;
const MARK = ' **';
const LABEL_WIDTH = COLUMNS - 2 * NUMBER_WIDTH - 2 - MARK.length;

function cell(value: number | undefined): string {
  return (value === undefined ? '-' : String(value)).padStart(NUMBER_WIDTH);
}

/** One option: label (wrapped), electronic and manual counts, a mark when they differ. */
function cotejoRow(label: string, electronic: number | undefined, paper: number | undefined): string {
  const lines = wrapText(label, LABEL_WIDTH);
  const mark = electronic === paper ? '' : MARK;
  const first = `${(lines[0] ?? '').padEnd(LABEL_WIDTH)} ${cell(electronic)} ${cell(paper)}${mark}`.replace(/\s+$/u, '');
  return [first, ...lines.slice(1).map((line) => `  ${line}`)].join('\n');
}

/** Fields in definition order: per contest its organizations, blank and null; then any other. */
function orderedFields(definition: ElectionDefinition, electronic: CountSheet, paper: CountSheet): string[] {
  const known = definition.contests.flatMap((contest) => [
    ...contest.organizations.map((o) => countFieldKey(contest.id, o.number)),
    countFieldKey(contest.id, 'blank'),
    countFieldKey(contest.id, 'null'),
  ]);
  const knownSet = new Set(known);
  const extra = [...new Set([...Object.keys(electronic), ...Object.keys(paper)])].filter((f) => !knownSet.has(f)).sort();
  return [...extra, ...known];
}

export function cotejoDifferenceCount(definition: ElectionDefinition, electronic: CountSheet, paper: CountSheet): number {
  return orderedFields(definition, electronic, paper).filter((f) => electronic[f] !== paper[f]).length;
}

export function cotejoReport(input: CotejoReportInput): PrintDocument {
  const { definition, electronic, paper } = input;
  const reprint = input.reprint === true;
  const fields = orderedFields(definition, electronic, paper);
  const knownContest = new Set(definition.contests.map((c) => c.id));
  const header = `${'Opción'.padEnd(LABEL_WIDTH)} ${'Electr.'.padStart(NUMBER_WIDTH)} ${'Manual'.padStart(NUMBER_WIDTH)}`;
  const blocks: ContentBlock[] = [
    ...stationHeader('COTEJO DE VOTOS', input, reprint),
    text('Art. 28: conteo manual de las constancias de voto comparado con el escrutinio electrónico.'),
    text('Una diferencia se marca con ** al final de la fila.'),
    rule('-'),
  ];
  const extra = fields.filter((f) => !knownContest.has(f.slice(0, Math.max(0, f.indexOf('/')))));
  if (extra.length > 0) {
    blocks.push(text([header, ...extra.map((f) => cotejoRow(describeCountField(definition, f), electronic[f], paper[f]))].join('\n')), rule('-'));
  }
  for (const contest of definition.contests) {
    const rows = contest.organizations.map((o) => {
      const key = countFieldKey(contest.id, o.number);
      return cotejoRow(`${o.number}. ${o.shortName}`, electronic[key], paper[key]);
    });
    rows.push(
      cotejoRow(BLANK_TEXT, electronic[countFieldKey(contest.id, 'blank')], paper[countFieldKey(contest.id, 'blank')]),
      cotejoRow(NULL_TEXT, electronic[countFieldKey(contest.id, 'null')], paper[countFieldKey(contest.id, 'null')]),
    );
    blocks.push(text(contestDisplayName(contest), { bold: true }), text([header, ...rows].join('\n')), rule('-'));
  }
  const differing = fields.filter((f) => electronic[f] !== paper[f]);
  blocks.push(text(countRow('DIFERENCIAS:', differing.length), { bold: true }));
  if (differing.length === 0) {
    blocks.push(text('El conteo manual coincide con el escrutinio electrónico.'));
  } else {
    for (const f of differing) {
      const shown = (n: number | undefined): string => (n === undefined ? 'sin dato' : String(n));
      blocks.push(text(`- ${describeCountField(definition, f)}: electrónico ${shown(electronic[f])}, manual ${shown(paper[f])}`));
    }
    blocks.push(text('Los miembros de mesa resuelven las diferencias en primera instancia (Art. 28).'));
  }
  blocks.push(rule('='), ...footer(definition, reprint));
  return makeDocument(blocks, { columns: COLUMNS });
}
