/**
 * Counting ballots: the tally shape and the counting itself, shared by the cabin (its own
 * results report), the results station (mesa tally, acta de escrutinio) and the observer tool
 * (independent re-count). Pure functions; outputs are frozen.
 *
 * Shape decisions:
 * - A tally lists EVERY contest (definition order), every organization (ballot-number order)
 *   and, in contests with preferential votes, every candidate of each list (number order),
 *   zeros included. Its shape is therefore fixed by the definition: a puesta a cero report and
 *   a full acta have the same rows, tallies merge row by row, and canonical JSON of a tally is
 *   deterministic. Closed lists and single-choice contests have `preferential: []`.
 * - Counts only; nothing about individual ballots or their order survives in a tally.
 * - Invariants (checked by `verifyTally`, proven by the tests): per contest
 *   valid = sum of organization votes; emitted = valid + blank + null = ballots + art23Blanks.
 */
import type { Ballot } from '../ballot/ballot.ts';
import type { BallotProblem } from '../ballot/rules.ts';
import { describeBallotProblem, validateBallot } from '../ballot/rules.ts';
import type { Contest, ElectionDefinition } from '../election/definition.ts';
import type { Result } from '../result.ts';
import { err, ok, unreachable } from '../result.ts';

export interface CandidateVotes {
  readonly candidate: number;
  readonly votes: number;
}

export interface OrganizationTally {
  /** Ballot number of the organization in this contest. */
  readonly organization: number;
  readonly votes: number;
  /** Preferential votes per candidate; empty in contests without preferential votes. */
  readonly preferential: readonly CandidateVotes[];
}

export interface ContestTally {
  readonly contestId: string;
  readonly organizations: readonly OrganizationTally[];
  readonly blank: number;
  readonly null: number;
  /** Votes for organizations (votos válidos) = sum of `organizations[].votes`. */
  readonly valid: number;
  /** Votos emitidos = valid + blank + null = ballots + art23Blanks of the tally. */
  readonly emitted: number;
}

export interface Tally {
  readonly electionId: string;
  readonly mesa: string;
  /** Electronic ballots counted. */
  readonly ballots: number;
  /** Art. 23 blank votes added at the mesa (see art23.ts); 0 on cabin tallies. */
  readonly art23Blanks: number;
  readonly contests: readonly ContestTally[];
}

export type TallyProblem = {
  readonly kind: 'invalid-ballot';
  /** Position of the ballot in the list given to `tallyBallots` (0-based). */
  readonly index: number;
  readonly problems: readonly BallotProblem[];
};

export function describeTallyProblem(problem: TallyProblem): string {
  switch (problem.kind) {
    case 'invalid-ballot':
      return `ballot #${problem.index} is invalid and was not counted: ${problem.problems.map(describeBallotProblem).join('; ')}`;
    default:
      return unreachable(problem.kind, 'tally problem');
  }
}

export function contestAllowsPreferential(contest: Contest): boolean {
  return contest.kind === 'organization-list' && contest.maxPreferential > 0;
}

/** Deeply freezes a freshly built tally (plain objects and arrays only). */
export function freezeTally(tally: Tally): Tally {
  for (const contest of tally.contests) {
    for (const organization of contest.organizations) {
      for (const candidate of organization.preferential) Object.freeze(candidate);
      Object.freeze(organization.preferential);
      Object.freeze(organization);
    }
    Object.freeze(contest.organizations);
    Object.freeze(contest);
  }
  Object.freeze(tally.contests);
  return Object.freeze(tally);
}

interface Counter {
  votes: number;
  preferential: Map<number, number>;
}

interface ContestCounter {
  organizations: Map<number, Counter>;
  blank: number;
  null: number;
}

function countersFor(definition: ElectionDefinition): Map<string, ContestCounter> {
  const counters = new Map<string, ContestCounter>();
  for (const contest of definition.contests) {
    const organizations = new Map<number, Counter>();
    for (const organization of contest.organizations) {
      const preferential = new Map<number, number>();
      if (contestAllowsPreferential(contest)) {
        for (const candidate of organization.candidates ?? []) preferential.set(candidate.number, 0);
      }
      organizations.set(organization.number, { votes: 0, preferential });
    }
    counters.set(contest.id, { organizations, blank: 0, null: 0 });
  }
  return counters;
}

function byNumber<T>(entries: Iterable<[number, T]>): [number, T][] {
  return [...entries].sort(([a], [b]) => a - b);
}

function tallyFromCounters(
  definition: ElectionDefinition,
  counters: Map<string, ContestCounter>,
  ballots: number,
): Tally {
  const contests = definition.contests.map((contest): ContestTally => {
    const counter = counters.get(contest.id);
    if (counter === undefined) throw new Error(`tally: no counter for contest ${contest.id}`);
    const organizations = byNumber(counter.organizations.entries()).map(
      ([organization, { votes, preferential }]): OrganizationTally => ({
        organization,
        votes,
        preferential: byNumber(preferential.entries()).map(([candidate, count]) => ({ candidate, votes: count })),
      }),
    );
    const valid = organizations.reduce((sum, organization) => sum + organization.votes, 0);
    return {
      contestId: contest.id,
      organizations,
      blank: counter.blank,
      null: counter.null,
      valid,
      emitted: valid + counter.blank + counter.null,
    };
  });
  return freezeTally({
    electionId: definition.election.id,
    mesa: definition.mesa.number,
    ballots,
    art23Blanks: 0,
    contests,
  });
}

/** Puesta a cero: the definition's full tally with every counter at 0. */
export function emptyTally(definition: ElectionDefinition): Tally {
  return tallyFromCounters(definition, countersFor(definition), 0);
}

/** True when no ballot, Art. 23 blank or vote of any kind is counted. */
export function isZeroTally(tally: Tally): boolean {
  return (
    tally.ballots === 0 &&
    tally.art23Blanks === 0 &&
    tally.contests.every(
      (contest) =>
        contest.blank === 0 &&
        contest.null === 0 &&
        contest.valid === 0 &&
        contest.emitted === 0 &&
        contest.organizations.every(
          (organization) =>
            organization.votes === 0 && organization.preferential.every((candidate) => candidate.votes === 0),
        ),
    )
  );
}

/**
 * Counts ballots. Every ballot is validated first; any invalid one makes the whole count fail
 * with a problem naming its index (an invalid stored ballot means a bug or tampering: it must
 * be looked at, never silently counted or skipped). Order of `ballots` does not matter.
 */
export function tallyBallots(definition: ElectionDefinition, ballots: readonly Ballot[]): Result<Tally, TallyProblem[]> {
  const counters = countersFor(definition);
  const problems: TallyProblem[] = [];
  for (const [index, ballot] of ballots.entries()) {
    const checked = validateBallot(definition, ballot);
    if (!checked.ok) {
      problems.push({ kind: 'invalid-ballot', index, problems: checked.error });
      continue;
    }
    if (problems.length > 0) continue; // the count is discarded anyway; keep looking for problems
    for (const [contestId, choice] of Object.entries(checked.value.choices)) {
      const counter = counters.get(contestId);
      if (counter === undefined) throw new Error(`tally: validated ballot has unknown contest ${contestId}`);
      switch (choice.kind) {
        case 'blank':
          counter.blank += 1;
          break;
        case 'null':
          counter.null += 1;
          break;
        case 'organization': {
          const organization = counter.organizations.get(choice.organization);
          if (organization === undefined) throw new Error(`tally: validated ballot has unknown organization`);
          organization.votes += 1;
          for (const candidate of choice.preferential) {
            const current = organization.preferential.get(candidate);
            if (current === undefined) throw new Error(`tally: validated ballot has unknown candidate`);
            organization.preferential.set(candidate, current + 1);
          }
          break;
        }
        default:
          unreachable(choice, 'choice');
      }
    }
  }
  if (problems.length > 0) return err(problems);
  return ok(tallyFromCounters(definition, counters, ballots.length));
}
