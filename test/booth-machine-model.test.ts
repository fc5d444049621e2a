/**
 * Model-based test of the cabin state machine with @xstate/graph 3.
 *
 * 1. The machine itself is the model: `getShortestPaths` explores it with pure transitions, fed
 *    with representative events for every event type each state handles, including actor
 *    results (`xstate.done.actor.*` with every outcome the machine distinguishes, and
 *    `xstate.error.actor.*`) and timeouts (`xstate.after.*`). It runs from every kind of start
 *    (first start, each recovery, a closed cabin).
 * 2. Every path is replayed against a live actor: actors are promises the test settles with
 *    the path's outputs, timeouts are SimulatedClock advances, and each step must land in the
 *    state the model predicted and name exactly one screen for the UI.
 * 3. The replays are inspected: EVERY state node of the machine definition must have been
 *    entered and EVERY transition of the definition (each event edge, each guarded branch,
 *    each `always`, `after` and invoke result) must have been taken at least once.
 *
 * `createTestModel` is not used because it refuses machines with invocations and delayed
 * transitions, which this machine is made of; the path generator it wraps is used directly.
 */
import test from 'ava';
import { getAdjacencyMap, getShortestPaths, getStateNodes } from '@xstate/graph';
import type { Step } from '@xstate/graph';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import type { ActorLogic, AnyStateNode, AnyTransitionDefinition, EventObject, InspectionEvent } from 'xstate';
import { __unsafe_getAllOwnEventDescriptors } from 'xstate';
import { err, ok } from '../shared/result.ts';
import { createBoothMachine, screenOf } from '../booth/machine.ts';
import type { BoothSnapshot } from '../booth/machine.ts';
import type { BoothActorName, BoothEvent, BoothInput } from '../booth/machine-types.ts';
import { BOOTH_DELAY_FIELDS, DEFAULT_BOOTH_TIMEOUTS } from '../booth/timeouts.ts';
import type { BoothDelayName } from '../booth/timeouts.ts';
import { BOOTH_ACTOR_NAMES, loadEg2026, PRESIDENT, validatorFor } from './helpers/booth-harness.ts';

const definition = loadEg2026();
// Two contests keep the state space small while covering both kinds: a single-choice contest
// without preferential votes and an organization list with up to 2.
const contests = definition.contests.slice(0, 2).map((contest) => ({ id: contest.id }));
const START = Date.parse('2026-04-12T12:30:00Z');
const CLOSE = START + 24 * 60 * 60_000; // never reached by the replays: early closes need the order

/** Outcomes per actor: every branch the machine distinguishes on an actor's result. */
const ACTOR_OUTPUTS: { [K in BoothActorName]: readonly unknown[] } = {
  selfCheck: [ok(undefined), err({ kind: 'software-unauthorized' })],
  verifyPresidentCredential: [ok(undefined), err('not-president')],
  runPuestaACero: [
    ok({ zeroReportHash: 'ab'.repeat(32) }),
    err({ kind: 'printer-fault', fault: { kind: 'paper-out' } }),
    err({ kind: 'store-not-empty' }),
  ],
  verifyToken: [ok({ handle: 'model-token' }), err({ kind: 'forged', screenText: 'rechazado' })],
  commitVote: [ok(undefined), err({ kind: 'storage-fault' }), err({ kind: 'token-already-used' })],
  markDeviceConsumed: [ok(undefined), err({ kind: 'device-missing' })],
  abandonConsumptionMark: [ok(undefined), err({ kind: 'storage-fault' })],
  releaseClaim: [ok(undefined), err({ kind: 'device-missing' })],
  printConstancia: [ok(undefined), err({ kind: 'paper-out' })],
  printResultsReport: [ok(undefined), err({ kind: 'cover-open' })],
  writeResultsToConsolidation: [ok(undefined), err({ kind: 'device-full' })],
};

/** Host and voter events with payloads: valid and refused variants where the machine branches. */
const HOST_EVENTS: readonly BoothEvent[] = [
  { type: 'CHOOSE_ORGANIZATION', organization: 1 },
  { type: 'CHOOSE_ORGANIZATION', organization: 999 },
  { type: 'CHOOSE_BLANK' },
  { type: 'CHOOSE_NULL' },
  { type: 'TOGGLE_PREFERENTIAL', candidate: 1 },
  { type: 'SET_PREFERENTIAL', candidates: [2, 1] },
  { type: 'NEXT' },
  { type: 'BACK' },
  { type: 'EDIT_CONTEST', contestId: contests[1]?.id ?? '' },
  { type: 'EDIT_CONTEST', contestId: 'no-such-contest' },
  { type: 'CONFIRM' },
  { type: 'STILL_HERE' },
  { type: 'SET_DISPLAY', settings: { textSize: 'large' } },
  { type: 'DEVICE_INSERTED' },
  { type: 'DEVICE_REMOVED' },
  { type: 'CREDENTIAL_PRESENTED', credential: PRESIDENT },
  { type: 'PRINTER_READY' },
  { type: 'CLOSE_REQUESTED', credential: null, presidentOrder: true },
  { type: 'CLOSE_REQUESTED', credential: PRESIDENT, presidentOrder: false },
  { type: 'CLOSE_REQUESTED', credential: PRESIDENT, presidentOrder: true },
  { type: 'RETRY_RESULTS_WRITE' },
  { type: 'PRESIDENT_RELEASE', credential: PRESIDENT },
];

const ACTOR_DONE = 'xstate.done.actor.';
const ACTOR_ERROR = 'xstate.error.actor.';
const AFTER = 'xstate.after.';

function isActorName(name: string): name is BoothActorName {
  return (BOOTH_ACTOR_NAMES as readonly string[]).includes(name);
}

function isDelayName(name: string): name is BoothDelayName {
  return Object.hasOwn(BOOTH_DELAY_FIELDS, name);
}

/** A host event, or an event xstate itself produces (actor result, timeout). */
interface ModelEvent extends EventObject {
  readonly output?: unknown;
  readonly error?: unknown;
  readonly actorId?: string;
}

/** Representative events for every event type the snapshot's states handle. */
function eventsFor(snapshot: BoothSnapshot): ModelEvent[] {
  const types = __unsafe_getAllOwnEventDescriptors(snapshot) as string[];
  return types.flatMap((type): ModelEvent[] => {
    if (type.startsWith(ACTOR_DONE)) {
      const actorId = type.slice(ACTOR_DONE.length);
      if (!isActorName(actorId)) throw new Error(`unknown invoked actor ${actorId}`);
      return ACTOR_OUTPUTS[actorId].map((output) => ({ type, output, actorId }));
    }
    if (type.startsWith(ACTOR_ERROR)) {
      return [{ type, error: new Error('actor bug'), actorId: type.slice(ACTOR_ERROR.length) }];
    }
    if (type.startsWith(AFTER)) return [{ type }];
    const variants = HOST_EVENTS.filter((event) => event.type === type);
    if (variants.length === 0) throw new Error(`no representative event for ${type}`);
    return variants;
  });
}

/**
 * Abstract state: the state value plus the context that steers guards. Draft contents beyond
 * "which contests are answered" and display settings do not change any transition.
 */
function serializeState(snapshot: BoothSnapshot): string {
  const { context } = snapshot;
  return JSON.stringify({
    value: snapshot.value,
    status: snapshot.status,
    contestIndex: context.contestIndex,
    answered: Object.keys(context.draft).sort(),
    returnToReview: context.returnToReview,
    deviceAbsent: context.deviceAbsent,
    pendingConstancia: context.pendingConstancia,
    pendingConsumptionMark: context.pendingConsumptionMark,
  });
}

const STARTS: { name: string; input: BoothInput }[] = [
  { name: 'first start', input: { contests, votingCloseAt: CLOSE } },
  {
    name: 'recovery, both pending',
    input: { contests, votingCloseAt: CLOSE, recovery: { phase: 'open', pendingConstancia: true, pendingConsumptionMark: true } },
  },
  {
    name: 'recovery, constancia pending',
    input: { contests, votingCloseAt: CLOSE, recovery: { phase: 'open', pendingConstancia: true, pendingConsumptionMark: false } },
  },
  {
    name: 'recovery, open',
    input: { contests, votingCloseAt: CLOSE, recovery: { phase: 'open', pendingConstancia: false, pendingConsumptionMark: false } },
  },
  {
    name: 'recovery, closing',
    input: { contests, votingCloseAt: CLOSE, recovery: { phase: 'closing', pendingConstancia: false, pendingConsumptionMark: false } },
  },
  { name: 'closed', input: { contests, votingCloseAt: CLOSE, initialPhase: 'closed' } },
];

// --- The system under test: the same machine with actors the replay settles by hand ----------

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}
const running = new Map<BoothActorName, Pending>();
let clock = new SimulatedClock();

function controlled(name: BoothActorName) {
  return fromPromise<never, unknown>(
    () =>
      new Promise<never>((resolve, reject) => {
        running.set(name, { resolve, reject });
      }),
  );
}

const machine = createBoothMachine({ validateChoice: validatorFor(definition), now: () => clock.now() }).provide({
  actors: Object.fromEntries(BOOTH_ACTOR_NAMES.map((name) => [name, controlled(name)])),
});

async function settle(): Promise<void> {
  for (let round = 0; round < 4; round++) await new Promise<void>((resolve) => setImmediate(resolve));
}

interface Coverage {
  readonly nodes: Set<AnyStateNode>;
  readonly transitions: Set<AnyTransitionDefinition>;
}

function delayOf(type: string): number {
  const name = type.slice(AFTER.length).split('.')[0] ?? '';
  if (!isDelayName(name)) throw new Error(`unknown delay in ${type}`);
  return DEFAULT_BOOTH_TIMEOUTS[BOOTH_DELAY_FIELDS[name]];
}

async function execute(event: ModelEvent, send: (event: BoothEvent) => void): Promise<void> {
  if (event.type.startsWith(ACTOR_DONE) || event.type.startsWith(ACTOR_ERROR)) {
    const done = event.type.startsWith(ACTOR_DONE);
    const name = event.type.slice((done ? ACTOR_DONE : ACTOR_ERROR).length);
    const pending = isActorName(name) ? running.get(name) : undefined;
    if (pending === undefined) throw new Error(`${name} is not running`);
    running.delete(name as BoothActorName);
    if (done) pending.resolve(event.output);
    else pending.reject(event.error);
  } else if (event.type.startsWith(AFTER)) {
    clock.increment(delayOf(event.type));
  } else {
    send(event as BoothEvent);
  }
  await settle();
}

type ModelStep = Step<BoothSnapshot, BoothEvent>;

/**
 * Replays steps (the first is the initial state) on a live actor; returns the first divergence
 * from the model, if any.
 */
async function replay(steps: readonly ModelStep[], input: BoothInput, coverage: Coverage) {
  running.clear();
  clock = new SimulatedClock();
  clock.set(START);
  const inspect = (event: InspectionEvent) => {
    if (event.type !== '@xstate.microstep') return;
    for (const transition of event._transitions) {
      coverage.transitions.add(transition);
      coverage.nodes.add(transition.source);
      for (const target of transition.target ?? []) coverage.nodes.add(target);
    }
    for (const node of (event.snapshot as BoothSnapshot)._nodes) coverage.nodes.add(node);
  };
  const actor = createActor(machine, { input, clock, inspect });
  actor.start();
  await settle();
  try {
    for (const [index, step] of steps.entries()) {
      if (index > 0) await execute(step.event, (event) => actor.send(event));
      const live = actor.getSnapshot();
      const expected = JSON.stringify(step.state.value);
      if (JSON.stringify(live.value) !== expected || live.status !== step.state.status) {
        return `step ${index} (${step.event.type}): model ${expected} ${step.state.status}, live ${JSON.stringify(live.value)} ${live.status}`;
      }
      // The UI is a function of the snapshot: every stable state names exactly one screen.
      screenOf(live);
    }
    return undefined;
  } finally {
    actor.stop();
  }
}

function allTransitions(): AnyTransitionDefinition[] {
  return getStateNodes(machine.root).flatMap((node) => [...[...node.transitions.values()].flat(), ...(node.always ?? [])]);
}

function describeTransition(transition: AnyTransitionDefinition): string {
  const source = transition.source.id;
  const eventType = transition.eventType as string;
  const event = eventType === '' ? 'always' : eventType;
  const branches = eventType === '' ? (transition.source.always ?? []) : (transition.source.transitions.get(eventType) ?? []);
  const targets = (transition.target ?? []).map((target) => target.id).join(',') || '(self)';
  return `${source} --${event}[${branches.indexOf(transition)}]--> ${targets}`;
}

/** Transitions an event of this type could take from the snapshot's active state nodes. */
function candidates(snapshot: BoothSnapshot, type: string): AnyTransitionDefinition[] {
  return snapshot._nodes.flatMap((node) => node.transitions.get(type) ?? []);
}

test('every state and every transition of the booth machine is reached by model paths replayed on a live actor', async (t) => {
  const coverage: Coverage = { nodes: new Set(), transitions: new Set() };
  let replays = 0;
  const check = async (name: string, steps: readonly ModelStep[], input: BoothInput) => {
    replays += 1;
    const divergence = await replay(steps, input, coverage);
    if (divergence !== undefined) {
      throw new Error(`${name}: live actor diverged from the model at ${divergence}; events: ${steps.map((step) => step.event.type).join(' → ')}`);
    }
  };

  for (const start of STARTS) {
    const options = {
      input: start.input,
      // Actor results and timeouts are not BoothEvents, but the machine's transition takes them.
      events: (snapshot: BoothSnapshot) => eventsFor(snapshot) as unknown as BoothEvent[],
      serializeState: (snapshot: BoothSnapshot) => serializeState(snapshot),
      limit: 50_000,
    };
    // 1. A shortest path to every abstract state.
    const paths = getShortestPaths(machine, options);
    t.true(paths.length > 0, start.name);
    const pathTo = new Map<string, readonly ModelStep[]>();
    for (const path of paths) {
      pathTo.set(serializeState(path.state), path.steps);
      await check(start.name, path.steps, start.input);
    }
    // 2. Every edge of the model (state x event) whose transitions are not all taken yet: the
    //    shortest path to its source, then the event.
    // StateMachine's wide generics do not infer against getAdjacencyMap's ActorLogic parameter.
    const logic = machine as unknown as ActorLogic<BoothSnapshot, BoothEvent, BoothInput>;
    // Its keys are branded strings, which Object.entries cannot type: restate the shape.
    type Edge = { event: BoothEvent; state: BoothSnapshot };
    const adjacency = getAdjacencyMap(logic, options) as unknown as Record<
      string,
      { state: BoothSnapshot; transitions: Record<string, Edge> }
    >;
    for (const [source, { state, transitions }] of Object.entries(adjacency)) {
      const prefix = pathTo.get(source);
      if (prefix === undefined) throw new Error(`${start.name}: no path to ${source}`);
      for (const { event, state: next } of Object.values(transitions)) {
        if (candidates(state, event.type).every((transition) => coverage.transitions.has(transition))) continue;
        await check(start.name, [...prefix, { event, state: next }], start.input);
      }
    }
  }

  const nodes = getStateNodes(machine.root);
  const unreached = nodes.filter((node) => !coverage.nodes.has(node)).map((node) => node.id);
  const untaken = allTransitions().filter((transition) => !coverage.transitions.has(transition)).map(describeTransition);
  t.deepEqual({ unreached, untaken }, { unreached: [], untaken: [] }, 'every state node entered, every transition taken');
  t.log(`${replays} replays, ${nodes.length} state nodes, ${allTransitions().length} transitions`);
});
