/**
 * Cargo de recepción (Arts. 17.1, 31.4, 32): the paper the transmission operator of a polling
 * place's transmission module gives the mesa president for the consolidation device and the
 * ODPE copy of the acta, printed in duplicate (one copy stays with the president, the other goes
 * to the mesa coordinator when the mesa closes, Art. 32).
 *
 * DECISIONS
 * - It names what was received by sha256: the signed mesa result in full (grouped as on every
 *   other paper, so it can be compared with the acta's and the constancia's), every other file
 *   of the device by name and the first 16 hex digits of its hash (the full list is in the
 *   module's backups).
 * - The time of reception is to the second, in the election's timezone.
 * - Copy 1 of 2 is the president's, copy 2 of 2 the coordinator's. A cargo printed again for a
 *   device already received (the president lost it) is marked REIMPRESIÓN: it never passes for
 *   a second reception.
 * - SIMULACRO at the top and bottom of a drill's cargo, as on every paper.
 * - No result figures: the cargo acknowledges custody, not content.
 */
import type { ElectionDefinition } from '../election/definition.ts';
import { heading, makeDocument, rule, text, type ContentBlock, type PrintDocument } from './print-document.ts';
import { formatPrintedAt, groupHex, mesaPlaceLines, REPRINT_TEXT, simulacroBanner } from './report-pieces.ts';

export const CARGO_COPIES = 2;

export interface CargoDeRecepcionInput {
  readonly definition: ElectionDefinition;
  /** sha256 of the signed mesa result (resultado-mesa.vep) received. */
  readonly resultSha256: string;
  readonly packageHash: string;
  /** Every file read from the device, by name, with its sha256. */
  readonly files: readonly { readonly name: string; readonly sha256: string }[];
  /** Whether the ODPE copy of the acta was received with the device. */
  readonly actaReceived: boolean;
  /** Software version code of the transmission module. */
  readonly softwareCode: string;
  readonly receivedAt: Date;
  readonly copy: { readonly index: number; readonly of: number };
  readonly reprint: boolean;
  readonly printedAt: Date;
}

const HOLDERS: Record<number, string> = { 1: 'presidente de mesa', 2: 'coordinador de mesa' };

function hashLines(label: string, hex: string): ContentBlock[] {
  return [text(label, { bold: true }), ...groupHex(hex).split('\n').map((line) => text(`  ${line}`))];
}

export function cargoDeRecepcion(input: CargoDeRecepcionInput): PrintDocument {
  const { definition } = input;
  const simulacro = definition.election.simulacro;
  const tz = definition.election.timezone;
  const holder = HOLDERS[input.copy.index];
  return makeDocument([
    ...simulacroBanner(simulacro),
    ...(input.reprint ? [heading(REPRINT_TEXT)] : []),
    heading('CARGO DE RECEPCIÓN'),
    text('MÓDULO DE TRANSMISIÓN DE RESULTADOS', { align: 'center', bold: true }),
    text(`Ejemplar ${input.copy.index} de ${input.copy.of}${holder === undefined ? '' : ` (${holder})`}`, { align: 'center' }),
    rule('='),
    ...mesaPlaceLines(definition).map((line) => text(line)),
    rule(),
    text('Se recibió del presidente de mesa:', { bold: true }),
    text('- Dispositivo de consolidación con los resultados de la mesa, verificado'),
    text(input.actaReceived ? '- Ejemplar del acta electoral para la ODPE' : '- Sin ejemplar del acta electoral'),
    text(`Recibido: ${formatPrintedAt(input.receivedAt, tz)}`, { bold: true }),
    rule(),
    ...hashLines('Resultado de la mesa firmado (SHA-256):', input.resultSha256),
    ...hashLines('Paquete electoral (SHA-256):', input.packageHash),
    text(`Archivos del dispositivo: ${input.files.length}`, { bold: true }),
    ...input.files.flatMap((f) => [text(`  ${f.name}`), text(`    ${f.sha256.slice(0, 16)}...`)]),
    ...hashLines('Código de versión del software:', input.softwareCode),
    rule(),
    text('Firma del operador de transmisión:'),
    text(' '),
    text('______________________________'),
    text('Firma del presidente de mesa:'),
    text(' '),
    text('______________________________'),
    rule(),
    text(`Impreso: ${formatPrintedAt(input.printedAt, tz)}`),
    ...simulacroBanner(simulacro),
  ]);
}
