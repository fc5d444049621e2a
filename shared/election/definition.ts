/**
 * Election definition: the validated description of one election at one mesa (ballot contests,
 * mesa, padrón, members, schedule, acta copies). Every station parses it here, at the boundary,
 * and trusts the returned (deeply frozen) value afterwards.
 *
 * Public keys are not part of it: the election package (package.ts) wraps a validated
 * definition together with keys and software codes and signs the whole.
 *
 * Blank and null votes are always available in every contest and are not listed as options
 * (see contestSchema).
 */
import { readFileSync, statSync } from 'node:fs';
import type { Result } from '../result.ts';
import { err, ok } from '../result.ts';
import type { DefinitionIssue } from './definition-issues.ts';
import { issuesFromZod } from './definition-issues.ts';
import { checkDefinitionRules } from './definition-rules.ts';
import type {
  Candidate,
  Contest,
  ElectionDefinition,
  Elector,
  Member,
  MemberRole,
  Organization,
} from './definition-schema.ts';
import { electionDefinitionSchema } from './definition-schema.ts';

export type { DefinitionIssue } from './definition-issues.ts';
export { formatDefinitionIssues } from './definition-issues.ts';
export { localDateTimeToEpoch, localTimeToMinutes } from './local-time.ts';
export { MAX_SUPLENTES, TITULAR_ROLES } from './definition-rules.ts';
export type {
  ActaCopyDestination,
  Candidate,
  Contest,
  ContestKind,
  DeepReadonly,
  Election,
  ElectionDefinition,
  ElectionType,
  Elector,
  Member,
  MemberRole,
  Mesa,
  Organization,
  Schedule,
} from './definition-schema.ts';
export { electionDefinitionSchema } from './definition-schema.ts';

/** A definition file larger than this is refused before reading (a full one is well under 1 MiB). */
export const MAX_DEFINITION_FILE_BYTES = 16 * 1024 * 1024;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * Validates untrusted input (e.g. parsed JSON). Collects every issue: structural ones (types,
 * formats, unknown fields) and cross-field ones (uniqueness, schedule order, members in the
 * padrón...), the latter computed on whatever parts parsed.
 */
export function parseElectionDefinition(input: unknown): Result<ElectionDefinition, DefinitionIssue[]> {
  const structural = electionDefinitionSchema.safeParse(input, { reportInput: true });
  const issues = [
    ...(structural.success ? [] : issuesFromZod(structural.error.issues, input)),
    ...checkDefinitionRules(input),
  ];
  if (!structural.success || issues.length > 0) return err(issues);
  // zod returns fresh objects, so freezing never touches the caller's input.
  return ok(deepFreeze(structural.data) as ElectionDefinition);
}

function fileIssue(rule: string, message: string): Result<never, DefinitionIssue[]> {
  return err([{ path: '', rule, message }]);
}

/** Reads, decodes (strict UTF-8), JSON-parses and validates a definition file. Never throws on bad files. */
export function loadElectionDefinitionFile(path: string): Result<ElectionDefinition, DefinitionIssue[]> {
  let bytes: Buffer;
  try {
    const size = statSync(path).size;
    if (size > MAX_DEFINITION_FILE_BYTES) {
      return fileIssue(
        'file-too-large',
        `${path} is ${size} bytes; a definition file may be at most ${MAX_DEFINITION_FILE_BYTES} bytes`,
      );
    }
    bytes = readFileSync(path);
  } catch (error: unknown) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    return fileIssue('file-unreadable', `cannot read ${path} (${code})`);
  }
  let textContent: string;
  try {
    textContent = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return fileIssue('file-encoding', `${path} is not valid UTF-8`);
  }
  let json: unknown;
  try {
    json = JSON.parse(textContent);
  } catch (error: unknown) {
    const detail = error instanceof SyntaxError ? error.message : 'unparseable';
    return fileIssue('json-syntax', `${path} is not valid JSON: ${detail}`);
  }
  return parseElectionDefinition(json);
}

export function findContest(definition: ElectionDefinition, contestId: string): Contest | undefined {
  return definition.contests.find((contest) => contest.id === contestId);
}

/** The organization with this ballot number in the contest. */
export function findOrganization(contest: Contest, ballotNumber: number): Organization | undefined {
  return contest.organizations.find((organization) => organization.number === ballotNumber);
}

export function findCandidate(organization: Organization, candidateNumber: number): Candidate | undefined {
  return organization.candidates?.find((candidate) => candidate.number === candidateNumber);
}

export function findElector(definition: ElectionDefinition, dni: string): Elector | undefined {
  return definition.padron.find((elector) => elector.dni === dni);
}

/** The titular holding a role (for suplentes, the first listed). */
export function findMember(definition: ElectionDefinition, role: MemberRole): Member | undefined {
  return definition.members.find((member) => member.role === role);
}
