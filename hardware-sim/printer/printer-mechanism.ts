/**
 * The simulated thermal printer itself, independent of any port: bytes in, status replies
 * out, a paper roll that accumulates printed items and is cut into tickets.
 *
 * Model (203 dpi, 80 mm paper, 576 printable dots, font A 12x24 dots):
 * - Real-time commands (`DLE EOT n`) are answered when they arrive, even while the mechanism
 *   is busy or stopped by a fault, as on Epson printers. Everything else goes through the
 *   mechanism queue, which a `processingDelayMs` can slow down ("slow printer").
 * - `GS r` is answered when the mechanism reaches it: after all the bytes before it printed.
 * - Paper: each printed line, blank line or image consumes its height; when the next item
 *   does not fit in what is left of the roll the printer stops with paper-out (the item is
 *   not printed). Below `paperLowThresholdMm` the near-end sensor reports paper-low.
 * - A fault (paper-out, cover-open, offline, cutter-error) arising in the middle of a ticket
 *   stops printing: the piece on the paper is marked incomplete and every byte that follows
 *   is discarded until the fault is cleared AND a new job starts with `ESC @`. This models a
 *   printer whose buffers are cleared on error recovery, so a failed job never half-resumes.
 * - An incomplete piece leaves the printer when it is cut off (cover/offline/cutter faults:
 *   the paper is still there) or when the roll is replaced (paper-out: it was the roll's tail).
 *   Incomplete pieces are listed but never counted as printed tickets.
 * - 'offline' models a printer that is switched off: no byte is read or answered.
 */
import { EventEmitter } from 'node:events';
import QRCode from 'qrcode';
import { createEscposParser, type Alignment, type EscposEvent, type EscposParser } from './escpos-parser.ts';
import { decodeCp850Byte } from '../../shared/devices/printer/cp850.ts';
import { ticketToText } from './ticket-render.ts';

export const DOTS_PER_MM = 8;
export const PRINTABLE_WIDTH_DOTS = 576;
export const CHAR_WIDTH_DOTS = 12;
export const CHAR_HEIGHT_DOTS = 24;
/** ESC 2 default line spacing: 30 dots = 3.75 mm. */
export const DEFAULT_LINE_SPACING_DOTS = 30;
/** A standard 80 mm roll is 80 m long. */
export const DEFAULT_PAPER_LENGTH_MM = 80_000;
export const DEFAULT_PAPER_LOW_THRESHOLD_MM = 1_000;
const MAX_RECORDED_UNKNOWN = 1_000;

export type SimulatedFault = 'paper-out' | 'cover-open' | 'offline' | 'cutter-error';

export type TextSegment = { text: string; bold: boolean; underline: 0 | 1 | 2; widthMul: number; heightMul: number };

export type TicketItem =
  | { kind: 'text'; align: Alignment; segments: TextSegment[]; heightDots: number }
  | { kind: 'blank'; heightDots: number }
  | {
      kind: 'image';
      align: Alignment;
      /** Packed 1-bit rows, MSB = leftmost dot, as received. */
      widthBytes: number;
      rows: number;
      data: Uint8Array;
      scaleX: number;
      scaleY: number;
      heightDots: number;
    };

export type Ticket = {
  /** Position on the roll, counting every cut piece (complete or not) from 1. */
  index: number;
  /** False for the fragment of a job interrupted by a fault. */
  complete: boolean;
  incompleteReason?: SimulatedFault;
  items: TicketItem[];
  heightDots: number;
  lengthMm: number;
  /** Text rendering (see ticket-render.ts). */
  text: string;
};

export type UnknownCommand = { hex: string; reason: string };

export type MechanismOptions = {
  paperLengthMm?: number;
  paperLowThresholdMm?: number;
  processingDelayMs?: number;
};

type Style = {
  bold: boolean;
  underline: 0 | 1 | 2;
  widthMul: number;
  heightMul: number;
  align: Alignment;
  codePage: number;
  lineSpacingDots: number;
};

const initialStyle = (): Style => ({
  bold: false,
  underline: 0,
  widthMul: 1,
  heightMul: 1,
  align: 'left',
  codePage: 0,
  lineSpacingDots: DEFAULT_LINE_SPACING_DOTS,
});

type PieceBuilder = { items: TicketItem[]; incompleteReason?: SimulatedFault };

export class PrinterMechanism extends EventEmitter {
  private parser: EscposParser = createEscposParser();
  private style: Style = initialStyle();
  private line: TextSegment[] = [];
  private lineAlign: Alignment | undefined;
  private piece: PieceBuilder = { items: [] };
  private readonly pieces: Ticket[] = [];
  private readonly faults = new Set<SimulatedFault>();
  /** Set by any fault; cleared by the first ESC @ once no fault remains. */
  private discarding = false;
  private remainingDots: number;
  private paperLowThresholdDots: number;
  private processingDelayMs: number;
  private readonly queue: EscposEvent[][] = [];
  private draining = false;
  private drainTimer: NodeJS.Timeout | undefined;
  private faultCountdown: { fault: SimulatedFault; items: number } | undefined;
  private qr = { moduleDots: 3, level: 'M' as 'L' | 'M' | 'Q' | 'H', data: undefined as Uint8Array | undefined };
  private readonly unknown: UnknownCommand[] = [];
  private unknownTotal = 0;
  private discardedEvents = 0;
  private readonly replySink: (bytes: Uint8Array) => void;

  constructor(replySink: (bytes: Uint8Array) => void, options: MechanismOptions = {}) {
    super();
    this.replySink = replySink;
    this.remainingDots = Math.round((options.paperLengthMm ?? DEFAULT_PAPER_LENGTH_MM) * DOTS_PER_MM);
    this.paperLowThresholdDots = Math.round((options.paperLowThresholdMm ?? DEFAULT_PAPER_LOW_THRESHOLD_MM) * DOTS_PER_MM);
    this.processingDelayMs = options.processingDelayMs ?? 0;
  }

  // ---- inputs -------------------------------------------------------------------------

  receive(bytes: Uint8Array): void {
    if (this.faults.has('offline')) return;
    const forMechanism: EscposEvent[] = [];
    for (const event of this.parser.push(bytes)) {
      if (event.kind === 'realtime-status-request') this.reply(this.realtimeStatus(event.n));
      else forMechanism.push(event);
    }
    if (forMechanism.length === 0) return;
    this.queue.push(forMechanism);
    this.drain();
  }

  // ---- controls -----------------------------------------------------------------------

  setFault(fault: SimulatedFault): void {
    if (this.faults.has(fault)) return;
    this.faults.add(fault);
    if (fault === 'offline') {
      // Switched off: the receive buffer and any half-parsed command are lost.
      this.parser = createEscposParser();
      this.queue.length = 0;
    }
    if (fault === 'paper-out') this.remainingDots = 0;
    this.interruptPiece(fault);
    this.emit('fault', { fault, active: true });
  }

  clearFault(fault: SimulatedFault): void {
    if (fault === 'paper-out') {
      this.refillPaper();
      return;
    }
    if (!this.faults.delete(fault)) return;
    this.emit('fault', { fault, active: false });
  }

  /** Loads a new roll: clears paper-out; the old roll's printed tail leaves with it. */
  refillPaper(lengthMm: number = DEFAULT_PAPER_LENGTH_MM): void {
    this.remainingDots = Math.round(lengthMm * DOTS_PER_MM);
    if (this.piece.items.length > 0) this.finishPiece();
    this.piece = { items: [] };
    if (this.faults.delete('paper-out')) this.emit('fault', { fault: 'paper-out', active: false });
  }

  /** The fault arises after `items` more printed items (lines, blank lines, images). */
  scheduleFault(fault: SimulatedFault, afterItems: number): void {
    this.faultCountdown = { fault, items: afterItems };
  }

  setProcessingDelay(ms: number): void {
    this.processingDelayMs = ms;
  }

  setPaperLowThreshold(mm: number): void {
    this.paperLowThresholdDots = Math.round(mm * DOTS_PER_MM);
  }

  /** Stops processing: pending input is dropped and no timer is left behind. */
  dispose(): void {
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.drainTimer = undefined;
    this.queue.length = 0;
    this.draining = false;
  }

  // ---- observations ---------------------------------------------------------------------

  activeFaults(): SimulatedFault[] {
    return [...this.faults];
  }

  remainingPaperMm(): number {
    return this.remainingDots / DOTS_PER_MM;
  }

  /** Every cut piece, complete or not, in roll order. */
  tickets(): readonly Ticket[] {
    return this.pieces;
  }

  completeTickets(): Ticket[] {
    return this.pieces.filter((ticket) => ticket.complete);
  }

  unknownCommands(): { recorded: readonly UnknownCommand[]; total: number } {
    return { recorded: this.unknown, total: this.unknownTotal };
  }

  discardedEventCount(): number {
    return this.discardedEvents;
  }

  // ---- status -------------------------------------------------------------------------

  private paperOut(): boolean {
    return this.faults.has('paper-out');
  }

  private paperLow(): boolean {
    return this.remainingDots <= this.paperLowThresholdDots;
  }

  /** DLE EOT n replies (fixed bits 0x12). */
  realtimeStatus(n: 1 | 2 | 3 | 4): number {
    const cover = this.faults.has('cover-open');
    const cutter = this.faults.has('cutter-error');
    const stopped = cover || cutter || this.paperOut();
    switch (n) {
      case 1:
        return 0x12 | (stopped ? 0x08 : 0);
      case 2:
        return 0x12 | (cover ? 0x04 : 0) | (this.paperOut() ? 0x20 : 0) | (cutter ? 0x40 : 0);
      case 3:
        return 0x12 | (cutter ? 0x08 : 0);
      case 4:
        return 0x12 | (this.paperOut() ? 0x60 : 0) | (this.paperLow() ? 0x0c : 0);
    }
  }

  private reply(byte: number): void {
    this.replySink(Uint8Array.of(byte));
    this.emit('reply', byte);
  }

  // ---- mechanism ------------------------------------------------------------------------

  private drain(): void {
    if (this.draining) return;
    if (this.processingDelayMs <= 0) {
      this.draining = true;
      try {
        for (let batch = this.queue.shift(); batch; batch = this.queue.shift()) this.execute(batch);
      } finally {
        this.draining = false;
      }
      return;
    }
    this.draining = true;
    this.drainTimer = setTimeout(() => {
      this.drainTimer = undefined;
      const batch = this.queue.shift();
      this.draining = false;
      if (batch) this.execute(batch);
      if (this.queue.length > 0) this.drain();
    }, this.processingDelayMs);
  }

  private execute(events: EscposEvent[]): void {
    for (const event of events) {
      if (this.faults.size > 0 || (this.discarding && event.kind !== 'init')) {
        this.discardedEvents++;
        continue;
      }
      this.apply(event);
    }
  }

  private apply(event: EscposEvent): void {
    switch (event.kind) {
      case 'init':
        this.discarding = false;
        this.style = initialStyle();
        this.line = [];
        this.lineAlign = undefined;
        return;
      case 'code-page':
        this.style.codePage = event.page;
        return;
      case 'bold':
        this.style.bold = event.on;
        return;
      case 'underline':
        this.style.underline = event.thickness;
        return;
      case 'print-mode':
        this.style.bold = (event.mode & 0x08) !== 0;
        this.style.heightMul = (event.mode & 0x10) !== 0 ? 2 : 1;
        this.style.widthMul = (event.mode & 0x20) !== 0 ? 2 : 1;
        this.style.underline = (event.mode & 0x80) !== 0 ? 1 : 0;
        return;
      case 'char-size':
        this.style.widthMul = event.width;
        this.style.heightMul = event.height;
        return;
      case 'align':
        this.style.align = event.align;
        return;
      case 'line-spacing':
        this.style.lineSpacingDots = event.dots === 'default' ? DEFAULT_LINE_SPACING_DOTS : event.dots;
        return;
      case 'text':
        this.addText(event.bytes);
        return;
      case 'line-feed':
        this.printLine();
        return;
      case 'feed-lines':
        this.printLine();
        for (let i = 0; i < event.lines; i++) this.printItem({ kind: 'blank', heightDots: this.style.lineSpacingDots });
        return;
      case 'feed-dots':
        this.flushPendingLine();
        if (event.dots > 0) this.printItem({ kind: 'blank', heightDots: event.dots });
        return;
      case 'cut':
        this.flushPendingLine();
        if (event.feedDots > 0) this.printItem({ kind: 'blank', heightDots: event.feedDots });
        if (this.faults.size > 0) return;
        if (this.piece.items.length > 0) this.finishPiece();
        return;
      case 'raster':
        this.flushPendingLine();
        this.printItem({
          kind: 'image',
          align: this.style.align,
          widthBytes: event.widthBytes,
          rows: event.height,
          data: event.data,
          scaleX: event.scaleX,
          scaleY: event.scaleY,
          heightDots: event.height * event.scaleY,
        });
        return;
      case 'qr':
        this.applyQr(event.fn, event.params);
        return;
      case 'transmit-status-request':
        // GS r 1 / 49: paper sensor; GS r 2 / 50: drawer (always closed here).
        if (event.n === 1 || event.n === 49) this.reply((this.paperLow() ? 0x03 : 0) | (this.paperOut() ? 0x0c : 0));
        else if (event.n === 2 || event.n === 50) this.reply(0x00);
        return;
      case 'ignored':
        return;
      case 'unknown':
        this.recordUnknown(event.bytes, event.reason);
        return;
      case 'realtime-status-request':
        return; // answered on arrival
    }
  }

  private recordUnknown(bytes: Uint8Array, reason: string): void {
    this.unknownTotal++;
    const entry = { hex: Buffer.from(bytes.slice(0, 32)).toString('hex'), reason };
    if (this.unknown.length < MAX_RECORDED_UNKNOWN) this.unknown.push(entry);
    this.emit('unknown', entry);
  }

  private decode(byte: number): string {
    if (byte < 0x80 || this.style.codePage === 2) return decodeCp850Byte(byte) ?? '?';
    return '?'; // only PC850 is modelled beyond ASCII
  }

  private lineWidthDots(): number {
    return this.line.reduce((sum, segment) => sum + segment.text.length * CHAR_WIDTH_DOTS * segment.widthMul, 0);
  }

  private addText(bytes: Uint8Array): void {
    for (const byte of bytes) {
      const charWidth = CHAR_WIDTH_DOTS * this.style.widthMul;
      if (this.lineWidthDots() + charWidth > PRINTABLE_WIDTH_DOTS) this.printLine(); // auto wrap
      if (this.faults.size > 0) return;
      this.lineAlign ??= this.style.align;
      const last = this.line[this.line.length - 1];
      const char = this.decode(byte);
      const { bold, underline, widthMul, heightMul } = this.style;
      if (last && last.bold === bold && last.underline === underline && last.widthMul === widthMul && last.heightMul === heightMul) {
        last.text += char;
      } else {
        this.line.push({ text: char, bold, underline, widthMul, heightMul });
      }
    }
  }

  private flushPendingLine(): void {
    if (this.line.length > 0) this.printLine();
  }

  private printLine(): void {
    const segments = this.line;
    const align = this.lineAlign ?? this.style.align;
    this.line = [];
    this.lineAlign = undefined;
    if (segments.length === 0) {
      this.printItem({ kind: 'blank', heightDots: this.style.lineSpacingDots });
      return;
    }
    const charHeight = Math.max(...segments.map((segment) => CHAR_HEIGHT_DOTS * segment.heightMul));
    this.printItem({ kind: 'text', align, segments, heightDots: Math.max(this.style.lineSpacingDots, charHeight) });
  }

  private printItem(item: TicketItem): void {
    if (this.faults.size > 0 || this.discarding) return;
    if (this.faultCountdown) {
      if (this.faultCountdown.items <= 0) {
        const { fault } = this.faultCountdown;
        this.faultCountdown = undefined;
        this.setFault(fault);
        return;
      }
      this.faultCountdown.items--;
    }
    if (item.heightDots > this.remainingDots) {
      this.setFault('paper-out');
      return;
    }
    this.remainingDots -= item.heightDots;
    this.piece.items.push(item);
  }

  private interruptPiece(fault: SimulatedFault): void {
    this.discarding = true;
    this.line = [];
    this.lineAlign = undefined;
    if (this.piece.items.length > 0) this.piece.incompleteReason ??= fault;
  }

  private finishPiece(): void {
    const items = this.piece.items;
    const heightDots = items.reduce((sum, item) => sum + item.heightDots, 0);
    const ticket: Ticket = {
      index: this.pieces.length + 1,
      complete: this.piece.incompleteReason === undefined,
      items,
      heightDots,
      lengthMm: heightDots / DOTS_PER_MM,
      text: ticketToText(items),
      ...(this.piece.incompleteReason ? { incompleteReason: this.piece.incompleteReason } : {}),
    };
    this.pieces.push(ticket);
    this.piece = { items: [] };
    this.emit('ticket', ticket);
  }

  /** GS ( k cn=49: QR model / module size / error level / store data / print. */
  private applyQr(fn: number, params: Uint8Array): void {
    switch (fn) {
      case 67:
        if (params[0] !== undefined && params[0] >= 1 && params[0] <= 16) this.qr.moduleDots = params[0];
        return;
      case 69: {
        const levels = { 48: 'L', 49: 'M', 50: 'Q', 51: 'H' } as const;
        const level = levels[params[0] as keyof typeof levels] as 'L' | 'M' | 'Q' | 'H' | undefined;
        if (level) this.qr.level = level;
        return;
      }
      case 80:
        this.qr.data = params.slice(1); // params[0] is m = 48
        return;
      case 81:
        this.printStoredQr();
        return;
      default:
        return; // model selection and size queries do not change the drawing
    }
  }

  private printStoredQr(): void {
    const data = this.qr.data;
    if (!data || data.length === 0) return;
    this.flushPendingLine();
    let matrix;
    try {
      matrix = QRCode.create([{ data: Buffer.from(data), mode: 'byte' }], { errorCorrectionLevel: this.qr.level }).modules;
    } catch {
      this.recordUnknown(data, 'QR data does not fit a QR code');
      return;
    }
    const size = matrix.size * this.qr.moduleDots;
    const widthBytes = Math.ceil(size / 8);
    const bits = new Uint8Array(widthBytes * size);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        if (matrix.get(Math.floor(y / this.qr.moduleDots), Math.floor(x / this.qr.moduleDots))) {
          const index = y * widthBytes + (x >> 3);
          bits[index] = (bits[index] ?? 0) | (0x80 >> (x & 7));
        }
      }
    }
    this.printItem({ kind: 'image', align: this.style.align, widthBytes, rows: size, data: bits, scaleX: 1, scaleY: 1, heightDots: size });
  }
}
