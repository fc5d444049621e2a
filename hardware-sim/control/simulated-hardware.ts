/**
 * Registry of every simulated device in the process (activation readers and devices, keypads, USB
 * sticks, scanners, printers), by name, with one `execute` for the control commands. The device factory
 * creates simulated devices here; tests and the HTTP control server drive them from here.
 */
import { err, ok, type Result } from '../../shared/result.ts';
import type { KeypadProfile } from '../../shared/devices/keypad/keypad.ts';
import { VirtualActivationDevice } from '../hid/virtual-activation-device.ts';
import { VirtualActivationReader, type VirtualReaderState } from '../hid/virtual-activation-reader.ts';
import { VirtualKeypad } from '../hid/virtual-keypad.ts';
import { VirtualDniReader } from '../hid/virtual-dni-reader.ts';
import { SimulatedUsbStick, type SimulatedUsbStickOptions, type UsbStickState } from '../usb/simulated-usb-stick.ts';
import { SimulatedScanner, type SimulatedScannerOptions } from '../scanner/simulated-scanner.ts';
import type { SimCommand } from './commands.ts';
import { SimulatedPrinters, type PrinterSnapshot, type StartPrinterOptions } from './printers.ts';
import { moveUsbMedium } from './usb-move.ts';
import { SimulatedClock } from './simulated-clock.ts';

export interface HardwareSnapshot {
  readonly activationReaders: Array<{ name: string; device: string | null } & VirtualReaderState>;
  /** Only what the control surface knows: where each device is. Never its content. */
  readonly activationDevices: Array<{ name: string; capacity: number; inReader: string | null }>;
  readonly keypads: Array<{ name: string } & VirtualKeypad['state']>;
  /** Connection only: the control surface never keeps what was scanned. */
  readonly dniReaders: Array<{ name: string } & VirtualDniReader['state']>;
  readonly usbSticks: Array<{ name: string } & UsbStickState>;
  readonly scanners: Array<{ name: string } & SimulatedScanner['state']>;
  readonly printers: PrinterSnapshot[];
  /** The simulated wall clock (ISO-8601 UTC); stations use it only where a run wires it (`vep start`). */
  readonly clock: { readonly now: string };
}

function lookup<T>(map: ReadonlyMap<string, T>, kind: string, name: string): Result<T, string> {
  const found = map.get(name);
  return found === undefined ? err(`no simulated ${kind} named ${name}`) : ok(found);
}

export class SimulatedHardware {
  private readonly readers = new Map<string, VirtualActivationReader>();
  private readonly devices = new Map<string, VirtualActivationDevice>();
  private readonly keypads = new Map<string, VirtualKeypad>();
  private readonly dniReaders = new Map<string, VirtualDniReader>();
  private readonly sticks = new Map<string, SimulatedUsbStick>();
  private readonly scanners = new Map<string, SimulatedScanner>();
  /** Tickets (GET /printers/<name>/tickets), adoption of a station's printer, emulator access. */
  readonly printers = new SimulatedPrinters();
  /** Starts at the real time; `vep start` sets it to the election day and hands `clock.read` to its stations. */
  readonly clock = new SimulatedClock();
  private printersClosed: Promise<void> = Promise.resolve();

  activationReader(name: string): VirtualActivationReader {
    let reader = this.readers.get(name);
    if (reader === undefined) {
      reader = new VirtualActivationReader();
      this.readers.set(name, reader);
    }
    return reader;
  }

  activationDevice(name: string, capacity?: number): VirtualActivationDevice {
    let device = this.devices.get(name);
    if (device === undefined) {
      device = new VirtualActivationDevice(capacity);
      this.devices.set(name, device);
    }
    return device;
  }

  keypad(name: string, profile: KeypadProfile): VirtualKeypad {
    let keypad = this.keypads.get(name);
    if (keypad === undefined) {
      keypad = new VirtualKeypad(profile);
      this.keypads.set(name, keypad);
    } else if (keypad.profile !== profile) {
      throw new Error(`simulated keypad ${name} is ${keypad.profile}, not ${profile}`);
    }
    return keypad;
  }

  dniReader(name: string): VirtualDniReader {
    let reader = this.dniReaders.get(name);
    if (reader === undefined) {
      reader = new VirtualDniReader();
      this.dniReaders.set(name, reader);
    }
    return reader;
  }

  usbStick(name: string, options: SimulatedUsbStickOptions = {}): SimulatedUsbStick {
    let stick = this.sticks.get(name);
    if (stick === undefined) {
      stick = new SimulatedUsbStick({ label: name.toUpperCase(), ...options });
      this.sticks.set(name, stick);
    } else if (options.writeOnce !== undefined && stick.writeOnce !== options.writeOnce) {
      throw new Error(`simulated USB stick ${name} has writeOnce=${String(stick.writeOnce)}`);
    }
    return stick;
  }

  scanner(name: string, options: SimulatedScannerOptions = {}): SimulatedScanner {
    let scanner = this.scanners.get(name);
    if (scanner === undefined) {
      scanner = new SimulatedScanner(options);
      this.scanners.set(name, scanner);
    }
    return scanner;
  }

  /**
   * Starts a simulated printer (socat pty + ESC/POS emulator) and answers the pty path the
   * station's driver opens: createPrinter({ kind: 'escpos-serial', path }).
   */
  startPrinter(name: string, options: StartPrinterOptions = {}): Promise<Result<string, string>> {
    return this.printers.start(name, options);
  }

  snapshot(): HardwareSnapshot {
    const deviceName = (device: VirtualActivationDevice | undefined): string | null =>
      [...this.devices].find(([, d]) => d === device)?.[0] ?? null;
    const readerOf = (device: VirtualActivationDevice): string | null =>
      [...this.readers].find(([, r]) => r.currentDevice === device)?.[0] ?? null;
    return {
      activationReaders: [...this.readers].map(([name, r]) => ({ name, device: deviceName(r.currentDevice), ...r.state })),
      activationDevices: [...this.devices].map(([name, d]) => ({ name, capacity: d.capacity, inReader: readerOf(d) })),
      keypads: [...this.keypads].map(([name, k]) => ({ name, ...k.state })),
      dniReaders: [...this.dniReaders].map(([name, r]) => ({ name, ...r.state })),
      usbSticks: [...this.sticks].map(([name, s]) => ({ name, ...s.state })),
      scanners: [...this.scanners].map(([name, s]) => ({ name, ...s.state })),
      printers: this.printers.snapshot(),
      clock: { now: this.clock.now().toISOString() },
    };
  }

  async execute(command: SimCommand): Promise<Result<void, string>> {
    switch (command.action) {
      case 'activation.insert': {
        const reader = lookup(this.readers, 'activation reader', command.reader);
        if (!reader.ok) return reader;
        if (reader.value.currentDevice !== undefined) return err(`reader ${command.reader} already holds a device`);
        const device = this.activationDevice(command.device, command.capacity);
        if ([...this.readers.values()].some((r) => r.currentDevice === device)) return err(`device ${command.device} is in a reader`);
        reader.value.insert(device);
        return ok(undefined);
      }
      case 'activation.move': {
        const target = lookup(this.readers, 'activation reader', command.reader);
        if (!target.ok) return target;
        const device = lookup(this.devices, 'activation device', command.device);
        if (!device.ok) return device;
        if (target.value.currentDevice === device.value) return ok(undefined);
        if (target.value.currentDevice !== undefined) return err(`reader ${command.reader} already holds a device`);
        for (const reader of this.readers.values()) if (reader.currentDevice === device.value) reader.pull();
        target.value.insert(device.value);
        return ok(undefined);
      }
      case 'activation.pull':
      case 'activation.fault':
      case 'activation.clear-faults':
      case 'activation.disconnect':
      case 'activation.reconnect': {
        const reader = lookup(this.readers, 'activation reader', command.reader);
        if (!reader.ok) return reader;
        if (command.action === 'activation.pull') reader.value.pull();
        else if (command.action === 'activation.fault') reader.value.injectFault(command.fault);
        else if (command.action === 'activation.clear-faults') reader.value.clearFaults();
        else if (command.action === 'activation.disconnect') reader.value.disconnect();
        else reader.value.reconnect();
        return ok(undefined);
      }
      case 'keypad.press':
      case 'keypad.hold':
      case 'keypad.release':
      case 'keypad.raw':
      case 'keypad.unplug':
      case 'keypad.replug': {
        const keypad = lookup(this.keypads, 'keypad', command.keypad);
        if (!keypad.ok) return keypad;
        const k = keypad.value;
        try {
          if (command.action === 'keypad.press') k.press(command.key);
          else if (command.action === 'keypad.hold') k.hold(command.key, command.reports);
          else if (command.action === 'keypad.release') k.release(command.key);
          else if (command.action === 'keypad.raw') k.sendRaw(new Uint8Array(Buffer.from(command.reportBase64, 'base64')));
          else if (command.action === 'keypad.unplug') k.unplug();
          else k.replug();
        } catch (e) {
          return err(e instanceof Error ? e.message : String(e));
        }
        return ok(undefined);
      }
      case 'dni.scan':
      case 'dni.scan-garbled':
      case 'dni.unplug':
      case 'dni.replug': {
        const reader = lookup(this.dniReaders, 'DNI reader', command.reader);
        if (!reader.ok) return reader;
        if (command.action === 'dni.scan') reader.value.scan(command.text);
        else if (command.action === 'dni.scan-garbled') reader.value.scanGarbled(command.text);
        else if (command.action === 'dni.unplug') reader.value.unplug();
        else reader.value.replug();
        return ok(undefined);
      }
      case 'usb.move': {
        const from = lookup(this.sticks, 'USB stick', command.stick);
        if (!from.ok) return from;
        const to = lookup(this.sticks, 'USB stick', command.to);
        if (!to.ok) return to;
        return moveUsbMedium({ name: command.stick, stick: from.value }, { name: command.to, stick: to.value });
      }
      case 'usb.insert':
      case 'usb.remove':
      case 'usb.fault':
      case 'usb.clear-faults':
      case 'usb.read-only':
      case 'usb.corrupt-file': {
        const stick = lookup(this.sticks, 'USB stick', command.stick);
        if (!stick.ok) return stick;
        const s = stick.value;
        if (command.action === 'usb.insert') s.insert();
        else if (command.action === 'usb.remove') await s.remove();
        else if (command.action === 'usb.fault') s.injectFault(command.fault);
        else if (command.action === 'usb.clear-faults') s.clearFaults();
        else if (command.action === 'usb.read-only') s.setReadOnly(command.readOnly);
        else {
          try {
            await s.corruptStored(command.file, command.offset);
          } catch (e) {
            return err(e instanceof Error ? e.message : String(e));
          }
        }
        return ok(undefined);
      }
      case 'scanner.place-png':
      case 'scanner.place-text':
      case 'scanner.remove-paper':
      case 'scanner.fault': {
        const scanner = lookup(this.scanners, 'scanner', command.scanner);
        if (!scanner.ok) return scanner;
        const s = scanner.value;
        if (command.action === 'scanner.place-png') return s.placePng(new Uint8Array(Buffer.from(command.pngBase64, 'base64')), command.dpi);
        if (command.action === 'scanner.place-text') await s.placeText(command.text);
        else if (command.action === 'scanner.remove-paper') s.removePaper();
        else s.injectFault(command.fault);
        return ok(undefined);
      }
      case 'clock.advance':
        return this.clock.advance(command.minutes * 60_000);
      case 'clock.set':
        return this.clock.set(new Date(command.at));
      case 'printer.fault':
      case 'printer.clear':
      case 'printer.refill':
      case 'printer.paper-low':
      case 'printer.slow':
        return this.printers.execute(command);
    }
  }

  /**
   * Deletes the sticks' backing directories and stops the printers started here: socat gets its
   * SIGTERM before this returns; `await close()` (or `closed()`) to wait until it has exited.
   * Synchronous so existing `t.teardown(() => hardware.dispose())` callers keep working.
   */
  dispose(): void {
    for (const stick of this.sticks.values()) stick.dispose();
    // Chained: a second dispose() must not let close() return before the first one's socat exited.
    const previous = this.printersClosed;
    this.printersClosed = Promise.all([previous, this.printers.dispose()]).then(() => undefined);
  }

  /** The printers' shutdown started by the last dispose(). */
  closed(): Promise<void> {
    return this.printersClosed;
  }

  /** dispose() and wait until every emulator port is closed and every socat has exited. */
  async close(): Promise<void> {
    this.dispose();
    await this.printersClosed;
  }
}
