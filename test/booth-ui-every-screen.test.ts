/**
 * Every screen of the cabin, in real Chromium at 1280×800, passes axe-core with 0 violations
 * (issue 4 acceptance). The walk holds each transient screen (self-check, verifying, recording,
 * printing, marking, writing) by leaving its fake actor unanswered until axe has run, then lets
 * it finish; the set of screens scanned is compared with every `meta.screen` of the machine, so
 * a screen added later without a scan fails this test.
 */
import test from 'ava';
import type { Browser, Page } from 'playwright-core';
import type { BoothScreen } from '../booth/machine-types.ts';
import { DEFAULT_BOOTH_TIMEOUTS } from '../booth/timeouts.ts';
import { startKioskServer } from '../booth/ui/server.ts';
import { err, ok } from '../shared/result.ts';
import { EG2026_CLOSE_AT, FAKE_ZERO_REPORT_HASH, loadEg2026, PRESIDENT, startBooth, type BoothHarness } from './helpers/booth-harness.ts';
import { everyScreen, gatedHandlers } from './helpers/booth-screen-walk.ts';
import { axeViolations, launchKioskBrowser, waitForScreen } from './helpers/booth-ui-browser.ts';

let browser: Browser;

test.before(async () => {
  browser = await launchKioskBrowser();
});

test.after.always(async () => {
  await browser.close();
});

async function openPage(t: { teardown(fn: () => Promise<void> | void): void }, booth: BoothHarness): Promise<Page> {
  const server = await startKioskServer(booth.actor, loadEg2026());
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  t.teardown(async () => {
    await context.close();
    await server.close();
    booth.actor.stop();
  });
  const page = await context.newPage();
  await page.goto(server.url);
  return page;
}

test.serial('every cabin screen passes axe-core with 0 violations', async (t) => {
  t.timeout(180_000);
  const scanned = new Set<BoothScreen>();
  const scan = async (page: Page, booth: BoothHarness, screen: BoothScreen, label: string = screen): Promise<void> => {
    t.is(booth.screen(), screen, `machine on ${screen}`);
    await waitForScreen(page, screen);
    t.deepEqual(await axeViolations(page), [], label);
    scanned.add(screen);
  };

  // A cabin whose self-check fails.
  const broken = startBooth({ handlers: { selfCheck: () => Promise.resolve(err({ kind: 'printer-unavailable' })) } });
  await broken.settle();
  await scan(await openPage(t, broken), broken, 'out-of-service');

  const { handlers, answer } = gatedHandlers([
    'selfCheck',
    'verifyPresidentCredential',
    'runPuestaACero',
    'verifyToken',
    'commitVote',
    'markDeviceConsumed',
    'printConstancia',
    'printResultsReport',
    'writeResultsToConsolidation',
  ]);
  const booth = startBooth({ handlers });
  await booth.settle();
  const page = await openPage(t, booth);
  const settled = async (): Promise<void> => booth.settle();

  await scan(page, booth, 'self-check');
  answer('selfCheck', ok(undefined));
  await settled();
  await scan(page, booth, 'awaiting-puesta-a-cero');
  await booth.act({ type: 'CREDENTIAL_PRESENTED', credential: PRESIDENT });
  await scan(page, booth, 'verifying-credential');
  answer('verifyPresidentCredential', ok(undefined));
  await settled();
  await scan(page, booth, 'puesta-a-cero');
  answer('runPuestaACero', ok({ zeroReportHash: FAKE_ZERO_REPORT_HASH }));
  await settled();
  await scan(page, booth, 'ready');

  // A refused token, then a session abandoned to inactivity.
  await booth.act({ type: 'DEVICE_INSERTED' });
  await scan(page, booth, 'verifying-token');
  answer('verifyToken', err({ kind: 'expired', screenText: 'El dispositivo de activación ha vencido. Acuda a la mesa.' }));
  await settled();
  await scan(page, booth, 'token-rejected');
  await booth.act({ type: 'DEVICE_REMOVED' });
  await booth.act({ type: 'DEVICE_INSERTED' });
  answer('verifyToken', ok({ handle: 'token-1' }));
  await settled();
  await scan(page, booth, 'contest');
  await booth.advance(DEFAULT_BOOTH_TIMEOUTS.inactivityAlertAfterMs);
  await scan(page, booth, 'inactivity-alert');
  await booth.act({ type: 'DEVICE_REMOVED' });
  await scan(page, booth, 'ready', 'ready after a pulled device');

  // A full vote whose device is pulled while it is being marked, and a printer fault.
  await booth.act({ type: 'DEVICE_INSERTED' });
  answer('verifyToken', ok({ handle: 'token-2' }));
  await settled();
  for (let contest = 0; contest < 5; contest++) {
    await booth.act({ type: 'CHOOSE_BLANK' });
    await booth.act({ type: 'NEXT' });
  }
  await scan(page, booth, 'review');
  await booth.act({ type: 'NEXT' });
  await scan(page, booth, 'confirm');
  await booth.act({ type: 'CONFIRM' });
  await scan(page, booth, 'recording');
  answer('commitVote', ok(undefined));
  await settled();
  await scan(page, booth, 'marking-device');
  await booth.act({ type: 'DEVICE_REMOVED' });
  answer('markDeviceConsumed', err({ kind: 'device-missing' }));
  await settled();
  await scan(page, booth, 'printing-constancia');
  answer('printConstancia', err({ kind: 'paper-out' }));
  await settled();
  await scan(page, booth, 'printer-fault');
  await booth.act({ type: 'PRINTER_READY' });
  answer('printConstancia', ok(undefined));
  await settled();
  await scan(page, booth, 'reinsert-device');
  await booth.act({ type: 'DEVICE_INSERTED' });
  answer('markDeviceConsumed', ok(undefined));
  await settled();
  await scan(page, booth, 'remove-device');
  await booth.advance(DEFAULT_BOOTH_TIMEOUTS.deviceRemovalReminderAfterMs);
  await scan(page, booth, 'remove-device-overdue');
  await booth.act({ type: 'DEVICE_REMOVED' });

  // A session that times out with the device still in: the claim is given back.
  await booth.act({ type: 'DEVICE_INSERTED' });
  answer('verifyToken', ok({ handle: 'token-3' }));
  await settled();
  await booth.advance(DEFAULT_BOOTH_TIMEOUTS.inactivityAlertAfterMs);
  await booth.advance(DEFAULT_BOOTH_TIMEOUTS.inactivityAlertDurationMs);
  await scan(page, booth, 'session-ended-inactivity');
  await booth.act({ type: 'DEVICE_REMOVED' });

  // Close after voting time: report, a consolidation device fault, then the write.
  booth.clock.set(EG2026_CLOSE_AT + 60_000);
  await booth.act({ type: 'CLOSE_REQUESTED', credential: PRESIDENT, presidentOrder: false });
  answer('verifyPresidentCredential', ok(undefined));
  await settled();
  await scan(page, booth, 'closing-report');
  answer('printResultsReport', ok(undefined));
  await settled();
  await scan(page, booth, 'writing-results');
  answer('writeResultsToConsolidation', err({ kind: 'device-missing' }));
  await settled();
  await scan(page, booth, 'consolidation-fault');
  await booth.advance(DEFAULT_BOOTH_TIMEOUTS.consolidationRetryPollMs);
  answer('writeResultsToConsolidation', ok(undefined));
  await settled();
  await scan(page, booth, 'closed');

  t.deepEqual([...everyScreen()].filter((screen) => !scanned.has(screen)), [], 'screens never scanned');
});
