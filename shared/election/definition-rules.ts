/**
 * Cross-field rules of an election definition. They run on whatever parts of the input parse
 * (per section and per array element), so one malformed DNI does not hide a duplicate
 * organization number elsewhere: the author gets every issue in one pass.
 */
import type { z } from 'zod';
import type { DefinitionIssue, PathSegment } from './definition-issues.ts';
import { formatPath } from './definition-issues.ts';
import {
  actaCopyDestinationSchema,
  contestSchema,
  electorSchema,
  memberRoleSchema,
  memberSchema,
  mesaSchema,
  scheduleSchema,
  softwareCodeSchema,
} from './definition-schema.ts';
import { localTimeToMinutes } from './local-time.ts';

/** At most this many suplentes per mesa (three titulares plus up to six substitutes). */
export const MAX_SUPLENTES = 6;

/** Titular roles: each must be held by exactly one member. */
export const TITULAR_ROLES = ['presidente', 'secretario', 'tercer-miembro'] as const;

interface Parsed<T> {
  index: number;
  value: T;
}

interface ParsedArray<T> {
  /** Length of the raw array, whether or not every element parsed. */
  length: number;
  items: Parsed<T>[];
  /** Every element parsed: rules about the whole list (counts, membership) are trustworthy. */
  complete: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseSection<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> | undefined {
  const result = schema.safeParse(raw);
  return result.success ? result.data : undefined;
}

function parseElements<S extends z.ZodType>(schema: S, raw: unknown): ParsedArray<z.output<S>> | undefined {
  if (!Array.isArray(raw)) return undefined;
  const items: Parsed<z.output<S>>[] = [];
  raw.forEach((element: unknown, index) => {
    const result = schema.safeParse(element);
    if (result.success) items.push({ index, value: result.data });
  });
  return { length: raw.length, items, complete: items.length === raw.length };
}

/**
 * Reports each later occurrence of an already-seen key, naming where it was first seen.
 * `where(index)` builds the path of the element holding the key.
 */
function reportDuplicates<T, K>(
  items: readonly Parsed<T>[],
  key: (value: T) => K,
  where: (index: number) => PathSegment[],
  report: (value: T, path: string, firstPath: string) => DefinitionIssue,
): DefinitionIssue[] {
  const first = new Map<K, number>();
  const out: DefinitionIssue[] = [];
  for (const { index, value } of items) {
    const k = key(value);
    const seen = first.get(k);
    if (seen === undefined) first.set(k, index);
    else out.push(report(value, formatPath(where(index)), formatPath(where(seen))));
  }
  return out;
}

type Schedule = z.output<typeof scheduleSchema>;
type ScheduleField = keyof Schedule;

/** Pairs that must be ordered: [earlier, later, strictly?, why]. See scheduleSchema. */
const SCHEDULE_ORDER: readonly (readonly [ScheduleField, ScheduleField, boolean, string])[] = [
  ['memberArrival', 'votingOpen', false, 'members must be present before voting opens'],
  ['memberArrival', 'installDeadline', true, 'members need time to install the mesa'],
  ['votingOpen', 'installDeadline', false, 'a mesa installed by the deadline must be able to start voting at once'],
  [
    'installDeadline',
    'noInstallationDeadline',
    true,
    'between the two, electors from the queue may still install the mesa',
  ],
  ['noInstallationDeadline', 'votingClose', true, 'a mesa installed at the last moment must still have time to vote'],
];

function checkSchedule(schedule: Schedule): DefinitionIssue[] {
  const minutes = (field: ScheduleField): number => localTimeToMinutes(schedule[field]) ?? Number.NaN;
  const out: DefinitionIssue[] = [];
  if (!(minutes('votingClose') > minutes('votingOpen'))) {
    out.push({
      path: 'election.schedule.votingClose',
      rule: 'schedule-close-after-open',
      message: `votingClose (${schedule.votingClose}) must be after votingOpen (${schedule.votingOpen})`,
    });
  }
  for (const [earlier, later, strict, why] of SCHEDULE_ORDER) {
    const fine = strict ? minutes(earlier) < minutes(later) : minutes(earlier) <= minutes(later);
    if (!fine) {
      out.push({
        path: `election.schedule.${later}`,
        rule: 'schedule-order',
        message: `${later} (${schedule[later]}) must be ${strict ? 'after' : 'at or after'} ${earlier} (${schedule[earlier]}): ${why}`,
      });
    }
  }
  return out;
}

function checkContest(contest: z.output<typeof contestSchema>, c: number): DefinitionIssue[] {
  const out: DefinitionIssue[] = [];
  const orgPath = (j: number): PathSegment[] => ['contests', c, 'organizations', j];
  const organizations = contest.organizations.map((value, index) => ({ index, value }));

  if (contest.kind === 'single-choice' && contest.maxPreferential > 0) {
    out.push({
      path: formatPath(['contests', c, 'maxPreferential']),
      rule: 'single-choice-no-preferential',
      message: `contest ${JSON.stringify(contest.id)} is single-choice, so maxPreferential must be 0 (got ${contest.maxPreferential}); use kind "organization-list" for preferential votes`,
    });
  }
  out.push(
    ...reportDuplicates(
      organizations,
      (org) => org.number,
      (j) => [...orgPath(j), 'number'],
      (org, path, firstPath) => ({
        path,
        rule: 'organization-number-unique',
        message: `duplicate organization number ${org.number} in contest ${JSON.stringify(contest.id)} (first used at ${firstPath}); ballot numbers must be unique within a contest`,
      }),
    ),
    ...reportDuplicates(
      organizations,
      (org) => org.symbol,
      (j) => [...orgPath(j), 'symbol'],
      (org, path, firstPath) => ({
        path,
        rule: 'organization-symbol-unique',
        message: `duplicate symbol ${JSON.stringify(org.symbol)} in contest ${JSON.stringify(contest.id)} (first used at ${firstPath}); voters who cannot read tell organizations apart by symbol`,
      }),
    ),
  );
  for (const { index: j, value: org } of organizations) {
    const candidates = org.candidates;
    if (candidates === undefined) {
      if (contest.kind === 'organization-list') {
        out.push({
          path: formatPath([...orgPath(j), 'candidates']),
          rule: 'list-candidates-required',
          message: `organization ${org.number} in organization-list contest ${JSON.stringify(contest.id)} needs its candidate list`,
        });
      }
      continue;
    }
    out.push(
      ...reportDuplicates(
        candidates.map((value, index) => ({ index, value })),
        (candidate) => candidate.number,
        (k) => [...orgPath(j), 'candidates', k, 'number'],
        (candidate, path, firstPath) => ({
          path,
          rule: 'candidate-number-unique',
          message: `duplicate candidate number ${candidate.number} in the list of organization ${org.number} (first used at ${firstPath})`,
        }),
      ),
    );
    // Decision: every list must be at least as long as the preferential limit, so that the
    // limit means the same for a voter whichever organization they choose. A short list is
    // reported on that organization's candidates, where the fix usually is.
    if (contest.kind === 'organization-list' && candidates.length < contest.maxPreferential) {
      out.push({
        path: formatPath([...orgPath(j), 'candidates']),
        rule: 'max-preferential-within-list',
        message: `organization ${org.number} lists ${candidates.length} candidate(s) but contest ${JSON.stringify(contest.id)} allows maxPreferential ${contest.maxPreferential}; every list must have at least maxPreferential candidates`,
      });
    }
  }
  return out;
}

function checkContests(raw: unknown): DefinitionIssue[] {
  const contests = parseElements(contestSchema, raw);
  if (contests === undefined) return [];
  return [
    ...reportDuplicates(
      contests.items,
      (contest) => contest.id,
      (i) => ['contests', i, 'id'],
      (contest, path, firstPath) => ({
        path,
        rule: 'contest-id-unique',
        message: `duplicate contest id ${JSON.stringify(contest.id)} (first used at ${firstPath})`,
      }),
    ),
    ...contests.items.flatMap(({ index, value }) => checkContest(value, index)),
  ];
}

function checkPadron(
  padron: ParsedArray<z.output<typeof electorSchema>>,
  mesa: z.output<typeof mesaSchema> | undefined,
): DefinitionIssue[] {
  const out: DefinitionIssue[] = [];
  if (mesa !== undefined && mesa.electoresHabiles !== padron.length) {
    out.push({
      path: 'mesa.electoresHabiles',
      rule: 'electores-habiles-match-padron',
      message: `electoresHabiles is ${mesa.electoresHabiles} but the padrón lists ${padron.length} elector(s); they must be equal`,
    });
  }
  out.push(
    ...reportDuplicates(
      padron.items,
      (elector) => elector.dni,
      (j) => ['padron', j, 'dni'],
      (_elector, path, firstPath) => ({
        path,
        rule: 'padron-dni-unique',
        message: `DNI appears twice in the padrón (first at ${firstPath}); each elector is listed once`,
      }),
    ),
    ...reportDuplicates(
      padron.items,
      (elector) => elector.order,
      (j) => ['padron', j, 'order'],
      (elector, path, firstPath) => ({
        path,
        rule: 'padron-order-unique',
        message: `order ${elector.order} is used twice (first at ${firstPath}); orders must be 1..${padron.length}, each once`,
      }),
    ),
  );
  // Positive and unique orders that are all ≤ n are exactly 1..n, so this completes the check.
  for (const { index, value } of padron.items) {
    if (value.order > padron.length) {
      out.push({
        path: formatPath(['padron', index, 'order']),
        rule: 'padron-order-contiguous',
        message: `order ${value.order} is outside 1..${padron.length}; orders must run 1..n without gaps`,
      });
    }
  }
  return out;
}

/** The raw value of `field` in each element of an array (undefined where absent); undefined for a non-array. */
function fieldOfEach(raw: unknown, field: string): unknown[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  return raw.map((element: unknown) => (isRecord(element) ? element[field] : undefined));
}

function checkMembers(raw: unknown, padronDnis: readonly unknown[] | undefined): DefinitionIssue[] {
  const members = parseElements(memberSchema, raw);
  if (members === undefined) return [];
  const out: DefinitionIssue[] = reportDuplicates(
    members.items,
    (member) => member.dni,
    (j) => ['members', j, 'dni'],
    (_member, path, firstPath) => ({
      path,
      rule: 'member-dni-unique',
      message: `the same DNI holds two member posts (first at ${firstPath}); a person holds one post`,
    }),
  );
  if (padronDnis !== undefined) {
    // Raw padrón DNIs, so that a malformed elector elsewhere does not hide this check; a
    // member whose DNI matches no entry is outside the padrón whatever else is wrong.
    const dnis = new Set(padronDnis);
    for (const { index, value } of members.items) {
      if (!dnis.has(value.dni)) {
        out.push({
          path: formatPath(['members', index, 'dni']),
          rule: 'member-in-padron',
          message: `member (${value.role}) is not in this mesa's padrón; members are electors of the mesa and vote there`,
        });
      }
    }
  }
  // Roles are parsed on their own so a malformed DNI does not make a role look missing.
  const roles = parseElements(memberRoleSchema, fieldOfEach(raw, 'role'));
  if (roles?.complete === true) {
    for (const role of TITULAR_ROLES) {
      const holders = roles.items.filter((item) => item.value === role);
      if (holders.length === 0) {
        out.push({
          path: 'members',
          rule: 'member-role-required',
          message: `no member has role ${JSON.stringify(role)}; exactly one is required`,
        });
      }
      for (const extra of holders.slice(1)) {
        out.push({
          path: formatPath(['members', extra.index, 'role']),
          rule: 'member-role-unique',
          message: `role ${JSON.stringify(role)} is already held by members[${holders[0]?.index}]; exactly one is allowed`,
        });
      }
    }
    const suplentes = roles.items.filter((item) => item.value === 'suplente');
    for (const extra of suplentes.slice(MAX_SUPLENTES)) {
      out.push({
        path: formatPath(['members', extra.index, 'role']),
        rule: 'member-suplentes-max',
        message: `at most ${MAX_SUPLENTES} suplentes are allowed (this is suplente number ${suplentes.indexOf(extra) + 1})`,
      });
    }
  }
  return out;
}

function checkUniqueStrings<S extends z.ZodType<string>>(
  schema: S,
  raw: unknown,
  field: string,
  ruleId: string,
  what: string,
): DefinitionIssue[] {
  const parsed = parseElements(schema, raw);
  if (parsed === undefined) return [];
  return reportDuplicates(
    parsed.items,
    (value) => value,
    (j) => [field, j],
    (value, path, firstPath) => ({
      path,
      rule: ruleId,
      message: `duplicate ${what} ${JSON.stringify(value)} (first at ${firstPath})`,
    }),
  );
}

/** All cross-field issues of a (possibly partly malformed) definition. */
export function checkDefinitionRules(input: unknown): DefinitionIssue[] {
  if (!isRecord(input)) return [];
  const schedule = parseSection(scheduleSchema, isRecord(input['election']) ? input['election']['schedule'] : undefined);
  const mesa = parseSection(mesaSchema, input['mesa']);
  const padron = parseElements(electorSchema, input['padron']);
  return [
    ...(schedule === undefined ? [] : checkSchedule(schedule)),
    ...checkContests(input['contests']),
    ...(padron === undefined ? [] : checkPadron(padron, mesa)),
    ...checkMembers(input['members'], fieldOfEach(input['padron'], 'dni')),
    ...checkUniqueStrings(
      actaCopyDestinationSchema,
      input['actaCopies'],
      'actaCopies',
      'acta-copy-unique',
      'acta copy destination',
    ),
    ...checkUniqueStrings(
      softwareCodeSchema,
      input['authorizedSoftware'],
      'authorizedSoftware',
      'software-code-unique',
      'software code',
    ),
  ];
}
