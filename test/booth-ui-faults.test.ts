/**
 * Kiosk UI in real Chromium on the unhappy paths: printer out of paper after the vote was
 * stored, device pulled mid-vote, token rejected, inactivity alert and its expiry. Every screen
 * reached passes axe-core and shows the SIMULACRO banner.
 */
import test from 'ava';
import type { Browser, Page } from 'playwright-core';
import { DEFAULT_BOOTH_TIMEOUTS } from '../booth/timeouts.ts';
import { err, ok } from '../shared/result.ts';
import type { BoothHarness, BoothOptions } from './helpers/booth-harness.ts';
import { axeViolations, launchKioskBrowser, openKiosk, waitForScreen } from './helpers/booth-ui-browser.ts';
import type { Kiosk } from './helpers/booth-ui-browser.ts';

let browser: Browser;

test.before(async () => {
  browser = await launchKioskBrowser();
});

test.after.always(async () => {
  await browser.close();
});

async function kiosk(t: { teardown(fn: () => Promise<void>): void }, options: BoothOptions = {}): Promise<Kiosk> {
  const opened = await openKiosk(browser, options);
  t.teardown(() => opened.close());
  return opened;
}

/** Blank in every contest, sent as the voter's own events (the vote screens are tested elsewhere). */
async function fillBlankBallot(booth: BoothHarness): Promise<void> {
  for (let contest = 0; contest < 5; contest++) {
    await booth.act({ type: 'CHOOSE_BLANK' });
    await booth.act({ type: 'NEXT' });
  }
}

async function mainText(page: Page): Promise<string> {
  return (await page.locator('#main').textContent()) ?? '';
}

test.serial('printer out of paper while printing the constancia: fault screen, then fixed, then done', async (t) => {
  let printAttempts = 0;
  const { booth, page } = await kiosk(t, {
    handlers: {
      printConstancia: () => Promise.resolve(++printAttempts === 1 ? err({ kind: 'paper-out' as const }) : ok(undefined)),
    },
  });
  await booth.act({ type: 'DEVICE_INSERTED' });
  await fillBlankBallot(booth);
  await waitForScreen(page, 'review');
  await page.getByRole('button', { name: 'Continuar' }).click();
  await waitForScreen(page, 'confirm');
  await page.getByRole('button', { name: 'Confirmar mi voto' }).click();
  await waitForScreen(page, 'printer-fault');
  t.regex(await mainText(page), /Su voto ya fue registrado\. La impresora no tiene papel/);
  t.is(await page.locator('.review-list').count(), 0, 'no ballot on the fault screen');
  t.true(await page.locator('#simulacro').isVisible());
  t.deepEqual(await axeViolations(page), [], 'printer fault screen');

  await booth.act({ type: 'PRINTER_READY' });
  await waitForScreen(page, 'remove-device');
  t.is(printAttempts, 2);
  t.is(booth.calls.commitVote.length, 1, 'the vote was stored once');
  await booth.act({ type: 'DEVICE_REMOVED' });
  await waitForScreen(page, 'ready');
});

test.serial('device pulled mid-vote: the session is cancelled, the page says nothing was stored', async (t) => {
  const { booth, page } = await kiosk(t);
  await booth.act({ type: 'DEVICE_INSERTED' });
  await waitForScreen(page, 'contest');
  await page.locator('button[data-key="org-8"]').click();
  await page.waitForSelector('button[data-key="org-8"][aria-pressed="true"]');

  await booth.act({ type: 'DEVICE_REMOVED' });
  await waitForScreen(page, 'ready');
  await page.waitForSelector('#title:text("Sesión cancelada")');
  t.regex(await mainText(page), /El voto NO fue registrado/);
  t.is(await page.locator('button[data-key^="org-"]').count(), 0, 'the ballot left the screen');
  t.is(booth.calls.commitVote.length, 0);
  t.deepEqual(await axeViolations(page), [], 'cancelled screen');

  // The next voter does not see the previous voter's notice.
  await booth.act({ type: 'DEVICE_INSERTED' });
  await waitForScreen(page, 'contest');
  t.is(await page.locator('#content button[aria-pressed="true"]').count(), 0, 'a fresh ballot');
});

test.serial('a rejected activation token shows the reason and asks to return the device', async (t) => {
  const { booth, page } = await kiosk(t, {
    handlers: {
      verifyToken: () =>
        Promise.resolve(err({ kind: 'consumed' as const, screenText: 'Este dispositivo ya fue utilizado para votar.' })),
    },
  });
  await booth.act({ type: 'DEVICE_INSERTED' });
  await waitForScreen(page, 'token-rejected');
  t.regex(await mainText(page), /Este dispositivo ya fue utilizado para votar\. Retire el dispositivo/);
  t.deepEqual(await axeViolations(page), [], 'token rejected screen');
  await booth.act({ type: 'DEVICE_REMOVED' });
  await waitForScreen(page, 'ready');
});

test.serial('inactivity: the alert is dismissed by touch, and when it expires the session ends', async (t) => {
  const { booth, page } = await kiosk(t);
  await booth.act({ type: 'DEVICE_INSERTED' });
  await waitForScreen(page, 'contest');
  await page.getByRole('button', { name: 'Voto nulo' }).click();
  await page.waitForSelector('button[data-key="null"][aria-pressed="true"]');

  await booth.advance(DEFAULT_BOOTH_TIMEOUTS.inactivityAlertAfterMs);
  await waitForScreen(page, 'inactivity-alert');
  t.is(await page.locator('button[data-key="null"]').count(), 0, 'the ballot is hidden behind the alert');
  t.deepEqual(await axeViolations(page), [], 'inactivity alert screen');
  await page.getByRole('button', { name: 'Sigo aquí' }).click();
  await waitForScreen(page, 'contest');
  await page.waitForSelector('button[data-key="null"][aria-pressed="true"]');

  await booth.advance(DEFAULT_BOOTH_TIMEOUTS.inactivityAlertAfterMs);
  await waitForScreen(page, 'inactivity-alert');
  await booth.advance(DEFAULT_BOOTH_TIMEOUTS.inactivityAlertDurationMs);
  await waitForScreen(page, 'session-ended-inactivity');
  t.regex(await mainText(page), /Sesión terminada por inactividad/);
  t.deepEqual(await axeViolations(page), [], 'session ended screen');
  t.is(booth.calls.commitVote.length, 0);
});
