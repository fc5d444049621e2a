/**
 * The one device factory: real or simulated hardware is chosen by configuration, never by code
 * edits. Every simulated device runs the same host driver as the real one (only the transport or
 * file-system layer differs), and simulator modules are loaded only when a configuration asks for
 * them, so a station on real hardware never loads hardware-sim/. `kind: 'bridge'` reaches the
 * simulated devices of another process (the simulator's, over its device bridge socket: see
 * shared/devices/bridge/protocol.ts), so each `vep start` station runs in its own process.
 *
 * Configuration errors throw (broken configuration); opening devices is lazy, so creating them
 * does no I/O and cannot fail: their operations report typed errors instead.
 */
import { execFile } from 'node:child_process';
import { z } from 'zod';
import { err, ok, type Result } from '../result.ts';
import type { SimulatedHardware } from '../../hardware-sim/control/simulated-hardware.ts';
import type { ActivationReader } from './activation/activation-reader.ts';
import { HidActivationReader } from './activation/hid-activation-reader.ts';
import type { DniReader } from './dni-reader/dni-reader.ts';
import { HidDniReader } from './dni-reader/hid-dni-reader.ts';
import type { ConsolidationDevice } from './consolidation/consolidation-device.ts';
import { nodeFileSystem } from './consolidation/file-system.ts';
import { FsConsolidationDevice } from './consolidation/fs-consolidation-device.ts';
import { nodeHidOpener } from './hid/node-hid-transport.ts';
import type { HidTransportOpener } from './hid/transport.ts';
import { bridgeHidOpener } from './bridge/bridge-hid.ts';
import { bridgeMedium } from './bridge/bridge-medium.ts';
import { BridgedScanner } from './bridge/bridge-scanner.ts';
import { HidKeypad } from './keypad/hid-keypad.ts';
import type { Keypad } from './keypad/keypad.ts';
import { SaneScanner } from './scanner/sane-scanner.ts';
import type { Scanner } from './scanner/scanner.ts';
import { createPrinter, type CreatedPrinter, type PrinterConfig } from './printer/factory.ts';
import type { PrinterError } from './printer/printer.ts';

const simName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);
const hidDevice = z.union([
  z.strictObject({ path: z.string().min(1) }),
  z.strictObject({ vendorId: z.number().int().min(0).max(0xffff), productId: z.number().int().min(0).max(0xffff) }),
]);
/** The simulator's device bridge (hardware-sim/bridge/): a unix socket path. */
const bridgeSocket = z.string().min(1).max(107);
const timeoutMs = z.number().int().min(10).max(60_000).default(3000);
const profile = z.enum(['navigation', 'two-switch']).default('navigation');

export const ActivationReaderConfigSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('real'), device: hidDevice, timeoutMs }),
  z.strictObject({ kind: z.literal('simulated'), name: simName.default('activation-reader'), timeoutMs }),
  z.strictObject({ kind: z.literal('bridge'), socket: bridgeSocket, name: simName, timeoutMs }),
]);

export const KeypadConfigSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('real'), device: hidDevice, profile }),
  z.strictObject({ kind: z.literal('simulated'), name: simName.default('keypad'), profile }),
  z.strictObject({ kind: z.literal('bridge'), socket: bridgeSocket, name: simName, profile }),
]);

/** A barcode DNI reader in keyboard-wedge mode (hid/PROTOCOL.md section 6). */
export const DniReaderConfigSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('real'), device: hidDevice }),
  z.strictObject({ kind: z.literal('simulated'), name: simName.default('dni-reader') }),
  z.strictObject({ kind: z.literal('bridge'), socket: bridgeSocket, name: simName }),
]);

export const ConsolidationConfigSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('real'),
    mountPath: z.string().min(1),
    writeOnce: z.boolean().default(false),
    /** false only for development on a plain directory. */
    requireMountPoint: z.boolean().default(true),
    maxReadBytes: z.number().int().positive().optional(),
    /** Run without a shell on eject, e.g. ["udisksctl", "power-off", "-b", "/dev/sda"]. */
    ejectCommand: z.array(z.string().min(1)).min(1).optional(),
  }),
  z.strictObject({
    kind: z.literal('simulated'),
    name: simName.default('usb'),
    writeOnce: z.boolean().default(false),
    capacityBytes: z.number().int().positive().optional(),
    inserted: z.boolean().default(true),
    maxReadBytes: z.number().int().positive().optional(),
  }),
  /** A simulated medium of the simulator process; it keeps its faults and write-once rules there. */
  z.strictObject({
    kind: z.literal('bridge'),
    socket: bridgeSocket,
    name: simName,
    writeOnce: z.boolean().default(false),
    maxReadBytes: z.number().int().positive().optional(),
  }),
]);

export const ScannerConfigSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('real'),
    device: z.string().min(1).optional(),
    dpi: z.number().int().min(50).max(1200).default(300),
    mode: z.enum(['Color', 'Gray', 'Lineart']).default('Gray'),
    source: z.string().min(1).optional(),
    scanimagePath: z.string().min(1).optional(),
  }),
  z.strictObject({
    kind: z.literal('simulated'),
    name: simName.default('scanner'),
    dpi: z.number().int().min(50).max(1200).default(150),
    feeder: z.boolean().default(false),
  }),
  z.strictObject({ kind: z.literal('bridge'), socket: bridgeSocket, name: simName }),
]);

const driverTuning = {
  columns: z.number().int().positive().optional(),
  statusReplyTimeoutMs: z.number().int().positive().optional(),
  jobConfirmTimeoutMs: z.number().int().positive().optional(),
  jobStatusPollIntervalMs: z.number().int().positive().optional(),
  offlineAfterSilenceMs: z.number().int().positive().optional(),
};

/** Mirrors PrinterConfig of printer/factory.ts; `satisfies` makes tsc catch any drift. */
export const PrinterConfigSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('escpos-serial'),
    path: z.string().min(1),
    baudRate: z.number().int().positive().optional(),
    rtscts: z.boolean().optional(),
    ...driverTuning,
  }),
  z.strictObject({
    kind: z.literal('simulated-pty'),
    paperLengthMm: z.number().positive().optional(),
    paperLowThresholdMm: z.number().positive().optional(),
    processingDelayMs: z.number().int().min(0).optional(),
    outputDir: z.string().min(1).optional(),
    ...driverTuning,
  }),
]) satisfies z.ZodType<PrinterConfig>;

export const DevicesConfigSchema = z.strictObject({
  activationReader: ActivationReaderConfigSchema.optional(),
  keypad: KeypadConfigSchema.optional(),
  dniReader: DniReaderConfigSchema.optional(),
  consolidation: ConsolidationConfigSchema.optional(),
  scanner: ScannerConfigSchema.optional(),
  printer: PrinterConfigSchema.optional(),
});

export type DevicesConfig = z.input<typeof DevicesConfigSchema>;

export interface Devices {
  readonly activationReader?: ActivationReader;
  readonly keypad?: Keypad;
  readonly dniReader?: DniReader;
  readonly consolidation?: ConsolidationDevice;
  readonly scanner?: Scanner;
  readonly printer?: CreatedPrinter;
  /** The simulated hardware behind any simulated device (to drive it, or to serve the control panel). */
  readonly hardware?: SimulatedHardware;
  close(): Promise<void>;
}

export type DeviceSetupError = { kind: 'printer'; error: PrinterError };

export interface CreateDevicesOptions {
  /** Shared registry for simulated devices; one is created when needed and absent. */
  readonly hardware?: SimulatedHardware;
}

function runEject(command: readonly string[]): () => Promise<Result<void, string>> {
  const [file, ...args] = command;
  return () => new Promise((resolve) => {
    if (file === undefined) return resolve(ok(undefined));
    execFile(file, args, { timeout: 30_000 }, (error, _stdout, stderr) => {
      resolve(error === null ? ok(undefined) : err(`${error.message} ${String(stderr)}`.trim()));
    });
  });
}

export async function createDevices(rawConfig: unknown, options: CreateDevicesOptions = {}): Promise<Result<Devices, DeviceSetupError>> {
  const parsed = DevicesConfigSchema.safeParse(rawConfig);
  if (!parsed.success) {
    throw new Error(`invalid devices configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const config = parsed.data;
  const wantsSimulation = [config.activationReader, config.keypad, config.dniReader, config.consolidation, config.scanner].some((c) => c?.kind === 'simulated');
  let hardware = options.hardware;
  if (hardware === undefined && wantsSimulation) {
    const { SimulatedHardware: Registry } = await import('../../hardware-sim/control/simulated-hardware.ts');
    hardware = new Registry();
  }
  const sim = (): SimulatedHardware => {
    if (hardware === undefined) throw new Error('bug: simulated device without a registry');
    return hardware;
  };

  let activationReader: ActivationReader | undefined;
  const ar = config.activationReader;
  if (ar !== undefined) {
    let opener: HidTransportOpener;
    if (ar.kind === 'real') {
      opener = nodeHidOpener(ar.device);
    } else if (ar.kind === 'bridge') {
      opener = bridgeHidOpener(ar.socket, { device: 'activation-reader', name: ar.name });
    } else {
      const reader = sim().activationReader(ar.name);
      opener = () => Promise.resolve(reader.openHost());
    }
    activationReader = new HidActivationReader(opener, { timeoutMs: ar.timeoutMs });
  }

  let keypad: Keypad | undefined;
  const kp = config.keypad;
  if (kp !== undefined) {
    let opener: HidTransportOpener;
    if (kp.kind === 'real') {
      opener = nodeHidOpener(kp.device);
    } else if (kp.kind === 'bridge') {
      opener = bridgeHidOpener(kp.socket, { device: 'keypad', name: kp.name, profile: kp.profile });
    } else {
      const device = sim().keypad(kp.name, kp.profile);
      opener = () => Promise.resolve(device.openHost());
    }
    keypad = new HidKeypad(opener, kp.profile);
  }

  let dniReader: DniReader | undefined;
  const dr = config.dniReader;
  if (dr !== undefined) {
    let opener: HidTransportOpener;
    if (dr.kind === 'real') {
      opener = nodeHidOpener(dr.device);
    } else if (dr.kind === 'bridge') {
      opener = bridgeHidOpener(dr.socket, { device: 'dni-reader', name: dr.name });
    } else {
      const device = sim().dniReader(dr.name);
      opener = () => Promise.resolve(device.openHost());
    }
    dniReader = new HidDniReader(opener);
  }

  // Bridge connections (media, scanner) to end with the devices.
  const bridged: Array<{ close(): void }> = [];
  let consolidation: ConsolidationDevice | undefined;
  const cd = config.consolidation;
  if (cd?.kind === 'real') {
    consolidation = new FsConsolidationDevice(nodeFileSystem({ requireMountPoint: cd.requireMountPoint }), {
      mountPath: cd.mountPath,
      writeOnce: cd.writeOnce,
      maxReadBytes: cd.maxReadBytes,
      eject: cd.ejectCommand === undefined ? undefined : runEject(cd.ejectCommand),
    });
  } else if (cd?.kind === 'simulated') {
    const stick = sim().usbStick(cd.name, { writeOnce: cd.writeOnce, capacityBytes: cd.capacityBytes, inserted: cd.inserted });
    consolidation = new FsConsolidationDevice(stick.fileSystem(), {
      mountPath: stick.mountPath,
      writeOnce: cd.writeOnce,
      maxReadBytes: cd.maxReadBytes,
      eject: async () => {
        await stick.remove();
        return ok(undefined);
      },
    });
  } else if (cd?.kind === 'bridge') {
    const medium = bridgeMedium(cd.socket, { name: cd.name, writeOnce: cd.writeOnce });
    bridged.push(medium);
    consolidation = new FsConsolidationDevice(medium.fileSystem, {
      mountPath: medium.mountPath,
      writeOnce: cd.writeOnce,
      maxReadBytes: cd.maxReadBytes,
      eject: async () => {
        try {
          await medium.eject();
          return ok(undefined);
        } catch (e) {
          return err(e instanceof Error ? e.message : String(e));
        }
      },
    });
  }

  let scanner: Scanner | undefined;
  const sc = config.scanner;
  if (sc?.kind === 'real') {
    scanner = new SaneScanner({ device: sc.device, dpi: sc.dpi, mode: sc.mode, source: sc.source, scanimagePath: sc.scanimagePath });
  } else if (sc?.kind === 'simulated') {
    scanner = sim().scanner(sc.name, { dpi: sc.dpi, feeder: sc.feeder });
  } else if (sc?.kind === 'bridge') {
    const bridgedScanner = new BridgedScanner(sc.socket, sc.name);
    bridged.push(bridgedScanner);
    scanner = bridgedScanner;
  }

  // PRINTER: created by the printer helper's factory (shared/devices/printer/factory.ts). It opens
  // the port (and for 'simulated-pty' its emulator) right away, so it is the one device whose
  // creation can fail.
  let printer: CreatedPrinter | undefined;
  if (config.printer !== undefined) {
    const created = await createPrinter(config.printer);
    if (!created.ok) {
      await Promise.all([activationReader?.close(), keypad?.close(), dniReader?.close()]);
      for (const b of bridged) b.close();
      return err({ kind: 'printer', error: created.error });
    }
    printer = created.value;
  }

  return ok({
    activationReader,
    keypad,
    dniReader,
    consolidation,
    scanner,
    printer,
    hardware,
    async close() {
      await Promise.all([activationReader?.close(), keypad?.close(), dniReader?.close(), printer?.printer.close()]);
      for (const b of bridged) b.close();
    },
  });
}
