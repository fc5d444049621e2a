/**
 * Model-based test of the transmission MODULE machine (Art. 31), same method as
 * test/transmission-machine-model.test.ts: @xstate/graph explores the machine with every
 * outcome of every actor and every operator event; each shortest path, plus one path per
 * untaken transition, is replayed on a live actor whose actors are promises the test settles;
 * every state node must be entered and every transition taken.
 */
import test from 'ava';
import { getAdjacencyMap, getShortestPaths, getStateNodes } from '@xstate/graph';
import type { Step } from '@xstate/graph';
import { __unsafe_getAllOwnEventDescriptors, createActor, fromPromise } from 'xstate';
import type { ActorLogic, AnyStateNode, AnyTransitionDefinition, EventObject, InspectionEvent } from 'xstate';
import { err, ok } from '../shared/result.ts';
import { BACKUP_COPIES } from '../transmission-station/machine.ts';
import {
  CARGO_COPIES,
  createModuleMachine,
  moduleScreenOf,
  type ModuleActors,
  type ModuleEvent as TransmissionEvent,
  type ModuleInput,
  type ModuleSnapshot as TransmissionSnapshot,
} from '../transmission-station/module-machine.ts';

type ActorName = keyof ModuleActors;
const ACTOR_OUTPUTS: { [K in ActorName]: readonly ModuleActors[K][] } = {
  checkSoftware: [ok(undefined), err('code x not authorized')],
  connectLink: [ok(undefined), err('computing centre unreachable: ECONNREFUSED')],
  puestaACero: [ok(undefined), err('paper out')],
  receiveDevice: [
    { kind: 'received', mesa: '041287', reprint: false, scan: true },
    { kind: 'received', mesa: '041287', reprint: false, scan: false },
    { kind: 'received', mesa: '041287', reprint: true, scan: false },
    { kind: 'received', mesa: '041287', reprint: true, scan: true },
    { kind: 'no-results', mesa: '041288', detail: 'no resultado-mesa.vep' },
    { kind: 'refused', mesa: '041290', reason: 'other-election', detail: 'its package is of election erm2026' },
  ],
  printCargo: [ok(undefined), err('paper out')],
  scanActa: [ok(undefined), err('scanner jam')],
  queueMesa: [ok(undefined), err('disk full')],
  transmitDue: [{ unsettled: 0 }, { unsettled: 2 }],
  printConstancia: [ok(undefined), err('no receipt yet')],
  burnBackup: [ok(undefined), err('hash mismatch after writing')],
};
const ACTOR_NAMES = Object.keys(ACTOR_OUTPUTS) as ActorName[];
const HOST_EVENTS: TransmissionEvent[] = [
  { type: 'RECEIVE' },
  { type: 'RETRY' },
  { type: 'CONTINUE' },
  { type: 'SKIP_SCAN' },
  { type: 'SEND' },
  { type: 'PRINT', mesa: '041287', what: 'result', copies: 2 },
  { type: 'PRINT', mesa: '041287', what: 'image', copies: 0 },
  { type: 'FINISH' },
  { type: 'CLOSE' },
];

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
  // received as "any or none" and unsettled as "any or none" keep the explored graph finite.
  return JSON.stringify({
    value: snapshot.value,
    status: snapshot.status,
    cargo: context.cargo,
    printing: context.printing,
    received: context.received > 0,
    unsettled: context.unsettled > 0,
    backups: context.backupsDone,
  });
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}
const running = new Map<ActorName, Pending>();
const controlled = (name: ActorName) =>
  fromPromise<never, unknown>(() => new Promise<never>((resolve, reject) => running.set(name, { resolve, reject })));
const baseMachine = createModuleMachine().provide({ actors: Object.fromEntries(ACTOR_NAMES.map((name) => [name, controlled(name)])) });

async function settle(): Promise<void> {
  for (let round = 0; round < 4; round++) await new Promise<void>((resolve) => setImmediate(resolve));
}

type ModelStep = Step<TransmissionSnapshot, TransmissionEvent>;
interface Coverage {
  readonly nodes: Set<AnyStateNode>;
  readonly transitions: Set<AnyTransitionDefinition>;
}

async function replay(steps: readonly ModelStep[], coverage: Coverage, input: ModuleInput): Promise<string | undefined> {
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
  const actor = createActor(baseMachine, { inspect, input });
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
      moduleScreenOf(live);
    }
    return undefined;
  } finally {
    actor.stop();
  }
}

function allTransitions(): AnyTransitionDefinition[] {
  return getStateNodes(baseMachine.root).flatMap((node) => [...node.transitions.values()].flat());
}

/** Explores the machine from one input, replaying every path; returns the paths found. */
async function explore(input: ModuleInput, coverage: Coverage) {
  const options = {
    events: (snapshot: TransmissionSnapshot) => eventsFor(snapshot) as unknown as TransmissionEvent[],
    serializeState,
    limit: 20_000,
    input,
  };
  const check = async (steps: readonly ModelStep[]) => {
    const divergence = await replay(steps, coverage, input);
    if (divergence !== undefined) throw new Error(`live actor diverged at ${divergence}: ${steps.map((s) => s.event.type).join(' → ')}`);
  };
  const paths = getShortestPaths(baseMachine, options);
  const pathTo = new Map<string, readonly ModelStep[]>();
  for (const path of paths) {
    pathTo.set(serializeState(path.state), path.steps);
    await check(path.steps);
  }
  const logic = baseMachine as unknown as ActorLogic<TransmissionSnapshot, TransmissionEvent>;
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
  return paths;
}

test('every state and transition of the module machine is reached by model paths replayed on a live actor (fresh and restarted with a mesa received)', async (t) => {
  t.timeout(300_000);
  const coverage: Coverage = { nodes: new Set(), transitions: new Set() };
  const fresh = await explore({ received: 0 }, coverage);
  const restarted = await explore({ received: 1 }, coverage);
  const unreached = getStateNodes(baseMachine.root).filter((node) => !coverage.nodes.has(node)).map((node) => node.id);
  const untaken = allTransitions().filter((transition) => !coverage.transitions.has(transition)).map((tr) => `${tr.source.id} --${tr.eventType}`);
  t.deepEqual({ unreached, untaken }, { unreached: [], untaken: [] });
  const paths = [...fresh, ...restarted];
  // Never closed without the three backups, never backed up before a mesa was received and every unit settled.
  const closedPaths = paths.filter((p) => p.state.matches('closed'));
  t.true(closedPaths.length > 0);
  t.true(closedPaths.every((p) => p.state.context.backupsDone === BACKUP_COPIES));
  t.true(paths.some((q) => q.state.matches('burning')));
  for (const p of paths.filter((q) => q.state.matches('burning'))) {
    const finishAt = p.steps.findIndex((s) => s.event.type === 'FINISH');
    const before = p.steps[finishAt - 1]?.state.context;
    t.true(before !== undefined && before.received > 0 && before.unsettled === 0);
  }
  // A cargo is only ever printed for a received device, in two copies; a handed-back device gets none.
  for (const p of paths.filter((q) => q.state.matches('noResults'))) t.is(p.state.context.cargo, null);
  t.is(CARGO_COPIES, 2);
});
