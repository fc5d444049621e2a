/**
 * Results screen in real Chromium, STAE manual count: two different members type the whole
 * count; the second form never carries the first entry; a deliberate mismatch is shown field by
 * field (and flagged on the form) until the second entry agrees; an agreed but incoherent count
 * is shown as such. Every screen reached passes axe-core.
 */
import test from 'ava';
import type { Page } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { sheetFields } from '../results-station/ports.ts';
import { DEFINITION, startCounting } from './helpers/results-harness.ts';
import { axeViolations, BROWSER_TEST_TIMEOUT_MS, launchResultsBrowser, openResultsScreen, typeCount, waitForScreen } from './helpers/results-ui-browser.ts';

let browser: Browser;

test.before(async () => {
  browser = await launchResultsBrowser();
});

test.after.always(async () => {
  await browser.close();
});

const CONTESTS = DEFINITION.contests.map((contest) => contest.id);

/** Ballots, `presidencial/1` votes and null votes; every other contest all blank. */
async function typeSheet(page: Page, ballots: number, first: number, nulls: number): Promise<void> {
  await typeCount(page, 'ballots', ballots);
  await typeCount(page, 'presidencial/1', first);
  await typeCount(page, 'presidencial/null', nulls);
  for (const contest of CONTESTS.slice(1)) await typeCount(page, `${contest}/blank`, ballots);
}

async function differenceFields(page: Page): Promise<string[]> {
  const rows = page.locator('#differences tbody tr');
  const fields: string[] = [];
  for (let index = 0; index < (await rows.count()); index++) fields.push((await rows.nth(index).getAttribute('data-field')) ?? '');
  return fields;
}

test.serial('double entry by two members with a deliberate mismatch: the differing fields are listed and flagged', async (t) => {
  t.timeout(BROWSER_TEST_TIMEOUT_MS);
  const station = await startCounting({ input: { mode: 'manual-count', cabinIds: [] } });
  const { page } = await openResultsScreen(browser, station, t);

  await waitForScreen(page, 'manual-entry-first');
  t.deepEqual(await axeViolations(page), [], 'manual-entry-first');
  t.is(await page.locator('#check-presidencial').textContent(), 'Suma: 0 · escriba primero las cédulas contadas');
  await typeSheet(page, 4, 4, 0);
  t.is(await page.locator('#check-presidencial').textContent(), 'Suma: 4 de 4 votantes · cuadra');
  await page.locator('#submit-entry').click();
  await page.waitForSelector('#member-missing:not([hidden])');
  t.is(station.screen(), 'manual-entry-first', 'nothing sent without a member');
  await page.locator('#member').selectOption('member-1');
  await page.locator('#submit-entry').click();

  await waitForScreen(page, 'manual-entry-second');
  t.is(await page.locator('#entry input[name="presidencial/1"]').inputValue(), '', 'the second member starts from an empty form');
  const served = JSON.parse(String(await page.evaluate("fetch('/view').then((response) => response.text())"))) as { form: { entries: unknown[] } };
  t.deepEqual(served.form.entries, [], 'the first entry is not sent to the page');
  t.deepEqual(await axeViolations(page), [], 'manual-entry-second');
  await page.locator('#member').selectOption('member-1');
  await typeSheet(page, 4, 3, 1);
  await page.locator('#submit-entry').click();
  await page.waitForSelector('#refusal:not([hidden])');
  t.is(await page.locator('#refusal').textContent(), 'El segundo ingreso debe hacerlo otro miembro de mesa. No se registró.');
  t.is(await page.locator('#entry input[name="presidencial/null"]').inputValue(), '1', 'the typed count survives the refusal');
  await page.locator('#member').selectOption('member-2');
  await page.locator('#submit-entry').click();

  await waitForScreen(page, 'manual-mismatch');
  t.deepEqual(await differenceFields(page), ['presidencial/1', 'presidencial/null']);
  const firstRow = await page.locator('#differences tbody tr').first().locator('td').allTextContents();
  t.deepEqual(firstRow.slice(2), ['4', '3']);
  t.regex(firstRow[1] ?? '', /^1 — /);
  t.regex((await page.locator('#differences thead').textContent()) ?? '', /Primer ingreso \(Presidente — .*Segundo ingreso \(Secretario — /);
  t.is(await page.locator('#entry input[name="presidencial/1"]').getAttribute('aria-invalid'), 'true');
  t.is(await page.locator('#entry input[name="presidencial/2"]').getAttribute('aria-invalid'), null);
  t.deepEqual(await axeViolations(page), [], 'manual-mismatch');
});

/** Ballots 4; `presidencial/1` and null as given; every other contest 4 blank. */
function sheet(first: number, nulls: number): Record<string, number> {
  const fields = sheetFields(DEFINITION, 'manual-count').map((field) => field.field);
  const counts: Record<string, number> = Object.fromEntries(fields.map((field) => [field, 0]));
  counts['ballots'] = 4;
  counts['presidencial/1'] = first;
  counts['presidencial/null'] = nulls;
  for (const contest of CONTESTS.slice(1)) counts[`${contest}/blank`] = 4;
  return counts;
}

test.serial('the mismatch stays on screen, field by field, until the corrected second entry agrees', async (t) => {
  t.timeout(BROWSER_TEST_TIMEOUT_MS);
  const station = await startCounting({ input: { mode: 'manual-count', cabinIds: [] } });
  await station.act({ type: 'MANUAL_ENTRY', member: 'member-1', counts: sheet(4, 0) });
  await station.act({ type: 'MANUAL_ENTRY', member: 'member-2', counts: sheet(3, 1) });
  const { page } = await openResultsScreen(browser, station, t);
  await waitForScreen(page, 'manual-mismatch');
  t.deepEqual(await differenceFields(page), ['presidencial/1', 'presidencial/null']);

  // The second member loads their own entry and corrects one field only: still one mismatch.
  await page.locator('#member').selectOption('member-2');
  t.is(await page.locator('#entry input[name="presidencial/1"]').inputValue(), '3', 'own entry loaded for correction');
  await typeCount(page, 'presidencial/1', 4);
  await page.locator('#submit-entry').click();
  // (waitForFunction would need eval, which the page's CSP forbids.)
  await page.waitForSelector('#differences tbody tr:nth-child(2)', { state: 'detached' });
  t.deepEqual(await differenceFields(page), ['presidencial/null']);
  t.is(station.screen(), 'manual-mismatch');

  await typeCount(page, 'presidencial/null', 0);
  await page.locator('#submit-entry').click();
  await waitForScreen(page, 'tallied');
  t.is(await page.locator('button[data-key="start-cotejo"]').count(), 0, 'no cotejo in a manual count');
  t.is(await page.locator('#tally-ballots').textContent(), 'Cédulas contadas: 4');
  t.deepEqual(await axeViolations(page), [], 'tallied (manual count)');
});

test.serial('agreed entries whose contests do not add up show the findings', async (t) => {
  t.timeout(BROWSER_TEST_TIMEOUT_MS);
  const station = await startCounting({ input: { mode: 'manual-count', cabinIds: [] } });
  const { page } = await openResultsScreen(browser, station, t);
  for (const [screen, member] of [['manual-entry-first', 'member-2'], ['manual-entry-second', 'member-3']] as const) {
    await waitForScreen(page, screen);
    await page.locator('#member').selectOption(member);
    // presidencial adds up to 5, every other contest to 4.
    await typeSheet(page, 4, 4, 1);
    await page.locator('#submit-entry').click();
  }
  await waitForScreen(page, 'manual-invalid');
  t.deepEqual(await page.locator('#findings li').allTextContents(), ['Los votos emitidos no coinciden entre elecciones.']);
  await page.locator('#member').selectOption('member-3');
  t.is(await page.locator('#entry input[name="presidencial/null"]').inputValue(), '1', 'own entry loaded for correction');
  t.regex((await page.locator('#summary-presidencial').textContent()) ?? '', /sobran 1$/);
  t.deepEqual(await axeViolations(page), [], 'manual-invalid');
});
