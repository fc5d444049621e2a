/**
 * Configuration of one identity station host, parsed at the boundary (a JSON file written by the
 * installer or a test). A config that does not parse is broken configuration:
 * `parseIdentityHostConfig` returns the issues so the caller can print them and refuse to start.
 */
import { z } from 'zod';
import { DevicesConfigSchema } from '../shared/devices/factory.ts';
import { err, ok, type Result } from '../shared/result.ts';

export const IdentityHostConfigSchema = z.strictObject({
  /** The signed election package (verified against the trusted root at every start). */
  packagePath: z.string().min(1),
  /** Public key file of the ONPE root (keyset format: public/onpe-root.json). */
  rootPublicKeyFile: z.string().min(1),
  /** Holds identity.db and audit.db; must survive restarts. */
  dataDir: z.string().min(1),
  /** Key set directory holding the station's own signing key (secret/identity.json). */
  keysDir: z.string().min(1),
  /**
   * Passed to createDevices; the station needs activationReader, printer and consolidation.
   * `dniReader` is optional: without it DNIs are typed only.
   */
  devices: DevicesConfigSchema,
});

export type IdentityHostConfig = z.output<typeof IdentityHostConfigSchema>;
export type IdentityHostConfigInput = z.input<typeof IdentityHostConfigSchema>;

export function parseIdentityHostConfig(raw: unknown): Result<IdentityHostConfig, string[]> {
  const parsed = IdentityHostConfigSchema.safeParse(raw);
  if (parsed.success) return ok(parsed.data);
  return err(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
}
