/**
 * Renderings of a simulated ticket:
 * - text: one line per printed line, aligned within the line's columns (48 for normal width,
 *   24 for double width), blank lines for feeds; raster images that decode as a QR code show
 *   as `[QR: content]` (decoded from the pixels with jsqr, not from any side channel), other
 *   images as `[imagen WxH]`. Trailing blank paper is dropped. This matches
 *   `documentToPlainText` of the document that was printed.
 * - PNG: 576 px wide (80 mm at 203 dpi), one pixel per printer dot. Raster images are copied
 *   dot for dot so a QR code in the PNG scans exactly as the paper would. Text uses glyphs
 *   rasterised once from DejaVu Sans Mono (font-glyphs.ts) into the 12x24 font A cell.
 */
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import type { TicketItem } from './printer-mechanism.ts';
import { glyphBitmap, GLYPH_HEIGHT, GLYPH_WIDTH } from './font-glyphs.ts';

// jsqr is CommonJS; under NodeNext its default import is the module object.
const jsQR = jsQRModule.default;

export const TICKET_WIDTH_DOTS = 576;
const COLUMNS = TICKET_WIDTH_DOTS / GLYPH_WIDTH;

function alignedText(content: string, width: number, align: 'left' | 'center' | 'right'): string {
  const free = Math.max(0, width - content.length);
  const left = align === 'left' ? 0 : align === 'right' ? free : Math.floor(free / 2);
  return (' '.repeat(left) + content).replace(/\s+$/u, '');
}

type ImageItem = Extract<TicketItem, { kind: 'image' }>;

function imageDot(item: ImageItem, x: number, y: number): boolean {
  const byte = item.data[Math.floor(y / item.scaleY) * item.widthBytes + (Math.floor(x / item.scaleX) >> 3)] ?? 0;
  return (byte & (0x80 >> (Math.floor(x / item.scaleX) & 7))) !== 0;
}

function imageWidthDots(item: ImageItem): number {
  return item.widthBytes * 8 * item.scaleX;
}

/** Tries to read a QR code from a raster image (with a white margin around it). */
export function decodeQrFromImage(item: ImageItem): string | undefined {
  const margin = 16;
  const width = imageWidthDots(item) + 2 * margin;
  const height = item.heightDots + 2 * margin;
  const rgba = new Uint8ClampedArray(width * height * 4).fill(255);
  for (let y = 0; y < item.heightDots; y++) {
    for (let x = 0; x < imageWidthDots(item); x++) {
      if (!imageDot(item, x, y)) continue;
      const offset = ((y + margin) * width + x + margin) * 4;
      rgba[offset] = 0;
      rgba[offset + 1] = 0;
      rgba[offset + 2] = 0;
    }
  }
  return jsQR(rgba, width, height)?.data ?? undefined;
}

export function ticketToText(items: readonly TicketItem[]): string {
  const out: string[] = [];
  for (const item of items) {
    switch (item.kind) {
      case 'text': {
        const content = item.segments.map((segment) => segment.text).join('');
        const widest = Math.max(...item.segments.map((segment) => segment.widthMul));
        out.push(alignedText(content, Math.floor(COLUMNS / widest), item.align));
        break;
      }
      case 'blank':
        out.push('');
        break;
      case 'image': {
        const decoded = decodeQrFromImage(item);
        out.push(decoded === undefined ? `[imagen ${imageWidthDots(item)}x${item.heightDots}]` : `[QR: ${decoded}]`);
        break;
      }
    }
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out.join('\n');
}

function horizontalOffset(contentWidth: number, align: 'left' | 'center' | 'right'): number {
  const free = Math.max(0, TICKET_WIDTH_DOTS - contentWidth);
  return align === 'left' ? 0 : align === 'right' ? free : Math.floor(free / 2);
}

/** A 1-bit canvas of printer dots. */
class DotCanvas {
  readonly dots: Uint8Array;
  constructor(readonly width: number, readonly height: number) {
    this.dots = new Uint8Array(width * height);
  }
  set(x: number, y: number): void {
    if (x >= 0 && y >= 0 && x < this.width && y < this.height) this.dots[y * this.width + x] = 1;
  }
}

function drawText(canvas: DotCanvas, item: Extract<TicketItem, { kind: 'text' }>, top: number): void {
  const lineWidth = item.segments.reduce((sum, s) => sum + s.text.length * GLYPH_WIDTH * s.widthMul, 0);
  let x = horizontalOffset(lineWidth, item.align);
  for (const segment of item.segments) {
    const cellWidth = GLYPH_WIDTH * segment.widthMul;
    const cellHeight = GLYPH_HEIGHT * segment.heightMul;
    for (const char of segment.text) {
      const glyph = glyphBitmap(char);
      for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
        for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
          if (!glyph[gy * GLYPH_WIDTH + gx]) continue;
          for (let sy = 0; sy < segment.heightMul; sy++) {
            for (let sx = 0; sx < segment.widthMul; sx++) {
              const px = x + gx * segment.widthMul + sx;
              const py = top + gy * segment.heightMul + sy;
              canvas.set(px, py);
              if (segment.bold) canvas.set(px + 1, py); // emphasis: double-struck one dot right
            }
          }
        }
      }
      for (let u = 0; u < segment.underline; u++) {
        for (let ux = 0; ux < cellWidth; ux++) canvas.set(x + ux, top + cellHeight - 1 - u);
      }
      x += cellWidth;
    }
  }
}

function drawImage(canvas: DotCanvas, item: ImageItem, top: number): void {
  const width = imageWidthDots(item);
  const left = horizontalOffset(width, item.align);
  for (let y = 0; y < item.heightDots; y++) {
    for (let x = 0; x < width; x++) if (imageDot(item, x, y)) canvas.set(left + x, top + y);
  }
}

/** The ticket as a PNG (black dots on white), 576 px wide and as tall as the paper used. */
export function renderTicketPng(items: readonly TicketItem[]): Buffer {
  const height = Math.max(1, items.reduce((sum, item) => sum + item.heightDots, 0));
  const canvas = new DotCanvas(TICKET_WIDTH_DOTS, height);
  let top = 0;
  for (const item of items) {
    if (item.kind === 'text') drawText(canvas, item, top);
    else if (item.kind === 'image') drawImage(canvas, item, top);
    top += item.heightDots;
  }
  const png = new PNG({ width: canvas.width, height: canvas.height });
  for (let i = 0; i < canvas.dots.length; i++) {
    const value = canvas.dots[i] ? 0 : 255;
    png.data[i * 4] = value;
    png.data[i * 4 + 1] = value;
    png.data[i * 4 + 2] = value;
    png.data[i * 4 + 3] = 255;
  }
  return PNG.sync.write(png);
}
