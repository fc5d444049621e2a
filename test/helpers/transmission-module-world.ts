/**
 * Test world for the transmission module (Art. 31): three mesas of one polling place built with
 * the real builders (one key set, so one transmission key as ONPE would issue for the module),
 * one device of the same election at another polling place and one of another election; the
 * in-process centre over pinned HTTPS with the three packages; the simulated printer, scanner and
 * three write-once media; one consolidation port (a folder) where the test "inserts" a device by
 * putting its files there, as the operator does with each mesa's stick.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { publicKeyFile } from '../../shared/crypto/keyset.ts';
import type { ElectionDefinition } from '../../shared/election/definition.ts';
import { MESA_RESULT_FILE_NAME, PACKAGE_COPY_FILE_NAME } from '../../shared/results/mesa-result.ts';
import { startCentre, type RunningCentre } from '../../centre/service.ts';
import type { ReceiverEvent } from '../../centre/receiver.ts';
import { SimulatedHardware } from '../../hardware-sim/control/simulated-hardware.ts';
import { TransmissionModuleConfigSchema, type TransmissionModuleConfigInput } from '../../transmission-station/host-config.ts';
import type { TransmissionHostOptions } from '../../transmission-station/host.ts';
import { startTransmissionModuleHost, type TransmissionModuleHost } from '../../transmission-station/module-host.ts';
import { EG2026 } from './ballots.ts';
import { tempDir } from './centre-harness.ts';
import { buildMesaDevice, DEVICE_SOFTWARE_CODE, type MesaDevice } from './mesa-device.ts';

export const PLACE_MESAS = ['041287', '041288', '041289'] as const;
export const OTHER_PLACE_MESA = '051001';
export const OTHER_ELECTION_MESA = '041290';

function withMesa(number: string, change: (d: ElectionDefinition) => ElectionDefinition = (d) => d): ElectionDefinition {
  return change({ ...EG2026, mesa: { ...EG2026.mesa, number } });
}

interface Built {
  readonly root: string;
  readonly keysDir: string;
  readonly mesas: ReadonlyMap<string, MesaDevice>;
  readonly otherPlace: MesaDevice;
  readonly otherElection: MesaDevice;
}

let built: Built | undefined;
/** Key generation and device building are slow: built once per test file. */
function devices(): Built {
  if (built !== undefined) return built;
  const root = fs.mkdtempSync(path.join(fs.realpathSync(process.env['TMPDIR'] ?? '/tmp'), 'vep-module-'));
  process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
  const keysDir = path.join(root, 'keys');
  const mesas = new Map<string, MesaDevice>();
  for (const [i, number] of PLACE_MESAS.entries()) {
    mesas.set(number, buildMesaDevice(path.join(root, number), { keysDir, definition: withMesa(number), seed: 2026 + i }));
  }
  const otherPlace = buildMesaDevice(path.join(root, OTHER_PLACE_MESA), {
    keysDir,
    definition: withMesa(OTHER_PLACE_MESA, (d) => ({ ...d, mesa: { ...d.mesa, place: { name: 'I.E. N.° 55 Otro Local', address: 'Jr. Otro 9, Cusco' } } })),
  });
  const otherElection = buildMesaDevice(path.join(root, `otra-${OTHER_ELECTION_MESA}`), {
    keysDir,
    definition: withMesa(OTHER_ELECTION_MESA, (d) => ({ ...d, election: { ...d.election, id: 'erm2026', name: 'Elecciones Regionales 2026 (simulacro)' } })),
  });
  built = { root, keysDir, mesas, otherPlace, otherElection };
  return built;
}

export interface ModuleWorld {
  readonly tmp: string;
  /** The one key set of the polling place (ONPE root, centre, the module's transmission key). */
  readonly keysDir: string;
  readonly mesas: ReadonlyMap<string, MesaDevice>;
  readonly otherPlace: MesaDevice;
  readonly otherElection: MesaDevice;
  readonly hardware: SimulatedHardware;
  readonly centre: RunningCentre;
  readonly events: ReceiverEvent[];
  readonly config: TransmissionModuleConfigInput;
  readonly port: string;
  clockMs: number;
  /** Empties the port and puts a device's files there (`without`: files left out). */
  insert(device: MesaDevice, without?: readonly string[]): void;
  /** Places the ODPE acta copy of a mesa on the scanner. */
  placeActa(mesa: string): Promise<void>;
  mesa(number: string): MesaDevice;
  hostOptions(): TransmissionHostOptions;
  start(): Promise<TransmissionModuleHost>;
}

export async function makeModuleWorld(t: ExecutionContext, change: (c: TransmissionModuleConfigInput) => TransmissionModuleConfigInput = (c) => c): Promise<ModuleWorld> {
  const b = devices();
  const tmp = tempDir(t);
  const port = path.join(tmp, 'puerto-usb');
  fs.mkdirSync(port);
  const packagePaths = PLACE_MESAS.map((m) => path.join(b.mesas.get(m)?.dir ?? '', PACKAGE_COPY_FILE_NAME));
  const events: ReceiverEvent[] = [];
  const centre = await startCentre({
    packagePaths,
    keysDir: b.keysDir,
    dbFile: path.join(tmp, 'centre.db'),
    real: false,
    clock: () => new Date('2026-04-12T23:40:00Z'),
    onEvent: (e) => events.push(e),
  });
  if (!centre.ok) throw new Error(centre.error);
  t.teardown(() => centre.value.close());
  const certFile = centre.value.certFile;
  if (certFile === undefined) throw new Error('the centre serves HTTPS');
  const hardware = new SimulatedHardware();
  const config = change({
    mode: 'module',
    packagePaths,
    rootPublicKeyFile: publicKeyFile(b.keysDir, 'onpe-root'),
    dataDir: path.join(tmp, 'data'),
    keysDir: b.keysDir,
    centre: { url: centre.value.url, certFile, real: false },
    constanciaCopies: 2,
    scanActas: true,
    devices: {
      printer: { kind: 'simulated-pty', statusReplyTimeoutMs: 5000 },
      scanner: { kind: 'simulated', name: 'scanner' },
      consolidation: { kind: 'real', mountPath: port, requireMountPoint: false },
    },
    backupMedia: [1, 2, 3].map((n) => ({ kind: 'simulated' as const, name: `respaldo-${n}`, writeOnce: true })),
  });
  const world: ModuleWorld = {
    tmp,
    keysDir: b.keysDir,
    mesas: b.mesas,
    otherPlace: b.otherPlace,
    otherElection: b.otherElection,
    hardware,
    centre: centre.value,
    events,
    config,
    port,
    clockMs: Date.parse('2026-04-12T23:30:00Z'),
    insert(device, without = []) {
      for (const name of fs.readdirSync(port)) fs.rmSync(path.join(port, name), { recursive: true, force: true });
      for (const name of fs.readdirSync(device.dir)) {
        if (!without.includes(name)) fs.copyFileSync(path.join(device.dir, name), path.join(port, name));
      }
    },
    placeActa: (mesa) => hardware.scanner('scanner').placeText(`ACTA DE ESCRUTINIO - MESA ${mesa} - EJEMPLAR ODPE`),
    mesa(number) {
      const device = b.mesas.get(number);
      if (device === undefined) throw new Error(`no mesa ${number}`);
      return device;
    },
    hostOptions: () => ({ hardware, clock: () => new Date(world.clockMs), autoRetry: false, softwareCode: DEVICE_SOFTWARE_CODE }),
    async start() {
      const parsed = TransmissionModuleConfigSchema.safeParse(world.config);
      if (!parsed.success) throw new Error(parsed.error.message);
      const host = await startTransmissionModuleHost(parsed.data, world.hostOptions());
      if (!host.ok) throw new Error(JSON.stringify(host.error));
      t.teardown(() => host.value.close());
      return host.value;
    },
  };
  return world;
}

export { MESA_RESULT_FILE_NAME };
