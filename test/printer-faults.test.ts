import test, { type ExecutionContext } from 'ava';
import { createPrinter } from '../shared/devices/printer/factory.ts';
import { INTERRUPTED_JOB_NOTICE } from '../shared/devices/printer/escpos-render.ts';
import type { PrinterError, PrinterStatus } from '../shared/devices/printer/printer.ts';
import type { SimulatedFault } from '../hardware-sim/printer/printer-mechanism.ts';
import { feed, heading, makeDocument, qr, rule, text, voterText } from '../shared/documents/print-document.ts';

// Anything thrown or rejected without a handler anywhere in the process fails the tests below.
const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));
process.on('uncaughtException', (error) => unhandled.push(error));

const TITLE = 'CONSTANCIA DE VOTO';
const job = makeDocument([
  heading(TITLE),
  voterText('Mesa N° 000777', { align: 'center' }),
  voterText('¡Gracias por votar!', { align: 'center' }),
  rule(),
  qr('VEP:000777'),
  text('Conserve este documento.'),
  feed(1),
  text('Fin.'),
]);

const isJobTicket = (ticketText: string): boolean => ticketText.includes(TITLE);

async function simulatedPrinter(t: ExecutionContext) {
  // An 'offline' (switched-off) printer is detected by silence; the reply timeout is generous
  // because several pty pairs and emulators share two busy cores here.
  const created = await createPrinter({ kind: 'simulated-pty', statusReplyTimeoutMs: 1_000, jobStatusPollIntervalMs: 50 });
  if (!created.ok) throw new Error(`cannot create simulated printer: ${JSON.stringify(created.error)}`);
  t.teardown(() => created.value.printer.close());
  const simulator = created.value.simulator;
  if (!simulator) throw new Error('simulated-pty printer without simulator');
  return { printer: created.value.printer, emulator: simulator.emulator, pty: simulator.pty };
}

const faults: { fault: SimulatedFault; status: PrinterStatus; error: PrinterError['kind'] }[] = [
  { fault: 'paper-out', status: 'paper-out', error: 'paper-out' },
  { fault: 'cover-open', status: 'cover-open', error: 'cover-open' },
  { fault: 'offline', status: 'offline', error: 'offline' },
  { fault: 'cutter-error', status: 'error', error: 'error' },
];

for (const { fault, status, error } of faults) {
  test(`${fault} before a job: typed status and error, nothing printed, then exactly one ticket`, async (t) => {
    const { printer, emulator } = await simulatedPrinter(t);
    emulator.setFault(fault);

    t.deepEqual(await printer.status(), { ok: true, value: status });
    const refused = await printer.print({ id: 'job', document: job });
    t.false(refused.ok);
    if (!refused.ok) t.is(refused.error.kind, error);
    t.is(emulator.tickets().length, 0);

    emulator.clearFault(fault);
    t.deepEqual(await printer.status(), { ok: true, value: 'ready' });
    t.deepEqual(await printer.print({ id: 'job', document: job }), { ok: true, value: { printed: true } });
    t.is(emulator.completeTickets().filter((ticket) => isJobTicket(ticket.text)).length, 1);
    t.is(emulator.tickets().length, 1);
    t.deepEqual(unhandled, []);
  });
}

test('paper running out in the middle of a job: paper-out, partial marked incomplete, retry prints once', async (t) => {
  const { printer, emulator } = await simulatedPrinter(t);
  const warmUp = makeDocument([text('calibración')]);
  t.true((await printer.print({ id: 'warm-up', document: warmUp })).ok);
  t.true((await printer.print({ id: 'measure', document: job })).ok);
  const measured = emulator.tickets()[1];
  if (!measured) return t.fail('no measured ticket');

  // A roll with room for half of the job.
  emulator.refillPaper(measured.lengthMm / 2);
  const failed = await printer.print({ id: 'job', document: job });
  t.deepEqual(failed, { ok: false, error: { kind: 'paper-out' } });
  t.deepEqual(await printer.status(), { ok: true, value: 'paper-out' });

  emulator.refillPaper();
  t.deepEqual(await printer.print({ id: 'job', document: job }), { ok: true, value: { printed: true } });

  const pieces = emulator.tickets();
  const incomplete = pieces.filter((ticket) => !ticket.complete);
  t.is(incomplete.length, 1);
  t.is(incomplete[0]?.incompleteReason, 'paper-out');
  t.true(isJobTicket(incomplete[0]?.text ?? ''), 'the fragment holds the beginning of the job');
  // Warm-up + measured + retried job are the only complete tickets with content; the slip
  // that voids the fragment is printed on the new roll by the driver.
  const complete = emulator.completeTickets();
  t.is(complete.filter((ticket) => isJobTicket(ticket.text)).length, 2, 'measured job + the retry, never the fragment');
  t.is(complete.filter((ticket) => ticket.text.includes(INTERRUPTED_JOB_NOTICE)).length, 1);
  t.is(pieces[pieces.length - 1]?.text, measured.text, 'the retry is the whole document');
  t.deepEqual(unhandled, []);
});

for (const fault of ['cover-open', 'offline'] as const) {
  test(`${fault} in the middle of a job: typed error, fragment voided and cut off, retry prints once`, async (t) => {
    const { printer, emulator } = await simulatedPrinter(t);
    emulator.scheduleFault(fault, 3);
    const failed = await printer.print({ id: 'job', document: job });
    t.false(failed.ok);
    if (!failed.ok) t.is(failed.error.kind, fault);
    t.is(emulator.tickets().length, 0, 'the fragment is still in the printer, uncut');

    emulator.clearFault(fault);
    t.deepEqual(await printer.print({ id: 'job', document: job }), { ok: true, value: { printed: true } });

    const [fragment, retried, ...rest] = emulator.tickets();
    t.deepEqual(rest, []);
    t.false(fragment?.complete);
    t.is(fragment?.incompleteReason, fault);
    t.true(fragment?.text.includes(INTERRUPTED_JOB_NOTICE), 'the fragment carries the void notice');
    t.true(retried?.complete);
    t.is(emulator.completeTickets().filter((ticket) => isJobTicket(ticket.text)).length, 1);
    t.deepEqual(unhandled, []);
  });
}

test('a slow printer still confirms the job once it is printed', async (t) => {
  const { printer, emulator } = await simulatedPrinter(t);
  emulator.setProcessingDelay(20);
  t.deepEqual(await printer.print({ id: 'slow', document: job }), { ok: true, value: { printed: true } });
  t.is(emulator.completeTickets().length, 1);
});

test('a printer that never confirms yields timeout (outcome unknown), not success', async (t) => {
  const created = await createPrinter({ kind: 'simulated-pty', jobConfirmTimeoutMs: 300, jobStatusPollIntervalMs: 50 });
  if (!created.ok) return t.fail('no printer');
  t.teardown(() => created.value.printer.close());
  const emulator = created.value.simulator?.emulator;
  if (!emulator) return t.fail('no emulator');
  emulator.setProcessingDelay(60_000); // status stays ready, the mechanism never gets to the job
  t.deepEqual(await created.value.printer.print({ id: 'stuck', document: job }), { ok: false, error: { kind: 'timeout' } });
  t.is(emulator.completeTickets().length, 0);
});

test('a vanished device (socat killed) is device-removed, never a throw', async (t) => {
  const { printer, pty } = await simulatedPrinter(t);
  t.true((await printer.print({ id: 'before', document: makeDocument([text('antes')]) })).ok);
  await pty.close();
  t.deepEqual(await printer.status(), { ok: false, error: { kind: 'device-removed' } });
  t.deepEqual(await printer.print({ id: 'after', document: job }), { ok: false, error: { kind: 'device-removed' } });
  t.deepEqual(unhandled, []);
});

test('a serial path that does not exist is device-removed', async (t) => {
  const created = await createPrinter({ kind: 'escpos-serial', path: '/dev/vep-no-such-printer' });
  t.deepEqual(created, { ok: false, error: { kind: 'device-removed' } });
});
