/**
 * How the vote store writes a ballot: `encodeBallot` (shared/ballot/encoding.ts), the canonical
 * JSON of the normalized Ballot, so equal ballots are equal bytes and nothing of the voter's
 * input history (key order, typing order of preferential numbers) survives.
 *
 * The store has no election definition, so it checks structure only (the cabin validated the
 * ballot against the definition with validateBallot before committing). Stored text is parsed
 * back with a strict schema and must be canonical: the file may have been edited. Consumers with
 * the definition (results station) use decodeBallot for the full check.
 */
import { z } from 'zod';
import type { Ballot } from '../shared/ballot/ballot.ts';
import { canonicalJson, CanonicalJsonError } from '../shared/crypto/canonical-json.ts';
import { encodeBallot } from '../shared/ballot/encoding.ts';
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
  let text: string;
  try {
    text = encodeBallot(ballot);
  } catch (e) {
    if (e instanceof CanonicalJsonError) return err(e.message);
    throw e;
  }
  // Whatever is stored must read back: refuse here what decodeStoredBallot would refuse later.
  const back = decodeStoredBallot(text);
  return back.ok ? ok(text) : err(back.error);
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
