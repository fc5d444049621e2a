/**
 * The simulated printers of the registry, by name. Each is the ESC/POS emulator on the device end
 * of a socat pty pair; the station's real serial driver opens the host end (`ptyPath`). Printers
 * created elsewhere (the station's `createPrinter({kind:'simulated-pty'})`) can be adopted so the
 * tester panel shows and drives them too; their lifetime stays with whoever created them.
 */
import path from 'node:path';
import { err, ok, type Result } from '../../shared/result.ts';
import type { PrinterStatus } from '../../shared/devices/printer/printer.ts';
import { startPrinterEmulator, type PrinterEmulator } from '../printer/emulator.ts';
import { DEFAULT_PAPER_LOW_THRESHOLD_MM, type SimulatedFault, type Ticket } from '../printer/printer-mechanism.ts';
import { createPtyPair, type PtyPair } from '../printer/pty.ts';

export const PRINTER_FAULTS = ['paper-out', 'cover-open', 'offline', 'cutter-error'] as const satisfies readonly SimulatedFault[];

export interface StartPrinterOptions {
  readonly paperLengthMm?: number;
  readonly paperLowThresholdMm?: number;
  readonly processingDelayMs?: number;
  /** Every cut piece is also written there as ticket-NNNN.txt/.png. */
  readonly outputDir?: string;
}

export type PrinterCommand =
  | { action: 'printer.fault'; printer: string; fault: SimulatedFault; afterItems?: number | undefined }
  | { action: 'printer.clear'; printer: string; fault?: SimulatedFault | undefined }
  | { action: 'printer.refill'; printer: string; lengthMm?: number | undefined }
  | { action: 'printer.paper-low'; printer: string; thresholdMm: number }
  | { action: 'printer.slow'; printer: string; delayMs: number };

export interface PrinterSnapshot {
  readonly name: string;
  /** The host end of the pty, which the station's driver opens. */
  readonly ptyPath: string;
  /** What the driver would read now (same precedence as its status decoding). */
  readonly status: PrinterStatus;
  readonly faults: SimulatedFault[];
  readonly remainingPaperMm: number;
  readonly paperLowThresholdMm: number;
  readonly processingDelayMs: number;
  readonly tickets: number;
  readonly completeTickets: number;
  readonly unknownCommands: number;
  readonly socatAlive: boolean;
}

export interface TicketSummary {
  /** Position on the roll from 1, counting incomplete pieces; used in the ticket URLs. */
  readonly index: number;
  readonly complete: boolean;
  readonly incompleteReason: SimulatedFault | null;
  readonly lengthMm: number;
  readonly text: string;
}

interface Entry {
  readonly emulator: PrinterEmulator;
  readonly pty: PtyPair;
  /** Started here (closed by dispose) or adopted (closed by its creator). */
  readonly owned: boolean;
  paperLowThresholdMm: number;
  processingDelayMs: number;
  /** Cut tickets never change, so their PNG is rendered once. */
  readonly pngs: Map<number, Buffer>;
}

function statusOf(faults: readonly SimulatedFault[], remainingMm: number, thresholdMm: number): PrinterStatus {
  // A switched-off printer answers nothing, so the driver sees 'offline' whatever else is wrong.
  if (faults.includes('offline')) return 'offline';
  if (faults.includes('cover-open')) return 'cover-open';
  if (faults.includes('paper-out')) return 'paper-out';
  if (faults.includes('cutter-error')) return 'error';
  return remainingMm <= thresholdMm ? 'paper-low' : 'ready';
}

export class SimulatedPrinters {
  private readonly entries = new Map<string, Entry>();

  /** Starts socat and the emulator; answers the pty path the station's driver opens. */
  async start(name: string, options: StartPrinterOptions = {}): Promise<Result<string, string>> {
    if (this.entries.has(name)) return err(`a simulated printer named ${name} exists`);
    const pty = await createPtyPair();
    if (!pty.ok) return err(`cannot create pty pair: ${pty.error.detail}`);
    const emulator = await startPrinterEmulator({
      portPath: pty.value.devicePath,
      paperLengthMm: options.paperLengthMm,
      paperLowThresholdMm: options.paperLowThresholdMm,
      processingDelayMs: options.processingDelayMs,
      outputDir: options.outputDir === undefined ? undefined : path.resolve(options.outputDir),
    });
    if (!emulator.ok) {
      await pty.value.close();
      return err(`cannot start printer emulator: ${emulator.error.detail}`);
    }
    // Checked again: another start of the same name may have finished while this one awaited.
    if (this.entries.has(name)) {
      await emulator.value.close();
      await pty.value.close();
      return err(`a simulated printer named ${name} exists`);
    }
    this.entries.set(name, {
      emulator: emulator.value,
      pty: pty.value,
      owned: true,
      paperLowThresholdMm: options.paperLowThresholdMm ?? DEFAULT_PAPER_LOW_THRESHOLD_MM,
      processingDelayMs: options.processingDelayMs ?? 0,
      pngs: new Map(),
    });
    return ok(pty.value.hostPath);
  }

  /** Shows a printer made by createPrinter in the registry; pass the options it was created with. */
  adopt(name: string, simulator: { emulator: PrinterEmulator; pty: PtyPair }, options: StartPrinterOptions = {}): Result<void, string> {
    if (this.entries.has(name)) return err(`a simulated printer named ${name} exists`);
    this.entries.set(name, {
      ...simulator,
      owned: false,
      paperLowThresholdMm: options.paperLowThresholdMm ?? DEFAULT_PAPER_LOW_THRESHOLD_MM,
      processingDelayMs: options.processingDelayMs ?? 0,
      pngs: new Map(),
    });
    return ok(undefined);
  }

  emulator(name: string): PrinterEmulator | undefined {
    return this.entries.get(name)?.emulator;
  }

  execute(command: PrinterCommand): Result<void, string> {
    const entry = this.lookup(command.printer);
    if (!entry.ok) return entry;
    const printer = entry.value;
    const emulator = printer.emulator;
    switch (command.action) {
      case 'printer.fault':
        if (command.afterItems === undefined) emulator.setFault(command.fault);
        else emulator.scheduleFault(command.fault, command.afterItems);
        return ok(undefined);
      case 'printer.clear':
        // Clearing paper-out loads a new roll (the mechanism's rule: there is no other way out).
        for (const fault of command.fault === undefined ? emulator.snapshot().faults : [command.fault]) emulator.clearFault(fault);
        return ok(undefined);
      case 'printer.refill':
        emulator.refillPaper(command.lengthMm);
        return ok(undefined);
      case 'printer.paper-low':
        emulator.setPaperLowThreshold(command.thresholdMm);
        printer.paperLowThresholdMm = command.thresholdMm;
        return ok(undefined);
      case 'printer.slow':
        emulator.setProcessingDelay(command.delayMs);
        printer.processingDelayMs = command.delayMs;
        return ok(undefined);
    }
  }

  snapshot(): PrinterSnapshot[] {
    return [...this.entries].map(([name, entry]) => {
      const s = entry.emulator.snapshot();
      return {
        name,
        ptyPath: entry.pty.hostPath,
        status: statusOf(s.faults, s.remainingPaperMm, entry.paperLowThresholdMm),
        faults: s.faults,
        remainingPaperMm: s.remainingPaperMm,
        paperLowThresholdMm: entry.paperLowThresholdMm,
        processingDelayMs: entry.processingDelayMs,
        tickets: s.tickets,
        completeTickets: s.completeTickets,
        unknownCommands: s.unknownCommands,
        socatAlive: entry.pty.alive(),
      };
    });
  }

  tickets(name: string): Result<TicketSummary[], string> {
    const entry = this.lookup(name);
    if (!entry.ok) return entry;
    return ok(entry.value.emulator.tickets().map((t) => ({
      index: t.index,
      complete: t.complete,
      incompleteReason: t.incompleteReason ?? null,
      lengthMm: t.lengthMm,
      text: t.text,
    })));
  }

  ticketText(name: string, index: number): Result<string, string> {
    const ticket = this.ticket(name, index);
    return ticket.ok ? ok(ticket.value.ticket.text) : ticket;
  }

  ticketPng(name: string, index: number): Result<Buffer, string> {
    const found = this.ticket(name, index);
    if (!found.ok) return found;
    const { entry, ticket } = found.value;
    let png = entry.pngs.get(index);
    if (png === undefined) {
      png = entry.emulator.renderPng(ticket);
      entry.pngs.set(index, png);
    }
    return ok(png);
  }

  /** Stops the emulators and socat started here; adopted printers are left to their creator. */
  async dispose(): Promise<void> {
    const owned = [...this.entries.values()].filter((e) => e.owned);
    this.entries.clear();
    // Both started at once so socat is sent SIGTERM synchronously (a caller that does not await
    // still leaves no orphan); closing the emulator's end after socat died is harmless.
    await Promise.all(owned.flatMap((e) => [e.emulator.close(), e.pty.close()]));
  }

  private lookup(name: string): Result<Entry, string> {
    const entry = this.entries.get(name);
    return entry === undefined ? err(`no simulated printer named ${name}`) : ok(entry);
  }

  private ticket(name: string, index: number): Result<{ entry: Entry; ticket: Ticket }, string> {
    const entry = this.lookup(name);
    if (!entry.ok) return entry;
    const ticket = entry.value.emulator.tickets().find((t) => t.index === index);
    return ticket === undefined ? err(`printer ${name} has no ticket ${index}`) : ok({ entry: entry.value, ticket });
  }
}
