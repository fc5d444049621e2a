/**
 * Reconciliation at the close of the mesa: do the cabins' ballots match what the identity
 * station saw? A mismatch is the signature of the worst bugs (a vote lost or counted twice),
 * so each one is explained in English (log) and in Spanish (screen and acta observations).
 *
 * How electors are counted:
 * - ballots: electronic ballots stored by the cabins (sum over cabins). Each one consumed one
 *   activation, so ballots must EQUAL activationsConsumed.
 * - Art. 23 (no emisión del voto): identified, handed an activation device, did not vote. Not a
 *   ballot; counted as a blank vote in every contest (see art23.ts). Every issued activation is
 *   either consumed or Art. 23: activationsIssued = activationsConsumed + art23NotVoted.
 * - Impugnados (Art. 24): the elector's identity was challenged; they vote on PAPER, and their
 *   DNI and paper cédula go in an envelope to the JEE, which decides whether the vote counts in
 *   the final cómputo. They get no activation and are NOT in the electronic tally; the acta de
 *   sufragio records them. They did vote, so they count among the voters.
 * - voters (ciudadanos que votaron) = ballots + art23NotVoted + impugnados <= electoresHabiles;
 *   absent = electoresHabiles - voters.
 */
import type { Result } from '../result.ts';
import { err, ok, unreachable } from '../result.ts';
import type { Tally } from './tally.ts';

export interface IdentitySummary {
  /** Electors entitled to vote at this mesa (size of the padrón). */
  readonly electoresHabiles: number;
  /** Electors identified and handed an activation device. */
  readonly activationsIssued: number;
  /** Activations a cabin used up by storing a ballot. */
  readonly activationsConsumed: number;
  /** Identified electors who did not cast a vote (Art. 23). */
  readonly art23NotVoted: number;
  /** Electors whose identity was impugned (Art. 24), who voted on paper. */
  readonly impugnados: number;
}

export interface ReconciliationInput {
  /** Ballots stored per cabin, keyed by cabin id. */
  readonly cabinBallotCounts: Readonly<Record<string, number>>;
  readonly identity: IdentitySummary;
  /** When given, the mesa tally about to be printed is cross-checked too. */
  readonly tally?: Pick<Tally, 'ballots' | 'art23Blanks'>;
}

export interface ReconciliationOk {
  readonly cabins: readonly { readonly cabinId: string; readonly ballots: number }[];
  readonly ballots: number;
  readonly art23NotVoted: number;
  readonly impugnados: number;
  /** Ciudadanos que votaron: ballots + Art. 23 + impugnados. */
  readonly voters: number;
  readonly absent: number;
  readonly electoresHabiles: number;
}

export type ReconciliationProblem =
  | { readonly kind: 'invalid-count'; readonly field: string; readonly value: number }
  | { readonly kind: 'ballots-activations-mismatch'; readonly ballots: number; readonly activationsConsumed: number }
  | {
      readonly kind: 'activations-unaccounted';
      readonly activationsIssued: number;
      readonly activationsConsumed: number;
      readonly art23NotVoted: number;
    }
  | { readonly kind: 'voters-exceed-electors'; readonly voters: number; readonly electoresHabiles: number }
  | { readonly kind: 'tally-ballots-mismatch'; readonly tallyBallots: number; readonly cabinBallots: number }
  | { readonly kind: 'tally-art23-mismatch'; readonly tallyArt23Blanks: number; readonly art23NotVoted: number };

function isCount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

export function reconcile(input: ReconciliationInput): Result<ReconciliationOk, ReconciliationProblem[]> {
  const { identity } = input;
  const invalid: ReconciliationProblem[] = [];
  const cabins = Object.entries(input.cabinBallotCounts)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([cabinId, ballots]) => ({ cabinId, ballots }));
  for (const { cabinId, ballots } of cabins) {
    if (!isCount(ballots)) invalid.push({ kind: 'invalid-count', field: `cabinBallotCounts.${cabinId}`, value: ballots });
  }
  for (const [field, value] of Object.entries(identity) as [keyof IdentitySummary, number][]) {
    if (!isCount(value)) invalid.push({ kind: 'invalid-count', field: `identity.${field}`, value });
  }
  if (input.tally !== undefined) {
    if (!isCount(input.tally.ballots)) invalid.push({ kind: 'invalid-count', field: 'tally.ballots', value: input.tally.ballots });
    if (!isCount(input.tally.art23Blanks)) {
      invalid.push({ kind: 'invalid-count', field: 'tally.art23Blanks', value: input.tally.art23Blanks });
    }
  }
  if (invalid.length > 0) return err(invalid);

  const problems: ReconciliationProblem[] = [];
  const ballots = cabins.reduce((sum, cabin) => sum + cabin.ballots, 0);
  if (ballots !== identity.activationsConsumed) {
    problems.push({ kind: 'ballots-activations-mismatch', ballots, activationsConsumed: identity.activationsConsumed });
  }
  if (identity.activationsIssued !== identity.activationsConsumed + identity.art23NotVoted) {
    problems.push({
      kind: 'activations-unaccounted',
      activationsIssued: identity.activationsIssued,
      activationsConsumed: identity.activationsConsumed,
      art23NotVoted: identity.art23NotVoted,
    });
  }
  const voters = ballots + identity.art23NotVoted + identity.impugnados;
  if (voters > identity.electoresHabiles) {
    problems.push({ kind: 'voters-exceed-electors', voters, electoresHabiles: identity.electoresHabiles });
  }
  if (input.tally !== undefined) {
    if (input.tally.ballots !== ballots) {
      problems.push({ kind: 'tally-ballots-mismatch', tallyBallots: input.tally.ballots, cabinBallots: ballots });
    }
    if (input.tally.art23Blanks !== identity.art23NotVoted) {
      problems.push({ kind: 'tally-art23-mismatch', tallyArt23Blanks: input.tally.art23Blanks, art23NotVoted: identity.art23NotVoted });
    }
  }
  if (problems.length > 0) return err(problems);
  return ok({
    cabins,
    ballots,
    art23NotVoted: identity.art23NotVoted,
    impugnados: identity.impugnados,
    voters,
    absent: identity.electoresHabiles - voters,
    electoresHabiles: identity.electoresHabiles,
  });
}

/** English, for the log. */
export function describeReconciliationProblem(problem: ReconciliationProblem): string {
  switch (problem.kind) {
    case 'invalid-count':
      return `${problem.field} must be a non-negative integer (got ${problem.value})`;
    case 'ballots-activations-mismatch': {
      const difference = problem.ballots - problem.activationsConsumed;
      const what = difference < 0 ? `${-difference} ballot(s) missing` : `${difference} ballot(s) too many`;
      return `cabins stored ${problem.ballots} ballot(s) but the identity station counts ${problem.activationsConsumed} consumed activation(s): ${what}`;
    }
    case 'activations-unaccounted': {
      const accounted = problem.activationsConsumed + problem.art23NotVoted;
      return `${problem.activationsIssued} activation(s) issued but ${accounted} accounted for (${problem.activationsConsumed} consumed + ${problem.art23NotVoted} Art. 23 not voted)`;
    }
    case 'voters-exceed-electors':
      return `${problem.voters} voter(s) (ballots + Art. 23 + impugnados) exceed the ${problem.electoresHabiles} electores hábiles`;
    case 'tally-ballots-mismatch':
      return `the tally counts ${problem.tallyBallots} ballot(s) but the cabins stored ${problem.cabinBallots}`;
    case 'tally-art23-mismatch':
      return `the tally has ${problem.tallyArt23Blanks} Art. 23 blank(s) but the identity station counts ${problem.art23NotVoted}`;
    default:
      return unreachable(problem, 'reconciliation problem');
  }
}

/** "1 voto" / "2 votos". */
function count(n: number, singular: string, plural: string): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

const votos = (n: number) => count(n, 'voto', 'votos');
const dispositivos = (n: number) => count(n, 'dispositivo de activación', 'dispositivos de activación');
const electores = (n: number) => count(n, 'elector', 'electores');

/** Plain Spanish, for the results-station screen and the observations of the acta. */
export function reconciliationProblemForActa(problem: ReconciliationProblem): string {
  switch (problem.kind) {
    case 'invalid-count':
      return `Dato no válido en el resumen de la mesa (${problem.field}).`;
    case 'ballots-activations-mismatch': {
      const difference = problem.ballots - problem.activationsConsumed;
      const what = difference < 0 ? `faltan ${votos(-difference)}` : `sobran ${votos(difference)}`;
      return `Las cabinas registran ${votos(problem.ballots)}, pero la estación de comprobación de identidad registra ${dispositivos(problem.activationsConsumed)} ${problem.activationsConsumed === 1 ? 'usado' : 'usados'} para votar: ${what}.`;
    }
    case 'activations-unaccounted': {
      const accounted = problem.activationsConsumed + problem.art23NotVoted;
      return `Se entregaron ${dispositivos(problem.activationsIssued)}, pero ${accounted === 1 ? 'solo 1 está registrado' : `${accounted} están registrados`} como voto emitido (${problem.activationsConsumed}) o como no emisión del voto, Art. 23 (${problem.art23NotVoted}).`;
    }
    case 'voters-exceed-electors':
      return `Figuran ${electores(problem.voters)} que votaron (en cabina, Art. 23 e impugnados), más que los ${problem.electoresHabiles} electores hábiles de la mesa.`;
    case 'tally-ballots-mismatch':
      return `El escrutinio cuenta ${count(problem.tallyBallots, 'voto electrónico', 'votos electrónicos')}, pero las cabinas registran ${votos(problem.cabinBallots)}.`;
    case 'tally-art23-mismatch':
      return `El escrutinio incluye ${count(problem.tallyArt23Blanks, 'voto en blanco', 'votos en blanco')} por Art. 23, pero la estación de comprobación de identidad registra ${electores(problem.art23NotVoted)} que no emitieron su voto.`;
    default:
      return unreachable(problem, 'reconciliation problem');
  }
}
