/**
 * Papers of the transmission station (Art. 30): the puesta a cero report and the constancia de
 * transmisión (one for the mesa result, one for the scanned ODPE acta copy). Spanish, as the
 * coordinator and the personeros read them; hashes grouped as on every other paper of the mesa.
 */
import type { ElectionDefinition } from '../shared/election/definition.ts';
import { heading, makeDocument, rule, text, type ContentBlock, type PrintDocument } from '../shared/documents/print-document.ts';
import { formatPrintedAt, groupHex, mesaPlaceLines, simulacroBanner, REPRINT_TEXT } from '../shared/documents/report-pieces.ts';

export interface TransmissionZeroReportInput {
  readonly definition: ElectionDefinition;
  readonly packageHash: string;
  readonly softwareCode: string;
  /** Units in the outbox at the time of the report (must be 0 for a clean start). */
  readonly outboxUnits: number;
  readonly printedAt: Date;
}

function hashLines(label: string, hex: string): ContentBlock[] {
  return [text(label, { bold: true }), ...groupHex(hex).split('\n').map((line) => text(`  ${line}`))];
}

export function transmissionZeroReport(input: TransmissionZeroReportInput): PrintDocument {
  const { definition } = input;
  const simulacro = definition.election.simulacro;
  return makeDocument([
    ...simulacroBanner(simulacro),
    heading('PUESTA A CERO'),
    heading('ESTACIÓN DE TRANSMISIÓN'),
    rule('='),
    ...mesaPlaceLines(definition).map((line) => text(line)),
    rule(),
    text(`Envíos pendientes en la estación: ${input.outboxUnits}`, { bold: true }),
    text(input.outboxUnits === 0 ? 'La estación no contiene envíos: CERO.' : 'ATENCIÓN: la estación contiene envíos.'),
    rule(),
    ...hashLines('Código de versión del software:', input.softwareCode),
    ...hashLines('Huella del paquete electoral (SHA-256):', input.packageHash),
    rule(),
    text(`Impreso: ${formatPrintedAt(input.printedAt, definition.election.timezone)}`),
    ...simulacroBanner(simulacro),
  ]);
}

export interface ConstanciaDeTransmisionInput {
  readonly definition: ElectionDefinition;
  readonly what: 'result' | 'image';
  /** sha256 hex of the transmitted file (the signed mesa result, or the scanned image). */
  readonly sha256: string;
  readonly packageHash: string;
  /** From the centre's signed receipt. */
  readonly receiptNumber: number;
  readonly receivedAt: string;
  /** sha256 of the signed receipt bytes, so the paper binds to the receipt kept in the backups. */
  readonly receiptHash: string;
  readonly copy: { readonly index: number; readonly of: number };
  readonly reprint: boolean;
  readonly printedAt: Date;
}

export function constanciaDeTransmision(input: ConstanciaDeTransmisionInput): PrintDocument {
  const { definition } = input;
  const simulacro = definition.election.simulacro;
  const subject = input.what === 'result' ? 'RESULTADO DE LA MESA (firmado)' : 'IMAGEN DEL ACTA (ejemplar ODPE)';
  return makeDocument([
    ...simulacroBanner(simulacro),
    ...(input.reprint ? [heading(REPRINT_TEXT)] : []),
    heading('CONSTANCIA DE TRANSMISIÓN'),
    text(subject, { align: 'center', bold: true }),
    text(`Ejemplar ${input.copy.index} de ${input.copy.of}`, { align: 'center' }),
    rule('='),
    ...mesaPlaceLines(definition).map((line) => text(line)),
    rule(),
    ...hashLines('Archivo transmitido (SHA-256):', input.sha256),
    ...hashLines('Paquete electoral (SHA-256):', input.packageHash),
    rule(),
    text('Recibido por el centro de cómputo', { bold: true }),
    text(`Recibo firmado N.° ${input.receiptNumber}`),
    text(`Recibido: ${input.receivedAt} (UTC)`),
    ...hashLines('Recibo firmado (SHA-256):', input.receiptHash),
    rule(),
    text(`Impreso: ${formatPrintedAt(input.printedAt, definition.election.timezone)}`),
    ...simulacroBanner(simulacro),
  ]);
}

export interface ModuleZeroReportInput {
  /** The polling place's mesas, each by its own package (one election, one place). */
  readonly mesas: readonly { readonly definition: ElectionDefinition; readonly packageHash: string }[];
  readonly softwareCode: string;
  readonly outboxUnits: number;
  readonly printedAt: Date;
}

/** Puesta a cero of the transmission module (Art. 31, Glossary 17): the mesas it serves, nothing queued. */
export function moduleZeroReport(input: ModuleZeroReportInput): PrintDocument {
  const first = input.mesas[0]?.definition;
  if (first === undefined) throw new Error('bug: a transmission module serves at least one mesa');
  const simulacro = first.election.simulacro;
  return makeDocument([
    ...simulacroBanner(simulacro),
    heading('PUESTA A CERO'),
    heading('MÓDULO DE TRANSMISIÓN'),
    rule('='),
    text(`Elección: ${first.election.name}`),
    text(`Id. de elección: ${first.election.id}`),
    text(`Local de votación: ${first.mesa.place.name}`),
    text(`Dirección: ${first.mesa.place.address}`),
    text(`ODPE: ${first.mesa.odpe.code} - ${first.mesa.odpe.name}`),
    rule(),
    text(`Mesas de sufragio atendidas: ${input.mesas.length}`, { bold: true }),
    ...input.mesas.flatMap((m) => [text(`  Mesa N.° ${m.definition.mesa.number}`), text(`    paquete ${m.packageHash.slice(0, 16)}...`)]),
    rule(),
    text(`Envíos pendientes en el módulo: ${input.outboxUnits}`, { bold: true }),
    text(input.outboxUnits === 0 ? 'El módulo no contiene envíos: CERO.' : 'ATENCIÓN: el módulo contiene envíos.'),
    ...hashLines('Código de versión del software:', input.softwareCode),
    rule(),
    text(`Impreso: ${formatPrintedAt(input.printedAt, first.election.timezone)}`),
    ...simulacroBanner(simulacro),
  ]);
}
