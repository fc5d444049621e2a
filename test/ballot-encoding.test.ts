import test from 'ava';
import fc from 'fast-check';
import QRCode from 'qrcode';
import type { Ballot, ContestChoice } from '../shared/ballot/ballot.ts';
import {
  decodeBallot,
  decodeCompactBallot,
  describeBallotDecodeProblem,
  describeCompactDecodeProblem,
  encodeBallot,
  encodeCompactBallot,
} from '../shared/ballot/encoding.ts';
import { validateBallot } from '../shared/ballot/rules.ts';
import type { ElectionDefinition } from '../shared/election/definition.ts';
import { PAPER_80MM_PRINTABLE_DOTS } from '../shared/documents/print-document.ts';
import type { Result } from '../shared/result.ts';
import { EG2026, PRIMARIAS2025, ballotArbitrary, ballotWith, blank, definitionArbitrary, nullVote, org } from './helpers/ballots.ts';

function valueOf<T, E>(result: Result<T, E>): T {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result.error)}`);
  return result.value;
}

function problemKind<T, E extends { kind: string }>(result: Result<T, E>): string {
  return result.ok ? 'ok' : result.error.kind;
}

const EXAMPLE: Ballot = {
  choices: {
    presidencial: org(3),
    'senado-nacional': org(12, 15, 3),
    'senado-regional': blank,
    diputados: org(1, 2),
    'parlamento-andino': nullVote,
  },
};

const definitionAndBallot = definitionArbitrary.chain((d) => ballotArbitrary(d, true).map((b) => ({ d, b })));

// --- canonical JSON ---------------------------------------------------------------------------

test('encodeBallot writes canonical JSON: sorted keys, ascending preferential numbers', (t) => {
  t.is(
    encodeBallot(EXAMPLE),
    '{"choices":{"diputados":{"kind":"organization","organization":1,"preferential":[2]},' +
      '"parlamento-andino":{"kind":"null"},' +
      '"presidencial":{"kind":"organization","organization":3,"preferential":[]},' +
      '"senado-nacional":{"kind":"organization","organization":12,"preferential":[3,15]},' +
      '"senado-regional":{"kind":"blank"}}}',
  );
});

test('property: decodeBallot(encodeBallot(b)) is the validated ballot; typing order never changes the text', (t) => {
  fc.assert(
    fc.property(definitionAndBallot, ({ d, b }) => {
      const normalized = valueOf(validateBallot(d, b));
      const text = encodeBallot(b);
      t.is(text, encodeBallot(normalized));
      t.deepEqual(valueOf(decodeBallot(d, text)), normalized);
    }),
  );
});

test('decodeBallot refuses text that is not the canonical form of a valid ballot', (t) => {
  const good = encodeBallot(EXAMPLE);
  t.true(decodeBallot(EG2026, good).ok);
  t.is(problemKind(decodeBallot(EG2026, `${good.slice(0, -1)}`)), 'json-syntax');
  t.is(problemKind(decodeBallot(EG2026, ` ${good}`)), 'not-canonical');
  t.is(problemKind(decodeBallot(EG2026, good.replace('[3,15]', '[15,3]'))), 'not-canonical');
  // JSON.parse keeps the last of two equal keys: a duplicate could hide a second choice.
  const duplicate = good.replace('{"choices":{', '{"choices":{"presidencial":{"kind":"null"},');
  t.is(problemKind(decodeBallot(EG2026, duplicate)), 'not-canonical');
  t.is(problemKind(decodeBallot(EG2026, good.replace('{"choices":', '{"cabin":1,"choices":'))), 'schema');
  t.is(problemKind(decodeBallot(EG2026, good.replace('"organization":12', '"organization":12.5'))), 'schema');
  t.is(problemKind(decodeBallot(EG2026, good.replace('"organization":12', '"organization":5'))), 'invalid-ballot');
  t.is(problemKind(decodeBallot(EG2026, ' '.repeat(20_000))), 'too-long');
});

test('ballot decode problems are explained in English', (t) => {
  const result = decodeBallot(EG2026, encodeBallot(ballotWith(EG2026, { presidencial: org(7) })));
  t.false(result.ok);
  if (!result.ok) {
    t.is(describeBallotDecodeProblem(result.error), 'invalid ballot: contest "presidencial": no organization has ballot number 7');
  }
});

// --- compact QR form --------------------------------------------------------------------------

test('the compact form of the example ballot', (t) => {
  t.is(encodeCompactBallot(EG2026, EXAMPLE), 'VEP1/EG2026/041287/3/12:3+15/B/1:2/N');
  t.deepEqual(valueOf(decodeCompactBallot(EG2026, 'VEP1/EG2026/041287/3/12:3+15/B/1:2/N')), valueOf(validateBallot(EG2026, EXAMPLE)));
});

test('property: compact form round trip over random valid ballots, QR alphanumeric characters only', (t) => {
  fc.assert(
    fc.property(definitionAndBallot, ({ d, b }) => {
      const text = encodeCompactBallot(d, b);
      t.regex(text, /^[0-9A-Z $%*+\-./:]+$/u);
      t.deepEqual(valueOf(decodeCompactBallot(d, text)), valueOf(validateBallot(d, b)));
    }),
  );
});

/** The ballot with the longest compact text: the highest organization and candidate numbers everywhere. */
function longestBallot(definition: ElectionDefinition): Ballot {
  const choices: Record<string, ContestChoice> = {};
  for (const c of definition.contests) {
    const organization = [...c.organizations].sort((a, b) => b.number - a.number)[0]!;
    const max = c.kind === 'organization-list' ? c.maxPreferential : 0;
    const numbers = (organization.candidates ?? []).map((x) => x.number).sort((a, b) => b - a).slice(0, max);
    choices[c.id] = org(organization.number, ...numbers);
  }
  return { choices };
}

test('the longest compact ballot fits a QR on 80 mm paper at 6 dots per module, quiet zone included', (t) => {
  for (const definition of [EG2026, PRIMARIAS2025]) {
    const text = encodeCompactBallot(definition, longestBallot(definition));
    const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
    t.true((qr.modules.size + 8) * 6 <= PAPER_80MM_PRINTABLE_DOTS, `${text}: ${qr.modules.size} modules`);
    t.true(qr.version <= 4, `${text} needs QR version ${qr.version}`);
  }
});

test('decodeCompactBallot refuses other elections, mesas, versions and non-canonical spellings', (t) => {
  const cases: [string, string][] = [
    ['VEP2/EG2026/041287/3/12:3+15/B/1:2/N', 'wrong-version'],
    ['VEP1/EG2025/041287/3/12:3+15/B/1:2/N', 'wrong-election'],
    ['VEP1/eg2026/041287/3/12:3+15/B/1:2/N', 'wrong-election'],
    ['VEP1/EG2026/041288/3/12:3+15/B/1:2/N', 'wrong-mesa'],
    ['VEP1/EG2026/041287/3/12:3+15/B/1:2', 'wrong-contest-count'],
    ['VEP1/EG2026/041287/3/12:3+15/B/1:2/N/', 'wrong-contest-count'],
    ['VEP1/EG2026/041287/03/12:3+15/B/1:2/N', 'malformed'],
    ['VEP1/EG2026/041287/3/12:/B/1:2/N', 'malformed'],
    ['VEP1/EG2026/041287/3/12:3++15/B/1:2/N', 'malformed'],
    ['VEP1/EG2026/041287/3/12:3:15/B/1:2/N', 'malformed'],
    ['VEP1/EG2026/041287/b/12:3+15/B/1:2/N', 'malformed'],
    ['VEP1/EG2026/041287/3/12:15+3/B/1:2/N', 'not-canonical'],
    ['VEP1/EG2026/041287/7/12:3+15/B/1:2/N', 'invalid-ballot'],
    ['VEP1/EG2026/041287/3/12:3+3/B/1:2/N', 'invalid-ballot'],
    [`VEP1/EG2026/041287/${'1'.repeat(2000)}`, 'too-long'],
  ];
  for (const [text, kind] of cases) t.is(problemKind(decodeCompactBallot(EG2026, text)), kind, text);
});

test('compact decode problems are explained in English', (t) => {
  const result = decodeCompactBallot(EG2026, 'VEP1/EG2026/041288/3/12:3+15/B/1:2/N');
  t.false(result.ok);
  if (!result.ok) t.is(describeCompactDecodeProblem(result.error), 'QR ballot is for mesa "041288", expected "041287"');
});
