/**
 * Checking a tally that came from elsewhere (a cabin result, an acta's data, a transmitted
 * file) against the definition and the tally arithmetic. The observer tool and the results
 * station run this before trusting or adding a tally; `tallySchema` parses untrusted JSON.
 *
 * Arithmetic rules (ids used as problem tags):
 * - valid-sum: valid = sum of organization votes;
 * - emitted-sum: emitted = valid + blank + null;
 * - emitted-ballots: emitted = ballots + art23Blanks (every contest is on every ballot);
 * - art23-blank: blank >= art23Blanks (Art. 23 electors are blank in every contest);
 * - preferential-candidate: a candidate's preferential votes <= the organization's votes
 *   (one voter marks a candidate at most once);
 * - preferential-total: sum of an organization's preferential votes <= its votes x maxPreferential.
 */
import { z } from 'zod';
import type { ElectionDefinition } from '../election/definition.ts';
import { findContest } from '../election/definition.ts';
import type { Result } from '../result.ts';
import { err, ok } from '../result.ts';
import { rowDifference } from './merge.ts';
import type { Tally } from './tally.ts';
import { emptyTally, freezeTally } from './tally.ts';

const count = z.int().min(0);

export const tallySchema = z.strictObject({
  electionId: z.string().max(64),
  mesa: z.string().max(16),
  ballots: count,
  art23Blanks: count,
  contests: z
    .array(
      z.strictObject({
        contestId: z.string().max(64),
        organizations: z
          .array(
            z.strictObject({
              organization: z.int().min(1),
              votes: count,
              preferential: z.array(z.strictObject({ candidate: z.int().min(1), votes: count })).max(1000),
            }),
          )
          .max(1000),
        blank: count,
        null: count,
        valid: count,
        emitted: count,
      }),
    )
    .max(100),
});

export type TallyCheckRule =
  | 'election'
  | 'mesa'
  | 'rows'
  | 'valid-sum'
  | 'emitted-sum'
  | 'emitted-ballots'
  | 'art23-blank'
  | 'preferential-candidate'
  | 'preferential-total';

export interface TallyCheckProblem {
  readonly rule: TallyCheckRule;
  /** English, naming the contest/organization/candidate and the numbers. */
  readonly message: string;
}

/** Parses untrusted JSON (already JSON.parse'd) into a tally; returns zod's messages on failure. */
export function parseTally(input: unknown): Result<Tally, string[]> {
  const parsed = tallySchema.safeParse(input);
  if (!parsed.success) {
    return err(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
  }
  return ok(freezeTally(parsed.data));
}

/** Every problem found; a tally from `tallyBallots`/`mergeTallies`/`addArt23Blanks` always passes. */
export function verifyTally(definition: ElectionDefinition, tally: Tally): Result<Tally, TallyCheckProblem[]> {
  const problems: TallyCheckProblem[] = [];
  const add = (rule: TallyCheckRule, message: string) => problems.push({ rule, message });
  if (tally.electionId !== definition.election.id) {
    add('election', `tally is for election ${JSON.stringify(tally.electionId)}, not ${JSON.stringify(definition.election.id)}`);
  }
  if (tally.mesa !== definition.mesa.number) add('mesa', `tally is for mesa ${tally.mesa}, not ${definition.mesa.number}`);
  const rows = rowDifference(emptyTally(definition), tally);
  if (rows !== undefined) {
    add('rows', `tally rows differ from the definition: ${rows}`);
    return err(problems);
  }
  for (const contest of tally.contests) {
    const where = `contest ${contest.contestId}`;
    const maxPreferential = findContest(definition, contest.contestId)?.maxPreferential ?? 0;
    const valid = contest.organizations.reduce((sum, organization) => sum + organization.votes, 0);
    if (contest.valid !== valid) add('valid-sum', `${where}: valid ${contest.valid} but organizations add up to ${valid}`);
    const emitted = contest.valid + contest.blank + contest.null;
    if (contest.emitted !== emitted) {
      add('emitted-sum', `${where}: emitted ${contest.emitted} but valid + blank + null = ${emitted}`);
    }
    const expected = tally.ballots + tally.art23Blanks;
    if (contest.emitted !== expected) {
      add('emitted-ballots', `${where}: emitted ${contest.emitted} but ballots + Art. 23 blanks = ${expected}`);
    }
    if (contest.blank < tally.art23Blanks) {
      add('art23-blank', `${where}: blank ${contest.blank} is less than the ${tally.art23Blanks} Art. 23 blank(s)`);
    }
    for (const organization of contest.organizations) {
      let total = 0;
      for (const candidate of organization.preferential) {
        total += candidate.votes;
        if (candidate.votes > organization.votes) {
          add(
            'preferential-candidate',
            `${where}, organization ${organization.organization}: candidate ${candidate.candidate} has ${candidate.votes} preferential vote(s), more than the organization's ${organization.votes}`,
          );
        }
      }
      if (total > organization.votes * maxPreferential) {
        add(
          'preferential-total',
          `${where}, organization ${organization.organization}: ${total} preferential vote(s) exceed ${organization.votes} vote(s) x ${maxPreferential}`,
        );
      }
    }
  }
  return problems.length > 0 ? err(problems) : ok(tally);
}
