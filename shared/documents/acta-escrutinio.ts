/**
 * The acta de escrutinio (Arts. 26–28): one pure function from the signed acta data to a
 * printed document, shared by the results station (every copy, every reprint) and the
 * observer tool (which prints from the consolidation device and must get the same paper).
 *
 * Pure: no clock, no I/O. Every number printed is read from the tally or the identity counts
 * in the acta data, never typed and never summed here; the rows are only CHECKED to add up
 * (assertContestAddsUp), and inconsistent input throws: a wrong legal document is worse than
 * none. The QR codes carry `actaBytes`, which must be the envelope of exactly this data, so
 * the paper and its QR can never disagree.
 *
 * Layout decisions (documented for the members and the observers):
 * - Every organization is listed in ballot order, zeros included (the same rows as the puesta a
 *   cero and the cabin reports).
 * - Preferential votes: for each organization with at least one vote, EVERY candidate of its
 *   list is printed as "number:votes" in a grid (zeros included, so nothing can be missing
 *   unnoticed). An organization with 0 votes cannot have preferential votes, so its grid is
 *   left out. The grid keeps a full eg2026 mesa to about a metre of paper per copy.
 * - VOTOS IMPUGNADOS (Art. 24) come from the identity station's counts: those electors voted on
 *   paper and their cédulas go to the JEE in an envelope, so they are NOT part of the total of
 *   votos emitidos. The row is printed AFTER the total, so that adding the column above the
 *   total gives the total.
 * - Art. 23 electors (identified, did not vote) are counted as blank votes in every contest;
 *   the electores section states how many, and the observations carry the sentence.
 */
import { contestDisplayName } from '../ballot/describe.ts';
import { canonicalJson } from '../crypto/canonical-json.ts';
import { sha256Hex } from '../crypto/hash.ts';
import type { ElectionDefinition, MemberRole } from '../election/definition.ts';
import type { ActaData } from '../results/mesa-result.ts';
import { contestAllowsPreferential } from '../tally/tally.ts';
import { ACTA_QR_MODULE_DOTS, actaQrChunks } from './acta-qr.ts';
import { describeCountField } from './count-fields.ts';
import type { ContentBlock, PrintDocument } from './print-document.ts';
import { feed, heading, makeDocument, PAPER_80MM_COLUMNS, qr, rule, text } from './print-document.ts';
import {
  assertContestAddsUp,
  contestTallyPairs,
  countGrid,
  countRow,
  formatPrintedAt,
  groupHex,
  mesaPlaceLines,
  organizationLabel,
  REPRINT_TEXT,
  simulacroBanner,
} from './report-pieces.ts';

const COLUMNS = PAPER_80MM_COLUMNS;

/** Which copy this is: "EJEMPLAR 2 DE 5 — DESTINO: JEE". */
export interface ActaCopyLabel {
  /** A package actaCopies destination ('ODPE', 'JEE', 'JNE', 'ONPE', 'PERSONEROS'). */
  readonly destination: string;
  /** 1-based. */
  readonly index: number;
  readonly of: number;
}

export interface ActaEscrutinioInput {
  readonly definition: ElectionDefinition;
  readonly acta: ActaData;
  /** The sealed acta-data envelope of `acta` (what the QR codes carry). */
  readonly actaBytes: Uint8Array;
  readonly copy: ActaCopyLabel;
  /** A copy printed again after a restart or a paper fault. */
  readonly reprint: boolean;
  readonly printedAt: Date;
  /** The election's time zone (definition.election.timezone). */
  readonly timeZone: string;
}

/** The copies the package asks for, in its order (the cartel is printed after them). */
export function actaCopyLabels(definition: ElectionDefinition): ActaCopyLabel[] {
  return definition.actaCopies.map((destination, i) => ({ destination, index: i + 1, of: definition.actaCopies.length }));
}

export function copyLabelText(copy: ActaCopyLabel): string {
  return `EJEMPLAR ${copy.index} DE ${copy.of} — DESTINO: ${copy.destination}`;
}

/**
 * Throws unless the acta data belongs to this definition and `actaBytes` is the envelope of
 * exactly this data. Shared with the cartel (which has no bytes to compare).
 */
export function assertActaMatchesDefinition(definition: ElectionDefinition, acta: ActaData): void {
  if (acta.electionId !== definition.election.id || acta.mesa !== definition.mesa.number) {
    throw new Error(`acta: data is for ${acta.electionId}/${acta.mesa}, definition is ${definition.election.id}/${definition.mesa.number}`);
  }
  if (acta.simulacro !== definition.election.simulacro) throw new Error('acta: simulacro flag differs from the definition');
  if (acta.identity !== null && acta.identity.counts.electoresHabiles !== definition.mesa.electoresHabiles) {
    throw new Error('acta: identity counts are for another padrón');
  }
  const pairs = contestTallyPairs(definition, acta.tally);
  for (const [, row] of pairs) assertContestAddsUp(acta.tally, row);
  const cabinBallots = acta.cabins.reduce((sum, cabin) => sum + cabin.ballotCount, 0);
  if (acta.mode === 'electronic' && cabinBallots !== acta.tally.ballots) {
    throw new Error(`acta: cabins hold ${cabinBallots} ballots, the tally counts ${acta.tally.ballots}`);
  }
}

function assertBytesCarryActa(acta: ActaData, actaBytes: Uint8Array): void {
  let payload: unknown;
  try {
    payload = (JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(actaBytes)) as { payload?: unknown }).payload;
  } catch {
    throw new Error('acta: actaBytes is not an envelope');
  }
  // Both sides through JSON so readonly/frozen objects and plain parsed ones compare by content.
  if (payload === undefined || canonicalJson(payload) !== canonicalJson(JSON.parse(JSON.stringify(acta)) as object)) {
    throw new Error('acta: actaBytes does not carry this acta data (the QR would disagree with the paper)');
  }
}

function electoresBlock(definition: ElectionDefinition, acta: ActaData): ContentBlock[] {
  const { tally } = acta;
  const lines = [countRow('Electores hábiles:', definition.mesa.electoresHabiles)];
  if (acta.mode === 'electronic') {
    lines.push(countRow('Cédulas electrónicas (cabinas de votación):', tally.ballots));
    for (const cabin of acta.cabins) lines.push(countRow(`Cabina ${cabin.cabinId}:`, cabin.ballotCount, 2));
  } else {
    lines.push(countRow('Cédulas contadas (conteo manual):', tally.ballots));
  }
  lines.push(
    countRow('Identificados que no votaron (Art. 23):', tally.art23Blanks),
    countRow('TOTAL DE VOTANTES (escrutinio):', tally.ballots + tally.art23Blanks),
  );
  if (acta.identity !== null) lines.push(countRow('Impugnados, votaron en cédula (Art. 24):', acta.identity.counts.impugnados));
  const notes = [
    'Los electores del Art. 23 se cuentan como VOTOS EN BLANCO en cada elección.',
    'Los votos impugnados (Art. 24) se emitieron en cédula y van en sobre al JEE, que resuelve; no se suman al total de votos emitidos.',
  ];
  return [text('ELECTORES', { bold: true }), text(lines.join('\n')), text(notes.join('\n')), rule('-')];
}

function contestBlocks(definition: ElectionDefinition, acta: ActaData): ContentBlock[] {
  const blocks: ContentBlock[] = [text('RESULTADOS POR ELECCIÓN', { bold: true, align: 'center' })];
  for (const [contest, row] of contestTallyPairs(definition, acta.tally)) {
    const preferential = contestAllowsPreferential(contest);
    blocks.push(text(contestDisplayName(contest), { bold: true }));
    if (preferential) blocks.push(text('Votos preferenciales por candidato (número:votos), de las organizaciones con votos.'));
    const lines: string[] = [];
    for (const o of row.organizations) {
      lines.push(countRow(organizationLabel(contest, o.organization), o.votes));
      if (preferential && o.votes > 0) {
        lines.push(countGrid(o.preferential.map((c) => ({ key: c.candidate, count: c.votes }))));
      }
    }
    lines.push(
      countRow('TOTAL DE VOTOS VÁLIDOS', row.valid),
      countRow('VOTOS EN BLANCO', row.blank),
      countRow('VOTOS NULOS', row.null),
      countRow('TOTAL DE VOTOS EMITIDOS', row.emitted),
    );
    if (acta.identity !== null) lines.push(countRow('VOTOS IMPUGNADOS (Art. 24, en sobre al JEE)', acta.identity.counts.impugnados));
    blocks.push(text(lines.join('\n')), rule('-'));
  }
  return blocks;
}

function cotejoBlocks(definition: ElectionDefinition, acta: ActaData): ContentBlock[] {
  if (acta.cotejo === null) return [];
  const blocks: ContentBlock[] = [text('COTEJO DE VOTOS (Art. 28)', { bold: true })];
  if (acta.cotejo.differences.length === 0) {
    blocks.push(text('El conteo manual de las constancias de voto coincide con el escrutinio electrónico.'));
  } else {
    blocks.push(text(`Diferencias entre el escrutinio electrónico y el conteo manual: ${acta.cotejo.differences.length}`));
    for (const d of acta.cotejo.differences) {
      const shown = (n: number | null): string => (n === null ? 'sin dato' : String(n));
      blocks.push(text(`- ${describeCountField(definition, d.field)}: electrónico ${shown(d.electronic)}, manual ${shown(d.paper)}`));
    }
  }
  return [...blocks, rule('-')];
}

function observationsBlocks(acta: ActaData): ContentBlock[] {
  const blocks: ContentBlock[] = [text('OBSERVACIONES', { bold: true })];
  if (acta.observations.length === 0) blocks.push(text('Ninguna.'));
  for (const o of acta.observations) blocks.push(text(`- ${o}`));
  return [...blocks, rule('-')];
}

function hashBlocks(acta: ActaData, actaBytes: Uint8Array): ContentBlock[] {
  return [
    text('Código de versión del software (estación de resultados):'),
    text(groupHex(acta.softwareCode)),
    text('Huella (SHA-256) del paquete electoral:'),
    text(groupHex(acta.packageHash)),
    text('Huella (SHA-256) del reporte de puesta a cero:'),
    text(groupHex(acta.zeroReportHash)),
    text('Huella (SHA-256) de los datos firmados de esta acta:'),
    text(groupHex(sha256Hex(actaBytes)), { bold: true }),
    rule('='),
  ];
}

const SIGNING_ROLES: readonly { readonly role: MemberRole; readonly label: string }[] = [
  { role: 'presidente', label: 'Presidente(a) de mesa' },
  { role: 'secretario', label: 'Secretario(a)' },
  { role: 'tercer-miembro', label: 'Tercer miembro' },
];

/**
 * Who will sign is known only after printing (a suplente may sit in), so the lines carry the
 * role and blanks for the name and DNI, as on the paper actas.
 */
export function actaSignatureBlocks(): ContentBlock[] {
  const line = '_'.repeat(32);
  const member = (label: string): string => ['', line, label, 'Nombre: ______________________________', 'DNI: ______________'].join('\n');
  const personero = ['', line, 'Personero(a)', 'Organización: ____________________', 'DNI: ______________'].join('\n');
  return [
    text('FIRMAS DE LOS MIEMBROS DE MESA', { bold: true, align: 'center' }),
    text(SIGNING_ROLES.map((r) => member(r.label)).join('\n')),
    text('FIRMAS DE LOS PERSONEROS (si lo desean, Art. 26.5)', { bold: true, align: 'center' }),
    text([personero, personero, personero].join('\n')),
    rule('='),
  ];
}

function qrBlocks(actaBytes: Uint8Array): ContentBlock[] {
  const chunks = actaQrChunks(actaBytes);
  const blocks: ContentBlock[] = [
    text('DATOS FIRMADOS DEL ACTA', { bold: true, align: 'center' }),
    text(
      `Lea los ${chunks.length} códigos QR, en cualquier orden: contienen los datos de esta acta firmados por la estación de resultados, verificables con las claves públicas del paquete electoral.`,
    ),
  ];
  chunks.forEach((chunk, i) => {
    blocks.push(text(`Código ${i + 1} de ${chunks.length}`, { align: 'center' }), qr(chunk, { moduleDots: ACTA_QR_MODULE_DOTS }));
  });
  return blocks;
}

export function actaDeEscrutinio(input: ActaEscrutinioInput): PrintDocument {
  const { definition, acta, actaBytes, copy } = input;
  if (!Number.isInteger(copy.index) || !Number.isInteger(copy.of) || copy.index < 1 || copy.index > copy.of) {
    throw new Error(`acta: copy ${copy.index} of ${copy.of} is not a copy number`);
  }
  assertActaMatchesDefinition(definition, acta);
  assertBytesCarryActa(acta, actaBytes);
  const copyLine = text(copyLabelText(copy), { bold: true, align: 'center' });
  const reprint = input.reprint ? [text(`*** ${REPRINT_TEXT} ***`, { bold: true, align: 'center' })] : [];
  const mode = acta.mode === 'electronic' ? 'electrónico (cabinas de votación)' : 'conteo manual de cédulas (STAE)';
  const blocks: ContentBlock[] = [
    ...simulacroBanner(acta.simulacro),
    heading('ACTA DE ESCRUTINIO'),
    copyLine,
    ...reprint,
    rule('='),
    text(
      [
        ...mesaPlaceLines(definition),
        `Escrutinio: ${mode}`,
        `Cierre: ${formatPrintedAt(new Date(acta.closedAt), input.timeZone)}`,
        `Impresión: ${formatPrintedAt(input.printedAt, input.timeZone)}`,
      ].join('\n'),
    ),
    rule('='),
    ...electoresBlock(definition, acta),
    ...contestBlocks(definition, acta),
    ...cotejoBlocks(definition, acta),
    ...observationsBlocks(acta),
    ...hashBlocks(acta, actaBytes),
    ...actaSignatureBlocks(),
    ...qrBlocks(actaBytes),
    feed(1),
    copyLine,
    ...reprint,
    ...simulacroBanner(acta.simulacro),
  ];
  return makeDocument(blocks, { columns: COLUMNS });
}
