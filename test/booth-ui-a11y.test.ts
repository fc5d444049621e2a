/**
 * The kiosk page with the keypad and audio ballot, in real Chromium: the keypad focus is
 * highlighted on the control it names, the number being entered shows in the preferential box,
 * each utterance reaches the page's <audio> element as WAV clips from the screen server, and the
 * privacy blanking turns the whole screen black (axe clean) while the audio goes on.
 */
import test from 'ava';
import type { Browser } from 'playwright-core';
import type { KeyName } from '../shared/devices/keypad/keypad.ts';
import { axeViolations, launchKioskBrowser, openKiosk, waitForScreen } from './helpers/booth-ui-browser.ts';

let browser: Browser;

test.before(async () => {
  browser = await launchKioskBrowser();
});

test.after.always(async () => {
  await browser.close();
});

test.serial('keypad focus highlight, number entry, spoken clips on the page and a black screen for privacy', async (t) => {
  const { booth, page, accessibility, close } = await openKiosk(browser, { accessibility: true });
  t.teardown(close);
  if (accessibility === undefined) return t.fail('no accessibility session');
  const press = async (key: KeyName) => {
    accessibility.handleKey({ type: 'down', key });
    accessibility.handleKey({ type: 'up', key });
    await booth.settle();
  };

  await booth.act({ type: 'DEVICE_INSERTED' });
  await waitForScreen(page, 'contest');
  await page.waitForSelector('.kb-focus[data-key="org-1"]', { timeout: 10_000 });
  await press('down');
  await page.waitForSelector('.kb-focus[data-key="org-2"]', { timeout: 10_000 });
  t.is(await page.locator('.kb-focus').count(), 1, 'one highlighted control');

  // The latest utterance is on the page's <audio> element, and its clip is a WAV.
  const seq = accessibility.view().speech?.seq ?? 0;
  await page.waitForSelector(`body[data-speech-seq="${seq}"]`, { timeout: 10_000 });
  const src = await page.evaluate<string>("document.getElementById('speech').getAttribute('src') || ''");
  t.regex(src, /^\/audio\/[0-9a-f]{64}\.wav$/);
  const head = await page.evaluate<string>(
    `fetch(${JSON.stringify(src)}).then((r) => r.arrayBuffer()).then((b) => String.fromCharCode(...new Uint8Array(b).slice(0, 4)))`,
  );
  t.is(head, 'RIFF');

  // Choose organization 12 of the Senate list and open the number entry.
  await press('select');
  await booth.act({ type: 'NEXT' });
  await waitForScreen(page, 'contest');
  while (accessibility.view().focus !== 'org-12') await press('down');
  await press('select');
  await page.waitForSelector('button[data-key="org-12"][aria-pressed="true"]', { timeout: 10_000 });
  while (accessibility.view().focus !== 'pref-entry') await press('up');
  await page.waitForSelector('.kb-focus[data-key="pref-entry"]', { timeout: 10_000 });
  await press('select');
  await press('right');
  await page.waitForFunction("document.getElementById('typed').textContent === '11'", undefined, { timeout: 10_000 });
  await press('select');
  await page.waitForSelector('button[data-key="remove-11"]', { timeout: 10_000 });
  t.deepEqual(await axeViolations(page), [], 'contest screen with the keypad highlight');

  // Privacy: black screen over everything, audio continues.
  while (accessibility.view().focus !== 'privacy') await press('down');
  await page.waitForSelector('.kb-focus[data-key="privacy"]', { timeout: 10_000 });
  await press('select');
  await page.waitForSelector('#privacy:not([hidden])', { timeout: 10_000 });
  const cover = await page.locator('#privacy').boundingBox();
  t.deepEqual(cover, { x: 0, y: 0, width: 1280, height: 800 });
  t.is(await page.evaluate<string>("getComputedStyle(document.getElementById('privacy')).backgroundColor"), 'rgb(0, 0, 0)');
  t.is(await page.evaluate<string>("document.elementFromPoint(640, 400).id"), 'privacy', 'nothing shows through');
  const before = accessibility.view().speech?.seq ?? 0;
  await press('help');
  t.true((accessibility.view().speech?.seq ?? 0) > before);
  await page.waitForSelector(`body[data-speech-seq="${accessibility.view().speech?.seq ?? 0}"]`, { timeout: 10_000 });
  t.deepEqual(await axeViolations(page), [], 'blanked screen');

  // A pulled device ends the session: the next voter gets the screen back.
  await booth.act({ type: 'DEVICE_REMOVED' });
  await waitForScreen(page, 'ready');
  await page.waitForSelector('#privacy[hidden]', { state: 'attached', timeout: 10_000 });
  t.false(accessibility.view().blanked);
});
