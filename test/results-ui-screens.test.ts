/**
 * Results screen in real Chromium: every screen the station waits on or stops at renders with
 * its Spanish title and what to do next, passes axe-core, shows the SIMULACRO banner and does
 * not scroll sideways. Actors are held open to catch the working screens (self-check, reading,
 * printing, verifying, writing); faults come from the fake devices.
 */
import test from 'ava';
import type { Browser, Page } from 'playwright-core';
import { err, ok } from '../shared/result.ts';
import type { Credential, ResultsScreen } from '../results-station/machine-types.ts';
import { RESULTS_SCREEN_TITLES } from '../results-station/messages.ts';
import { IDENTITY, MEMBER_2, MEMBER_3, PRESIDENT, READINGS, startResults, workingHandlers } from './helpers/results-harness.ts';
import { axeViolations, BROWSER_TEST_TIMEOUT_MS, launchResultsBrowser, openResultsScreen, waitForScreen } from './helpers/results-ui-browser.ts';

let browser: Browser;

test.before(async () => {
  browser = await launchResultsBrowser();
});

test.after.always(async () => {
  await browser.close();
});

/** An actor handler whose next call, once armed, waits until the test releases it. */
function holdable<I, O>(fallback: (input: I) => Promise<O>) {
  let armed = false;
  let held: ((output: O) => void) | null = null;
  return {
    handler: (input: I): Promise<O> => {
      if (!armed) return fallback(input);
      armed = false;
      return new Promise<O>((resolve) => {
        held = resolve;
      });
    },
    arm: () => {
      armed = true;
    },
    release: (output: O) => {
      if (held === null) throw new Error('nothing held');
      const resolve = held;
      held = null;
      resolve(output);
    },
  };
}

async function expectScreen(t: { deepEqual(a: unknown, b: unknown, m: string): void; is(a: unknown, b: unknown, m: string): void }, page: Page, screen: ResultsScreen): Promise<void> {
  await waitForScreen(page, screen);
  t.is(await page.locator('#title').textContent(), RESULTS_SCREEN_TITLES[screen], `${screen} title`);
  t.deepEqual(await axeViolations(page), [], screen);
}

test.serial('working, fault and reconciliation screens of an electronic escrutinio', async (t) => {
  t.timeout(BROWSER_TEST_TIMEOUT_MS);
  const working = workingHandlers();
  const selfCheck = holdable(working.selfCheck);
  const verifyPresident = holdable(working.verifyPresidentCredential);
  const puestaACero = holdable(working.runPuestaACero);
  const readCabin = holdable(working.readCabinResults);
  const printCopy = holdable(working.printActaCopy);
  const verifySignature = holdable(working.verifyMemberSignature);
  const writeResult = holdable(working.writeConsolidated);
  let puestaACeroCalls = 0;
  let round = 0;
  let reader: Credential | null = null;
  selfCheck.arm();
  verifyPresident.arm();
  const station = startResults({
    handlers: {
      selfCheck: selfCheck.handler,
      verifyPresidentCredential: verifyPresident.handler,
      runPuestaACero: (input) => {
        puestaACeroCalls += 1;
        return puestaACeroCalls === 1 ? Promise.resolve(err({ kind: 'printer-fault', fault: { kind: 'paper-out' } })) : puestaACero.handler(input);
      },
      readCabinResults: (input) => {
        const reading = READINGS[input.cabinId];
        // First round: cabin 2's (verified) tally is of another mesa: nothing can be summed.
        if (round === 0 && input.cabinId === 'cabin-2' && reading !== undefined) {
          return Promise.resolve(ok({ ...reading, tally: { ...reading.tally, mesa: '999999' } }));
        }
        return readCabin.handler(input);
      },
      // One more activation consumed than ballots read: a reconciliation problem.
      readIdentitySummary: () => Promise.resolve(ok(round === 0 ? IDENTITY : { ...IDENTITY, activationsIssued: 7, activationsConsumed: 6 })),
      printActaCopy: printCopy.handler,
      verifyMemberSignature: verifySignature.handler,
      writeConsolidated: (input) => writeResult.handler(input),
    },
  });
  const { page } = await openResultsScreen(browser, station, t, { readPresidentCredential: () => Promise.resolve(reader) });

  await expectScreen(t, page, 'self-check');
  selfCheck.release(ok(undefined));
  await expectScreen(t, page, 'awaiting-president');

  await station.act({ type: 'CREDENTIAL_PRESENTED', credential: PRESIDENT });
  await expectScreen(t, page, 'verifying-credential');
  puestaACero.arm();
  verifyPresident.release(ok(undefined));
  await expectScreen(t, page, 'printer-fault');
  t.is(await page.locator('#refusal').textContent(), 'La impresora no tiene papel. Coloque un rollo nuevo.');
  await station.act({ type: 'PRINTER_READY' });
  await expectScreen(t, page, 'puesta-a-cero');
  puestaACero.release(ok(undefined));

  await waitForScreen(page, 'insert-cabin-device');
  readCabin.arm();
  await station.act({ type: 'DEVICE_INSERTED' });
  await expectScreen(t, page, 'reading-device');
  t.is(await page.locator('#device').textContent(), 'Leyendo: dispositivo de la cabina 1');
  const cabin1 = READINGS['cabin-1'];
  if (cabin1 === undefined) throw new Error('fixture');
  readCabin.release(ok(cabin1));
  await page.waitForSelector('#device:text("cabina 2")');
  await station.act({ type: 'DEVICE_INSERTED' });
  await station.act({ type: 'DEVICE_INSERTED' });
  await expectScreen(t, page, 'reconciliation-blocked');
  t.true((await page.locator('#findings li').count()) > 0, 'the reason is listed');

  round = 1;
  await page.locator('button[data-key="reread"]').click();
  await waitForScreen(page, 'insert-cabin-device');
  for (let device = 0; device < 3; device++) await station.act({ type: 'DEVICE_INSERTED' });
  await expectScreen(t, page, 'reconciliation-problems');
  t.true((await page.locator('#findings li').count()) > 0, 'the problems are listed');
  await page.locator('button[data-key="record-discrepancy"]').click();
  await page.waitForSelector('#notice:not([hidden])');
  t.regex((await page.locator('#notice').textContent()) ?? '', /presente su credencial en el lector/);
  t.deepEqual(await axeViolations(page), [], 'reconciliation-problems with the notice');
  reader = PRESIDENT;
  await page.locator('button[data-key="record-discrepancy"]').click();
  await waitForScreen(page, 'tallied');
  t.true((await page.locator('#observations li').allTextContents()).some((line) => line.startsWith('Discrepancia registrada')));

  printCopy.arm();
  await page.locator('button[data-key="print-actas"]').click();
  await expectScreen(t, page, 'printing-acta');
  t.is(await page.locator('#printing').textContent(), 'Copia 1 de 4: acta de escrutinio para JEE');
  printCopy.release(err({ kind: 'cover-open' }));
  await expectScreen(t, page, 'printer-fault');
  t.is(await page.locator('#refusal').textContent(), 'La tapa de la impresora está abierta. Ciérrela.');
  await station.act({ type: 'PRINTER_READY' });

  await waitForScreen(page, 'signing');
  for (const signer of [PRESIDENT, MEMBER_2]) await station.act({ type: 'CREDENTIAL_PRESENTED', credential: signer });
  verifySignature.arm();
  await station.act({ type: 'CREDENTIAL_PRESENTED', credential: MEMBER_3 });
  await expectScreen(t, page, 'verifying-signature');
  verifySignature.release(ok({ signerId: 'member-3', role: 'member', signature: 'sig-member-3' }));
  await page.waitForSelector('#signatures li:nth-child(3)');

  writeResult.arm();
  await page.locator('button[data-key="finish-signing"]').click();
  await expectScreen(t, page, 'writing-results');
  writeResult.release(err({ kind: 'read-only' }));
  await expectScreen(t, page, 'consolidation-fault');
  t.is(await page.locator('#refusal').textContent(), 'El dispositivo de consolidación está protegido contra escritura.');
  await page.locator('button[data-key="retry-write"]').click();
  await expectScreen(t, page, 'closed');
  t.is(station.calls.writeConsolidated.length, 2);
});

test.serial('a station that fails its self-check is out of service and says why', async (t) => {
  t.timeout(BROWSER_TEST_TIMEOUT_MS);
  const station = startResults({ handlers: { selfCheck: () => Promise.resolve(err({ kind: 'software-unauthorized' })) } });
  const { page } = await openResultsScreen(browser, station, t);
  await expectScreen(t, page, 'out-of-service');
  t.is(
    await page.locator('#refusal').textContent(),
    'El programa instalado no corresponde a una versión autorizada. Comunique el hecho al personal técnico de la ONPE.',
  );
});
