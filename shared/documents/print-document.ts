/**
 * Device-independent model of a printed document (constancia de voto, puesta a cero report,
 * actas, cartel, constancias de transmisión...). Stations build documents with the pure
 * functions below; a printer driver renders them to bytes; `documentToPlainText` renders them
 * for logs, tests and PDF fallbacks.
 *
 * Paper: the stations use 80 mm thermal rolls. At 203 dpi (8 dots/mm) the printable width is
 * 576 dots = 48 columns of font A (12 x 24 dots per character). The column count is a
 * parameter of the document so a 58 mm printer (384 dots, 32 columns) can be used too.
 *
 * Text height: font A is 24 dots tall = 3.0 mm at 203 dpi, below the 3.5 mm minimum that the
 * accessibility bar (VVSG 2.0) sets for printed text. Voter-facing text therefore uses
 * `VOTER_FACING_TEXT_SIZE` ('double-height': 48 dots = 6.0 mm cell, so even the x-height of
 * the glyphs is above 3.5 mm) via `voterText()`. Normal size is for poll-worker and technical
 * documents (actas, reports), where density matters more.
 *
 * Every document ends with exactly one cut, enforced by the type: one document is one ticket,
 * which is what lets the printer layer (and the simulator) count tickets exactly once.
 */

export type TextAlign = 'left' | 'center' | 'right';
/** 'double-height': 1x wide, 2x tall. 'double': 2x wide and 2x tall (half the columns). */
export type TextSize = 'normal' | 'double-height' | 'double';

export type TextStyle = {
  readonly align: TextAlign;
  readonly bold: boolean;
  readonly size: TextSize;
  readonly underline: boolean;
};

/** Text; may hold several lines ('\n') and lines longer than the paper, which are word-wrapped. */
export type TextBlock = { readonly kind: 'text'; readonly text: string; readonly style: TextStyle };
/** A full-width separator line drawn with `char`. */
export type RuleBlock = { readonly kind: 'rule'; readonly char: '-' | '=' | '_' | '*' };
/**
 * A QR code. `moduleDots` is the side of one QR module in printer dots (203 dpi); the printer
 * may shrink it so the symbol fits the paper. Error correction is level M.
 */
export type QrBlock = { readonly kind: 'qr'; readonly data: string; readonly moduleDots: number; readonly align: TextAlign };
/** Blank lines (paper feed) of the normal line height. */
export type FeedBlock = { readonly kind: 'feed'; readonly lines: number };
export type CutBlock = { readonly kind: 'cut' };

export type ContentBlock = TextBlock | RuleBlock | QrBlock | FeedBlock;
export type PrintBlock = ContentBlock | CutBlock;

export type PrintDocument = {
  /** Characters per line in font A at normal width (48 for 80 mm paper at 203 dpi). */
  readonly columns: number;
  readonly blocks: readonly [...ContentBlock[], CutBlock];
};

export const DOTS_PER_MM = 8; // 203 dpi = 7.99 dots/mm
export const PAPER_80MM_COLUMNS = 48;
export const PAPER_80MM_PRINTABLE_DOTS = 576;
export const FONT_A_CELL_WIDTH_DOTS = 12;
export const FONT_A_CELL_HEIGHT_DOTS = 24;
/** Text height chosen for anything a voter must read: 48 dots = 6.0 mm at 203 dpi (>= 3.5 mm). */
export const VOTER_FACING_TEXT_SIZE: TextSize = 'double-height';
export const DEFAULT_QR_MODULE_DOTS = 6;

export function textWidthMultiplier(size: TextSize): 1 | 2 {
  return size === 'double' ? 2 : 1;
}

export function textHeightMultiplier(size: TextSize): 1 | 2 {
  return size === 'normal' ? 1 : 2;
}

/** Height of the character cell in millimetres at 203 dpi. */
export function textHeightMm(size: TextSize): number {
  return (FONT_A_CELL_HEIGHT_DOTS * textHeightMultiplier(size)) / DOTS_PER_MM;
}

const DEFAULT_STYLE: TextStyle = { align: 'left', bold: false, size: 'normal', underline: false };

export function text(content: string, style: Partial<TextStyle> = {}): TextBlock {
  return { kind: 'text', text: content, style: { ...DEFAULT_STYLE, ...style } };
}

/** Text a voter reads: at least `VOTER_FACING_TEXT_SIZE` tall. */
export function voterText(content: string, style: Partial<Omit<TextStyle, 'size'>> & { size?: 'double-height' | 'double' } = {}): TextBlock {
  return text(content, { size: VOTER_FACING_TEXT_SIZE, ...style });
}

export function heading(content: string, style: Partial<TextStyle> = {}): TextBlock {
  return text(content, { align: 'center', bold: true, size: 'double', ...style });
}

export function rule(char: RuleBlock['char'] = '-'): RuleBlock {
  return { kind: 'rule', char };
}

export function qr(data: string, options: { moduleDots?: number; align?: TextAlign } = {}): QrBlock {
  const moduleDots = options.moduleDots ?? DEFAULT_QR_MODULE_DOTS;
  if (!Number.isInteger(moduleDots) || moduleDots < 1 || moduleDots > 16) {
    throw new RangeError(`QR moduleDots must be an integer 1..16, got ${moduleDots}`);
  }
  return { kind: 'qr', data, moduleDots, align: options.align ?? 'center' };
}

export function feed(lines = 1): FeedBlock {
  if (!Number.isInteger(lines) || lines < 1 || lines > 255) throw new RangeError(`feed lines must be 1..255, got ${lines}`);
  return { kind: 'feed', lines };
}

/** Builds a document: the content blocks followed by the single final cut. */
export function makeDocument(blocks: readonly ContentBlock[], options: { columns?: number } = {}): PrintDocument {
  const columns = options.columns ?? PAPER_80MM_COLUMNS;
  if (!Number.isInteger(columns) || columns < 8 || columns > 255) throw new RangeError(`columns must be 8..255, got ${columns}`);
  return { columns, blocks: [...blocks, { kind: 'cut' }] };
}

/** One physical line (or item) of a laid-out document, in print order. */
export type LaidOutItem =
  | { readonly kind: 'line'; readonly text: string; readonly style: TextStyle }
  | { readonly kind: 'qr'; readonly data: string; readonly moduleDots: number; readonly align: TextAlign }
  | { readonly kind: 'feed'; readonly lines: number }
  | { readonly kind: 'cut' };

/**
 * Splits text blocks into printable lines: '\n' breaks lines; lines wider than the paper wrap
 * at spaces (a word longer than a line is split). Rules become full-width lines. Drivers and
 * `documentToPlainText` both print from this, so the two never disagree on line breaks.
 */
export function layoutDocument(doc: PrintDocument): LaidOutItem[] {
  const items: LaidOutItem[] = [];
  for (const block of doc.blocks) {
    switch (block.kind) {
      case 'text': {
        const width = Math.floor(doc.columns / textWidthMultiplier(block.style.size));
        for (const line of wrapText(block.text, width)) items.push({ kind: 'line', text: line, style: block.style });
        break;
      }
      case 'rule':
        items.push({ kind: 'line', text: block.char.repeat(doc.columns), style: DEFAULT_STYLE });
        break;
      case 'qr':
        items.push({ kind: 'qr', data: block.data, moduleDots: block.moduleDots, align: block.align });
        break;
      case 'feed':
        items.push({ kind: 'feed', lines: block.lines });
        break;
      case 'cut':
        items.push({ kind: 'cut' });
        break;
    }
  }
  return items;
}

export function wrapText(content: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of content.split('\n')) {
    const chars = Array.from(paragraph.replace(/\s+$/u, ''));
    if (chars.length === 0) {
      lines.push('');
      continue;
    }
    let rest = chars;
    while (rest.length > width) {
      const window = rest.slice(0, width + 1);
      const breakAt = window.lastIndexOf(' ');
      if (breakAt > 0) {
        lines.push(rest.slice(0, breakAt).join('').replace(/\s+$/u, ''));
        rest = rest.slice(breakAt + 1);
      } else {
        lines.push(rest.slice(0, width).join(''));
        rest = rest.slice(width);
      }
      while (rest[0] === ' ') rest = rest.slice(1);
    }
    lines.push(rest.join(''));
  }
  return lines;
}

/** Places `content` in a line of `width` characters; trailing spaces are not kept. */
export function alignInColumns(content: string, width: number, align: TextAlign): string {
  const length = Array.from(content).length;
  const free = Math.max(0, width - length);
  const left = align === 'left' ? 0 : align === 'right' ? free : Math.floor(free / 2);
  return (' '.repeat(left) + content).replace(/\s+$/u, '');
}

/** Control characters never reach a log line or a printer as such. */
function withoutControls(content: string): string {
  return content.replace(/\p{Cc}/gu, '?');
}

/**
 * Plain-text rendering: one string line per printed line, aligned within the line's own
 * column count (half the columns for 'double' text), QR codes as `[QR: data]`, feeds as blank
 * lines, control characters as '?'. Characters outside the printer's code page are kept (a PDF
 * can show them); the printer substitutes them (see cp850.ts). Blank paper at the end is not
 * content, so trailing blank lines are dropped.
 */
export function documentToPlainText(doc: PrintDocument): string {
  const out: string[] = [];
  for (const item of layoutDocument(doc)) {
    switch (item.kind) {
      case 'line':
        out.push(alignInColumns(withoutControls(item.text), Math.floor(doc.columns / textWidthMultiplier(item.style.size)), item.style.align));
        break;
      case 'qr':
        out.push(`[QR: ${withoutControls(item.data)}]`);
        break;
      case 'feed':
        for (let i = 0; i < item.lines; i++) out.push('');
        break;
      case 'cut':
        break;
    }
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out.join('\n');
}
