import test from 'ava';
import {
  alignInColumns,
  documentToPlainText,
  feed,
  heading,
  layoutDocument,
  makeDocument,
  qr,
  rule,
  text,
  textHeightMm,
  VOTER_FACING_TEXT_SIZE,
  voterText,
  wrapText,
} from '../shared/documents/print-document.ts';
import { CP850_HIGH_HALF, decodeCp850Byte, toCp850Printable } from '../shared/devices/printer/cp850.ts';
import { CollectingAdapter, createEscposPrinter, ENCODING_PC850 } from '../shared/devices/printer/escpos-render.ts';

test('voter-facing text is at least 3.5 mm tall at 203 dpi, normal font A is not', (t) => {
  t.true(textHeightMm(VOTER_FACING_TEXT_SIZE) >= 3.5);
  t.true(textHeightMm('normal') < 3.5);
  t.is(voterText('x').style.size, VOTER_FACING_TEXT_SIZE);
});

test('a document always ends with exactly one cut', (t) => {
  const doc = makeDocument([text('a'), rule(), feed(2)]);
  const cuts = doc.blocks.filter((block) => block.kind === 'cut');
  t.is(cuts.length, 1);
  t.is(doc.blocks[doc.blocks.length - 1]?.kind, 'cut');
  t.is(doc.columns, 48);
});

test('long text wraps at spaces within the columns of its size', (t) => {
  const words = 'Usted ha emitido su voto en la mesa de sufragio número 123456 del distrito de Miraflores';
  const normal = wrapText(words, 48);
  t.true(normal.length > 1);
  t.true(normal.every((line) => line.length <= 48));
  t.is(normal.join(' '), words);
  const doc = makeDocument([text(words, { size: 'double' })]);
  const lines = layoutDocument(doc).filter((item) => item.kind === 'line');
  t.true(lines.every((line) => line.kind === 'line' && line.text.length <= 24));
});

test('a word longer than the line is split, not lost', (t) => {
  const lines = wrapText('x'.repeat(50), 20);
  t.deepEqual(lines.map((line) => line.length), [20, 20, 10]);
});

test('plain text aligns lines, shows QR content and drops trailing blank paper', (t) => {
  const doc = makeDocument([heading('ACTA'), text('derecha', { align: 'right' }), rule('='), qr('dato'), feed(3)]);
  const lines = documentToPlainText(doc).split('\n');
  t.deepEqual(lines, [alignInColumns('ACTA', 24, 'center'), ' '.repeat(41) + 'derecha', '='.repeat(48), '[QR: dato]']);
});

test('plain text never carries control characters', (t) => {
  const doc = makeDocument([text('a\u001b@b\u0010\u0004c')]);
  t.false(/\p{Cc}/u.test(documentToPlainText(doc)));
});

test('our PC850 table agrees with the encoding @node-escpos/core uses (iconv cp850)', async (t) => {
  const adapter = new CollectingAdapter();
  const escpos = createEscposPrinter(adapter, 48);
  escpos.pureText(CP850_HIGH_HALF, ENCODING_PC850);
  await escpos.flush();
  const bytes = Buffer.concat(adapter.chunks);
  t.deepEqual([...bytes], Array.from({ length: 128 }, (_, i) => 0x80 + i));
  for (const char of 'ñÑáéíóúÁÉÍÓÚüÜ¿¡°') {
    const index = Array.from(CP850_HIGH_HALF).indexOf(char);
    t.true(index >= 0, char);
    t.is(decodeCp850Byte(0x80 + index), char);
  }
});

test('characters outside PC850 fall back to look-alikes, unaccented letters, then ?', (t) => {
  t.is(toCp850Printable('Ñandú ¿sí? ¡ya! 20°'), 'Ñandú ¿sí? ¡ya! 20°');
  t.is(toCp850Printable('“citado” – fin…'), '"citado" - fin...');
  t.is(toCp850Printable('Łódź Wałęsa'), '?ódz Wa?esa'); // ó is in PC850; ź ę lose the accent; Ł ł do not decompose
  t.is(toCp850Printable('€5'), 'EUR5');
  t.is(toCp850Printable('漢字'), '??');
});

test('control characters in data cannot inject printer commands', (t) => {
  const printable = toCp850Printable('Juan\u001bd\u0003\u001dV\u0000\u0010\u0004\u0001\nPérez');
  t.false([...printable].some((char) => char.charCodeAt(0) < 0x20));
});
