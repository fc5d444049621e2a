/**
 * The cartel de resultados (Art. 26: an extra copy of the acta posted in a visible place):
 * the same acta data as the acta de escrutinio, printed large for reading from a distance.
 *
 * Pure, like the acta. Text is 'double-height' (6 mm, the voter-facing size), headings
 * 'double'. Per contest: votes per organization (ballot number and short name, every
 * organization), blank, null, valid and emitted, all read from the tally (checked to add up).
 * Preferential votes are printed only when the contest's non-zero candidates are few
 * (`CARTEL_MAX_PREFERENTIAL_ROWS`); otherwise a line sends the reader to the acta, which
 * always has them all.
 */
import { contestDisplayName } from '../ballot/describe.ts';
import type { ElectionDefinition } from '../election/definition.ts';
import type { ActaData } from '../results/mesa-result.ts';
import { contestAllowsPreferential } from '../tally/tally.ts';
import { assertActaMatchesDefinition } from './acta-escrutinio.ts';
import type { ContentBlock, PrintDocument } from './print-document.ts';
import { feed, heading, makeDocument, PAPER_80MM_COLUMNS, rule, voterText } from './print-document.ts';
import { contestTallyPairs, countRow, formatPrintedAt, simulacroBanner } from './report-pieces.ts';

export const CARTEL_MAX_PREFERENTIAL_ROWS = 10;

export interface CartelInput {
  readonly definition: ElectionDefinition;
  readonly acta: ActaData;
  readonly printedAt: Date;
  readonly timeZone: string;
  /** A cartel printed again after a restart or a paper fault. */
  readonly reprint?: boolean;
}

function shortLabel(definition: ElectionDefinition, contestId: string, number: number): string {
  const organization = definition.contests.find((c) => c.id === contestId)?.organizations.find((o) => o.number === number);
  if (organization === undefined) throw new Error(`cartel: contest ${contestId} has no organization ${number}`);
  return `${organization.number}. ${organization.shortName}`;
}

export function cartelDeResultados(input: CartelInput): PrintDocument {
  const { definition, acta } = input;
  assertActaMatchesDefinition(definition, acta);
  const { mesa, election } = definition;
  const { tally } = acta;
  const reprint = input.reprint === true ? [voterText('*** REIMPRESIÓN ***', { align: 'center', bold: true })] : [];
  const blocks: ContentBlock[] = [
    ...simulacroBanner(acta.simulacro),
    heading('CARTEL DE RESULTADOS'),
    ...reprint,
    voterText(election.name, { align: 'center', bold: true }),
    voterText(`MESA N.° ${mesa.number}`, { align: 'center', bold: true }),
    voterText(`${mesa.place.name}\n${mesa.district} - ${mesa.province} - ${mesa.department}`, { align: 'center' }),
    rule('='),
    voterText(
      [
        countRow('Electores hábiles:', mesa.electoresHabiles),
        countRow('Total de votantes:', tally.ballots + tally.art23Blanks),
        ...(acta.identity === null ? [] : [countRow('Impugnados (Art. 24):', acta.identity.counts.impugnados)]),
      ].join('\n'),
    ),
    rule('='),
  ];
  for (const [contest, row] of contestTallyPairs(definition, tally)) {
    blocks.push(voterText(contestDisplayName(contest), { bold: true }));
    const lines = row.organizations.map((o) => countRow(shortLabel(definition, contest.id, o.organization), o.votes));
    lines.push(
      countRow('VOTOS VÁLIDOS', row.valid),
      countRow('VOTOS EN BLANCO', row.blank),
      countRow('VOTOS NULOS', row.null),
      countRow('TOTAL EMITIDOS', row.emitted),
    );
    blocks.push(voterText(lines.join('\n')));
    if (contestAllowsPreferential(contest)) {
      const nonZero = row.organizations.flatMap((o) =>
        o.preferential.filter((c) => c.votes > 0).map((c) => ({ organization: o.organization, candidate: c.candidate, votes: c.votes })),
      );
      if (nonZero.length > 0 && nonZero.length <= CARTEL_MAX_PREFERENTIAL_ROWS) {
        blocks.push(
          voterText('Votos preferenciales:'),
          voterText(
            nonZero
              .map((p) => countRow(`${shortLabel(definition, contest.id, p.organization)}, candidato ${p.candidate}`, p.votes, 2))
              .join('\n'),
          ),
        );
      } else if (nonZero.length > 0) {
        blocks.push(voterText('Votos preferenciales: ver el acta de escrutinio.'));
      }
    }
    blocks.push(rule('-'));
  }
  blocks.push(
    voterText(`Cierre: ${formatPrintedAt(new Date(acta.closedAt), input.timeZone)}`),
    voterText(`Impresión: ${formatPrintedAt(input.printedAt, input.timeZone)}`),
    feed(2),
    voterText('________________________________\nPresidente(a) de mesa', { align: 'center' }),
    feed(1),
    ...reprint,
    ...simulacroBanner(acta.simulacro),
  );
  return makeDocument(blocks, { columns: PAPER_80MM_COLUMNS });
}
