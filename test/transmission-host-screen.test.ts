/**
 * The coordinator's screen in real Chromium over the REAL transmission host (pinned-HTTPS centre,
 * simulated printer, scanner and write-once media): every step of Art. 30 is driven by clicking
 * the page's buttons, the status board shows what the outbox holds, and axe finds no violation.
 */
import test from 'ava';
import { AxeBuilder } from '@axe-core/playwright';
import { launchResultsBrowser, BROWSER_TEST_TIMEOUT_MS } from './helpers/results-ui-browser.ts';
import { parseTransmissionHostConfig } from '../transmission-station/host-config.ts';
import { runTransmissionStation } from '../transmission-station/station.ts';
import { makeWorld, tickets } from './helpers/transmission-host-world.ts';

test('the coordinator walks Art. 30 on the screen: print, continue, backups, close; board and counters follow the host', async (t) => {
  t.timeout(BROWSER_TEST_TIMEOUT_MS);
  const world = await makeWorld(t);
  const parsed = parseTransmissionHostConfig(world.config);
  if (!parsed.ok) throw new Error(parsed.error.join('; '));
  const station = await runTransmissionStation(parsed.value, world.hostOptions());
  if (!station.ok) throw new Error(JSON.stringify(station.error));
  t.teardown(() => station.value.close());
  const url = station.value.screenUrl;
  if (url === undefined) throw new Error('the screen is served');
  const browser = await launchResultsBrowser();
  t.teardown(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(60_000);
  const page = await context.newPage();
  await page.goto(url);

  const title = page.locator('#title');
  await title.filter({ hasText: 'Recibido por el centro de cómputo' }).waitFor();
  t.true(await page.locator('#simulacro').isVisible());
  t.regex((await page.locator('#board').textContent()) ?? '', /Resultado de la mesa: recibido/);
  const axe = await new AxeBuilder({ page }).analyze();
  t.deepEqual(axe.violations.map((v) => v.id), []);

  await page.fill('#copies', '3');
  await page.click('button[data-action="PRINT"]');
  await page.locator('#backups').filter({ hasText: 'resultado 3' }).waitFor();
  await page.click('button[data-action="CONTINUE"]');
  await page.locator('#board').filter({ hasText: 'Imagen del acta: recibido' }).waitFor();
  await title.filter({ hasText: 'Recibido por el centro de cómputo' }).waitFor();
  // Every progress line the page renders while the backups are written (the stream delivers each view in order).
  await page.evaluate(`window.seenWork = []; new MutationObserver(() => window.seenWork.push(document.getElementById('work-text').textContent))
    .observe(document.getElementById('work-text'), { childList: true, characterData: true, subtree: true });`);
  await page.click('button[data-action="CONTINUE"]');
  await title.filter({ hasText: 'Listo para cerrar' }).waitFor();
  const seenWork = await page.evaluate<string[]>('window.seenWork');
  for (const copy of [1, 2, 3]) {
    const lines = seenWork.filter((line) => line.startsWith(`Respaldo ${copy} de 3: `));
    t.true(lines.length > 1, `backup ${copy} advanced on screen: ${lines.join(' | ')}`);
    t.regex(lines.at(-1) ?? '', /^Respaldo \d de 3: (\d+) de \1 archivos grabados \(([\d.,]+ KB) de \2\)$/, 'it ends at its total');
  }
  t.true(await page.locator('#work').isHidden(), 'no progress bar once the work is done');
  t.regex((await page.locator('#backups').textContent()) ?? '', /Respaldos verificados: 3 de 3/);
  await page.click('button[data-action="CLOSE"]');
  await title.filter({ hasText: 'Estación cerrada' }).waitFor();
  t.is(await station.value.finished, 'closed');
  t.is(tickets(station.value.host).length, 4, 'zero report and three result constancias; no image constancia was asked');
  for (const n of [1, 2, 3]) t.true(world.hardware.usbStick(`respaldo-${n}`).state.finalized);
});

test('the screen refuses any input but the coordinator\'s four', async (t) => {
  t.timeout(BROWSER_TEST_TIMEOUT_MS);
  const world = await makeWorld(t);
  const parsed = parseTransmissionHostConfig(world.config);
  if (!parsed.ok) throw new Error(parsed.error.join('; '));
  const station = await runTransmissionStation(parsed.value, world.hostOptions());
  if (!station.ok) throw new Error(JSON.stringify(station.error));
  t.teardown(() => station.value.close());
  const url = station.value.screenUrl ?? '';
  const post = (body: unknown) => fetch(new URL('/input', url), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  t.is((await post({ type: 'PRINT', copies: 0 })).status, 400);
  t.is((await post({ type: 'xstate.done.actor.burnBackup' })).status, 400);
  t.is((await post({ type: 'RETRY' })).status, 200);
});

test('centre unreachable: the screen says "Sin conexión" with the reason (axe clean); Reintentar once the centre is back goes on', async (t) => {
  t.timeout(BROWSER_TEST_TIMEOUT_MS);
  const world = await makeWorld(t);
  await world.stopCentre();
  const parsed = parseTransmissionHostConfig(world.config);
  if (!parsed.ok) throw new Error(parsed.error.join('; '));
  const station = await runTransmissionStation(parsed.value, world.hostOptions());
  if (!station.ok) throw new Error(JSON.stringify(station.error));
  t.teardown(() => station.value.close());
  const browser = await launchResultsBrowser();
  t.teardown(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(60_000);
  const page = await context.newPage();
  await page.goto(station.value.screenUrl ?? '');
  const title = page.locator('#title');
  await title.filter({ hasText: 'Sin conexión' }).waitFor();
  t.is(await page.locator('#problem').textContent(), 'Problema: No hay conexión con el centro de cómputo.');
  t.is(await page.locator('#detail').textContent(), 'Detalle técnico (para soporte): computing centre unreachable: ECONNREFUSED');
  t.regex((await page.locator('#instruction').textContent()) ?? '', /Revise el dispositivo de comunicación/);
  const axe = await new AxeBuilder({ page }).analyze();
  t.deepEqual(axe.violations.map((v) => v.id), []);
  await world.restartCentre();
  await page.click('button[data-action="RETRY"]');
  await title.filter({ hasText: 'Recibido por el centro de cómputo' }).waitFor();
  t.true(await page.locator('#problem').isHidden());
});
