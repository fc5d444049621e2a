/**
 * Art. 23 of the regulation (no emisión del voto): an elector identified at the identity
 * station (handed an activation device) who does not cast a vote is counted as a BLANK vote,
 * and the fact is written in the observations of the acta de escrutinio.
 *
 * Decisions:
 * - The blank is added in EVERY contest (the elector did not vote in any of them), to `blank`
 *   and `emitted`, and the number is kept in `art23Blanks` so the acta can state it and
 *   `verifyTally` can check emitted = ballots + art23Blanks. No ballot is invented: `ballots`
 *   stays the number of electronic ballots, which must match the cabins and the constancias.
 * - Applied once, to the mesa tally, by the results station with the identity station's count.
 *   Applying it to a tally that already has Art. 23 blanks is refused (a second call would
 *   count the same electors twice).
 */
import type { Result } from '../result.ts';
import { err, ok, unreachable } from '../result.ts';
import type { Tally } from './tally.ts';
import { freezeTally } from './tally.ts';

export type Art23Problem =
  | { readonly kind: 'invalid-count'; readonly count: number }
  | { readonly kind: 'already-applied'; readonly art23Blanks: number };

export function describeArt23Problem(problem: Art23Problem): string {
  switch (problem.kind) {
    case 'invalid-count':
      return `Art. 23 count must be a non-negative integer (got ${problem.count})`;
    case 'already-applied':
      return `Art. 23 blanks were already added to this tally (${problem.art23Blanks}); adding again would count electors twice`;
    default:
      return unreachable(problem, 'Art. 23 problem');
  }
}

export function addArt23Blanks(tally: Tally, count: number): Result<Tally, Art23Problem> {
  if (!Number.isSafeInteger(count) || count < 0) return err({ kind: 'invalid-count', count });
  if (tally.art23Blanks !== 0) return err({ kind: 'already-applied', art23Blanks: tally.art23Blanks });
  return ok(
    freezeTally({
      ...tally,
      art23Blanks: count,
      contests: tally.contests.map((contest) => ({
        ...contest,
        blank: contest.blank + count,
        emitted: contest.emitted + count,
      })),
    }),
  );
}

/**
 * The sentence for the observations of the acta de escrutinio, or undefined when there is
 * nothing to record (count 0).
 */
export function art23Observation(count: number): string | undefined {
  if (count === 0) return undefined;
  if (count === 1) {
    return 'Art. 23: 1 elector identificado no emitió su voto; se contó como voto en blanco en cada elección.';
  }
  return `Art. 23: ${count} electores identificados no emitieron su voto; se contaron como votos en blanco en cada elección.`;
}
