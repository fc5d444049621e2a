/**
 * The thermal printer as the stations see it.
 *
 * Exactly-once contract (what `print` guarantees):
 * - A job is never retried silently by the driver. `print` resolves `ok` only after the
 *   printer has confirmed it processed the whole job including the final cut; any other
 *   outcome is an `err` and the caller decides. Callers (cabins, stations) keep a durable
 *   "pending print" record written before `print` and cleared after `ok`, and retry the WHOLE
 *   document after the fault is cleared.
 * - Before sending, the driver reads the real-time status; a printer that is not printable
 *   (paper out, cover open, offline, error) refuses the job with the typed error and NOTHING is
 *   sent, so a refused job never leaves anything on the roll.
 * - A fault arising during the job (paper runs out, cover opened, power lost) is reported with
 *   the typed error. What is on the roll then is a partial, uncut ticket. The next job the
 *   driver sends first prints a void notice on that fragment and cuts it off, so the partial
 *   is a separate, visibly voided piece and the retried job is one complete ticket.
 * - `timeout` means the outcome is UNKNOWN (the printer stayed ready but never confirmed the
 *   job). The caller must not reprint blindly: it asks the poll worker whether the ticket came
 *   out. This is the residual risk of any printer without a job journal.
 * - Residual risk: a fault arising after the cut but before the printer processed the
 *   confirmation request (paper end detected right after a complete ticket) reports a failure
 *   for a ticket that is complete; the retry then yields a second, identical ticket. The
 *   driver narrows the window (it waits briefly for a confirmation already in flight) but
 *   cannot close it: the printer keeps no journal of jobs.
 * - Residual risk on real hardware: bytes still inside the printer's receive buffer when a
 *   fault arose may be printed after the fault is cleared (Epson resumes), producing a tail
 *   fragment before the void notice. Such a tail never carries the document's beginning, so
 *   it cannot be mistaken for a complete ticket.
 */
import type { Result } from '../../result.ts';
import type { PrintDocument } from '../../documents/print-document.ts';

export type PrinterStatus = 'ready' | 'paper-low' | 'paper-out' | 'cover-open' | 'offline' | 'error';

export type PrinterError =
  | { kind: 'paper-out' }
  | { kind: 'cover-open' }
  | { kind: 'offline' }
  | { kind: 'device-removed' }
  | { kind: 'timeout' }
  | { kind: 'error'; detail: string };

export type PrintJob = { id: string; document: PrintDocument };

export interface ThermalPrinter {
  /** Real-time status; `err` only when the device cannot be reached at all (removed port). */
  status(): Promise<Result<PrinterStatus, PrinterError>>;
  /** Prints the document and cuts. See the exactly-once contract above. */
  print(job: PrintJob): Promise<Result<{ printed: true }, PrinterError>>;
  close(): Promise<void>;
}

/** Whether a job may be sent in this status ('paper-low' still prints). */
export function isPrintable(status: PrinterStatus): boolean {
  return status === 'ready' || status === 'paper-low';
}

export function describePrinterError(error: PrinterError): string {
  switch (error.kind) {
    case 'paper-out':
      return 'printer is out of paper';
    case 'cover-open':
      return 'printer cover is open';
    case 'offline':
      return 'printer is offline or does not answer';
    case 'device-removed':
      return 'printer device is not connected';
    case 'timeout':
      return 'printer did not confirm the job in time (outcome unknown)';
    case 'error':
      return `printer error: ${error.detail}`;
  }
}
