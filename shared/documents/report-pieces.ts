/**
 * Pieces every station's printed reports share (cabin, identity, results, transmission), so a
 * hash, a time or a count row reads the same on every paper of the mesa.
 */
import { PAPER_80MM_COLUMNS, wrapText } from './print-document.ts';

const COLUMNS = PAPER_80MM_COLUMNS;
export const SIMULACRO_BANNER = '*** SIMULACRO ***';
export const REPRINT_TEXT = 'REIMPRESIÓN';

/** "2026-04-12 07:31:05 (America/Lima)": to the second, in the election's timezone, 24-hour. */
export function formatPrintedAt(printedAt: Date, timeZone: string): string {
  if (Number.isNaN(printedAt.getTime())) throw new RangeError('printedAt is an invalid Date');
  const parts = new Intl.DateTimeFormat('es-PE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(printedAt);
  const part = (type: Intl.DateTimeFormatPartTypes): string => {
    const found = parts.find((p) => p.type === type)?.value;
    if (found === undefined) throw new Error(`date format has no ${type}`);
    return found;
  };
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')} (${timeZone})`;
}

/**
 * A label with a number at the right edge; a label too long for one line wraps, and the
 * number goes on its first line so a reader scanning the right column never misses it.
 */
export function countRow(label: string, count: number, indent = 0): string {
  const value = String(count);
  const labelWidth = COLUMNS - indent - value.length - 1;
  const lines = wrapText(label, labelWidth);
  const pad = ' '.repeat(indent);
  return lines
    .map((line, index) => {
      if (index > 0) return `${pad}  ${line}`;
      return `${pad}${line}${' '.repeat(Math.max(1, labelWidth - Array.from(line).length + 1))}${value}`;
    })
    .join('\n');
}

/**
 * A 64-character hash does not fit a 48-column line; groups of 16, two per line, are easier
 * for a personero to read out and compare than an arbitrary wrap.
 */
export function groupHex(hex: string): string {
  const groups = hex.match(/.{1,16}/gu) ?? [];
  const lines: string[] = [];
  for (let i = 0; i < groups.length; i += 2) lines.push(groups.slice(i, i + 2).join(' '));
  return lines.join('\n');
}
