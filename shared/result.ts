/**
 * Typed results for I/O and parsing. Expected failures (a device pulled, a bad file, a wrong
 * DNI) are values the caller must handle; exceptions are reserved for broken configuration
 * and bugs.
 */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}

/** For broken invariants only: a thrown bug, never an expected outcome. */
export function unreachable(value: never, what = 'value'): never {
  throw new Error(`unreachable ${what}: ${JSON.stringify(value)}`);
}
