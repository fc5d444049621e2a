/**
 * Identity screen in real Chromium during voting: the president types a DNI and presses Enter
 * (one action) and the outcome screen says in Spanish whether the elector may vote, with the name
 * from the padrón; bad DNIs show the parser's Spanish error and reach nothing; every screen
 * reached passes axe-core and shows the SIMULACRO banner.
 */
import test from 'ava';
import type { Browser, Page } from 'playwright-core';
import type { IdentityScreen } from '../identity-station/machine-types.ts';
import { PRESIDENTE, startVoting } from './helpers/identity-harness.ts';
import { axeViolations, launchIdentityBrowser, openIdentityScreen, waitForScreen } from './helpers/identity-ui-browser.ts';

/** First elector of the eg2026 padrón ("Aguilar Castillo, Marleny Carmen"). */
const PADRON_ELECTOR = '99313799';
/** The harness store answers not-in-padrón for DNIs starting with 3. */
const NOT_IN_PADRON = '30000001';

let browser: Browser;

test.before(async () => {
  browser = await launchIdentityBrowser();
});

test.after.always(async () => {
  await browser.close();
});

async function votingScreen(t: { teardown(fn: () => Promise<void>): void }) {
  const station = await startVoting();
  const opened = await openIdentityScreen(browser, station, t);
  await waitForScreen(opened.page, 'awaiting-dni');
  return opened;
}

async function typeDni(page: Page, text: string): Promise<void> {
  // The field has focus on arrival: the president just types and presses Enter.
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

async function backToIdle(page: Page): Promise<void> {
  await page.locator('button[data-key="done"]').first().click();
  await waitForScreen(page, 'awaiting-dni');
}

test.serial('typing 8 digits and Enter checks the voter in one action: may vote, with the padrón name', async (t) => {
  const { page, station } = await votingScreen(t);
  t.deepEqual(await axeViolations(page), [], 'awaiting-dni screen');
  t.is(await page.locator('#dni:focus').count(), 1, 'the DNI field has focus');

  await typeDni(page, PADRON_ELECTOR);
  await waitForScreen(page, 'voter-may-vote');
  t.is(await page.locator('#verdict').textContent(), 'PUEDE VOTAR');
  t.is(await page.locator('#voter-name').textContent(), 'Aguilar Castillo, Marleny Carmen');
  t.true(((await page.locator('main').textContent()) ?? '').includes('Entregue el dispositivo de activación'));
  t.deepEqual(station.calls.checkVoter.at(-1), { dni: PADRON_ELECTOR });
  t.deepEqual(await axeViolations(page), [], 'voter-may-vote screen');

  await page.locator('button[data-key="issue"]').click();
  await waitForScreen(page, 'device-out');
  t.true(station.holding.has(PADRON_ELECTOR));
  t.is(await page.locator('#outstanding').textContent(), 'Dispositivos de activación sin devolver: 1');
  t.deepEqual(await axeViolations(page), [], 'device-out screen');
  await backToIdle(page);
  t.is(await page.locator('#voter-name').count(), 0, 'no voter left on the idle screen');
});

test.serial('bad DNIs (letters, 7 digits, 9 digits) show the Spanish error and check nobody', async (t) => {
  const { page, station } = await votingScreen(t);
  const checksBefore = station.calls.checkVoter.length;
  const cases = [
    ['1234abcd', 'El DNI solo puede contener números (8 dígitos, sin letras ni signos).'],
    ['1234567', 'El DNI tiene 8 dígitos; se ingresaron 7. Revise el número.'],
    ['123456789', 'El DNI tiene 8 dígitos; se ingresaron 9. Revise el número.'],
  ] as const;
  for (const [typed, message] of cases) {
    await page.locator('#dni').fill('');
    await typeDni(page, typed);
    await page.locator('#refusal').filter({ hasText: message }).waitFor({ timeout: 10_000 });
    t.is(await page.locator('#refusal').textContent(), message);
    t.is(await page.locator('#refusal').isVisible(), true, typed);
    t.is(await page.getAttribute('body', 'data-screen'), 'awaiting-dni');
    t.is(await page.locator('#dni').inputValue(), typed, 'what was typed stays visible to be corrected');
    t.deepEqual(await axeViolations(page), [], `refusal for ${typed}`);
  }
  t.is(station.calls.checkVoter.length, checksBefore, 'no padrón check for a bad DNI');
});

test.serial('not in this mesa’s padrón, and already voted, each said clearly', async (t) => {
  const { page } = await votingScreen(t);
  const outcomes: [string, IdentityScreen, string][] = [
    [NOT_IN_PADRON, 'voter-not-in-padron', 'NO FIGURA EN EL PADRÓN DE ESTA MESA'],
    [PRESIDENTE, 'voter-already-voted', 'YA VOTÓ'],
  ];
  for (const [dni, screen, verdict] of outcomes) {
    await typeDni(page, dni);
    await waitForScreen(page, screen);
    t.is(await page.locator('#verdict').textContent(), verdict);
    t.is(await page.locator('#voter-dni').textContent(), `DNI ${dni}`);
    t.deepEqual(await axeViolations(page), [], screen);
    await backToIdle(page);
  }
});
