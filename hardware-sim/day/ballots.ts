/**
 * The ballots of a simulated day: seeded random ones (blank, null, organizations with and
 * without preferential votes) or a script file, and the tallies they must produce.
 *
 * Script format (`vep sim day --script FILE`): a JSON array of ballots in the shared ballot
 * encoding (shared/ballot/encoding.ts `ballotSchema`), voted in order, one voter each:
 *   [ { "choices": { "<contestId>": { "kind": "blank" } | { "kind": "null" } |
 *                    { "kind": "organization", "organization": 3, "preferential": [1, 4] } } }, ... ]
 * Every contest of the definition must have a choice; each ballot is validated with the shared
 * rules (validateBallot) before the day starts.
 */
import fs from 'node:fs';
import type { Ballot, ContestChoice } from '../../shared/ballot/ballot.ts';
import { ballotSchema } from '../../shared/ballot/encoding.ts';
import { describeBallotProblem, validateBallot } from '../../shared/ballot/rules.ts';
import type { ElectionDefinition } from '../../shared/election/definition.ts';
import { err, ok, type Result } from '../../shared/result.ts';
import { addArt23Blanks } from '../../shared/tally/art23.ts';
import { mergeAllTallies } from '../../shared/tally/merge.ts';
import { tallyBallots, type Tally } from '../../shared/tally/tally.ts';
import { randomIndex, type Random } from './prng.ts';

/** Share of contests left blank / voided by a random voter. */
const BLANK_SHARE = 0.08;
const NULL_SHARE = 0.06;

export function randomBallot(definition: ElectionDefinition, random: Random): Ballot {
  const choices: Record<string, ContestChoice> = {};
  for (const contest of definition.contests) {
    const r = random();
    if (r < BLANK_SHARE || contest.organizations.length === 0) {
      choices[contest.id] = { kind: 'blank' };
      continue;
    }
    if (r < BLANK_SHARE + NULL_SHARE) {
      choices[contest.id] = { kind: 'null' };
      continue;
    }
    const organization = contest.organizations[randomIndex(random, contest.organizations.length)];
    if (organization === undefined) throw new Error('bug: organization index out of range');
    const max = contest.kind === 'organization-list' ? contest.maxPreferential : 0;
    const pool = (organization.candidates ?? []).map((c) => c.number);
    const wanted = Math.min(pool.length, randomIndex(random, max + 1));
    const preferential: number[] = [];
    while (preferential.length < wanted) {
      const pick = pool.splice(randomIndex(random, pool.length), 1)[0];
      if (pick !== undefined) preferential.push(pick);
    }
    choices[contest.id] = { kind: 'organization', organization: organization.number, preferential: preferential.sort((a, b) => a - b) };
  }
  const valid = validateBallot(definition, { choices });
  if (!valid.ok) throw new Error(`bug: random ballot invalid: ${valid.error.map(describeBallotProblem).join('; ')}`);
  return valid.value;
}

export function loadScript(file: string, definition: ElectionDefinition): Result<Ballot[], string> {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    return err(`cannot read the script ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!Array.isArray(json)) return err(`script ${file}: expected a JSON array of ballots`);
  const ballots: Ballot[] = [];
  for (const [i, entry] of json.entries()) {
    const parsed = ballotSchema.safeParse(entry);
    if (!parsed.success) return err(`script ballot ${i + 1}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`);
    const valid = validateBallot(definition, parsed.data);
    if (!valid.ok) return err(`script ballot ${i + 1}: ${valid.error.map(describeBallotProblem).join('; ')}`);
    ballots.push(valid.value);
  }
  return ok(ballots);
}

/** Tally of ballot groups (one per cabin) merged, plus the Art. 23 blanks. */
export function tallyOf(definition: ElectionDefinition, groups: readonly (readonly Ballot[])[], art23: number): Result<Tally, string> {
  const tallies: Tally[] = [];
  for (const ballots of groups) {
    const counted = tallyBallots(definition, ballots);
    if (!counted.ok) return err(`tally: ${JSON.stringify(counted.error)}`);
    tallies.push(counted.value);
  }
  const merged = mergeAllTallies(definition, tallies);
  if (!merged.ok) return err(`merge: ${JSON.stringify(merged.error)}`);
  const withBlanks = addArt23Blanks(merged.value, art23);
  if (!withBlanks.ok) return err(`art23: ${JSON.stringify(withBlanks.error)}`);
  return ok(withBlanks.value);
}
