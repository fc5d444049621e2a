/**
 * Test helpers for ballots: the fixture definitions and fast-check arbitraries of VALID
 * ballots (every contest present, organizations and candidates taken from the definition,
 * at most maxPreferential numbers, only where preferential votes exist).
 */
import fc from 'fast-check';
import type { Ballot, ContestChoice } from '../../shared/ballot/ballot.ts';
import type { Contest, ElectionDefinition } from '../../shared/election/definition.ts';
import { findContest, formatDefinitionIssues, loadElectionDefinitionFile } from '../../shared/election/definition.ts';
import { fixturePath } from '../fixtures/generate-fixtures.ts';

export function loadFixtureDefinition(name: 'eg2026' | 'primarias2025'): ElectionDefinition {
  const loaded = loadElectionDefinitionFile(fixturePath(`${name}/definition.json`));
  if (!loaded.ok) throw new Error(`fixture ${name} does not load:\n${formatDefinitionIssues(loaded.error)}`);
  return loaded.value;
}

export const EG2026 = loadFixtureDefinition('eg2026');
export const PRIMARIAS2025 = loadFixtureDefinition('primarias2025');

export function contest(definition: ElectionDefinition, id: string): Contest {
  const found = findContest(definition, id);
  if (found === undefined) throw new Error(`no contest ${id}`);
  return found;
}

export function org(organization: number, ...preferential: number[]): ContestChoice {
  return { kind: 'organization', organization, preferential };
}

export const blank: ContestChoice = { kind: 'blank' };
export const nullVote: ContestChoice = { kind: 'null' };

/**
 * A valid choice for the contest. `shuffled` leaves preferential numbers in typing order
 * (not normalized), to exercise normalization.
 */
export function choiceArbitrary(c: Contest, shuffled = false): fc.Arbitrary<ContestChoice> {
  const organizationChoice = fc.constantFrom(...c.organizations).chain((organization) => {
    const numbers = (organization.candidates ?? []).map((candidate) => candidate.number);
    const max = c.kind === 'organization-list' ? c.maxPreferential : 0;
    const picked = max === 0 ? fc.constant<number[]>([]) : fc.shuffledSubarray(numbers, { maxLength: max });
    return picked.map(
      (preferential): ContestChoice => ({
        kind: 'organization',
        organization: organization.number,
        preferential: shuffled ? preferential : [...preferential].sort((a, b) => a - b),
      }),
    );
  });
  // Organizations weigh more so preferential counts get exercised; blank and null still appear often.
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant<ContestChoice>({ kind: 'blank' }) },
    { weight: 1, arbitrary: fc.constant<ContestChoice>({ kind: 'null' }) },
    { weight: 4, arbitrary: organizationChoice },
  );
}

export function ballotArbitrary(definition: ElectionDefinition, shuffled = false): fc.Arbitrary<Ballot> {
  const entries = definition.contests.map((c) => choiceArbitrary(c, shuffled).map((choice) => [c.id, choice] as const));
  return fc.tuple(...entries).map((pairs) => ({ choices: Object.fromEntries(pairs) }));
}

export const definitionArbitrary = fc.constantFrom(EG2026, PRIMARIAS2025);

/** A definition with a list of valid ballots for it. */
export const ballotsArbitrary = definitionArbitrary.chain((definition) =>
  fc.array(ballotArbitrary(definition), { maxLength: 40 }).map((ballots) => ({ definition, ballots })),
);

/** Every contest blank except the ones given. */
export function ballotWith(definition: ElectionDefinition, choices: Record<string, ContestChoice>): Ballot {
  const all: Record<string, ContestChoice> = {};
  for (const c of definition.contests) all[c.id] = choices[c.id] ?? blank;
  return { choices: all };
}
