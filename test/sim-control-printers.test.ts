import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs';
import http from 'node:http';
import { SimulatedHardware } from '../hardware-sim/control/simulated-hardware.ts';
import { startControlServer } from '../hardware-sim/control/control-server.ts';
import { PRINTER_FAULTS, type PrinterSnapshot, type TicketSummary } from '../hardware-sim/control/printers.ts';
import { createPrinter } from '../shared/devices/printer/factory.ts';
import type { PrinterError, PrinterStatus } from '../shared/devices/printer/printer.ts';
import { heading, makeDocument, qr, text } from '../shared/documents/print-document.ts';

interface Reply {
  status: number;
  contentType: string;
  bytes: Buffer;
}

function request(url: string, method: string, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), bytes: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const json = <T>(reply: Reply): T => JSON.parse(reply.bytes.toString('utf8')) as T;

const TITLE = 'CONSTANCIA DE PRUEBA';
const job = makeDocument([heading(TITLE), text('Mesa 000123'), qr('VEP:000123'), text('Fin.')]);

async function setup(t: ExecutionContext) {
  const hardware = new SimulatedHardware();
  t.teardown(() => hardware.close());
  const started = await hardware.startPrinter('p1');
  if (!started.ok) throw new Error(started.error);
  const ptyPath = started.value;
  const server = await startControlServer(hardware);
  t.teardown(() => server.close());
  // The station's side: the real serial driver on the pty path the registry answered.
  const driver = await createPrinter({ kind: 'escpos-serial', path: ptyPath, statusReplyTimeoutMs: 1_500, jobStatusPollIntervalMs: 50 });
  if (!driver.ok) throw new Error(`driver: ${JSON.stringify(driver.error)}`);
  t.teardown(() => driver.value.printer.close());
  const post = async (route: string, body: unknown) => request(`${server.url}${route}`, 'POST', body);
  const printerState = async (): Promise<PrinterSnapshot | undefined> =>
    json<{ state: { printers: PrinterSnapshot[] } }>(await request(`${server.url}/state`, 'GET')).state.printers[0];
  return { hardware, server, printer: driver.value.printer, ptyPath, post, printerState };
}

const expected: Record<(typeof PRINTER_FAULTS)[number], { status: PrinterStatus; error: PrinterError['kind'] }> = {
  'paper-out': { status: 'paper-out', error: 'paper-out' },
  'cover-open': { status: 'cover-open', error: 'cover-open' },
  offline: { status: 'offline', error: 'offline' },
  'cutter-error': { status: 'error', error: 'error' },
};

test('printer faults injected over HTTP reach the real driver as typed statuses; clear prints exactly once', async (t) => {
  const { printer, post, printerState, ptyPath } = await setup(t);
  t.like(await printerState(), { name: 'p1', ptyPath, status: 'ready', faults: [], tickets: 0, completeTickets: 0, socatAlive: true });

  let complete = 0;
  for (const fault of PRINTER_FAULTS) {
    const injected = await post('/printer/fault', { printer: 'p1', fault });
    t.is(injected.status, 200, fault);
    t.like(await printerState(), { status: expected[fault].status, faults: [fault] }, fault);
    t.deepEqual(await printer.status(), { ok: true, value: expected[fault].status }, fault);
    const refused = await printer.print({ id: `refused-${fault}`, document: job });
    t.deepEqual(refused.ok ? 'printed' : refused.error.kind, expected[fault].error, fault);

    t.is((await post('/printer/clear', { printer: 'p1' })).status, 200, fault);
    t.deepEqual(await printer.status(), { ok: true, value: 'ready' }, fault);
    t.deepEqual(await printer.print({ id: `after-${fault}`, document: job }), { ok: true, value: { printed: true } }, fault);
    complete++;
    t.like(await printerState(), { status: 'ready', faults: [], tickets: complete, completeTickets: complete }, fault);
  }
});

test('paper-low threshold, refill, slow processing and scheduled faults are driven over HTTP', async (t) => {
  const { printer, post, printerState, hardware } = await setup(t);
  t.is((await post('/printer/refill', { printer: 'p1', lengthMm: 500 })).status, 200);
  t.like(await printerState(), { remainingPaperMm: 500 });
  t.is((await post('/printer/paper-low', { printer: 'p1', thresholdMm: 600 })).status, 200);
  t.like(await printerState(), { status: 'paper-low', paperLowThresholdMm: 600 });
  t.deepEqual(await printer.status(), { ok: true, value: 'paper-low' });
  t.is((await post('/printer/refill', { printer: 'p1' })).status, 200);
  t.deepEqual(await printer.status(), { ok: true, value: 'ready' });

  t.is((await post('/printer/slow', { printer: 'p1', delayMs: 5 })).status, 200);
  t.like(await printerState(), { processingDelayMs: 5 });
  t.true((await printer.print({ id: 'slow', document: job })).ok, 'a slow printer still prints');
  t.is((await post('/printer/slow', { printer: 'p1', delayMs: 0 })).status, 200);

  t.is((await post('/printer/fault', { printer: 'p1', fault: 'cover-open', afterItems: 1 })).status, 200);
  t.like(await printer.print({ id: 'interrupted', document: job }), { ok: false, error: { kind: 'cover-open' } });
  t.is((await post('/printer/clear', { printer: 'p1', fault: 'cover-open' })).status, 200);
  t.true((await printer.print({ id: 'retried', document: job })).ok);
  const emulator = hardware.printers.emulator('p1');
  t.deepEqual(emulator?.tickets().map((ticket) => ticket.complete), [true, false, true]);

  t.is((await post('/printer/fault', { printer: 'p1', fault: 'meteor' })).status, 400);
  t.is((await post('/printer/slow', { printer: 'p1', delayMs: -1 })).status, 400);
  t.deepEqual(json(await post('/printer/clear', { printer: 'p9' })), { ok: false, error: 'no simulated printer named p9' });
});

test('tickets are listed and served as PNG and text', async (t) => {
  const { printer, post, server } = await setup(t);
  t.true((await printer.print({ id: 'one', document: job })).ok);
  t.is((await post('/printer/fault', { printer: 'p1', fault: 'paper-out', afterItems: 1 })).status, 200);
  t.false((await printer.print({ id: 'cut-short', document: job })).ok);
  t.is((await post('/printer/clear', { printer: 'p1' })).status, 200);

  const listed = await request(`${server.url}/printers/p1/tickets`, 'GET');
  t.is(listed.status, 200);
  const { tickets } = json<{ tickets: TicketSummary[] }>(listed);
  t.deepEqual(tickets.map((ticket) => [ticket.index, ticket.complete, ticket.incompleteReason]), [[1, true, null], [2, false, 'paper-out']]);
  t.true(tickets[0]?.text.includes(TITLE));

  const png = await request(`${server.url}/printers/p1/tickets/1.png`, 'GET');
  t.is(png.status, 200);
  t.is(png.contentType, 'image/png');
  t.deepEqual([...png.bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const txt = await request(`${server.url}/printers/p1/tickets/1.txt`, 'GET');
  t.is(txt.status, 200);
  t.regex(txt.contentType, /^text\/plain/);
  t.is(txt.bytes.toString('utf8'), `${tickets[0]?.text ?? 'missing'}\n`);

  t.is((await request(`${server.url}/printers/p1/tickets/3.png`, 'GET')).status, 404);
  t.is((await request(`${server.url}/printers/p9/tickets`, 'GET')).status, 404);
  t.is((await request(`${server.url}/printers/p1/tickets/..%2F1.png`, 'GET')).status, 404);
});

test('close() stops the emulators and socat: the pty disappears', async (t) => {
  const hardware = new SimulatedHardware();
  const started = await hardware.startPrinter('p1');
  if (!started.ok) return t.fail(started.error);
  t.deepEqual(await hardware.startPrinter('p1'), { ok: false, error: 'a simulated printer named p1 exists' });
  t.true(fs.existsSync(started.value));
  await hardware.close();
  t.false(fs.existsSync(started.value));
  t.deepEqual(hardware.snapshot().printers, []);
});
