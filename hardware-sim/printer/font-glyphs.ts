/**
 * 1-bit glyphs for the simulated printer's font A cell (12 x 24 dots), rasterised once per
 * character from DejaVu Sans Mono with pureimage and thresholded, so the PNG of a ticket looks
 * like thermal print (no grey levels). The font is a Debian package (fonts-dejavu-core).
 */
import * as PImage from 'pureimage';

export const GLYPH_WIDTH = 12;
export const GLYPH_HEIGHT = 24;
export const GLYPH_FONT_PATH = '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf';
const FAMILY = 'VepPrinterMono';
/** 20 px DejaVu Sans Mono advances 12 px: exactly one font A cell. */
const FONT_PX = 20;
const BASELINE = 19;

let fontLoaded = false;
const cache = new Map<string, Uint8Array>();

function loadFont(): void {
  if (fontLoaded) return;
  // A missing font is a broken installation, not a runtime condition: let it throw.
  PImage.registerFont(GLYPH_FONT_PATH, FAMILY).loadSync();
  fontLoaded = true;
}

/** Row-major 12x24 array, 1 = dot printed. */
export function glyphBitmap(char: string): Uint8Array {
  const cached = cache.get(char);
  if (cached) return cached;
  const bits = new Uint8Array(GLYPH_WIDTH * GLYPH_HEIGHT);
  if (char.trim() !== '') {
    loadFont();
    const bitmap = PImage.make(GLYPH_WIDTH, GLYPH_HEIGHT);
    const context = bitmap.getContext('2d');
    context.fillStyle = 'white';
    context.fillRect(0, 0, GLYPH_WIDTH, GLYPH_HEIGHT);
    context.fillStyle = 'black';
    context.font = `${FONT_PX}px ${FAMILY}`;
    context.fillText(char, 0, BASELINE);
    for (let y = 0; y < GLYPH_HEIGHT; y++) {
      for (let x = 0; x < GLYPH_WIDTH; x++) {
        const red = (bitmap.getPixelRGBA(x, y) >>> 24) & 0xff;
        if (red < 128) bits[y * GLYPH_WIDTH + x] = 1;
      }
    }
  }
  cache.set(char, bits);
  return bits;
}
