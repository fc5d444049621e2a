/**
 * Names of the count fields that the cotejo (Art. 28) and the manual count (STAE) compare:
 * `<contestId>/<organization number>`, `<contestId>/blank`, `<contestId>/null`, as the results
 * station's count sheets use them (results-station/machine-types.ts CountSheet). Turned into
 * the Spanish words printed on the acta and the cotejo report.
 */
import { contestDisplayName } from '../ballot/describe.ts';
import type { ElectionDefinition } from '../election/definition.ts';
import { findContest, findOrganization } from '../election/definition.ts';

/** Fields outside any contest that a count sheet may carry. */
const GLOBAL_FIELDS: Readonly<Record<string, string>> = {
  ballots: 'Cédulas / constancias contadas',
  constancias: 'Constancias de voto contadas',
};

export function countFieldKey(contestId: string, option: number | 'blank' | 'null'): string {
  return `${contestId}/${option}`;
}

/** "Senado (Lima) - 3. Partido Ejemplo (PE)"; an unknown field is shown as it is. */
export function describeCountField(definition: ElectionDefinition, field: string): string {
  const global = GLOBAL_FIELDS[field];
  if (global !== undefined) return global;
  const slash = field.indexOf('/');
  if (slash < 0) return field;
  const contest = findContest(definition, field.slice(0, slash));
  if (contest === undefined) return field;
  const option = field.slice(slash + 1);
  const name = contestDisplayName(contest);
  if (option === 'blank') return `${name} - votos en blanco`;
  if (option === 'null') return `${name} - votos nulos`;
  const organization = /^[1-9][0-9]*$/u.test(option) ? findOrganization(contest, Number(option)) : undefined;
  if (organization === undefined) return `${name} - ${option}`;
  return `${name} - ${organization.number}. ${organization.shortName}`;
}
