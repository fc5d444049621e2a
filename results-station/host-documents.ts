/**
 * The documents the results station host prints and files, behind one small interface so the
 * host does not care who draws them: H2's acta de escrutinio, cartel, puesta a cero report and
 * PDF (shared/documents/acta-escrutinio.ts, cartel.ts, pdf.ts, results-station/documents.ts).
 *
 * `resultsDocuments` (the default) draws them with H2's functions; the PDF is the plain
 * rendering of `minimalResultsDocuments` until shared/documents/pdf.ts lands. The minimal set
 * prints every number from the sealed ActaData (totals computed, never typed) and the digest of
 * the sealed bytes, so the paper can be checked against the data.
 */
import { actaDeEscrutinio } from '../shared/documents/acta-escrutinio.ts';
import { cartelDeResultados } from '../shared/documents/cartel.ts';
import type { ContentBlock, PrintDocument } from '../shared/documents/print-document.ts';
import { documentToPlainText, heading, makeDocument, rule, text } from '../shared/documents/print-document.ts';
import { countRow, formatPrintedAt, groupHex, REPRINT_TEXT, SIMULACRO_BANNER } from '../shared/documents/report-pieces.ts';
import type { ElectionDefinition } from '../shared/election/definition.ts';
import { actaDigest, type ActaData } from '../shared/results/mesa-result.ts';
import type { CountSheet } from './machine-types.ts';
import { cotejoReport, resultsPuestaACeroReport } from './documents.ts';

export interface ActaCopyLabel {
  readonly destination: string;
  /** 1-based among the acta copies. */
  readonly index: number;
  readonly of: number;
}

export interface ResultsDocuments {
  puestaACero(input: { definition: ElectionDefinition; softwareCode: string; packageHash: string; printedAt: Date }): PrintDocument;
  acta(input: { definition: ElectionDefinition; acta: ActaData; actaBytes: Uint8Array; copy: ActaCopyLabel; reprint: boolean; printedAt: Date }): PrintDocument;
  cartel(input: { definition: ElectionDefinition; acta: ActaData; reprint: boolean; printedAt: Date }): PrintDocument;
  /** Art. 28: the members' hand count beside the electronic one (printed before the first acta). */
  cotejo(input: { definition: ElectionDefinition; softwareCode: string; packageHash: string; electronic: CountSheet; paper: CountSheet; reprint: boolean; printedAt: Date }): PrintDocument;
  pdf(input: { definition: ElectionDefinition; acta: ActaData; actaBytes: Uint8Array; printedAt: Date }): Promise<Uint8Array>;
}

function header(definition: ElectionDefinition, title: string, printedAt: Date, reprint: boolean): ContentBlock[] {
  const { election, mesa } = definition;
  return [
    ...(election.simulacro ? [heading(SIMULACRO_BANNER)] : []),
    heading(title),
    ...(reprint ? [heading(REPRINT_TEXT)] : []),
    text(election.name, { align: 'center' }),
    text(`Mesa ${mesa.number} - ${mesa.place.name}`),
    text(`${mesa.district}, ${mesa.province}, ${mesa.department}`),
    text(`Impreso: ${formatPrintedAt(printedAt, election.timezone)}`),
    rule('='),
  ];
}

function tallyBlocks(definition: ElectionDefinition, acta: ActaData, withPreferential: boolean): ContentBlock[] {
  const blocks: ContentBlock[] = [];
  for (const contest of acta.tally.contests) {
    const described = definition.contests.find((c) => c.id === contest.contestId);
    blocks.push(text(described?.name ?? contest.contestId, { bold: true }));
    for (const organization of contest.organizations) {
      const name = described?.organizations.find((o) => o.number === organization.organization)?.shortName ?? String(organization.organization);
      blocks.push(text(countRow(`${organization.organization}. ${name}`, organization.votes)));
      if (withPreferential) {
        for (const candidate of organization.preferential) {
          if (candidate.votes > 0) blocks.push(text(countRow(`Pref. ${candidate.candidate}`, candidate.votes, 4)));
        }
      }
    }
    blocks.push(text(countRow('Votos válidos', contest.valid)));
    blocks.push(text(countRow('Votos en blanco', contest.blank)));
    blocks.push(text(countRow('Votos nulos', contest.null)));
    blocks.push(text(countRow('Total de votos emitidos', contest.emitted)));
    blocks.push(rule('-'));
  }
  return blocks;
}

export const minimalResultsDocuments: ResultsDocuments = {
  puestaACero({ definition, softwareCode, packageHash, printedAt }) {
    return makeDocument([
      ...header(definition, 'REPORTE DE PUESTA A CERO - ESTACIÓN DE RESULTADOS', printedAt, false),
      text('La estación no contiene resultados, actas ni firmas.'),
      text('Código del software:'),
      text(groupHex(softwareCode)),
      text('Paquete electoral:'),
      text(groupHex(packageHash)),
    ]);
  },
  acta({ definition, acta, actaBytes, copy, reprint, printedAt }) {
    return makeDocument([
      ...header(definition, 'ACTA DE ESCRUTINIO', printedAt, reprint),
      text(`Ejemplar ${copy.index} de ${copy.of}: ${copy.destination}`, { bold: true }),
      text(countRow('Electores hábiles', definition.mesa.electoresHabiles)),
      text(countRow('Cédulas electrónicas', acta.tally.ballots)),
      text(countRow('Votos en blanco por Art. 23', acta.tally.art23Blanks)),
      ...(acta.identity === null ? [] : [text(countRow('Impugnados', acta.identity.counts.impugnados))]),
      rule('='),
      ...tallyBlocks(definition, acta, true),
      text('Observaciones:', { bold: true }),
      ...(acta.observations.length === 0 ? [text('Ninguna.')] : acta.observations.map((o) => text(o))),
      rule('-'),
      text(`Acta cerrada: ${acta.closedAt}`),
      text('Código del software:'),
      text(groupHex(acta.softwareCode)),
      text('Huella de los datos del acta:'),
      text(groupHex(actaDigest(actaBytes))),
    ]);
  },
  cartel({ definition, acta, reprint, printedAt }) {
    return makeDocument([...header(definition, 'CARTEL DE RESULTADOS', printedAt, reprint), ...tallyBlocks(definition, acta, false)]);
  },
  cotejo(input) {
    return cotejoReport({ ...input, timeZone: input.definition.election.timezone });
  },
  pdf(input) {
    // Without the PDF renderer, the acta's text (one copy, labelled) stands in as the filed record.
    const document = minimalResultsDocuments.acta({ ...input, copy: { destination: 'ARCHIVO', index: 1, of: 1 }, reprint: false });
    return Promise.resolve(new TextEncoder().encode(documentToPlainText(document)));
  },
};

/** H2's acta de escrutinio, cartel, puesta a cero and cotejo reports. */
export const resultsDocuments: ResultsDocuments = {
  puestaACero(input) {
    // Called only after the store proved itself empty (host-actors.ts runPuestaACero).
    return resultsPuestaACeroReport({ ...input, timeZone: input.definition.election.timezone, storeEmpty: true });
  },
  acta(input) {
    return actaDeEscrutinio({ ...input, timeZone: input.definition.election.timezone });
  },
  cartel(input) {
    return cartelDeResultados({ ...input, timeZone: input.definition.election.timezone });
  },
  cotejo: (input) => minimalResultsDocuments.cotejo(input),
  pdf: (input) => minimalResultsDocuments.pdf(input),
};
