import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { createPrinter } from '../shared/devices/printer/factory.ts';
import {
  documentToPlainText,
  feed,
  heading,
  makeDocument,
  PAPER_80MM_PRINTABLE_DOTS,
  qr,
  rule,
  text,
  voterText,
} from '../shared/documents/print-document.ts';

// jsqr is CommonJS; under NodeNext its default import is the module object.
const jsQR = jsQRModule.default;

const QR_CONTENT = 'VEP:constancia:mesa=004512:2026-04-12:firma=3q2+7w==';

const constancia = makeDocument([
  heading('CONSTANCIA'),
  heading('DE VOTO'),
  feed(1),
  voterText('Mesa N° 004512', { align: 'center' }),
  voterText('Señor elector: ¿votó? ¡Sí!', { align: 'center' }),
  text('Cañete, Ñuñoa, pingüino: á é í ó ú ü Á É Í Ó Ú Ü'),
  rule(),
  qr(QR_CONTENT, { moduleDots: 5 }),
  text('Conserve esta constancia', { align: 'center', bold: true }),
]);

const EXPECTED_LINES = [
  '       CONSTANCIA',
  '        DE VOTO',
  '',
  '                 Mesa N° 004512',
  '           Señor elector: ¿votó? ¡Sí!',
  'Cañete, Ñuñoa, pingüino: á é í ó ú ü Á É Í Ó Ú Ü',
  '------------------------------------------------',
  `[QR: ${QR_CONTENT}]`,
  '            Conserve esta constancia',
];

async function simulatedPrinter(t: { teardown: (fn: () => Promise<void>) => void }, outputDir?: string) {
  const created = await createPrinter({ kind: 'simulated-pty', outputDir });
  if (!created.ok) throw new Error(`cannot create simulated printer: ${JSON.stringify(created.error)}`);
  t.teardown(() => created.value.printer.close());
  const simulator = created.value.simulator;
  if (!simulator) throw new Error('simulated-pty printer without simulator');
  return { printer: created.value.printer, emulator: simulator.emulator, pty: simulator.pty };
}

test('a constancia with Spanish characters and a QR prints through serialport over a socat pty', async (t) => {
  const { printer, emulator, pty } = await simulatedPrinter(t);
  t.true(fs.realpathSync(pty.hostPath).startsWith('/dev/pts/'));

  t.deepEqual(await printer.status(), { ok: true, value: 'ready' });
  t.deepEqual(await printer.print({ id: 'job-1', document: constancia }), { ok: true, value: { printed: true } });

  const tickets = emulator.tickets();
  t.is(tickets.length, 1);
  const ticket = tickets[0];
  if (!ticket) return;
  t.true(ticket.complete);
  t.deepEqual(ticket.text.split('\n'), EXPECTED_LINES);
  t.is(ticket.text, documentToPlainText(constancia));
  t.is(emulator.unknownCommands().total, 0);

  const png = PNG.sync.read(emulator.renderPng(ticket));
  const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  t.is(decoded?.data, QR_CONTENT);
});

test('the PNG of a ticket is 576 px wide (80 mm at 203 dpi) and as tall as the paper it used', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const { printer, emulator } = await simulatedPrinter(t, dir);
  const result = await printer.print({ id: 'job-png', document: makeDocument([heading('PUESTA A CERO'), text('Votos: 0')]) });
  t.true(result.ok);
  const ticket = emulator.tickets()[0];
  if (!ticket) return t.fail('no ticket');
  const png = PNG.sync.read(fs.readFileSync(path.join(dir, 'ticket-0001.png')));
  t.is(png.width, PAPER_80MM_PRINTABLE_DOTS);
  t.is(png.width, 576);
  t.is(png.height, ticket.heightDots);
  t.is(ticket.lengthMm, ticket.heightDots / 8);
  t.is(fs.readFileSync(path.join(dir, 'ticket-0001.txt'), 'utf8'), `${ticket.text}\n`);
  // Something was actually drawn: the heading's glyphs put black dots in the first line.
  let black = 0;
  for (let i = 0; i < 576 * 48 * 4; i += 4) if (png.data[i] === 0) black++;
  t.true(black > 100);
});

test('a low roll reports paper-low and still prints', async (t) => {
  const { printer, emulator } = await simulatedPrinter(t);
  emulator.setPaperLowThreshold(emulator.snapshot().remainingPaperMm);
  t.deepEqual(await printer.status(), { ok: true, value: 'paper-low' });
  t.true((await printer.print({ id: 'low', document: makeDocument([text('ok')]) })).ok);
  t.is(emulator.completeTickets().length, 1);
});

test('jobs and status requests issued together are serialised, each job printed once', async (t) => {
  const { printer, emulator } = await simulatedPrinter(t);
  const docA = makeDocument([text('A')]);
  const docB = makeDocument([text('B')]);
  const [a, status, b] = await Promise.all([
    printer.print({ id: 'a', document: docA }),
    printer.status(),
    printer.print({ id: 'b', document: docB }),
  ]);
  t.true(a.ok);
  t.true(b.ok);
  t.deepEqual(status, { ok: true, value: 'ready' });
  t.deepEqual(emulator.completeTickets().map((ticket) => ticket.text), ['A', 'B']);
});
