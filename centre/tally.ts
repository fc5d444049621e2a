/**
 * National and per-ODPE totals from the mesa results the centre accepted (`vep center tally`).
 *
 * Rows are added per CONTEST KEY: the contest id, plus the district for contests of a regional
 * district (`senado-regional@Cusco`), because their organization lists and ballot numbers
 * differ from one district to another: organization 3 in Cusco is not organization 3 in Lima.
 * National contests add across the whole country. Counts only; preferential votes are added too.
 */
import type { Contest } from '../shared/election/definition.ts';
import type { Tally } from '../shared/tally/tally.ts';
import type { CentreStore } from './store.ts';

export function contestKey(contest: Pick<Contest, 'id' | 'districtName'>): string {
  return contest.districtName === undefined ? contest.id : `${contest.id}@${contest.districtName}`;
}

export interface ContestLabels {
  readonly name: string;
  /** Organization ballot number (as a string key) -> short name. */
  readonly organizations: Record<string, string>;
}

export function contestLabels(contest: Contest): ContestLabels {
  const organizations: Record<string, string> = {};
  for (const o of contest.organizations) organizations[String(o.number)] = o.shortName;
  const name = contest.districtName === undefined ? contest.name : `${contest.name} (${contest.districtName})`;
  return { name, organizations };
}

export interface ContestTotals {
  readonly key: string;
  /** organization number -> votes */
  readonly organizations: Map<number, number>;
  /** organization number -> candidate number -> preferential votes */
  readonly preferential: Map<number, Map<number, number>>;
  blank: number;
  null: number;
  valid: number;
  emitted: number;
}

export interface Totals {
  mesas: number;
  ballots: number;
  art23Blanks: number;
  readonly contests: Map<string, ContestTotals>;
}

export interface CentreTally {
  readonly national: Totals;
  /** By ODPE code. */
  readonly odpes: Map<string, { readonly name: string; readonly totals: Totals }>;
}

function emptyTotals(): Totals {
  return { mesas: 0, ballots: 0, art23Blanks: 0, contests: new Map() };
}

function addTally(totals: Totals, tally: Tally, keys: readonly string[]): void {
  totals.mesas += 1;
  totals.ballots += tally.ballots;
  totals.art23Blanks += tally.art23Blanks;
  tally.contests.forEach((contest, i) => {
    const key = keys[i];
    if (key === undefined) throw new Error('bug: stored contest keys do not match the tally');
    let sum = totals.contests.get(key);
    if (sum === undefined) {
      sum = { key, organizations: new Map(), preferential: new Map(), blank: 0, null: 0, valid: 0, emitted: 0 };
      totals.contests.set(key, sum);
    }
    for (const o of contest.organizations) {
      sum.organizations.set(o.organization, (sum.organizations.get(o.organization) ?? 0) + o.votes);
      let candidates = sum.preferential.get(o.organization);
      if (candidates === undefined) {
        candidates = new Map<number, number>();
        sum.preferential.set(o.organization, candidates);
      }
      for (const c of o.preferential) candidates.set(c.candidate, (candidates.get(c.candidate) ?? 0) + c.votes);
    }
    sum.blank += contest.blank;
    sum.null += contest.null;
    sum.valid += contest.valid;
    sum.emitted += contest.emitted;
  });
}

/** Adds every accepted mesa result (conflicting files are never counted). */
export function centreTally(store: CentreStore): CentreTally {
  const national = emptyTotals();
  const odpes = new Map<string, { name: string; totals: Totals }>();
  for (const row of store.mesaResults()) {
    // Stored only after verifyMesaResult accepted it, in a store that passed its integrity check:
    // re-validating 1,851 rows per mesa with zod made the 90,000-mesa tally take minutes.
    const tally = JSON.parse(row.tallyJson) as Tally;
    if (!Array.isArray(tally.contests) || tally.contests.length !== row.contestKeys.length) {
      throw new Error(`centre store holds an unreadable tally for mesa ${row.mesa}`);
    }
    addTally(national, tally, row.contestKeys);
    let odpe = odpes.get(row.odpeCode);
    if (odpe === undefined) odpes.set(row.odpeCode, (odpe = { name: row.odpeName, totals: emptyTotals() }));
    addTally(odpe.totals, tally, row.contestKeys);
  }
  return { national, odpes };
}

function formatTotals(title: string, totals: Totals, labels: ReadonlyMap<string, ContestLabels>): string[] {
  const lines = [title, `  mesas: ${totals.mesas}   electronic ballots: ${totals.ballots}   Art. 23 blanks: ${totals.art23Blanks}`];
  for (const sum of [...totals.contests.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    const label = labels.get(sum.key);
    lines.push(`  ${label?.name ?? sum.key} [${sum.key}]`);
    const ranked = [...sum.organizations.entries()].sort(([na, a], [nb, b]) => b - a || na - nb);
    for (const [number, votes] of ranked) {
      const name = label?.organizations[String(number)] ?? '';
      lines.push(`    ${String(number).padStart(3)} ${name.padEnd(24)} ${String(votes).padStart(10)}`);
    }
    lines.push(`        ${'valid'.padEnd(24)} ${String(sum.valid).padStart(10)}`);
    lines.push(`        ${'blank'.padEnd(24)} ${String(sum.blank).padStart(10)}`);
    lines.push(`        ${'null'.padEnd(24)} ${String(sum.null).padStart(10)}`);
    lines.push(`        ${'emitted'.padEnd(24)} ${String(sum.emitted).padStart(10)}`);
  }
  return lines;
}

/** Plain-text report: national totals, then each ODPE in code order, then conflicts. */
export function formatCentreTally(store: CentreStore): string {
  const tally = centreTally(store);
  const labels = new Map<string, ContestLabels>();
  for (const [key, json] of store.labels()) labels.set(key, JSON.parse(json) as ContestLabels);
  const lines = formatTotals('NATIONAL', tally.national, labels);
  for (const [code, odpe] of [...tally.odpes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    lines.push('', ...formatTotals(`ODPE ${code} ${odpe.name}`, odpe.totals, labels));
  }
  const conflicts = store.conflicts();
  lines.push('', `CONFLICTS: ${conflicts.length}`);
  for (const c of conflicts) {
    lines.push(`  mesa ${c.mesa}: refused result ${c.sha256} (${c.times} time(s), first ${c.firstSeenAt}); the first accepted result is counted`);
  }
  return `${lines.join('\n')}\n`;
}
