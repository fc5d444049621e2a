/**
 * Builds the station's printer from configuration. The simulated printer is NOT a fake
 * driver: it is the same ESC/POS serial driver, talking over a real pseudo-terminal pair
 * (socat) to the emulator on the other end, so every byte the station would send to a real
 * printer goes through the same code path. The simulator modules are loaded only when asked
 * for, so a station with a real printer never loads them.
 */
import { err, ok, type Result } from '../../result.ts';
import type { PrinterEmulator } from '../../../hardware-sim/printer/emulator.ts';
import type { PtyPair } from '../../../hardware-sim/printer/pty.ts';
import { openEscposSerialPrinter, type EscposSerialOptions } from './escpos-serial.ts';
import type { PrinterError, ThermalPrinter } from './printer.ts';

type DriverTuning = Pick<
  EscposSerialOptions,
  'columns' | 'statusReplyTimeoutMs' | 'jobConfirmTimeoutMs' | 'jobStatusPollIntervalMs' | 'offlineAfterSilenceMs'
>;

export type PrinterConfig =
  | ({ kind: 'escpos-serial'; path: string; baudRate?: number; rtscts?: boolean } & DriverTuning)
  | ({
      kind: 'simulated-pty';
      paperLengthMm?: number;
      paperLowThresholdMm?: number;
      processingDelayMs?: number;
      /** Where the emulator writes each ticket as .txt and .png (tester panel, demos). */
      outputDir?: string;
    } & DriverTuning);

export type CreatedPrinter = {
  printer: ThermalPrinter;
  /** Present for 'simulated-pty': the emulator's controls (faults, paper) and its pty. */
  simulator?: { emulator: PrinterEmulator; pty: PtyPair };
};

function tuning(config: DriverTuning): DriverTuning {
  const { columns, statusReplyTimeoutMs, jobConfirmTimeoutMs, jobStatusPollIntervalMs, offlineAfterSilenceMs } = config;
  return { columns, statusReplyTimeoutMs, jobConfirmTimeoutMs, jobStatusPollIntervalMs, offlineAfterSilenceMs };
}

export async function createPrinter(config: PrinterConfig): Promise<Result<CreatedPrinter, PrinterError>> {
  if (config.kind === 'escpos-serial') {
    const opened = await openEscposSerialPrinter({ path: config.path, baudRate: config.baudRate, rtscts: config.rtscts, ...tuning(config) });
    return opened.ok ? ok({ printer: opened.value }) : opened;
  }

  const { createPtyPair } = await import('../../../hardware-sim/printer/pty.ts');
  const { startPrinterEmulator } = await import('../../../hardware-sim/printer/emulator.ts');
  const pty = await createPtyPair();
  if (!pty.ok) return err({ kind: 'error', detail: `cannot create pty pair: ${pty.error.detail}` });
  const emulator = await startPrinterEmulator({
    portPath: pty.value.devicePath,
    paperLengthMm: config.paperLengthMm,
    paperLowThresholdMm: config.paperLowThresholdMm,
    processingDelayMs: config.processingDelayMs,
    outputDir: config.outputDir,
  });
  if (!emulator.ok) {
    await pty.value.close();
    return err({ kind: 'error', detail: `cannot start printer emulator: ${emulator.error.detail}` });
  }
  const driver = await openEscposSerialPrinter({ path: pty.value.hostPath, ...tuning(config) });
  if (!driver.ok) {
    await emulator.value.close();
    await pty.value.close();
    return driver;
  }
  const simulator = { emulator: emulator.value, pty: pty.value };
  const printer: ThermalPrinter = {
    status: () => driver.value.status(),
    print: (job) => driver.value.print(job),
    close: async () => {
      await driver.value.close();
      await simulator.emulator.close();
      await simulator.pty.close();
    },
  };
  return ok({ printer, simulator });
}
