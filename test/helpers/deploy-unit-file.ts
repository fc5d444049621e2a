/**
 * A small reader for the systemd unit files in deploy/ (INI as systemd.syntax(7) defines it):
 * `[Section]` headers, `Key=Value` lines (a key may repeat), `#`/`;` comments, a trailing
 * backslash continues a line. Anything else is an error, so a typo cannot hide in a unit that
 * systemd would half-ignore. Also expands the few specifiers and variables our units use.
 */
import fs from 'node:fs';
import path from 'node:path';
import { err, ok, type Result } from '../../shared/result.ts';
import { REPO_ROOT } from './cli.ts';

export const DEPLOY_DIR = path.join(REPO_ROOT, 'deploy');

export interface UnitFile {
  readonly name: string;
  /** Section name -> entries in file order (keys may repeat, as systemd allows). */
  readonly sections: ReadonlyMap<string, readonly (readonly [string, string])[]>;
}

const SECTION = /^\[([A-Za-z][A-Za-z0-9 -]*)\]$/u;
const ENTRY = /^([A-Za-z][A-Za-z0-9-]*)\s*=\s*(.*)$/u;

export function parseUnitFile(name: string, text: string): Result<UnitFile, string[]> {
  const problems: string[] = [];
  const sections = new Map<string, [string, string][]>();
  let current: [string, string][] | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = (lines[i] ?? '').trim();
    const lineNumber = i + 1;
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) {
      i++;
      line = `${line.slice(0, -1)} ${(lines[i] ?? '').trim()}`;
    }
    const section = SECTION.exec(line);
    if (section !== null) {
      const sectionName = section[1] ?? '';
      if (sections.has(sectionName)) problems.push(`${name}:${lineNumber}: section [${sectionName}] repeated`);
      current = [];
      sections.set(sectionName, current);
      continue;
    }
    const entry = ENTRY.exec(line);
    if (entry === null) {
      problems.push(`${name}:${lineNumber}: neither a [Section] nor Key=Value: ${line}`);
      continue;
    }
    if (current === undefined) {
      problems.push(`${name}:${lineNumber}: entry before any section`);
      continue;
    }
    current.push([entry[1] ?? '', (entry[2] ?? '').trim()]);
  }
  if (sections.size === 0) problems.push(`${name}: no sections`);
  return problems.length === 0 ? ok({ name, sections }) : err(problems);
}

export function readUnitFile(file: string): UnitFile {
  const parsed = parseUnitFile(path.basename(file), fs.readFileSync(file, 'utf8'));
  if (!parsed.ok) throw new Error(parsed.error.join('\n'));
  return parsed.value;
}

/** Every value of a key in a section, in file order (systemd accumulates e.g. DeviceAllow=). */
export function unitValues(unit: UnitFile, section: string, key: string): string[] {
  return (unit.sections.get(section) ?? []).filter(([k]) => k === key).map(([, v]) => v);
}

/** The value systemd uses for a single-valued key: the last one. */
export function unitValue(unit: UnitFile, section: string, key: string): string | undefined {
  return unitValues(unit, section, key).at(-1);
}

/** `Environment=NAME=value` defaults of the unit (no quoting: our units never quote). */
export function unitEnvironment(unit: UnitFile): Map<string, string> {
  const env = new Map<string, string>();
  for (const assignment of unitValues(unit, 'Service', 'Environment')) {
    for (const word of assignment.split(/\s+/u)) {
      const eq = word.indexOf('=');
      if (eq > 0) env.set(word.slice(0, eq), word.slice(eq + 1));
    }
  }
  return env;
}

/** Expands %i / %I (instance) and %% the way systemd does for the specifiers our units use. */
export function expandSpecifiers(value: string, instance: string): string {
  return value.replace(/%([%iI])/gu, (_m, s: string) => (s === '%' ? '%' : instance));
}

/** ExecStart split into words with specifiers and ${VAR}/$VAR expanded from `env`. */
export function execStartArgv(unit: UnitFile, instance: string, env: ReadonlyMap<string, string>): string[] {
  const execStart = unitValue(unit, 'Service', 'ExecStart');
  if (execStart === undefined) throw new Error(`${unit.name}: no ExecStart`);
  return expandSpecifiers(execStart, instance)
    .split(/\s+/u)
    .filter((w) => w !== '')
    .map((w) =>
      w.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/gu, (_m, a: string | undefined, b: string | undefined) => {
        const name = a ?? b ?? '';
        const v = env.get(name);
        if (v === undefined) throw new Error(`${unit.name}: ExecStart uses $${name}, which has no Environment= default`);
        return v;
      }),
    );
}
