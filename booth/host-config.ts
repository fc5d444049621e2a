/**
 * Configuration of one cabin host, parsed at the boundary (a JSON file written by the installer
 * or a test). A config that does not parse is broken configuration: `parseBoothHostConfig`
 * returns the issues so the caller can print them and refuse to start.
 */
import { z } from 'zod';
import { DevicesConfigSchema } from '../shared/devices/factory.ts';
import { err, ok, type Result } from '../shared/result.ts';
import { BOOTH_TIMEOUT_LIMITS, type BoothTimeouts } from './timeouts.ts';

const ALERT_AFTER = BOOTH_TIMEOUT_LIMITS.inactivityAlertAfterMs;
const ALERT_DURATION = BOOTH_TIMEOUT_LIMITS.inactivityAlertDurationMs;

/**
 * The voter-inactivity rule of this cabin, in the units an installer reads in the regulation
 * (minutes, seconds). The legal ranges come from timeouts.ts (VVSG 2.0 ch. 7), so a value outside
 * them is refused here, with its field named, before the cabin starts. Absent fields keep the
 * defaults of timeouts.ts.
 */
const InactivityConfigSchema = z.strictObject({
  /** Minutes without a key or touch before the "¿Sigue ahí?" alert (2–5; fractions of whole seconds allowed). */
  alertAfterMinutes: z
    .number()
    .refine((v) => v * 60_000 >= ALERT_AFTER.min && v * 60_000 <= ALERT_AFTER.max, {
      message: `the inactivity alert must come after ${ALERT_AFTER.min / 60_000} to ${ALERT_AFTER.max / 60_000} minutes (VVSG 2.0 ch. 7)`,
    })
    .refine((v) => Number.isInteger(Math.round(v * 60 * 1e6) / 1e6), { message: 'must be a whole number of seconds (e.g. 2.5 minutes)' })
    .optional(),
  /** Seconds the alert stays before the session ends (20–45). */
  alertDurationSeconds: z
    .number()
    .int({ message: 'must be a whole number of seconds' })
    .refine((v) => v * 1_000 >= ALERT_DURATION.min && v * 1_000 <= ALERT_DURATION.max, {
      message: `the inactivity alert must last ${ALERT_DURATION.min / 1_000} to ${ALERT_DURATION.max / 1_000} seconds (VVSG 2.0 ch. 7)`,
    })
    .optional(),
});

export type InactivityConfig = z.output<typeof InactivityConfigSchema>;

/** The machine's timeout overrides for a parsed inactivity config (ms, as timeouts.ts wants). */
export function inactivityTimeouts(inactivity: InactivityConfig | undefined): Partial<BoothTimeouts> {
  if (inactivity === undefined) return {};
  return {
    ...(inactivity.alertAfterMinutes === undefined ? {} : { inactivityAlertAfterMs: Math.round(inactivity.alertAfterMinutes * 60_000) }),
    ...(inactivity.alertDurationSeconds === undefined ? {} : { inactivityAlertDurationMs: inactivity.alertDurationSeconds * 1_000 }),
  };
}

export const BoothHostConfigSchema = z.strictObject({
  /** The signed election package (verified against the trusted root at every start). */
  packagePath: z.string().min(1),
  /** Public key file of the ONPE root (keyset format: public/onpe-root.json). */
  rootPublicKeyFile: z.string().min(1),
  cabinId: z.string().regex(/^cabin-[1-9][0-9]*$/u, { message: 'must be cabin-N' }),
  /** Holds votes.db and audit.db; must survive restarts. */
  dataDir: z.string().min(1),
  /** Key set directory holding this cabin's own signing key (secret/<cabinId>.json). */
  keysDir: z.string().min(1),
  /**
   * Clip cache of the audio ballot, filled at installation by `vep booth prepare-audio` (clips are
   * keyed by the package hash, so a cache of another package is never used). Absent: every clip
   * is rendered in memory when first spoken (slower on a Raspberry Pi, never written to disk).
   */
  audioCacheDir: z.string().min(1).optional(),
  /** Voter inactivity alert (issue 8); absent: 3 minutes, lasting 30 seconds (timeouts.ts). */
  inactivity: InactivityConfigSchema.optional(),
  /** Passed to createDevices; the cabin needs activationReader, printer and consolidation. */
  devices: DevicesConfigSchema,
});

export type BoothHostConfig = z.output<typeof BoothHostConfigSchema>;
export type BoothHostConfigInput = z.input<typeof BoothHostConfigSchema>;

export function parseBoothHostConfig(raw: unknown): Result<BoothHostConfig, string[]> {
  const parsed = BoothHostConfigSchema.safeParse(raw);
  if (parsed.success) return ok(parsed.data);
  return err(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
}
