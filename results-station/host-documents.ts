/**
 * The documents the results station host prints and files, behind one small interface so the
 * host does not care who draws them (tests may pass their own): by default H2's acta de
 * escrutinio, cartel, puesta a cero and cotejo reports and the acta PDF
 * (shared/documents/acta-escrutinio.ts, cartel.ts, pdf.ts, results-station/documents.ts).
 */
import { actaDeEscrutinio, type ActaCopyLabel } from '../shared/documents/acta-escrutinio.ts';
import { cartelDeResultados } from '../shared/documents/cartel.ts';
import { actaToPdf } from '../shared/documents/pdf.ts';
import type { PrintDocument } from '../shared/documents/print-document.ts';
import type { ElectionDefinition } from '../shared/election/definition.ts';
import type { ActaData } from '../shared/results/mesa-result.ts';
import { cotejoReport, resultsPuestaACeroReport } from './documents.ts';
import type { CountSheet } from './machine-types.ts';

export type { ActaCopyLabel } from '../shared/documents/acta-escrutinio.ts';

export interface ResultsDocuments {
  puestaACero(input: { definition: ElectionDefinition; softwareCode: string; packageHash: string; printedAt: Date }): PrintDocument;
  acta(input: { definition: ElectionDefinition; acta: ActaData; actaBytes: Uint8Array; copy: ActaCopyLabel; reprint: boolean; printedAt: Date }): PrintDocument;
  cartel(input: { definition: ElectionDefinition; acta: ActaData; reprint: boolean; printedAt: Date }): PrintDocument;
  /** Art. 28: the members' hand count beside the electronic one (printed before the first acta). */
  cotejo(input: {
    definition: ElectionDefinition;
    softwareCode: string;
    packageHash: string;
    electronic: CountSheet;
    paper: CountSheet;
    reprint: boolean;
    printedAt: Date;
  }): PrintDocument;
  /** The filed acta: every copy and the cartel, as printed. */
  pdf(input: { definition: ElectionDefinition; acta: ActaData; actaBytes: Uint8Array; printedAt: Date }): Promise<Uint8Array>;
}

const timeZoneOf = (definition: ElectionDefinition) => definition.election.timezone;

export const resultsDocuments: ResultsDocuments = {
  puestaACero(input) {
    // Called only after the store proved itself empty (host-actors.ts runPuestaACero).
    return resultsPuestaACeroReport({ ...input, timeZone: timeZoneOf(input.definition), storeEmpty: true });
  },
  acta(input) {
    return actaDeEscrutinio({ ...input, timeZone: timeZoneOf(input.definition) });
  },
  cartel(input) {
    return cartelDeResultados({ ...input, timeZone: timeZoneOf(input.definition) });
  },
  cotejo(input) {
    return cotejoReport({ ...input, timeZone: timeZoneOf(input.definition) });
  },
  pdf(input) {
    return actaToPdf({ ...input, timeZone: timeZoneOf(input.definition) });
  },
};
