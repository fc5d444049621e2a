/**
 * Test world for the transmission station host: a mesa device built with the real builders (one
 * per test file, copied per test), the in-process centre over pinned HTTPS, simulated printer,
 * scanner and three write-once media, and a send function that can play "centre down".
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { publicKeyFile } from '../../shared/crypto/keyset.ts';
import { err } from '../../shared/result.ts';
import { PACKAGE_COPY_FILE_NAME } from '../../shared/results/mesa-result.ts';
import { sendUnit } from '../../shared/transmission/client.ts';
import { startCentre, type RunningCentre } from '../../centre/service.ts';
import type { ReceiverEvent } from '../../centre/receiver.ts';
import { SimulatedHardware } from '../../hardware-sim/control/simulated-hardware.ts';
import { parseTransmissionHostConfig, type TransmissionHostConfigInput } from '../../transmission-station/host-config.ts';
import { startTransmissionHost, type TransmissionHost, type TransmissionHostOptions } from '../../transmission-station/host.ts';
import { buildMesaDevice, DEVICE_SOFTWARE_CODE, type MesaDevice } from './mesa-device.ts';
import { tempDir } from './centre-harness.ts';

let sharedDevice: MesaDevice | undefined;
let sharedRoot: string | undefined;
/** Key generation and device building are slow: one device per test file, copied per test. */
function mesaDevice(): MesaDevice {
  if (sharedDevice === undefined) {
    sharedRoot = fs.mkdtempSync(path.join(fs.realpathSync(process.env['TMPDIR'] ?? '/tmp'), 'vep-'));
    const root = sharedRoot;
    process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
    sharedDevice = buildMesaDevice(path.join(root, 'device'), { keysDir: path.join(root, 'keys') });
  }
  return sharedDevice;
}

export interface World {
  readonly tmp: string;
  readonly device: MesaDevice;
  readonly deviceDir: string;
  readonly hardware: SimulatedHardware;
  centre: RunningCentre;
  /** Stops the centre (a dead link) and, with `restart`, starts it again on the same port. */
  stopCentre(): Promise<void>;
  restartCentre(): Promise<void>;
  readonly events: ReceiverEvent[];
  readonly config: TransmissionHostConfigInput;
  clockMs: number;
  centreUp: boolean;
  sends: number;
  start(overrides?: Partial<TransmissionHostOptions>): Promise<TransmissionHost>;
  hostOptions(): TransmissionHostOptions;
}

export async function makeWorld(t: ExecutionContext, configChange: (c: TransmissionHostConfigInput) => TransmissionHostConfigInput = (c) => c): Promise<World> {
  const device = mesaDevice();
  const tmp = tempDir(t);
  const deviceDir = path.join(tmp, 'stick');
  fs.cpSync(device.dir, deviceDir, { recursive: true });
  const events: ReceiverEvent[] = [];
  const centreOptions = {
    packagePaths: [path.join(device.dir, PACKAGE_COPY_FILE_NAME)],
    keysDir: device.keysDir,
    dbFile: path.join(tmp, 'centre.db'),
    real: false,
    clock: () => new Date('2026-04-12T23:40:00Z'),
    onEvent: (e: ReceiverEvent) => events.push(e),
  };
  const centre = await startCentre(centreOptions);
  if (!centre.ok) throw new Error(centre.error);
  let centreRunning = true;
  t.teardown(() => (centreRunning ? world.centre.close() : undefined));
  const certFile = centre.value.certFile;
  if (certFile === undefined) throw new Error('the centre serves HTTPS');
  const hardware = new SimulatedHardware();
  const config = configChange({
    packagePath: path.join(device.dir, PACKAGE_COPY_FILE_NAME),
    rootPublicKeyFile: publicKeyFile(device.keysDir, 'onpe-root'),
    dataDir: path.join(tmp, 'data'),
    keysDir: device.keysDir,
    centre: { url: centre.value.url, certFile, real: false },
    constanciaCopies: 2,
    devices: {
      printer: { kind: 'simulated-pty', statusReplyTimeoutMs: 5000 },
      scanner: { kind: 'simulated', name: 'scanner' },
      consolidation: { kind: 'real', mountPath: deviceDir, requireMountPoint: false },
    },
    backupMedia: [1, 2, 3].map((n) => ({ kind: 'simulated' as const, name: `respaldo-${n}`, writeOnce: true })),
  });
  const pinnedCert = fs.readFileSync(certFile, 'utf8');
  const world: World = {
    tmp,
    device,
    deviceDir,
    hardware,
    centre: centre.value,
    async stopCentre() {
      await world.centre.close();
      centreRunning = false;
    },
    async restartCentre() {
      const again = await startCentre({ ...centreOptions, port: Number(new URL(centre.value.url).port) });
      if (!again.ok) throw new Error(again.error);
      world.centre = again.value;
      centreRunning = true;
    },
    events,
    config,
    clockMs: Date.parse('2026-04-12T23:30:00Z'),
    centreUp: true,
    sends: 0,
    hostOptions: () => ({
      hardware,
      clock: () => new Date(world.clockMs),
      autoRetry: false,
      softwareCode: DEVICE_SOFTWARE_CODE,
      // The centre "down" refuses the connection as a dead host would; up, the real pinned HTTPS client.
      sendUnit: (unit) => {
        world.sends += 1;
        return world.centreUp
          ? sendUnit(unit, { url: centre.value.url, pinnedCert })
          : Promise.resolve(err({ kind: 'unreachable' as const, detail: 'ECONNREFUSED', requestSent: false }));
      },
    }),
    async start(overrides = {}) {
      const parsed = parseTransmissionHostConfig(world.config);
      if (!parsed.ok) throw new Error(parsed.error.join('; '));
      const host = await startTransmissionHost(parsed.value, {
        ...world.hostOptions(),
        ...overrides,
      });
      if (!host.ok) throw new Error(JSON.stringify(host.error));
      t.teardown(() => host.value.close());
      return host.value;
    },
  };
  await hardware.scanner('scanner').placeText('ACTA DE ESCRUTINIO - EJEMPLAR ODPE');
  return world;
}

export function tickets(host: TransmissionHost): string[] {
  const emulator = host.devices.printer?.simulator?.emulator;
  if (emulator === undefined) throw new Error('simulated printer expected');
  return emulator.completeTickets().map((ticket) => ticket.text);
}

