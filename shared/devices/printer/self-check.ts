/**
 * The printer check every station runs at boot. A single unanswered status request is not
 * proof that no printer is there: a printer waking from power save, or a station whose event
 * loop stalled while Chromium started beside it, can miss one DLE EOT. Declaring the station
 * out of service for that would send the mesa to call a technician for nothing, so a silent
 * printer is asked again (the driver itself waits out stragglers between attempts) before it
 * counts as absent. A printer that answers with a status is believed at once.
 */
import type { Result } from '../../result.ts';
import type { PrinterError, PrinterStatus, ThermalPrinter } from './printer.ts';

/** How many status requests a silent printer gets at boot before it counts as absent. */
export const SELF_CHECK_STATUS_ATTEMPTS = 3;

export async function printerStatusAtSelfCheck(printer: Pick<ThermalPrinter, 'status'>): Promise<Result<PrinterStatus, PrinterError>> {
  let status = await printer.status();
  for (let attempt = 1; attempt < SELF_CHECK_STATUS_ATTEMPTS; attempt++) {
    const silent = status.ok ? status.value === 'offline' : status.error.kind === 'timeout' || status.error.kind === 'offline';
    if (!silent) break;
    status = await printer.status();
  }
  return status;
}

/** Whether the boot check found a printer that can be used (paper out etc. is handled later). */
export function printerPresent(status: Result<PrinterStatus, PrinterError>): boolean {
  return status.ok && status.value !== 'offline' && status.value !== 'error';
}
