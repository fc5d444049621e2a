/**
 * Configuration of one cabin host, parsed at the boundary (a JSON file written by the installer
 * or a test). A config that does not parse is broken configuration: `parseBoothHostConfig`
 * returns the issues so the caller can print them and refuse to start.
 */
import { z } from 'zod';
import { DevicesConfigSchema } from '../shared/devices/factory.ts';
import { err, ok, type Result } from '../shared/result.ts';

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
