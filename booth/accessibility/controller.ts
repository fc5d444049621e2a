/**
 * The cabin's accessibility session: joins the pure keypad navigation (navigation.ts) and the
 * prompts (prompts.ts) to the running cabin machine. Key events from the HID keypad or the
 * two-switch device go in; voter events go to the machine, and utterances (sequences of prompts)
 * and the focus highlight come out for the kiosk page (server.ts serves them with the view).
 *
 * DECISIONS
 * - The machine stays the only authority on the ballot: the controller sends the same voter
 *   events a finger on the screen sends, and speaks what the machine's snapshot then says
 *   (refusal or new choice), never what it expected.
 * - A new screen speaks its intro and then the focused item, interrupting whatever was playing
 *   (the newest utterance always wins: the page drops the old queue).
 * - Audio settings (rate, volume) and screen blanking are per voter: reset whenever the cabin is
 *   back on `ready` (VVSG: settings reset for each voter), like the display settings.
 */
import type { Actor } from 'xstate';
import type { ContestChoice } from '../../shared/ballot/ballot.ts';
import type { KeyEvent, KeypadProfile } from '../../shared/devices/keypad/keypad.ts';
import type { ElectionDefinition } from '../../shared/election/definition.ts';
import type { BoothMachine } from '../machine.ts';
import { screenOf } from '../machine.ts';
import type { BoothScreen, VoterEvent } from '../machine-types.ts';
import { sessionWasCancelled, viewModel, type BoothView } from '../ui/view-model.ts';
import { DEFAULT_AUDIO, gainOf, rateOf, stepRate, stepVolume, RATE_STEPS_WPM, type AudioSettings } from './audio-settings.ts';
import { focusedItem, INITIAL_NAV_STATE, reduceKey, syncWithView, type NavAction, type NavState } from './navigation.ts';
import {
  choiceFeedback,
  entryPrompts,
  FIXED,
  helpPrompts,
  itemPrompts,
  ratePrompt,
  refusalPrompts,
  screenPrompts,
  volumePrompt,
  type Prompt,
  type PromptContext,
} from './prompts.ts';
import type { ClipStore } from './speech.ts';

export interface Utterance {
  readonly seq: number;
  readonly prompts: readonly Prompt[];
}

/** What the kiosk page needs from the accessibility session (merged into its view). */
export interface AccessibilityView {
  /** data-key of the focused control, for the focus highlight. */
  readonly focus: string | null;
  /** Candidate number being entered on the keypad (0: "terminar"), or null. */
  readonly entry: number | null;
  /** Privacy: the page shows a black screen; audio continues. */
  readonly blanked: boolean;
  /** The latest utterance as clip URLs; a new seq interrupts the previous one. */
  readonly speech: { readonly seq: number; readonly clips: readonly string[]; readonly gain: number } | null;
}

export interface AccessibilityController {
  handleKey(event: KeyEvent): void;
  view(): AccessibilityView;
  /** Called whenever view() may have changed. */
  onChange(listener: () => void): () => void;
  /** Every utterance, in order (tests assert the spoken sequence with it). */
  onSpeak(listener: (utterance: Utterance) => void): () => void;
  stop(): void;
}

export interface AccessibilityOptions {
  readonly actor: Actor<BoothMachine>;
  readonly definition: ElectionDefinition;
  /** Absent: prompts are tracked but no clip URLs are produced (no audio device). */
  readonly clips?: ClipStore;
  /** The configured input device, so spoken instructions name its keys; absent: the keypad. */
  readonly input?: KeypadProfile;
}

const CHOICE_EVENTS: ReadonlySet<VoterEvent['type']> = new Set(['CHOOSE_ORGANIZATION', 'CHOOSE_BLANK', 'CHOOSE_NULL', 'TOGGLE_PREFERENTIAL']);

export function createAccessibilityController(options: AccessibilityOptions): AccessibilityController {
  const { actor, definition } = options;
  let nav: NavState = INITIAL_NAV_STATE;
  let audio: AudioSettings = DEFAULT_AUDIO;
  let blanked = false;
  let seq = 0;
  let last: readonly Prompt[] = [];
  let current: AccessibilityView['speech'] = null;
  let lastScreen: BoothScreen = screenOf(actor.getSnapshot());
  let cancelled = false;
  const changeListeners = new Set<() => void>();
  const speakListeners = new Set<(utterance: Utterance) => void>();

  const boothView = (): BoothView => viewModel(actor.getSnapshot(), definition, { sessionCancelled: cancelled });
  const input = options.input ?? 'navigation';
  const promptContext = (view: BoothView): PromptContext => ({ definition, view, draft: actor.getSnapshot().context.draft, blanked, input });
  const changed = () => {
    for (const listener of [...changeListeners]) listener();
  };

  function speak(prompts: readonly Prompt[]): void {
    if (prompts.length === 0) return;
    seq += 1;
    last = prompts;
    const rate = rateOf(audio);
    current = { seq, clips: options.clips === undefined ? [] : prompts.map((prompt) => options.clips?.url(prompt, rate) ?? ''), gain: gainOf(audio) };
    const utterance: Utterance = { seq, prompts };
    for (const listener of [...speakListeners]) listener(utterance);
    changed();
  }

  function focusPrompts(view: BoothView): Prompt[] {
    const item = focusedItem(nav, view);
    return item === undefined ? [] : itemPrompts(promptContext(view), item);
  }

  function onSnapshot(): void {
    const screen = screenOf(actor.getSnapshot());
    if (screen !== lastScreen) {
      cancelled = sessionWasCancelled(lastScreen, screen);
      lastScreen = screen;
      if (screen === 'ready') {
        audio = DEFAULT_AUDIO;
        blanked = false;
      }
    }
    const view = boothView();
    const synced = syncWithView(nav, view);
    const focusMoved = synced.state.focus !== nav.focus;
    nav = synced.state;
    if (synced.newScreen) speak([...screenPrompts(promptContext(view)), ...focusPrompts(view)]);
    else if (synced.resumed) speak(focusPrompts(view));
    else if (focusMoved) changed();
  }

  function contestChoice(): { readonly contestId: string | null; readonly choice: ContestChoice | undefined } {
    const snapshot = actor.getSnapshot();
    if (screenOf(snapshot) !== 'contest') return { contestId: null, choice: undefined };
    const contestId = snapshot.context.contests[snapshot.context.contestIndex]?.id ?? null;
    return { contestId, choice: contestId === null ? undefined : snapshot.context.draft[contestId] };
  }

  function deliver(event: VoterEvent): void {
    const before = contestChoice();
    actor.send(event);
    const after = contestChoice();
    // A new screen already spoke its intro from the snapshot subscription.
    if (before.contestId === null || before.contestId !== after.contestId) return;
    const refusal = actor.getSnapshot().context.choiceRefusal;
    if (CHOICE_EVENTS.has(event.type) || event.type === 'NEXT') {
      if (refusal !== null) speak(refusalPrompts(refusal));
      else speak(choiceFeedback(definition, before.contestId, before.choice, after.choice));
    }
  }

  function perform(action: NavAction, view: BoothView): void {
    switch (action.type) {
      case 'send':
        deliver(action.event);
        return;
      case 'speak-focus':
        speak(focusPrompts(boothView()));
        return;
      case 'speak-entry':
        if (nav.entry !== null) speak(entryPrompts(promptContext(view), nav.entry));
        return;
      case 'help':
        speak(helpPrompts(view, nav.entry));
        return;
      case 'repeat':
        speak(last);
        return;
      case 'volume':
        audio = stepVolume(audio, action.step);
        speak([volumePrompt(audio.volumeIndex)]);
        return;
      case 'rate':
        audio = stepRate(audio, action.step);
        speak([ratePrompt(RATE_STEPS_WPM[audio.rateIndex] ?? rateOf(DEFAULT_AUDIO))]);
        return;
      case 'toggle-privacy':
        blanked = !blanked;
        speak([blanked ? FIXED.privacyHidden : FIXED.privacyShown]);
        return;
    }
  }

  const subscription = actor.subscribe({ next: onSnapshot });
  onSnapshot();

  return {
    handleKey(event) {
      const view = boothView();
      nav = syncWithView(nav, view).state;
      const result = reduceKey(nav, view, event);
      const focusBefore = nav.focus;
      const entryBefore = nav.entry;
      nav = result.state;
      for (const action of result.actions) perform(action, view);
      if (nav.focus !== focusBefore || nav.entry !== entryBefore) changed();
    },
    view: () => ({ focus: nav.focus, entry: nav.entry?.value ?? null, blanked, speech: current }),
    onChange(listener) {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },
    onSpeak(listener) {
      speakListeners.add(listener);
      return () => speakListeners.delete(listener);
    },
    stop() {
      subscription.unsubscribe();
      changeListeners.clear();
      speakListeners.clear();
    },
  };
}
