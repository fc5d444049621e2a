import test from 'ava';
import fc from 'fast-check';
import {
  contestDisplayName,
  describeBallot,
  describeBallotLines,
  describeContestChoice,
  joinSpanish,
} from '../shared/ballot/describe.ts';
import { EG2026, PRIMARIAS2025, ballotArbitrary, blank, contest, definitionArbitrary, nullVote, org } from './helpers/ballots.ts';

const presidencial = contest(EG2026, 'presidencial');
const senadoNacional = contest(EG2026, 'senado-nacional');
const senadoRegional = contest(EG2026, 'senado-regional');

test('an organization: number, name and short name', (t) => {
  t.is(describeContestChoice(presidencial, org(3)), '3 — Partido Colibrí Dorado (PCD)');
  t.is(describeContestChoice(presidencial, org(37)), '37 — Partido Caracol Paciente (PCaP)');
});

test('preferential votes: one, two, and with candidate names', (t) => {
  t.is(describeContestChoice(senadoRegional, org(4, 3)), '4 — Unión Hilo de Colores (UHC); voto preferencial: 3');
  t.is(
    describeContestChoice(senadoNacional, org(12, 3, 15)),
    '12 — Movimiento Lámpara Clara (MLC); votos preferenciales: 3 y 15',
  );
  t.is(
    describeContestChoice(senadoNacional, org(12, 3, 15), { candidateNames: true }),
    '12 — Movimiento Lámpara Clara (MLC); votos preferenciales: 3 (Ana Ñaupa Valdivia) y 15 (Liz Vargas Ñaupa)',
  );
});

test('blank and null votes', (t) => {
  t.is(describeContestChoice(presidencial, blank), 'VOTO EN BLANCO');
  t.is(describeContestChoice(senadoNacional, nullVote), 'VOTO NULO');
});

test('contest names carry the electoral district when there is one', (t) => {
  t.is(contestDisplayName(presidencial), 'Presidente y Vicepresidentes de la República');
  t.is(contestDisplayName(senadoRegional), 'Senadores — Distrito Electoral Regional (Cusco)');
  t.is(contestDisplayName(contest(EG2026, 'diputados')), 'Diputados (Cusco)');
});

test('a whole eg2026 ballot, line by line in definition order', (t) => {
  const ballot = {
    choices: {
      'parlamento-andino': org(2, 1, 14),
      diputados: nullVote,
      'senado-regional': blank,
      'senado-nacional': org(12, 3, 15),
      presidencial: org(3),
    },
  };
  t.deepEqual(describeBallotLines(EG2026, ballot), [
    'Presidente y Vicepresidentes de la República: 3 — Partido Colibrí Dorado (PCD)',
    'Senadores — Distrito Electoral Único Nacional: 12 — Movimiento Lámpara Clara (MLC); votos preferenciales: 3 y 15',
    'Senadores — Distrito Electoral Regional (Cusco): VOTO EN BLANCO',
    'Diputados (Cusco): VOTO NULO',
    'Representantes ante el Parlamento Andino: 2 — Unión Cometa Escarlata (UCE); votos preferenciales: 1 y 14',
  ]);
  const entries = describeBallot(EG2026, ballot);
  t.deepEqual(entries[1], {
    contestId: 'senado-nacional',
    contestName: 'Senadores — Distrito Electoral Único Nacional',
    text: '12 — Movimiento Lámpara Clara (MLC); votos preferenciales: 3 y 15',
  });
});

test('Spanish lists join with commas and "y"', (t) => {
  t.is(joinSpanish([]), '');
  t.is(joinSpanish(['A']), 'A');
  t.is(joinSpanish(['A', 'B']), 'A y B');
  t.is(joinSpanish(['A', 'B', 'C']), 'A, B y C');
});

test('describing an unvalidated ballot is a bug and throws', (t) => {
  t.throws(() => describeContestChoice(presidencial, org(7)), { message: /no organization 7/u });
  t.throws(() => describeContestChoice(senadoNacional, org(12, 45), { candidateNames: true }), { message: /no candidate 45/u });
  t.throws(() => describeBallot(EG2026, { choices: {} }), { message: /no choice for contest presidencial/u });
});

test('property: every valid ballot has one line per contest, starting with its name', (t) => {
  t.is(describeBallotLines(PRIMARIAS2025, { choices: Object.fromEntries(PRIMARIAS2025.contests.map((c) => [c.id, blank])) }).length, 5);
  fc.assert(
    fc.property(definitionArbitrary.chain((d) => ballotArbitrary(d).map((b) => ({ d, b }))), ({ d, b }) => {
      const lines = describeBallotLines(d, b, { candidateNames: true });
      t.is(lines.length, d.contests.length);
      for (const [i, c] of d.contests.entries()) t.true(lines[i]?.startsWith(`${contestDisplayName(c)}: `));
    }),
  );
});
