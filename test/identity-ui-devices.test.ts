/**
 * Identity screen in real Chromium, device flows: a voter holding a device is refused a second
 * one; closing is refused while a device is out (with the count); an unused device returned
 * brings the Art. 23 choice, a device claimed by a cabin and not consumed its own screen naming the
 * cabin; impugnación, lost device and assisted voter from the idle screen;
 * closing by the president's order. Every screen reached passes axe-core.
 */
import test from 'ava';
import type { Browser, Page } from 'playwright-core';
import { ok } from '../shared/result.ts';
import { startVoting } from './helpers/identity-harness.ts';
import { axeViolations, launchIdentityBrowser, openIdentityScreen, waitForScreen } from './helpers/identity-ui-browser.ts';

const FIRST = '99313799';
const SECOND = '99521579';

let browser: Browser;

test.before(async () => {
  browser = await launchIdentityBrowser();
});

test.after.always(async () => {
  await browser.close();
});

async function typeDni(page: Page, text: string): Promise<void> {
  await page.locator('#dni').fill(text);
  await page.locator('#dni').press('Enter');
}

async function withDni(page: Page, dni: string, key: string): Promise<void> {
  await page.locator('#dni').fill(dni);
  await page.locator(`button[data-key="${key}"]`).click();
}

/** Polls the harness (fake actors run in this process) until `done`, up to 10 s. */
async function until(done: () => boolean): Promise<void> {
  for (let round = 0; round < 1000 && !done(); round++) await new Promise((resolve) => setTimeout(resolve, 10));
}

async function click(page: Page, key: string): Promise<void> {
  await page.locator(`button[data-key="${key}"]`).click();
}

async function issueTo(page: Page, dni: string): Promise<void> {
  await typeDni(page, dni);
  await waitForScreen(page, 'voter-may-vote');
  await click(page, 'issue');
  await waitForScreen(page, 'device-out');
  await click(page, 'done');
  await waitForScreen(page, 'awaiting-dni');
}

test.serial('device flows from the president’s screen, each screen accessible', async (t) => {
  const station = await startVoting();
  const { page } = await openIdentityScreen(browser, station, t);
  await waitForScreen(page, 'awaiting-dni');

  await issueTo(page, FIRST);
  await typeDni(page, FIRST);
  await waitForScreen(page, 'voter-holds-device');
  t.is(await page.locator('#verdict').textContent(), 'YA TIENE UN DISPOSITIVO DE ACTIVACIÓN');
  t.deepEqual(await axeViolations(page), [], 'voter-holds-device');
  await click(page, 'done');
  await waitForScreen(page, 'awaiting-dni');

  await click(page, 'close-voting');
  await waitForScreen(page, 'outstanding-devices');
  t.is(await page.locator('#refusal').textContent(), 'Falta devolver 1 dispositivo de activación.');
  t.is(await page.locator('#outstanding').textContent(), 'Dispositivos de activación sin devolver: 1');
  t.deepEqual(await axeViolations(page), [], 'outstanding-devices');
  await click(page, 'done');
  await waitForScreen(page, 'awaiting-dni');

  station.handlers.readReturnedDevice = () => Promise.resolve(ok({ state: 'claimed' as const, cabin: 2 }));
  await withDni(page, FIRST, 'device-returned');
  await waitForScreen(page, 'device-claimed');
  t.is(
    await page.locator('#refusal').textContent(),
    'Este dispositivo fue reclamado por la cabina 2 y no registra voto terminado: llévelo a la cabina 2 para que lo cierre (registra el voto o lo libera).',
  );
  t.deepEqual(await axeViolations(page), [], 'device-claimed');
  await click(page, 'done');
  await waitForScreen(page, 'awaiting-dni');
  t.is(await page.locator('#outstanding').textContent(), 'Dispositivos de activación sin devolver: 1', 'nothing recorded for a claimed device');

  station.handlers.readReturnedDevice = () => Promise.resolve(ok({ state: 'unconsumed-token' as const }));
  await withDni(page, FIRST, 'device-returned');
  await waitForScreen(page, 'art23-choice');
  t.deepEqual(await axeViolations(page), [], 'art23-choice');
  await click(page, 'record-not-voted');
  await waitForScreen(page, 'awaiting-dni');
  t.deepEqual(station.calls.recordArt23, [{ dni: FIRST }]);
  t.is(await page.locator('#outstanding').textContent(), 'Dispositivos de activación sin devolver: 0');

  await issueTo(page, SECOND);
  await withDni(page, SECOND, 'lost-device');
  await page.locator('#outstanding', { hasText: 'sin devolver: 0' }).waitFor({ timeout: 10_000 });
  t.deepEqual(station.calls.recordLostDevice, [{ dni: SECOND }]);

  await withDni(page, '99999990', 'impugn');
  await until(() => station.calls.recordImpugnado.length === 1);
  t.deepEqual(station.calls.recordImpugnado, [{ dni: '99999990' }]);
  await waitForScreen(page, 'awaiting-dni');

  station.handlers.checkVoter = () => Promise.resolve(ok('impugned' as const));
  await typeDni(page, '99999990');
  await waitForScreen(page, 'voter-impugned');
  t.is(await page.locator('#verdict').textContent(), 'IDENTIDAD IMPUGNADA');
  t.deepEqual(await axeViolations(page), [], 'voter-impugned');
  await click(page, 'done');
  await waitForScreen(page, 'awaiting-dni');

  await click(page, 'assisted');
  await page.locator('#assisted-count', { hasText: 'Electores asistidos: 1' }).waitFor({ timeout: 10_000 });

  await click(page, 'close-voting');
  await waitForScreen(page, 'closed');
  t.deepEqual(station.calls.printActaSufragio, [{ reprint: false, assistedVoters: 1, closedByPresidentOrder: true }]);
  t.deepEqual(await axeViolations(page), [], 'closed');
});
