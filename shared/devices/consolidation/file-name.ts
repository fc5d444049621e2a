/**
 * File names allowed on the consolidation device. A fixed safe charset, no separators, no leading
 * dot (so temporary and private files of the driver, which start with a dot, can never be named by
 * a caller nor listed), no '..'. FAT-safe: stations exchange these sticks between machines.
 */
import { err, ok, type Result } from '../../result.ts';

export const MAX_FILE_NAME_LENGTH = 100;
const SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function validateFileName(name: string): Result<string, string> {
  if (name.length === 0) return err('empty');
  if (name.length > MAX_FILE_NAME_LENGTH) return err(`longer than ${MAX_FILE_NAME_LENGTH} characters`);
  if (!SAFE.test(name)) return err('only letters, digits, ".", "_" and "-" are allowed, starting with a letter or digit');
  if (name.includes('..')) return err('contains ".."');
  if (name.endsWith('.')) return err('ends with "."');
  return ok(name);
}
