/**
 * The audio ballot's words, as data: every screen, focus, feedback and help message is a Prompt
 * {id, text} in Spanish. Election-specific prompts (contests, organizations, candidates) are
 * built from the election definition, so `allPrompts(definition)` lists every clip the cabin can
 * ever speak and they can be rendered ahead of voting (speech.ts).
 *
 * DECISIONS
 * - No prompt text depends on the voter's choices: a review line is spoken as a SEQUENCE of
 *   static prompts (contest name, organization, "votos preferenciales", candidate numbers).
 *   So the set of clips is fixed by the package, nothing ballot-specific is ever rendered or
 *   cached, and a clip cache can never reveal what a voter chose.
 * - Prompt ids are stable and readable (`org.<contest>.<number>`), so tests assert the spoken
 *   sequence by id and text.
 * - The few prompts that name keys (a contest's intro, the review screen) come in two wordings,
 *   one per input device the cabin is configured with: a voter on two switches must not be told
 *   to press arrows they do not have. The two-switch variant has its own id (`…-two-switch`),
 *   and `allPrompts` lists both, so either is pre-rendered. Help needs no variant: the two-switch
 *   device has no help key.
 */
import type { ContestChoice } from '../../shared/ballot/ballot.ts';
import { contestDisplayName } from '../../shared/ballot/describe.ts';
import type { DraftProblem } from '../../shared/ballot/rules.ts';
import type { Contest, ElectionDefinition } from '../../shared/election/definition.ts';
import type { KeypadProfile } from '../../shared/devices/keypad/keypad.ts';
import { findContest } from '../../shared/election/definition.ts';
import type { BallotDraft, BoothScreen } from '../machine-types.ts';
import type { BoothView } from '../ui/view-model.ts';
import { CANCELLED_TEXT, SCREEN_TEXT } from '../ui/view-model.ts';
import type { NavItem, NumberEntry } from './navigation.ts';
import { RATE_STEPS_WPM, VOLUME_STEPS_DB } from './audio-settings.ts';

export interface Prompt {
  readonly id: string;
  readonly text: string;
}

const p = (id: string, text: string): Prompt => ({ id, text });

// --- fixed prompts ---------------------------------------------------------------------------

export const FIXED = {
  blank: p('choice.blank', 'Voto en blanco.'),
  null: p('choice.null', 'Voto nulo.'),
  chosen: p('state.chosen', 'Marcado:'),
  preferentialMarked: p('preferential.marked', 'Voto preferencial marcado; seleccione para quitarlo:'),
  preferentialAdded: p('preferential.added', 'Voto preferencial marcado:'),
  preferentialRemoved: p('preferential.removed', 'Voto preferencial quitado:'),
  preferentialLabel: p('preferential.label', 'Votos preferenciales:'),
  entryDone: p('preferential.entry-done', 'Terminar sin marcar.'),
  next: p('nav.next', 'Siguiente elección.'),
  toReview: p('nav.to-review', 'Ir a revisar su voto.'),
  returnToReview: p('nav.return-review', 'Volver a la revisión.'),
  backContest: p('nav.back-contest', 'Volver a la elección anterior.'),
  backLastContest: p('nav.back-last-contest', 'Volver a la última elección.'),
  backReview: p('nav.back-review', 'Volver a revisar su voto.'),
  reviewChange: p('review.change', 'Seleccione para cambiarla.'),
  reviewContinue: p('review.continue', 'Continuar para confirmar su voto.'),
  confirm: p('confirm.confirm', 'Confirmar mi voto. Al seleccionar, su voto queda registrado y ya no podrá cambiarlo.'),
  stillHere: p('alert.still-here', 'Sigo aquí.'),
  privacyHide: p('privacy.hide', 'Ocultar la pantalla. El audio continúa.'),
  privacyShow: p('privacy.show', 'Mostrar la pantalla.'),
  privacyHidden: p('privacy.hidden', 'Pantalla oculta.'),
  privacyShown: p('privacy.shown', 'Pantalla visible.'),
  refusalPending: p(
    'refusal.pending',
    'Todavía no eligió una opción en esta elección. Elija una organización política, voto en blanco o voto nulo.',
  ),
  refusalTooMany: p('refusal.too-many-preferential', 'Ya marcó el máximo de votos preferenciales. Quite uno antes de marcar otro.'),
  refusalOther: p('refusal.other', 'No se pudo marcar esa opción.'),
  helpContest: p(
    'help.contest',
    'Ayuda. Flecha abajo y flecha arriba recorren las opciones. Seleccionar elige la opción. Atrás vuelve a la elección anterior. ' +
      'Repetir repite el último mensaje. Las teclas de volumen y de velocidad ajustan el audio. Al final de la lista están ' +
      'Siguiente elección y Ocultar la pantalla.',
  ),
  helpEntry: p(
    'help.preferential-entry',
    'Ayuda. Flecha arriba y flecha abajo cambian el número de uno en uno; derecha e izquierda, de diez en diez. ' +
      'Seleccionar marca el número. Atrás sale sin marcar.',
  ),
  helpReview: p(
    'help.review',
    'Ayuda. Flecha abajo recorre cada elección con su opción. Seleccionar permite cambiarla. Después de la última elección ' +
      'está Continuar para confirmar su voto.',
  ),
  helpConfirm: p('help.confirm', 'Ayuda. Seleccione Confirmar mi voto para registrarlo, o Volver a revisar su voto.'),
  helpOther: p('help.other', 'Ayuda. Si necesita asistencia, llame a un miembro de mesa.'),
} as const;

/** What the audio says on each screen (the kiosk's texts speak of touching; these of keys). */
const SPOKEN_SCREEN_TEXT: Partial<Record<BoothScreen, string>> = {
  review: 'Revise su voto. Flecha abajo recorre cada elección y su opción; Seleccionar permite cambiarla.',
  confirm: 'Confirme su voto. Al confirmar, el voto queda registrado y ya no podrá cambiarlo.',
  'inactivity-alert':
    '¿Sigue ahí? Pulse cualquier tecla para continuar votando. Si no, la sesión terminará en unos segundos y su voto no se registrará.',
};

/** The same screens for a voter with two switches (Mover / Seleccionar), where the words differ. */
const SPOKEN_SCREEN_TEXT_TWO_SWITCH: Partial<Record<BoothScreen, string>> = {
  review: 'Revise su voto. El interruptor Mover recorre cada elección y su opción; Seleccionar permite cambiarla.',
};

function screenPrompt(screen: BoothScreen, input: KeypadProfile = 'navigation'): Prompt {
  const twoSwitch = input === 'two-switch' ? SPOKEN_SCREEN_TEXT_TWO_SWITCH[screen] : undefined;
  if (twoSwitch !== undefined) return p(`screen.${screen}-two-switch`, twoSwitch);
  const { title, message } = SCREEN_TEXT[screen];
  return p(`screen.${screen}`, SPOKEN_SCREEN_TEXT[screen] ?? `${title}. ${message}`);
}

const CANCELLED_PROMPT = p('screen.session-cancelled', `${CANCELLED_TEXT.title}. ${CANCELLED_TEXT.message}`);

// --- election prompts ------------------------------------------------------------------------

function requireContest(definition: ElectionDefinition, contestId: string): Contest {
  const contest = findContest(definition, contestId);
  if (contest === undefined) throw new Error(`prompts: contest ${contestId} is not in the definition`);
  return contest;
}

const CONTEST_KEYS: Record<KeypadProfile, string> = {
  navigation: 'Flecha abajo y flecha arriba recorren las opciones; Seleccionar elige.',
  'two-switch': 'El interruptor Mover recorre las opciones; el interruptor Seleccionar elige.',
};

export function contestIntroPrompt(definition: ElectionDefinition, contest: Contest, input: KeypadProfile = 'navigation'): Prompt {
  const position = definition.contests.findIndex((c) => c.id === contest.id) + 1;
  const preferential =
    contest.maxPreferential > 0
      ? ` Después de elegir una organización puede marcar hasta ${contest.maxPreferential} ${contest.maxPreferential === 1 ? 'voto preferencial' : 'votos preferenciales'}.`
      : '';
  return p(
    `contest.${contest.id}.intro${input === 'two-switch' ? '-two-switch' : ''}`,
    `Elección ${position} de ${definition.contests.length}: ${contestDisplayName(contest)}. ` +
      `${contest.organizations.length} organizaciones políticas, voto en blanco y voto nulo.${preferential} ` +
      CONTEST_KEYS[input],
  );
}

export function contestNamePrompt(contest: Contest): Prompt {
  return p(`contest.${contest.id}.name`, `${contestDisplayName(contest)}:`);
}

export function organizationPrompt(contest: Contest, number: number): Prompt {
  const org = contest.organizations.find((o) => o.number === number);
  if (org === undefined) throw new Error(`prompts: contest ${contest.id} has no organization ${number}`);
  const head = contest.kind === 'single-choice' ? org.candidates?.[0] : undefined;
  const formula = head === undefined ? '' : `, fórmula encabezada por ${head.name}`;
  return p(`org.${contest.id}.${number}`, `${number}, ${org.name}${formula}.`);
}

export function candidatePrompt(contest: Contest, organization: number, candidate: number): Prompt {
  const name = contest.organizations.find((o) => o.number === organization)?.candidates?.find((c) => c.number === candidate)?.name;
  return p(`candidate.${contest.id}.${organization}.${candidate}`, name === undefined ? `Número ${candidate}.` : `Número ${candidate}, ${name}.`);
}

export function preferentialEntryPrompt(max: number): Prompt {
  return p(
    `preferential.entry.${max}`,
    `Voto preferencial, opcional: puede marcar hasta ${max}. Seleccione para elegir el número de un candidato.`,
  );
}

export function volumePrompt(index: number): Prompt {
  return p(`audio.volume.${index}`, `Volumen ${index + 1} de ${VOLUME_STEPS_DB.length}.`);
}

export function ratePrompt(wpm: number): Prompt {
  return p(`audio.rate.${wpm}`, `Velocidad ${wpm} palabras por minuto.`);
}

/** A stored choice as a sequence of static prompts. */
export function choicePrompts(contest: Contest, choice: ContestChoice): Prompt[] {
  if (choice.kind === 'blank') return [FIXED.blank];
  if (choice.kind === 'null') return [FIXED.null];
  const prompts = [organizationPrompt(contest, choice.organization)];
  if (choice.preferential.length > 0) {
    prompts.push(FIXED.preferentialLabel, ...choice.preferential.map((n) => candidatePrompt(contest, choice.organization, n)));
  }
  return prompts;
}

// --- per view --------------------------------------------------------------------------------

export interface PromptContext {
  readonly definition: ElectionDefinition;
  readonly view: BoothView;
  /** The voter's draft (only read on the review screen, to speak each line). */
  readonly draft: BallotDraft;
  readonly blanked: boolean;
  /** The cabin's input device: prompts that name keys are worded for it. */
  readonly input: KeypadProfile;
}

/** Spoken when a screen (or contest) appears. */
export function screenPrompts(ctx: PromptContext): Prompt[] {
  const { view, definition, input } = ctx;
  if (view.screen === 'contest' && view.contest !== null) return [contestIntroPrompt(definition, requireContest(definition, view.contest.id), input)];
  if (view.screen === 'ready' && view.title === CANCELLED_TEXT.title) return [CANCELLED_PROMPT];
  return [screenPrompt(view.screen, input)];
}

/** Spoken when the focus lands on `item`. */
export function itemPrompts(ctx: PromptContext, item: NavItem): Prompt[] {
  const { view, definition } = ctx;
  const contest = view.contest === null ? undefined : requireContest(definition, view.contest.id);
  const choice = view.contest?.choice;
  switch (item.kind) {
    case 'organization': {
      if (contest === undefined) return [];
      const org = organizationPrompt(contest, item.organization);
      return choice?.kind === 'organization' && choice.organization === item.organization ? [FIXED.chosen, org] : [org];
    }
    case 'blank':
    case 'null':
      return choice?.kind === item.kind ? [FIXED.chosen, FIXED[item.kind]] : [FIXED[item.kind]];
    case 'preferential-entry':
      return [preferentialEntryPrompt(contest?.maxPreferential ?? 0)];
    case 'preferential-marked':
      return contest === undefined || choice?.kind !== 'organization'
        ? []
        : [FIXED.preferentialMarked, candidatePrompt(contest, choice.organization, item.candidate)];
    case 'next':
      if (view.screen === 'review') return [FIXED.reviewContinue];
      if (view.contest?.returnsToReview === true) return [FIXED.returnToReview];
      return view.contest !== null && view.contest.position === view.contest.total ? [FIXED.toReview] : [FIXED.next];
    case 'back':
      if (view.screen === 'review') return [FIXED.backLastContest];
      if (view.screen === 'confirm' || view.contest?.returnsToReview === true) return [FIXED.backReview];
      return [FIXED.backContest];
    case 'review-change': {
      const lineContest = requireContest(definition, item.contestId);
      const lineChoice = ctx.draft[item.contestId];
      return [contestNamePrompt(lineContest), ...(lineChoice === undefined ? [] : choicePrompts(lineContest, lineChoice)), FIXED.reviewChange];
    }
    case 'confirm':
      return [FIXED.confirm];
    case 'still-here':
      return [FIXED.stillHere];
    case 'privacy':
      return [ctx.blanked ? FIXED.privacyShow : FIXED.privacyHide];
  }
}

/** The candidate number being entered (0: leave the entry). */
export function entryPrompts(ctx: PromptContext, entry: NumberEntry): Prompt[] {
  const choice = ctx.view.contest?.choice;
  if (entry.value === 0 || ctx.view.contest === null || choice?.kind !== 'organization') return [FIXED.entryDone];
  return [candidatePrompt(requireContest(ctx.definition, ctx.view.contest.id), choice.organization, entry.value)];
}

export function helpPrompts(view: BoothView, entry: NumberEntry | null): Prompt[] {
  if (entry !== null) return [FIXED.helpEntry];
  switch (view.screen) {
    case 'contest':
      return [FIXED.helpContest];
    case 'review':
      return [FIXED.helpReview];
    case 'confirm':
      return [FIXED.helpConfirm];
    default:
      return [screenPrompt(view.screen), FIXED.helpOther];
  }
}

export function refusalPrompts(problem: DraftProblem): Prompt[] {
  switch (problem.kind) {
    case 'pending-contests':
      return [FIXED.refusalPending];
    case 'too-many-preferential':
      return [FIXED.refusalTooMany];
    default:
      return [FIXED.refusalOther];
  }
}

/**
 * What a choice event changed on the contest, as feedback: the new choice, or the preferential
 * number added or removed. Empty when nothing changed.
 */
export function choiceFeedback(definition: ElectionDefinition, contestId: string, before: ContestChoice | undefined, after: ContestChoice | undefined): Prompt[] {
  if (after === undefined) return [];
  const contest = requireContest(definition, contestId);
  if (after.kind !== 'organization') return before?.kind === after.kind ? [] : [FIXED.chosen, FIXED[after.kind]];
  if (before?.kind !== 'organization' || before.organization !== after.organization) {
    return [FIXED.chosen, organizationPrompt(contest, after.organization)];
  }
  const added = after.preferential.filter((n) => !before.preferential.includes(n));
  const removed = before.preferential.filter((n) => !after.preferential.includes(n));
  return [
    ...added.flatMap((n) => [FIXED.preferentialAdded, candidatePrompt(contest, after.organization, n)]),
    ...removed.flatMap((n) => [FIXED.preferentialRemoved, candidatePrompt(contest, after.organization, n)]),
  ];
}

/** Every prompt the cabin can speak for this election: the clips to pre-render. */
export function allPrompts(definition: ElectionDefinition): Prompt[] {
  const prompts: Prompt[] = [...Object.values(FIXED), CANCELLED_PROMPT];
  for (const screen of Object.keys(SCREEN_TEXT) as BoothScreen[]) prompts.push(screenPrompt(screen), screenPrompt(screen, 'two-switch'));
  for (let i = 0; i < VOLUME_STEPS_DB.length; i++) prompts.push(volumePrompt(i));
  for (const wpm of RATE_STEPS_WPM) prompts.push(ratePrompt(wpm));
  for (const contest of definition.contests) {
    prompts.push(contestIntroPrompt(definition, contest), contestIntroPrompt(definition, contest, 'two-switch'), contestNamePrompt(contest));
    if (contest.maxPreferential > 0) prompts.push(preferentialEntryPrompt(contest.maxPreferential));
    for (const org of contest.organizations) {
      prompts.push(organizationPrompt(contest, org.number));
      if (contest.maxPreferential > 0) {
        for (const candidate of org.candidates ?? []) prompts.push(candidatePrompt(contest, org.number, candidate.number));
      }
    }
  }
  const unique = new Map(prompts.map((prompt) => [prompt.id, prompt]));
  return [...unique.values()];
}
