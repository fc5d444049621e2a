import test from 'ava';
import fc from 'fast-check';
import type { Ballot, ContestChoice } from '../shared/ballot/ballot.ts';
import type { BallotDraft, ChoiceProblem, DraftProblem } from '../shared/ballot/rules.ts';
import {
  applyChoice,
  choiceProblemForVoter,
  chooseOrganization,
  clearChoice,
  describeBallotProblem,
  describeChoiceProblem,
  draftProblemForVoter,
  draftToBallot,
  emptyBallotDraft,
  fillPendingWithBlank,
  isComplete,
  pendingContestIds,
  setPreferential,
  togglePreferential,
  validateBallot,
  validateContestChoice,
} from '../shared/ballot/rules.ts';
import type { Result } from '../shared/result.ts';
import { EG2026, PRIMARIAS2025, ballotArbitrary, ballotWith, blank, contest, definitionArbitrary, nullVote, org } from './helpers/ballots.ts';

const presidencial = contest(EG2026, 'presidencial');
const senadoNacional = contest(EG2026, 'senado-nacional');
const senadoRegional = contest(EG2026, 'senado-regional');

function problemOf<T, E>(result: Result<T, E>): E {
  if (result.ok) throw new Error(`expected a problem, got ${JSON.stringify(result.value)}`);
  return result.error;
}

function valueOf<T, E>(result: Result<T, E>): T {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result.error)}`);
  return result.value;
}

/** A choice the type system would refuse, as untyped storage could hand it over. */
function untyped(value: unknown): ContestChoice {
  return value as ContestChoice;
}

// --- validateContestChoice: accepted choices ------------------------------------------------

test('blank, null and an organization without preferential votes are valid', (t) => {
  t.deepEqual(valueOf(validateContestChoice(presidencial, blank)), { kind: 'blank' });
  t.deepEqual(valueOf(validateContestChoice(presidencial, nullVote)), { kind: 'null' });
  t.deepEqual(valueOf(validateContestChoice(presidencial, org(3))), org(3));
  t.deepEqual(valueOf(validateContestChoice(senadoNacional, org(12))), org(12));
});

test('preferential numbers are returned ascending, in a frozen copy, whatever the typing order', (t) => {
  const typed = [15, 3];
  const choice = valueOf(validateContestChoice(senadoNacional, { kind: 'organization', organization: 12, preferential: typed }));
  t.deepEqual(choice, org(12, 3, 15));
  t.true(Object.isFrozen(choice));
  typed.push(99);
  t.deepEqual(choice, org(12, 3, 15), 'the caller mutating its array afterwards does not change the result');
});

// --- validateContestChoice: one test per problem tag ----------------------------------------

test('unknown-organization: a ballot number missing from the contest', (t) => {
  // 7 exists in other contests but not in the presidential one.
  const problem = problemOf(validateContestChoice(presidencial, org(7)));
  t.deepEqual(problem, { kind: 'unknown-organization', contestId: 'presidencial', organization: 7 });
  t.is(choiceProblemForVoter(problem), 'El número 7 no corresponde a ninguna organización política de esta elección.');
  t.is(describeChoiceProblem(problem), 'contest "presidencial": no organization has ballot number 7');
});

test('unknown-candidate: a preferential number outside the organization list', (t) => {
  const problem = problemOf(validateContestChoice(senadoNacional, org(12, 3, 45)));
  t.deepEqual(problem, { kind: 'unknown-candidate', contestId: 'senado-nacional', organization: 12, candidate: 45 });
  t.is(choiceProblemForVoter(problem), 'El número 45 no corresponde a ningún candidato de esta organización.');
});

test('unknown-candidate: number 0 and non-integers are not candidates', (t) => {
  t.is(problemOf(validateContestChoice(senadoNacional, org(12, 0))).kind, 'unknown-candidate');
  t.is(problemOf(validateContestChoice(senadoNacional, org(12, 2.5))).kind, 'unknown-candidate');
});

test('duplicate-preferential: the same candidate twice', (t) => {
  const problem = problemOf(validateContestChoice(senadoNacional, org(12, 3, 3)));
  t.deepEqual(problem, { kind: 'duplicate-preferential', contestId: 'senado-nacional', candidate: 3 });
  t.is(choiceProblemForVoter(problem), 'Ya marcó el número 3. No puede marcar al mismo candidato dos veces.');
});

test('too-many-preferential: more numbers than maxPreferential', (t) => {
  const two = problemOf(validateContestChoice(senadoNacional, org(12, 1, 2, 3)));
  t.deepEqual(two, { kind: 'too-many-preferential', contestId: 'senado-nacional', count: 3, max: 2 });
  t.is(choiceProblemForVoter(two), 'Puede marcar como máximo 2 votos preferenciales en esta elección.');
  const one = problemOf(validateContestChoice(senadoRegional, org(4, 1, 2)));
  t.deepEqual(one, { kind: 'too-many-preferential', contestId: 'senado-regional', count: 2, max: 1 });
  t.is(choiceProblemForVoter(one), 'Puede marcar como máximo 1 voto preferencial en esta elección.');
});

test('preferential-not-allowed: single-choice contests and closed lists', (t) => {
  const single = problemOf(validateContestChoice(presidencial, org(3, 1)));
  t.deepEqual(single, { kind: 'preferential-not-allowed', contestId: 'presidencial' });
  t.is(choiceProblemForVoter(single), 'En esta elección no hay voto preferencial.');
  // Primaries: the deputies list is closed (organization-list with maxPreferential 0).
  const closed = problemOf(validateContestChoice(contest(PRIMARIAS2025, 'diputados'), org(1, 1)));
  t.deepEqual(closed, { kind: 'preferential-not-allowed', contestId: 'diputados' });
});

test('preferential-without-organization: blank or null carrying preferential numbers', (t) => {
  for (const kind of ['blank', 'null']) {
    const problem = problemOf(validateContestChoice(senadoNacional, untyped({ kind, preferential: [3] })));
    t.deepEqual(problem, { kind: 'preferential-without-organization', contestId: 'senado-nacional' });
  }
  t.is(
    choiceProblemForVoter({ kind: 'preferential-without-organization', contestId: 'x' }),
    'Primero elija una organización política. El voto preferencial es solo para sus candidatos.',
  );
});

test('ambiguous-choice: blank or null that also names an organization (two options marked)', (t) => {
  const problem = problemOf(validateContestChoice(presidencial, untyped({ kind: 'null', organization: 3 })));
  t.deepEqual(problem, { kind: 'ambiguous-choice', contestId: 'presidencial', choiceKind: 'null' });
  t.is(choiceProblemForVoter(problem), 'Elija una sola opción: una organización política, voto en blanco o voto nulo.');
});

test('malformed-choice: unknown kind, wrong field types, extra fields', (t) => {
  const cases: unknown[] = [
    null,
    'blank',
    { kind: 'write-in', name: 'X' },
    { kind: 'organization', organization: '12', preferential: [] },
    { kind: 'organization', organization: 12 },
    { kind: 'organization', organization: 12, preferential: ['3'] },
    { kind: 'organization', organization: 12, preferential: [], typedAt: 5 },
    { kind: 'blank', cabin: 1 },
  ];
  for (const value of cases) {
    t.is(problemOf(validateContestChoice(senadoNacional, untyped(value))).kind, 'malformed-choice', JSON.stringify(value));
  }
});

test('every choice problem has its own English and Spanish text', (t) => {
  const problems: ChoiceProblem[] = [
    { kind: 'malformed-choice', contestId: 'c', detail: 'd' },
    { kind: 'ambiguous-choice', contestId: 'c', choiceKind: 'blank' },
    { kind: 'preferential-without-organization', contestId: 'c' },
    { kind: 'unknown-organization', contestId: 'c', organization: 9 },
    { kind: 'preferential-not-allowed', contestId: 'c' },
    { kind: 'unknown-candidate', contestId: 'c', organization: 1, candidate: 9 },
    { kind: 'duplicate-preferential', contestId: 'c', candidate: 9 },
    { kind: 'too-many-preferential', contestId: 'c', count: 3, max: 2 },
  ];
  t.is(new Set(problems.map(describeChoiceProblem)).size, problems.length);
  t.is(new Set(problems.map(choiceProblemForVoter)).size, problems.length);
  for (const problem of problems) t.true(describeChoiceProblem(problem).startsWith('contest "c"'));
});

// --- validateBallot ---------------------------------------------------------------------------

test('a full valid ballot is returned normalized and frozen, contests in definition order', (t) => {
  const ballot: Ballot = {
    choices: {
      'parlamento-andino': nullVote,
      diputados: org(1, 5, 2),
      'senado-regional': org(4, 3),
      'senado-nacional': org(12, 15, 3),
      presidencial: org(3),
    },
  };
  const valid = valueOf(validateBallot(EG2026, ballot));
  t.deepEqual(Object.keys(valid.choices), EG2026.contests.map((c) => c.id));
  t.deepEqual(valid.choices['diputados'], org(1, 2, 5));
  t.deepEqual(valid.choices['senado-nacional'], org(12, 3, 15));
  t.true(Object.isFrozen(valid) && Object.isFrozen(valid.choices));
});

test('missing-contest: every contest must have a choice', (t) => {
  const { choices } = ballotWith(EG2026, {});
  const withoutDiputados = Object.fromEntries(Object.entries(choices).filter(([id]) => id !== 'diputados'));
  t.deepEqual(problemOf(validateBallot(EG2026, { choices: withoutDiputados })), [
    { kind: 'missing-contest', contestId: 'diputados' },
  ]);
});

test('unknown-contest: a contest id not in the definition', (t) => {
  const ballot = ballotWith(EG2026, {});
  const problems = problemOf(validateBallot(EG2026, { choices: { ...ballot.choices, alcaldia: blank } }));
  t.deepEqual(problems, [{ kind: 'unknown-contest', contestId: 'alcaldia' }]);
  t.is(describeBallotProblem(problems[0]!), 'contest "alcaldia" is not in the election definition');
});

test('invalid-choice: every invalid contest is reported, not just the first', (t) => {
  const ballot = ballotWith(EG2026, { presidencial: org(7), 'senado-regional': org(4, 1, 2) });
  t.deepEqual(
    problemOf(validateBallot(EG2026, ballot)).map((p) => (p.kind === 'invalid-choice' ? `${p.contestId}:${p.problem.kind}` : p.kind)),
    ['presidencial:unknown-organization', 'senado-regional:too-many-preferential'],
  );
});

test('malformed-ballot: a ballot carrying anything besides its choices is refused', (t) => {
  const ballot = { ...ballotWith(EG2026, {}), castAt: '2026-04-12T09:00' } as Ballot;
  t.deepEqual(problemOf(validateBallot(EG2026, ballot)).map((p) => p.kind), ['malformed-ballot']);
  t.deepEqual(problemOf(validateBallot(EG2026, { choices: [] } as unknown as Ballot)).map((p) => p.kind), ['malformed-ballot']);
});

test('property: generated valid ballots validate, sorted and idempotently', (t) => {
  fc.assert(
    fc.property(definitionArbitrary.chain((d) => ballotArbitrary(d, true).map((b) => ({ d, b }))), ({ d, b }) => {
      const once = valueOf(validateBallot(d, b));
      for (const choice of Object.values(once.choices)) {
        if (choice.kind === 'organization') {
          t.deepEqual(choice.preferential, [...choice.preferential].sort((x, y) => x - y));
        }
      }
      t.deepEqual(valueOf(validateBallot(d, once)), once);
    }),
  );
});

test('property: a preferential number outside the list is always refused', (t) => {
  fc.assert(
    fc.property(fc.constantFrom(...senadoNacional.organizations), fc.integer({ min: -5, max: 200 }), (organization, number) => {
      const inList = (organization.candidates ?? []).some((c) => c.number === number);
      const result = validateContestChoice(senadoNacional, org(organization.number, number));
      t.is(result.ok, inList);
    }),
  );
});

// --- draft (cabin step-by-step voting) --------------------------------------------------------

function step(result: Result<BallotDraft, DraftProblem>): BallotDraft {
  return valueOf(result);
}

test('a new draft has every contest pending and cannot be cast', (t) => {
  const draft = emptyBallotDraft(EG2026);
  t.false(isComplete(draft));
  t.deepEqual(pendingContestIds(draft), EG2026.contests.map((c) => c.id));
  const problem = problemOf(draftToBallot(draft));
  t.deepEqual(problem, { kind: 'pending-contests', contestIds: EG2026.contests.map((c) => c.id) });
});

test('pending is not blank: the undervote warning names the pending contests in Spanish', (t) => {
  let draft = emptyBallotDraft(EG2026);
  draft = step(applyChoice(draft, 'presidencial', org(3)));
  draft = step(applyChoice(draft, 'senado-nacional', blank));
  draft = step(applyChoice(draft, 'diputados', nullVote));
  const problem = problemOf(draftToBallot(draft));
  t.deepEqual(problem, { kind: 'pending-contests', contestIds: ['senado-regional', 'parlamento-andino'] });
  t.is(
    draftProblemForVoter(EG2026, problem),
    'Todavía no eligió una opción en: Senadores — Distrito Electoral Regional (Cusco) y Representantes ante el Parlamento Andino. Elija una organización política, voto en blanco o voto nulo en cada una.',
  );
});

test('fillPendingWithBlank blanks only the pending contests (the voter explicit choice)', (t) => {
  let draft = emptyBallotDraft(EG2026);
  draft = step(applyChoice(draft, 'presidencial', org(3)));
  const filled = fillPendingWithBlank(draft);
  t.true(isComplete(filled));
  t.deepEqual(valueOf(draftToBallot(filled)), ballotWith(EG2026, { presidencial: org(3) }));
});

test('a complete draft becomes the validated ballot; drafts are never mutated', (t) => {
  const start = emptyBallotDraft(EG2026);
  let draft = step(chooseOrganization(start, 'presidencial', 3));
  draft = step(chooseOrganization(draft, 'senado-nacional', 12));
  draft = step(togglePreferential(draft, 'senado-nacional', 15));
  draft = step(togglePreferential(draft, 'senado-nacional', 3));
  draft = step(applyChoice(draft, 'senado-regional', org(4, 1)));
  draft = step(setPreferential(draft, 'senado-regional', [2]));
  draft = step(applyChoice(draft, 'diputados', nullVote));
  draft = step(applyChoice(draft, 'parlamento-andino', blank));
  t.true(isComplete(draft));
  t.deepEqual(valueOf(draftToBallot(draft)), {
    choices: {
      presidencial: org(3),
      'senado-nacional': org(12, 3, 15),
      'senado-regional': org(4, 2),
      diputados: nullVote,
      'parlamento-andino': blank,
    },
  });
  t.deepEqual(pendingContestIds(start), EG2026.contests.map((c) => c.id), 'the first draft is unchanged');
  t.true(Object.isFrozen(draft) && Object.isFrozen(draft.choices));
});

test('togglePreferential removes a number marked twice and refuses a third one', (t) => {
  let draft = step(chooseOrganization(emptyBallotDraft(EG2026), 'senado-nacional', 12));
  draft = step(togglePreferential(draft, 'senado-nacional', 3));
  draft = step(togglePreferential(draft, 'senado-nacional', 15));
  t.deepEqual(problemOf(togglePreferential(draft, 'senado-nacional', 7)), {
    kind: 'too-many-preferential',
    contestId: 'senado-nacional',
    count: 3,
    max: 2,
  });
  draft = step(togglePreferential(draft, 'senado-nacional', 3));
  t.deepEqual(draft.choices['senado-nacional'], org(12, 15));
});

test('an invalid preferential number is refused at entry and never stored', (t) => {
  const draft = step(chooseOrganization(emptyBallotDraft(EG2026), 'senado-nacional', 12));
  const problem = problemOf(togglePreferential(draft, 'senado-nacional', 45));
  t.is(problem.kind, 'unknown-candidate');
  t.is(draftProblemForVoter(EG2026, problem), 'El número 45 no corresponde a ningún candidato de esta organización.');
  t.deepEqual(draft.choices['senado-nacional'], org(12));
  t.is(problemOf(setPreferential(draft, 'senado-nacional', [3, 3])).kind, 'duplicate-preferential');
});

test('preferential votes before choosing an organization are refused', (t) => {
  const draft = emptyBallotDraft(EG2026);
  t.deepEqual(problemOf(togglePreferential(draft, 'senado-nacional', 3)), {
    kind: 'preferential-without-organization',
    contestId: 'senado-nacional',
  });
  const blanked = step(applyChoice(draft, 'senado-nacional', blank));
  t.is(problemOf(setPreferential(blanked, 'senado-nacional', [3])).kind, 'preferential-without-organization');
});

test('changing the organization drops its preferential votes; choosing it again keeps them', (t) => {
  let draft = step(applyChoice(emptyBallotDraft(EG2026), 'senado-nacional', org(12, 3, 15)));
  t.deepEqual(step(chooseOrganization(draft, 'senado-nacional', 12)).choices['senado-nacional'], org(12, 3, 15));
  draft = step(chooseOrganization(draft, 'senado-nacional', 1));
  t.deepEqual(draft.choices['senado-nacional'], org(1));
});

test('clearChoice returns a contest to pending', (t) => {
  const draft = step(applyChoice(emptyBallotDraft(EG2026), 'presidencial', blank));
  t.false(pendingContestIds(draft).includes('presidencial'));
  t.true(pendingContestIds(step(clearChoice(draft, 'presidencial'))).includes('presidencial'));
});

test('unknown-contest: draft operations on a contest not in the definition', (t) => {
  const draft = emptyBallotDraft(EG2026);
  for (const result of [
    applyChoice(draft, 'alcaldia', blank),
    chooseOrganization(draft, 'alcaldia', 1),
    togglePreferential(draft, 'alcaldia', 1),
    setPreferential(draft, 'alcaldia', [1]),
    clearChoice(draft, 'alcaldia'),
  ]) {
    t.deepEqual(problemOf(result), { kind: 'unknown-contest', contestId: 'alcaldia' });
  }
});

test('property: any sequence of valid steps ends in a ballot that validates', (t) => {
  fc.assert(
    fc.property(ballotArbitrary(EG2026, true), fc.boolean(), (target, blankFirst) => {
      let draft = emptyBallotDraft(EG2026);
      if (blankFirst) draft = fillPendingWithBlank(draft);
      for (const [contestId, choice] of Object.entries(target.choices)) {
        if (choice.kind === 'organization') {
          draft = step(chooseOrganization(draft, contestId, choice.organization));
          for (const n of choice.preferential) draft = step(togglePreferential(draft, contestId, n));
        } else {
          draft = step(applyChoice(draft, contestId, choice));
        }
      }
      t.deepEqual(valueOf(draftToBallot(draft)), valueOf(validateBallot(EG2026, target)));
    }),
  );
});
