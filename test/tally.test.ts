import test from 'ava';
import fc from 'fast-check';
import type { Ballot } from '../shared/ballot/ballot.ts';
import { canonicalJson } from '../shared/crypto/canonical-json.ts';
import type { ElectionDefinition } from '../shared/election/definition.ts';
import type { Result } from '../shared/result.ts';
import { addArt23Blanks, art23Observation, describeArt23Problem } from '../shared/tally/art23.ts';
import { mergeAllTallies, mergeTallies } from '../shared/tally/merge.ts';
import type { ReconciliationInput } from '../shared/tally/reconcile.ts';
import { describeReconciliationProblem, reconcile, reconciliationProblemForActa } from '../shared/tally/reconcile.ts';
import type { Tally } from '../shared/tally/tally.ts';
import { describeTallyProblem, emptyTally, isZeroTally, tallyBallots } from '../shared/tally/tally.ts';
import { parseTally, verifyTally } from '../shared/tally/verify.ts';
import { EG2026, PRIMARIAS2025, ballotWith, ballotsArbitrary, blank, nullVote, org } from './helpers/ballots.ts';

function valueOf<T, E>(result: Result<T, E>): T {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result.error)}`);
  return result.value;
}

function problemOf<T, E>(result: Result<T, E>): E {
  if (result.ok) throw new Error('expected a problem');
  return result.error;
}

function contestTally(tally: Tally, contestId: string) {
  const found = tally.contests.find((c) => c.contestId === contestId);
  if (found === undefined) throw new Error(`no contest ${contestId}`);
  return found;
}

function orgVotes(tally: Tally, contestId: string, organization: number): number | undefined {
  return contestTally(tally, contestId).organizations.find((o) => o.organization === organization)?.votes;
}

function preferentialVotes(tally: Tally, contestId: string, organization: number, candidate: number): number | undefined {
  return contestTally(tally, contestId)
    .organizations.find((o) => o.organization === organization)
    ?.preferential.find((c) => c.candidate === candidate)?.votes;
}

type Mutable<T> = T extends readonly (infer E)[]
  ? Mutable<E>[]
  : T extends object
    ? { -readonly [K in keyof T]: Mutable<T[K]> }
    : T;

/** A mutable deep copy, to tamper with. */
function copy(tally: Tally): Mutable<Tally> {
  return structuredClone(tally) as Mutable<Tally>;
}

// --- zero tally ---------------------------------------------------------------------------------

test('emptyTally has every row of the definition at zero (puesta a cero)', (t) => {
  const zero = emptyTally(EG2026);
  t.true(isZeroTally(zero));
  t.is(zero.electionId, 'eg2026');
  t.is(zero.mesa, '041287');
  t.deepEqual(zero.contests.map((c) => c.contestId), EG2026.contests.map((c) => c.id));
  for (const [i, c] of EG2026.contests.entries()) {
    const rows = zero.contests[i]!;
    t.deepEqual(rows.organizations.map((o) => o.organization), c.organizations.map((o) => o.number).sort((a, b) => a - b));
    for (const [j, o] of c.organizations.entries()) {
      const expected = c.kind === 'organization-list' && c.maxPreferential > 0 ? (o.candidates ?? []).map((x) => x.number) : [];
      t.deepEqual(rows.organizations[j]!.preferential.map((x) => x.candidate), expected, `${c.id} ${o.number}`);
    }
  }
  // Primaries: closed lists and single choices have no preferential rows at all.
  t.true(emptyTally(PRIMARIAS2025).contests.every((c) => c.organizations.every((o) => o.preferential.length === 0)));
  t.true(valueOf(verifyTally(EG2026, zero)) === zero);
});

test('isZeroTally notices any single non-zero counter', (t) => {
  const zero = emptyTally(EG2026);
  const tweaks: ((x: ReturnType<typeof copy>) => void)[] = [
    (x) => (x.ballots = 1),
    (x) => (x.art23Blanks = 1),
    (x) => (x.contests[2]!.blank = 1),
    (x) => (x.contests[0]!.null = 1),
    (x) => (x.contests[4]!.emitted = 1),
    (x) => (x.contests[3]!.valid = 1),
    (x) => (x.contests[1]!.organizations[5]!.votes = 1),
    (x) => (x.contests[1]!.organizations[5]!.preferential[29]!.votes = 1),
  ];
  for (const tweak of tweaks) {
    const changed = copy(zero);
    tweak(changed);
    t.false(isZeroTally(changed));
  }
});

// --- counting -------------------------------------------------------------------------------------

test('tallyBallots counts organizations, preferential votes, blank and null per contest', (t) => {
  const ballots: Ballot[] = [
    ballotWith(EG2026, { presidencial: org(3), 'senado-nacional': org(12, 15, 3), diputados: nullVote }),
    ballotWith(EG2026, { presidencial: org(3), 'senado-nacional': org(12, 3), 'senado-regional': org(4, 2) }),
    ballotWith(EG2026, { presidencial: nullVote, 'senado-nacional': org(1) }),
  ];
  const tally = valueOf(tallyBallots(EG2026, ballots));
  t.is(tally.ballots, 3);
  t.is(tally.art23Blanks, 0);
  t.is(orgVotes(tally, 'presidencial', 3), 2);
  t.is(orgVotes(tally, 'presidencial', 1), 0);
  t.like(contestTally(tally, 'presidencial'), { blank: 0, null: 1, valid: 2, emitted: 3 });
  t.is(orgVotes(tally, 'senado-nacional', 12), 2);
  t.is(orgVotes(tally, 'senado-nacional', 1), 1);
  t.is(preferentialVotes(tally, 'senado-nacional', 12, 3), 2);
  t.is(preferentialVotes(tally, 'senado-nacional', 12, 15), 1);
  t.is(preferentialVotes(tally, 'senado-nacional', 12, 1), 0);
  t.like(contestTally(tally, 'senado-nacional'), { blank: 0, null: 0, valid: 3, emitted: 3 });
  t.like(contestTally(tally, 'senado-regional'), { blank: 2, null: 0, valid: 1, emitted: 3 });
  t.is(preferentialVotes(tally, 'senado-regional', 4, 2), 1);
  t.like(contestTally(tally, 'diputados'), { blank: 2, null: 1, valid: 0, emitted: 3 });
  t.true(Object.isFrozen(tally) && Object.isFrozen(tally.contests[0]!.organizations[0]));
});

test('an invalid stored ballot fails the count, named by its index; nothing is counted', (t) => {
  const good = ballotWith(EG2026, {});
  const badOrganization = ballotWith(EG2026, { presidencial: org(7) });
  const missing: Ballot = { choices: { presidencial: blank } };
  const problems = problemOf(tallyBallots(EG2026, [good, badOrganization, good, missing]));
  t.deepEqual(problems.map((p) => p.index), [1, 3]);
  t.deepEqual(problems[0]!.problems, [
    { kind: 'invalid-choice', contestId: 'presidencial', problem: { kind: 'unknown-organization', contestId: 'presidencial', organization: 7 } },
  ]);
  t.is(describeTallyProblem(problems[0]!), 'ballot #1 is invalid and was not counted: contest "presidencial": no organization has ballot number 7');
});

test('no ballots make the zero tally', (t) => {
  t.deepEqual(valueOf(tallyBallots(EG2026, [])), emptyTally(EG2026));
});

/** Naive independent count, to compare the tally with. */
function naiveCount(ballots: readonly Ballot[], contestId: string, organization: number, candidate?: number): number {
  return ballots.filter((b) => {
    const choice = b.choices[contestId];
    return (
      choice?.kind === 'organization' &&
      choice.organization === organization &&
      (candidate === undefined || choice.preferential.includes(candidate))
    );
  }).length;
}

test('property: per contest, organizations + blank + null = emitted = ballots, and the counts match a naive count', (t) => {
  fc.assert(
    fc.property(ballotsArbitrary, ({ definition, ballots }) => {
      const tally = valueOf(tallyBallots(definition, ballots));
      t.is(tally.ballots, ballots.length);
      t.true(verifyTally(definition, tally).ok);
      for (const c of tally.contests) {
        const organizations = c.organizations.reduce((sum, o) => sum + o.votes, 0);
        t.is(organizations, c.valid);
        t.is(organizations + c.blank + c.null, c.emitted);
        t.is(c.emitted, ballots.length);
        t.is(c.blank, ballots.filter((b) => b.choices[c.contestId]?.kind === 'blank').length);
        t.is(c.null, ballots.filter((b) => b.choices[c.contestId]?.kind === 'null').length);
        for (const o of c.organizations) {
          t.is(o.votes, naiveCount(ballots, c.contestId, o.organization));
          for (const p of o.preferential) t.is(p.votes, naiveCount(ballots, c.contestId, o.organization, p.candidate));
        }
      }
    }),
    { numRuns: 60 },
  );
});

test('property: preferential votes land only on candidates of the chosen organization', (t) => {
  fc.assert(
    fc.property(ballotsArbitrary, ({ definition, ballots }) => {
      const tally = valueOf(tallyBallots(definition, ballots));
      for (const c of tally.contests) {
        const contest = definition.contests.find((x) => x.id === c.contestId)!;
        const marks = ballots.reduce((sum, b) => {
          const choice = b.choices[c.contestId];
          return sum + (choice?.kind === 'organization' ? choice.preferential.length : 0);
        }, 0);
        let counted = 0;
        for (const o of c.organizations) {
          const list = contest.organizations.find((x) => x.number === o.organization)?.candidates ?? [];
          for (const p of o.preferential) {
            t.true(list.some((x) => x.number === p.candidate));
            t.true(p.votes <= o.votes);
            counted += p.votes;
          }
        }
        t.is(counted, marks, 'every preferential mark is counted exactly once');
      }
    }),
    { numRuns: 60 },
  );
});

/** Splits ballots into `cabins` groups by the given assignment. */
function splitByCabin(ballots: readonly Ballot[], assignment: readonly number[], cabins: number): Ballot[][] {
  const groups: Ballot[][] = Array.from({ length: cabins }, () => []);
  for (const [i, b] of ballots.entries()) groups[(assignment[i] ?? 0) % cabins]!.push(b);
  return groups;
}

test('property: the sum of the cabins tallies is the tally of all ballots', (t) => {
  fc.assert(
    fc.property(
      ballotsArbitrary,
      fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
      fc.integer({ min: 1, max: 4 }),
      ({ definition, ballots }, assignment, cabins) => {
        const perCabin = splitByCabin(ballots, assignment, cabins).map((group) => valueOf(tallyBallots(definition, group)));
        const mesa = valueOf(mergeAllTallies(definition, perCabin));
        t.deepEqual(mesa, valueOf(tallyBallots(definition, ballots)));
        if (perCabin.length >= 2) {
          t.deepEqual(valueOf(mergeTallies(perCabin[0]!, perCabin[1]!)), valueOf(mergeTallies(perCabin[1]!, perCabin[0]!)));
        }
      },
    ),
    { numRuns: 60 },
  );
});

test('property: the order of the ballots does not change the tally', (t) => {
  fc.assert(
    fc.property(
      ballotsArbitrary.chain(({ definition, ballots }) => fc.shuffledSubarray(ballots, { minLength: ballots.length }).map((shuffled) => ({ definition, ballots, shuffled }))),
      ({ definition, ballots, shuffled }) => {
        t.is(canonicalJson(valueOf(tallyBallots(definition, shuffled))), canonicalJson(valueOf(tallyBallots(definition, ballots))));
      },
    ),
    { numRuns: 60 },
  );
});

// --- merging ----------------------------------------------------------------------------------------

test('tallies of different elections, mesas or rows are not added', (t) => {
  const eg = emptyTally(EG2026);
  t.is(problemOf(mergeTallies(eg, emptyTally(PRIMARIAS2025))).kind, 'different-election');
  const otherMesa = { ...copy(eg), mesa: '041288' };
  t.deepEqual(problemOf(mergeTallies(eg, otherMesa)), { kind: 'different-mesa', a: '041287', b: '041288' });
  const fewerRows = copy(eg);
  fewerRows.contests[1]!.organizations.pop();
  t.is(problemOf(mergeTallies(eg, fewerRows)).kind, 'different-rows');
  const otherCandidates = copy(eg);
  otherCandidates.contests[1]!.organizations[0]!.preferential[0]!.candidate = 99;
  t.regex(JSON.stringify(problemOf(mergeTallies(eg, otherCandidates))), /candidates/u);
});

// --- Art. 23 ------------------------------------------------------------------------------------------

test('addArt23Blanks adds blank votes in every contest and records the count', (t) => {
  const counted = valueOf(tallyBallots(EG2026, [ballotWith(EG2026, { presidencial: org(3) })]));
  const withArt23 = valueOf(addArt23Blanks(counted, 2));
  t.is(withArt23.art23Blanks, 2);
  t.is(withArt23.ballots, 1, 'no ballot is invented');
  for (const [i, c] of withArt23.contests.entries()) {
    const before = counted.contests[i]!;
    t.is(c.blank, before.blank + 2);
    t.is(c.emitted, before.emitted + 2);
    t.is(c.null, before.null);
    t.is(c.valid, before.valid);
  }
  t.true(verifyTally(EG2026, withArt23).ok);
  t.false(isZeroTally(valueOf(addArt23Blanks(emptyTally(EG2026), 1))));
});

test('addArt23Blanks refuses a bad count and a second application', (t) => {
  const zero = emptyTally(EG2026);
  t.deepEqual(problemOf(addArt23Blanks(zero, -1)), { kind: 'invalid-count', count: -1 });
  t.is(problemOf(addArt23Blanks(zero, 1.5)).kind, 'invalid-count');
  const once = valueOf(addArt23Blanks(zero, 3));
  const twice = problemOf(addArt23Blanks(once, 3));
  t.deepEqual(twice, { kind: 'already-applied', art23Blanks: 3 });
  t.regex(describeArt23Problem(twice), /twice/u);
});

test('the Art. 23 sentence for the acta de escrutinio', (t) => {
  t.is(art23Observation(0), undefined);
  t.is(art23Observation(1), 'Art. 23: 1 elector identificado no emitió su voto; se contó como voto en blanco en cada elección.');
  t.is(art23Observation(3), 'Art. 23: 3 electores identificados no emitieron su voto; se contaron como votos en blanco en cada elección.');
});

test('property: Art. 23 blanks keep the arithmetic: emitted = ballots + Art. 23 in every contest', (t) => {
  fc.assert(
    fc.property(ballotsArbitrary, fc.integer({ min: 0, max: 50 }), ({ definition, ballots }, count) => {
      const tally = valueOf(addArt23Blanks(valueOf(tallyBallots(definition, ballots)), count));
      t.true(verifyTally(definition, tally).ok);
      for (const c of tally.contests) t.is(c.emitted, ballots.length + count);
    }),
    { numRuns: 40 },
  );
});

// --- verifying and parsing tallies from elsewhere ---------------------------------------------------

function verifyRules(definition: ElectionDefinition, tally: Tally): string[] {
  const result = verifyTally(definition, tally);
  return result.ok ? [] : result.error.map((p) => p.rule);
}

test('verifyTally names each broken rule of a tampered tally', (t) => {
  const base = valueOf(tallyBallots(EG2026, [ballotWith(EG2026, { 'senado-nacional': org(12, 3, 15) }), ballotWith(EG2026, {})]));
  t.deepEqual(verifyRules(EG2026, base), []);

  // One vote moved to another organization: the sums still agree, but organization 12 keeps
  // preferential votes it no longer has votes for.
  const moved = copy(base);
  moved.contests[1]!.organizations.find((o) => o.organization === 12)!.votes -= 1;
  moved.contests[1]!.organizations.find((o) => o.organization === 1)!.votes += 1;
  t.deepEqual(verifyRules(EG2026, moved), ['preferential-candidate', 'preferential-candidate', 'preferential-total']);

  const extraVote = copy(base);
  extraVote.contests[0]!.organizations[0]!.votes += 1;
  t.deepEqual(verifyRules(EG2026, extraVote), ['valid-sum']);

  const consistentExtra = copy(base);
  consistentExtra.contests[0]!.blank += 1;
  consistentExtra.contests[0]!.emitted += 1;
  t.deepEqual(verifyRules(EG2026, consistentExtra), ['emitted-ballots']);

  const badEmitted = copy(base);
  badEmitted.contests[2]!.emitted += 1;
  t.deepEqual(verifyRules(EG2026, badEmitted), ['emitted-sum', 'emitted-ballots']);

  // Claims both ballots were Art. 23 blanks, but senado-nacional has only 1 blank.
  const art23WithoutBlanks = copy(base);
  art23WithoutBlanks.art23Blanks = 2;
  art23WithoutBlanks.ballots = 0;
  t.deepEqual(verifyRules(EG2026, art23WithoutBlanks), ['art23-blank']);

  t.deepEqual(verifyRules(EG2026, { ...copy(base), mesa: '000001' }), ['mesa']);
  t.deepEqual(verifyRules(PRIMARIAS2025, base), ['election', 'mesa', 'rows']);
});

test('parseTally accepts the JSON of a tally and refuses extra fields or negative counts', (t) => {
  const tally = valueOf(tallyBallots(EG2026, [ballotWith(EG2026, { presidencial: org(3) })]));
  const json: unknown = JSON.parse(canonicalJson(tally));
  t.deepEqual(valueOf(parseTally(json)), tally);
  t.false(parseTally({ ...(json as object), voter: 'x' }).ok);
  const negative = copy(tally);
  negative.contests[0]!.blank = -1;
  t.false(parseTally(negative).ok);
});

// --- reconciliation ---------------------------------------------------------------------------------

const balanced: ReconciliationInput = {
  cabinBallotCounts: { 'cabin-2': 70, 'cabin-1': 75 },
  identity: { electoresHabiles: 300, activationsIssued: 148, activationsConsumed: 145, art23NotVoted: 3, impugnados: 2 },
  tally: { ballots: 145, art23Blanks: 3 },
};

test('reconcile: a balanced mesa gives voters and absentees', (t) => {
  t.deepEqual(valueOf(reconcile(balanced)), {
    cabins: [
      { cabinId: 'cabin-1', ballots: 75 },
      { cabinId: 'cabin-2', ballots: 70 },
    ],
    ballots: 145,
    art23NotVoted: 3,
    impugnados: 2,
    voters: 150,
    absent: 150,
    electoresHabiles: 300,
  });
});

test('reconcile: fewer ballots than consumed activations (a vote lost)', (t) => {
  const problems = problemOf(reconcile({ ...balanced, cabinBallotCounts: { 'cabin-1': 75, 'cabin-2': 68 }, tally: undefined }));
  t.deepEqual(problems, [{ kind: 'ballots-activations-mismatch', ballots: 143, activationsConsumed: 145 }]);
  t.is(describeReconciliationProblem(problems[0]!), 'cabins stored 143 ballot(s) but the identity station counts 145 consumed activation(s): 2 ballot(s) missing');
  t.is(
    reconciliationProblemForActa(problems[0]!),
    'Las cabinas registran 143 votos, pero la estación de comprobación de identidad registra 145 dispositivos de activación usados para votar: faltan 2 votos.',
  );
});

test('reconcile: more ballots than consumed activations (a vote counted twice)', (t) => {
  const problems = problemOf(reconcile({ ...balanced, cabinBallotCounts: { 'cabin-1': 76, 'cabin-2': 70 }, tally: undefined }));
  t.is(problems.length, 1);
  t.is(
    reconciliationProblemForActa(problems[0]!),
    'Las cabinas registran 146 votos, pero la estación de comprobación de identidad registra 145 dispositivos de activación usados para votar: sobran 1 voto.',
  );
});

test('reconcile: an issued activation neither consumed nor declared Art. 23', (t) => {
  const problems = problemOf(reconcile({ ...balanced, identity: { ...balanced.identity, activationsIssued: 150 } }));
  t.deepEqual(problems, [{ kind: 'activations-unaccounted', activationsIssued: 150, activationsConsumed: 145, art23NotVoted: 3 }]);
  t.is(
    reconciliationProblemForActa(problems[0]!),
    'Se entregaron 150 dispositivos de activación, pero 148 están registrados como voto emitido (145) o como no emisión del voto, Art. 23 (3).',
  );
});

test('reconcile: more voters than electores hábiles (impugnados count as voters)', (t) => {
  const problems = problemOf(reconcile({ ...balanced, identity: { ...balanced.identity, electoresHabiles: 149 } }));
  t.deepEqual(problems, [{ kind: 'voters-exceed-electors', voters: 150, electoresHabiles: 149 }]);
  t.regex(reconciliationProblemForActa(problems[0]!), /^Figuran 150 electores que votaron .* 149 electores hábiles/u);
});

test('reconcile: the tally about to be printed must agree with cabins and identity station', (t) => {
  const problems = problemOf(reconcile({ ...balanced, tally: { ballots: 144, art23Blanks: 1 } }));
  t.deepEqual(problems.map((p) => p.kind), ['tally-ballots-mismatch', 'tally-art23-mismatch']);
  t.is(reconciliationProblemForActa(problems[0]!), 'El escrutinio cuenta 144 votos electrónicos, pero las cabinas registran 145 votos.');
  t.is(
    reconciliationProblemForActa(problems[1]!),
    'El escrutinio incluye 1 voto en blanco por Art. 23, pero la estación de comprobación de identidad registra 3 electores que no emitieron su voto.',
  );
});

test('reconcile: counts must be non-negative integers', (t) => {
  const problems = problemOf(
    reconcile({ ...balanced, cabinBallotCounts: { 'cabin-1': -1, 'cabin-2': 70 }, identity: { ...balanced.identity, impugnados: 0.5 } }),
  );
  t.deepEqual(problems, [
    { kind: 'invalid-count', field: 'cabinBallotCounts.cabin-1', value: -1 },
    { kind: 'invalid-count', field: 'identity.impugnados', value: 0.5 },
  ]);
});

test('property: reconciliation holds exactly when the counts balance', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.nat({ max: 200 }), { minLength: 1, maxLength: 3 }),
      fc.nat({ max: 20 }),
      fc.nat({ max: 5 }),
      fc.integer({ min: -2, max: 2 }),
      (cabins, art23, impugnados, drift) => {
        const ballots = cabins.reduce((a, b) => a + b, 0);
        fc.pre(ballots + drift >= 0);
        const result = reconcile({
          cabinBallotCounts: Object.fromEntries(cabins.map((n, i) => [`cabin-${i + 1}`, n])),
          identity: {
            electoresHabiles: 1000,
            activationsIssued: ballots + drift + art23,
            activationsConsumed: ballots + drift,
            art23NotVoted: art23,
            impugnados,
          },
        });
        t.is(result.ok, drift === 0);
        if (result.ok) t.is(result.value.voters, ballots + art23 + impugnados);
      },
    ),
  );
});
