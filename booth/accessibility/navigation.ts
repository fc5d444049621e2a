/**
 * Keypad and two-switch navigation over the kiosk's current screen, as a pure reducer. The same
 * model serves the tactile keypad (up/down/left/right/select/back/help/repeat and the audio keys)
 * and two-switch scanning (move/select): both walk one ordered list of focusable items derived
 * from the BoothView, so a full vote is possible with either device alone.
 *
 * DECISIONS
 * - Held keys never repeat (VVSG 2.0 ch. 7): a `down` for a key already down (no `up` between)
 *   is ignored here, on top of the HID driver's own report de-duplication, so a keypad that
 *   sends key-down repeatedly while held still yields one press.
 * - Focus is kept by item key (the page's data-key), not by index: choosing an organization adds
 *   the preferential entry item, and the focus stays on the organization just chosen.
 * - Preferential numbers: "select" on the entry item opens number entry at 1; up/down change the
 *   number by 1 (wrapping over the organization's candidates), right/left by 10, select marks it,
 *   back leaves without marking. With two switches, "move" steps 1, 2, … N, then "terminar"
 *   (0), so a voter with two switches can leave the entry too.
 * - Moving the focus sends nothing to the machine but is voter activity: the reducer asks the
 *   caller to send STILL_HERE (which the machine ignores on its screens but which restarts the
 *   inactivity count), so a voter listening to 36 organizations is never timed out.
 * - On the inactivity alert every key is STILL_HERE: the voter may not know where the focus is.
 */
import type { KeyEvent, KeyName } from '../../shared/devices/keypad/keypad.ts';
import type { VoterEvent } from '../machine-types.ts';
import type { BoothView } from '../ui/view-model.ts';

export type NavItem =
  | { readonly kind: 'organization'; readonly key: string; readonly organization: number }
  | { readonly kind: 'blank'; readonly key: 'blank' }
  | { readonly kind: 'null'; readonly key: 'null' }
  | { readonly kind: 'preferential-entry'; readonly key: 'pref-entry'; readonly organization: number; readonly candidateCount: number }
  | { readonly kind: 'preferential-marked'; readonly key: string; readonly candidate: number }
  | { readonly kind: 'next'; readonly key: 'next' }
  | { readonly kind: 'back'; readonly key: 'back' }
  | { readonly kind: 'review-change'; readonly key: string; readonly contestId: string }
  | { readonly kind: 'confirm'; readonly key: 'confirm' }
  | { readonly kind: 'still-here'; readonly key: 'still-here' }
  | { readonly kind: 'privacy'; readonly key: 'privacy' };

/** Number entry in progress: the candidate number offered (0 = leave without marking). */
export interface NumberEntry {
  readonly value: number;
  readonly max: number;
}

export interface NavState {
  /** Screen (and contest) the focus belongs to; a new key resets the focus. */
  readonly screenKey: string;
  /** Key of the focused item, or null on screens without items. */
  readonly focus: string | null;
  readonly entry: NumberEntry | null;
  /** Keys down and not yet released (auto-repeat filter). */
  readonly held: readonly KeyName[];
  /** Where the voter was when the inactivity alert interrupted: restored when it is dismissed. */
  readonly suspended: { readonly screenKey: string; readonly focus: string | null } | null;
}

export type NavAction =
  /** Deliver to the machine. */
  | { readonly type: 'send'; readonly event: VoterEvent }
  /** Speak the focused item (the focus moved or the voter left number entry). */
  | { readonly type: 'speak-focus' }
  /** Speak the number being entered. */
  | { readonly type: 'speak-entry' }
  | { readonly type: 'help' }
  | { readonly type: 'repeat' }
  | { readonly type: 'volume'; readonly step: 1 | -1 }
  | { readonly type: 'rate'; readonly step: 1 | -1 }
  | { readonly type: 'toggle-privacy' };

export interface NavResult {
  readonly state: NavState;
  readonly actions: readonly NavAction[];
}

export const INITIAL_NAV_STATE: NavState = Object.freeze({ screenKey: '', focus: null, entry: null, held: [], suspended: null });

export function screenKeyOf(view: BoothView): string {
  return `${view.screen}/${view.contest?.id ?? ''}`;
}

const SESSION_SCREENS: ReadonlySet<string> = new Set(['contest', 'review', 'confirm']);

/** The focusable items of a screen, in reading order. */
export function itemsOf(view: BoothView): NavItem[] {
  const items: NavItem[] = [];
  if (view.screen === 'contest' && view.contest !== null) {
    const contest = view.contest;
    for (const org of contest.organizations) items.push({ kind: 'organization', key: `org-${org.number}`, organization: org.number });
    items.push({ kind: 'blank', key: 'blank' }, { kind: 'null', key: 'null' });
    const choice = contest.choice;
    if (choice.kind === 'organization' && contest.maxPreferential > 0) {
      const org = contest.organizations.find((o) => o.number === choice.organization);
      items.push({ kind: 'preferential-entry', key: 'pref-entry', organization: choice.organization, candidateCount: org?.candidateCount ?? 0 });
      for (const marked of choice.preferential) {
        items.push({ kind: 'preferential-marked', key: `remove-${marked.number}`, candidate: marked.number });
      }
    }
    items.push({ kind: 'next', key: 'next' });
    if (contest.position > 1 || contest.returnsToReview) items.push({ kind: 'back', key: 'back' });
  } else if (view.screen === 'review' && view.review !== null) {
    for (const line of view.review) items.push({ kind: 'review-change', key: `edit-${line.contestId}`, contestId: line.contestId });
    items.push({ kind: 'next', key: 'next' }, { kind: 'back', key: 'back' });
  } else if (view.screen === 'confirm') {
    items.push({ kind: 'confirm', key: 'confirm' }, { kind: 'back', key: 'back' });
  } else if (view.screen === 'inactivity-alert') {
    items.push({ kind: 'still-here', key: 'still-here' });
  }
  if (SESSION_SCREENS.has(view.screen)) items.push({ kind: 'privacy', key: 'privacy' });
  return items;
}

export function focusedItem(state: NavState, view: BoothView): NavItem | undefined {
  return itemsOf(view).find((item) => item.key === state.focus);
}

/** Where the focus starts on a screen: the current choice on a contest, else the first item. */
function initialFocus(view: BoothView, items: readonly NavItem[]): string | null {
  const choice = view.contest?.choice;
  if (choice !== undefined) {
    const key = choice.kind === 'organization' ? `org-${choice.organization}` : choice.kind === 'none' ? null : choice.kind;
    if (key !== null && items.some((item) => item.key === key)) return key;
  }
  return items[0]?.key ?? null;
}

/**
 * Brings the state in line with the view: a new screen (or contest) resets focus and entry;
 * on the same screen a focus whose item disappeared falls back to the first item. Back from the
 * inactivity alert to the screen it interrupted, the focus is where the voter left it
 * (`resumed`: the caller speaks only the focused item, not the whole screen again).
 */
export function syncWithView(
  state: NavState,
  view: BoothView,
): { readonly state: NavState; readonly newScreen: boolean; readonly resumed: boolean } {
  const screenKey = screenKeyOf(view);
  const items = itemsOf(view);
  if (screenKey !== state.screenKey) {
    const suspended = view.screen === 'inactivity-alert' ? { screenKey: state.screenKey, focus: state.focus } : null;
    const resume = state.suspended !== null && state.suspended.screenKey === screenKey && items.some((item) => item.key === state.suspended?.focus);
    const focus = resume ? (state.suspended?.focus ?? null) : initialFocus(view, items);
    return { state: { ...state, screenKey, focus, entry: null, suspended }, newScreen: !resume, resumed: resume };
  }
  if (state.focus !== null && items.some((item) => item.key === state.focus)) return { state, newScreen: false, resumed: false };
  return { state: { ...state, focus: items[0]?.key ?? null, entry: null }, newScreen: false, resumed: false };
}

const ACTIVITY: NavAction = { type: 'send', event: { type: 'STILL_HERE' } };

function moveFocus(state: NavState, items: readonly NavItem[], delta: 1 | -1): NavState {
  if (items.length === 0) return state;
  const index = items.findIndex((item) => item.key === state.focus);
  const next = index < 0 ? 0 : (index + delta + items.length) % items.length;
  return { ...state, focus: items[next]?.key ?? null };
}

function selectItem(state: NavState, item: NavItem): NavResult {
  const send = (event: VoterEvent): NavResult => ({ state, actions: [{ type: 'send', event }] });
  switch (item.kind) {
    case 'organization':
      return send({ type: 'CHOOSE_ORGANIZATION', organization: item.organization });
    case 'blank':
      return send({ type: 'CHOOSE_BLANK' });
    case 'null':
      return send({ type: 'CHOOSE_NULL' });
    case 'preferential-entry':
      if (item.candidateCount === 0) return { state, actions: [ACTIVITY] };
      return { state: { ...state, entry: { value: 1, max: item.candidateCount } }, actions: [ACTIVITY, { type: 'speak-entry' }] };
    case 'preferential-marked':
      return send({ type: 'TOGGLE_PREFERENTIAL', candidate: item.candidate });
    case 'next':
      return send({ type: 'NEXT' });
    case 'back':
      return send({ type: 'BACK' });
    case 'review-change':
      return send({ type: 'EDIT_CONTEST', contestId: item.contestId });
    case 'confirm':
      return send({ type: 'CONFIRM' });
    case 'still-here':
      return send({ type: 'STILL_HERE' });
    case 'privacy':
      return { state, actions: [ACTIVITY, { type: 'toggle-privacy' }] };
  }
}

function entryKey(state: NavState, entry: NumberEntry, key: KeyName): NavResult | undefined {
  const withValue = (value: number): NavResult => ({
    state: { ...state, entry: { ...entry, value } },
    actions: [ACTIVITY, { type: 'speak-entry' }],
  });
  switch (key) {
    case 'up':
      return withValue(entry.value >= entry.max ? 1 : entry.value + 1);
    case 'down':
      return withValue(entry.value <= 1 ? entry.max : entry.value - 1);
    case 'right':
      return withValue(Math.min(entry.max, entry.value + 10));
    case 'left':
      return withValue(Math.max(1, entry.value - 10));
    case 'move':
      // Two switches: 1 … max, then 0 ("terminar sin marcar"), then 1 again.
      return withValue(entry.value >= entry.max ? 0 : entry.value + 1);
    case 'select':
      if (entry.value === 0) return { state: { ...state, entry: null }, actions: [ACTIVITY, { type: 'speak-focus' }] };
      return { state: { ...state, entry: null }, actions: [{ type: 'send', event: { type: 'TOGGLE_PREFERENTIAL', candidate: entry.value } }] };
    case 'back':
      return { state: { ...state, entry: null }, actions: [ACTIVITY, { type: 'speak-focus' }] };
    default:
      return undefined;
  }
}

/**
 * One key event on the current view. The caller must have synced the state with the view first
 * (syncWithView) so the focus belongs to this screen.
 */
export function reduceKey(state: NavState, view: BoothView, event: KeyEvent): NavResult {
  const { key } = event;
  if (event.type === 'up') return { state: { ...state, held: state.held.filter((held) => held !== key) }, actions: [] };
  // A repeated key-down without a key-up is a held key: one press only.
  if (state.held.includes(key)) return { state, actions: [] };
  const pressed: NavState = { ...state, held: [...state.held, key] };
  const session = SESSION_SCREENS.has(view.screen);
  const activity = session ? [ACTIVITY] : [];

  if (view.screen === 'inactivity-alert') return { state: pressed, actions: [{ type: 'send', event: { type: 'STILL_HERE' } }] };

  switch (key) {
    case 'help':
      return { state: pressed, actions: [...activity, { type: 'help' }] };
    case 'repeat':
      return { state: pressed, actions: [...activity, { type: 'repeat' }] };
    case 'volume-up':
    case 'volume-down':
      return { state: pressed, actions: [...activity, { type: 'volume', step: key === 'volume-up' ? 1 : -1 }] };
    case 'rate-up':
    case 'rate-down':
      return { state: pressed, actions: [...activity, { type: 'rate', step: key === 'rate-up' ? 1 : -1 }] };
    default:
      break;
  }

  if (pressed.entry !== null) {
    const handled = entryKey(pressed, pressed.entry, key);
    if (handled !== undefined) return handled;
  }

  const items = itemsOf(view);
  switch (key) {
    case 'up':
    case 'left':
      return { state: moveFocus(pressed, items, -1), actions: [...activity, { type: 'speak-focus' }] };
    case 'down':
    case 'right':
    case 'move':
      return { state: moveFocus(pressed, items, 1), actions: [...activity, { type: 'speak-focus' }] };
    case 'back':
      return { state: pressed, actions: session ? [{ type: 'send', event: { type: 'BACK' } }] : [] };
    case 'select': {
      const item = items.find((candidate) => candidate.key === pressed.focus);
      if (item === undefined) return { state: pressed, actions: [] };
      return selectItem(pressed, item);
    }
    default:
      return { state: pressed, actions: [] };
  }
}
