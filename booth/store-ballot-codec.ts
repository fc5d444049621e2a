/**
 * How the vote store writes a ballot: canonical JSON of the Ballot (shared/ballot/ballot.ts), so
 * equal ballots are equal bytes and nothing of the voter's input history (key order, typing order
 * of preferential numbers) survives. `shared/ballot/encoding.ts` did not exist when this store was
 * written; when it lands, this is the one place to switch to its `encodeBallot`.
 *
 * Stored text is parsed back with a strict schema: the file may have been edited.
 */
import { z } from 'zod';
import type { Ballot } from '../shared/ballot/ballot.ts';
import { canonicalJson } from '../shared/crypto/canonical-json.ts';
import { err, ok, type Result } from '../shared/result.ts';

const preferential = z
  .array(z.number().int().positive().max(9999))
  .max(16)
  .refine((list) => list.every((n, i) => i === 0 || n > (list[i - 1] ?? 0)), {
    message: 'preferential numbers must be ascending without repeats (typing order must not be stored)',
  });

const choiceSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('blank') }),
  z.strictObject({ kind: z.literal('null') }),
  z.strictObject({ kind: z.literal('organization'), organization: z.number().int().positive().max(9999), preferential }),
]);

const ballotSchema = z.strictObject({
  choices: z.record(z.string().min(1).max(64), choiceSchema).refine((choices) => Object.keys(choices).length > 0, {
    message: 'a ballot has at least one contest',
  }),
});

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue === undefined ? 'invalid ballot' : `${issue.path.join('.') || 'ballot'}: ${issue.message}`;
}

export function encodeStoredBallot(ballot: Ballot): Result<string, string> {
  const parsed = ballotSchema.safeParse(ballot);
  if (!parsed.success) return err(firstIssue(parsed.error));
  return ok(canonicalJson(parsed.data));
}

export function decodeStoredBallot(text: string): Result<Ballot, string> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return err('stored ballot is not JSON');
  }
  const parsed = ballotSchema.safeParse(value);
  if (!parsed.success) return err(firstIssue(parsed.error));
  if (canonicalJson(parsed.data) !== text) return err('stored ballot is not in canonical form');
  return ok(parsed.data);
}
