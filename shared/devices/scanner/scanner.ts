/**
 * A document scanner, used to read back printed actas (cotejo). The result is always a PNG.
 */
import type { Result } from '../../result.ts';

export interface ScanImage {
  readonly png: Uint8Array;
  readonly widthPx: number;
  readonly heightPx: number;
  readonly dpi: number;
}

export type ScannerError =
  | { kind: 'no-paper' }
  | { kind: 'jam' }
  | { kind: 'offline'; detail: string };

export interface Scanner {
  scan(): Promise<Result<ScanImage, ScannerError>>;
}

export function describeScannerError(e: ScannerError): string {
  switch (e.kind) {
    case 'no-paper': return 'no paper in the scanner';
    case 'jam': return 'paper jam in the scanner';
    case 'offline': return `scanner offline: ${e.detail}`;
  }
}
