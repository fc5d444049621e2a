/**
 * The simulated printer on the device end of a pty pair. It opens its end with serialport 13
 * (the same library the driver uses, so both ends see a real tty), feeds every byte to the
 * PrinterMechanism and writes the status replies back.
 *
 * Controls (for tests and the tester panel): setFault / clearFault / refillPaper /
 * scheduleFault / setProcessingDelay. Observations: tickets(), completeTickets(),
 * unknownCommands(), and the 'ticket', 'fault', 'unknown' events. With `outputDir`, every cut
 * piece is also written as ticket-NNNN.txt and ticket-NNNN.png (suffix -incomplete for the
 * fragments of interrupted jobs).
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { SerialPort } from 'serialport';
import { err, ok, type Result } from '../../shared/result.ts';
import { PrinterMechanism, type MechanismOptions, type SimulatedFault, type Ticket, type UnknownCommand } from './printer-mechanism.ts';
import { renderTicketPng } from './ticket-render.ts';

export type PrinterEmulatorOptions = MechanismOptions & {
  portPath: string;
  outputDir?: string;
};

export type EmulatorError = { kind: 'cannot-open'; detail: string };

export type EmulatorSnapshot = {
  faults: SimulatedFault[];
  remainingPaperMm: number;
  tickets: number;
  completeTickets: number;
  unknownCommands: number;
};

export class PrinterEmulator extends EventEmitter {
  private closed = false;
  lastPortError: Error | undefined;

  constructor(
    private readonly port: SerialPort,
    private readonly mechanism: PrinterMechanism,
    private readonly outputDir: string | undefined,
  ) {
    super();
    mechanism.on('ticket', (ticket: Ticket) => {
      this.writeOutput(ticket);
      this.emit('ticket', ticket);
    });
    mechanism.on('fault', (change: { fault: SimulatedFault; active: boolean }) => this.emit('fault', change));
    mechanism.on('unknown', (entry: UnknownCommand) => this.emit('unknown', entry));
  }

  setFault(fault: SimulatedFault): void {
    this.mechanism.setFault(fault);
  }
  clearFault(fault: SimulatedFault): void {
    this.mechanism.clearFault(fault);
  }
  refillPaper(lengthMm?: number): void {
    this.mechanism.refillPaper(lengthMm);
  }
  /** The fault arises after `afterItems` more printed lines/blank lines/images. */
  scheduleFault(fault: SimulatedFault, afterItems: number): void {
    this.mechanism.scheduleFault(fault, afterItems);
  }
  /** Delay applied to each received chunk before the mechanism processes it. */
  setProcessingDelay(ms: number): void {
    this.mechanism.setProcessingDelay(ms);
  }
  setPaperLowThreshold(mm: number): void {
    this.mechanism.setPaperLowThreshold(mm);
  }

  tickets(): readonly Ticket[] {
    return this.mechanism.tickets();
  }
  completeTickets(): Ticket[] {
    return this.mechanism.completeTickets();
  }
  unknownCommands(): { recorded: readonly UnknownCommand[]; total: number } {
    return this.mechanism.unknownCommands();
  }
  renderPng(ticket: Ticket): Buffer {
    return renderTicketPng(ticket.items);
  }
  snapshot(): EmulatorSnapshot {
    return {
      faults: this.mechanism.activeFaults(),
      remainingPaperMm: this.mechanism.remainingPaperMm(),
      tickets: this.mechanism.tickets().length,
      completeTickets: this.mechanism.completeTickets().length,
      unknownCommands: this.mechanism.unknownCommands().total,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.mechanism.dispose();
    if (!this.port.isOpen) return;
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }

  private writeOutput(ticket: Ticket): void {
    if (this.outputDir === undefined) return;
    const base = path.join(this.outputDir, `ticket-${String(ticket.index).padStart(4, '0')}${ticket.complete ? '' : '-incomplete'}`);
    fs.writeFileSync(`${base}.txt`, `${ticket.text}\n`);
    fs.writeFileSync(`${base}.png`, renderTicketPng(ticket.items));
  }
}

export async function startPrinterEmulator(options: PrinterEmulatorOptions): Promise<Result<PrinterEmulator, EmulatorError>> {
  if (options.outputDir !== undefined) fs.mkdirSync(options.outputDir, { recursive: true });
  const port = new SerialPort({ path: options.portPath, baudRate: 115_200, autoOpen: false });
  const holder: { emulator?: PrinterEmulator } = {};
  port.on('error', (error: Error) => {
    if (holder.emulator) holder.emulator.lastPortError = error;
  });
  const opened = await new Promise<Error | null>((resolve) => port.open((error) => resolve(error ?? null)));
  if (opened) return err({ kind: 'cannot-open', detail: opened.message });
  const mechanism = new PrinterMechanism((bytes) => {
    if (port.isOpen) port.write(Buffer.from(bytes));
  }, options);
  const emulator = new PrinterEmulator(port, mechanism, options.outputDir);
  holder.emulator = emulator;
  port.on('data', (chunk: Buffer) => mechanism.receive(chunk));
  return ok(emulator);
}
