/**
 * Structural schema of an election definition: the per-mesa description of one election that
 * every station loads (ballot, mesa, padrón, members, schedule). Objects are strict because a
 * misspelled field in a legal configuration must be an error, never silently ignored.
 *
 * Rules that span several fields (uniqueness, schedule order, members in the padrón...) live in
 * definition-rules.ts so that they can run on the parts that did parse and report every issue.
 *
 * Format-level refinements carry `params.rule`, which becomes the issue's rule id.
 */
import { z } from 'zod';
import { quote } from './definition-issues.ts';
import { localTimeToMinutes } from './local-time.ts';

/** A zod refinement that reports `rule` with a message naming what was expected. */
function rule<T extends z.ZodType>(
  schema: T,
  ruleId: string,
  test: (value: z.output<T>) => boolean,
  message: (value: z.output<T>) => string,
): T {
  return schema.refine(test, {
    params: { rule: ruleId },
    error: (issue) => message(issue.input as z.output<T>),
  });
}

// Control characters would corrupt printed actas and screen-reader output; non-NFC text would
// make two spellings of the same accented name compare different.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/u;

/** Human-readable text printed on ballots and actas. */
function text(maxLength: number) {
  return rule(
    rule(
      z.string(),
      'text-format',
      (value) =>
        value.length > 0 &&
        value.trim() === value &&
        !CONTROL_CHARACTERS.test(value) &&
        value.normalize('NFC') === value,
      () =>
        'must be non-empty text without leading or trailing spaces, control characters or non-NFC Unicode',
    ),
    'text-length',
    (value) => value.length <= maxLength,
    (value) => `must be at most ${maxLength} characters (got ${value.length})`,
  );
}

// A flat character class plus hyphen checks rather than a nested quantifier (no backtracking).
const SLUG_CHARACTERS = /^[a-z0-9-]+$/u;

/** Machine identifier: lowercase ASCII words joined by single hyphens. */
const slug = rule(
  z.string(),
  'slug-format',
  (value) =>
    value.length <= 64 &&
    SLUG_CHARACTERS.test(value) &&
    !value.startsWith('-') &&
    !value.endsWith('-') &&
    !value.includes('--'),
  (value) =>
    `must be a lowercase slug of letters, digits and single hyphens, at most 64 characters (got ${quote(value)})`,
);

function digits(count: number, ruleId: string, what: string) {
  return rule(
    z.string(),
    ruleId,
    (value) => value.length === count && /^[0-9]+$/u.test(value),
    (value) =>
      `${what} must be exactly ${count} digits as a string (got ${quote(value)}, ${value.length} character(s))`,
  );
}

/** DNI: 8 digits kept as a string because leading zeros are significant. */
export const dniSchema = digits(8, 'dni-format', 'a DNI');

function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/u.exec(value);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const calendarDate = rule(
  z.string(),
  'date-format',
  isCalendarDate,
  (value) => `must be a real calendar date written YYYY-MM-DD (got ${quote(value)})`,
);

/** Wall-clock time in the election's timezone, 24-hour "HH:MM". */
const localTime = rule(
  z.string(),
  'time-format',
  (value) => localTimeToMinutes(value) !== undefined,
  (value) => `must be a 24-hour local time "HH:MM" between 00:00 and 23:59 (got ${quote(value)})`,
);

function isKnownTimeZone(value: string): boolean {
  // Only named zones: a fixed offset would silently ignore daylight-saving rules.
  if (!/^[A-Za-z][A-Za-z0-9_+/-]*$/u.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const timeZone = rule(
  z.string(),
  'timezone-known',
  isKnownTimeZone,
  (value) => `must be an IANA time zone known to this system, e.g. "America/Lima" (got ${quote(value)})`,
);

const positiveInt = z.number().int().min(1);

/**
 * Times of the election day. Required order (checked in definition-rules.ts, rule
 * `schedule-order`, plus `schedule-close-after-open`):
 *   memberArrival ≤ votingOpen ≤ installDeadline < noInstallationDeadline < votingClose,
 *   memberArrival < installDeadline.
 * votingOpen is the nominal start of voting; a mesa installed before installDeadline starts
 * voting on installation, and one installed with electors from the queue starts later, until
 * noInstallationDeadline, after which an acta de no instalación is issued.
 */
export const scheduleSchema = z.strictObject({
  memberArrival: localTime,
  installDeadline: localTime,
  noInstallationDeadline: localTime,
  votingOpen: localTime,
  votingClose: localTime,
});

export const electionSchema = z.strictObject({
  id: slug,
  name: text(200),
  type: z.enum(['general', 'primaries']),
  date: calendarDate,
  schedule: scheduleSchema,
  /** A simulacro (drill) must be labelled as such on every printout. */
  simulacro: z.boolean(),
  timezone: timeZone,
});

export const candidateSchema = z.strictObject({
  number: positiveInt,
  name: text(200),
});

export const organizationSchema = z.strictObject({
  /** Ballot number (position on the cédula), unique within the contest. */
  number: positiveInt,
  name: text(200),
  /** Acronym or short name for narrow screens, tickets and result tables. */
  shortName: text(40),
  /** Identifier of the symbol image/glyph shown next to the name. */
  symbol: slug,
  /**
   * Required (non-empty) for organization-list contests: the numbers a voter may mark as
   * preferential votes. Optional for single-choice contests, where it only lists the people
   * on the formula for display; no preferential votes are cast there.
   */
  candidates: z.array(candidateSchema).min(1).optional(),
});

/**
 * One contest on the ballot. Its options are the listed organizations plus, ALWAYS, a blank
 * vote and a null vote: those two are implied by every contest and never appear in
 * `organizations`, so a definition cannot forget or renumber them.
 *
 * - `single-choice`: the voter marks one organization (e.g. the presidential formula);
 *   maxPreferential must be 0.
 * - `organization-list`: the voter marks one organization and then up to maxPreferential
 *   candidate numbers from that organization's list.
 */
export const contestSchema = z.strictObject({
  id: slug,
  name: text(200),
  kind: z.enum(['single-choice', 'organization-list']),
  /** For contests of a regional electoral district, the district's name (e.g. "Cusco"). */
  districtName: text(100).optional(),
  maxPreferential: rule(
    z.number().int(),
    'max-preferential-range',
    (value) => value >= 0 && value <= 2,
    (value) => `must be 0, 1 or 2 (got ${value})`,
  ),
  organizations: z.array(organizationSchema).min(1),
});

export const mesaSchema = z.strictObject({
  /** Mesa de sufragio number: exactly 6 digits, leading zeros kept. */
  number: digits(6, 'mesa-number-format', 'a mesa number'),
  /** INEI/RENIEC geographic code of the district: 6 digits. */
  ubigeo: digits(6, 'ubigeo-format', 'an ubigeo'),
  /** The local de votación. */
  place: z.strictObject({ name: text(200), address: text(300) }),
  district: text(100),
  province: text(100),
  department: text(100),
  odpe: z.strictObject({ code: text(20), name: text(200) }),
  /** Number of electors entitled to vote here; must equal the padrón's size. */
  electoresHabiles: positiveInt,
  cabins: rule(
    z.number().int(),
    'cabins-min',
    (value) => value >= 1,
    (value) => `a mesa needs at least 1 voting cabin (got ${value})`,
  ),
});

/**
 * One entry of the mesa's padrón. Deliberately no disability or assistance hint: that would be
 * sensitive data about the voter, and assistance is offered to anyone at the mesa.
 */
export const electorSchema = z.strictObject({
  /** Position in the printed list (1..n), used for the signature sheet. */
  order: positiveInt,
  dni: dniSchema,
  surnames: text(100),
  givenNames: text(100),
});

export const memberRoleSchema = z.enum(['presidente', 'secretario', 'tercer-miembro', 'suplente']);

export const memberSchema = z.strictObject({
  dni: dniSchema,
  role: memberRoleSchema,
});

/** Who receives a printed copy (ejemplar) of each acta. */
export const actaCopyDestinationSchema = z.enum(['ODPE', 'JEE', 'JNE', 'ONPE', 'PERSONEROS']);

/** A software version code: SHA-256 hex (lowercase) of an authorized release. */
export const softwareCodeSchema = rule(
  z.string(),
  'software-code-format',
  (value) => /^[0-9a-f]{64}$/u.test(value),
  (value) => `must be 64 lowercase hexadecimal characters (got ${quote(value)})`,
);

export const sectionSchemas = {
  election: electionSchema,
  contests: z.array(contestSchema).min(1),
  mesa: mesaSchema,
  padron: z.array(electorSchema).min(1),
  members: z.array(memberSchema).min(1),
  actaCopies: z.array(actaCopyDestinationSchema).min(1),
  /** Optional here: the package builder adds the running release's code when it signs. */
  authorizedSoftware: z.array(softwareCodeSchema).min(1).optional(),
} as const;

export const electionDefinitionSchema = z.strictObject(sectionSchemas);

/** Makes every property and array readonly, matching the deep freeze applied after parsing. */
export type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export type ElectionDefinition = DeepReadonly<z.output<typeof electionDefinitionSchema>>;
export type Election = ElectionDefinition['election'];
export type ElectionType = Election['type'];
export type Schedule = Election['schedule'];
export type Contest = ElectionDefinition['contests'][number];
export type ContestKind = Contest['kind'];
export type Organization = Contest['organizations'][number];
export type Candidate = NonNullable<Organization['candidates']>[number];
export type Mesa = ElectionDefinition['mesa'];
export type Elector = ElectionDefinition['padron'][number];
export type Member = ElectionDefinition['members'][number];
export type MemberRole = Member['role'];
export type ActaCopyDestination = ElectionDefinition['actaCopies'][number];
