/**
 * What the results station's display shows the members, computed in Node from the machine's
 * snapshot: the browser only displays it and never decides anything. `resultsView` is pure; the
 * server sends its result as JSON on every change.
 *
 * Entry forms: one field per option per contest, named `<contestId>/<orgNumber>`,
 * `<contestId>/blank`, `<contestId>/null` (and `ballots` first in a manual count), in definition
 * order, which is also the tab order. The page posts the values as an array aligned with
 * `entryFields` (a full sheet as a JSON object would not fit the screen server's 4 KiB body cap).
 *
 * Secrecy of the double entry: the second member's form never carries the first entry; both
 * entries are sent back to the page only once they have been compared (mismatch or invalid),
 * so that a member corrects their own entry without typing every field again.
 */
import type { ElectionDefinition, MemberRole } from '../../shared/election/definition.ts';
import { findElector } from '../../shared/election/definition.ts';
import type { Tally } from '../../shared/tally/tally.ts';
import { BALLOTS_FIELD, sheetFields } from '../ports.ts';
import type { ResultsSnapshot } from '../machine.ts';
import { hasEnoughSignatures, screenOf } from '../machine.ts';
import type { CountDifference, CountMode, CountSheet, ManualEntry, ResultsContext, ResultsScreen } from '../machine-types.ts';
import {
  cabinLabel,
  consolidationFaultText,
  credentialRefusalText,
  entryRefusalText,
  FIELD_LABELS,
  insertCabinDeviceText,
  printerFaultText,
  RESULTS_INSTRUCTIONS,
  RESULTS_SCREEN_TITLES,
  signingRefusalText,
} from '../messages.ts';

// --- Entry fields ----------------------------------------------------------------------------

export interface EntryField {
  /** Sheet field name (`presidencial/12`, `presidencial/blank`, `ballots`). */
  readonly name: string;
  /** null for `ballots`. */
  readonly contestId: string | null;
  /** Spanish label: organization number and name, "Votos en blanco", "Votos nulos"... */
  readonly label: string;
}

/**
 * Every field a member fills in, in tab order: the names and order of `sheetFields`
 * (results-station/ports.ts); labels are shorter because the form groups fields by contest.
 * Manual count adds `ballots` first. Optional preferential fields are not on the form.
 */
export function entryFields(definition: ElectionDefinition, mode: CountMode): readonly EntryField[] {
  return sheetFields(definition, mode === 'manual-count' ? 'manual-count' : 'cotejo').map((field) => ({
    name: field.field,
    contestId: field.contestId,
    label: optionLabel(definition, field.field).option,
  }));
}

/** Values aligned with `fields` back to the sheet the machine compares. */
export function sheetFromValues(fields: readonly EntryField[], values: readonly number[]): CountSheet {
  if (values.length !== fields.length) throw new Error(`entry has ${values.length} values for ${fields.length} fields`);
  return Object.fromEntries(fields.map((field, index) => [field.name, values[index] ?? 0]));
}

function valuesFromSheet(fields: readonly EntryField[], sheet: CountSheet): number[] {
  return fields.map((field) => sheet[field.name] ?? 0);
}

// --- View ------------------------------------------------------------------------------------

export interface FormContestView {
  readonly id: string;
  readonly name: string;
  /** Indexes into `EntryFormView.fields`. */
  readonly fields: readonly number[];
}

export interface EntryFormView {
  readonly kind: 'cotejo' | 'manual';
  readonly fields: readonly EntryField[];
  readonly contests: readonly FormContestView[];
  /**
   * What each contest's sum (organizations + blank + null) must equal. Cotejo: the votos
   * emitidos of the electronic result. Manual count: null (the `ballots` field typed live).
   */
  readonly expectedVoters: number | null;
  /** Fields that differ in the last comparison (highlighted on the form). */
  readonly flagged: readonly string[];
  /** Manual count after comparison: each member's entry, to correct it without retyping. */
  readonly entries: readonly { readonly member: string; readonly values: readonly number[] }[];
}

export interface DifferenceView {
  readonly field: string;
  readonly contest: string;
  readonly option: string;
  readonly first: string;
  readonly second: string;
}

export interface DifferencesView {
  readonly firstLabel: string;
  readonly secondLabel: string;
  readonly rows: readonly DifferenceView[];
}

export interface ContestSummaryView {
  readonly name: string;
  readonly emitted: number;
  readonly valid: number;
  readonly blank: number;
  readonly null: number;
  readonly organizations: readonly { readonly label: string; readonly votes: number }[];
}

export interface TallyView {
  readonly ballots: number;
  readonly art23Blanks: number;
  readonly contests: readonly ContestSummaryView[];
  readonly observations: readonly string[];
}

export interface DeviceView {
  readonly kind: 'cabin' | 'identity';
  /** "cabina 2" or "estación de identificación". */
  readonly label: string;
}

export interface ReadingProgressView {
  readonly cabins: readonly { readonly label: string; readonly read: boolean }[];
  readonly identityRead: boolean;
}

export interface SignatureView {
  /** "Presidente — DNI 99524208", "Personero". */
  readonly label: string;
  readonly role: 'president' | 'member' | 'personero';
}

export interface MemberOptionView {
  /** `member-N`: N = 1-based position in the definition (the package's key role). */
  readonly id: string;
  readonly label: string;
}

export interface PrintingView {
  readonly copy: string;
  readonly index: number;
  readonly of: number;
  readonly reprint: boolean;
}

export interface ResultsView {
  readonly screen: ResultsScreen;
  readonly mode: CountMode;
  readonly electionName: string;
  readonly simulacro: boolean;
  readonly mesa: { readonly number: string; readonly place: string };
  readonly title: string;
  /** What to do next, in Spanish (may be empty while the station works). */
  readonly instruction: string;
  /** Why something was refused or failed (Spanish), or null. */
  readonly refusal: string | null;
  /** Set by the screen server (e.g. no credential on the reader), or null. */
  readonly notice: string | null;
  /** The device to insert, being read, or refused. */
  readonly device: DeviceView | null;
  readonly progress: ReadingProgressView | null;
  /** Reconciliation problems or manual-count findings (Spanish). */
  readonly findings: readonly string[];
  readonly tally: TallyView | null;
  readonly differences: DifferencesView | null;
  readonly form: EntryFormView | null;
  readonly members: readonly MemberOptionView[];
  readonly signatures: readonly SignatureView[];
  readonly signaturesComplete: boolean;
  readonly printing: PrintingView | null;
}

const ROLE_LABELS: Record<MemberRole, string> = {
  presidente: 'Presidente',
  secretario: 'Secretario',
  'tercer-miembro': 'Tercer miembro',
  suplente: 'Suplente',
};

const IDENTITY_DEVICE: DeviceView = { kind: 'identity', label: 'estación de identificación' };

const ENTRY_SCREENS: ReadonlySet<ResultsScreen> = new Set<ResultsScreen>([
  'cotejo-entry',
  'cotejo-review',
  'manual-entry-first',
  'manual-entry-second',
  'manual-mismatch',
  'manual-invalid',
]);

const TALLY_SCREENS: ReadonlySet<ResultsScreen> = new Set<ResultsScreen>(['tallied', 'cotejo-review', 'signing', 'closed']);

export function memberOptions(definition: ElectionDefinition): MemberOptionView[] {
  return definition.members.map((member, index) => {
    const elector = findElector(definition, member.dni);
    const name = elector === undefined ? '' : ` ${elector.givenNames} ${elector.surnames},`;
    return { id: `member-${index + 1}`, label: `${ROLE_LABELS[member.role]} —${name} DNI ${member.dni}` };
  });
}

function memberLabel(definition: ElectionDefinition, memberId: string): string {
  return memberOptions(definition).find((option) => option.id === memberId)?.label ?? memberId;
}

/** The device the machine is waiting for or reading: the next cabin, then the identity summary. */
function currentDevice(context: ResultsContext): DeviceView | null {
  if (context.mode === 'manual-count') return null;
  const cabinId = context.cabinIds[context.readings.length];
  return cabinId === undefined ? IDENTITY_DEVICE : { kind: 'cabin', label: cabinLabel(cabinId) };
}

function optionLabel(definition: ElectionDefinition, field: string): { contest: string; option: string } {
  if (field === BALLOTS_FIELD) return { contest: 'Total', option: FIELD_LABELS.ballots };
  const [contestId, option] = field.split('/');
  const contest = definition.contests.find((candidate) => candidate.id === contestId);
  if (contest === undefined || option === undefined) return { contest: '', option: field };
  if (option === 'blank' || option === 'null') return { contest: contest.name, option: FIELD_LABELS[option] };
  const organization = contest.organizations.find((candidate) => String(candidate.number) === option);
  return { contest: contest.name, option: organization === undefined ? option : `${organization.number} — ${organization.name}` };
}

function differencesView(
  definition: ElectionDefinition,
  differences: readonly CountDifference[],
  firstLabel: string,
  secondLabel: string,
): DifferencesView {
  const show = (value: number | null) => (value === null ? 'sin dato' : String(value));
  // In the order of the paper sheet (contest by contest, option by option), not the port's order.
  const order = new Map(sheetFields(definition, 'manual-count').map((field, index) => [field.field, index]));
  const position = (field: string) => order.get(field) ?? order.size;
  const sorted = [...differences].sort((a, b) => position(a.field) - position(b.field));
  return {
    firstLabel,
    secondLabel,
    rows: sorted.map((difference) => ({
      field: difference.field,
      ...optionLabel(definition, difference.field),
      first: show(difference.first),
      second: show(difference.second),
    })),
  };
}

function tallyView(definition: ElectionDefinition, tally: Tally, observations: readonly string[]): TallyView {
  return {
    ballots: tally.ballots,
    art23Blanks: tally.art23Blanks,
    observations,
    contests: tally.contests.map((contestTally) => {
      const contest = definition.contests.find((candidate) => candidate.id === contestTally.contestId);
      return {
        name: contest?.name ?? contestTally.contestId,
        emitted: contestTally.emitted,
        valid: contestTally.valid,
        blank: contestTally.blank,
        null: contestTally.null,
        organizations: contestTally.organizations.map((organization) => {
          const named = contest?.organizations.find((candidate) => candidate.number === organization.organization);
          return { label: `${organization.organization} — ${named?.name ?? ''}`, votes: organization.votes };
        }),
      };
    }),
  };
}

function formView(definition: ElectionDefinition, screen: ResultsScreen, context: ResultsContext): EntryFormView {
  const kind = screen.startsWith('cotejo') ? 'cotejo' : 'manual';
  const fields = entryFields(definition, kind === 'cotejo' ? 'electronic' : 'manual-count');
  const contests = definition.contests.map((contest) => ({
    id: contest.id,
    name: contest.name,
    fields: fields.flatMap((field, index) => (field.contestId === contest.id ? [index] : [])),
  }));
  const tally = context.result?.tally ?? null;
  const compared = screen === 'manual-mismatch' || screen === 'manual-invalid';
  const differences = screen === 'cotejo-review' ? (context.cotejoDifferences ?? []) : screen === 'manual-mismatch' ? context.entryDifferences : [];
  const entries = compared
    ? [context.firstEntry, context.secondEntry]
        .filter((entry): entry is ManualEntry => entry !== null)
        .map((entry) => ({ member: entry.member, values: valuesFromSheet(fields, entry.counts) }))
    : [];
  return {
    kind,
    fields,
    contests,
    expectedVoters: kind === 'cotejo' && tally !== null ? tally.ballots + tally.art23Blanks : null,
    flagged: differences.map((difference) => difference.field),
    entries,
  };
}

function refusalOf(screen: ResultsScreen, context: ResultsContext): string | null {
  switch (screen) {
    case 'out-of-service':
      return context.outOfServiceReason;
    case 'awaiting-president':
    case 'reconciliation-problems':
      return context.credentialRefusal === null ? null : credentialRefusalText(context.credentialRefusal);
    case 'device-refused':
      return context.deviceRefusalText;
    case 'printer-fault':
      return context.printerFault === null ? null : printerFaultText(context.printerFault);
    case 'manual-entry-second':
    case 'manual-mismatch':
    case 'manual-invalid':
      return context.entryRefusal === null ? null : entryRefusalText(context.entryRefusal);
    case 'signing':
      return context.signingRefusal === null ? null : signingRefusalText(context.signingRefusal);
    case 'consolidation-fault':
      return context.consolidationFault === null ? null : consolidationFaultText(context.consolidationFault);
    default:
      return null;
  }
}

function instructionOf(screen: ResultsScreen, context: ResultsContext, device: DeviceView | null): string {
  if ((screen === 'insert-cabin-device' || screen === 'device-refused') && device !== null) {
    const cabinId = context.cabinIds[context.readings.length];
    return device.kind === 'cabin' && cabinId !== undefined
      ? insertCabinDeviceText(cabinId)
      : RESULTS_INSTRUCTIONS['insert-identity-device'];
  }
  if (screen === 'tallied' && context.mode === 'manual-count') return 'Cuando estén listos, toque «Imprimir las actas».';
  return RESULTS_INSTRUCTIONS[screen];
}

function findingsOf(screen: ResultsScreen, context: ResultsContext): string[] {
  if ((screen === 'reconciliation-problems' || screen === 'reconciliation-blocked') && context.outcome !== null && context.outcome.kind !== 'ok') {
    return context.outcome.findings.map((finding) => finding.screenText);
  }
  if (screen === 'manual-invalid') return context.manualFindings.map((finding) => finding.screenText);
  return [];
}

function signatureLabel(definition: ElectionDefinition, signerId: string, role: SignatureView['role']): string {
  if (role === 'personero') return 'Personero';
  return memberLabel(definition, signerId);
}

export function resultsView(snapshot: ResultsSnapshot, definition: ElectionDefinition): ResultsView {
  const screen = screenOf(snapshot);
  const { context } = snapshot;
  const reading = screen === 'insert-cabin-device' || screen === 'insert-identity-device' || screen === 'reading-device' || screen === 'device-refused';
  const device = reading ? currentDevice(context) : null;
  const entry = ENTRY_SCREENS.has(screen);
  const firstEntryLabel = context.firstEntry === null ? 'Primer ingreso' : `Primer ingreso (${memberLabel(definition, context.firstEntry.member)})`;
  const secondEntryLabel = context.secondEntry === null ? 'Segundo ingreso' : `Segundo ingreso (${memberLabel(definition, context.secondEntry.member)})`;
  const copy = context.copies[context.nextCopy];
  return {
    screen,
    mode: context.mode,
    electionName: definition.election.name,
    simulacro: definition.election.simulacro,
    mesa: { number: definition.mesa.number, place: definition.mesa.place.name },
    title: RESULTS_SCREEN_TITLES[screen],
    instruction: instructionOf(screen, context, device),
    refusal: refusalOf(screen, context),
    notice: null,
    device,
    progress: reading
      ? {
          cabins: context.cabinIds.map((cabinId, index) => ({ label: cabinLabel(cabinId), read: index < context.readings.length })),
          identityRead: context.identity !== null,
        }
      : null,
    findings: findingsOf(screen, context),
    tally: TALLY_SCREENS.has(screen) && context.result !== null ? tallyView(definition, context.result.tally, context.result.observations) : null,
    differences:
      screen === 'cotejo-review'
        ? differencesView(definition, context.cotejoDifferences ?? [], 'Electrónico', 'Conteo manual')
        : screen === 'manual-mismatch'
          ? differencesView(definition, context.entryDifferences, firstEntryLabel, secondEntryLabel)
          : null,
    form: entry ? formView(definition, screen, context) : null,
    members: screen.startsWith('manual') ? memberOptions(definition) : [],
    signatures: context.signatures.map((signature) => ({
      label: signatureLabel(definition, signature.signerId, signature.role),
      role: signature.role,
    })),
    signaturesComplete: hasEnoughSignatures(context),
    printing:
      screen === 'printing-acta' && copy !== undefined
        ? {
            copy: copy.document === 'cartel' ? 'cartel de resultados' : `acta de escrutinio para ${copy.destination}`,
            index: context.nextCopy + 1,
            of: context.copies.length,
            reprint: context.reprintNextCopy,
          }
        : null,
  };
}
