/**
 * Decoding of a barcode reader in keyboard-wedge mode (hid/PROTOCOL.md section 6): the reader
 * "types" what it read as boot-keyboard reports, one key press and release per character, and
 * ends with Enter. Pure: reports in, completed readings out.
 *
 * Anything that cannot be trusted turns the reading in progress into `garbled`, delivered at its
 * Enter: a report of the wrong size, a rollover/error report, a key with no character, or more
 * than MAX_READING_CHARS characters (a reader stuck sending, or a document that is not a DNI).
 * An Enter with nothing before it is ignored (a reader's empty scan), as a typed empty Enter is.
 */
import { decodeKeyboardReport } from '../keypad/keyboard-report.ts';
import type { DniReading } from './dni-reader.ts';

/** Far above a DNI's 8 digits, so a 9-digit or lettered reading reaches the station's parser intact. */
export const MAX_READING_CHARS = 32;

/** Usage codes that end a reading: Enter and keypad Enter. */
const TERMINATORS = new Set([0x28, 0x58]);

const LEFT_SHIFT = 0x02;
const RIGHT_SHIFT = 0x20;

/** HID keyboard page usage → character (letters lower case; shift makes them upper case). */
export function charForUsage(usage: number, shift: boolean): string | undefined {
  if (usage >= 0x04 && usage <= 0x1d) {
    const letter = String.fromCharCode(0x61 + usage - 0x04);
    return shift ? letter.toUpperCase() : letter;
  }
  if (usage >= 0x1e && usage <= 0x26) return String(usage - 0x1e + 1);
  if (usage === 0x27 || usage === 0x62) return '0';
  if (usage >= 0x59 && usage <= 0x61) return String(usage - 0x59 + 1);
  if (usage === 0x2c) return ' ';
  if (usage === 0x2d || usage === 0x56) return '-';
  if (usage === 0x37 || usage === 0x63) return '.';
  return undefined;
}

/** The usage (and shift) a wedge sends for a character; undefined for one it cannot type. */
export function usageForChar(char: string): { usage: number; shift: boolean } | undefined {
  if (char >= '1' && char <= '9') return { usage: 0x1e + Number(char) - 1, shift: false };
  if (char === '0') return { usage: 0x27, shift: false };
  if (char >= 'a' && char <= 'z') return { usage: 0x04 + char.charCodeAt(0) - 0x61, shift: false };
  if (char >= 'A' && char <= 'Z') return { usage: 0x04 + char.charCodeAt(0) - 0x41, shift: true };
  if (char === ' ') return { usage: 0x2c, shift: false };
  if (char === '-') return { usage: 0x2d, shift: false };
  if (char === '.') return { usage: 0x37, shift: false };
  return undefined;
}

export class WedgeDecoder {
  private held = new Set<number>();
  private buffer = '';
  private garbled = false;

  /** Feeds one input report; answers the readings it completed (usually none, at most one per Enter). */
  apply(report: Uint8Array): DniReading[] {
    const decoded = decodeKeyboardReport(report);
    if (!decoded.ok || decoded.value.kind === 'rollover') {
      this.garbled = true;
      return [];
    }
    const modifiers = report[0] ?? 0;
    const shift = (modifiers & (LEFT_SHIFT | RIGHT_SHIFT)) !== 0;
    const now = new Set(decoded.value.usages);
    const readings: DniReading[] = [];
    for (const usage of decoded.value.usages) {
      if (this.held.has(usage)) continue;
      if (TERMINATORS.has(usage)) {
        const done = this.finish();
        if (done !== undefined) readings.push(done);
        continue;
      }
      const char = charForUsage(usage, shift);
      if (char === undefined || this.buffer.length >= MAX_READING_CHARS) {
        this.garbled = true;
        this.buffer = '';
      } else if (!this.garbled) {
        this.buffer += char;
      }
    }
    this.held = now;
    return readings;
  }

  /** The device went away: a reading in progress is dropped (nothing reaches the station). */
  reset(): void {
    this.held = new Set();
    this.buffer = '';
    this.garbled = false;
  }

  private finish(): DniReading | undefined {
    const reading: DniReading | undefined = this.garbled
      ? { kind: 'garbled' }
      : this.buffer.length === 0
        ? undefined
        : { kind: 'text', text: this.buffer };
    this.buffer = '';
    this.garbled = false;
    return reading;
  }
}
