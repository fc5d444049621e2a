/**
 * The accessible keypad as the cabin sees it: key down/up events, never auto-repeated (a held key
 * is one press; VVSG 2.0 asks for no auto-repeat so a voter with a tremor does not skip choices).
 */
import type { Result } from '../../result.ts';

export const NAVIGATION_KEYS = [
  'up', 'down', 'left', 'right', 'select', 'back', 'help', 'repeat',
  'volume-up', 'volume-down', 'rate-up', 'rate-down',
] as const;

/** Two-switch input (limited dexterity): one switch moves the focus, the other selects. */
export const TWO_SWITCH_KEYS = ['move', 'select'] as const;

export type KeyName = (typeof NAVIGATION_KEYS)[number] | (typeof TWO_SWITCH_KEYS)[number];

export type KeypadProfile = 'navigation' | 'two-switch';

export interface KeyEvent {
  /** `down` is the press: it happens once per physical press, however long the key is held. */
  readonly type: 'down' | 'up';
  readonly key: KeyName;
}

export type KeypadStatus =
  | { type: 'connected' }
  | { type: 'disconnected'; detail: string }
  /** A report that could not be decoded; it was ignored. */
  | { type: 'bad-report'; detail: string };

export type KeypadError = { kind: 'not-connected'; detail: string };

export interface Keypad {
  readonly profile: KeypadProfile;
  /** Opens the device (again, after a disconnection). */
  connect(): Promise<Result<void, KeypadError>>;
  onKey(listener: (event: KeyEvent) => void): () => void;
  onStatus(listener: (status: KeypadStatus) => void): () => void;
  close(): Promise<void>;
}
