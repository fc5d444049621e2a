/**
 * Ballot validity rules: the one truth used by the cabin (while the voter chooses), the results
 * station (before counting) and the observer tool (when re-counting). Pure functions; outputs
 * are normalized (preferential numbers ascending, no extra fields) and frozen.
 *
 * Decisions:
 * - Blank and null are explicit choices. A contest the voter has not answered yet is
 *   "pending" in the draft (never silently blank); `draftToBallot` refuses a draft with pending
 *   contests, so the cabin must show the undervote warning (VVSG style) and the voter must pick
 *   blank (per contest, or all pending at once with `fillPendingWithBlank`) to cast.
 * - An invalid preferential number is refused at entry: `togglePreferential`/`setPreferential`
 *   return a problem and leave the draft unchanged, so a ballot only ever holds valid numbers.
 *   There is no "partially valid" choice (a valid organization with a bad number).
 * - Changing the organization in a contest drops the preferential numbers (they named candidates
 *   of the previous list); re-choosing the same organization keeps them.
 * - Validation also checks the runtime shape (extra fields, blank/null carrying an organization
 *   or preferential numbers), because stored ballots come back through untyped storage.
 */
import type { Ballot, ContestChoice } from './ballot.ts';
import { BLANK, NULL_VOTE } from './ballot.ts';
import type { Contest, ElectionDefinition } from '../election/definition.ts';
import { findCandidate, findContest, findOrganization } from '../election/definition.ts';
import type { Result } from '../result.ts';
import { err, ok, unreachable } from '../result.ts';
import { contestDisplayName, joinSpanish } from './describe.ts';

export type ChoiceProblem =
  /** Not a choice object of a known kind, or fields of the wrong type / unknown fields. */
  | { readonly kind: 'malformed-choice'; readonly contestId: string; readonly detail: string }
  /** A blank or null choice that also names an organization: more than one option marked. */
  | { readonly kind: 'ambiguous-choice'; readonly contestId: string; readonly choiceKind: 'blank' | 'null' }
  /** Preferential numbers without an organization (on blank/null, or before choosing one). */
  | { readonly kind: 'preferential-without-organization'; readonly contestId: string }
  | { readonly kind: 'unknown-organization'; readonly contestId: string; readonly organization: number }
  /** Preferential numbers in a single-choice contest or a closed list (maxPreferential 0). */
  | { readonly kind: 'preferential-not-allowed'; readonly contestId: string }
  | {
      readonly kind: 'unknown-candidate';
      readonly contestId: string;
      readonly organization: number;
      readonly candidate: number;
    }
  | { readonly kind: 'duplicate-preferential'; readonly contestId: string; readonly candidate: number }
  | {
      readonly kind: 'too-many-preferential';
      readonly contestId: string;
      readonly count: number;
      readonly max: number;
    };

export type BallotProblem =
  | { readonly kind: 'malformed-ballot'; readonly detail: string }
  | { readonly kind: 'missing-contest'; readonly contestId: string }
  | { readonly kind: 'unknown-contest'; readonly contestId: string }
  | { readonly kind: 'invalid-choice'; readonly contestId: string; readonly problem: ChoiceProblem };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function extraKeys(value: Record<string, unknown>, allowed: readonly string[]): string[] {
  return Object.keys(value).filter((key) => !allowed.includes(key));
}

function allowsPreferential(contest: Contest): boolean {
  return contest.kind === 'organization-list' && contest.maxPreferential > 0;
}

/**
 * Checks one contest's choice and returns it normalized (preferential ascending, frozen). The
 * first problem found is returned, in this order: shape, organization, preferential allowed,
 * unknown candidate, repeat, count; that is also the order most useful to show the voter.
 */
export function validateContestChoice(contest: Contest, choice: ContestChoice): Result<ContestChoice, ChoiceProblem> {
  const contestId = contest.id;
  const raw: unknown = choice;
  if (!isRecord(raw)) return err({ kind: 'malformed-choice', contestId, detail: 'choice is not an object' });
  switch (raw.kind) {
    case 'blank':
    case 'null': {
      const choiceKind = raw.kind;
      if (Object.hasOwn(raw, 'organization')) return err({ kind: 'ambiguous-choice', contestId, choiceKind });
      if (Object.hasOwn(raw, 'preferential')) return err({ kind: 'preferential-without-organization', contestId });
      const extra = extraKeys(raw, ['kind']);
      if (extra.length > 0) {
        return err({ kind: 'malformed-choice', contestId, detail: `unexpected field(s) ${extra.join(', ')}` });
      }
      return ok(choiceKind === 'blank' ? BLANK : NULL_VOTE);
    }
    case 'organization':
      return validateOrganizationChoice(contest, raw);
    default:
      return err({ kind: 'malformed-choice', contestId, detail: `unknown choice kind ${JSON.stringify(raw.kind)}` });
  }
}

function validateOrganizationChoice(
  contest: Contest,
  raw: Record<string, unknown>,
): Result<ContestChoice, ChoiceProblem> {
  const contestId = contest.id;
  const extra = extraKeys(raw, ['kind', 'organization', 'preferential']);
  if (extra.length > 0) {
    return err({ kind: 'malformed-choice', contestId, detail: `unexpected field(s) ${extra.join(', ')}` });
  }
  const { organization: number, preferential } = raw;
  if (typeof number !== 'number') {
    return err({ kind: 'malformed-choice', contestId, detail: 'organization is not a number' });
  }
  if (!Array.isArray(preferential) || !preferential.every((n): n is number => typeof n === 'number')) {
    return err({ kind: 'malformed-choice', contestId, detail: 'preferential is not an array of numbers' });
  }
  const organization = findOrganization(contest, number);
  if (organization === undefined) return err({ kind: 'unknown-organization', contestId, organization: number });
  if (preferential.length > 0 && !allowsPreferential(contest)) {
    return err({ kind: 'preferential-not-allowed', contestId });
  }
  const seen = new Set<number>();
  for (const candidate of preferential) {
    if (findCandidate(organization, candidate) === undefined) {
      return err({ kind: 'unknown-candidate', contestId, organization: number, candidate });
    }
    if (seen.has(candidate)) return err({ kind: 'duplicate-preferential', contestId, candidate });
    seen.add(candidate);
  }
  if (preferential.length > contest.maxPreferential) {
    return err({ kind: 'too-many-preferential', contestId, count: preferential.length, max: contest.maxPreferential });
  }
  const sorted = Object.freeze([...preferential].sort((a, b) => a - b));
  return ok(Object.freeze({ kind: 'organization', organization: number, preferential: sorted }));
}

/**
 * Checks a whole ballot against the definition: every contest present exactly once (a record
 * cannot hold a key twice; text forms are checked for that when decoding), no unknown contest
 * ids, every choice valid. Reports every problem; on success returns a normalized, frozen copy
 * with contests in definition order.
 */
export function validateBallot(definition: ElectionDefinition, ballot: Ballot): Result<Ballot, BallotProblem[]> {
  const raw: unknown = ballot;
  if (!isRecord(raw)) return err([{ kind: 'malformed-ballot', detail: 'ballot is not an object' }]);
  const problems: BallotProblem[] = [];
  const extra = extraKeys(raw, ['choices']);
  if (extra.length > 0) problems.push({ kind: 'malformed-ballot', detail: `unexpected field(s) ${extra.join(', ')}` });
  const choices = raw.choices;
  if (!isRecord(choices)) return err([...problems, { kind: 'malformed-ballot', detail: 'choices is not an object' }]);

  const normalized: Record<string, ContestChoice> = {};
  for (const contest of definition.contests) {
    if (!Object.hasOwn(choices, contest.id)) {
      problems.push({ kind: 'missing-contest', contestId: contest.id });
      continue;
    }
    const checked = validateContestChoice(contest, choices[contest.id] as ContestChoice);
    if (checked.ok) normalized[contest.id] = checked.value;
    else problems.push({ kind: 'invalid-choice', contestId: contest.id, problem: checked.error });
  }
  for (const contestId of Object.keys(choices)) {
    if (findContest(definition, contestId) === undefined) problems.push({ kind: 'unknown-contest', contestId });
  }
  if (problems.length > 0) return err(problems);
  return ok(Object.freeze({ choices: Object.freeze(normalized) }));
}

// ---------------------------------------------------------------------------------------------
// Messages

/** English, for logs and developers. */
export function describeChoiceProblem(problem: ChoiceProblem): string {
  const where = `contest ${JSON.stringify(problem.contestId)}`;
  switch (problem.kind) {
    case 'malformed-choice':
      return `${where}: malformed choice (${problem.detail})`;
    case 'ambiguous-choice':
      return `${where}: a ${problem.choiceKind} vote cannot also name an organization`;
    case 'preferential-without-organization':
      return `${where}: preferential votes need a chosen organization`;
    case 'unknown-organization':
      return `${where}: no organization has ballot number ${problem.organization}`;
    case 'preferential-not-allowed':
      return `${where}: this contest has no preferential votes`;
    case 'unknown-candidate':
      return `${where}: organization ${problem.organization} has no candidate number ${problem.candidate}`;
    case 'duplicate-preferential':
      return `${where}: candidate ${problem.candidate} is marked more than once`;
    case 'too-many-preferential':
      return `${where}: ${problem.count} preferential votes, at most ${problem.max} allowed`;
    default:
      return unreachable(problem, 'choice problem');
  }
}

function preferentialVotes(count: number): string {
  return count === 1 ? '1 voto preferencial' : `${count} votos preferenciales`;
}

/** Plain Spanish for the voter (screen and audio), shown on the screen of that contest. */
export function choiceProblemForVoter(problem: ChoiceProblem): string {
  switch (problem.kind) {
    case 'malformed-choice':
      return 'La opción elegida no es válida. Vuelva a elegir.';
    case 'ambiguous-choice':
      return 'Elija una sola opción: una organización política, voto en blanco o voto nulo.';
    case 'preferential-without-organization':
      return 'Primero elija una organización política. El voto preferencial es solo para sus candidatos.';
    case 'unknown-organization':
      return `El número ${problem.organization} no corresponde a ninguna organización política de esta elección.`;
    case 'preferential-not-allowed':
      return 'En esta elección no hay voto preferencial.';
    case 'unknown-candidate':
      return `El número ${problem.candidate} no corresponde a ningún candidato de esta organización.`;
    case 'duplicate-preferential':
      return `Ya marcó el número ${problem.candidate}. No puede marcar al mismo candidato dos veces.`;
    case 'too-many-preferential':
      return `Puede marcar como máximo ${preferentialVotes(problem.max)} en esta elección.`;
    default:
      return unreachable(problem, 'choice problem');
  }
}

/** English, for logs and developers. */
export function describeBallotProblem(problem: BallotProblem): string {
  switch (problem.kind) {
    case 'malformed-ballot':
      return `malformed ballot (${problem.detail})`;
    case 'missing-contest':
      return `contest ${JSON.stringify(problem.contestId)} has no choice`;
    case 'unknown-contest':
      return `contest ${JSON.stringify(problem.contestId)} is not in the election definition`;
    case 'invalid-choice':
      return describeChoiceProblem(problem.problem);
    default:
      return unreachable(problem, 'ballot problem');
  }
}

// ---------------------------------------------------------------------------------------------
// Draft: the cabin's step-by-step voting state

export const PENDING = Object.freeze({ kind: 'pending' } as const);
export type DraftChoice = ContestChoice | typeof PENDING;

/**
 * The voter's ballot while voting. Lives only in the cabin's memory; never stored. Holds the
 * (frozen) definition so each step can be validated without passing it around.
 */
export interface BallotDraft {
  readonly definition: ElectionDefinition;
  readonly choices: Readonly<Record<string, DraftChoice>>;
}

export type DraftProblem =
  | ChoiceProblem
  | { readonly kind: 'unknown-contest'; readonly contestId: string }
  | { readonly kind: 'pending-contests'; readonly contestIds: readonly string[] };

export function emptyBallotDraft(definition: ElectionDefinition): BallotDraft {
  const choices: Record<string, DraftChoice> = {};
  for (const contest of definition.contests) choices[contest.id] = PENDING;
  return Object.freeze({ definition, choices: Object.freeze(choices) });
}

function withChoice(draft: BallotDraft, contestId: string, choice: DraftChoice): BallotDraft {
  return Object.freeze({ definition: draft.definition, choices: Object.freeze({ ...draft.choices, [contestId]: choice }) });
}

function contestOf(draft: BallotDraft, contestId: string): Result<Contest, DraftProblem> {
  const contest = findContest(draft.definition, contestId);
  return contest === undefined ? err({ kind: 'unknown-contest', contestId }) : ok(contest);
}

/** Sets a contest's choice (validated); on a problem the draft is unchanged (caller keeps the old one). */
export function applyChoice(draft: BallotDraft, contestId: string, choice: ContestChoice): Result<BallotDraft, DraftProblem> {
  const contest = contestOf(draft, contestId);
  if (!contest.ok) return contest;
  const checked = validateContestChoice(contest.value, choice);
  return checked.ok ? ok(withChoice(draft, contestId, checked.value)) : checked;
}

/**
 * Marks an organization. Keeps the preferential numbers when it is the organization already
 * chosen; otherwise starts with none (they belonged to another list).
 */
export function chooseOrganization(draft: BallotDraft, contestId: string, organization: number): Result<BallotDraft, DraftProblem> {
  const current = draft.choices[contestId];
  const preferential = current?.kind === 'organization' && current.organization === organization ? current.preferential : [];
  return applyChoice(draft, contestId, { kind: 'organization', organization, preferential });
}

/** Replaces the preferential numbers of the chosen organization. */
export function setPreferential(
  draft: BallotDraft,
  contestId: string,
  candidates: readonly number[],
): Result<BallotDraft, DraftProblem> {
  const contest = contestOf(draft, contestId);
  if (!contest.ok) return contest;
  const current = draft.choices[contestId];
  if (current?.kind !== 'organization') return err({ kind: 'preferential-without-organization', contestId });
  return applyChoice(draft, contestId, { kind: 'organization', organization: current.organization, preferential: candidates });
}

/** Adds the candidate number if absent, removes it if present (the keypad's "mark/unmark"). */
export function togglePreferential(draft: BallotDraft, contestId: string, candidate: number): Result<BallotDraft, DraftProblem> {
  const current = draft.choices[contestId];
  if (current?.kind !== 'organization') {
    return contestOf(draft, contestId).ok ? err({ kind: 'preferential-without-organization', contestId }) : err({ kind: 'unknown-contest', contestId });
  }
  const next = current.preferential.includes(candidate)
    ? current.preferential.filter((n) => n !== candidate)
    : [...current.preferential, candidate];
  return setPreferential(draft, contestId, next);
}

/** Back to pending (the voter wants to answer this contest again). */
export function clearChoice(draft: BallotDraft, contestId: string): Result<BallotDraft, DraftProblem> {
  const contest = contestOf(draft, contestId);
  return contest.ok ? ok(withChoice(draft, contestId, PENDING)) : contest;
}

/** Contests still pending, in definition order (for the undervote warning on the review screen). */
export function pendingContestIds(draft: BallotDraft): string[] {
  return draft.definition.contests
    .filter((contest) => {
      const choice = draft.choices[contest.id];
      return choice === undefined || choice.kind === 'pending';
    })
    .map((contest) => contest.id);
}

export function isComplete(draft: BallotDraft): boolean {
  return pendingContestIds(draft).length === 0;
}

/** The voter's explicit "leave the rest blank" after the undervote warning. */
export function fillPendingWithBlank(draft: BallotDraft): BallotDraft {
  let next = draft;
  for (const contestId of pendingContestIds(draft)) next = withChoice(next, contestId, BLANK);
  return next;
}

/** The ballot to cast; refuses while any contest is pending. */
export function draftToBallot(draft: BallotDraft): Result<Ballot, DraftProblem> {
  const pending = pendingContestIds(draft);
  if (pending.length > 0) return err({ kind: 'pending-contests', contestIds: Object.freeze(pending) });
  const choices: Record<string, ContestChoice> = {};
  for (const contest of draft.definition.contests) {
    const choice = draft.choices[contest.id];
    if (choice !== undefined && choice.kind !== 'pending') choices[contest.id] = choice;
  }
  const checked = validateBallot(draft.definition, { choices });
  if (checked.ok) return checked;
  // Every step was validated, so this is a bug (e.g. a hand-built draft); report the first.
  const first = checked.error[0];
  if (first?.kind === 'invalid-choice') return err(first.problem);
  throw new Error(`draft does not make a valid ballot: ${checked.error.map(describeBallotProblem).join('; ')}`);
}

/** English, for logs and developers. */
export function describeDraftProblem(problem: DraftProblem): string {
  switch (problem.kind) {
    case 'unknown-contest':
      return `contest ${JSON.stringify(problem.contestId)} is not in the election definition`;
    case 'pending-contests':
      return `no choice yet in contest(s) ${problem.contestIds.map((id) => JSON.stringify(id)).join(', ')}`;
    default:
      return describeChoiceProblem(problem);
  }
}

/** Plain Spanish for the voter. */
export function draftProblemForVoter(definition: ElectionDefinition, problem: DraftProblem): string {
  switch (problem.kind) {
    case 'unknown-contest':
      return 'Esta elección no está en la cédula. Vuelva a elegir.';
    case 'pending-contests': {
      const names = problem.contestIds.map((id) => {
        const contest = findContest(definition, id);
        return contest === undefined ? id : contestDisplayName(contest);
      });
      return `Todavía no eligió una opción en: ${joinSpanish(names)}. Elija una organización política, voto en blanco o voto nulo en cada una.`;
    }
    default:
      return choiceProblemForVoter(problem);
  }
}
