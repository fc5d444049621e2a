/**
 * Renders plain text as a scanned page (PNG), for placing a document on the simulated glass
 * before a renderer of printed actas exists. DejaVu Sans Mono from Debian's fonts-dejavu-core.
 */
import * as PImage from 'pureimage';
import { PNG } from 'pngjs';

export const DEFAULT_FONT_PATH = '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf';
const FAMILY = 'vep-scan-mono';
let fontLoaded: Promise<void> | undefined;

function loadFont(fontPath: string): Promise<void> {
  fontLoaded ??= PImage.registerFont(fontPath, FAMILY).load();
  return fontLoaded;
}

export interface TextPageOptions {
  readonly dpi: number;
  /** Page size in inches; A4 by default. */
  readonly widthIn?: number;
  readonly heightIn?: number;
  readonly fontPath?: string;
  readonly fontPt?: number;
}

export async function renderTextPage(text: string, options: TextPageOptions): Promise<Uint8Array> {
  const { dpi, widthIn = 8.27, heightIn = 11.69, fontPath = DEFAULT_FONT_PATH, fontPt = 11 } = options;
  await loadFont(fontPath);
  const width = Math.round(widthIn * dpi);
  const height = Math.round(heightIn * dpi);
  const page = PImage.make(width, height);
  const ctx = page.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = '#000000';
  const sizePx = Math.round((fontPt / 72) * dpi);
  ctx.font = `${sizePx}px ${FAMILY}`;
  const margin = Math.round(dpi * 0.5);
  text.split('\n').forEach((line, i) => {
    const y = margin + (i + 1) * Math.round(sizePx * 1.3);
    if (y < height - margin) ctx.fillText(line, margin, y);
  });
  const png = new PNG({ width, height });
  Buffer.from(page.data.buffer, page.data.byteOffset, page.data.byteLength).copy(png.data);
  return new Uint8Array(PNG.sync.write(png));
}
