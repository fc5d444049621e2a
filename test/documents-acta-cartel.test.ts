import test from 'ava';
import fc from 'fast-check';
import { contestDisplayName } from '../shared/ballot/describe.ts';
import { cartelDeResultados, CARTEL_MAX_PREFERENTIAL_ROWS } from '../shared/documents/cartel.ts';
import { documentToPlainText, wrapText } from '../shared/documents/print-document.ts';
import type { ElectionDefinition } from '../shared/election/definition.ts';
import { actaDataFor, largestRealisticActa, mustTally, PRINTED_AT } from './helpers/acta-fixture.ts';
import { ballotWith, ballotsArbitrary, EG2026, org } from './helpers/ballots.ts';

const TZ = 'America/Lima';

function numberOn(line: string | undefined): number | undefined {
  const match = line === undefined ? null : /\s(\d+)$/u.exec(line);
  return match === null ? undefined : Number(match[1]);
}

/** Per contest, the printed rows by label start, in order. */
function printedContest(definition: ElectionDefinition, plain: string, contestIndex: number): string[] {
  const lines = plain.split('\n');
  const contest = definition.contests[contestIndex];
  if (contest === undefined) throw new Error('no contest');
  const start = lines.indexOf(wrapText(contestDisplayName(contest), 48)[0] ?? '');
  const end = lines.findIndex((line, at) => at > start && /^-{48}$/u.test(line));
  return lines.slice(start, end);
}

test('property: the cartel prints every organization and total exactly as the tally has them', (t) => {
  let problem = '';
  const details = fc.check(
    fc.property(ballotsArbitrary, fc.nat({ max: 4 }), ({ definition, ballots }, art23) => {
      const acta = actaDataFor(definition, mustTally(definition, ballots, art23));
      const plain = documentToPlainText(cartelDeResultados({ definition, acta, printedAt: PRINTED_AT, timeZone: TZ }));
      for (const [index, contest] of definition.contests.entries()) {
        const row = acta.tally.contests[index];
        const lines = printedContest(definition, plain, index);
        if (row === undefined) return false;
        for (const o of row.organizations) {
          const organization = contest.organizations.find((x) => x.number === o.organization);
          const line = lines.find((l) => l.startsWith(`${o.organization}. ${organization?.shortName ?? '?'} `));
          if (numberOn(line) !== o.votes) problem = `${contest.id}/${o.organization}`;
        }
        const totals: [string, number][] = [
          ['VOTOS VÁLIDOS', row.valid],
          ['VOTOS EN BLANCO', row.blank],
          ['VOTOS NULOS', row.null],
          ['TOTAL EMITIDOS', row.emitted],
        ];
        for (const [label, value] of totals) if (numberOn(lines.find((l) => l.startsWith(label))) !== value) problem = `${contest.id} ${label}`;
      }
      return problem === '';
    }),
    { numRuns: 20 },
  );
  t.false(details.failed, problem);
});

test('the cartel is large text, marks the simulacro, and leaves long preferential detail to the acta', (t) => {
  const { data } = largestRealisticActa();
  const doc = cartelDeResultados({ definition: EG2026, acta: data, printedAt: PRINTED_AT, timeZone: TZ });
  const texts = doc.blocks.flatMap((block) => (block.kind === 'text' ? [block] : []));
  const small = texts.filter((block) => block.style.size === 'normal').map((block) => block.text);
  t.deepEqual(small, ['Documento de simulacro: sin validez electoral', 'Documento de simulacro: sin validez electoral'], 'only the shared banner note is small');
  const plain = documentToPlainText(doc);
  t.is(EG2026.election.simulacro, plain.includes('*** SIMULACRO ***'));
  t.true(plain.includes(`MESA N.° ${EG2026.mesa.number}`));
  t.true(plain.includes('Votos preferenciales: ver el acta de escrutinio.'));
  t.false(plain.includes('[QR'));
});

test('a short preferential count is printed on the cartel itself', (t) => {
  const listContest = EG2026.contests.find((c) => c.kind === 'organization-list' && c.maxPreferential > 0);
  const organization = listContest?.organizations[0];
  const candidate = organization?.candidates?.[0];
  if (listContest === undefined || organization === undefined || candidate === undefined) return t.fail('fixture shape');
  const ballots = [ballotWith(EG2026, { [listContest.id]: org(organization.number, candidate.number) })];
  const acta = actaDataFor(EG2026, mustTally(EG2026, ballots));
  const plain = documentToPlainText(cartelDeResultados({ definition: EG2026, acta, printedAt: PRINTED_AT, timeZone: TZ }));
  t.true(CARTEL_MAX_PREFERENTIAL_ROWS >= 1);
  const line = plain.split('\n').find((l) => l.startsWith(`  ${organization.number}. ${organization.shortName}, candidato ${candidate.number}`));
  t.is(numberOn(line), 1);
});
