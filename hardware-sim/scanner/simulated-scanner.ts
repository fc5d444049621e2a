/**
 * Simulated scanner: a document is "placed on the glass" (a PNG, or text rendered to one) and
 * scan() returns it. Faults: jam (next scan), offline (until back online), and no paper when the
 * glass is empty. In feeder mode each scan consumes a sheet.
 */
import { err, ok, type Result } from '../../shared/result.ts';
import { readPngSize } from '../../shared/devices/scanner/png-info.ts';
import type { ScanImage, Scanner, ScannerError } from '../../shared/devices/scanner/scanner.ts';
import { renderTextPage } from './text-page.ts';

export type ScannerFault = { type: 'jam' } | { type: 'offline' } | { type: 'online' };

export interface SimulatedScannerOptions {
  readonly dpi?: number;
  readonly feeder?: boolean;
}

export class SimulatedScanner implements Scanner {
  readonly dpi: number;
  readonly feeder: boolean;
  private sheets: ScanImage[] = [];
  private jamNext = false;
  private offline = false;

  constructor(options: SimulatedScannerOptions = {}) {
    this.dpi = options.dpi ?? 150;
    this.feeder = options.feeder ?? false;
  }

  get state(): { sheets: number; offline: boolean; jamNext: boolean; feeder: boolean; dpi: number } {
    return { sheets: this.sheets.length, offline: this.offline, jamNext: this.jamNext, feeder: this.feeder, dpi: this.dpi };
  }

  /** Places a PNG (on the glass, or at the end of the feeder). */
  placePng(png: Uint8Array, dpi: number = this.dpi): Result<void, string> {
    const size = readPngSize(png);
    if (!size.ok) return size;
    const sheet: ScanImage = { png: Uint8Array.from(png), ...size.value, dpi };
    if (this.feeder) this.sheets.push(sheet);
    else this.sheets = [sheet];
    return ok(undefined);
  }

  async placeText(text: string): Promise<void> {
    const placed = this.placePng(await renderTextPage(text, { dpi: this.dpi }));
    if (!placed.ok) throw new Error(`rendered page is not a PNG: ${placed.error}`);
  }

  removePaper(): void {
    this.sheets = [];
  }

  injectFault(fault: ScannerFault): void {
    if (fault.type === 'jam') this.jamNext = true;
    else this.offline = fault.type === 'offline';
  }

  clearFaults(): void {
    this.jamNext = false;
    this.offline = false;
  }

  scan(): Promise<Result<ScanImage, ScannerError>> {
    if (this.offline) return Promise.resolve(err({ kind: 'offline', detail: 'simulated scanner offline' }));
    const sheet = this.sheets[0];
    if (sheet === undefined) return Promise.resolve(err({ kind: 'no-paper' }));
    if (this.jamNext) {
      this.jamNext = false;
      return Promise.resolve(err({ kind: 'jam' }));
    }
    if (this.feeder) this.sheets.shift();
    return Promise.resolve(ok({ ...sheet, png: Uint8Array.from(sheet.png) }));
  }
}
