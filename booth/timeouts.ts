/**
 * Every timeout of the voting cabin, in one place, with its value and why. The state machine
 * refers to them only by name (xstate `delays`), so tests drive them with a SimulatedClock and
 * an auditor can read the whole timing policy here.
 *
 * What is NOT here on purpose: the durable vote commit, the consumed mark, the claim release
 * (releaseClaim, one read and one write on the activation device) and the president's
 * credential checks have no machine-side timeout. Abandoning a commit half-way would leave the
 * voter unsure whether the vote counted; the host's device drivers already bound their own I/O
 * with typed `timeout` errors, which come back to the machine as ordinary failures.
 */

export interface BoothTimeouts {
  /**
   * Voter inactivity (voting, review, confirmation) before the "¿Sigue ahí?" alert.
   * VVSG 2.0 ch. 7: after 2–5 minutes. Default 3 minutes: long enough for a voter using audio
   * at 60 words/min to hear a long contest's list of 36 organizations without touching a key.
   */
  readonly inactivityAlertAfterMs: number;
  /**
   * How long the alert stays before the session ends (nothing stored, device back to the mesa).
   * VVSG 2.0 ch. 7: 20–45 seconds. Default 30 s: the spoken alert takes about 8 s, leaving time
   * for a slow reaction with a two-switch device.
   */
  readonly inactivityAlertDurationMs: number;
  /**
   * While the printer is faulted, how often the cabin tries again on its own, for printers that
   * never report "ready" on their status line. 5 s: a poll-worker who just loaded paper sees the
   * constancia within seconds, and one status query every 5 s costs nothing. The host's
   * `PRINTER_READY` event retries immediately without waiting for the poll.
   */
  readonly printerRetryPollMs: number;
  /**
   * After the vote is done, how long the cabin waits for the voter to take the activation device
   * before the screen escalates to "call a member of the mesa". 60 s: taking the device and the
   * constancia takes a few seconds; a minute means the voter did not understand or left.
   */
  readonly deviceRemovalReminderAfterMs: number;
  /**
   * While results cannot be written to the consolidation device (missing, full), how often the
   * cabin tries again on its own. 10 s: the president may insert or swap the USB memory without
   * touching the cabin; the explicit retry event works at once.
   */
  readonly consolidationRetryPollMs: number;
}

/** Configurable range per timeout, in ms; values outside are a broken configuration. */
export const BOOTH_TIMEOUT_LIMITS: { readonly [K in keyof BoothTimeouts]: { readonly min: number; readonly max: number } } = {
  inactivityAlertAfterMs: { min: 2 * 60_000, max: 5 * 60_000 },
  inactivityAlertDurationMs: { min: 20_000, max: 45_000 },
  printerRetryPollMs: { min: 1_000, max: 60_000 },
  deviceRemovalReminderAfterMs: { min: 15_000, max: 5 * 60_000 },
  consolidationRetryPollMs: { min: 2_000, max: 60_000 },
};

export const DEFAULT_BOOTH_TIMEOUTS: BoothTimeouts = Object.freeze({
  inactivityAlertAfterMs: 3 * 60_000,
  inactivityAlertDurationMs: 30_000,
  printerRetryPollMs: 5_000,
  deviceRemovalReminderAfterMs: 60_000,
  consolidationRetryPollMs: 10_000,
});

/**
 * The xstate delay names used by booth/machine.ts, each bound to one field above. Kept as data so
 * the model-based test can turn an `xstate.after.<name>...` event back into a clock advance.
 */
export const BOOTH_DELAY_FIELDS = {
  INACTIVITY_ALERT_AFTER: 'inactivityAlertAfterMs',
  INACTIVITY_ALERT_DURATION: 'inactivityAlertDurationMs',
  PRINTER_RETRY_POLL: 'printerRetryPollMs',
  DEVICE_REMOVAL_REMINDER_AFTER: 'deviceRemovalReminderAfterMs',
  CONSOLIDATION_RETRY_POLL: 'consolidationRetryPollMs',
} as const satisfies Record<string, keyof BoothTimeouts>;

export type BoothDelayName = keyof typeof BOOTH_DELAY_FIELDS;

/**
 * Defaults overridden by the mesa's configuration. Throws on a value outside its range: a cabin
 * that alerts after 10 s or never would fail voters, so it must not start.
 */
export function resolveBoothTimeouts(overrides: Partial<BoothTimeouts> = {}): BoothTimeouts {
  const resolved: BoothTimeouts = { ...DEFAULT_BOOTH_TIMEOUTS, ...overrides };
  for (const name of Object.keys(BOOTH_TIMEOUT_LIMITS) as (keyof BoothTimeouts)[]) {
    const value = resolved[name];
    const { min, max } = BOOTH_TIMEOUT_LIMITS[name];
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new Error(`booth timeout ${name} must be an integer between ${min} and ${max} ms (got ${String(value)})`);
    }
  }
  return Object.freeze(resolved);
}
