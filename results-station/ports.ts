/**
 * The results station's pure ports (machine-types.ts ResultsPorts) bound to an election
 * definition: the mesa tally from verified cabin readings and the identity summary, and the
 * count sheets members type for the cotejo (Art. 28) and the STAE manual count.
 *
 * COUNT SHEET FIELDS (the names H4's forms post; `sheetFields` lists them in form order):
 * - `<contestId>/<organizationNumber>`: votes for that organization (e.g. `presidencial/7`).
 * - `<contestId>/blank`, `<contestId>/null`: blank and null votes of the contest.
 * - `ballots`: manual count only, the number of paper cédulas counted (= electors who voted
 *   at the mesa); every contest's votos emitidos must equal it.
 * - `<contestId>/<organizationNumber>/<candidateNumber>`: manual count only, OPTIONAL
 *   preferential votes (`preferentialFields`); absent means 0. Not part of the cotejo, since
 *   the members compare constancias per contest and option.
 * Totals (valid, emitted) are never typed: they are computed, so the paper arithmetic cannot be
 * wrong (issue 6).
 *
 * DECISIONS
 * - `compareSheets` compares the union of both sheets' fields; a field on one side only is a
 *   difference (null on the missing side), so a form that forgot a field cannot agree silently.
 * - `manualTally` refuses unknown fields, missing required fields, non-count values, contests
 *   whose sum differs from `ballots`, more ballots than electores hábiles, and preferential
 *   votes verifyTally would refuse. Every problem is reported at once, in Spanish.
 * - `tallyMesa` adds the Art. 23 blanks once, to the merged tally, and always reconciles the
 *   tally about to be printed too (ballots and Art. 23 blanks), not only the counts.
 */
import type { ElectionDefinition } from '../shared/election/definition.ts';
import { err, ok, type Result } from '../shared/result.ts';
import { addArt23Blanks, art23Observation, describeArt23Problem } from '../shared/tally/art23.ts';
import { describeTallyMergeProblem, mergeAllTallies } from '../shared/tally/merge.ts';
import {
  describeReconciliationProblem,
  reconcile,
  reconciliationProblemForActa,
  type IdentitySummary,
} from '../shared/tally/reconcile.ts';
import { contestAllowsPreferential, emptyTally, freezeTally, type Tally } from '../shared/tally/tally.ts';
import { verifyTally } from '../shared/tally/verify.ts';
import type { CabinReading, CountDifference, CountSheet, Finding, MesaResult, ResultsPorts, TallyOutcome } from './machine-types.ts';

/** The manual count's field for the number of paper cédulas counted. */
export const BALLOTS_FIELD = 'ballots';

export interface SheetField {
  readonly field: string;
  /** null for `ballots`. */
  readonly contestId: string | null;
  /** Spanish label for the form and the comparison screens. */
  readonly label: string;
}

export type SheetPurpose = 'cotejo' | 'manual-count';

export function organizationField(contestId: string, organization: number): string {
  return `${contestId}/${organization}`;
}
export function blankField(contestId: string): string {
  return `${contestId}/blank`;
}
export function nullField(contestId: string): string {
  return `${contestId}/null`;
}
export function preferentialField(contestId: string, organization: number, candidate: number): string {
  return `${contestId}/${organization}/${candidate}`;
}

/**
 * The fields a member types, in form order (contest by contest: organizations by ballot
 * number, then blank, then null). The manual count starts with `ballots`.
 */
export function sheetFields(definition: ElectionDefinition, purpose: SheetPurpose = 'cotejo'): SheetField[] {
  const fields: SheetField[] = [];
  if (purpose === 'manual-count') fields.push({ field: BALLOTS_FIELD, contestId: null, label: 'Cédulas contadas (electores que votaron)' });
  for (const contest of definition.contests) {
    for (const organization of contest.organizations) {
      fields.push({
        field: organizationField(contest.id, organization.number),
        contestId: contest.id,
        label: `${contest.name}: ${organization.number}. ${organization.name}`,
      });
    }
    fields.push({ field: blankField(contest.id), contestId: contest.id, label: `${contest.name}: votos en blanco` });
    fields.push({ field: nullField(contest.id), contestId: contest.id, label: `${contest.name}: votos nulos` });
  }
  return fields;
}

/** Optional preferential-vote fields of the manual count, in acta order. */
export function preferentialFields(definition: ElectionDefinition): SheetField[] {
  const fields: SheetField[] = [];
  for (const contest of definition.contests) {
    if (!contestAllowsPreferential(contest)) continue;
    for (const organization of contest.organizations) {
      for (const candidate of organization.candidates ?? []) {
        fields.push({
          field: preferentialField(contest.id, organization.number, candidate.number),
          contestId: contest.id,
          label: `${contest.name}: ${organization.number}. ${organization.shortName}, voto preferencial ${candidate.number}. ${candidate.name}`,
        });
      }
    }
  }
  return fields;
}

/** Spanish label of a field for comparison screens and acta observations; the field itself when unknown. */
export function fieldLabel(definition: ElectionDefinition, field: string): string {
  const found = [...sheetFields(definition, 'manual-count'), ...preferentialFields(definition)].find((f) => f.field === field);
  return found?.label ?? field;
}

// --- tallyMesa --------------------------------------------------------------------------------

function finding(code: string, screenText: string, actaText = screenText): Finding {
  return { code, screenText, actaText };
}

export function tallyMesa(
  definition: ElectionDefinition,
  input: { readonly cabins: readonly CabinReading[]; readonly identity: IdentitySummary },
): TallyOutcome {
  const { cabins, identity } = input;
  const merged = mergeAllTallies(definition, cabins.map((cabin) => cabin.tally));
  if (!merged.ok) {
    return {
      kind: 'untallyable',
      findings: [
        finding(
          `merge:${merged.error.kind}`,
          'Los resultados de las cabinas no pueden sumarse: no corresponden a esta elección, a esta mesa o a la misma cédula. Vuelva a leer los dispositivos.',
          `Resultados de cabina no sumables (${describeTallyMergeProblem(merged.error)}).`,
        ),
      ],
    };
  }
  const withBlanks = addArt23Blanks(merged.value, identity.art23NotVoted);
  if (!withBlanks.ok) {
    return {
      kind: 'untallyable',
      findings: [
        finding(
          `art23:${withBlanks.error.kind}`,
          'El número de electores que no emitieron su voto (Art. 23) no es válido. Vuelva a leer los dispositivos.',
          `Art. 23 no aplicable (${describeArt23Problem(withBlanks.error)}).`,
        ),
      ],
    };
  }
  const art23 = art23Observation(identity.art23NotVoted);
  const result: MesaResult = { mode: 'electronic', tally: withBlanks.value, observations: art23 === undefined ? [] : [art23] };
  const checked = reconcile({
    cabinBallotCounts: Object.fromEntries(cabins.map((cabin) => [cabin.cabinId, cabin.ballotCount])),
    identity,
    tally: withBlanks.value,
  });
  if (checked.ok) return { kind: 'ok', result };
  const findings = checked.error.map((problem) => ({
    // The English description goes to the audit log through the code's detail.
    code: `${problem.kind}: ${describeReconciliationProblem(problem)}`,
    screenText: reconciliationProblemForActa(problem),
    actaText: reconciliationProblemForActa(problem),
  }));
  return { kind: 'discrepancies', result, findings };
}

// --- sheets -----------------------------------------------------------------------------------

/**
 * The electronic tally as the cotejo sheet (same fields the members type; no preferential
 * votes). The members count CONSTANCIAS, which exist only for ballots: the Art. 23 blanks
 * (identified electors who did not vote) are taken out of the blank rows, or every contest
 * would show a difference that is not one.
 */
export function tallyToSheet(tally: Tally): CountSheet {
  const sheet: Record<string, number> = {};
  for (const contest of tally.contests) {
    for (const organization of contest.organizations) sheet[organizationField(contest.contestId, organization.organization)] = organization.votes;
    sheet[blankField(contest.contestId)] = contest.blank - tally.art23Blanks;
    sheet[nullField(contest.contestId)] = contest.null;
  }
  return sheet;
}

/** Field by field over the union of both sheets, sorted by field name. */
export function compareSheets(first: CountSheet, second: CountSheet): CountDifference[] {
  const fields = [...new Set([...Object.keys(first), ...Object.keys(second)])].sort();
  return fields.flatMap((field) => {
    const a = Object.hasOwn(first, field) ? (first[field] ?? null) : null;
    const b = Object.hasOwn(second, field) ? (second[field] ?? null) : null;
    return a === b ? [] : [{ field, first: a, second: b }];
  });
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** The agreed STAE sheet to a checked manual-count mesa result (see the file comment for the rules). */
export function manualTally(definition: ElectionDefinition, sheet: CountSheet): Result<MesaResult, readonly Finding[]> {
  const required = sheetFields(definition, 'manual-count');
  const optional = preferentialFields(definition);
  const known = new Map([...required, ...optional].map((f) => [f.field, f]));
  const findings: Finding[] = [];
  for (const field of Object.keys(sheet)) {
    if (!known.has(field)) findings.push(finding('unknown-field', `El campo «${field}» no pertenece a esta cédula.`));
  }
  for (const f of required) {
    if (!Object.hasOwn(sheet, f.field)) findings.push(finding('missing-field', `Falta el dato: ${f.label}.`));
  }
  for (const [field, value] of Object.entries(sheet)) {
    if (known.has(field) && !isCount(value)) {
      findings.push(finding('invalid-count', `${known.get(field)?.label ?? field}: debe ser un número entero no negativo.`));
    }
  }
  if (findings.length > 0) return err(findings);

  const value = (field: string) => sheet[field] ?? 0;
  const ballots = value(BALLOTS_FIELD);
  const zero = emptyTally(definition);
  const contests = zero.contests.map((contest) => {
    const organizations = contest.organizations.map((organization) => ({
      organization: organization.organization,
      votes: value(organizationField(contest.contestId, organization.organization)),
      preferential: organization.preferential.map((candidate) => ({
        candidate: candidate.candidate,
        votes: value(preferentialField(contest.contestId, organization.organization, candidate.candidate)),
      })),
    }));
    const valid = organizations.reduce((sum, organization) => sum + organization.votes, 0);
    const blank = value(blankField(contest.contestId));
    const nulls = value(nullField(contest.contestId));
    return { contestId: contest.contestId, organizations, valid, blank, null: nulls, emitted: valid + blank + nulls };
  });
  for (const contest of contests) {
    if (contest.emitted !== ballots) {
      const name = definition.contests.find((c) => c.id === contest.contestId)?.name ?? contest.contestId;
      findings.push(
        finding(
          'emitted-ballots',
          `${name}: los votos suman ${contest.emitted} (válidos ${contest.valid}, blancos ${contest.blank}, nulos ${contest.null}), pero se contaron ${ballots} cédulas.`,
        ),
      );
    }
  }
  if (ballots > definition.mesa.electoresHabiles) {
    findings.push(finding('ballots-exceed-electors', `Se contaron ${ballots} cédulas, más que los ${definition.mesa.electoresHabiles} electores hábiles.`));
  }
  const tally = freezeTally({ ...zero, ballots, contests });
  const checked = verifyTally(definition, tally);
  if (!checked.ok) {
    for (const problem of checked.error) {
      if (problem.rule.startsWith('preferential')) {
        findings.push(finding(problem.rule, `Votos preferenciales no coherentes con los votos de la organización (${problem.message}).`));
      } else if (problem.rule !== 'emitted-ballots') {
        findings.push(finding(problem.rule, `Conteo no coherente (${problem.message}).`));
      }
    }
  }
  if (findings.length > 0) return err(findings);
  return ok({ mode: 'manual-count', tally, observations: [] });
}

/** The ports bound to one definition, as the host passes them to createResultsMachine. */
export function resultsPorts(definition: ElectionDefinition): ResultsPorts {
  return {
    tallyMesa: (input) => tallyMesa(definition, input),
    tallyToSheet,
    compareSheets,
    manualTally: (sheet) => manualTally(definition, sheet),
  };
}
