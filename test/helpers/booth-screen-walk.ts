/**
 * Pieces for walking the cabin through all its screens in kiosk tests (the same approach as
 * test/booth-ui-every-screen.test.ts): the set of screens the machine declares, and fake actors
 * that stay "still working" until the test answers them, so a transient screen (verifying,
 * recording, printing, marking, writing) stays on the page while the test looks at it.
 */
import type { AnyStateNode } from 'xstate';
import { createBoothMachine } from '../../booth/machine.ts';
import type { BoothActorContracts, BoothActorName, BoothScreen } from '../../booth/machine-types.ts';
import { deferred, loadEg2026, validatorFor, type Handlers } from './booth-harness.ts';

/** Every `meta.screen` of the cabin machine. */
export function everyScreen(): Set<BoothScreen> {
  const definition = loadEg2026();
  const machine = createBoothMachine({ validateChoice: validatorFor(definition), now: () => 0 });
  const screens = new Set<BoothScreen>();
  const visit = (node: AnyStateNode): void => {
    const meta = node.meta as { screen?: BoothScreen } | undefined;
    if (meta?.screen !== undefined) screens.add(meta.screen);
    for (const child of Object.values(node.states)) visit(child);
  };
  visit(machine.root);
  return screens;
}

type Output<K extends BoothActorName> = BoothActorContracts[K]['output'];

export interface GatedActors {
  readonly handlers: Partial<Handlers>;
  /** Settles the oldest pending call of `name` with `output`; throws if none is pending. */
  readonly answer: <K extends BoothActorName>(name: K, output: Output<K>) => void;
}

/** Fake actors for `names` that wait for the test (the others keep booth-harness's working ones). */
export function gatedHandlers(names: readonly BoothActorName[]): GatedActors {
  const pending = new Map<BoothActorName, Array<(output: never) => void>>();
  const gate =
    <K extends BoothActorName>(name: K) =>
    (): Promise<Output<K>> => {
      const call = deferred<Output<K>>();
      const queue = pending.get(name) ?? [];
      queue.push(call.resolve);
      pending.set(name, queue);
      return call.promise;
    };
  const handlers: Partial<Record<BoothActorName, unknown>> = {};
  for (const name of names) handlers[name] = gate(name);
  return {
    handlers: handlers as Partial<Handlers>,
    answer: (name, output) => {
      const resolve = pending.get(name)?.shift();
      if (resolve === undefined) throw new Error(`no pending ${name} call to answer`);
      (resolve as (value: typeof output) => void)(output);
    },
  };
}
