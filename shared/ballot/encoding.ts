/**
 * Text forms of a ballot.
 *
 * 1. Canonical JSON (`encodeBallot`/`decodeBallot`): what vote stores and cabin results hold.
 *    One ballot has exactly one text: keys sorted, preferential ascending, no extra fields.
 *    Decoding requires the text to BE that form (decode, validate, re-encode, compare), which
 *    also refuses duplicate JSON keys (JSON.parse would silently keep the last one) and
 *    unsorted preferential numbers (typing order must never be stored).
 *
 * 2. Compact form for the constancia's QR (`encodeCompactBallot`/`decodeCompactBallot`):
 *
 *      VEP1/<ELECTION ID, upper case>/<mesa>/<contest 1>/<contest 2>/.../<contest N>
 *      contest:  B (blank) | N (null) | <org> | <org>:<p1> | <org>:<p1>+<p2>
 *      e.g.      VEP1/EG2026/041287/7/12:3+15/B/4:2/N
 *
 *    Contests are positional, in definition order: the decoder needs the definition anyway to
 *    validate, and leaving ids out keeps the symbol small. Every character is in the QR
 *    alphanumeric set (0-9 A-Z space $ % * + - . / :), so the symbol uses 5.5 bits per
 *    character: the worst eg2026 ballot (~45 characters) is a version-3 QR (29 modules), far
 *    inside 80 mm paper at 6 dots per module (96 modules including the quiet zone). Numbers
 *    have no leading zeros and preferential numbers are ascending; any other spelling of the
 *    same ballot is refused as not canonical. The code holds nothing but the choices, the
 *    election and the mesa: identical ballots give identical codes (no id, time or order).
 */
import { z } from 'zod';
import type { Ballot, ContestChoice } from './ballot.ts';
import type { ElectionDefinition } from '../election/definition.ts';
import { canonicalJson } from '../crypto/canonical-json.ts';
import type { Result } from '../result.ts';
import { err, unreachable } from '../result.ts';
import type { BallotProblem } from './rules.ts';
import { describeBallotProblem, validateBallot } from './rules.ts';

/** Far above any real ballot (a few hundred bytes); refused before parsing. */
export const MAX_BALLOT_TEXT_LENGTH = 16 * 1024;
export const MAX_COMPACT_BALLOT_LENGTH = 1024;
export const COMPACT_BALLOT_VERSION = 'VEP1';

function normalizeChoice(choice: ContestChoice): ContestChoice {
  switch (choice.kind) {
    case 'blank':
    case 'null':
      return { kind: choice.kind };
    case 'organization':
      return {
        kind: 'organization',
        organization: choice.organization,
        preferential: [...choice.preferential].sort((a, b) => a - b),
      };
    default:
      return unreachable(choice, 'choice');
  }
}

/** Canonical JSON of the ballot (structurally normalized; validate it first with `validateBallot`). */
export function encodeBallot(ballot: Ballot): string {
  const choices: Record<string, ContestChoice> = {};
  for (const [contestId, choice] of Object.entries(ballot.choices)) choices[contestId] = normalizeChoice(choice);
  return canonicalJson({ choices });
}

const ballotNumber = z.int().min(1);

const choiceSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('blank') }),
  z.strictObject({ kind: z.literal('null') }),
  z.strictObject({
    kind: z.literal('organization'),
    organization: ballotNumber,
    preferential: z.array(ballotNumber).max(16),
  }),
]);

export const ballotSchema = z.strictObject({ choices: z.record(z.string(), choiceSchema) });

export type BallotDecodeProblem =
  | { readonly kind: 'too-long'; readonly length: number; readonly max: number }
  | { readonly kind: 'json-syntax'; readonly detail: string }
  | { readonly kind: 'schema'; readonly detail: string }
  | { readonly kind: 'invalid-ballot'; readonly problems: readonly BallotProblem[] }
  | { readonly kind: 'not-canonical' };

export function decodeBallot(definition: ElectionDefinition, text: string): Result<Ballot, BallotDecodeProblem> {
  if (text.length > MAX_BALLOT_TEXT_LENGTH) {
    return err({ kind: 'too-long', length: text.length, max: MAX_BALLOT_TEXT_LENGTH });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error: unknown) {
    return err({ kind: 'json-syntax', detail: error instanceof Error ? error.message : 'unparseable' });
  }
  const parsed = ballotSchema.safeParse(json);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    return err({ kind: 'schema', detail });
  }
  const valid = validateBallot(definition, parsed.data);
  if (!valid.ok) return err({ kind: 'invalid-ballot', problems: valid.error });
  if (encodeBallot(valid.value) !== text) return err({ kind: 'not-canonical' });
  return valid;
}

export function describeBallotDecodeProblem(problem: BallotDecodeProblem): string {
  switch (problem.kind) {
    case 'too-long':
      return `ballot text is ${problem.length} characters, at most ${problem.max} allowed`;
    case 'json-syntax':
      return `ballot text is not JSON: ${problem.detail}`;
    case 'schema':
      return `ballot has the wrong shape: ${problem.detail}`;
    case 'invalid-ballot':
      return `invalid ballot: ${problem.problems.map(describeBallotProblem).join('; ')}`;
    case 'not-canonical':
      return 'ballot text is not in canonical form (keys order, spacing, preferential order or duplicate keys)';
    default:
      return unreachable(problem, 'ballot decode problem');
  }
}

// ---------------------------------------------------------------------------------------------
// Compact form for the constancia QR

function compactChoice(choice: ContestChoice): string {
  switch (choice.kind) {
    case 'blank':
      return 'B';
    case 'null':
      return 'N';
    case 'organization': {
      const sorted = [...choice.preferential].sort((a, b) => a - b);
      return sorted.length === 0 ? String(choice.organization) : `${choice.organization}:${sorted.join('+')}`;
    }
    default:
      return unreachable(choice, 'choice');
  }
}

/** The QR text of a (validated) ballot. Throws on a ballot missing a contest: a bug. */
export function encodeCompactBallot(definition: ElectionDefinition, ballot: Ballot): string {
  const fields = definition.contests.map((contest) => {
    const choice = ballot.choices[contest.id];
    if (choice === undefined) throw new Error(`compact ballot: no choice for contest ${contest.id} (not validated)`);
    return compactChoice(choice);
  });
  return [COMPACT_BALLOT_VERSION, definition.election.id.toUpperCase(), definition.mesa.number, ...fields].join('/');
}

export type CompactDecodeProblem =
  | { readonly kind: 'too-long'; readonly length: number; readonly max: number }
  | { readonly kind: 'wrong-version'; readonly found: string }
  | { readonly kind: 'wrong-election'; readonly found: string; readonly expected: string }
  | { readonly kind: 'wrong-mesa'; readonly found: string; readonly expected: string }
  | { readonly kind: 'wrong-contest-count'; readonly found: number; readonly expected: number }
  | { readonly kind: 'malformed'; readonly position: number; readonly field: string }
  | { readonly kind: 'invalid-ballot'; readonly problems: readonly BallotProblem[] }
  | { readonly kind: 'not-canonical' };

const CANONICAL_NUMBER = /^[1-9][0-9]{0,8}$/u;

function parseNumber(text: string): number | undefined {
  return CANONICAL_NUMBER.test(text) ? Number(text) : undefined;
}

function parseCompactChoice(field: string): ContestChoice | undefined {
  if (field === 'B') return { kind: 'blank' };
  if (field === 'N') return { kind: 'null' };
  const parts = field.split(':');
  if (parts.length > 2) return undefined;
  const organization = parseNumber(parts[0] ?? '');
  if (organization === undefined) return undefined;
  const preferential: number[] = [];
  if (parts[1] !== undefined) {
    for (const item of parts[1].split('+')) {
      const number = parseNumber(item);
      if (number === undefined) return undefined;
      preferential.push(number);
    }
  }
  return { kind: 'organization', organization, preferential };
}

export function decodeCompactBallot(definition: ElectionDefinition, text: string): Result<Ballot, CompactDecodeProblem> {
  if (text.length > MAX_COMPACT_BALLOT_LENGTH) {
    return err({ kind: 'too-long', length: text.length, max: MAX_COMPACT_BALLOT_LENGTH });
  }
  const [version = '', election = '', mesa = '', ...fields] = text.split('/');
  if (version !== COMPACT_BALLOT_VERSION) return err({ kind: 'wrong-version', found: version });
  const expectedElection = definition.election.id.toUpperCase();
  if (election !== expectedElection) return err({ kind: 'wrong-election', found: election, expected: expectedElection });
  if (mesa !== definition.mesa.number) return err({ kind: 'wrong-mesa', found: mesa, expected: definition.mesa.number });
  if (fields.length !== definition.contests.length) {
    return err({ kind: 'wrong-contest-count', found: fields.length, expected: definition.contests.length });
  }
  const choices: Record<string, ContestChoice> = {};
  for (const [index, contest] of definition.contests.entries()) {
    const field = fields[index] ?? '';
    const choice = parseCompactChoice(field);
    if (choice === undefined) return err({ kind: 'malformed', position: index + 1, field });
    choices[contest.id] = choice;
  }
  const valid = validateBallot(definition, { choices });
  if (!valid.ok) return err({ kind: 'invalid-ballot', problems: valid.error });
  if (encodeCompactBallot(definition, valid.value) !== text) return err({ kind: 'not-canonical' });
  return valid;
}

export function describeCompactDecodeProblem(problem: CompactDecodeProblem): string {
  switch (problem.kind) {
    case 'too-long':
      return `QR text is ${problem.length} characters, at most ${problem.max} allowed`;
    case 'wrong-version':
      return `QR text does not start with ${COMPACT_BALLOT_VERSION} (found ${JSON.stringify(problem.found)})`;
    case 'wrong-election':
      return `QR ballot is for election ${JSON.stringify(problem.found)}, expected ${JSON.stringify(problem.expected)}`;
    case 'wrong-mesa':
      return `QR ballot is for mesa ${JSON.stringify(problem.found)}, expected ${JSON.stringify(problem.expected)}`;
    case 'wrong-contest-count':
      return `QR ballot has ${problem.found} contest field(s), the election has ${problem.expected}`;
    case 'malformed':
      return `QR ballot contest field ${problem.position} is malformed: ${JSON.stringify(problem.field)}`;
    case 'invalid-ballot':
      return `invalid QR ballot: ${problem.problems.map(describeBallotProblem).join('; ')}`;
    case 'not-canonical':
      return 'QR ballot is not in canonical form (preferential numbers must be ascending)';
    default:
      return unreachable(problem, 'compact decode problem');
  }
}
