/**
 * What the kiosk page shows, computed in Node from the machine's snapshot: the browser is only a
 * display and never decides anything. `viewModel` is pure; the server sends its result as JSON.
 *
 * Secrecy: ballot content (the draft, the current choice, review lines) appears ONLY on the
 * screens of the voter's own session (contest, review, confirm). Every other screen carries no
 * choice at all, so a view fetched while nobody votes (or during the inactivity alert, when the
 * voter may have walked away) reveals nothing.
 */
import type { ContestChoice } from '../../shared/ballot/ballot.ts';
import { contestDisplayName, describeBallot } from '../../shared/ballot/describe.ts';
import { draftProblemForVoter } from '../../shared/ballot/rules.ts';
import type { Contest, ElectionDefinition } from '../../shared/election/definition.ts';
import { findContest } from '../../shared/election/definition.ts';
import type { BoothSnapshot } from '../machine.ts';
import { screenOf } from '../machine.ts';
import type { BoothScreen, DisplaySettings, PrinterFault } from '../machine-types.ts';

export interface OrganizationView {
  readonly number: number;
  readonly name: string;
  readonly shortName: string;
  readonly symbol: string;
  /** Candidates that can receive a preferential vote (empty for single-choice contests). */
  readonly candidateCount: number;
}

/** The choice of the current contest, as shown on the contest screen. */
export type ChoiceView =
  | { readonly kind: 'none' }
  | { readonly kind: 'blank' }
  | { readonly kind: 'null' }
  | {
      readonly kind: 'organization';
      readonly organization: number;
      /** Ascending, with the candidate's name. */
      readonly preferential: readonly { readonly number: number; readonly name: string }[];
    };

export interface ContestView {
  readonly id: string;
  readonly name: string;
  /** 1-based position and total, for "Elección 2 de 5". */
  readonly position: number;
  readonly total: number;
  readonly maxPreferential: number;
  readonly organizations: readonly OrganizationView[];
  readonly choice: ChoiceView;
  /** Why the machine refused the voter's last action (Spanish), or null. */
  readonly refusal: string | null;
  /** Set after EDIT_CONTEST: "Siguiente" goes back to the review. */
  readonly returnsToReview: boolean;
}

export interface ReviewLine {
  readonly contestId: string;
  readonly contestName: string;
  readonly text: string;
}

export interface BoothView {
  readonly screen: BoothScreen;
  /** Election name for the header. */
  readonly electionName: string;
  /** Show the SIMULACRO banner on every screen. */
  readonly simulacro: boolean;
  /** Per-voter settings (the machine resets them for each voter). */
  readonly display: DisplaySettings;
  /** Main Spanish message of the screen (title and explanation). */
  readonly title: string;
  readonly message: string;
  /** Only on the contest screen. */
  readonly contest: ContestView | null;
  /** Only on the review and confirm screens. */
  readonly review: readonly ReviewLine[] | null;
}

type Context = BoothSnapshot['context'];

export const SCREEN_TEXT: Record<BoothScreen, { readonly title: string; readonly message: string }> = {
  'self-check': { title: 'Iniciando la cabina', message: 'Se está verificando el equipo. Espere, por favor.' },
  'out-of-service': { title: 'Cabina fuera de servicio', message: 'Comunique el hecho a la mesa.' },
  'awaiting-puesta-a-cero': {
    title: 'Puesta a cero',
    message: 'El presidente de mesa debe presentar su credencial para iniciar la puesta a cero.',
  },
  'verifying-credential': { title: 'Verificando credencial', message: 'Espere, por favor.' },
  'puesta-a-cero': { title: 'Puesta a cero', message: 'Se está imprimiendo el reporte de puesta a cero.' },
  'printer-fault': { title: 'Problema con la impresora', message: 'Llame a un miembro de mesa.' },
  ready: { title: 'Bienvenido', message: 'Inserte el dispositivo de activación que le entregó la mesa.' },
  'verifying-token': { title: 'Verificando el dispositivo', message: 'Espere, por favor.' },
  'token-rejected': { title: 'Dispositivo no aceptado', message: 'Retire el dispositivo y devuélvalo a la mesa.' },
  contest: { title: 'Elija su opción', message: 'Toque una organización política, voto en blanco o voto nulo.' },
  review: {
    title: 'Revise su voto',
    message: 'Estas son sus opciones. Toque «Cambiar» para corregir una elección, o «Continuar».',
  },
  confirm: {
    title: 'Confirme su voto',
    message: 'Al tocar «Confirmar mi voto» el voto queda registrado y ya no podrá cambiarlo.',
  },
  'inactivity-alert': {
    title: '¿Sigue ahí?',
    message: 'Toque «Sigo aquí» para continuar votando. Si no, la sesión terminará en unos segundos.',
  },
  'session-ended-inactivity': {
    title: 'Sesión terminada',
    message: 'Sesión terminada por inactividad. Devuelva el dispositivo a la mesa.',
  },
  recording: { title: 'Registrando su voto', message: 'No retire el dispositivo. Espere, por favor.' },
  'printing-constancia': { title: 'Imprimiendo la constancia', message: 'Su voto fue registrado. Espere la constancia.' },
  'marking-device': { title: 'Registrando su voto', message: 'No retire el dispositivo. Espere, por favor.' },
  'reinsert-device': {
    title: 'Vuelva a insertar el dispositivo',
    message: 'Su voto fue registrado. Inserte otra vez el dispositivo de activación para terminar.',
  },
  'remove-device': {
    title: 'Gracias por votar',
    message: 'Su voto fue registrado. Retire el dispositivo de activación y la constancia, y devuélvalos a la mesa.',
  },
  'remove-device-overdue': {
    title: 'Retire el dispositivo',
    message: 'Su voto ya fue registrado. Retire el dispositivo de activación. Si necesita ayuda, llame a un miembro de mesa.',
  },
  'closing-report': { title: 'Cierre de la votación', message: 'Se está imprimiendo el reporte de resultados de la cabina.' },
  'writing-results': { title: 'Cierre de la votación', message: 'Se están grabando los resultados en el dispositivo de consolidación.' },
  'consolidation-fault': {
    title: 'No se pudieron grabar los resultados',
    message: 'Revise el dispositivo de consolidación. La cabina volverá a intentarlo.',
  },
  closed: { title: 'Votación cerrada', message: 'Esta cabina ya no recibe votos.' },
};

const PRINTER_FAULT_TEXT: Record<PrinterFault['kind'], string> = {
  'paper-out': 'La impresora no tiene papel. Llame a un miembro de mesa para que coloque papel.',
  'cover-open': 'La tapa de la impresora está abierta. Llame a un miembro de mesa.',
  offline: 'La impresora no responde. Llame a un miembro de mesa.',
  'device-removed': 'La impresora está desconectada. Llame a un miembro de mesa.',
  timeout: 'La impresora no responde. Llame a un miembro de mesa.',
  error: 'La impresora tuvo un error. Llame a un miembro de mesa.',
};

/** The screen's message, completed with what the machine's context says went wrong. */
function messageFor(screen: BoothScreen, context: Context): string {
  const base = SCREEN_TEXT[screen].message;
  switch (screen) {
    case 'out-of-service':
      return context.outOfServiceReason ?? base;
    case 'token-rejected':
      return context.tokenRefusal === null ? base : `${context.tokenRefusal.screenText} ${base}`;
    case 'printer-fault': {
      const fault = context.printerFault === null ? 'La impresora tuvo un problema. Llame a un miembro de mesa.' : PRINTER_FAULT_TEXT[context.printerFault.kind];
      // Voters only meet a printer fault after their vote was stored: say so, it is the first worry.
      return context.pendingConstancia ? `Su voto ya fue registrado. ${fault} La constancia se imprimirá después.` : fault;
    }
    default:
      return base;
  }
}

function organizationsOf(contest: Contest): OrganizationView[] {
  return contest.organizations.map((organization) => ({
    number: organization.number,
    name: organization.name,
    shortName: organization.shortName,
    symbol: organization.symbol,
    candidateCount: contest.maxPreferential > 0 ? (organization.candidates?.length ?? 0) : 0,
  }));
}

function choiceView(contest: Contest, choice: ContestChoice | undefined): ChoiceView {
  if (choice === undefined) return { kind: 'none' };
  if (choice.kind !== 'organization') return { kind: choice.kind };
  const organization = contest.organizations.find((candidate) => candidate.number === choice.organization);
  return {
    kind: 'organization',
    organization: choice.organization,
    preferential: choice.preferential.map((number) => ({
      number,
      name: organization?.candidates?.find((candidate) => candidate.number === number)?.name ?? '',
    })),
  };
}

function contestView(context: Context, definition: ElectionDefinition): ContestView {
  const entry = context.contests[context.contestIndex];
  const contest = entry === undefined ? undefined : findContest(definition, entry.id);
  if (contest === undefined) throw new Error(`kiosk view: contest at index ${context.contestIndex} is not in the definition`);
  return {
    id: contest.id,
    name: contestDisplayName(contest),
    position: context.contestIndex + 1,
    total: context.contests.length,
    maxPreferential: contest.maxPreferential,
    organizations: organizationsOf(contest),
    choice: choiceView(contest, context.draft[contest.id]),
    refusal: context.choiceRefusal === null ? null : draftProblemForVoter(definition, context.choiceRefusal),
    returnsToReview: context.returnToReview,
  };
}

function reviewLines(context: Context, definition: ElectionDefinition): ReviewLine[] {
  // The machine reaches review only with every contest answered; describeBallot throws otherwise.
  return describeBallot(definition, { choices: context.draft }, { candidateNames: true }).map((line) => ({
    contestId: line.contestId,
    contestName: line.contestName,
    text: line.text,
  }));
}

/** Screens of a session that ends on `ready` (nothing stored) when the device is pulled. */
const CANCELLABLE_SCREENS: ReadonlySet<BoothScreen> = new Set(['verifying-token', 'contest', 'review', 'confirm', 'inactivity-alert']);

/**
 * The machine has no "cancelled" screen: a device pulled mid-vote goes straight to `ready`.
 * The server remembers that transition (this function decides it) so `ready` can tell the voter
 * nothing was stored, until the next device arrives.
 */
export function sessionWasCancelled(previous: BoothScreen, current: BoothScreen): boolean {
  return current === 'ready' && CANCELLABLE_SCREENS.has(previous);
}

export const CANCELLED_TEXT = {
  title: 'Sesión cancelada',
  message:
    'Se retiró el dispositivo de activación antes de confirmar el voto. El voto NO fue registrado. Devuelva el dispositivo a la mesa.',
};

export interface ViewOptions {
  /** The last session ended because the device was pulled (see sessionWasCancelled). */
  readonly sessionCancelled?: boolean;
}

export function viewModel(snapshot: BoothSnapshot, definition: ElectionDefinition, options: ViewOptions = {}): BoothView {
  const screen = screenOf(snapshot);
  const context = snapshot.context;
  const isBallotScreen = screen === 'review' || screen === 'confirm';
  const cancelled = screen === 'ready' && options.sessionCancelled === true;
  return {
    screen,
    electionName: definition.election.name,
    simulacro: definition.election.simulacro,
    display: context.display,
    title: cancelled ? CANCELLED_TEXT.title : SCREEN_TEXT[screen].title,
    message: cancelled ? CANCELLED_TEXT.message : messageFor(screen, context),
    contest: screen === 'contest' ? contestView(context, definition) : null,
    review: isBallotScreen ? reviewLines(context, definition) : null,
  };
}
