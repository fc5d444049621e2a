import test from 'ava';
import fc from 'fast-check';
import { createEscposParser, parseEscpos, type EscposEvent } from '../hardware-sim/printer/escpos-parser.ts';
import { PrinterMechanism } from '../hardware-sim/printer/printer-mechanism.ts';
import { renderTicketPng } from '../hardware-sim/printer/ticket-render.ts';
import {
  classifyReplyByte,
  decodeRealtimeStatus,
  decodeTransmittedPaperStatus,
  StatusReplyRouter,
} from '../shared/devices/printer/escpos-status.ts';
import { renderDocumentBytes } from '../shared/devices/printer/escpos-render.ts';
import { CP850_HIGH_HALF } from '../shared/devices/printer/cp850.ts';
import {
  documentToPlainText,
  feed,
  heading,
  makeDocument,
  qr,
  rule,
  text,
  voterText,
  type ContentBlock,
} from '../shared/documents/print-document.ts';

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    parts.push(bytes.slice(start, point));
    start = point;
  }
  parts.push(bytes.slice(start));
  return parts;
}

function parseInParts(parts: Uint8Array[]): EscposEvent[] {
  const parser = createEscposParser();
  const events = parts.flatMap((part) => parser.push(part));
  return [...events, ...parser.end()];
}

const SAMPLE_DOC = makeDocument([
  heading('CONSTANCIA DE VOTO'),
  voterText('Señora: ¿votó? ¡Sí!', { align: 'center' }),
  rule(),
  qr('VEP|mesa=000123|2026'),
  text('Fin', { bold: true, underline: true, align: 'right' }),
]);

test('the driver output parses without unknown commands, with code page 850, raster and cut', async (t) => {
  const events = parseEscpos(await renderDocumentBytes(SAMPLE_DOC));
  t.deepEqual(events.filter((event) => event.kind === 'unknown'), []);
  t.truthy(events.find((event) => event.kind === 'code-page' && event.page === 2));
  t.is(events.filter((event) => event.kind === 'raster').length, 1);
  t.is(events.filter((event) => event.kind === 'cut').length, 1);
  t.is(events[events.length - 1]?.kind, 'cut');
});

test('a DLE EOT split across chunks is still one status request', (t) => {
  const parser = createEscposParser();
  t.deepEqual(parser.push(Uint8Array.of(0x41, 0x10)), [{ kind: 'text', bytes: Uint8Array.of(0x41) }]);
  t.deepEqual(parser.push(Uint8Array.of(0x04)), []);
  t.deepEqual(parser.push(Uint8Array.of(0x02)), [{ kind: 'realtime-status-request', n: 2 }]);
});

test('garbage is reported as unknown commands and parsing goes on', (t) => {
  const events = parseEscpos(Uint8Array.of(0x1b, 0xff, 0x41, 0x0a, 0x1d, 0xfe, 0x07, 0x10, 0x04, 0x09));
  t.is(events.filter((event) => event.kind === 'unknown').length, 4);
  t.truthy(events.find((event) => event.kind === 'line-feed'));
});

test('a raster header declaring gigabytes does not swallow the stream', (t) => {
  const events = parseEscpos(Uint8Array.of(0x1d, 0x76, 0x30, 0x00, 0xff, 0xff, 0xff, 0xff, 0x10, 0x04, 0x01));
  t.is(events[0]?.kind, 'unknown');
  t.deepEqual(events[1], { kind: 'realtime-status-request', n: 1 });
});

test('property: random bytes never crash the parser and any split gives the same events', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.array(fc.nat(), { maxLength: 12 }), (bytes, cuts) => {
      const whole = parseEscpos(bytes);
      const split = parseInParts(splitAt(bytes, cuts));
      return JSON.stringify(split) === JSON.stringify(whole);
    }),
    { numRuns: 400 },
  );
  t.pass();
});

test('property: ESC/POS-shaped garbage never crashes the parser, the mechanism or the renderers', (t) => {
  const commandish = fc.oneof(
    fc.uint8Array({ maxLength: 8 }),
    fc.tuple(fc.constantFrom(0x1b, 0x1d, 0x10, 0x1c), fc.uint8Array({ maxLength: 6 })).map(([head, tail]) => Uint8Array.of(head, ...tail)),
    fc.constant(Uint8Array.of(0x1d, 0x76, 0x30, 0x00, 0x02, 0x00, 0x04, 0x00, 1, 2, 3, 4, 5, 6, 7, 8)),
    fc.constant(Uint8Array.of(0x0a)),
    fc.constant(Uint8Array.of(0x1d, 0x56, 0x00)),
  );
  fc.assert(
    fc.property(fc.array(commandish, { maxLength: 60 }), fc.array(fc.nat(), { maxLength: 8 }), (pieces, cuts) => {
      const bytes = Uint8Array.from(pieces.flatMap((piece) => [...piece]));
      const replies: number[] = [];
      const mechanism = new PrinterMechanism((reply) => replies.push(...reply), { paperLengthMm: 200 });
      for (const part of splitAt(bytes, cuts)) mechanism.receive(part);
      for (const ticket of mechanism.tickets()) {
        if (typeof ticket.text !== 'string') return false;
        if (renderTicketPng(ticket.items).length === 0) return false;
      }
      return replies.every((byte) => byte >= 0 && byte <= 0xff);
    }),
    { numRuns: 150 },
  );
  t.pass();
});

test('property: the driver status decoder accepts any bytes and routes replies by kind', (t) => {
  const statuses = new Set(['ready', 'paper-low', 'paper-out', 'cover-open', 'offline', 'error']);
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ maxLength: 200 }), fc.nat({ max: 5 }), fc.nat({ max: 5 }), (four, stream, realtimeWaiters, transmittedWaiters) => {
      const [printer = 0, offlineCause = 0, errorCause = 0, paperSensor = 0] = four;
      const decoded = decodeRealtimeStatus({ printer, offlineCause, errorCause, paperSensor });
      if (!statuses.has(decoded.status)) return false;
      if (decoded.status === 'error' && !decoded.detail) return false;
      const paper = decodeTransmittedPaperStatus(four[0] ?? 0);
      if (typeof paper.paperOut !== 'boolean') return false;

      const router = new StatusReplyRouter();
      const got: { kind: string; byte: number }[] = [];
      for (let i = 0; i < realtimeWaiters; i++) router.expect('realtime-status', (byte) => got.push({ kind: 'realtime-status', byte }));
      for (let i = 0; i < transmittedWaiters; i++) router.expect('transmitted-status', (byte) => got.push({ kind: 'transmitted-status', byte }));
      router.feed(stream);
      const realtime = [...stream].filter((byte) => classifyReplyByte(byte) === 'realtime-status');
      const transmitted = [...stream].filter((byte) => classifyReplyByte(byte) === 'transmitted-status');
      const expectedDelivered = Math.min(realtime.length, realtimeWaiters) + Math.min(transmitted.length, transmittedWaiters);
      return (
        got.length === expectedDelivered &&
        got.every((reply) => classifyReplyByte(reply.byte) === reply.kind) &&
        got.length + router.ignoredBytes === stream.length
      );
    }),
    { numRuns: 500 },
  );
  t.pass();
});

test('status decoding follows the Epson bits', (t) => {
  const base = { printer: 0x12, offlineCause: 0x12, errorCause: 0x12, paperSensor: 0x12 };
  t.is(decodeRealtimeStatus(base).status, 'ready');
  t.is(decodeRealtimeStatus({ ...base, paperSensor: 0x12 | 0x0c }).status, 'paper-low');
  t.is(decodeRealtimeStatus({ ...base, printer: 0x1a, paperSensor: 0x72 }).status, 'paper-out');
  t.is(decodeRealtimeStatus({ ...base, printer: 0x1a, offlineCause: 0x16 }).status, 'cover-open');
  t.is(decodeRealtimeStatus({ ...base, printer: 0x1a }).status, 'offline');
  t.deepEqual(decodeRealtimeStatus({ ...base, errorCause: 0x1a }), { status: 'error', detail: 'autocutter error' });
  t.is(classifyReplyByte(0x12), 'realtime-status');
  t.is(classifyReplyByte(0x00), 'transmitted-status');
  t.is(classifyReplyByte(0x13), 'unknown'); // XOFF is not a status
});

const PRINTABLE_CHARS = [
  ...Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)),
  ...Array.from(CP850_HIGH_HALF).filter((char) => char !== '\u00AD' && char !== '\u00A0'),
];

test('property: what the simulated printer prints is what documentToPlainText says', async (t) => {
  const line = fc.string({ unit: fc.constantFrom(...PRINTABLE_CHARS), maxLength: 70 });
  const block: fc.Arbitrary<ContentBlock> = fc.oneof(
    fc.tuple(line, fc.constantFrom('left', 'center', 'right' as const), fc.constantFrom('normal', 'double-height', 'double' as const), fc.boolean())
      .map(([content, align, size, bold]) => text(content, { align, size, bold })),
    fc.constantFrom('-', '=' as const).map((char) => rule(char)),
    fc.integer({ min: 1, max: 3 }).map((lines) => feed(lines)),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(block, { maxLength: 8 }), async (blocks) => {
      const doc = makeDocument(blocks);
      const mechanism = new PrinterMechanism(() => {});
      mechanism.receive(await renderDocumentBytes(doc));
      const tickets = mechanism.tickets();
      const expected = documentToPlainText(doc);
      if (expected === '') return tickets.length <= 1;
      return tickets.length === 1 && tickets[0]?.complete === true && tickets[0].text === expected;
    }),
    { numRuns: 150 },
  );
  t.pass();
});
