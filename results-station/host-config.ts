/**
 * Configuration of one results station host, parsed at the boundary (a JSON file written by the
 * installer or a test). A config that does not parse is broken configuration:
 * `parseResultsHostConfig` returns the issues so the caller can print them and refuse to start.
 */
import { z } from 'zod';
import { DevicesConfigSchema } from '../shared/devices/factory.ts';
import { err, ok, type Result } from '../shared/result.ts';

export const ResultsHostConfigSchema = z.strictObject({
  /** The signed election package (verified against the trusted root at every start). */
  packagePath: z.string().min(1),
  /** Public key file of the ONPE root (keyset format: public/onpe-root.json). */
  rootPublicKeyFile: z.string().min(1),
  /** Holds results.db, audit.db and the acta PDF; must survive restarts. */
  dataDir: z.string().min(1),
  /** Key set directory holding the station's own signing key (secret/results.json). */
  keysDir: z.string().min(1),
  /**
   * 'manual-count' for a mesa that voted on paper (STAE): decided before the count by ODPE
   * staff, never by a button on the station (machine.ts DECISIONS).
   */
  mode: z.enum(['electronic', 'manual-count']).default('electronic'),
  /** Passed to createDevices; the station needs activationReader, printer and consolidation. */
  devices: DevicesConfigSchema,
});

export type ResultsHostConfig = z.output<typeof ResultsHostConfigSchema>;
export type ResultsHostConfigInput = z.input<typeof ResultsHostConfigSchema>;

export function parseResultsHostConfig(raw: unknown): Result<ResultsHostConfig, string[]> {
  const parsed = ResultsHostConfigSchema.safeParse(raw);
  if (parsed.success) return ok(parsed.data);
  return err(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
}
