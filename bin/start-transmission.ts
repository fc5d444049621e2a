/**
 * The transmission station of `vep start` (Art. 30): its real host and coordinator's screen, in a
 * process of its own (`vep transmission run`), on the simulated devices of the mesa through the
 * device bridge, sending to the run's local computing centre.
 *
 * DECISIONS (for a tester with the panel)
 * - The consolidation stick: Art. 30 puts the transmission station on the results station's
 *   hardware, so it reads the stick in the results station's port (`results-usb`); there is no
 *   second move. At start that port is empty, so the screen shows "Dispositivo rechazado"; once
 *   the results station is closed the coordinator presses Reintentar.
 * - Backups: three blank write-once media, each already in a port of its own (`respaldo-1..3`),
 *   so the three copies burn without the tester's hands; each is finalized and ejected after it
 *   verifies. A spent medium cannot be blanked from the panel: a backup fault ends that run's
 *   backups (restart `vep start` for a fresh day).
 * - The acta: the scanner `transmission` the simulator already has; the tester places the
 *   printed ODPE copy of the acta on it (panel: Scanners, "Place printed ticket").
 * - Its own printer (`transmission`) for the zero report and the constancias de transmisión.
 * - Once the coordinator closes the station its process ends (as `vep transmission run` does);
 *   vep start says so and keeps the rest of the mesa running.
 */
import { publicKeyFile } from '../shared/crypto/keyset.ts';
import type { SimulatedHardware } from '../hardware-sim/control/simulated-hardware.ts';
import { parseTransmissionHostConfig, type TransmissionHostConfigInput } from '../transmission-station/host-config.ts';

/** The transmission station's printer and scanner in the simulator. */
export const TRANSMISSION_DEVICE = 'transmission';
/** One port per write-once backup medium, each holding a blank medium at start. */
export const BACKUP_PORTS = ['respaldo-1', 'respaldo-2', 'respaldo-3'] as const;

export interface TransmissionRun {
  readonly packagePath: string;
  readonly keysDir: string;
  readonly dataDir: string;
  /** The simulator's device bridge socket. */
  readonly bridge: string;
  /** The port the stick is read from (the results station's). */
  readonly stickPort: string;
  /** The escpos-serial path of the station's simulated printer. */
  readonly printerPath: string;
  readonly centre: { readonly url: string; readonly certFile: string | undefined };
}

/** The blank write-once backup media, each in its own port. */
export function insertBackupMedia(hardware: SimulatedHardware): void {
  for (const port of BACKUP_PORTS) hardware.usbStick(port, { writeOnce: true, inserted: true });
}

/** The station's configuration file content (checked here with the station's own parser). */
export function transmissionConfig(run: TransmissionRun): TransmissionHostConfigInput {
  const bridged = { kind: 'bridge' as const, socket: run.bridge };
  const input: TransmissionHostConfigInput = {
    packagePath: run.packagePath,
    rootPublicKeyFile: publicKeyFile(run.keysDir, 'onpe-root'),
    dataDir: run.dataDir,
    keysDir: run.keysDir,
    centre: { url: run.centre.url, ...(run.centre.certFile === undefined ? {} : { certFile: run.centre.certFile }), real: false },
    devices: {
      printer: { kind: 'escpos-serial', path: run.printerPath },
      scanner: { ...bridged, name: TRANSMISSION_DEVICE },
      consolidation: { ...bridged, name: run.stickPort, writeOnce: false },
    },
    backupMedia: BACKUP_PORTS.map((name) => ({ ...bridged, name, writeOnce: true })),
  };
  const config = parseTransmissionHostConfig(input);
  if (!config.ok) throw new Error(`bug: vep start's transmission config: ${config.error.join('; ')}`);
  return input;
}
