/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no insignificant whitespace,
 * strings as JSON.stringify writes them. Numbers are restricted to safe integers so that
 * every value has exactly one textual form (RFC 8785 number formatting is then trivial);
 * nothing we sign needs fractions.
 *
 * Signed files are stored in this form and verified to BE in this form, so any changed
 * byte (even whitespace) is detected, not just changes that alter the parsed value.
 * Written here rather than taken from npm: the maintained `canonicalize` needs Node 22, and
 * we want the stricter integer-only rule anyway.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export class CanonicalJsonError extends Error {}

export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

function write(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new CanonicalJsonError(`${path}: only safe integers can be signed, got ${String(value)}`);
      }
      return String(value);
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((item, i) => write(item, `${path}[${i}]`)).join(',')}]`;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        throw new CanonicalJsonError(`${path}: only plain objects can be signed`);
      }
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${write(v, `${path}.${k}`)}`).join(',')}}`;
    }
    default:
      throw new CanonicalJsonError(`${path}: ${typeof value} cannot be signed`);
  }
}
