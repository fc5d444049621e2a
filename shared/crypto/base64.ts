import { err, ok, type Result } from '../result.ts';

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/**
 * Strict base64: Node's decoder silently skips invalid characters and ignores non-zero
 * padding bits, so a changed character could decode to the same bytes. We accept only the
 * one canonical encoding of the decoded bytes.
 */
export function fromBase64Strict(text: string, expectedLength?: number): Result<Uint8Array, string> {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) return err('not canonical base64');
  if (expectedLength !== undefined && bytes.length !== expectedLength) {
    return err(`expected ${expectedLength} bytes, got ${bytes.length}`);
  }
  return ok(new Uint8Array(bytes));
}
