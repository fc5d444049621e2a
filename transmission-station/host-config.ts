/**
 * Configuration of one transmission station host (Art. 30: on the results station hardware,
 * configured by the coordinator), parsed at the boundary like results-station/host-config.ts.
 */
import { z } from 'zod';
import { ConsolidationConfigSchema, DevicesConfigSchema } from '../shared/devices/factory.ts';
import { err, ok, type Result } from '../shared/result.ts';

const CentreSchema = z
  .strictObject({
    /** Base URL, e.g. https://centro.onpe.example:8443 */
    url: z.url({ protocol: /^https?$/ }),
    /** PEM of the centre certificate to pin; required for https. */
    certFile: z.string().min(1).optional(),
    /**
     * true for the real election's computing centre: a simulacro result is then refused here,
     * before anything is sent (the centre refuses it too).
     */
    real: z.boolean(),
  })
  .refine((c) => !c.url.startsWith('https:') || c.certFile !== undefined, { message: 'an https centre needs certFile (the pinned certificate)' });

const BackupMediaSchema = z
  .array(ConsolidationConfigSchema)
  .min(1)
  .max(3)
  .refine((media) => media.every((m) => m.writeOnce === true), { message: 'every backup medium must be writeOnce' });

export const TransmissionHostConfigSchema = z.strictObject({
  /** Absent or "mesa": the Art. 30 station of one mesa. "module": see TransmissionModuleConfigSchema. */
  mode: z.literal('mesa').optional(),
  /** The signed election package of this mesa (verified against the trusted root at every start). */
  packagePath: z.string().min(1),
  /** Public key file of the ONPE root (keyset format: public/onpe-root.json). */
  rootPublicKeyFile: z.string().min(1),
  /** Holds outbox.db, audit.db, progress.json, the device copy and the scanned acta; survives restarts. */
  dataDir: z.string().min(1),
  /** Key set directory holding the station's signing key (secret/transmission.json). */
  keysDir: z.string().min(1),
  centre: CentreSchema,
  /** Copies of each constancia de transmisión printed unless the coordinator asks otherwise. */
  constanciaCopies: z.number().int().min(1).max(20).default(2),
  /** printer, scanner and consolidation (the mesa's consolidation device) are required. */
  devices: DevicesConfigSchema,
  /**
   * Where the write-once backup media are inserted: copy n uses slot (n-1) mod length, so one slot
   * means the coordinator inserts the three media in turn in the same port.
   */
  backupMedia: BackupMediaSchema,
});

export type TransmissionHostConfig = z.output<typeof TransmissionHostConfigSchema>;
export type TransmissionHostConfigInput = z.input<typeof TransmissionHostConfigSchema>;

export function parseTransmissionHostConfig(raw: unknown): Result<TransmissionHostConfig, string[]> {
  const parsed = TransmissionHostConfigSchema.safeParse(raw);
  if (parsed.success) return ok(parsed.data);
  return err(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
}

/**
 * The transmission module of a polling place (Art. 31): `"mode": "module"` and the packages of
 * the mesas it serves (one per mesa, all of one election and one local de votación; checked at
 * start). The station's transmission key must be the one every package names (ONPE builds the
 * polling place's packages with the module's key). The operator inserts each mesa's device in the
 * one consolidation port.
 */
export const TransmissionModuleConfigSchema = z.strictObject({
  mode: z.literal('module'),
  packagePaths: z.array(z.string().min(1)).min(1).max(200),
  rootPublicKeyFile: z.string().min(1),
  /** Holds outbox.db, audit.db, module.json and, per mesa, the device copy and the scanned acta. */
  dataDir: z.string().min(1),
  keysDir: z.string().min(1),
  centre: CentreSchema,
  /** Default copies offered for a constancia de transmisión. */
  constanciaCopies: z.number().int().min(1).max(20).default(2),
  /** Digitize each mesa's ODPE acta copy (Art. 31.7); false when the actas are scanned elsewhere. */
  scanActas: z.boolean().default(true),
  devices: DevicesConfigSchema,
  backupMedia: BackupMediaSchema,
});

export type TransmissionModuleConfig = z.output<typeof TransmissionModuleConfigSchema>;
export type TransmissionModuleConfigInput = z.input<typeof TransmissionModuleConfigSchema>;

export type AnyTransmissionConfig = { mode: 'mesa'; config: TransmissionHostConfig } | { mode: 'module'; config: TransmissionModuleConfig };

/** `vep transmission run --config`: the Art. 30 station, or the Art. 31 module with `"mode": "module"`. */
export function parseAnyTransmissionConfig(raw: unknown): Result<AnyTransmissionConfig, string[]> {
  const isModule = typeof raw === 'object' && raw !== null && (raw as { mode?: unknown }).mode === 'module';
  if (!isModule) {
    const mesa = parseTransmissionHostConfig(raw);
    return mesa.ok ? ok({ mode: 'mesa', config: mesa.value }) : mesa;
  }
  const parsed = TransmissionModuleConfigSchema.safeParse(raw);
  if (parsed.success) return ok({ mode: 'module', config: parsed.data });
  return err(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
}
