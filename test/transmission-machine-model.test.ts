/**
 * Model-based test of the transmission station machine (same method as
 * test/results-machine-model.test.ts): @xstate/graph explores the machine with every outcome
 * of every actor and every operator event; each shortest path, plus one path per untaken
 * transition, is replayed on a live actor whose actors are promises the test settles; every
 * state node must be entered and every transition taken.
 */
import test from 'ava';
import { getAdjacencyMap, getShortestPaths, getStateNodes } from '@xstate/graph';
import type { Step } from '@xstate/graph';
import { __unsafe_getAllOwnEventDescriptors, createActor, fromPromise } from 'xstate';
import type { ActorLogic, AnyStateNode, AnyTransitionDefinition, EventObject, InspectionEvent } from 'xstate';
import { err, ok } from '../shared/result.ts';
import {
  BACKUP_COPIES,
  createTransmissionMachine,
  transmissionScreenOf,
  type BackupInput,
  type PrintInput,
  type TransmissionActors,
  type TransmissionEvent,
  type TransmissionSnapshot,
} from '../transmission-station/machine.ts';

type ActorName = keyof TransmissionActors;
const OUTCOMES = [
  { status: 'acknowledged' },
  { status: 'refused', reason: 'conflict', detail: 'mesa 041287 already has a different result' },
  { status: 'pending', detail: 'computing centre unreachable: ECONNREFUSED' },
] as const;
const ACTOR_OUTPUTS: { [K in ActorName]: readonly TransmissionActors[K][] } = {
  validateDevice: [ok({ mesa: '041287' }), err({ kind: 'invalid-device', detail: 'bad signature' }), err({ kind: 'software-unauthorized', detail: 'code x' })],
  connectLink: [ok(undefined), err('no carrier')],
  puestaACero: [ok(undefined), err('paper out')],
  transmitResult: OUTCOMES,
  scanActa: [ok(undefined), err('scanner jam')],
  transmitImage: OUTCOMES,
  printConstancia: [ok(undefined), err('paper out')],
  burnBackup: [ok(undefined), err('hash mismatch after writing')],
};
const ACTOR_NAMES = Object.keys(ACTOR_OUTPUTS) as ActorName[];
const HOST_EVENTS: TransmissionEvent[] = [{ type: 'RETRY' }, { type: 'CONTINUE' }, { type: 'PRINT', copies: 2 }, { type: 'PRINT', copies: 0 }, { type: 'CLOSE' }];

const ACTOR_DONE = 'xstate.done.actor.';
const ACTOR_ERROR = 'xstate.error.actor.';

interface ModelEvent extends EventObject {
  readonly output?: unknown;
  readonly error?: unknown;
}

function eventsFor(snapshot: TransmissionSnapshot): ModelEvent[] {
  const types = __unsafe_getAllOwnEventDescriptors(snapshot) as string[];
  return types.flatMap((type): ModelEvent[] => {
    if (type.startsWith(ACTOR_DONE)) {
      const name = type.slice(ACTOR_DONE.length) as ActorName;
      const outputs = ACTOR_OUTPUTS[name] as readonly unknown[] | undefined;
      if (outputs === undefined) throw new Error(`unknown actor ${name}`);
      return outputs.map((output) => ({ type, output }));
    }
    if (type.startsWith(ACTOR_ERROR)) return [{ type, error: new Error('actor bug') }];
    const variants = HOST_EVENTS.filter((event) => event.type === type);
    if (variants.length === 0) throw new Error(`no representative event for ${type}`);
    return variants;
  });
}

function serializeState(snapshot: TransmissionSnapshot): string {
  const { context } = snapshot;
  return JSON.stringify({ value: snapshot.value, status: snapshot.status, printing: context.printing, backups: context.backupsDone });
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}
const running = new Map<ActorName, Pending>();
const controlled = (name: ActorName) =>
  fromPromise<never, unknown>(() => new Promise<never>((resolve, reject) => running.set(name, { resolve, reject })));
const machine = createTransmissionMachine().provide({ actors: Object.fromEntries(ACTOR_NAMES.map((name) => [name, controlled(name)])) });

async function settle(): Promise<void> {
  for (let round = 0; round < 4; round++) await new Promise<void>((resolve) => setImmediate(resolve));
}

type ModelStep = Step<TransmissionSnapshot, TransmissionEvent>;
interface Coverage {
  readonly nodes: Set<AnyStateNode>;
  readonly transitions: Set<AnyTransitionDefinition>;
}

async function replay(steps: readonly ModelStep[], coverage: Coverage): Promise<string | undefined> {
  running.clear();
  const inspect = (event: InspectionEvent) => {
    if (event.type !== '@xstate.microstep') return;
    for (const transition of event._transitions) {
      coverage.transitions.add(transition);
      coverage.nodes.add(transition.source);
      for (const target of transition.target ?? []) coverage.nodes.add(target);
    }
    for (const node of (event.snapshot as TransmissionSnapshot)._nodes) coverage.nodes.add(node);
  };
  const actor = createActor(machine, { inspect });
  actor.start();
  await settle();
  try {
    for (const [index, step] of steps.entries()) {
      if (index > 0) {
        const event = step.event as ModelEvent;
        if (event.type.startsWith(ACTOR_DONE) || event.type.startsWith(ACTOR_ERROR)) {
          const done = event.type.startsWith(ACTOR_DONE);
          const name = event.type.slice((done ? ACTOR_DONE : ACTOR_ERROR).length) as ActorName;
          const pending = running.get(name);
          if (pending === undefined) return `step ${index}: ${name} is not running`;
          running.delete(name);
          if (done) pending.resolve(event.output);
          else pending.reject(event.error);
        } else {
          actor.send(step.event);
        }
        await settle();
      }
      const live = actor.getSnapshot();
      if (serializeState(live) !== serializeState(step.state)) {
        return `step ${index} (${step.event.type}): model ${serializeState(step.state)}, live ${serializeState(live)}`;
      }
      transmissionScreenOf(live);
    }
    return undefined;
  } finally {
    actor.stop();
  }
}

function allTransitions(): AnyTransitionDefinition[] {
  return getStateNodes(machine.root).flatMap((node) => [...node.transitions.values()].flat());
}

test('every state and transition of the transmission machine is reached by model paths replayed on a live actor', async (t) => {
  const coverage: Coverage = { nodes: new Set(), transitions: new Set() };
  const options = {
    events: (snapshot: TransmissionSnapshot) => eventsFor(snapshot) as unknown as TransmissionEvent[],
    serializeState,
    limit: 20_000,
  };
  const check = async (steps: readonly ModelStep[]) => {
    const divergence = await replay(steps, coverage);
    if (divergence !== undefined) throw new Error(`live actor diverged at ${divergence}: ${steps.map((s) => s.event.type).join(' → ')}`);
  };
  const paths = getShortestPaths(machine, options);
  const pathTo = new Map<string, readonly ModelStep[]>();
  for (const path of paths) {
    pathTo.set(serializeState(path.state), path.steps);
    await check(path.steps);
  }
  const logic = machine as unknown as ActorLogic<TransmissionSnapshot, TransmissionEvent>;
  const adjacency = getAdjacencyMap(logic, options) as unknown as Record<
    string,
    { state: TransmissionSnapshot; transitions: Record<string, { event: TransmissionEvent; state: TransmissionSnapshot }> }
  >;
  for (const [source, { state, transitions }] of Object.entries(adjacency)) {
    const prefix = pathTo.get(source);
    if (prefix === undefined) throw new Error(`no path to ${source}`);
    for (const { event, state: next } of Object.values(transitions)) {
      const candidates = state._nodes.flatMap((node) => node.transitions.get(event.type) ?? []);
      if (candidates.every((transition) => coverage.transitions.has(transition))) continue;
      await check([...prefix, { event, state: next }]);
    }
  }
  const unreached = getStateNodes(machine.root).filter((node) => !coverage.nodes.has(node)).map((node) => node.id);
  const untaken = allTransitions().filter((transition) => !coverage.transitions.has(transition)).map((tr) => `${tr.source.id} --${tr.eventType}`);
  t.deepEqual({ unreached, untaken }, { unreached: [], untaken: [] });
  // The model never reaches "closed" without the three backups.
  const closedPaths = paths.filter((p) => p.state.matches('closed'));
  t.true(closedPaths.length > 0);
  t.true(closedPaths.every((p) => p.state.context.backupsDone === BACKUP_COPIES));
});

test('happy path: acknowledged result with 2 constancias, image with 1, three backups, closed', async (t) => {
  const printed: string[] = [];
  const burned: number[] = [];
  const live = createTransmissionMachine().provide({
    actors: {
      validateDevice: fromPromise<TransmissionActors['validateDevice'], void>(() => Promise.resolve(ok({ mesa: '041287' }))),
      connectLink: fromPromise<TransmissionActors['connectLink'], void>(() => Promise.resolve(ok(undefined))),
      puestaACero: fromPromise<TransmissionActors['puestaACero'], void>(() => Promise.resolve(ok(undefined))),
      transmitResult: fromPromise<TransmissionActors['transmitResult'], void>(() => Promise.resolve({ status: 'acknowledged' })),
      scanActa: fromPromise<TransmissionActors['scanActa'], void>(() => Promise.resolve(ok(undefined))),
      transmitImage: fromPromise<TransmissionActors['transmitImage'], void>(() => Promise.resolve({ status: 'acknowledged' })),
      printConstancia: fromPromise<TransmissionActors['printConstancia'], PrintInput>(({ input }) => {
        printed.push(`${input.what} ${input.copy}/${input.of}`);
        return Promise.resolve(ok(undefined));
      }),
      burnBackup: fromPromise<TransmissionActors['burnBackup'], BackupInput>(({ input }) => {
        burned.push(input.index);
        return Promise.resolve(ok(undefined));
      }),
    },
  });
  const actor = createActor(live);
  actor.start();
  await settle();
  t.is(transmissionScreenOf(actor.getSnapshot()), 'acknowledged');
  actor.send({ type: 'PRINT', copies: 2 });
  await settle();
  actor.send({ type: 'CONTINUE' });
  await settle();
  t.is(transmissionScreenOf(actor.getSnapshot()), 'acknowledged');
  actor.send({ type: 'PRINT', copies: 1 });
  await settle();
  actor.send({ type: 'CONTINUE' });
  await settle();
  t.is(transmissionScreenOf(actor.getSnapshot()), 'ready-to-close');
  actor.send({ type: 'CLOSE' });
  t.is(actor.getSnapshot().status, 'done');
  t.deepEqual(printed, ['result 1/2', 'result 2/2', 'image 1/1']);
  t.deepEqual(burned, [1, 2, 3]);
  t.deepEqual(actor.getSnapshot().context.printed, { result: 2, image: 1 });
});
