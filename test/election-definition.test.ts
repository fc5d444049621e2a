import test from 'ava';
import type { ExecutionContext } from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { z } from 'zod';
import type { DefinitionIssue, electionDefinitionSchema } from '../shared/election/definition.ts';
import {
  findCandidate,
  findContest,
  findElector,
  findMember,
  findOrganization,
  formatDefinitionIssues,
  loadElectionDefinitionFile,
  localTimeToMinutes,
  parseElectionDefinition,
} from '../shared/election/definition.ts';
import { fixturePath, generateFixtures } from './fixtures/generate-fixtures.ts';

type RawDefinition = z.input<typeof electionDefinitionSchema>;
type RawContest = RawDefinition['contests'][number];
type RawOrganization = RawContest['organizations'][number];

const FIXTURE_FILES = { eg2026: 'eg2026/definition.json', primarias2025: 'primarias2025/definition.json' } as const;

function readFixture(name: keyof typeof FIXTURE_FILES): RawDefinition {
  return JSON.parse(readFileSync(fixturePath(FIXTURE_FILES[name]), 'utf8')) as RawDefinition;
}

const EG2026 = readFixture('eg2026');
const PRIMARIAS2025 = readFixture('primarias2025');

/** A fresh, mutable copy of the general-election fixture. */
function eg(): RawDefinition {
  return structuredClone(EG2026);
}

function at<T>(items: readonly T[] | undefined, index: number): T {
  const item = items?.[index];
  if (item === undefined) throw new Error(`fixture has no element ${index}`);
  return item;
}

function contest(definition: RawDefinition, id: string): { index: number; contest: RawContest } {
  const index = definition.contests.findIndex((c) => c.id === id);
  return { index, contest: at(definition.contests, index) };
}

function organization(definition: RawDefinition, contestId: string, j: number): RawOrganization {
  return at(contest(definition, contestId).contest.organizations, j);
}

/** An elector of the padrón who is not a member of the mesa. */
function nonMemberElector(definition: RawDefinition): { dni: string } {
  const memberDnis = new Set(definition.members.map((m) => m.dni));
  const elector = definition.padron.find((e) => !memberDnis.has(e.dni));
  if (elector === undefined) throw new Error('every elector is a member');
  return elector;
}

function issuesOf(t: ExecutionContext, input: unknown): DefinitionIssue[] {
  const result = parseElectionDefinition(input);
  if (result.ok) {
    t.fail('expected the definition to be rejected');
    return [];
  }
  return result.error;
}

function assertIssue(
  t: ExecutionContext,
  issues: readonly DefinitionIssue[],
  expected: { rule: string; path: string; message: string },
): void {
  const listing = formatDefinitionIssues(issues);
  const match = issues.find((issue) => issue.rule === expected.rule && issue.path === expected.path);
  if (match === undefined) {
    t.fail(`no issue ${expected.rule} at ${expected.path}; got:\n${listing}`);
    return;
  }
  t.true(match.message.includes(expected.message), `message ${JSON.stringify(match.message)} lacks ${JSON.stringify(expected.message)}`);
}

test('the eg2026 fixture parses and models the 2026 general election ballot', (t) => {
  const result = parseElectionDefinition(EG2026);
  if (!result.ok) {
    t.fail(formatDefinitionIssues(result.error));
    return;
  }
  const definition = result.value;
  t.is(definition.election.type, 'general');
  t.true(definition.election.simulacro);
  t.deepEqual(
    definition.contests.map((c) => [c.id, c.kind, c.maxPreferential]),
    [
      ['presidencial', 'single-choice', 0],
      ['senado-nacional', 'organization-list', 2],
      ['senado-regional', 'organization-list', 1],
      ['diputados', 'organization-list', 2],
      ['parlamento-andino', 'organization-list', 2],
    ],
  );
  const ballotNumbers = new Set(definition.contests.flatMap((c) => c.organizations.map((o) => o.number)));
  t.deepEqual([...ballotNumbers].sort((a, b) => a - b), Array.from({ length: 39 }, (_, i) => i + 1));
  t.is(definition.padron.length, 300);
  t.is(definition.mesa.electoresHabiles, 300);
  t.is(definition.mesa.cabins, 2);
  t.deepEqual(definition.actaCopies, ['ODPE', 'JEE', 'JNE', 'ONPE', 'PERSONEROS']);
  t.true(definition.padron.every((elector) => elector.dni.startsWith('99')), 'synthetic DNIs');
});

test('the primarias2025 fixture parses with the schedule of the primaries regulation', (t) => {
  const result = parseElectionDefinition(PRIMARIAS2025);
  if (!result.ok) {
    t.fail(formatDefinitionIssues(result.error));
    return;
  }
  const { election, actaCopies, members } = result.value;
  t.is(election.type, 'primaries');
  t.true(election.simulacro);
  t.like(election.schedule, { memberArrival: '07:00', installDeadline: '08:00', noInstallationDeadline: '12:00', votingClose: '15:00' });
  t.deepEqual(actaCopies, ['JNE', 'ONPE', 'ODPE']);
  t.is(members.filter((m) => m.role === 'suplente').length, 3);
});

test('the committed fixtures are exactly the seeded generator output', (t) => {
  for (const { file, content } of generateFixtures()) {
    t.is(readFileSync(fixturePath(file), 'utf8'), content, `${file} is stale: run npx tsx test/fixtures/generate-fixtures.ts`);
  }
});

test('a parsed definition is deeply frozen and the input is left untouched', (t) => {
  const input = eg();
  const result = parseElectionDefinition(input);
  if (!result.ok) {
    t.fail(formatDefinitionIssues(result.error));
    return;
  }
  t.true(Object.isFrozen(result.value));
  t.true(Object.isFrozen(at(at(result.value.contests, 1).organizations, 0).candidates));
  t.true(Object.isFrozen(at(result.value.padron, 0)));
  t.false(Object.isFrozen(input.padron));
});

interface RuleCase {
  title: string;
  mutate: (definition: RawDefinition) => void;
  rule: string;
  path: string;
  message: string;
}

const RULE_CASES: RuleCase[] = [
  {
    title: 'duplicate organization number within a contest',
    mutate: (d) => {
      organization(d, 'senado-nacional', 5).number = organization(d, 'senado-nacional', 4).number;
    },
    rule: 'organization-number-unique',
    path: 'contests[1].organizations[5].number',
    message: 'duplicate organization number',
  },
  {
    title: 'duplicate candidate number within a list',
    mutate: (d) => {
      at(organization(d, 'diputados', 2).candidates, 3).number = 1;
    },
    rule: 'candidate-number-unique',
    path: 'contests[3].organizations[2].candidates[3].number',
    message: 'duplicate candidate number 1',
  },
  {
    title: 'a list shorter than the preferential limit',
    mutate: (d) => {
      const org = organization(d, 'senado-nacional', 3);
      org.candidates = org.candidates?.slice(0, 1);
    },
    rule: 'max-preferential-within-list',
    path: 'contests[1].organizations[3].candidates',
    message: 'at least maxPreferential candidates',
  },
  {
    title: 'a DNI of 7 digits',
    mutate: (d) => {
      at(d.padron, 10).dni = '9912345';
    },
    rule: 'dni-format',
    path: 'padron[10].dni',
    message: 'exactly 8 digits',
  },
  {
    title: 'a DNI with a letter',
    mutate: (d) => {
      at(d.padron, 11).dni = '9912345X';
    },
    rule: 'dni-format',
    path: 'padron[11].dni',
    message: 'exactly 8 digits',
  },
  {
    title: 'the same DNI twice in the padrón',
    mutate: (d) => {
      at(d.padron, 20).dni = at(d.padron, 7).dni;
    },
    rule: 'padron-dni-unique',
    path: 'padron[20].dni',
    message: 'DNI appears twice in the padrón (first at padron[7].dni)',
  },
  {
    title: 'votingClose not after votingOpen',
    mutate: (d) => {
      d.election.schedule.votingClose = d.election.schedule.votingOpen;
    },
    rule: 'schedule-close-after-open',
    path: 'election.schedule.votingClose',
    message: 'votingClose (07:00) must be after votingOpen (07:00)',
  },
  {
    title: 'members arriving after the installation deadline',
    mutate: (d) => {
      d.election.schedule.memberArrival = '07:45';
    },
    rule: 'schedule-order',
    path: 'election.schedule.installDeadline',
    message: 'must be after memberArrival (07:45)',
  },
  {
    title: 'the no-installation deadline before the installation deadline',
    mutate: (d) => {
      d.election.schedule.noInstallationDeadline = '07:15';
    },
    rule: 'schedule-order',
    path: 'election.schedule.noInstallationDeadline',
    message: 'must be after installDeadline (07:30)',
  },
  {
    title: 'voting opening after the installation deadline',
    mutate: (d) => {
      d.election.schedule.votingOpen = '08:00';
    },
    rule: 'schedule-order',
    path: 'election.schedule.installDeadline',
    message: 'must be at or after votingOpen (08:00)',
  },
  {
    title: 'a malformed time',
    mutate: (d) => {
      d.election.schedule.votingOpen = '7:00';
    },
    rule: 'time-format',
    path: 'election.schedule.votingOpen',
    message: '"HH:MM"',
  },
  {
    title: 'a member who is not in the padrón',
    mutate: (d) => {
      at(d.members, 1).dni = '12345678';
    },
    rule: 'member-in-padron',
    path: 'members[1].dni',
    message: "not in this mesa's padrón",
  },
  {
    title: 'zero cabins',
    mutate: (d) => {
      d.mesa.cabins = 0;
    },
    rule: 'cabins-min',
    path: 'mesa.cabins',
    message: 'at least 1 voting cabin',
  },
  {
    title: 'electoresHabiles different from the padrón size',
    mutate: (d) => {
      d.mesa.electoresHabiles = 299;
    },
    rule: 'electores-habiles-match-padron',
    path: 'mesa.electoresHabiles',
    message: 'electoresHabiles is 299 but the padrón lists 300',
  },
  {
    title: 'a padrón order used twice',
    mutate: (d) => {
      at(d.padron, 5).order = 3;
    },
    rule: 'padron-order-unique',
    path: 'padron[5].order',
    message: 'order 3 is used twice',
  },
  {
    title: 'a gap in the padrón order',
    mutate: (d) => {
      at(d.padron, 299).order = 301;
    },
    rule: 'padron-order-contiguous',
    path: 'padron[299].order',
    message: 'outside 1..300',
  },
  {
    title: 'the same DNI holding two member posts',
    mutate: (d) => {
      at(d.members, 4).dni = at(d.members, 0).dni;
    },
    rule: 'member-dni-unique',
    path: 'members[4].dni',
    message: 'two member posts (first at members[0].dni)',
  },
  {
    title: 'no presidente',
    mutate: (d) => {
      d.members = d.members.filter((m) => m.role !== 'presidente');
    },
    rule: 'member-role-required',
    path: 'members',
    message: 'no member has role "presidente"',
  },
  {
    title: 'two presidentes',
    mutate: (d) => {
      at(d.members, 3).role = 'presidente';
    },
    rule: 'member-role-unique',
    path: 'members[3].role',
    message: 'already held by members[0]',
  },
  {
    title: 'a seventh suplente',
    mutate: (d) => {
      d.members.push({ dni: nonMemberElector(d).dni, role: 'suplente' });
    },
    rule: 'member-suplentes-max',
    path: 'members[9].role',
    message: 'at most 6 suplentes',
  },
  {
    title: 'preferential votes on a single-choice contest',
    mutate: (d) => {
      contest(d, 'presidencial').contest.maxPreferential = 1;
    },
    rule: 'single-choice-no-preferential',
    path: 'contests[0].maxPreferential',
    message: 'single-choice, so maxPreferential must be 0',
  },
  {
    title: 'maxPreferential above 2',
    mutate: (d) => {
      contest(d, 'diputados').contest.maxPreferential = 3;
    },
    rule: 'max-preferential-range',
    path: 'contests[3].maxPreferential',
    message: 'must be 0, 1 or 2',
  },
  {
    title: 'two contests with the same id',
    mutate: (d) => {
      contest(d, 'parlamento-andino').contest.id = 'diputados';
    },
    rule: 'contest-id-unique',
    path: 'contests[4].id',
    message: 'duplicate contest id "diputados" (first used at contests[3].id)',
  },
  {
    title: 'an organization-list contest organization without candidates',
    mutate: (d) => {
      delete organization(d, 'senado-regional', 0).candidates;
    },
    rule: 'list-candidates-required',
    path: 'contests[2].organizations[0].candidates',
    message: 'needs its candidate list',
  },
  {
    title: 'two organizations with the same symbol in a contest',
    mutate: (d) => {
      organization(d, 'diputados', 6).symbol = organization(d, 'diputados', 1).symbol;
    },
    rule: 'organization-symbol-unique',
    path: 'contests[3].organizations[6].symbol',
    message: 'duplicate symbol',
  },
  {
    title: 'a duplicate acta copy destination',
    mutate: (d) => {
      d.actaCopies.push('JNE');
    },
    rule: 'acta-copy-unique',
    path: 'actaCopies[5]',
    message: 'duplicate acta copy destination "JNE"',
  },
  {
    title: 'an unknown acta copy destination',
    mutate: (d) => {
      (d.actaCopies as string[])[0] = 'FFAA';
    },
    rule: 'allowed-values',
    path: 'actaCopies[0]',
    message: 'must be one of',
  },
  {
    title: 'no acta copies',
    mutate: (d) => {
      d.actaCopies = [];
    },
    rule: 'min-items',
    path: 'actaCopies',
    message: 'at least 1 item',
  },
  {
    title: 'an impossible date',
    mutate: (d) => {
      d.election.date = '2026-02-30';
    },
    rule: 'date-format',
    path: 'election.date',
    message: 'real calendar date',
  },
  {
    title: 'an unknown timezone',
    mutate: (d) => {
      d.election.timezone = 'America/Atlantis';
    },
    rule: 'timezone-known',
    path: 'election.timezone',
    message: 'IANA time zone',
  },
  {
    title: 'a mesa number that is not 6 digits',
    mutate: (d) => {
      d.mesa.number = '41287';
    },
    rule: 'mesa-number-format',
    path: 'mesa.number',
    message: 'exactly 6 digits',
  },
  {
    title: 'a malformed ubigeo',
    mutate: (d) => {
      d.mesa.ubigeo = '08O101';
    },
    rule: 'ubigeo-format',
    path: 'mesa.ubigeo',
    message: 'exactly 6 digits',
  },
  {
    title: 'a contest id that is not a slug',
    mutate: (d) => {
      contest(d, 'diputados').contest.id = 'Diputados 2026';
    },
    rule: 'slug-format',
    path: 'contests[3].id',
    message: 'lowercase slug',
  },
  {
    title: 'a name with a trailing space',
    mutate: (d) => {
      organization(d, 'presidencial', 0).name += ' ';
    },
    rule: 'text-format',
    path: 'contests[0].organizations[0].name',
    message: 'without leading or trailing spaces',
  },
  {
    title: 'an unknown election type',
    mutate: (d) => {
      (d.election as { type: string }).type = 'referendum';
    },
    rule: 'allowed-values',
    path: 'election.type',
    message: '"general", "primaries"',
  },
  {
    title: 'a missing required field',
    mutate: (d) => {
      delete (d.mesa as Partial<RawDefinition['mesa']>).cabins;
    },
    rule: 'required',
    path: 'mesa.cabins',
    message: 'is required',
  },
  {
    title: 'a number given as a string',
    mutate: (d) => {
      (at(d.padron, 0) as { order: unknown }).order = '1';
    },
    rule: 'type',
    path: 'padron[0].order',
    message: 'must be a number',
  },
  {
    title: 'an unknown top-level field',
    mutate: (d) => {
      (d as Record<string, unknown>)['publicKeys'] = [];
    },
    rule: 'unknown-field',
    path: 'publicKeys',
    message: 'unknown field "publicKeys"',
  },
  {
    title: 'an unknown nested field',
    mutate: (d) => {
      (organization(d, 'diputados', 0) as Record<string, unknown>)['colour'] = 'red';
    },
    rule: 'unknown-field',
    path: 'contests[3].organizations[0].colour',
    message: 'unknown field "colour"',
  },
  {
    title: 'a disability hint on an elector (never stored)',
    mutate: (d) => {
      (at(d.padron, 2) as Record<string, unknown>)['needsAssistance'] = true;
    },
    rule: 'unknown-field',
    path: 'padron[2].needsAssistance',
    message: 'unknown field',
  },
  {
    title: 'a malformed software code',
    mutate: (d) => {
      d.authorizedSoftware = ['ABC'];
    },
    rule: 'software-code-format',
    path: 'authorizedSoftware[0]',
    message: '64 lowercase hexadecimal',
  },
  {
    title: 'a software code listed twice',
    mutate: (d) => {
      d.authorizedSoftware = ['a'.repeat(64), 'b'.repeat(64), 'a'.repeat(64)];
    },
    rule: 'software-code-unique',
    path: 'authorizedSoftware[2]',
    message: 'duplicate software code',
  },
];

for (const c of RULE_CASES) {
  test(`rejects ${c.title} [${c.rule}]`, (t) => {
    const definition = eg();
    c.mutate(definition);
    assertIssue(t, issuesOf(t, definition), c);
  });
}

test('an optional list of authorized software codes is accepted', (t) => {
  const definition = eg();
  definition.authorizedSoftware = ['0123456789abcdef'.repeat(4)];
  const result = parseElectionDefinition(definition);
  t.true(result.ok);
  t.deepEqual(result.ok ? result.value.authorizedSoftware : undefined, ['0123456789abcdef'.repeat(4)]);
});

test('every issue is collected, across sections, not only the first', (t) => {
  const definition = eg();
  at(definition.padron, 10).dni = '9912345';
  organization(definition, 'diputados', 5).number = organization(definition, 'diputados', 4).number;
  definition.mesa.cabins = 0;
  at(definition.members, 2).dni = '12345678';
  definition.actaCopies.push('ONPE');
  const issues = issuesOf(t, definition);
  for (const rule of ['dni-format', 'organization-number-unique', 'cabins-min', 'member-in-padron', 'acta-copy-unique']) {
    t.true(issues.some((issue) => issue.rule === rule), `missing ${rule} in:\n${formatDefinitionIssues(issues)}`);
  }
});

test('a malformed DNI does not hide other padrón and member rules', (t) => {
  const definition = eg();
  at(definition.padron, 10).dni = '9912345';
  at(definition.padron, 30).dni = at(definition.padron, 31).dni;
  at(definition.members, 2).role = 'presidente';
  const issues = issuesOf(t, definition);
  assertIssue(t, issues, { rule: 'dni-format', path: 'padron[10].dni', message: '8 digits' });
  assertIssue(t, issues, { rule: 'padron-dni-unique', path: 'padron[31].dni', message: 'twice' });
  assertIssue(t, issues, { rule: 'member-role-unique', path: 'members[2].role', message: 'presidente' });
});

test('input that is not an object gives an issue, never a throw', (t) => {
  for (const input of [null, [], 'definition', 42, undefined]) {
    const issues = issuesOf(t, input);
    t.true(issues.length > 0);
    t.is(issues[0]?.path, '');
  }
});

test('formatDefinitionIssues writes one line per issue with path, message and rule', (t) => {
  const definition = eg();
  definition.mesa.cabins = 0;
  at(definition.padron, 0).dni = '1';
  const issues = issuesOf(t, definition);
  const lines = formatDefinitionIssues(issues).split('\n');
  t.is(lines.length, issues.length);
  t.true(lines.some((line) => line.startsWith('mesa.cabins: ') && line.endsWith('[cabins-min]')));
  t.true(lines.some((line) => line.startsWith('padron[0].dni: ') && line.endsWith('[dni-format]')));
  t.is(formatDefinitionIssues([{ path: '', rule: 'json-syntax', message: 'bad' }]), '(definition): bad [json-syntax]');
});

function tempDir(t: ExecutionContext): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('loadElectionDefinitionFile reads a valid file', (t) => {
  const result = loadElectionDefinitionFile(fixturePath(FIXTURE_FILES.primarias2025));
  t.true(result.ok);
  t.is(result.ok ? result.value.election.id : undefined, 'primarias2025');
});

test('a file that is not JSON gives a json-syntax issue, not a throw', (t) => {
  const file = path.join(tempDir(t), 'definition.json');
  writeFileSync(file, '{ "election": ');
  const result = loadElectionDefinitionFile(file);
  t.false(result.ok);
  if (!result.ok) assertIssue(t, result.error, { rule: 'json-syntax', path: '', message: 'is not valid JSON' });
});

test('a missing file gives a file-unreadable issue', (t) => {
  const result = loadElectionDefinitionFile(path.join(tempDir(t), 'absent.json'));
  t.false(result.ok);
  if (!result.ok) assertIssue(t, result.error, { rule: 'file-unreadable', path: '', message: 'ENOENT' });
});

test('a file that is not UTF-8 gives a file-encoding issue', (t) => {
  const file = path.join(tempDir(t), 'definition.json');
  writeFileSync(file, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
  const result = loadElectionDefinitionFile(file);
  t.false(result.ok);
  if (!result.ok) assertIssue(t, result.error, { rule: 'file-encoding', path: '', message: 'not valid UTF-8' });
});

test('a file with a valid JSON but invalid definition reports the definition issues', (t) => {
  const definition = eg();
  definition.mesa.cabins = 0;
  const file = path.join(tempDir(t), 'definition.json');
  writeFileSync(file, JSON.stringify(definition));
  const result = loadElectionDefinitionFile(file);
  t.false(result.ok);
  if (!result.ok) assertIssue(t, result.error, { rule: 'cabins-min', path: 'mesa.cabins', message: 'cabin' });
});

test('lookup helpers find contests, organizations, candidates, electors and members', (t) => {
  const result = parseElectionDefinition(EG2026);
  if (!result.ok) {
    t.fail(formatDefinitionIssues(result.error));
    return;
  }
  const definition = result.value;
  const senate = findContest(definition, 'senado-nacional');
  t.is(senate?.maxPreferential, 2);
  t.is(findContest(definition, 'no-such-contest'), undefined);
  const rawOrg = organization(EG2026, 'senado-nacional', 2);
  const org = senate === undefined ? undefined : findOrganization(senate, rawOrg.number);
  t.is(org?.name, rawOrg.name);
  t.is(senate === undefined ? 'none' : findOrganization(senate, 999), undefined);
  t.is(org === undefined ? undefined : findCandidate(org, 30)?.name, at(rawOrg.candidates, 29).name);
  t.is(org === undefined ? 'none' : findCandidate(org, 31), undefined);
  const rawElector = at(EG2026.padron, 42);
  t.is(findElector(definition, rawElector.dni)?.order, rawElector.order);
  t.is(findElector(definition, '00000000'), undefined);
  t.is(findMember(definition, 'presidente')?.dni, at(EG2026.members, 0).dni);
});

test('localTimeToMinutes reads 24-hour HH:MM and rejects anything else', (t) => {
  t.is(localTimeToMinutes('00:00'), 0);
  t.is(localTimeToMinutes('07:30'), 450);
  t.is(localTimeToMinutes('23:59'), 1439);
  for (const bad of ['24:00', '7:30', '07:60', '07:30:00', ' 07:30', '']) t.is(localTimeToMinutes(bad), undefined, bad);
});
