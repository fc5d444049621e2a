/**
 * Test host for the cabin state machine: fake actors (fromPromise) that record every call and
 * answer from per-actor handlers, a SimulatedClock that also serves as the machine's `now`
 * port, the real ballot rules as the validation port, and the emitted audit events.
 */
import path from 'node:path';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import type { Actor } from 'xstate';
import type { ContestChoice } from '../../shared/ballot/ballot.ts';
import { validateContestChoice } from '../../shared/ballot/rules.ts';
import type { DraftProblem } from '../../shared/ballot/rules.ts';
import type { ElectionDefinition } from '../../shared/election/definition.ts';
import { findContest, loadElectionDefinitionFile } from '../../shared/election/definition.ts';
import type { Result } from '../../shared/result.ts';
import { err, ok } from '../../shared/result.ts';
import { createBoothMachine, screenOf } from '../../booth/machine.ts';
import type { BoothMachine } from '../../booth/machine.ts';
import type {
  BoothActorContracts,
  BoothActorName,
  BoothAuditEvent,
  BoothEvent,
  BoothInput,
  BoothScreen,
  PresidentCredential,
} from '../../booth/machine-types.ts';

export const BOOTH_ACTOR_NAMES = [
  'selfCheck',
  'verifyPresidentCredential',
  'runPuestaACero',
  'verifyToken',
  'commitVote',
  'markDeviceConsumed',
  'abandonConsumptionMark',
  'releaseClaim',
  'printConstancia',
  'printResultsReport',
  'writeResultsToConsolidation',
] as const satisfies readonly BoothActorName[];

/** What the fake puesta a cero answers as its report's hash. */
export const FAKE_ZERO_REPORT_HASH = 'ab'.repeat(32);

export function loadEg2026(): ElectionDefinition {
  const loaded = loadElectionDefinitionFile(path.join(import.meta.dirname, '..', 'fixtures', 'eg2026', 'definition.json'));
  if (!loaded.ok) throw new Error(`eg2026 fixture does not load: ${JSON.stringify(loaded.error)}`);
  return loaded.value;
}

/** The validation port exactly as the host binds it: shared/ballot/rules.ts on the definition. */
export function validatorFor(definition: ElectionDefinition) {
  return (contestId: string, choice: ContestChoice): Result<ContestChoice, DraftProblem> => {
    const contest = findContest(definition, contestId);
    if (contest === undefined) return err({ kind: 'unknown-contest', contestId });
    return validateContestChoice(contest, choice);
  };
}

/** 2026-04-12 07:30 in Lima (UTC-5): voting is open. */
export const EG2026_OPEN_AT = Date.parse('2026-04-12T12:30:00Z');
/** 2026-04-12 17:00 in Lima: schedule.votingClose. */
export const EG2026_CLOSE_AT = Date.parse('2026-04-12T22:00:00Z');

export const PRESIDENT: PresidentCredential = { presented: new Uint8Array([1, 2, 3]) };
export const IMPOSTOR: PresidentCredential = { presented: new Uint8Array([9, 9, 9]) };

export type Handlers = {
  [K in BoothActorName]: (input: BoothActorContracts[K]['input']) => Promise<BoothActorContracts[K]['output']>;
};

export type Calls = { [K in BoothActorName]: BoothActorContracts[K]['input'][] };

/** A host where everything works: the president's credential is PRESIDENT, tokens are fresh. */
export function workingHandlers(): Handlers {
  let tokenCount = 0;
  return {
    selfCheck: () => Promise.resolve(ok(undefined)),
    verifyPresidentCredential: ({ credential }) =>
      Promise.resolve(credential.presented.join() === PRESIDENT.presented.join() ? ok(undefined) : err('not-president' as const)),
    runPuestaACero: () => Promise.resolve(ok({ zeroReportHash: FAKE_ZERO_REPORT_HASH })),
    verifyToken: () => Promise.resolve(ok({ handle: `token-${++tokenCount}` })),
    commitVote: () => Promise.resolve(ok(undefined)),
    markDeviceConsumed: () => Promise.resolve(ok(undefined)),
    abandonConsumptionMark: () => Promise.resolve(ok(undefined)),
    releaseClaim: () => Promise.resolve(ok(undefined)),
    printConstancia: () => Promise.resolve(ok(undefined)),
    printResultsReport: () => Promise.resolve(ok(undefined)),
    writeResultsToConsolidation: () => Promise.resolve(ok(undefined)),
  };
}

export interface BoothOptions {
  readonly definition?: ElectionDefinition;
  readonly input?: Partial<BoothInput>;
  readonly handlers?: Partial<Handlers>;
  readonly startAt?: number;
}

export interface BoothHarness {
  readonly actor: Actor<BoothMachine>;
  readonly clock: SimulatedClock;
  readonly calls: Calls;
  readonly audit: BoothAuditEvent[];
  /** Errors the actor reported (a misconfigured machine fails to start). */
  readonly errors: unknown[];
  send(event: BoothEvent): void;
  /** Lets pending fake actors resolve and the machine react. */
  settle(): Promise<void>;
  /** Sends, then settles. */
  act(event: BoothEvent): Promise<void>;
  /** Advances the simulated clock, then settles. */
  advance(ms: number): Promise<void>;
  screen(): BoothScreen;
  auditIds(): string[];
}

export async function settle(): Promise<void> {
  for (let round = 0; round < 8; round++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export function startBooth(options: BoothOptions = {}): BoothHarness {
  const definition = options.definition ?? loadEg2026();
  const clock = new SimulatedClock();
  clock.set(options.startAt ?? EG2026_OPEN_AT);
  const handlers: Handlers = { ...workingHandlers(), ...options.handlers };
  const calls = Object.fromEntries(BOOTH_ACTOR_NAMES.map((name) => [name, []])) as unknown as Calls;
  const record = <K extends BoothActorName>(name: K) =>
    fromPromise<BoothActorContracts[K]['output'], BoothActorContracts[K]['input']>(({ input }) => {
      calls[name].push(input);
      return handlers[name](input);
    });
  const machine = createBoothMachine({ validateChoice: validatorFor(definition), now: () => clock.now() }).provide({
    actors: {
      selfCheck: record('selfCheck'),
      verifyPresidentCredential: record('verifyPresidentCredential'),
      runPuestaACero: record('runPuestaACero'),
      verifyToken: record('verifyToken'),
      commitVote: record('commitVote'),
      markDeviceConsumed: record('markDeviceConsumed'),
      abandonConsumptionMark: record('abandonConsumptionMark'),
      releaseClaim: record('releaseClaim'),
      printConstancia: record('printConstancia'),
      printResultsReport: record('printResultsReport'),
      writeResultsToConsolidation: record('writeResultsToConsolidation'),
    },
  });
  const input: BoothInput = {
    contests: definition.contests.map((contest) => ({ id: contest.id })),
    votingCloseAt: EG2026_CLOSE_AT,
    ...options.input,
  };
  const actor = createActor(machine, { input, clock });
  const audit: BoothAuditEvent[] = [];
  actor.on('audit', (event) => audit.push(event));
  const errors: unknown[] = [];
  actor.subscribe({ error: (error) => errors.push(error) });
  actor.start();
  const harness: BoothHarness = {
    actor,
    clock,
    calls,
    audit,
    errors,
    send: (event) => actor.send(event),
    settle,
    act: async (event) => {
      actor.send(event);
      await settle();
    },
    advance: async (ms) => {
      clock.increment(ms);
      await settle();
    },
    screen: () => screenOf(actor.getSnapshot()),
    auditIds: () => audit.map((event) => event.event),
  };
  return harness;
}

/** Boots, presents the president's credential, runs the puesta a cero: the cabin is `ready`. */
export async function startOpenBooth(options: BoothOptions = {}): Promise<BoothHarness> {
  const booth = startBooth(options);
  await booth.settle();
  await booth.act({ type: 'CREDENTIAL_PRESENTED', credential: PRESIDENT });
  if (booth.screen() !== 'ready') throw new Error(`expected ready after puesta a cero, got ${booth.screen()}`);
  return booth;
}

/** A promise whose settlement the test controls (an actor that is "still working"). */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}
