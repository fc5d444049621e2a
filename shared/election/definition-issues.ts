/**
 * Validation issues of an election definition: where (a path such as
 * "contests[2].organizations[5].number"), which rule (a stable id tests and tools can match)
 * and a message for the person who wrote the file.
 */
import type { z } from 'zod';

export interface DefinitionIssue {
  /** Field path, e.g. "contests[2].organizations[5].number"; "" is the whole definition. */
  path: string;
  /** Stable rule id, e.g. "organization-number-unique". */
  rule: string;
  /** English sentence fragment saying what is wrong and what is expected. */
  message: string;
}

/** Shown in messages: short enough for one line, never the whole (possibly huge) input. */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

export type PathSegment = string | number;

export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    out += typeof segment === 'number' ? `[${segment}]` : out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** One line per issue: `path: message [rule]`. */
export function formatDefinitionIssues(issues: readonly DefinitionIssue[]): string {
  return issues
    .map((issue) => `${issue.path === '' ? '(definition)' : issue.path}: ${issue.message} [${issue.rule}]`)
    .join('\n');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when the path ends at a key its parent object does not have (a missing field). */
function isMissing(root: unknown, segments: readonly PropertyKey[]): boolean {
  let current: unknown = root;
  for (const [index, segment] of segments.entries()) {
    const last = index === segments.length - 1;
    if (typeof segment === 'number' && Array.isArray(current)) {
      if (last) return false;
      current = current[segment];
    } else if (typeof segment === 'string' && isRecord(current)) {
      if (!Object.hasOwn(current, segment)) return last;
      current = current[segment];
    } else {
      return false;
    }
  }
  return false;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${quote(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Converts zod's issues (parsed with reportInput) to definition issues with rule ids. */
export function issuesFromZod(
  zodIssues: readonly z.core.$ZodIssue[],
  input: unknown,
  prefix: readonly PathSegment[] = [],
): DefinitionIssue[] {
  const out: DefinitionIssue[] = [];
  for (const issue of zodIssues) {
    const segments = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
    const path = formatPath([...prefix, ...segments]);
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          out.push({
            path: formatPath([...prefix, ...segments, key]),
            rule: 'unknown-field',
            message: `unknown field ${quote(key)}: the definition format allows no extra fields (misspelled?)`,
          });
        }
        break;
      case 'invalid_type':
      case 'invalid_value':
        if (isMissing(input, issue.path)) {
          out.push({ path, rule: 'required', message: 'is required but missing' });
        } else if (issue.code === 'invalid_value') {
          out.push({
            path,
            rule: 'allowed-values',
            message: `must be one of ${issue.values.map((v) => quote(v)).join(', ')} (got ${describeType(issue.input)})`,
          });
        } else if (issue.expected === 'int') {
          out.push({ path, rule: 'integer', message: `must be a whole number (got ${describeType(issue.input)})` });
        } else {
          const article = /^[aeiou]/u.test(issue.expected) ? 'an' : 'a';
          out.push({ path, rule: 'type', message: `must be ${article} ${issue.expected} (got ${describeType(issue.input)})` });
        }
        break;
      case 'too_small':
        out.push({
          path,
          rule: issue.origin === 'array' ? 'min-items' : 'min',
          message:
            issue.origin === 'array'
              ? `must have at least ${String(issue.minimum)} item(s)`
              : `must be at least ${String(issue.minimum)} (got ${describeType(issue.input)})`,
        });
        break;
      case 'too_big':
        out.push({
          path,
          rule: issue.origin === 'array' ? 'max-items' : 'max',
          message:
            issue.origin === 'array'
              ? `must have at most ${String(issue.maximum)} item(s)`
              : `must be at most ${String(issue.maximum)} (got ${describeType(issue.input)})`,
        });
        break;
      case 'custom': {
        const ruleId: unknown = issue.params?.['rule'];
        out.push({ path, rule: typeof ruleId === 'string' ? ruleId : 'custom', message: issue.message });
        break;
      }
      default:
        out.push({ path, rule: 'schema', message: issue.message });
    }
  }
  return out;
}
