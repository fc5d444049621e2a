/**
 * Results screen in real Chromium with the keyboard only: from the tally, Tab and Enter start
 * the cotejo; the focus lands on the first count; Tab and Enter walk every field of every
 * contest in form order (`sheetFields`: contest by contest, organizations by number, blank,
 * null) and end on the submit button; the typed counts reach the machine.
 */
import test from 'ava';
import type { Page } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { sheetFields } from '../results-station/ports.ts';
import { DEFINITION, readAllDevices, startCounting } from './helpers/results-harness.ts';
import { axeViolations, BROWSER_TEST_TIMEOUT_MS, launchResultsBrowser, openResultsScreen, waitForScreen } from './helpers/results-ui-browser.ts';

let browser: Browser;

test.before(async () => {
  browser = await launchResultsBrowser();
});

test.after.always(async () => {
  await browser.close();
});

async function focused(page: Page): Promise<string> {
  return String(await page.evaluate("document.activeElement.getAttribute('name') ?? document.activeElement.getAttribute('data-key') ?? document.activeElement.id"));
}

/** The electronic result of the harness: presidencial 1→3, 2→2, blank 1 (Art. 23); others blank 6. */
const ELECTRONIC: Readonly<Record<string, number>> = Object.fromEntries([
  ['presidencial/1', 3],
  ['presidencial/2', 2],
  ...DEFINITION.contests.map((contest) => [`${contest.id}/blank`, contest.id === 'presidencial' ? 1 : 6] as const),
]);

test.serial('keyboard only: start the cotejo, type every count in form order, compare: no differences', async (t) => {
  t.timeout(BROWSER_TEST_TIMEOUT_MS);
  const station = await startCounting();
  await readAllDevices(station);
  const { page } = await openResultsScreen(browser, station, t);
  await waitForScreen(page, 'tallied');

  // The first Tab from the page reaches the first action: «Hacer el cotejo».
  await page.keyboard.press('Tab');
  t.is(await focused(page), 'start-cotejo');
  await page.keyboard.press('Enter');
  await waitForScreen(page, 'cotejo-entry');

  const fields = sheetFields(DEFINITION, 'cotejo').map((field) => field.field);
  t.is(fields.length, DEFINITION.contests.reduce((sum, contest) => sum + contest.organizations.length + 2, 0));
  // The page records where the focus goes (one round trip at the end, not one per field).
  await page.evaluate(
    "window.visited = [document.activeElement.getAttribute('name')]; document.addEventListener('focusin', (e) => window.visited.push(e.target.getAttribute('name') ?? e.target.getAttribute('data-key')))",
  );
  for (const [index, field] of fields.entries()) {
    const value = ELECTRONIC[field];
    if (value !== undefined) await page.keyboard.type(String(value));
    // Alternate Tab and Enter: both move to the next field.
    await page.keyboard.press(index % 2 === 0 ? 'Tab' : 'Enter');
  }
  const visited = await page.evaluate<string[]>('window.visited');
  t.deepEqual(visited, [...fields, 'submit-entry'], 'tab order is the sheet order, then the submit button');
  t.is(await focused(page), 'submit-entry', 'after the last field comes the submit button');
  t.is(station.screen(), 'cotejo-entry', 'Enter in a field never sent a half-typed sheet');
  for (const contest of DEFINITION.contests) {
    t.regex((await page.locator(`#check-${contest.id}`).textContent()) ?? '', /· cuadra$/, contest.id);
  }
  await page.keyboard.press('Enter');

  await waitForScreen(page, 'cotejo-review');
  t.is(await page.locator('#no-differences').textContent(), 'Sin diferencias: el conteo coincide en todas las casillas.');
  t.deepEqual(station.actor.getSnapshot().context.cotejoDifferences, []);
  t.deepEqual(await axeViolations(page), [], 'cotejo-review without differences');
});
