/** The boot printer check: a silent printer is asked again; an answer is believed at once. */
import test from 'ava';
import { err, ok, type Result } from '../shared/result.ts';
import type { PrinterError, PrinterStatus } from '../shared/devices/printer/printer.ts';
import { printerPresent, printerStatusAtSelfCheck, SELF_CHECK_STATUS_ATTEMPTS } from '../shared/devices/printer/self-check.ts';

function scripted(answers: Array<Result<PrinterStatus, PrinterError>>) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    status: () => {
      const answer = answers[Math.min(calls, answers.length - 1)];
      calls++;
      if (answer === undefined) throw new Error('no scripted answer');
      return Promise.resolve(answer);
    },
  };
}

test('a printer that misses one status request and then answers is present', async (t) => {
  const printer = scripted([ok('offline'), ok('ready')]);
  const status = await printerStatusAtSelfCheck(printer);
  t.true(printerPresent(status));
  t.is(printer.calls, 2);
});

test('a printer that never answers is absent after the named number of attempts', async (t) => {
  const printer = scripted([ok('offline')]);
  const status = await printerStatusAtSelfCheck(printer);
  t.false(printerPresent(status));
  t.is(printer.calls, SELF_CHECK_STATUS_ATTEMPTS);
});

test('an answer is believed at once: paper out is present (handled later), an error status or a removed port is not retried', async (t) => {
  const paperOut = scripted([ok('paper-out')]);
  t.true(printerPresent(await printerStatusAtSelfCheck(paperOut)));
  t.is(paperOut.calls, 1);
  const failing = scripted([ok('error')]);
  t.false(printerPresent(await printerStatusAtSelfCheck(failing)));
  t.is(failing.calls, 1);
  const removed = scripted([err({ kind: 'device-removed' })]);
  t.false(printerPresent(await printerStatusAtSelfCheck(removed)));
  t.is(removed.calls, 1);
});
