/**
 * Results screen in real Chromium, electronic mesa: puesta a cero, each cabin's device prompt, a
 * refused device naming the cabin and every reason, the identity summary, the tally, a cotejo
 * with a deliberate difference shown option by option (and recorded in the observations), the
 * signatures and the close. Every screen reached passes axe-core, shows the SIMULACRO banner and
 * does not scroll sideways at 1280×800.
 */
import test from 'ava';
import type { Browser } from 'playwright-core';
import { err, ok } from '../shared/result.ts';
import { MEMBER_2, MEMBER_3, PRESIDENT, READINGS, readAllDevices, startCounting, startResults } from './helpers/results-harness.ts';
import { axeViolations, BROWSER_TEST_TIMEOUT_MS, launchResultsBrowser, openResultsScreen, typeCount, waitForScreen } from './helpers/results-ui-browser.ts';

let browser: Browser;

test.before(async () => {
  browser = await launchResultsBrowser();
});

test.after.always(async () => {
  await browser.close();
});

const OTHER_CONTESTS = ['senado-nacional', 'senado-regional', 'diputados', 'parlamento-andino'];

test.serial('electronic escrutinio: each device prompted, a refused device names the cabin and every reason, then the tally', async (t) => {
  t.timeout(BROWSER_TEST_TIMEOUT_MS);
  let refuseCabin2 = true;
  const station = startResults({
    handlers: {
      readCabinResults: ({ cabinId }) => {
        if (cabinId === 'cabin-2' && refuseCabin2) {
          refuseCabin2 = false;
          return Promise.resolve(err({ codes: ['bad-signature', 'wrong-mesa'], reasons: ['La firma no es válida.', 'El archivo es de otra mesa.'] }));
        }
        const reading = READINGS[cabinId];
        return Promise.resolve(reading === undefined ? err({ codes: ['unexpected'], reasons: ['?'] }) : ok(reading));
      },
    },
  });
  await station.settle();
  const { page } = await openResultsScreen(browser, station, t);

  await waitForScreen(page, 'awaiting-president');
  t.regex((await page.locator('#instruction').textContent()) ?? '', /presente su credencial/);
  t.deepEqual(await axeViolations(page), [], 'awaiting-president');

  await station.act({ type: 'CREDENTIAL_PRESENTED', credential: PRESIDENT });
  await waitForScreen(page, 'insert-cabin-device');
  t.is(await page.locator('#instruction').textContent(), 'Inserte el dispositivo de consolidación de la cabina 1.');
  t.is(await page.locator('#device').textContent(), 'Dispositivo esperado: cabina 1');
  t.deepEqual(await axeViolations(page), [], 'insert-cabin-device');

  await station.act({ type: 'DEVICE_INSERTED' });
  await page.waitForSelector('#device:text("cabina 2")');
  t.deepEqual(await page.locator('#progress li').allTextContents(), [
    'Dispositivo de la cabina 1: leído y verificado',
    'Dispositivo de la cabina 2: pendiente',
    'Resumen de la estación de identificación: pendiente',
  ]);

  await station.act({ type: 'DEVICE_INSERTED' });
  await waitForScreen(page, 'device-refused');
  const refusal = (await page.locator('#refusal').textContent()) ?? '';
  t.true(refusal.includes('cabina 2'), refusal);
  t.true(refusal.includes('La firma no es válida.') && refusal.includes('El archivo es de otra mesa.'), 'every reason shown');
  t.is(await page.locator('#instruction').textContent(), 'Inserte el dispositivo de consolidación de la cabina 2.');
  t.deepEqual(await axeViolations(page), [], 'device-refused');

  await station.act({ type: 'DEVICE_INSERTED' });
  await waitForScreen(page, 'insert-identity-device');
  t.is(await page.locator('#device').textContent(), 'Dispositivo esperado: estación de identificación');
  t.deepEqual(await axeViolations(page), [], 'insert-identity-device');

  await station.act({ type: 'DEVICE_INSERTED' });
  await waitForScreen(page, 'tallied');
  t.is(await page.locator('#tally-ballots').textContent(), 'Cédulas contadas: 5 · Votos en blanco por Art. 23: 1');
  t.deepEqual(await axeViolations(page), [], 'tallied');
  await page.locator('#tally details').first().locator('summary').click();
  t.true(await page.locator('#tally details').first().locator('tbody tr').first().isVisible(), 'votes per organization shown');
  t.deepEqual(await axeViolations(page), [], 'tallied with a contest opened');
});

test.serial('a cotejo with a deliberate difference is shown option by option, recorded, then signed and closed', async (t) => {
  t.timeout(BROWSER_TEST_TIMEOUT_MS);
  const station = await startCounting();
  await readAllDevices(station);
  const { page } = await openResultsScreen(browser, station, t);
  await waitForScreen(page, 'tallied');

  await page.locator('button[data-key="start-cotejo"]').click();
  await waitForScreen(page, 'cotejo-entry');
  t.is(await page.locator('#expected').textContent(), 'Votos emitidos según el resultado electrónico: 6 en cada elección.');
  t.is(await page.locator('#entry input[name="presidencial/1"]').getAttribute('inputmode'), 'numeric');
  t.deepEqual(await axeViolations(page), [], 'cotejo-entry');
  // Electronic: presidencial 1→3, 2→2, blank 1 (Art. 23); other contests blank 6.
  // Typed: organization 2 gets 1 and a null vote appears: the sum still matches, 2 fields differ.
  await typeCount(page, 'presidencial/1', 3);
  await typeCount(page, 'presidencial/2', 1);
  t.is(await page.locator('#check-presidencial').textContent(), 'Suma: 4 de 6 votantes · faltan 2');
  await typeCount(page, 'presidencial/blank', 1);
  await typeCount(page, 'presidencial/null', 1);
  t.is(await page.locator('#check-presidencial').textContent(), 'Suma: 6 de 6 votantes · cuadra');
  t.is(await page.locator('#check-diputados').textContent(), 'Suma: 0 de 6 votantes · faltan 6');
  await typeCount(page, 'diputados/blank', 7);
  t.is(await page.locator('#summary-diputados').getAttribute('data-state'), 'off');
  t.regex((await page.locator('#summary-diputados').textContent()) ?? '', /sobran 1$/);
  for (const contest of OTHER_CONTESTS) await typeCount(page, `${contest}/blank`, 6);
  t.is(await page.locator('#summary-diputados').getAttribute('data-state'), 'ok');
  await page.locator('#submit-entry').click();

  await waitForScreen(page, 'cotejo-review');
  const rows = page.locator('#differences tbody tr');
  t.is(await rows.count(), 2);
  const texts: string[][] = [];
  for (let index = 0; index < 2; index++) texts.push(await rows.nth(index).locator('td').allTextContents());
  const contestName = 'Presidente y Vicepresidentes de la República';
  t.deepEqual(texts.map((cells) => [cells[0], cells[2], cells[3]]), [
    [contestName, '2', '1'],
    [contestName, '0', '1'],
  ]);
  t.regex(texts[0]?.[1] ?? '', /^2 — /, 'organization number and name');
  t.is(texts[1]?.[1], 'Votos nulos');
  t.is(await page.locator('#entry input[name="presidencial/2"]').getAttribute('aria-invalid'), 'true', 'differing field flagged');
  t.is(await page.locator('#entry input[name="presidencial/2"]').inputValue(), '1', 'the typed count is kept for correction');
  t.deepEqual(await axeViolations(page), [], 'cotejo-review');

  await page.locator('button[data-key="record-cotejo"]').click();
  await waitForScreen(page, 'signing');
  t.is(station.calls.printActaCopy.length, 4, 'three actas and the cartel');
  const observations = station.calls.printActaCopy[0]?.result.observations ?? [];
  t.true(observations.some((line) => line.startsWith('Cotejo (Art. 28): diferencias') && line.includes('presidencial/2')), observations.join('\n'));
  t.is(await page.locator('#signatures-empty').textContent(), 'Aún no firmó nadie.');
  t.deepEqual(await axeViolations(page), [], 'signing');

  await page.locator('button[data-key="finish-signing"]').click();
  await page.waitForSelector('#refusal:not([hidden])');
  t.regex((await page.locator('#refusal').textContent()) ?? '', /^Faltan firmas/);
  for (const signer of [PRESIDENT, MEMBER_2]) await station.act({ type: 'CREDENTIAL_PRESENTED', credential: signer });
  await page.waitForSelector('#signatures li:nth-child(2)');
  t.true(((await page.locator('#signatures li').first().textContent()) ?? '').startsWith('Presidente — '));
  t.is(await page.locator('#signatures-state').textContent(), 'Faltan firmas: el presidente y al menos dos miembros.');
  await station.act({ type: 'CREDENTIAL_PRESENTED', credential: MEMBER_3 });
  await page.waitForSelector('#signatures li:nth-child(3)');
  t.is(await page.locator('#signatures-state').textContent(), 'Ya firmaron el presidente y dos miembros.');
  t.deepEqual(await axeViolations(page), [], 'signing with signatures');

  await page.locator('button[data-key="finish-signing"]').click();
  await waitForScreen(page, 'closed');
  t.is(station.calls.writeConsolidated.length, 1);
  t.deepEqual(await axeViolations(page), [], 'closed');
});
