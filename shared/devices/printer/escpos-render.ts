/**
 * Renders a PrintDocument into ESC/POS commands on an @node-escpos `Printer` (init, code page,
 * alignment, emphasis, underline, character size, text, feed, cut all come from the library).
 *
 * Two parts write bytes directly, on purpose:
 * - QR codes: the library's `qrcode()` emits `GS Z` (not understood by Epson-compatible
 *   printers) and `qrimage()` goes through `qr-image` + PNG decoding + an RGBA ndarray. We
 *   already have the module matrix from the `qrcode` package, so we pack it straight into a
 *   `GS v 0` raster image: exact, portable, and with the 4-module quiet zone scanners need.
 * - Bold and underline: the library's `style()` also emits `ESC 4` (italic), which is not an
 *   Epson command; we write its `TXT_BOLD_*` / `TXT_UNDERL_*` constants instead.
 */
import { Printer, command } from '@node-escpos/core';
import { Adapter } from '@node-escpos/adapter';
import QRCode from 'qrcode';
import {
  FONT_A_CELL_WIDTH_DOTS,
  layoutDocument,
  type PrintDocument,
  type TextAlign,
  type TextStyle,
  textHeightMultiplier,
  textWidthMultiplier,
} from '../../documents/print-document.ts';
import { toCp850Printable } from './cp850.ts';

/** ESC t 2 selects PC850 (Multilingual) on Epson and compatible printers. */
export const CODE_PAGE_PC850 = command.CHARACTER_CODE_TABLE.TM_T20.PC850;
/** iconv-lite name the library uses to encode text for that code page. */
export const ENCODING_PC850 = 'cp850';
/** Lines fed before the cut so the last printed line clears the cutter (~15 mm). */
export const CUT_FEED_LINES = 4;
/** Quiet zone around a QR code, in modules (ISO/IEC 18004 asks for 4). */
export const QR_QUIET_ZONE_MODULES = 4;
/** Printed on the fragment of an interrupted job before it is cut off. */
export const INTERRUPTED_JOB_NOTICE = '*** IMPRESIÓN INTERRUMPIDA - DESCARTAR ***';

export function createEscposPrinter(adapter: Adapter<[]>, columns: number): Printer<[]> {
  return new Printer(adapter, { encoding: ENCODING_PC850, width: columns });
}

type EmittedStyle = { align: TextAlign; bold: boolean; underline: boolean; width: number; height: number };

const ALIGN_CODES = { left: 'lt', center: 'ct', right: 'rt' } as const;

function beginJob(escpos: Printer<[]>): EmittedStyle {
  escpos.hardware('init').setCharacterCodeTable(CODE_PAGE_PC850);
  return { align: 'left', bold: false, underline: false, width: 1, height: 1 };
}

function applyStyle(escpos: Printer<[]>, current: EmittedStyle, style: TextStyle): EmittedStyle {
  const width = textWidthMultiplier(style.size);
  const height = textHeightMultiplier(style.size);
  if (current.align !== style.align) escpos.align(ALIGN_CODES[style.align]);
  if (current.bold !== style.bold) escpos.print(style.bold ? command.TEXT_FORMAT.TXT_BOLD_ON : command.TEXT_FORMAT.TXT_BOLD_OFF);
  if (current.underline !== style.underline) {
    escpos.print(style.underline ? command.TEXT_FORMAT.TXT_UNDERL_ON : command.TEXT_FORMAT.TXT_UNDERL_OFF);
  }
  if (current.width !== width || current.height !== height) escpos.size(width, height);
  return { align: style.align, bold: style.bold, underline: style.underline, width, height };
}

/**
 * Appends one whole ticket (init ... cut) to the printer's buffer. Throws only if the
 * document is unprintable by construction (a QR payload beyond QR capacity): a caller bug.
 */
export function appendDocument(escpos: Printer<[]>, doc: PrintDocument): void {
  let style = beginJob(escpos);
  const plain: TextStyle = { align: 'left', bold: false, size: 'normal', underline: false };
  for (const item of layoutDocument(doc)) {
    switch (item.kind) {
      case 'line':
        style = applyStyle(escpos, style, item.style);
        escpos.text(toCp850Printable(item.text), ENCODING_PC850);
        break;
      case 'qr':
        style = applyStyle(escpos, style, { ...plain, align: item.align });
        escpos.raw(qrRasterCommand(item.data, item.moduleDots, doc.columns * FONT_A_CELL_WIDTH_DOTS));
        break;
      case 'feed':
        style = applyStyle(escpos, style, { ...plain, align: style.align });
        escpos.feed(item.lines);
        break;
      case 'cut':
        style = applyStyle(escpos, style, plain);
        escpos.cut(false, CUT_FEED_LINES);
        break;
    }
  }
}

/** Prints a void notice on whatever fragment an interrupted job left, and cuts it off. */
export function appendInterruptedJobNotice(escpos: Printer<[]>): void {
  let style = beginJob(escpos);
  style = applyStyle(escpos, style, { align: 'center', bold: true, size: 'normal', underline: false });
  escpos.text(toCp850Printable(INTERRUPTED_JOB_NOTICE), ENCODING_PC850);
  applyStyle(escpos, style, { align: 'left', bold: false, size: 'normal', underline: false });
  escpos.cut(false, CUT_FEED_LINES);
}

/** Module matrix of a QR code (level M), true = dark, including the quiet zone. */
export function qrModules(data: string): { size: number; dark: (row: number, col: number) => boolean } {
  const symbol = QRCode.create(data, { errorCorrectionLevel: 'M' });
  const inner = symbol.modules.size;
  const size = inner + 2 * QR_QUIET_ZONE_MODULES;
  return {
    size,
    dark: (row, col) => {
      const r = row - QR_QUIET_ZONE_MODULES;
      const c = col - QR_QUIET_ZONE_MODULES;
      return r >= 0 && c >= 0 && r < inner && c < inner && Boolean(symbol.modules.get(r, c));
    },
  };
}

/**
 * `GS v 0 m xL xH yL yH d1...dk`: a 1-bit raster image, rows of ceil(width/8) bytes, MSB is
 * the leftmost dot. The module size shrinks, if needed, so the symbol fits `maxWidthDots`.
 */
export function qrRasterCommand(data: string, moduleDots: number, maxWidthDots: number): Buffer {
  const modules = qrModules(data);
  const scale = Math.max(1, Math.min(moduleDots, Math.floor(maxWidthDots / modules.size)));
  const widthDots = modules.size * scale;
  const widthBytes = Math.ceil(widthDots / 8);
  const heightDots = widthDots;
  const header = Buffer.from([
    0x1d, 0x76, 0x30, 0x00,
    widthBytes & 0xff, widthBytes >> 8,
    heightDots & 0xff, heightDots >> 8,
  ]);
  const body = Buffer.alloc(widthBytes * heightDots);
  for (let y = 0; y < heightDots; y++) {
    const row = Math.floor(y / scale);
    for (let x = 0; x < widthDots; x++) {
      if (modules.dark(row, Math.floor(x / scale))) {
        const index = y * widthBytes + (x >> 3);
        body[index] = (body[index] ?? 0) | (0x80 >> (x & 7));
      }
    }
  }
  return Buffer.concat([header, body]);
}

/** An adapter that only collects bytes: renders documents without any device (tests, previews). */
export class CollectingAdapter extends Adapter<[]> {
  readonly chunks: Buffer[] = [];
  open(callback?: (error: Error | null) => void): this {
    callback?.(null);
    return this;
  }
  write(data: Buffer | string, callback?: (error: Error | null) => void): this {
    this.chunks.push(Buffer.isBuffer(data) ? data : Buffer.from(data, 'latin1'));
    callback?.(null);
    return this;
  }
  close(callback?: (error: Error | null) => void): this {
    callback?.(null);
    return this;
  }
  read(): void {}
}

/** The exact bytes the driver sends for `doc` (without the status requests around it). */
export async function renderDocumentBytes(doc: PrintDocument): Promise<Buffer> {
  const adapter = new CollectingAdapter();
  const escpos = createEscposPrinter(adapter, doc.columns);
  appendDocument(escpos, doc);
  await escpos.flush();
  return Buffer.concat(adapter.chunks);
}
