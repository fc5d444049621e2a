/**
 * Adding tallies: the cabins' tallies into the mesa tally (Art. 26.4). Two tallies add only if
 * they describe the same election, mesa and rows (same contests, organizations and candidates
 * in the same order); anything else is refused rather than guessed, since a mismatch means a
 * result from another mesa or another definition.
 */
import type { ElectionDefinition } from '../election/definition.ts';
import type { Result } from '../result.ts';
import { err, ok, unreachable } from '../result.ts';
import type { ContestTally, OrganizationTally, Tally } from './tally.ts';
import { emptyTally, freezeTally } from './tally.ts';

export type TallyMergeProblem =
  | { readonly kind: 'different-election'; readonly a: string; readonly b: string }
  | { readonly kind: 'different-mesa'; readonly a: string; readonly b: string }
  | { readonly kind: 'different-rows'; readonly detail: string };

export function describeTallyMergeProblem(problem: TallyMergeProblem): string {
  switch (problem.kind) {
    case 'different-election':
      return `cannot add tallies of different elections (${JSON.stringify(problem.a)} and ${JSON.stringify(problem.b)})`;
    case 'different-mesa':
      return `cannot add tallies of different mesas (${problem.a} and ${problem.b})`;
    case 'different-rows':
      return `cannot add tallies with different rows: ${problem.detail}`;
    default:
      return unreachable(problem, 'merge problem');
  }
}

/** Where two tallies' rows differ, or undefined when they have the same rows. */
export function rowDifference(a: Tally, b: Tally): string | undefined {
  const contestIds = (t: Tally) => t.contests.map((contest) => contest.contestId).join(',');
  if (contestIds(a) !== contestIds(b)) return `contests [${contestIds(a)}] vs [${contestIds(b)}]`;
  for (const [i, contestA] of a.contests.entries()) {
    const contestB = b.contests[i];
    if (contestB === undefined) return 'contest count';
    const organizations = (c: ContestTally) => c.organizations.map((o) => o.organization).join(',');
    if (organizations(contestA) !== organizations(contestB)) {
      return `contest ${contestA.contestId}: organizations [${organizations(contestA)}] vs [${organizations(contestB)}]`;
    }
    for (const [j, orgA] of contestA.organizations.entries()) {
      const orgB = contestB.organizations[j];
      const candidates = (o: OrganizationTally | undefined) => (o?.preferential ?? []).map((c) => c.candidate).join(',');
      if (candidates(orgA) !== candidates(orgB)) {
        return `contest ${contestA.contestId}, organization ${orgA.organization}: candidates [${candidates(orgA)}] vs [${candidates(orgB)}]`;
      }
    }
  }
  return undefined;
}

function sumContests(a: ContestTally, b: ContestTally): ContestTally {
  return {
    contestId: a.contestId,
    organizations: a.organizations.map((orgA, j) => {
      const orgB = b.organizations[j];
      if (orgB === undefined) throw new Error('merge: rows were checked equal');
      return {
        organization: orgA.organization,
        votes: orgA.votes + orgB.votes,
        preferential: orgA.preferential.map((candidate, k) => ({
          candidate: candidate.candidate,
          votes: candidate.votes + (orgB.preferential[k]?.votes ?? 0),
        })),
      };
    }),
    blank: a.blank + b.blank,
    null: a.null + b.null,
    valid: a.valid + b.valid,
    emitted: a.emitted + b.emitted,
  };
}

/** a + b, counter by counter. */
export function mergeTallies(a: Tally, b: Tally): Result<Tally, TallyMergeProblem> {
  if (a.electionId !== b.electionId) return err({ kind: 'different-election', a: a.electionId, b: b.electionId });
  if (a.mesa !== b.mesa) return err({ kind: 'different-mesa', a: a.mesa, b: b.mesa });
  const difference = rowDifference(a, b);
  if (difference !== undefined) return err({ kind: 'different-rows', detail: difference });
  return ok(
    freezeTally({
      electionId: a.electionId,
      mesa: a.mesa,
      ballots: a.ballots + b.ballots,
      art23Blanks: a.art23Blanks + b.art23Blanks,
      contests: a.contests.map((contest, i) => {
        const other = b.contests[i];
        if (other === undefined) throw new Error('merge: rows were checked equal');
        return sumContests(contest, other);
      }),
    }),
  );
}

/** The mesa tally from the cabins' tallies, starting at the definition's zero tally. */
export function mergeAllTallies(definition: ElectionDefinition, tallies: readonly Tally[]): Result<Tally, TallyMergeProblem> {
  let total = emptyTally(definition);
  for (const tally of tallies) {
    const merged = mergeTallies(total, tally);
    if (!merged.ok) return merged;
    total = merged.value;
  }
  return ok(total);
}
