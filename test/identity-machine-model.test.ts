/**
 * Model-based test of the identity station machine with @xstate/graph 3, built like
 * test/booth-machine-model.test.ts:
 *
 * 1. The machine is the model: `getShortestPaths` explores it with representative events for
 *    every event type each state handles, actor results (every outcome the machine distinguishes,
 *    and rejections) and timeouts (`xstate.after.*`), from every kind of start.
 * 2. Every path is replayed on a live actor: actors are promises the test settles with the path's
 *    outputs; schedule delays move the SimulatedClock to their instant, duration delays advance it
 *    by their default; each step must land in the predicted state and name exactly one screen.
 * 3. EVERY state node must have been entered and EVERY transition (event edges, guarded
 *    branches, `always`, `after`, invoke results) taken at least once.
 */
import test from 'ava';
import { getAdjacencyMap, getShortestPaths, getStateNodes } from '@xstate/graph';
import type { Step } from '@xstate/graph';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import type { ActorLogic, AnyStateNode, AnyTransitionDefinition, EventObject, InspectionEvent } from 'xstate';
import { __unsafe_getAllOwnEventDescriptors } from 'xstate';
import { err, ok } from '../shared/result.ts';
import { createIdentityMachine, screenOf } from '../identity-station/machine.ts';
import type { IdentitySnapshot } from '../identity-station/machine.ts';
import type { IdentityActorName, IdentityEvent, IdentityInput } from '../identity-station/machine-types.ts';
import { DEFAULT_IDENTITY_TIMEOUTS, IDENTITY_DELAY_FIELDS, IDENTITY_SCHEDULE_DELAYS } from '../identity-station/timeouts.ts';
import {
  classifyMember,
  ELECTOR,
  IDENTITY_ACTOR_NAMES,
  isElector,
  MEMBER_ARRIVAL_AT,
  PRESIDENT_CREDENTIAL,
  PRESIDENTE,
  SCHEDULE,
  SECRETARIO,
  SUPLENTE,
} from './helpers/identity-harness.ts';

const ACTOR_OUTPUTS: { [K in IdentityActorName]: readonly unknown[] } = {
  selfCheck: [ok(undefined), err({ kind: 'software-unauthorized' })],
  verifyPresidentCredential: [ok(undefined), err('not-president')],
  printActaNoInstalacion: [ok(undefined), err({ kind: 'paper-out' })],
  runPuestaACero: [ok(undefined), err({ kind: 'printer-fault', fault: { kind: 'paper-out' } }), err({ kind: 'store-not-empty' })],
  printActaInstalacion: [ok(undefined), err({ kind: 'cover-open' })],
  checkVoter: [
    ok('may-vote'),
    ok('not-in-padron'),
    ok('already-voted'),
    ok('holds-device'),
    ok('impugned'),
    err({ kind: 'storage-fault' }),
  ],
  issueToken: [ok(undefined), err({ kind: 'device-not-blank' }), err({ kind: 'storage-fault' })],
  readReturnedDevice: [
    ok({ state: 'consumed' }),
    ok({ state: 'unconsumed-token' }),
    ok({ state: 'claimed', cabin: 2 }),
    ok({ state: 'invalid' }),
    err({ kind: 'no-device' }),
  ],
  recordVoted: [ok(undefined), err({ kind: 'not-holding-device' }), err({ kind: 'storage-fault' })],
  recordArt23: [ok(undefined), err({ kind: 'erase-failed' }), err({ kind: 'storage-fault' })],
  recordLostDevice: [ok(undefined), err({ kind: 'not-holding-device' }), err({ kind: 'storage-fault' })],
  recordImpugnado: [ok(undefined), err({ kind: 'not-holding-device' }), err({ kind: 'storage-fault' })],
  printActaSufragio: [ok(undefined), err({ kind: 'paper-out' })],
  recordObservation: [ok(undefined), err({ kind: 'refused' }), err({ kind: 'storage-fault' })],
  writeIdentitySummary: [ok(undefined), err({ kind: 'device-missing' })],
  exportNonVoters: [ok(undefined), err({ kind: 'read-only' })],
};

const HOST_EVENTS: readonly IdentityEvent[] = [
  { type: 'CONFIRM_MESA_DATA' },
  { type: 'MEMBER_ARRIVED', dni: PRESIDENTE },
  { type: 'MEMBER_ARRIVED', dni: SECRETARIO },
  { type: 'MEMBER_ARRIVED', dni: SUPLENTE },
  { type: 'MEMBER_ARRIVED', dni: '55555555' },
  { type: 'TAKE_VOTER_AS_MEMBER', dni: ELECTOR, role: 'tercer-miembro' },
  { type: 'INSTALL', credential: null },
  { type: 'INSTALL', credential: PRESIDENT_CREDENTIAL },
  { type: 'DNI_ENTERED', text: PRESIDENTE },
  { type: 'DNI_ENTERED', text: SECRETARIO },
  { type: 'DNI_ENTERED', text: ELECTOR },
  { type: 'DNI_ENTERED', text: '1234567A' },
  { type: 'DNI_READ', reading: { kind: 'text', text: PRESIDENTE } },
  { type: 'DNI_READ', reading: { kind: 'text', text: ELECTOR } },
  { type: 'DNI_READ', reading: { kind: 'text', text: '123456789' } },
  { type: 'DNI_READ', reading: { kind: 'garbled' } },
  { type: 'ISSUE_DEVICE' },
  { type: 'DONE' },
  { type: 'RETRY' },
  { type: 'DEVICE_RETURNED', dni: ELECTOR },
  { type: 'DEVICE_RETURNED', dni: '123' },
  { type: 'LET_TRY_AGAIN' },
  { type: 'RECORD_NOT_VOTED' },
  { type: 'LOST_DEVICE_DECLARED', dni: ELECTOR },
  { type: 'LOST_DEVICE_DECLARED', dni: '' },
  { type: 'IMPUGN', dni: ELECTOR },
  { type: 'IMPUGN' },
  { type: 'ASSISTED_VOTER' },
  { type: 'ADD_OBSERVATION', text: 'Un personero llegó tarde.' },
  { type: 'ADD_OBSERVATION', text: 'El elector 12345678 reclamó.' },
  { type: 'CLOSE_VOTING', credential: null },
  { type: 'CLOSE_VOTING', credential: PRESIDENT_CREDENTIAL },
  { type: 'EXPORT_NON_VOTERS' },
];

const ACTOR_DONE = 'xstate.done.actor.';
const ACTOR_ERROR = 'xstate.error.actor.';
const AFTER = 'xstate.after.';

function isActorName(name: string): name is IdentityActorName {
  return (IDENTITY_ACTOR_NAMES as readonly string[]).includes(name);
}

interface ModelEvent extends EventObject {
  readonly output?: unknown;
  readonly error?: unknown;
  readonly actorId?: string;
}

function eventsFor(snapshot: IdentitySnapshot): ModelEvent[] {
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
 * Abstract state: the state value plus what steers guards, coarsely (member identities and exact
 * counts do not change which transitions exist, only their branches' actions).
 */
function serializeState(snapshot: IdentitySnapshot): string {
  const { context } = snapshot;
  const presidentPending = context.presidingDni !== null && context.orderPending.includes(context.presidingDni);
  return JSON.stringify({
    value: snapshot.value,
    status: snapshot.status,
    open: context.votingOpenReached,
    install: context.installDeadlineReached,
    noInstall: context.noInstallationDeadlineReached,
    close: context.votingCloseReached,
    members: Math.min(context.members.length, 3),
    order: presidentPending ? 'president' : context.orderPending.length > 0 ? 'members' : 'anyone',
    outstanding: context.outstandingDevices > 0,
    serving: context.currentDni !== null,
  });
}

const STARTS: { name: string; input: IdentityInput; at: number }[] = [
  { name: 'first start', input: { schedule: SCHEDULE }, at: MEMBER_ARRIVAL_AT },
  { name: 'recovery, voting', input: { schedule: SCHEDULE, recovery: { phase: 'voting', outstandingDevices: 1 } }, at: MEMBER_ARRIVAL_AT },
  { name: 'recovery, closing', input: { schedule: SCHEDULE, recovery: { phase: 'closing', outstandingDevices: 0 } }, at: SCHEDULE.votingCloseAt },
  { name: 'closed', input: { schedule: SCHEDULE, recovery: { phase: 'closed', outstandingDevices: 0 } }, at: SCHEDULE.votingCloseAt },
  { name: 'not installed', input: { schedule: SCHEDULE, recovery: { phase: 'not-installed', outstandingDevices: 0 } }, at: SCHEDULE.votingCloseAt },
];

// --- The system under test: the same machine with actors the replay settles by hand ----------

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}
const running = new Map<IdentityActorName, Pending>();
let clock = new SimulatedClock();

function controlled(name: IdentityActorName) {
  return fromPromise<never, unknown>(
    () =>
      new Promise<never>((resolve, reject) => {
        running.set(name, { resolve, reject });
      }),
  );
}

const machine = createIdentityMachine({ classifyMember, isElector, now: () => clock.now() }).provide({
  actors: Object.fromEntries(IDENTITY_ACTOR_NAMES.map((name) => [name, controlled(name)])),
});

async function settle(): Promise<void> {
  for (let round = 0; round < 4; round++) await new Promise<void>((resolve) => setImmediate(resolve));
}

interface Coverage {
  readonly nodes: Set<AnyStateNode>;
  readonly transitions: Set<AnyTransitionDefinition>;
}

/** How far a timeout moves the clock: to its schedule instant, or by its default duration. */
function advanceFor(type: string): number {
  const name = type.slice(AFTER.length).split('.')[0] ?? '';
  if (Object.hasOwn(IDENTITY_SCHEDULE_DELAYS, name)) {
    const at = SCHEDULE[IDENTITY_SCHEDULE_DELAYS[name as keyof typeof IDENTITY_SCHEDULE_DELAYS]];
    return Math.max(0, at - clock.now());
  }
  if (Object.hasOwn(IDENTITY_DELAY_FIELDS, name)) {
    return DEFAULT_IDENTITY_TIMEOUTS[IDENTITY_DELAY_FIELDS[name as keyof typeof IDENTITY_DELAY_FIELDS]];
  }
  throw new Error(`unknown delay in ${type}`);
}

async function execute(event: ModelEvent, send: (event: IdentityEvent) => void): Promise<void> {
  if (event.type.startsWith(ACTOR_DONE) || event.type.startsWith(ACTOR_ERROR)) {
    const done = event.type.startsWith(ACTOR_DONE);
    const name = event.type.slice((done ? ACTOR_DONE : ACTOR_ERROR).length);
    const pending = isActorName(name) ? running.get(name) : undefined;
    if (pending === undefined) throw new Error(`${name} is not running`);
    running.delete(name as IdentityActorName);
    if (done) pending.resolve(event.output);
    else pending.reject(event.error);
  } else if (event.type.startsWith(AFTER)) {
    clock.increment(advanceFor(event.type));
  } else {
    send(event as IdentityEvent);
  }
  await settle();
}

type ModelStep = Step<IdentitySnapshot, IdentityEvent>;

async function replay(steps: readonly ModelStep[], start: (typeof STARTS)[number], coverage: Coverage) {
  running.clear();
  clock = new SimulatedClock();
  clock.set(start.at);
  const inspect = (event: InspectionEvent) => {
    if (event.type !== '@xstate.microstep') return;
    for (const transition of event._transitions) {
      coverage.transitions.add(transition);
      coverage.nodes.add(transition.source);
      for (const target of transition.target ?? []) coverage.nodes.add(target);
    }
    for (const node of (event.snapshot as IdentitySnapshot)._nodes) coverage.nodes.add(node);
  };
  const actor = createActor(machine, { input: start.input, clock, inspect });
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
  return getStateNodes(machine.root)
    .concat(machine.root)
    .flatMap((node) => [...[...node.transitions.values()].flat(), ...(node.always ?? [])]);
}

function describeTransition(transition: AnyTransitionDefinition): string {
  const source = transition.source.id;
  const eventType = transition.eventType as string;
  const event = eventType === '' ? 'always' : eventType;
  const branches = eventType === '' ? (transition.source.always ?? []) : (transition.source.transitions.get(eventType) ?? []);
  const targets = (transition.target ?? []).map((target) => target.id).join(',') || '(self)';
  return `${source} --${event}[${branches.indexOf(transition)}]--> ${targets}`;
}

function candidates(snapshot: IdentitySnapshot, type: string): AnyTransitionDefinition[] {
  return snapshot._nodes.flatMap((node) => node.transitions.get(type) ?? []);
}

test('every state and every transition of the identity machine is reached by model paths replayed on a live actor', async (t) => {
  const coverage: Coverage = { nodes: new Set(), transitions: new Set() };
  let replays = 0;
  const check = async (start: (typeof STARTS)[number], steps: readonly ModelStep[]) => {
    replays += 1;
    const divergence = await replay(steps, start, coverage);
    if (divergence !== undefined) {
      throw new Error(`${start.name}: live actor diverged from the model at ${divergence}; events: ${steps.map((step) => step.event.type).join(' → ')}`);
    }
  };

  for (const start of STARTS) {
    // The initial context reads the clock once (schedule flags): explore from the start's time.
    clock = new SimulatedClock();
    clock.set(start.at);
    const options = {
      input: start.input,
      events: (snapshot: IdentitySnapshot) => eventsFor(snapshot) as unknown as IdentityEvent[],
      serializeState: (snapshot: IdentitySnapshot) => serializeState(snapshot),
      limit: 50_000,
    };
    const paths = getShortestPaths(machine, options);
    t.true(paths.length > 0, start.name);
    const pathTo = new Map<string, readonly ModelStep[]>();
    for (const path of paths) {
      pathTo.set(serializeState(path.state), path.steps);
      await check(start, path.steps);
    }
    clock = new SimulatedClock();
    clock.set(start.at);
    const logic = machine as unknown as ActorLogic<IdentitySnapshot, IdentityEvent, IdentityInput>;
    type Edge = { event: IdentityEvent; state: IdentitySnapshot };
    const adjacency = getAdjacencyMap(logic, options) as unknown as Record<
      string,
      { state: IdentitySnapshot; transitions: Record<string, Edge> }
    >;
    for (const [source, { state, transitions }] of Object.entries(adjacency)) {
      const prefix = pathTo.get(source);
      if (prefix === undefined) throw new Error(`${start.name}: no path to ${source}`);
      for (const { event, state: next } of Object.values(transitions)) {
        if (candidates(state, event.type).every((transition) => coverage.transitions.has(transition))) continue;
        await check(start, [...prefix, { event, state: next }]);
      }
    }
  }

  const nodes = getStateNodes(machine.root);
  const unreached = nodes.filter((node) => !coverage.nodes.has(node)).map((node) => node.id);
  const untaken = allTransitions().filter((transition) => !coverage.transitions.has(transition)).map(describeTransition);
  t.deepEqual({ unreached, untaken }, { unreached: [], untaken: [] }, 'every state node entered, every transition taken');
  t.log(`${replays} replays, ${nodes.length} state nodes, ${allTransitions().length} transitions`);
});
