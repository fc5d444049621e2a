/**
 * Every timeout of the identity station, in one place. The machine refers to them only by name
 * (xstate `delays`), so tests drive them with a SimulatedClock.
 *
 * Two kinds:
 * - Schedule instants (IDENTITY_SCHEDULE_DELAYS): absolute times of the election day from the
 *   election definition's schedule, computed to epoch ms by the host. The delay is "time left
 *   until that instant" (0 if already past). When one fires the machine sets a flag; no guard
 *   reads the clock directly, so the machine's behaviour is a function of the events it saw.
 * - Retry polls (IdentityTimeouts): configurable durations with limits.
 *
 * Not here on purpose: checkVoter, issueToken and the record* actors have no machine-side
 * timeout; the host's drivers bound their own I/O and answer with typed failures.
 */

export interface IdentityTimeouts {
  /**
   * While the printer is faulted during an acta, how often the station tries again on its own.
   * 5 s, as in the cabin: a member who just loaded paper sees the acta start within seconds.
   */
  readonly printerRetryPollMs: number;
  /**
   * While the summary cannot be written to the consolidation device, how often to retry.
   * 10 s, as in the cabin: the president may swap the USB memory without touching the station.
   */
  readonly consolidationRetryPollMs: number;
}

export const IDENTITY_TIMEOUT_LIMITS: {
  readonly [K in keyof IdentityTimeouts]: { readonly min: number; readonly max: number };
} = {
  printerRetryPollMs: { min: 1_000, max: 60_000 },
  consolidationRetryPollMs: { min: 2_000, max: 60_000 },
};

export const DEFAULT_IDENTITY_TIMEOUTS: IdentityTimeouts = Object.freeze({
  printerRetryPollMs: 5_000,
  consolidationRetryPollMs: 10_000,
});

/** Delay names bound to a configurable duration. */
export const IDENTITY_DELAY_FIELDS = {
  PRINTER_RETRY_POLL: 'printerRetryPollMs',
  CONSOLIDATION_RETRY_POLL: 'consolidationRetryPollMs',
} as const satisfies Record<string, keyof IdentityTimeouts>;

/**
 * Schedule instants (Art. 20–21, 25; election definition `schedule`), as the fields of
 * IdentitySchedule (machine-types.ts) they wait for.
 * - INSTALL_DEADLINE: from then on a voter in line may be taken as a member.
 * - NO_INSTALLATION_DEADLINE: a mesa not installed by then is not installed (acta de no instalación).
 * - VOTING_OPEN: identification of voters may start.
 * - VOTING_CLOSE: closing no longer needs the president's order; no new voter is identified.
 */
export const IDENTITY_SCHEDULE_DELAYS = {
  VOTING_OPEN: 'votingOpenAt',
  INSTALL_DEADLINE: 'installDeadlineAt',
  NO_INSTALLATION_DEADLINE: 'noInstallationDeadlineAt',
  VOTING_CLOSE: 'votingCloseAt',
} as const;

export type IdentityDurationDelay = keyof typeof IDENTITY_DELAY_FIELDS;
export type IdentityScheduleDelay = keyof typeof IDENTITY_SCHEDULE_DELAYS;
export type IdentityDelayName = IdentityDurationDelay | IdentityScheduleDelay;

/**
 * How often the identity host compares its clock with the machine's pending timers
 * (host-clock.ts). 1 s: the schedule is to the minute, and the host also checks before every
 * event it forwards, so a member never acts on a stale schedule.
 */
export const IDENTITY_HOST_CLOCK_POLL_MS = 1_000;

/**
 * After the DNI reader fails to open or is unplugged, how long the host waits before opening it
 * again. 2 s: a member who replugs it can scan right away, and typing works meanwhile. Real time
 * (not the election clock): it paces device I/O, not the schedule.
 */
export const DNI_READER_RECONNECT_MS = 2_000;

/** Defaults overridden by configuration. Throws on a value outside its range (broken configuration). */
export function resolveIdentityTimeouts(overrides: Partial<IdentityTimeouts> = {}): IdentityTimeouts {
  const resolved: IdentityTimeouts = { ...DEFAULT_IDENTITY_TIMEOUTS, ...overrides };
  for (const name of Object.keys(IDENTITY_TIMEOUT_LIMITS) as (keyof IdentityTimeouts)[]) {
    const value = resolved[name];
    const { min, max } = IDENTITY_TIMEOUT_LIMITS[name];
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new Error(`identity timeout ${name} must be an integer between ${min} and ${max} ms (got ${String(value)})`);
    }
  }
  return Object.freeze(resolved);
}
