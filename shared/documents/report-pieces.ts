/**
 * Pieces every station's printed reports share (cabin, identity, results, transmission), so a
 * hash, a time or a count row reads the same on every paper of the mesa.
 */
import type { Contest, ElectionDefinition } from '../election/definition.ts';
import type { ContestTally, Tally } from '../tally/tally.ts';
import type { ContentBlock } from './print-document.ts';
import { heading, PAPER_80MM_COLUMNS, text, wrapText } from './print-document.ts';

const COLUMNS = PAPER_80MM_COLUMNS;
export const SIMULACRO_BANNER = '*** SIMULACRO ***';
export const REPRINT_TEXT = 'REIMPRESIÓN';

/** "2026-04-12 07:31:05 (America/Lima)": to the second, in the election's timezone, 24-hour. */
export function formatPrintedAt(printedAt: Date, timeZone: string): string {
  if (Number.isNaN(printedAt.getTime())) throw new RangeError('printedAt is an invalid Date');
  const parts = new Intl.DateTimeFormat('es-PE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(printedAt);
  const part = (type: Intl.DateTimeFormatPartTypes): string => {
    const found = parts.find((p) => p.type === type)?.value;
    if (found === undefined) throw new Error(`date format has no ${type}`);
    return found;
  };
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')} (${timeZone})`;
}

/**
 * A label with a number at the right edge; a label too long for one line wraps, and the
 * number goes on its first line so a reader scanning the right column never misses it.
 */
export function countRow(label: string, count: number, indent = 0): string {
  const value = String(count);
  const labelWidth = COLUMNS - indent - value.length - 1;
  const lines = wrapText(label, labelWidth);
  const pad = ' '.repeat(indent);
  return lines
    .map((line, index) => {
      if (index > 0) return `${pad}  ${line}`;
      return `${pad}${line}${' '.repeat(Math.max(1, labelWidth - Array.from(line).length + 1))}${value}`;
    })
    .join('\n');
}

/**
 * A 64-character hash does not fit a 48-column line; groups of 16, two per line, are easier
 * for a personero to read out and compare than an arbitrary wrap.
 */
export function groupHex(hex: string): string {
  const groups = hex.match(/.{1,16}/gu) ?? [];
  const lines: string[] = [];
  for (let i = 0; i < groups.length; i += 2) lines.push(groups.slice(i, i + 2).join(' '));
  return lines.join('\n');
}

/**
 * Several counts per line, "key:count" cells in columns (e.g. preferential votes per candidate
 * number): thirty candidates take 5 lines instead of 30, which matters when an acta prints
 * thousands of them. Every entry given is printed, zeros included, so a reader can see that no
 * number is missing.
 */
export function countGrid(entries: readonly { readonly key: number; readonly count: number }[], indent = 4): string {
  if (entries.length === 0) return '';
  const keyWidth = Math.max(...entries.map((e) => String(e.key).length));
  const countWidth = Math.max(...entries.map((e) => String(e.count).length));
  const cellWidth = keyWidth + 1 + countWidth;
  const gap = 3;
  const perLine = Math.max(1, Math.floor((COLUMNS - indent + gap) / (cellWidth + gap)));
  const lines: string[] = [];
  for (let i = 0; i < entries.length; i += perLine) {
    const cells = entries
      .slice(i, i + perLine)
      .map((e) => `${String(e.key).padStart(keyWidth)}:${String(e.count).padEnd(countWidth)}`);
    lines.push((' '.repeat(indent) + cells.join(' '.repeat(gap))).replace(/\s+$/u, ''));
  }
  return lines.join('\n');
}

/** The simulacro banner at the top and bottom of every paper of a drill. */
export function simulacroBanner(simulacro: boolean): ContentBlock[] {
  if (!simulacro) return [];
  return [heading(SIMULACRO_BANNER), text('Documento de simulacro: sin validez electoral', { align: 'center', bold: true })];
}

/** "3. Partido Ejemplo (PE)": an organization as every report lists it. */
export function organizationLabel(contest: Contest, number: number): string {
  const organization = contest.organizations.find((o) => o.number === number);
  if (organization === undefined) throw new Error(`report: contest ${contest.id} has no organization ${number}`);
  return `${organization.number}. ${organization.name} (${organization.shortName})`;
}

/**
 * Pairs each contest of the definition with its tally row, after checking the tally was counted
 * for this definition (same election, mesa, contests and organizations in the same order).
 */
export function contestTallyPairs(definition: ElectionDefinition, tally: Tally): [Contest, ContestTally][] {
  if (tally.electionId !== definition.election.id || tally.mesa !== definition.mesa.number) {
    throw new Error(`report: tally is for ${tally.electionId}/${tally.mesa}, definition is ${definition.election.id}/${definition.mesa.number}`);
  }
  if (tally.contests.length !== definition.contests.length) {
    throw new Error(`report: tally has ${tally.contests.length} contests, definition ${definition.contests.length}`);
  }
  return definition.contests.map((contest, index): [Contest, ContestTally] => {
    const row = tally.contests[index];
    if (row?.contestId !== contest.id) throw new Error(`report: tally contest #${index} is not ${contest.id}`);
    if (row.organizations.map((o) => o.organization).join(',') !== contest.organizations.map((o) => o.number).join(',')) {
      throw new Error(`report: tally organizations of ${contest.id} do not match the definition`);
    }
    return [contest, row];
  });
}

/**
 * Checks a contest row adds up (valid = sum of organizations, emitted = valid + blank + null =
 * ballots + Art. 23 blanks) so a printed total can never disagree with the rows above it.
 */
export function assertContestAddsUp(tally: Tally, row: ContestTally): void {
  const valid = row.organizations.reduce((sum, o) => sum + o.votes, 0);
  if (valid !== row.valid || row.valid + row.blank + row.null !== row.emitted || row.emitted !== tally.ballots + tally.art23Blanks) {
    throw new Error(`report: tally of ${row.contestId} does not add up (valid ${row.valid}/${valid}, emitted ${row.emitted})`);
  }
}

/** Election, mesa and place as the results station's papers head them (one item per line). */
export function mesaPlaceLines(definition: ElectionDefinition): string[] {
  const { mesa, election } = definition;
  return [
    `Elección: ${election.name}`,
    `Id. de elección: ${election.id}`,
    `Fecha de la elección: ${election.date}`,
    `Mesa de sufragio N.° ${mesa.number}`,
    `Local de votación: ${mesa.place.name}`,
    `Dirección: ${mesa.place.address}`,
    `Ubigeo: ${mesa.ubigeo}`,
    `Distrito: ${mesa.district} - Provincia: ${mesa.province} - Departamento: ${mesa.department}`,
    `ODPE: ${mesa.odpe.code} - ${mesa.odpe.name}`,
  ];
}
