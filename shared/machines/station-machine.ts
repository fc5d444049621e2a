/**
 * Helpers every station machine (cabin, identity, results) shares: the same conventions for
 * actor results, missing actors and screens, written once.
 */
import { fromPromise } from 'xstate';
import type { Result } from '../result.ts';

/** The error of a result a guard already proved failed; a success here is a machine bug. */
export function failureOf<E>(result: Result<unknown, E>, machine: string): E {
  if (result.ok) throw new Error(`${machine} machine bug: expected a failed result`);
  return result.error;
}

/** The value of a result a guard already proved successful; a failure here is a machine bug. */
export function valueOf<T>(result: Result<T, unknown>, machine: string): T {
  if (!result.ok) throw new Error(`${machine} machine bug: expected a successful result`);
  return result.value;
}

/** Placeholder until the host provides the real actor: running it is a configuration bug. */
export function notProvidedActor<Output, Input>(machine: string, name: string) {
  return fromPromise<Output, Input>(() => Promise.reject(new Error(`${machine} actor ${name} was not provided`)));
}

/**
 * The screen the UI renders for a snapshot: exactly one active state node names a screen in
 * its meta; none or several is a machine bug.
 */
export function screenFromMeta<S extends string>(snapshot: { getMeta(): Record<string, unknown> }, machine: string): S {
  const screens = Object.values(snapshot.getMeta())
    .map((entry) => (entry as { screen?: S } | undefined)?.screen)
    .filter((screen): screen is S => screen !== undefined);
  const [screen, ...others] = screens;
  if (screen === undefined || others.length > 0) {
    throw new Error(`${machine} machine bug: expected one screen, found ${JSON.stringify(screens)}`);
  }
  return screen;
}
