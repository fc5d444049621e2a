/**
 * Model-based test of the results station machine with @xstate/graph 3 (same method as
 * test/booth-machine-model.test.ts):
 *
 * 1. The machine is the model: `getShortestPaths` explores it with pure transitions, fed with
 *    representative events for every event type each state handles, including actor results
 *    (every outcome the machine distinguishes, and rejections) and timeouts (`xstate.after.*`),
 *    from every kind of start (electronic, manual count, each recovery phase, closed).
 * 2. Every path is replayed on a live actor: actors are promises the test settles with the
 *    path's outputs, timeouts are SimulatedClock advances; each step must land in the state the
 *    model predicted and name exactly one screen.
 * 3. Every state node must have been entered and every transition taken at least once.
 */
import test from 'ava';
import { getAdjacencyMap, getShortestPaths, getStateNodes } from '@xstate/graph';
import type { Step } from '@xstate/graph';
import { __unsafe_getAllOwnEventDescriptors, createActor, fromPromise, SimulatedClock } from 'xstate';
import type { ActorLogic, AnyStateNode, AnyTransitionDefinition, EventObject, InspectionEvent } from 'xstate';
import { err, ok } from '../shared/result.ts';
import { createResultsMachine, screenOf } from '../results-station/machine.ts';
import type { ResultsSnapshot } from '../results-station/machine.ts';
import type { CabinReading, MesaResult, ResultsActorName, ResultsEvent, ResultsInput } from '../results-station/machine-types.ts';
import { DEFAULT_RESULTS_TIMEOUTS, RESULTS_DELAY_FIELDS } from '../results-station/timeouts.ts';
import type { ResultsDelayName } from '../results-station/timeouts.ts';
import { ACTA_COPIES, CABIN_IDS, IDENTITY, manualSheet, PORTS, PRESIDENT, READINGS, RESULTS_ACTOR_NAMES } from './helpers/results-harness.ts';

function reading(cabinId: string): CabinReading {
  const found = READINGS[cabinId];
  if (found === undefined) throw new Error(`no fixture reading for ${cabinId}`);
  return found;
}
const CABIN_1 = reading('cabin-1');
const CABIN_2 = reading('cabin-2');
/** Verified by a (buggy) actor but of another mesa: the tally cannot be merged at all. */
const OTHER_MESA: CabinReading = { ...CABIN_2, fileHash: 'c'.repeat(64), tally: { ...CABIN_2.tally, mesa: '999999' } };
const RESULT: MesaResult = { mode: 'electronic', tally: CABIN_1.tally, observations: [] };

/** Outcomes per actor: every branch the machine distinguishes on an actor's result. */
const ACTOR_OUTPUTS: { [K in ResultsActorName]: readonly unknown[] } = {
  selfCheck: [ok(undefined), err({ kind: 'software-unauthorized' })],
  verifyPresidentCredential: [ok(undefined), err('not-president')],
  runPuestaACero: [ok(undefined), err({ kind: 'printer-fault', fault: { kind: 'paper-out' } }), err({ kind: 'store-not-empty' })],
  readCabinResults: [ok(CABIN_1), ok(CABIN_2), ok(OTHER_MESA), err({ codes: ['envelope'], reasons: ['Firma inválida.'] })],
  readIdentitySummary: [
    ok(IDENTITY),
    ok({ ...IDENTITY, activationsConsumed: 6, activationsIssued: 7 }),
    err({ codes: ['envelope'], reasons: ['Firma inválida.'] }),
  ],
  printActaCopy: [ok(undefined), err({ kind: 'paper-out' })],
  verifyMemberSignature: [
    ok({ signerId: 'member-1', role: 'president', signature: 's1' }),
    ok({ signerId: 'member-2', role: 'member', signature: 's2' }),
    ok({ signerId: 'member-3', role: 'member', signature: 's3' }),
    ok({ signerId: 'personero-1', role: 'personero', signature: 's7' }),
    err('unknown'),
  ],
  writeConsolidated: [ok(undefined), err({ kind: 'device-full' })],
};

const firstContest = PORTS.tallyToSheet(CABIN_1.tally);
/** Only the first contest filled: contests disagree on votos emitidos, manualTally refuses it. */
const INCONSISTENT_SHEET = { [Object.keys(firstContest)[0] ?? '']: 4 };

const HOST_EVENTS: readonly ResultsEvent[] = [
  { type: 'CREDENTIAL_PRESENTED', credential: PRESIDENT },
  { type: 'DEVICE_INSERTED' },
  { type: 'PRINTER_READY' },
  { type: 'REREAD_DEVICES' },
  { type: 'RECORD_DISCREPANCY', credential: PRESIDENT },
  { type: 'START_COTEJO' },
  { type: 'CANCEL_COTEJO' },
  { type: 'COTEJO_ENTERED', counts: firstContest },
  { type: 'RECORD_COTEJO' },
  { type: 'PRINT_ACTAS' },
  { type: 'MANUAL_ENTRY', member: 'member-2', counts: manualSheet(4) },
  { type: 'MANUAL_ENTRY', member: 'member-3', counts: manualSheet(4) },
  { type: 'MANUAL_ENTRY', member: 'member-3', counts: manualSheet(5) },
  { type: 'MANUAL_ENTRY', member: 'member-1', counts: manualSheet(4) },
  { type: 'MANUAL_ENTRY', member: 'member-2', counts: INCONSISTENT_SHEET },
  { type: 'MANUAL_ENTRY', member: 'member-3', counts: INCONSISTENT_SHEET },
  { type: 'FINISH_SIGNING' },
  { type: 'RETRY_WRITE' },
];

const ACTOR_DONE = 'xstate.done.actor.';
const ACTOR_ERROR = 'xstate.error.actor.';
const AFTER = 'xstate.after.';

function isActorName(name: string): name is ResultsActorName {
  return (RESULTS_ACTOR_NAMES as readonly string[]).includes(name);
}

function isDelayName(name: string): name is ResultsDelayName {
  return Object.hasOwn(RESULTS_DELAY_FIELDS, name);
}

interface ModelEvent extends EventObject {
  readonly output?: unknown;
  readonly error?: unknown;
  readonly actorId?: string;
}

function eventsFor(snapshot: ResultsSnapshot): ModelEvent[] {
  const types = __unsafe_getAllOwnEventDescriptors(snapshot) as string[];
  return types.flatMap((type): ModelEvent[] => {
    if (type.startsWith(ACTOR_DONE)) {
      const actorId = type.slice(ACTOR_DONE.length);
      if (!isActorName(actorId)) throw new Error(`unknown invoked actor ${actorId}`);
      return ACTOR_OUTPUTS[actorId].map((output) => ({ type, output, actorId }));
    }
    if (type.startsWith(ACTOR_ERROR)) return [{ type, error: new Error('actor bug'), actorId: type.slice(ACTOR_ERROR.length) }];
    if (type.startsWith(AFTER)) return [{ type }];
    const variants = HOST_EVENTS.filter((event) => event.type === type);
    if (variants.length === 0) throw new Error(`no representative event for ${type}`);
    return variants;
  });
}

/**
 * Abstract state: the state value plus the context that steers guards. Readings matter only
 * until the tally is made; the mesa result's content steers no guard.
 */
function serializeState(snapshot: ResultsSnapshot): string {
  const { context } = snapshot;
  const counting = snapshot.matches('readingCabins') || snapshot.matches('reconciling');
  return JSON.stringify({
    value: snapshot.value,
    status: snapshot.status,
    readings: counting ? context.readings.map((entry) => entry.fileHash.slice(0, 1)) : null,
    outcome: counting ? (context.outcome?.kind ?? null) : null,
    hasResult: context.result !== null,
    entries: [context.firstEntry, context.secondEntry],
    entriesDiffer: context.entryDifferences.length > 0,
    entryRefusal: context.entryRefusal,
    nextCopy: context.nextCopy,
    reprint: context.reprintNextCopy,
    signers: context.signatures.map((signature) => signature.signerId).sort(),
  });
}

const base = { cabinIds: CABIN_IDS, actaCopies: ACTA_COPIES.slice(0, 1) } as const;
const STARTS: { name: string; input: ResultsInput }[] = [
  { name: 'electronic first start', input: { ...base, mode: 'electronic' } },
  { name: 'manual count first start', input: { ...base, cabinIds: [], mode: 'manual-count' } },
  { name: 'recovery, counting', input: { ...base, mode: 'electronic', recovery: { phase: 'counting' } } },
  {
    name: 'recovery, printing',
    input: { ...base, mode: 'electronic', recovery: { phase: 'printing', result: RESULT, printedCopies: 1, copyInProgress: true } },
  },
  { name: 'recovery, signing', input: { ...base, mode: 'electronic', recovery: { phase: 'signing', result: RESULT } } },
  { name: 'recovery, writing', input: { ...base, mode: 'electronic', recovery: { phase: 'writing', result: RESULT, signatures: [] } } },
  { name: 'closed', input: { ...base, mode: 'electronic', recovery: { phase: 'closed' } } },
];

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}
const running = new Map<ResultsActorName, Pending>();
let clock = new SimulatedClock();

function controlled(name: ResultsActorName) {
  return fromPromise<never, unknown>(
    () =>
      new Promise<never>((resolve, reject) => {
        running.set(name, { resolve, reject });
      }),
  );
}

const machine = createResultsMachine(PORTS).provide({
  actors: Object.fromEntries(RESULTS_ACTOR_NAMES.map((name) => [name, controlled(name)])),
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
  return DEFAULT_RESULTS_TIMEOUTS[RESULTS_DELAY_FIELDS[name]];
}

async function execute(event: ModelEvent, send: (event: ResultsEvent) => void): Promise<void> {
  if (event.type.startsWith(ACTOR_DONE) || event.type.startsWith(ACTOR_ERROR)) {
    const done = event.type.startsWith(ACTOR_DONE);
    const name = event.type.slice((done ? ACTOR_DONE : ACTOR_ERROR).length);
    const pending = isActorName(name) ? running.get(name) : undefined;
    if (pending === undefined) throw new Error(`${name} is not running`);
    running.delete(name as ResultsActorName);
    if (done) pending.resolve(event.output);
    else pending.reject(event.error);
  } else if (event.type.startsWith(AFTER)) {
    clock.increment(delayOf(event.type));
  } else {
    send(event as ResultsEvent);
  }
  await settle();
}

type ModelStep = Step<ResultsSnapshot, ResultsEvent>;

async function replay(steps: readonly ModelStep[], input: ResultsInput, coverage: Coverage) {
  running.clear();
  clock = new SimulatedClock();
  const inspect = (event: InspectionEvent) => {
    if (event.type !== '@xstate.microstep') return;
    for (const transition of event._transitions) {
      coverage.transitions.add(transition);
      coverage.nodes.add(transition.source);
      for (const target of transition.target ?? []) coverage.nodes.add(target);
    }
    for (const node of (event.snapshot as ResultsSnapshot)._nodes) coverage.nodes.add(node);
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

function candidates(snapshot: ResultsSnapshot, type: string): AnyTransitionDefinition[] {
  return snapshot._nodes.flatMap((node) => node.transitions.get(type) ?? []);
}

test('every state and every transition of the results machine is reached by model paths replayed on a live actor', async (t) => {
  const coverage: Coverage = { nodes: new Set(), transitions: new Set() };
  let replays = 0;
  const check = async (name: string, steps: readonly ModelStep[], input: ResultsInput) => {
    replays += 1;
    const divergence = await replay(steps, input, coverage);
    if (divergence !== undefined) {
      throw new Error(`${name}: live actor diverged from the model at ${divergence}; events: ${steps.map((step) => step.event.type).join(' → ')}`);
    }
  };

  for (const start of STARTS) {
    const options = {
      input: start.input,
      events: (snapshot: ResultsSnapshot) => eventsFor(snapshot) as unknown as ResultsEvent[],
      serializeState: (snapshot: ResultsSnapshot) => serializeState(snapshot),
      limit: 50_000,
    };
    const paths = getShortestPaths(machine, options);
    t.true(paths.length > 0, start.name);
    const pathTo = new Map<string, readonly ModelStep[]>();
    for (const path of paths) {
      pathTo.set(serializeState(path.state), path.steps);
      await check(start.name, path.steps, start.input);
    }
    const logic = machine as unknown as ActorLogic<ResultsSnapshot, ResultsEvent, ResultsInput>;
    type Edge = { event: ResultsEvent; state: ResultsSnapshot };
    const adjacency = getAdjacencyMap(logic, options) as unknown as Record<
      string,
      { state: ResultsSnapshot; transitions: Record<string, Edge> }
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
