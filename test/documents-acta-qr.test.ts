import test from 'ava';
import fc from 'fast-check';
import QRCode from 'qrcode';
import { decodeQrFromImage } from '../hardware-sim/printer/ticket-render.ts';
import { PrinterMechanism } from '../hardware-sim/printer/printer-mechanism.ts';
import { renderDocumentBytes } from '../shared/devices/printer/escpos-render.ts';
import {
  ACTA_QR_MAX_VERSION,
  ACTA_QR_MODULE_DOTS,
  actaQrChunks,
  decodeActaQrChunks,
} from '../shared/documents/acta-qr.ts';
import { makeDocument, PAPER_80MM_PRINTABLE_DOTS, qr } from '../shared/documents/print-document.ts';
import { largestRealisticActa } from './helpers/acta-fixture.ts';

const LARGEST = largestRealisticActa();

function mustDecode(chunks: readonly string[]): Uint8Array {
  const decoded = decodeActaQrChunks(chunks);
  if (!decoded.ok) throw new Error(decoded.error);
  return decoded.value;
}

test('the largest realistic eg2026 acta round-trips through its QR texts, in any order', (t) => {
  const chunks = actaQrChunks(LARGEST.bytes);
  t.true(chunks.length > 1, 'a full mesa needs several codes');
  t.deepEqual(mustDecode(chunks), LARGEST.bytes);
  t.deepEqual(mustDecode([...chunks].reverse()), LARGEST.bytes);
  t.true(chunks.every((chunk, i) => chunk.startsWith(`VEPA1:${i + 1}/${chunks.length}:`)));
});

test('every acta QR is alphanumeric mode, at most version 20-M, and fits the 80 mm roll at 5 dots per module', (t) => {
  for (const chunk of actaQrChunks(LARGEST.bytes)) {
    const symbol = QRCode.create(chunk, { errorCorrectionLevel: 'M' });
    t.true(symbol.version <= ACTA_QR_MAX_VERSION, `version ${symbol.version}`);
    t.deepEqual(
      symbol.segments.map((s) => s.mode.id),
      ['Alphanumeric'],
    );
    t.true((symbol.modules.size + 8) * ACTA_QR_MODULE_DOTS <= PAPER_80MM_PRINTABLE_DOTS);
  }
});

test('the QR codes printed by the simulated 80 mm printer scan back to the acta bytes', async (t) => {
  const chunks = actaQrChunks(LARGEST.bytes);
  const doc = makeDocument(chunks.map((chunk) => qr(chunk, { moduleDots: ACTA_QR_MODULE_DOTS })));
  const mechanism = new PrinterMechanism(() => {});
  mechanism.receive(await renderDocumentBytes(doc));
  const [ticket] = mechanism.tickets();
  if (ticket === undefined) return t.fail('nothing printed');
  const images = ticket.items.flatMap((item) => (item.kind === 'image' ? [item] : []));
  t.is(images.length, chunks.length);
  for (const image of images) {
    t.true(image.widthBytes * 8 * image.scaleX <= PAPER_80MM_PRINTABLE_DOTS);
  }
  const scanned = images.map((image) => decodeQrFromImage(image));
  t.deepEqual(scanned, chunks, 'jsqr reads exactly the printed texts');
  t.deepEqual(mustDecode(scanned.map((s) => s ?? '')), LARGEST.bytes);
});

test('property: any bytes round-trip through the QR chunks', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 6000 }), fc.integer(), (bytes, seed) => {
      const chunks = actaQrChunks(bytes);
      const shuffled = [...chunks].sort((a, b) => ((a.length * 31 + seed) % 7) - ((b.length * 17 + seed) % 5));
      const decoded = decodeActaQrChunks(shuffled);
      return decoded.ok && Buffer.from(decoded.value).equals(Buffer.from(bytes));
    }),
    { numRuns: 100 },
  );
  t.pass();
});

test('missing, duplicated, foreign, truncated or altered chunks are refused', (t) => {
  const chunks = actaQrChunks(LARGEST.bytes);
  const [first, second, ...rest] = chunks;
  if (first === undefined || second === undefined) return t.fail('expected several chunks');
  const refused = (given: string[], pattern: RegExp): void => {
    const decoded = decodeActaQrChunks(given);
    t.false(decoded.ok);
    if (!decoded.ok) t.regex(decoded.error, pattern);
  };
  refused([], /no QR/u);
  refused([second, ...rest], /part\(s\) 1 of \d+ missing/u);
  refused([first, first, second, ...rest], /given twice/u);
  refused(['HELLO', ...chunks], /not an acta QR/u);

  // Another acta with the same number of chunks: same size, different content.
  const other = actaQrChunks(LARGEST.bytes.map((byte, i) => (i === 100 ? byte ^ 1 : byte)));
  t.is(other.length, chunks.length);
  refused([other[0] ?? '', second, ...rest], /another acta/u);

  // An altered data character (still base45) is caught by inflate or by the tag.
  const altered = first.slice(0, -5) + (first.at(-5) === 'A' ? 'B' : 'A') + first.slice(-4);
  t.false(decodeActaQrChunks([altered, second, ...rest]).ok);
  refused([first.replace(/:([^:]*)$/u, ':abc'), second, ...rest], /outside base45|not an acta/u);
  refused([first.replace(/^VEPA1:1\//u, 'VEPA1:9/'), second, ...rest], /claims to be part|set of/u);
});
