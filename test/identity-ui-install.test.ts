/**
 * Identity screen in real Chromium: the president confirms the mesa data, registers three
 * members by DNI (seeing each one listed with its role) and installs the mesa; every screen
 * reached passes axe-core and shows the SIMULACRO banner.
 */
import test from 'ava';
import type { Browser } from 'playwright-core';
import { ELECTOR, PRESIDENTE, SCHEDULE, SECRETARIO, startIdentity, TERCER_MIEMBRO } from './helpers/identity-harness.ts';
import { axeViolations, launchIdentityBrowser, openIdentityScreen, SCREEN_SOFTWARE_CODE, waitForScreen } from './helpers/identity-ui-browser.ts';

let browser: Browser;

test.before(async () => {
  browser = await launchIdentityBrowser();
});

test.after.always(async () => {
  await browser.close();
});

test.serial('installation: mesa data confirmed, three members registered by DNI and Enter, then installed', async (t) => {
  const station = startIdentity();
  const { page, definition } = await openIdentityScreen(browser, station, t);

  await waitForScreen(page, 'confirm-mesa-data');
  const mesaData = (await page.locator('#content').textContent()) ?? '';
  t.true(mesaData.includes(definition.mesa.number), 'mesa number shown');
  t.true(mesaData.includes(SCREEN_SOFTWARE_CODE), 'verified software code shown with the mesa data');
  t.deepEqual(await axeViolations(page), [], 'confirm-mesa-data screen');
  await page.locator('button[data-key="confirm-mesa"]').click();

  await waitForScreen(page, 'installation');
  t.is(await page.locator('#members-empty').isVisible(), true);
  await page.locator('button[data-key="install"]').click();
  await page.waitForSelector('#refusal:not([hidden])');
  t.is(await page.locator('#refusal').textContent(), 'Se necesitan al menos tres miembros presentes para instalar la mesa.');
  const expected = [
    [PRESIDENTE, 'Presidente'],
    [SECRETARIO, 'Secretario'],
    [TERCER_MIEMBRO, 'Tercer miembro'],
  ] as const;
  for (const [index, [dni]] of expected.entries()) {
    await page.locator('#member-dni').fill(dni);
    await page.locator('#member-dni').press('Enter');
    await page.waitForSelector(`#members tbody tr:nth-child(${index + 1})`);
  }
  const rows: string[][] = [];
  for (let index = 0; index < (await page.locator('#members tbody tr').count()); index++) {
    rows.push((await page.locator('#members tbody tr').nth(index).locator('td').allTextContents()).slice(0, 2));
  }
  t.deepEqual(rows, expected.map(([dni, role]) => [role, dni]));
  t.is(await page.locator('#member-dni').inputValue(), '', 'the field is cleared after each accepted member');
  t.is(await page.locator('#refusal').isHidden(), true);
  t.deepEqual(await axeViolations(page), [], 'installation screen with members');

  await page.locator('#member-dni').fill(PRESIDENTE);
  await page.locator('#member-dni').press('Enter');
  await page.waitForSelector('#refusal:not([hidden])');
  t.is(await page.locator('#refusal').textContent(), 'Este miembro ya fue registrado.');
  t.deepEqual(await axeViolations(page), [], 'installation screen with a refusal');

  await page.locator('button[data-key="install"]').click();
  await waitForScreen(page, 'awaiting-opening');
  t.is(station.calls.verifyPresidentCredential.length, 1, 'the credential came from the host reader');
  t.is(station.calls.printActaInstalacion.length, 1);
  t.deepEqual(await axeViolations(page), [], 'awaiting-opening screen');
});

test.serial('after the install deadline an elector in line is taken as a member for a chosen role (Art. 21)', async (t) => {
  const station = startIdentity({ startAt: SCHEDULE.installDeadlineAt + 60_000 });
  const { page } = await openIdentityScreen(browser, station, t);
  await waitForScreen(page, 'confirm-mesa-data');
  await page.locator('button[data-key="confirm-mesa"]').click();
  await waitForScreen(page, 'installation');
  for (const dni of [PRESIDENTE, SECRETARIO]) {
    await page.locator('#member-dni').fill(dni);
    await page.locator('#member-dni').press('Enter');
  }
  await page.waitForSelector('#members tbody tr:nth-child(2)');
  await page.locator('#member-dni').fill(ELECTOR);
  await page.locator('#line-role').selectOption('tercer-miembro');
  await page.locator('button[data-key="take-from-line"]').click();
  await page.waitForSelector('#members tbody tr:nth-child(3)');
  t.deepEqual((await page.locator('#members tbody tr').nth(2).locator('td').allTextContents()).slice(0, 2), [
    'Tercer miembro (elector de la cola)',
    ELECTOR,
  ]);
  t.deepEqual(await axeViolations(page), [], 'installation screen with the Art. 21 controls');
});

test.serial('the president adds an observation for the acta from the installation screen; a DNI-like number is refused and kept for correction', async (t) => {
  const station = startIdentity();
  const { page } = await openIdentityScreen(browser, station, t);
  await waitForScreen(page, 'confirm-mesa-data');
  await page.locator('button[data-key="confirm-mesa"]').click();
  await waitForScreen(page, 'installation');

  await page.locator('#observation').fill('El elector 4111 8899 llegó antes.');
  await page.locator('button[data-key="add-observation"]').click();
  await page.locator('#observation-note', { hasText: '8 dígitos' }).waitFor();
  t.is(await page.locator('#observation').inputValue(), 'El elector 4111 8899 llegó antes.', 'the refused text stays to be corrected');
  t.is(station.calls.recordObservation.length, 0, 'nothing was stored');
  t.deepEqual(await axeViolations(page), [], 'installation screen with a refused observation');

  await page.locator('#observation').fill('Un elector llegó antes de la hora.');
  await page.locator('button[data-key="add-observation"]').click();
  await page.locator('#observation-note', { hasText: 'acta de instalación' }).waitFor();
  t.deepEqual(station.calls.recordObservation, [{ text: 'Un elector llegó antes de la hora.' }]);
  t.is(await page.locator('#observation').inputValue(), '', 'an accepted observation leaves the field empty');
});
