/**
 * Every timeout of the results station, in one place. The machine refers to them only by name
 * (xstate `delays`), so tests drive them with a SimulatedClock.
 *
 * Not here on purpose: reading a device, verifying credentials and signatures, the puesta a cero
 * and the tally have no machine-side timeout. The host's drivers bound their own I/O and answer
 * with typed failures; the members are never rushed while counting, comparing or signing.
 */

export interface ResultsTimeouts {
  /**
   * While the printer is faulted (puesta a cero report or an acta copy), how often the station
   * tries again on its own, for printers that never report "ready". 5 s, as in the cabin.
   */
  readonly printerRetryPollMs: number;
  /**
   * While the signed mesa result cannot be written to the consolidation device, how often the
   * station tries again on its own. 10 s, as in the cabin: the president may swap the memory.
   */
  readonly consolidationRetryPollMs: number;
}

export const RESULTS_TIMEOUT_LIMITS: { readonly [K in keyof ResultsTimeouts]: { readonly min: number; readonly max: number } } = {
  printerRetryPollMs: { min: 1_000, max: 60_000 },
  consolidationRetryPollMs: { min: 2_000, max: 60_000 },
};

export const DEFAULT_RESULTS_TIMEOUTS: ResultsTimeouts = Object.freeze({
  printerRetryPollMs: 5_000,
  consolidationRetryPollMs: 10_000,
});

/** The xstate delay names of results-station/machine.ts, each bound to one field above. */
export const RESULTS_DELAY_FIELDS = {
  PRINTER_RETRY_POLL: 'printerRetryPollMs',
  CONSOLIDATION_RETRY_POLL: 'consolidationRetryPollMs',
} as const satisfies Record<string, keyof ResultsTimeouts>;

export type ResultsDelayName = keyof typeof RESULTS_DELAY_FIELDS;

/** Defaults overridden by configuration; throws on a value outside its range. */
export function resolveResultsTimeouts(overrides: Partial<ResultsTimeouts> = {}): ResultsTimeouts {
  const resolved: ResultsTimeouts = { ...DEFAULT_RESULTS_TIMEOUTS, ...overrides };
  for (const name of Object.keys(RESULTS_TIMEOUT_LIMITS) as (keyof ResultsTimeouts)[]) {
    const value = resolved[name];
    const { min, max } = RESULTS_TIMEOUT_LIMITS[name];
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new Error(`results timeout ${name} must be an integer between ${min} and ${max} ms (got ${String(value)})`);
    }
  }
  return Object.freeze(resolved);
}
