/**
 * Kiosk UI in real Chromium: a voter votes by tapping, every screen reached passes axe-core, and
 * what the machine stores is exactly what the voter tapped.
 */
import test from 'ava';
import type { Browser } from 'playwright-core';
import type { Page } from 'playwright-core';
import type { BoothScreen } from '../booth/machine-types.ts';
import { axeViolations, chooseWithKeypad, launchKioskBrowser, openKiosk, waitForScreen } from './helpers/booth-ui-browser.ts';
import type { Kiosk } from './helpers/booth-ui-browser.ts';

let browser: Browser;

test.before(async () => {
  browser = await launchKioskBrowser();
});

test.after.always(async () => {
  await browser.close();
});

async function kiosk(t: { teardown(fn: () => Promise<void>): void }): Promise<Kiosk> {
  const opened = await openKiosk(browser);
  t.teardown(() => opened.close());
  return opened;
}

async function next(page: Page, screen: BoothScreen): Promise<void> {
  await page.locator('button[data-key="next"]').click();
  await waitForScreen(page, screen);
}

async function contestHeading(page: Page): Promise<string> {
  return (await page.locator('#content h2').textContent()) ?? '';
}

test.serial('a full vote of the five contests by tapping, preferential numbers on the keypad, every screen accessible', async (t) => {
  const { booth, page } = await kiosk(t);
  t.deepEqual(await axeViolations(page), [], 'ready screen');
  t.is(await page.locator('#simulacro').isVisible(), true, 'simulacro banner on the ready screen');

  await booth.act({ type: 'DEVICE_INSERTED' });
  await waitForScreen(page, 'contest');
  t.regex(await contestHeading(page), /^Elección 1 de 5: /);
  t.deepEqual(await axeViolations(page), [], 'contest screen');

  await chooseWithKeypad(page, 8, []);
  await next(page, 'contest');
  t.regex(await contestHeading(page), /^Elección 2 de 5: Senadores/);
  await chooseWithKeypad(page, 12, [15, 3]);
  t.deepEqual(await axeViolations(page), [], 'contest screen with the preferential keypad');
  await page.waitForSelector('button[data-key="org-12"][aria-pressed="true"]');
  await next(page, 'contest');
  await chooseWithKeypad(page, 3, [1]);
  await next(page, 'contest');
  await chooseWithKeypad(page, 5, [7, 2]);
  await next(page, 'contest');
  await chooseWithKeypad(page, 1, []);
  await next(page, 'review');
  t.deepEqual(await axeViolations(page), [], 'review screen');
  const review = await page.locator('.review-list li').allTextContents();
  t.is(review.length, 5);
  t.regex(review[1] ?? '', /^Senadores.*12 — .*votos preferenciales: 3 \(.+\) y 15 \(.+\)/);

  await next(page, 'confirm');
  t.deepEqual(await axeViolations(page), [], 'confirm screen');
  t.is(await page.locator('#simulacro').isVisible(), true, 'simulacro banner on the confirm screen');
  await page.getByRole('button', { name: 'Confirmar mi voto' }).click();
  await waitForScreen(page, 'remove-device');
  t.deepEqual(await axeViolations(page), [], 'thank-you screen');
  t.regex((await page.locator('#main').textContent()) ?? '', /Gracias por votar/);
  t.is(await page.locator('.review-list').count(), 0, 'no ballot content after the vote');

  t.deepEqual(booth.calls.commitVote[0]?.ballot.choices, {
    presidencial: { kind: 'organization', organization: 8, preferential: [] },
    'senado-nacional': { kind: 'organization', organization: 12, preferential: [3, 15] },
    'senado-regional': { kind: 'organization', organization: 3, preferential: [1] },
    diputados: { kind: 'organization', organization: 5, preferential: [2, 7] },
    'parlamento-andino': { kind: 'organization', organization: 1, preferential: [] },
  });
  await booth.act({ type: 'DEVICE_REMOVED' });
  await waitForScreen(page, 'ready');
});

test.serial('blank and null votes, a refused preferential number is shown, and a contest changed from the review', async (t) => {
  const { booth, page } = await kiosk(t);
  await booth.act({ type: 'DEVICE_INSERTED' });
  await waitForScreen(page, 'contest');

  // NEXT without a choice: the machine refuses and the page says why.
  await page.locator('button[data-key="next"]').click();
  await page.waitForSelector('#refusal:not([hidden])');
  t.regex((await page.locator('#refusal').textContent()) ?? '', /Todavía no eligió/);
  t.deepEqual(await axeViolations(page), [], 'contest screen with a refusal');

  await page.getByRole('button', { name: 'Voto en blanco' }).click();
  await page.waitForSelector('button[data-key="blank"][aria-pressed="true"]');
  await next(page, 'contest');
  // A candidate number that does not exist: the machine refuses it, the page shows the refusal.
  await chooseWithKeypad(page, 3, []);
  for (const digit of '99') await page.getByRole('button', { name: `Dígito ${digit}`, exact: true }).click();
  await page.getByRole('button', { name: 'Marcar número' }).click();
  await page.waitForSelector('#refusal:not([hidden])');
  t.is(await page.locator('button[data-key^="remove-"]').count(), 0);
  await page.getByRole('button', { name: 'Voto nulo' }).click();
  await page.waitForSelector('button[data-key="null"][aria-pressed="true"]');
  await next(page, 'contest');
  for (let contest = 3; contest <= 5; contest++) {
    await page.getByRole('button', { name: 'Voto en blanco' }).click();
    await page.waitForSelector('button[data-key="blank"][aria-pressed="true"]');
    await next(page, contest === 5 ? 'review' : 'contest');
  }
  const before = await page.locator('.review-list li').allTextContents();
  t.regex(before[0] ?? '', /VOTO EN BLANCO/);
  t.regex(before[1] ?? '', /VOTO NULO/);

  await page.getByRole('button', { name: /^Cambiar Senadores — Distrito Electoral Único Nacional/ }).click();
  await waitForScreen(page, 'contest');
  t.regex(await contestHeading(page), /^Elección 2 de 5/);
  await chooseWithKeypad(page, 4, [2]);
  await page.getByRole('button', { name: 'Volver a la revisión' }).click();
  await waitForScreen(page, 'review');
  const after = await page.locator('.review-list li').allTextContents();
  t.regex(after[1] ?? '', /4 — .*voto preferencial: 2/);
  await next(page, 'confirm');
  await page.getByRole('button', { name: 'Confirmar mi voto' }).click();
  await waitForScreen(page, 'remove-device');
  t.deepEqual(booth.calls.commitVote[0]?.ballot.choices, {
    presidencial: { kind: 'blank' },
    'senado-nacional': { kind: 'organization', organization: 4, preferential: [2] },
    'senado-regional': { kind: 'blank' },
    diputados: { kind: 'blank' },
    'parlamento-andino': { kind: 'blank' },
  });
});
