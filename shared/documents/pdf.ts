/**
 * PDF rendering of printed documents (the acta de escrutinio and cartel for the ODPE / JEE /
 * observers, any report for archiving), with pdfkit.
 *
 * The PDF reproduces the ticket: the same laid-out lines as the printer and
 * `documentToPlainText` (layoutDocument), in DejaVu Sans Mono (Debian fonts-dejavu-core, full
 * Spanish coverage, unlike the printer's code page), a 48-column block centred on A4 pages.
 * 'double-height' text is drawn twice as tall at the normal width (horizontal scaling 50 %),
 * 'double' twice as tall and wide, as on paper. QR blocks are the `qrcode` package's module
 * matrix (level M, 4-module quiet zone) drawn as vector shapes, large enough to scan from a
 * screen or a print-out. Each document starts on a new page (a cut is a page break).
 */
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import type { ElectionDefinition } from '../election/definition.ts';
import type { ActaData } from '../results/mesa-result.ts';
import { actaCopyLabels, actaDeEscrutinio } from './acta-escrutinio.ts';
import { cartelDeResultados } from './cartel.ts';
import type { PrintDocument, TextSize } from './print-document.ts';
import { alignInColumns, layoutDocument, textHeightMultiplier, textWidthMultiplier } from './print-document.ts';

export const PDF_FONT_REGULAR = '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf';
export const PDF_FONT_BOLD = '/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf';

const PAGE = { width: 595.28, height: 841.89 }; // A4 in points
const MARGIN = 42;
const FONT_SIZE = 10.5;
/** DejaVu Sans Mono advances 0.602 em per character. */
const CHAR_WIDTH = FONT_SIZE * 0.602;
const LINE_HEIGHT = FONT_SIZE * 1.3;
/** Points per QR module: a version-20 symbol with its quiet zone is ~315 pt (111 mm), capped at the text block width. */
const QR_MODULE_POINTS = 3;
const QR_GAP = 6;
/** ISO/IEC 18004 quiet zone, in modules. */
const QR_QUIET_MODULES = 4;

function withoutControls(content: string): string {
  return content.replace(/\p{Cc}/gu, '?');
}

interface Cursor {
  y: number;
  first: boolean;
}

function ensureRoom(pdf: PDFKit.PDFDocument, cursor: Cursor, height: number): void {
  if (cursor.y + height > PAGE.height - MARGIN) {
    pdf.addPage();
    cursor.y = MARGIN;
  }
}

function drawLine(pdf: PDFKit.PDFDocument, cursor: Cursor, left: number, columns: number, item: { text: string; style: { align: 'left' | 'center' | 'right'; bold: boolean; size: TextSize; underline: boolean } }): void {
  const wide = textWidthMultiplier(item.style.size);
  const tall = textHeightMultiplier(item.style.size);
  const height = LINE_HEIGHT * tall;
  ensureRoom(pdf, cursor, height);
  const content = alignInColumns(withoutControls(item.text), Math.floor(columns / wide), item.style.align);
  if (content.length > 0) {
    const options = {
      lineBreak: false,
      underline: item.style.underline,
      // pdfkit supports horizontal scaling (Tz) though its type declarations omit it.
      horizontalScaling: (100 * wide) / tall,
    } as PDFKit.Mixins.TextOptions;
    pdf
      .font(item.style.bold ? 'bold' : 'regular')
      .fontSize(FONT_SIZE * tall)
      .text(content, left, cursor.y + (height - FONT_SIZE * tall) / 2, options);
  }
  cursor.y += height;
}

function qrSize(data: string, blockWidth: number): number {
  const modules = QRCode.create(data, { errorCorrectionLevel: 'M' }).modules.size + 2 * QR_QUIET_MODULES;
  return Math.min(blockWidth, modules * QR_MODULE_POINTS);
}

/**
 * Draws the symbol as filled vector rectangles (one per horizontal run of dark modules) from
 * the `qrcode` module matrix: crisp at any zoom or rasterisation resolution, where an embedded
 * bitmap gets resampled and blurred (jsqr failed on such renderings at some resolutions).
 */
function drawQr(pdf: PDFKit.PDFDocument, cursor: Cursor, left: number, blockWidth: number, data: string, align: 'left' | 'center' | 'right'): void {
  const symbol = QRCode.create(data, { errorCorrectionLevel: 'M' });
  const inner = symbol.modules.size;
  const size = qrSize(data, blockWidth);
  const module = size / (inner + 2 * QR_QUIET_MODULES);
  ensureRoom(pdf, cursor, size + QR_GAP);
  const x0 = (align === 'left' ? left : align === 'right' ? left + blockWidth - size : left + (blockWidth - size) / 2) + QR_QUIET_MODULES * module;
  const y0 = cursor.y + QR_QUIET_MODULES * module;
  pdf.save();
  for (let row = 0; row < inner; row++) {
    let col = 0;
    while (col < inner) {
      if (!symbol.modules.get(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < inner && symbol.modules.get(row, col)) col++;
      pdf.rect(x0 + start * module, y0 + row * module, (col - start) * module, module);
    }
  }
  pdf.fill('black');
  pdf.restore();
  cursor.y += size + QR_GAP;
}

function drawDocument(pdf: PDFKit.PDFDocument, cursor: Cursor, doc: PrintDocument): void {
  if (!cursor.first) {
    pdf.addPage();
    cursor.y = MARGIN;
  }
  cursor.first = false;
  const blockWidth = doc.columns * CHAR_WIDTH;
  if (blockWidth > PAGE.width - 2 * MARGIN) throw new RangeError(`a ${doc.columns}-column document does not fit an A4 page`);
  const left = (PAGE.width - blockWidth) / 2;
  const items = layoutDocument(doc);
  for (const [index, item] of items.entries()) {
    switch (item.kind) {
      case 'line': {
        // A caption line stays on the page of the QR code that follows it.
        const next = items[index + 1];
        if (next?.kind === 'qr') ensureRoom(pdf, cursor, LINE_HEIGHT * textHeightMultiplier(item.style.size) + qrSize(next.data, blockWidth));
        drawLine(pdf, cursor, left, doc.columns, item);
        break;
      }
        break;
      case 'qr':
        drawQr(pdf, cursor, left, blockWidth, item.data, item.align);
        break;
      case 'feed':
        cursor.y += LINE_HEIGHT * item.lines;
        break;
      case 'cut':
        break;
    }
  }
}

export interface PdfOptions {
  readonly title?: string;
  /** Fixed creation date, so the same documents give the same PDF bytes. */
  readonly creationDate?: Date;
}

/** Renders one or more documents (each from a new page) into one PDF. */
export async function documentToPdf(docs: PrintDocument | readonly PrintDocument[], options: PdfOptions = {}): Promise<Uint8Array> {
  const list: readonly PrintDocument[] = Array.isArray(docs) ? (docs as readonly PrintDocument[]) : [docs as PrintDocument];
  const pdf = new PDFDocument({
    size: [PAGE.width, PAGE.height],
    margin: MARGIN,
    autoFirstPage: true,
    info: { Title: options.title ?? 'VEP', Producer: 'VEP', Creator: 'VEP', CreationDate: options.creationDate ?? new Date(0) },
  });
  pdf.registerFont('regular', PDF_FONT_REGULAR);
  pdf.registerFont('bold', PDF_FONT_BOLD);
  const chunks: Buffer[] = [];
  const done = new Promise<Uint8Array>((resolve, reject) => {
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
    pdf.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    pdf.on('error', reject);
  });
  const cursor: Cursor = { y: MARGIN, first: true };
  for (const doc of list) drawDocument(pdf, cursor, doc);
  pdf.end();
  return await done;
}

export interface ActaPdfInput {
  readonly definition: ElectionDefinition;
  readonly acta: ActaData;
  readonly actaBytes: Uint8Array;
  readonly printedAt: Date;
  readonly timeZone: string;
  readonly reprint?: boolean;
}

/** Every acta copy of the package (actaCopies, in order) followed by the cartel, as one PDF. */
export async function actaToPdf(input: ActaPdfInput): Promise<Uint8Array> {
  const { definition, acta, actaBytes, printedAt, timeZone } = input;
  const reprint = input.reprint === true;
  const docs = [
    ...actaCopyLabels(definition).map((copy) => actaDeEscrutinio({ definition, acta, actaBytes, copy, reprint, printedAt, timeZone })),
    cartelDeResultados({ definition, acta, printedAt, timeZone, reprint }),
  ];
  return documentToPdf(docs, { title: `Acta de escrutinio, mesa ${definition.mesa.number}`, creationDate: printedAt });
}
