/**
 * Test host for the identity station machine: fake actors (fromPromise) that record every call
 * and answer from per-actor handlers, a SimulatedClock that is also the machine's `now` port, a
 * member list and padrón of fixed DNIs, and the emitted audit events.
 */
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import type { Actor } from 'xstate';
import { err, ok } from '../../shared/result.ts';
import type { Dni } from '../../identity-station/dni.ts';
import { createIdentityMachine, screenOf } from '../../identity-station/machine.ts';
import type { IdentityMachine } from '../../identity-station/machine.ts';
import type {
  IdentityActorContracts,
  IdentityActorName,
  IdentityAuditEvent,
  IdentityEvent,
  IdentityInput,
  IdentityPorts,
  IdentitySchedule,
  IdentityScreen,
  MemberClassification,
  PresidentCredential,
} from '../../identity-station/machine-types.ts';

export const IDENTITY_ACTOR_NAMES = [
  'selfCheck',
  'verifyPresidentCredential',
  'printActaNoInstalacion',
  'runPuestaACero',
  'printActaInstalacion',
  'checkVoter',
  'issueToken',
  'readReturnedDevice',
  'recordVoted',
  'recordArt23',
  'recordLostDevice',
  'recordImpugnado',
  'printActaSufragio',
  'recordObservation',
  'writeIdentitySummary',
  'exportNonVoters',
] as const satisfies readonly IdentityActorName[];

/** 2026-04-12 in Lima (UTC-5): the eg2026 schedule as epoch ms. */
const LIMA = (hhmm: string) => Date.parse(`2026-04-12T${hhmm}:00-05:00`);
export const SCHEDULE: IdentitySchedule = {
  votingOpenAt: LIMA('07:00'),
  installDeadlineAt: LIMA('07:30'),
  noInstallationDeadlineAt: LIMA('12:00'),
  votingCloseAt: LIMA('17:00'),
};
export const MEMBER_ARRIVAL_AT = LIMA('06:00');

export const PRESIDENTE = '10000001';
export const SECRETARIO = '10000002';
export const TERCER_MIEMBRO = '10000003';
export const SUPLENTE = '10000004';
/** An elector of the mesa who is not a member. */
export const ELECTOR = '20000001';
export const OTHER_ELECTOR = '20000002';

export const PRESIDENT_CREDENTIAL: PresidentCredential = { presented: new Uint8Array([1, 2, 3]) };
export const IMPOSTOR: PresidentCredential = { presented: new Uint8Array([9, 9, 9]) };

export function classifyMember(dni: Dni): MemberClassification {
  switch (dni as string) {
    case PRESIDENTE:
      return { kind: 'titular', role: 'presidente' };
    case SECRETARIO:
      return { kind: 'titular', role: 'secretario' };
    case TERCER_MIEMBRO:
      return { kind: 'titular', role: 'tercer-miembro' };
    case SUPLENTE:
      return { kind: 'suplente' };
    default:
      return { kind: 'not-a-member' };
  }
}

export const isElector = (dni: Dni): boolean => dni !== '99999999';

export type Handlers = {
  [K in IdentityActorName]: (input: IdentityActorContracts[K]['input']) => Promise<IdentityActorContracts[K]['output']>;
};
export type Calls = { [K in IdentityActorName]: IdentityActorContracts[K]['input'][] };

/**
 * A host where everything works, with a small padrón store: `holding` is the set of voters who
 * hold a device (a boolean per voter, like the real store), `voted` those who voted.
 */
export function workingHandlers() {
  const holding = new Set<string>();
  const voted = new Set<string>();
  const handlers: Handlers = {
    selfCheck: () => Promise.resolve(ok(undefined)),
    verifyPresidentCredential: ({ credential }) =>
      Promise.resolve(
        credential.presented.join() === PRESIDENT_CREDENTIAL.presented.join() ? ok(undefined) : err('not-president' as const),
      ),
    printActaNoInstalacion: () => Promise.resolve(ok(undefined)),
    runPuestaACero: () => Promise.resolve(ok(undefined)),
    printActaInstalacion: () => Promise.resolve(ok(undefined)),
    checkVoter: ({ dni }) => {
      if (dni.startsWith('3')) return Promise.resolve(ok('not-in-padron' as const));
      if (voted.has(dni)) return Promise.resolve(ok('already-voted' as const));
      if (holding.has(dni)) return Promise.resolve(ok('holds-device' as const));
      return Promise.resolve(ok('may-vote' as const));
    },
    issueToken: ({ dni }) => {
      holding.add(dni);
      return Promise.resolve(ok(undefined));
    },
    readReturnedDevice: () => Promise.resolve(ok({ state: 'consumed' as const })),
    recordVoted: ({ dni }) => {
      if (!holding.delete(dni)) return Promise.resolve(err({ kind: 'not-holding-device' as const }));
      voted.add(dni);
      return Promise.resolve(ok(undefined));
    },
    recordArt23: ({ dni }) =>
      Promise.resolve(holding.delete(dni) ? ok(undefined) : err({ kind: 'not-holding-device' as const })),
    recordLostDevice: ({ dni }) =>
      Promise.resolve(holding.delete(dni) ? ok(undefined) : err({ kind: 'not-holding-device' as const })),
    recordImpugnado: () => Promise.resolve(ok(undefined)),
    printActaSufragio: () => Promise.resolve(ok(undefined)),
    recordObservation: () => Promise.resolve(ok(undefined)),
    writeIdentitySummary: () => Promise.resolve(ok(undefined)),
    exportNonVoters: () => Promise.resolve(ok(undefined)),
  };
  return { handlers, holding, voted };
}

export interface IdentityOptions {
  readonly input?: Partial<IdentityInput>;
  readonly handlers?: Partial<Handlers>;
  readonly startAt?: number;
}

export interface IdentityHarness {
  readonly actor: Actor<IdentityMachine>;
  readonly clock: SimulatedClock;
  readonly calls: Calls;
  readonly audit: IdentityAuditEvent[];
  readonly holding: Set<string>;
  readonly voted: Set<string>;
  /** The handlers the fake actors call; a test may replace one mid-scenario. */
  readonly handlers: Handlers;
  act(event: IdentityEvent): Promise<void>;
  settle(): Promise<void>;
  /** Moves the simulated clock to an instant (never back), then settles. */
  advanceTo(at: number): Promise<void>;
  screen(): IdentityScreen;
  auditIds(): string[];
}

export async function settle(): Promise<void> {
  for (let round = 0; round < 8; round++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export function startIdentity(options: IdentityOptions = {}): IdentityHarness {
  const clock = new SimulatedClock();
  clock.set(options.startAt ?? MEMBER_ARRIVAL_AT);
  const working = workingHandlers();
  const handlers: Handlers = { ...working.handlers, ...options.handlers };
  const calls = Object.fromEntries(IDENTITY_ACTOR_NAMES.map((name) => [name, []])) as unknown as Calls;
  const record = <K extends IdentityActorName>(name: K) =>
    fromPromise<IdentityActorContracts[K]['output'], IdentityActorContracts[K]['input']>(({ input }) => {
      calls[name].push(input);
      return handlers[name](input);
    });
  const ports: IdentityPorts = { classifyMember, isElector, now: () => clock.now() };
  const actors = Object.fromEntries(IDENTITY_ACTOR_NAMES.map((name) => [name, record(name)]));
  const machine = createIdentityMachine(ports).provide({ actors });
  const input: IdentityInput = { schedule: SCHEDULE, ...options.input };
  const actor = createActor(machine, { input, clock });
  const audit: IdentityAuditEvent[] = [];
  actor.on('audit', (event) => audit.push(event));
  actor.start();
  return {
    actor,
    clock,
    calls,
    audit,
    holding: working.holding,
    voted: working.voted,
    handlers,
    act: async (event) => {
      actor.send(event);
      await settle();
    },
    settle,
    advanceTo: async (at) => {
      clock.increment(at - clock.now());
      await settle();
    },
    screen: () => screenOf(actor.getSnapshot()),
    auditIds: () => audit.map((event) => event.event),
  };
}

/** Registers the three titular members and installs with the president's credential. */
export async function install(station: IdentityHarness, members: readonly string[] = [PRESIDENTE, SECRETARIO, TERCER_MIEMBRO]) {
  await station.settle();
  await station.act({ type: 'CONFIRM_MESA_DATA' });
  for (const dni of members) await station.act({ type: 'MEMBER_ARRIVED', dni });
  await station.act({ type: 'INSTALL', credential: PRESIDENT_CREDENTIAL });
}

/** Installs, opens voting and has every member vote (device issued and returned consumed). */
export async function startVoting(options: IdentityOptions = {}): Promise<IdentityHarness> {
  const station = startIdentity(options);
  await install(station);
  await station.advanceTo(SCHEDULE.votingOpenAt);
  if (station.screen() !== 'awaiting-dni') throw new Error(`expected awaiting-dni, got ${station.screen()}`);
  for (const dni of [PRESIDENTE, SECRETARIO, TERCER_MIEMBRO]) await voteFully(station, dni);
  return station;
}

export async function voteFully(station: IdentityHarness, dni: string): Promise<void> {
  await station.act({ type: 'DNI_ENTERED', text: dni });
  await station.act({ type: 'ISSUE_DEVICE' });
  await station.act({ type: 'DONE' });
  await station.act({ type: 'DEVICE_RETURNED', dni });
  await station.act({ type: 'DONE' });
}
