/**
 * Streaming ESC/POS parser for the simulated printer. Pure and incremental: `push` accepts
 * bytes split anywhere and returns the commands completed so far; the events for a stream do
 * not depend on how it was split (text is emitted when the run of printable bytes ends).
 *
 * Anything it does not know becomes an `unknown` event and parsing continues with the next
 * byte after the command byte: a printer never stops on garbage, it prints it or skips it.
 * Commands whose declared data size is absurd (a raster image above MAX_RASTER_BYTES) are
 * reported as unknown after their header instead of waiting for gigabytes that never come.
 */

export type Alignment = 'left' | 'center' | 'right';

export type EscposEvent =
  | { kind: 'init' }
  | { kind: 'code-page'; page: number }
  | { kind: 'bold'; on: boolean }
  | { kind: 'underline'; thickness: 0 | 1 | 2 }
  | { kind: 'print-mode'; mode: number }
  | { kind: 'char-size'; width: number; height: number }
  | { kind: 'align'; align: Alignment }
  | { kind: 'line-spacing'; dots: number | 'default' }
  | { kind: 'text'; bytes: Uint8Array }
  | { kind: 'line-feed' }
  | { kind: 'feed-lines'; lines: number }
  | { kind: 'feed-dots'; dots: number }
  | { kind: 'cut'; partial: boolean; feedDots: number }
  | { kind: 'raster'; scaleX: 1 | 2; scaleY: 1 | 2; widthBytes: number; height: number; data: Uint8Array }
  | { kind: 'qr'; fn: number; params: Uint8Array }
  | { kind: 'realtime-status-request'; n: 1 | 2 | 3 | 4 }
  | { kind: 'transmit-status-request'; n: number }
  /** A known command the simulator accepts without modelling its effect. */
  | { kind: 'ignored'; name: string; bytes: Uint8Array }
  | { kind: 'unknown'; bytes: Uint8Array; reason: string };

export const MAX_RASTER_BYTES = 1 << 20;
const MAX_BARCODE_DATA = 255;

const ESC = 0x1b;
const GS = 0x1d;
const DLE = 0x10;
const FS = 0x1c;
const LF = 0x0a;

/** Outcome of trying to parse one command at `at`: an event and its length, or "need more". */
type Step = { events: EscposEvent[]; length: number } | 'incomplete';

const one = (event: EscposEvent, length: number): Step => ({ events: [event], length });

/** ESC commands with a fixed number of parameter bytes that the simulator does not model. */
const ESC_IGNORED_PARAMS: ReadonlyMap<number, number> = new Map([
  [0x20, 1], // ESC SP right-side character spacing
  [0x25, 1], // ESC % user-defined character set
  [0x34, 1], // ESC 4 italic (not Epson; sent by @node-escpos style())
  [0x3c, 0], // ESC < return home
  [0x3d, 1], // ESC = select peripheral device
  [0x47, 1], // ESC G double-strike
  [0x4d, 1], // ESC M character font
  [0x52, 1], // ESC R international character set
  [0x54, 1], // ESC T print direction (page mode)
  [0x55, 1], // ESC U unidirectional printing
  [0x56, 1], // ESC V 90-degree rotation
  [0x63, 2], // ESC c 3/4/5 n panel and sensor settings
  [0x70, 3], // ESC p m t1 t2 drawer kick
  [0x72, 1], // ESC r print color
  [0x7b, 1], // ESC { upside-down
  [0x42, 2], // ESC B n t buzzer (non-Epson, sent by @node-escpos beep())
  [0x24, 2], // ESC $ absolute position
  [0x5c, 2], // ESC \ relative position
  [0x4c, 0], // ESC L page mode
  [0x53, 0], // ESC S standard mode
]);

/** GS commands with a fixed number of parameter bytes that the simulator does not model. */
const GS_IGNORED_PARAMS: ReadonlyMap<number, number> = new Map([
  [0x42, 1], // GS B reverse
  [0x48, 1], // GS H HRI position
  [0x49, 1], // GS I transmit printer ID (no answer simulated)
  [0x4c, 2], // GS L left margin
  [0x57, 2], // GS W print area width
  [0x61, 1], // GS a automatic status back
  [0x62, 1], // GS b smoothing
  [0x66, 1], // GS f HRI font
  [0x68, 1], // GS h barcode height
  [0x77, 1], // GS w barcode width
  [0x50, 2], // GS P motion units
]);

function parseEsc(buf: Uint8Array, at: number): Step {
  const cmd = buf[at + 1];
  if (cmd === undefined) return 'incomplete';
  const p = buf[at + 2];
  const needParam = (make: (n: number) => EscposEvent): Step => (p === undefined ? 'incomplete' : one(make(p), 3));
  switch (cmd) {
    case 0x40:
      return one({ kind: 'init' }, 2);
    case 0x74:
      return needParam((n) => ({ kind: 'code-page', page: n }));
    case 0x45:
      return needParam((n) => ({ kind: 'bold', on: (n & 1) === 1 }));
    case 0x2d:
      return needParam((n) => ({ kind: 'underline', thickness: n === 1 || n === 0x31 ? 1 : n === 2 || n === 0x32 ? 2 : 0 }));
    case 0x21:
      return needParam((n) => ({ kind: 'print-mode', mode: n }));
    case 0x61:
      return needParam((n) => ({ kind: 'align', align: n === 1 || n === 0x31 ? 'center' : n === 2 || n === 0x32 ? 'right' : 'left' }));
    case 0x64:
      return needParam((n) => ({ kind: 'feed-lines', lines: n }));
    case 0x4a:
      return needParam((n) => ({ kind: 'feed-dots', dots: n }));
    case 0x32:
      return one({ kind: 'line-spacing', dots: 'default' }, 2);
    case 0x33:
      return needParam((n) => ({ kind: 'line-spacing', dots: n }));
    default: {
      const params = ESC_IGNORED_PARAMS.get(cmd);
      if (params === undefined) return one({ kind: 'unknown', bytes: buf.slice(at, at + 2), reason: 'unknown ESC command' }, 2);
      if (at + 2 + params > buf.length) return 'incomplete';
      return one({ kind: 'ignored', name: `ESC ${printable(cmd)}`, bytes: buf.slice(at, at + 2 + params) }, 2 + params);
    }
  }
}

function parseGs(buf: Uint8Array, at: number): Step {
  const cmd = buf[at + 1];
  if (cmd === undefined) return 'incomplete';
  const p = buf[at + 2];
  switch (cmd) {
    case 0x21:
      return p === undefined ? 'incomplete' : one({ kind: 'char-size', width: ((p >> 4) & 7) + 1, height: (p & 7) + 1 }, 3);
    case 0x72:
      return p === undefined ? 'incomplete' : one({ kind: 'transmit-status-request', n: p }, 3);
    case 0x56:
      return parseCut(buf, at);
    case 0x76:
      return parseRaster(buf, at);
    case 0x28:
      return parseGsParen(buf, at);
    case 0x6b:
      return parseBarcode(buf, at);
    default: {
      const params = GS_IGNORED_PARAMS.get(cmd);
      if (params === undefined) return one({ kind: 'unknown', bytes: buf.slice(at, at + 2), reason: 'unknown GS command' }, 2);
      if (at + 2 + params > buf.length) return 'incomplete';
      return one({ kind: 'ignored', name: `GS ${printable(cmd)}`, bytes: buf.slice(at, at + 2 + params) }, 2 + params);
    }
  }
}

/** GS V m / GS V m n. */
function parseCut(buf: Uint8Array, at: number): Step {
  const m = buf[at + 2];
  if (m === undefined) return 'incomplete';
  if (m === 0 || m === 0x30) return one({ kind: 'cut', partial: false, feedDots: 0 }, 3);
  if (m === 1 || m === 0x31) return one({ kind: 'cut', partial: true, feedDots: 0 }, 3);
  if ([65, 66, 97, 98, 103, 104].includes(m)) {
    const n = buf[at + 3];
    if (n === undefined) return 'incomplete';
    return one({ kind: 'cut', partial: m % 2 === 0, feedDots: n }, 4);
  }
  return one({ kind: 'unknown', bytes: buf.slice(at, at + 3), reason: 'unknown GS V mode' }, 3);
}

/** GS v 0 m xL xH yL yH d1...dk. */
function parseRaster(buf: Uint8Array, at: number): Step {
  if (at + 8 > buf.length) {
    if (buf[at + 2] !== undefined && buf[at + 2] !== 0x30) {
      return one({ kind: 'unknown', bytes: buf.slice(at, at + 3), reason: 'unknown GS v function' }, 3);
    }
    return 'incomplete';
  }
  if (buf[at + 2] !== 0x30) return one({ kind: 'unknown', bytes: buf.slice(at, at + 3), reason: 'unknown GS v function' }, 3);
  const m = buf[at + 3] ?? 0;
  const widthBytes = (buf[at + 4] ?? 0) | ((buf[at + 5] ?? 0) << 8);
  const height = (buf[at + 6] ?? 0) | ((buf[at + 7] ?? 0) << 8);
  const size = widthBytes * height;
  if (size === 0 || size > MAX_RASTER_BYTES) {
    return one({ kind: 'unknown', bytes: buf.slice(at, at + 8), reason: `raster image of ${size} bytes refused` }, 8);
  }
  if (at + 8 + size > buf.length) return 'incomplete';
  const mode = m & 0x03;
  return one(
    {
      kind: 'raster',
      scaleX: mode === 1 || mode === 3 ? 2 : 1,
      scaleY: mode === 2 || mode === 3 ? 2 : 1,
      widthBytes,
      height,
      data: buf.slice(at + 8, at + 8 + size),
    },
    8 + size,
  );
}

/** GS ( fn pL pH data: all share the length prefix; GS ( k with cn=49 is the QR code. */
function parseGsParen(buf: Uint8Array, at: number): Step {
  if (at + 5 > buf.length) return 'incomplete';
  const fn = buf[at + 2] ?? 0;
  const length = (buf[at + 3] ?? 0) | ((buf[at + 4] ?? 0) << 8);
  if (at + 5 + length > buf.length) return 'incomplete';
  const body = buf.slice(at + 5, at + 5 + length);
  if (fn === 0x6b && length >= 2 && body[0] === 49) return one({ kind: 'qr', fn: body[1] ?? 0, params: body.slice(2) }, 5 + length);
  return one({ kind: 'ignored', name: `GS ( ${printable(fn)}`, bytes: buf.slice(at, at + 5 + length) }, 5 + length);
}

/** GS k m d1...dk NUL (m 0-6) or GS k m n d1...dn (m 65-73). Barcodes are not drawn. */
function parseBarcode(buf: Uint8Array, at: number): Step {
  const m = buf[at + 2];
  if (m === undefined) return 'incomplete';
  if (m <= 6) {
    const end = buf.indexOf(0, at + 3);
    if (end < 0 || end > at + 3 + MAX_BARCODE_DATA) {
      // No terminator within any barcode's capacity: garbage, not a barcode.
      if (end < 0 && buf.length <= at + 3 + MAX_BARCODE_DATA) return 'incomplete';
      return one({ kind: 'unknown', bytes: buf.slice(at, at + 3), reason: 'unterminated barcode data' }, 3);
    }
    return one({ kind: 'ignored', name: 'GS k', bytes: buf.slice(at, end + 1) }, end + 1 - at);
  }
  if (m >= 65 && m <= 73) {
    const n = buf[at + 3];
    if (n === undefined || at + 4 + n > buf.length) return 'incomplete';
    return one({ kind: 'ignored', name: 'GS k', bytes: buf.slice(at, at + 4 + n) }, 4 + n);
  }
  return one({ kind: 'unknown', bytes: buf.slice(at, at + 3), reason: 'unknown barcode system' }, 3);
}

function parseDle(buf: Uint8Array, at: number): Step {
  const cmd = buf[at + 1];
  if (cmd === undefined) return 'incomplete';
  const n = buf[at + 2];
  if (cmd === 0x04) {
    if (n === undefined) return 'incomplete';
    if (n === 1 || n === 2 || n === 3 || n === 4) return one({ kind: 'realtime-status-request', n }, 3);
    return one({ kind: 'unknown', bytes: buf.slice(at, at + 3), reason: 'unknown DLE EOT status' }, 3);
  }
  if (cmd === 0x05) return n === undefined ? 'incomplete' : one({ kind: 'ignored', name: 'DLE ENQ', bytes: buf.slice(at, at + 3) }, 3);
  return one({ kind: 'unknown', bytes: buf.slice(at, at + 2), reason: 'unknown DLE command' }, 2);
}

function parseFs(buf: Uint8Array, at: number): Step {
  const cmd = buf[at + 1];
  if (cmd === undefined) return 'incomplete';
  // FS . (cancel Kanji mode) and FS & (select Kanji mode): common in printer init strings.
  if (cmd === 0x2e || cmd === 0x26) return one({ kind: 'ignored', name: `FS ${printable(cmd)}`, bytes: buf.slice(at, at + 2) }, 2);
  return one({ kind: 'unknown', bytes: buf.slice(at, at + 2), reason: 'unknown FS command' }, 2);
}

function parseControl(buf: Uint8Array, at: number): Step {
  const byte = buf[at] ?? 0;
  switch (byte) {
    case LF:
      return one({ kind: 'line-feed' }, 1);
    case ESC:
      return parseEsc(buf, at);
    case GS:
      return parseGs(buf, at);
    case DLE:
      return parseDle(buf, at);
    case FS:
      return parseFs(buf, at);
    case 0x00:
    case 0x0d:
    case 0x09:
    case 0x0c:
    case 0x18:
      // NUL padding, CR, HT, FF and CAN have no effect on a standard-mode receipt we model.
      return one({ kind: 'ignored', name: `0x${byte.toString(16).padStart(2, '0')}`, bytes: buf.slice(at, at + 1) }, 1);
    default:
      return one({ kind: 'unknown', bytes: buf.slice(at, at + 1), reason: 'unknown control byte' }, 1);
  }
}

function printable(byte: number): string {
  return byte >= 0x21 && byte <= 0x7e ? String.fromCharCode(byte) : `0x${byte.toString(16).padStart(2, '0')}`;
}

export type EscposParser = {
  /** Feeds bytes; returns the events completed by them. */
  push(chunk: Uint8Array): EscposEvent[];
  /** Ends the stream: pending text is emitted, an incomplete command becomes `unknown`. */
  end(): EscposEvent[];
  /** Bytes held while waiting for the rest of a command. */
  pendingBytes(): number;
};

export function createEscposParser(): EscposParser {
  let pending: Uint8Array = new Uint8Array(0);

  const run = (final: boolean): EscposEvent[] => {
    const events: EscposEvent[] = [];
    let at = 0;
    while (at < pending.length) {
      const byte = pending[at] ?? 0;
      if (byte >= 0x20) {
        let end = at;
        while (end < pending.length && (pending[end] ?? 0) >= 0x20) end++;
        if (end === pending.length && !final) break;
        events.push({ kind: 'text', bytes: pending.slice(at, end) });
        at = end;
        continue;
      }
      const step = parseControl(pending, at);
      if (step === 'incomplete') {
        if (!final) break;
        events.push({ kind: 'unknown', bytes: pending.slice(at), reason: 'stream ended inside a command' });
        at = pending.length;
        break;
      }
      events.push(...step.events);
      at += step.length;
    }
    pending = pending.slice(at);
    return events;
  };

  return {
    push(chunk) {
      if (chunk.length === 0) return [];
      const joined = new Uint8Array(pending.length + chunk.length);
      joined.set(pending, 0);
      joined.set(chunk, pending.length);
      pending = joined;
      return run(false);
    },
    end() {
      return run(true);
    },
    pendingBytes() {
      return pending.length;
    },
  };
}

/** Parses a complete byte stream at once. */
export function parseEscpos(bytes: Uint8Array): EscposEvent[] {
  const parser = createEscposParser();
  return [...parser.push(bytes), ...parser.end()];
}
