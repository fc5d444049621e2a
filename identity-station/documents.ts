/**
 * The identity station's printed documents, as pure functions from data to a PrintDocument:
 * - `actaDeInstalacion` (Art. 20–21): mesa, place, date, members present with roles, time of
 *   installation to the minute, observations, signatures.
 * - `actaDeNoInstalacion`: the mesa could not be installed; who came, at what time.
 * - `identityPuestaACeroReport`: before voting, proves the identity store holds no outcome.
 * - `actaDeSufragio` (Art. 22–25): counts from the identity store's summary, observations,
 *   signatures of members and personeros.
 * - `constanciaDeSufragio` (Art. 22.5): handed to the voter with the DNI when the device comes
 *   back consumed. It names the voter (it is the voter's own proof of having voted, like the
 *   sticker on the DNI), but carries NO time, sequence number, cabin, token or job id: a pile of
 *   constancias must not be orderable or linkable to a cabin's ballots.
 *
 * Pure: no clock, no I/O. Every number printed comes from the store's summary (never typed by
 * a member), and totals are derived here from those counts so the paper always adds up.
 * Inconsistent input (a non-zero store at puesta a cero, a device still out at the acta de
 * sufragio) is a bug in the caller and throws: a wrong legal document is worse than none.
 *
 * Members are public (they sign), so their names and DNIs are printed. Nothing but the
 * constancia de sufragio (handed to that voter) names a voter, and no time other than the
 * installation / printing time of the actas appears.
 */
import { countRow, formatPrintedAt, groupHex, REPRINT_TEXT, SIMULACRO_BANNER } from '../shared/documents/report-pieces.ts';
import type { ElectionDefinition, MemberRole } from '../shared/election/definition.ts';
import { findElector } from '../shared/election/definition.ts';
import type { ContentBlock, PrintDocument } from '../shared/documents/print-document.ts';
import { PAPER_80MM_COLUMNS, feed, heading, makeDocument, rule, text, voterText } from '../shared/documents/print-document.ts';
import type { IdentityStoreSummary } from './store.ts';

const COLUMNS = PAPER_80MM_COLUMNS;

/** A member as the documents need it (PresentMember and StoredMember both fit). */
export interface ActaMember {
  readonly dni: string;
  readonly role: MemberRole;
  readonly takenFromLine: boolean;
}

const ROLE_TEXT: Readonly<Record<MemberRole, string>> = {
  presidente: 'Presidente(a)',
  secretario: 'Secretario(a)',
  'tercer-miembro': 'Tercer miembro',
  suplente: 'Suplente',
};

/** Seated roles first, in the order of the acta. */
const ROLE_ORDER: readonly MemberRole[] = ['presidente', 'secretario', 'tercer-miembro', 'suplente'];

function simulacroBanner(definition: ElectionDefinition): ContentBlock[] {
  if (!definition.election.simulacro) return [];
  return [heading(SIMULACRO_BANNER), text('Documento de simulacro: sin validez electoral', { align: 'center', bold: true })];
}

/** "2026-04-12 07:31 (America/Lima)": the acta states the hour to the minute. */
export function formatToMinute(at: Date, timeZone: string): string {
  const full = formatPrintedAt(at, timeZone);
  // formatPrintedAt gives "YYYY-MM-DD HH:MM:SS (zone)"; drop the seconds.
  return full.replace(/^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}):\d{2}/u, '$1');
}

/**
 * Which ejemplar of the acta electoral this is (Art. 27: one per destination in the package's
 * actaCopies, e.g. ODPE, JEE, JNE, ONPE, personeros). 1-based index.
 */
export interface ActaCopy {
  readonly destination: string;
  readonly index: number;
  readonly of: number;
}

function copyBlock(copy: ActaCopy | undefined): ContentBlock[] {
  if (copy === undefined) return [];
  if (!Number.isInteger(copy.index) || copy.index < 1 || copy.index > copy.of) throw new Error('acta copy index out of range');
  return [text(`Ejemplar: ${copy.destination} (${copy.index} de ${copy.of})`, { align: 'center', bold: true })];
}

function header(title: string, definition: ElectionDefinition, when: { label: string; at: Date } | null, copy?: ActaCopy): ContentBlock[] {
  const { mesa, election } = definition;
  const lines = [
    `Elección: ${election.name}`,
    `Mesa de sufragio N.° ${mesa.number}`,
    `Local: ${mesa.place.name}`,
    `Dirección: ${mesa.place.address}`,
    `Distrito: ${mesa.district} - Provincia: ${mesa.province} - Departamento: ${mesa.department}`,
    `Fecha de la elección: ${election.date}`,
  ];
  if (when !== null) lines.push(`${when.label}: ${formatToMinute(when.at, election.timezone)}`);
  return [...simulacroBanner(definition), heading(title), ...copyBlock(copy), rule('='), text(lines.join('\n')), rule('=')];
}

function memberName(definition: ElectionDefinition, dni: string): string {
  const elector = findElector(definition, dni);
  return elector === undefined ? '(no figura en el padrón)' : `${elector.surnames}, ${elector.givenNames}`;
}

function sortedMembers(members: readonly ActaMember[]): ActaMember[] {
  return [...members].sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role) || (a.dni < b.dni ? -1 : a.dni > b.dni ? 1 : 0));
}

function membersBlock(definition: ElectionDefinition, members: readonly ActaMember[]): ContentBlock[] {
  const blocks: ContentBlock[] = [text('MIEMBROS DE MESA PRESENTES', { bold: true })];
  if (members.length === 0) return [...blocks, text('Ninguno.'), rule('-')];
  for (const m of sortedMembers(members)) {
    const origin = m.takenFromLine ? ' (elector de la fila, Art. 21)' : '';
    blocks.push(text(`${ROLE_TEXT[m.role]}${origin}\n  ${memberName(definition, m.dni)}\n  DNI ${m.dni}`));
  }
  return [...blocks, rule('-')];
}

function observationsBlock(observations: readonly string[]): ContentBlock[] {
  const blocks: ContentBlock[] = [text('OBSERVACIONES', { bold: true })];
  if (observations.length === 0) blocks.push(text('Ninguna.'));
  for (const o of observations) blocks.push(text(`- ${o}`));
  return [...blocks, rule('-')];
}

function signatureBlocks(definition: ElectionDefinition, members: readonly ActaMember[], withPersoneros: boolean): ContentBlock[] {
  const line = '_'.repeat(32);
  const blocks: ContentBlock[] = [text('FIRMAS', { bold: true, align: 'center' })];
  for (const m of sortedMembers(members)) {
    blocks.push(text(['', line, `${ROLE_TEXT[m.role]}: ${memberName(definition, m.dni)}`, `DNI ${m.dni}`].join('\n')));
  }
  if (withPersoneros) {
    const personero = ['', line, 'Firma de personero', 'Organización: ____________________', 'DNI: ______________'];
    blocks.push(text([...personero, ...personero, ...personero].join('\n')));
  }
  return blocks;
}

function footer(definition: ElectionDefinition, members: readonly ActaMember[], withPersoneros: boolean): ContentBlock[] {
  return [rule('='), ...signatureBlocks(definition, members, withPersoneros), feed(1), ...simulacroBanner(definition)];
}

// --- acta de instalación ---------------------------------------------------------------------------

export interface ActaInstalacionInput {
  readonly definition: ElectionDefinition;
  readonly members: readonly ActaMember[];
  readonly installedAt: Date;
  readonly observations: readonly string[];
  readonly copy?: ActaCopy;
}

export function actaDeInstalacion(input: ActaInstalacionInput): PrintDocument {
  const { definition, members } = input;
  if (!members.some((m) => m.role === 'presidente')) throw new Error('actaDeInstalacion: no member presides the mesa');
  const blocks: ContentBlock[] = [
    ...header('ACTA DE INSTALACIÓN', definition, { label: 'Hora de instalación', at: input.installedAt }, input.copy),
    ...membersBlock(definition, members),
    ...observationsBlock(input.observations),
    ...footer(definition, members, true),
  ];
  return makeDocument(blocks, { columns: COLUMNS });
}

// --- acta de no instalación ------------------------------------------------------------------------

export interface ActaNoInstalacionInput {
  readonly definition: ElectionDefinition;
  /** The members who came (possibly none). */
  readonly members: readonly ActaMember[];
  readonly recordedAt: Date;
  readonly observations: readonly string[];
  readonly copy?: ActaCopy;
}

export function actaDeNoInstalacion(input: ActaNoInstalacionInput): PrintDocument {
  const { definition, members } = input;
  const blocks: ContentBlock[] = [
    ...header('ACTA DE NO INSTALACIÓN', definition, { label: 'Fecha y hora', at: input.recordedAt }, input.copy),
    text('La mesa de sufragio no se instaló por no contar con el número de miembros requerido.'),
    rule('-'),
    ...membersBlock(definition, members),
    ...observationsBlock(input.observations),
    ...footer(definition, members, true),
  ];
  return makeDocument(blocks, { columns: COLUMNS });
}

// --- puesta a cero -----------------------------------------------------------------------------------

export interface IdentityPuestaACeroInput {
  readonly definition: ElectionDefinition;
  readonly summary: IdentityStoreSummary;
  readonly softwareCode: string;
  readonly packageHash: string;
  readonly printedAt: Date;
  readonly members: readonly ActaMember[];
}

function isZero(s: IdentityStoreSummary): boolean {
  return (
    s.activationsIssued + s.activationsConsumed + s.art23NotVoted + s.lostDevices + s.impugnados + s.assistedVoters + s.outstandingDevices ===
    0
  );
}

export function identityPuestaACeroReport(input: IdentityPuestaACeroInput): PrintDocument {
  const { definition, summary } = input;
  if (!isZero(summary)) throw new Error('identityPuestaACeroReport: the identity store is not empty (refusing to print a false puesta a cero)');
  if (summary.electoresHabiles !== definition.mesa.electoresHabiles) {
    throw new Error('identityPuestaACeroReport: the store padrón does not match the mesa');
  }
  const counts = [
    countRow('Electores hábiles (padrón):', summary.electoresHabiles),
    countRow('Electores identificados:', 0),
    countRow('Dispositivos de activación entregados:', 0),
    countRow('Votos registrados:', 0),
    countRow('Impugnados (Art. 24):', 0),
    countRow('Identificados que no votaron (Art. 23):', 0),
  ];
  const blocks: ContentBlock[] = [
    ...header('REPORTE DE PUESTA A CERO', definition, { label: 'Fecha y hora', at: input.printedAt }),
    text('Estación de comprobación de identidad', { bold: true, align: 'center' }),
    text('Código de versión del software:'),
    text(groupHex(input.softwareCode)),
    text('Huella (SHA-256) del paquete electoral:'),
    text(groupHex(input.packageHash)),
    rule('-'),
    text(counts.join('\n')),
    ...footer(definition, input.members, true),
  ];
  return makeDocument(blocks, { columns: COLUMNS });
}

// --- acta de sufragio (Art. 25) ------------------------------------------------------------------------

export interface ActaSufragioInput {
  readonly definition: ElectionDefinition;
  /** From the identity store at close: the only source of the numbers printed. */
  readonly summary: IdentityStoreSummary;
  readonly members: readonly ActaMember[];
  readonly observations: readonly string[];
  readonly closedAt: Date;
  /** Voting closed by the president's order (Art. 25) rather than at the scheduled hour. */
  readonly closedByPresidentOrder: boolean;
  /** A reprint after a restart during closing. */
  readonly reprint: boolean;
  readonly copy?: ActaCopy;
}

export function actaDeSufragio(input: ActaSufragioInput): PrintDocument {
  const { definition, summary: s, members } = input;
  if (s.outstandingDevices !== 0) throw new Error('actaDeSufragio: activation devices are still out');
  if (s.activationsIssued !== s.activationsConsumed + s.art23NotVoted || s.lostDevices > s.art23NotVoted) {
    throw new Error('actaDeSufragio: the summary does not add up');
  }
  const voters = s.activationsConsumed + s.art23NotVoted + s.impugnados;
  if (voters > s.electoresHabiles || s.electoresHabiles !== definition.mesa.electoresHabiles) {
    throw new Error('actaDeSufragio: more voters than electores hábiles, or another padrón');
  }
  const counts = [
    countRow('Electores hábiles:', s.electoresHabiles),
    countRow('Total de electores que votaron:', voters),
    countRow('Votaron en cabina (voto electrónico):', s.activationsConsumed, 2),
    countRow('Impugnados, votaron en cédula (Art. 24):', s.impugnados, 2),
    countRow('Identificados que no emitieron su voto (Art. 23):', s.art23NotVoted, 2),
    countRow('de ellos, dispositivos de activación extraviados:', s.lostDevices, 4),
    countRow('Electores que no asistieron:', s.electoresHabiles - voters),
    countRow('Dispositivos de activación entregados:', s.activationsIssued),
    countRow('Electores asistidos (Art. 22):', s.assistedVoters),
  ];
  const closing = input.closedByPresidentOrder
    ? 'La votación se cerró por disposición del presidente de mesa.'
    : 'La votación se cerró a la hora establecida.';
  const blocks: ContentBlock[] = [...header('ACTA DE SUFRAGIO', definition, { label: 'Hora de cierre', at: input.closedAt }, input.copy)];
  if (input.reprint) blocks.push(text(`*** ${REPRINT_TEXT} ***`, { align: 'center', bold: true }));
  blocks.push(text(closing), rule('-'), text(counts.join('\n')), rule('-'));
  if (s.art23NotVoted > 0) {
    blocks.push(text('Los electores identificados que no emitieron su voto se cuentan como voto en blanco (Art. 23).'), rule('-'));
  }
  blocks.push(...membersBlock(definition, members), ...observationsBlock(input.observations), ...footer(definition, members, true));
  if (input.reprint) blocks.push(text(`*** ${REPRINT_TEXT} ***`, { align: 'center', bold: true }));
  return makeDocument(blocks, { columns: COLUMNS });
}

// --- constancia de sufragio (Art. 22.5) ------------------------------------------------------------------

export interface ConstanciaSufragioInput {
  readonly definition: ElectionDefinition;
  /** The voter whose consumed device just came back; must be in this mesa's padrón. */
  readonly dni: string;
}

export function constanciaDeSufragio(input: ConstanciaSufragioInput): PrintDocument {
  const { definition, dni } = input;
  const elector = findElector(definition, dni);
  if (elector === undefined) throw new Error('constanciaDeSufragio: the voter is not in this mesa\'s padrón');
  const { election, mesa } = definition;
  // Only the election DATE (the same for every voter of the day): no hour, no number, no cabin.
  const blocks: ContentBlock[] = [
    ...simulacroBanner(definition),
    heading('CONSTANCIA DE SUFRAGIO'),
    rule('='),
    text([`Elección: ${election.name}`, `Fecha de la elección: ${election.date}`, `Mesa de sufragio N.° ${mesa.number}`].join('\n')),
    rule('-'),
    voterText(`${elector.surnames}, ${elector.givenNames}`, { bold: true }),
    voterText(`DNI ${elector.dni}`),
    rule('-'),
    voterText('Sufragó en esta mesa de sufragio.'),
    text(['', '_'.repeat(32), 'Presidente(a) de mesa'].join('\n'), { align: 'center' }),
    feed(1),
    ...simulacroBanner(definition),
  ];
  return makeDocument(blocks, { columns: COLUMNS });
}
