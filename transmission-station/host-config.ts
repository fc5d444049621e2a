/**
 * Configuration of one transmission station host (Art. 30: on the results station hardware,
 * configured by the coordinator), parsed at the boundary like results-station/host-config.ts.
 */
import { z } from 'zod';
import { ConsolidationConfigSchema, DevicesConfigSchema } from '../shared/devices/factory.ts';
import { err, ok, type Result } from '../shared/result.ts';

export const TransmissionHostConfigSchema = z.strictObject({
  /** The signed election package of this mesa (verified against the trusted root at every start). */
  packagePath: z.string().min(1),
  /** Public key file of the ONPE root (keyset format: public/onpe-root.json). */
  rootPublicKeyFile: z.string().min(1),
  /** Holds outbox.db, audit.db, progress.json, the device copy and the scanned acta; survives restarts. */
  dataDir: z.string().min(1),
  /** Key set directory holding the station's signing key (secret/transmission.json). */
  keysDir: z.string().min(1),
  centre: z.strictObject({
    /** Base URL, e.g. https://centro.onpe.example:8443 */
    url: z.url({ protocol: /^https?$/ }),
    /** PEM of the centre certificate to pin; required for https. */
    certFile: z.string().min(1).optional(),
    /**
     * true for the real election's computing centre: a simulacro result is then refused here,
     * before anything is sent (the centre refuses it too).
     */
    real: z.boolean(),
  }).refine((c) => !c.url.startsWith('https:') || c.certFile !== undefined, { message: 'an https centre needs certFile (the pinned certificate)' }),
  /** Copies of each constancia de transmisión printed unless the coordinator asks otherwise. */
  constanciaCopies: z.number().int().min(1).max(20).default(2),
  /** printer, scanner and consolidation (the mesa's consolidation device) are required. */
  devices: DevicesConfigSchema,
  /**
   * Where the write-once backup media are inserted: copy n uses slot (n-1) mod length, so one slot
   * means the coordinator inserts the three media in turn in the same port.
   */
  backupMedia: z
    .array(ConsolidationConfigSchema)
    .min(1)
    .max(3)
    .refine((media) => media.every((m) => m.writeOnce === true), { message: 'every backup medium must be writeOnce' }),
});

export type TransmissionHostConfig = z.output<typeof TransmissionHostConfigSchema>;
export type TransmissionHostConfigInput = z.input<typeof TransmissionHostConfigSchema>;

export function parseTransmissionHostConfig(raw: unknown): Result<TransmissionHostConfig, string[]> {
  const parsed = TransmissionHostConfigSchema.safeParse(raw);
  if (parsed.success) return ok(parsed.data);
  return err(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
}
