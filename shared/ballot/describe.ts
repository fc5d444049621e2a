/**
 * Plain-Spanish description of a ballot, the same words on the review screen, in the audio
 * read-back and on the printed constancia, so the voter checks one text everywhere.
 *
 * The strings are part of the interface (tests compare them exactly; changing them changes
 * what voters hear and what the constancia says):
 *   organization:   "7 — Partido Colibrí Dorado (PCD)"
 *   with votes:     "12 — Unión Cometa Escarlata (UCE); votos preferenciales: 3 y 15"
 *   one vote:       "...; voto preferencial: 3"
 *   with names:     "...; votos preferenciales: 3 (Nombre Apellido) y 15 (Nombre Apellido)"
 *   blank / null:   "VOTO EN BLANCO" / "VOTO NULO"
 *   line:           "<contest name>: <choice text>"
 *
 * Describing a ballot that was not validated against the definition is a bug: an unknown
 * organization or candidate throws.
 */
import type { Ballot, ContestChoice } from './ballot.ts';
import type { Contest, ElectionDefinition } from '../election/definition.ts';
import { findCandidate, findOrganization } from '../election/definition.ts';
import { unreachable } from '../result.ts';

export const BLANK_TEXT = 'VOTO EN BLANCO';
export const NULL_TEXT = 'VOTO NULO';

/** "A", "A y B", "A, B y C". */
export function joinSpanish(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} y ${items[items.length - 1] ?? ''}`;
}

/** Contest name as shown to voters, with its electoral district when it has one. */
export function contestDisplayName(contest: Contest): string {
  return contest.districtName === undefined ? contest.name : `${contest.name} (${contest.districtName})`;
}

export interface DescribeOptions {
  /** Add each preferential candidate's name after the number (review screen and audio). */
  readonly candidateNames?: boolean;
}

export function describeContestChoice(contest: Contest, choice: ContestChoice, options: DescribeOptions = {}): string {
  switch (choice.kind) {
    case 'blank':
      return BLANK_TEXT;
    case 'null':
      return NULL_TEXT;
    case 'organization': {
      const organization = findOrganization(contest, choice.organization);
      if (organization === undefined) {
        throw new Error(`describe: contest ${contest.id} has no organization ${choice.organization} (ballot not validated)`);
      }
      const head = `${organization.number} — ${organization.name} (${organization.shortName})`;
      if (choice.preferential.length === 0) return head;
      const numbers = choice.preferential.map((number) => {
        if (options.candidateNames !== true) return String(number);
        const candidate = findCandidate(organization, number);
        if (candidate === undefined) {
          throw new Error(`describe: organization ${organization.number} in ${contest.id} has no candidate ${number}`);
        }
        return `${number} (${candidate.name})`;
      });
      const label = numbers.length === 1 ? 'voto preferencial' : 'votos preferenciales';
      return `${head}; ${label}: ${joinSpanish(numbers)}`;
    }
    default:
      return unreachable(choice, 'choice');
  }
}

export interface ContestDescription {
  readonly contestId: string;
  readonly contestName: string;
  readonly text: string;
}

/** One entry per contest, in definition order. */
export function describeBallot(
  definition: ElectionDefinition,
  ballot: Ballot,
  options: DescribeOptions = {},
): ContestDescription[] {
  return definition.contests.map((contest) => {
    const choice = ballot.choices[contest.id];
    if (choice === undefined) throw new Error(`describe: ballot has no choice for contest ${contest.id} (not validated)`);
    return { contestId: contest.id, contestName: contestDisplayName(contest), text: describeContestChoice(contest, choice, options) };
  });
}

/** "<contest name>: <choice text>" per contest, in definition order. */
export function describeBallotLines(definition: ElectionDefinition, ballot: Ballot, options: DescribeOptions = {}): string[] {
  return describeBallot(definition, ballot, options).map(({ contestName, text }) => `${contestName}: ${text}`);
}
