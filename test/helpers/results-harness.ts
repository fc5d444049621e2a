/**
 * Test host for the results station machine: fake actors (fromPromise) that record every call
 * and answer from per-actor handlers, a SimulatedClock, the emitted audit events, and the pure
 * ports bound as a host binds them: shared/tally (merge, Art. 23 blanks, reconcile) on the
 * eg2026 fixture, and field-by-field sheet comparison.
 */
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import type { Actor } from 'xstate';
import type { ElectionDefinition } from '../../shared/election/definition.ts';
import { err, ok } from '../../shared/result.ts';
import type { Result } from '../../shared/result.ts';
import { addArt23Blanks, art23Observation } from '../../shared/tally/art23.ts';
import { describeTallyMergeProblem, mergeAllTallies } from '../../shared/tally/merge.ts';
import type { IdentitySummary } from '../../shared/tally/reconcile.ts';
import { describeReconciliationProblem, reconcile, reconciliationProblemForActa } from '../../shared/tally/reconcile.ts';
import type { Tally } from '../../shared/tally/tally.ts';
import { emptyTally, freezeTally, tallyBallots } from '../../shared/tally/tally.ts';
import { createResultsMachine, screenOf } from '../../results-station/machine.ts';
import type { ResultsMachine } from '../../results-station/machine.ts';
import type {
  CabinReading,
  CountDifference,
  CountSheet,
  Credential,
  Finding,
  MemberSignature,
  MesaResult,
  ResultsActorContracts,
  ResultsActorName,
  ResultsAuditEvent,
  ResultsEvent,
  ResultsInput,
  ResultsPorts,
  ResultsScreen,
} from '../../results-station/machine-types.ts';
import { ballotWith, EG2026, org } from './ballots.ts';

export const RESULTS_ACTOR_NAMES = [
  'selfCheck',
  'verifyPresidentCredential',
  'runPuestaACero',
  'readCabinResults',
  'readIdentitySummary',
  'printActaCopy',
  'verifyMemberSignature',
  'writeConsolidated',
] as const satisfies readonly ResultsActorName[];

export const DEFINITION: ElectionDefinition = EG2026;
export const CABIN_IDS = ['cabin-1', 'cabin-2'] as const;
export const ACTA_COPIES = ['JEE', 'ONPE', 'JNE'] as const;

function credential(...bytes: number[]): Credential {
  return { presented: new Uint8Array(bytes) };
}
export const PRESIDENT = credential(1);
export const MEMBER_2 = credential(2);
export const MEMBER_3 = credential(3);
export const PERSONERO = credential(7);
export const IMPOSTOR = credential(9);

const SIGNERS = new Map<number, Pick<MemberSignature, 'signerId' | 'role'>>([
  [1, { signerId: 'member-1', role: 'president' }],
  [2, { signerId: 'member-2', role: 'member' }],
  [3, { signerId: 'member-3', role: 'member' }],
  [7, { signerId: 'personero-1', role: 'personero' }],
]);

function cabinTally(ballots: number, organization: number): Tally {
  const firstContest = DEFINITION.contests[0];
  if (firstContest === undefined) throw new Error('fixture has no contest');
  const list = Array.from({ length: ballots }, () => ballotWith(DEFINITION, { [firstContest.id]: org(organization) }));
  const tallied = tallyBallots(DEFINITION, list);
  if (!tallied.ok) throw new Error('fixture ballots do not tally');
  return tallied.value;
}

/** cabin-1: 3 ballots for organization 1; cabin-2: 2 ballots for organization 2. */
export const READINGS: Readonly<Record<string, CabinReading>> = {
  'cabin-1': { cabinId: 'cabin-1', ballotCount: 3, tally: cabinTally(3, 1), fileHash: 'a'.repeat(64) },
  'cabin-2': { cabinId: 'cabin-2', ballotCount: 2, tally: cabinTally(2, 2), fileHash: 'b'.repeat(64) },
};

/** Consistent with READINGS: 5 ballots, 1 Art. 23 elector. */
export const IDENTITY: IdentitySummary = {
  electoresHabiles: 300,
  activationsIssued: 6,
  activationsConsumed: 5,
  art23NotVoted: 1,
  impugnados: 0,
};

// --- Pure ports as the host binds them --------------------------------------------------------

function tallyMesa({ cabins, identity }: { readonly cabins: readonly CabinReading[]; readonly identity: IdentitySummary }) {
  const merged = mergeAllTallies(DEFINITION, cabins.map((cabin) => cabin.tally));
  if (!merged.ok) {
    const text = describeTallyMergeProblem(merged.error);
    return { kind: 'untallyable' as const, findings: [{ code: merged.error.kind, screenText: text, actaText: text }] };
  }
  const withBlanks = addArt23Blanks(merged.value, identity.art23NotVoted);
  if (!withBlanks.ok) {
    return { kind: 'untallyable' as const, findings: [{ code: withBlanks.error.kind, screenText: 'Art. 23', actaText: 'Art. 23' }] };
  }
  const art23 = art23Observation(identity.art23NotVoted);
  const result: MesaResult = { mode: 'electronic', tally: withBlanks.value, observations: art23 === undefined ? [] : [art23] };
  const checked = reconcile({
    cabinBallotCounts: Object.fromEntries(cabins.map((cabin) => [cabin.cabinId, cabin.ballotCount])),
    identity,
    tally: withBlanks.value,
  });
  if (checked.ok) return { kind: 'ok' as const, result };
  const findings: Finding[] = checked.error.map((problem) => ({
    code: problem.kind,
    screenText: describeReconciliationProblem(problem),
    actaText: reconciliationProblemForActa(problem),
  }));
  return { kind: 'discrepancies' as const, result, findings };
}

export function tallyToSheet(tally: Tally): CountSheet {
  const sheet: Record<string, number> = {};
  for (const contest of tally.contests) {
    for (const organization of contest.organizations) sheet[`${contest.contestId}/${organization.organization}`] = organization.votes;
    sheet[`${contest.contestId}/blank`] = contest.blank;
    sheet[`${contest.contestId}/null`] = contest.null;
  }
  return sheet;
}

export function compareSheets(first: CountSheet, second: CountSheet): CountDifference[] {
  const fields = [...new Set([...Object.keys(first), ...Object.keys(second)])].sort();
  return fields.flatMap((field) => {
    const a = first[field] ?? null;
    const b = second[field] ?? null;
    return a === b ? [] : [{ field, first: a, second: b }];
  });
}

/** A manual sheet to a tally: every contest must have the same number of votos emitidos. */
function manualTally(sheet: CountSheet): Result<MesaResult, readonly Finding[]> {
  const zero = emptyTally(DEFINITION);
  const contests = zero.contests.map((contest) => {
    const organizations = contest.organizations.map((organization) => ({
      ...organization,
      votes: sheet[`${contest.contestId}/${organization.organization}`] ?? 0,
    }));
    const valid = organizations.reduce((sum, organization) => sum + organization.votes, 0);
    const blank = sheet[`${contest.contestId}/blank`] ?? 0;
    const nulls = sheet[`${contest.contestId}/null`] ?? 0;
    return { ...contest, organizations, valid, blank, null: nulls, emitted: valid + blank + nulls };
  });
  const emitted = new Set(contests.map((contest) => contest.emitted));
  if (emitted.size !== 1) {
    return err([{ code: 'emitted-differ', screenText: 'Los votos emitidos no coinciden entre elecciones.', actaText: 'votos emitidos distintos' }]);
  }
  const ballots = contests[0]?.emitted ?? 0;
  return ok({ mode: 'manual-count', tally: freezeTally({ ...zero, ballots, contests }), observations: [] });
}

export const PORTS: ResultsPorts = { tallyMesa, tallyToSheet, compareSheets, manualTally };

/** A manual sheet: `votes` for organization 1 of every contest, nothing else. */
export function manualSheet(votes: number): CountSheet {
  return Object.fromEntries(DEFINITION.contests.map((contest) => [`${contest.id}/1`, votes]));
}

// --- Fake actors -----------------------------------------------------------------------------

export type Handlers = {
  [K in ResultsActorName]: (input: ResultsActorContracts[K]['input']) => Promise<ResultsActorContracts[K]['output']>;
};
export type Calls = { [K in ResultsActorName]: ResultsActorContracts[K]['input'][] };

export function workingHandlers(): Handlers {
  return {
    selfCheck: () => Promise.resolve(ok(undefined)),
    verifyPresidentCredential: ({ credential: presented }) =>
      Promise.resolve(presented.presented[0] === 1 ? ok(undefined) : err('not-president' as const)),
    runPuestaACero: () => Promise.resolve(ok(undefined)),
    readCabinResults: ({ cabinId }) => {
      const reading = READINGS[cabinId];
      return Promise.resolve(reading === undefined ? err({ codes: ['unexpected-cabin'], reasons: ['Cabina desconocida.'] }) : ok(reading));
    },
    readIdentitySummary: () => Promise.resolve(ok(IDENTITY)),
    printActaCopy: () => Promise.resolve(ok(undefined)),
    verifyMemberSignature: ({ credential: presented }) => {
      const signer = SIGNERS.get(presented.presented[0] ?? 0);
      return Promise.resolve(signer === undefined ? err('unknown' as const) : ok({ ...signer, signature: `sig-${signer.signerId}` }));
    },
    writeConsolidated: () => Promise.resolve(ok(undefined)),
  };
}

export interface ResultsOptions {
  readonly input?: Partial<ResultsInput>;
  readonly handlers?: Partial<Handlers>;
}

export interface ResultsHarness {
  readonly actor: Actor<ResultsMachine>;
  readonly clock: SimulatedClock;
  readonly calls: Calls;
  readonly audit: ResultsAuditEvent[];
  readonly errors: unknown[];
  settle(): Promise<void>;
  act(event: ResultsEvent): Promise<void>;
  advance(ms: number): Promise<void>;
  screen(): ResultsScreen;
  auditIds(): string[];
}

export async function settle(): Promise<void> {
  for (let round = 0; round < 8; round++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export function createHarnessMachine(handlers: Handlers, calls: Calls) {
  const record = <K extends ResultsActorName>(name: K) =>
    fromPromise<ResultsActorContracts[K]['output'], ResultsActorContracts[K]['input']>(({ input }) => {
      calls[name].push(input);
      return handlers[name](input);
    });
  return createResultsMachine(PORTS).provide({
    actors: {
      selfCheck: record('selfCheck'),
      verifyPresidentCredential: record('verifyPresidentCredential'),
      runPuestaACero: record('runPuestaACero'),
      readCabinResults: record('readCabinResults'),
      readIdentitySummary: record('readIdentitySummary'),
      printActaCopy: record('printActaCopy'),
      verifyMemberSignature: record('verifyMemberSignature'),
      writeConsolidated: record('writeConsolidated'),
    },
  });
}

export function startResults(options: ResultsOptions = {}): ResultsHarness {
  const clock = new SimulatedClock();
  const handlers: Handlers = { ...workingHandlers(), ...options.handlers };
  const calls = Object.fromEntries(RESULTS_ACTOR_NAMES.map((name) => [name, []])) as unknown as Calls;
  const input: ResultsInput = { cabinIds: CABIN_IDS, mode: 'electronic', actaCopies: ACTA_COPIES, ...options.input };
  const actor = createActor(createHarnessMachine(handlers, calls), { input, clock });
  const audit: ResultsAuditEvent[] = [];
  actor.on('audit', (event) => audit.push(event));
  const errors: unknown[] = [];
  actor.subscribe({ error: (error) => errors.push(error) });
  actor.start();
  return {
    actor,
    clock,
    calls,
    audit,
    errors,
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
}

/** Boot, president, puesta a cero: electronic mesa waiting for the first cabin device. */
export async function startCounting(options: ResultsOptions = {}): Promise<ResultsHarness> {
  const station = startResults(options);
  await station.settle();
  await station.act({ type: 'CREDENTIAL_PRESENTED', credential: PRESIDENT });
  return station;
}

/** Reads both cabins and the identity summary. */
export async function readAllDevices(station: ResultsHarness): Promise<void> {
  for (let device = 0; device < CABIN_IDS.length + 1; device++) await station.act({ type: 'DEVICE_INSERTED' });
}

export async function signAndFinish(station: ResultsHarness): Promise<void> {
  for (const signer of [PRESIDENT, MEMBER_2, MEMBER_3]) await station.act({ type: 'CREDENTIAL_PRESENTED', credential: signer });
  await station.act({ type: 'FINISH_SIGNING' });
}
