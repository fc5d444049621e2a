/**
 * Reads the numbers back from the TEXT of a printed acta de escrutinio (a ticket from the printer
 * simulator), independently of the code that laid it out: label at the left, number at the end
 * of the line (shared/documents/report-pieces.ts countRow), preferential grids as
 * "candidate:votes" cells. Tests compare the result with an independent recount of the ballots,
 * so the paper the members sign is checked, not only the sealed data.
 */
import { contestDisplayName } from '../../shared/ballot/describe.ts';
import type { ElectionDefinition } from '../../shared/election/definition.ts';
import type { Tally } from '../../shared/tally/tally.ts';

export interface PrintedContest {
  readonly contestId: string;
  /** Organization number → votes, every organization listed. */
  readonly organizations: Record<number, number>;
  /** Organization number → candidate number → preferential votes (organizations with votes). */
  readonly preferential: Record<number, Record<number, number>>;
  readonly valid: number;
  readonly blank: number;
  readonly null: number;
  readonly emitted: number;
}

export interface PrintedActa {
  readonly ballots: number;
  readonly art23: number;
  readonly voters: number;
  readonly contests: readonly PrintedContest[];
}

function numberAtEnd(line: string, label: string): number | undefined {
  if (!line.startsWith(label)) return undefined;
  const match = /\s(\d+)$/u.exec(line);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Throws when a row the acta must have is missing: a printed acta without it is wrong. */
export function parsePrintedActa(ticketText: string, definition: ElectionDefinition): PrintedActa {
  const lines = ticketText.split('\n').map((l) => l.replace(/\s+$/u, ''));
  let at = 0;
  const find = (label: string): number => {
    for (let i = at; i < lines.length; i++) {
      const value = numberAtEnd(lines[i] ?? '', label);
      if (value !== undefined) {
        at = i + 1;
        return value;
      }
    }
    throw new Error(`printed acta: no row "${label}" after line ${at}`);
  };
  const ballots = find('Cédulas electrónicas (cabinas de votación):');
  const art23 = find('Identificados que no votaron (Art. 23):');
  const voters = find('TOTAL DE VOTANTES (escrutinio):');
  at = lines.findIndex((l) => l.trim() === 'RESULTADOS POR ELECCIÓN');
  if (at === -1) throw new Error('printed acta: no RESULTADOS POR ELECCIÓN');
  const contests: PrintedContest[] = [];
  for (const contest of definition.contests) {
    // The section title (a long one wraps: its first line is a prefix of the name).
    // The printer's code page has no dashes other than '-'.
    const name = contestDisplayName(contest).replace(/[—–]/gu, '-');
    const start = lines.findIndex((l, i) => i >= at && l.trim().length >= Math.min(10, name.length) && name.startsWith(l.trim()));
    if (start === -1) throw new Error(`printed acta: no section ${name}`);
    at = start + 1;
    const organizations: Record<number, number> = {};
    const preferential: Record<number, Record<number, number>> = {};
    let current: number | undefined;
    for (; at < lines.length; at++) {
      const line = lines[at] ?? '';
      if (line.startsWith('TOTAL DE VOTOS VÁLIDOS')) break;
      const organization = /^(\d+)\. .*\s(\d+)$/u.exec(line);
      if (organization !== null) {
        current = Number(organization[1]);
        organizations[current] = Number(organization[2]);
        continue;
      }
      if (/^ {4}\s*\d+:\d+/u.test(line) && current !== undefined) {
        const grid = (preferential[current] ??= {});
        for (const cell of line.matchAll(/(\d+):(\d+)/gu)) grid[Number(cell[1])] = Number(cell[2]);
      }
    }
    contests.push({
      contestId: contest.id,
      organizations,
      preferential,
      valid: find('TOTAL DE VOTOS VÁLIDOS'),
      blank: find('VOTOS EN BLANCO'),
      null: find('VOTOS NULOS'),
      emitted: find('TOTAL DE VOTOS EMITIDOS'),
    });
  }
  return { ballots, art23, voters, contests };
}

/** The same shape from a tally (a recount), for deepEqual against the printed acta. */
export function printedShapeOf(tally: Tally): PrintedActa {
  return {
    ballots: tally.ballots,
    art23: tally.art23Blanks,
    voters: tally.ballots + tally.art23Blanks,
    contests: tally.contests.map((c) => {
      const organizations: Record<number, number> = {};
      const preferential: Record<number, Record<number, number>> = {};
      for (const o of c.organizations) {
        organizations[o.organization] = o.votes;
        if (o.votes > 0 && o.preferential.length > 0) preferential[o.organization] = Object.fromEntries(o.preferential.map((p) => [p.candidate, p.votes]));
      }
      return { contestId: c.contestId, organizations, preferential, valid: c.valid, blank: c.blank, null: c.null, emitted: c.emitted };
    }),
  };
}
