/**
 * The operator's screen of the transmission module (Art. 31) in real Chromium over the REAL
 * module host (pinned-HTTPS centre, simulated printer, scanner and write-once media): the
 * operator receives devices by clicking, the per-mesa board follows (acknowledged, handed back,
 * refused with reason), a constancia is printed from the board, backups and close; axe finds no
 * violation on the board, on the hand-back screen and on the refusal screen.
 */
import test from 'ava';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { launchResultsBrowser, BROWSER_TEST_TIMEOUT_MS } from './helpers/results-ui-browser.ts';
import { TransmissionModuleConfigSchema } from '../transmission-station/host-config.ts';
import { runTransmissionModule } from '../transmission-station/module-station.ts';
import type { TransmissionModuleHost } from '../transmission-station/module-host.ts';
import { makeModuleWorld, MESA_RESULT_FILE_NAME, OTHER_ELECTION_MESA } from './helpers/transmission-module-world.ts';

function tickets(host: TransmissionModuleHost): number {
  const emulator = host.devices.printer?.simulator?.emulator;
  if (emulator === undefined) throw new Error('simulated printer expected');
  return emulator.completeTickets().length;
}

async function axeViolations(page: Page): Promise<string[]> {
  return (await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id);
}

test('the operator receives devices on the screen: cargos, hand-back without cargo, refusal with reason, board, constancia, backups, close', async (t) => {
  t.timeout(BROWSER_TEST_TIMEOUT_MS);
  const world = await makeModuleWorld(t);
  const config = TransmissionModuleConfigSchema.parse(world.config);
  const module = await runTransmissionModule(config, world.hostOptions());
  if (!module.ok) throw new Error(JSON.stringify(module.error));
  t.teardown(() => module.value.close());
  const { host } = module.value;
  const browser = await launchResultsBrowser();
  t.teardown(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(60_000);
  const page = await context.newPage();
  await page.goto(module.value.screenUrl);
  const title = page.locator('#title');
  const row = (mesa: string) => page.locator(`#board-rows tr[data-mesa="${mesa}"]`);

  await page.locator('button[data-action="RECEIVE"]').waitFor();
  t.is(await title.textContent(), 'Módulo de transmisión');
  t.true(await page.locator('#simulacro').isVisible());
  t.is(await row('041287').getAttribute('data-status'), 'waiting');
  t.deepEqual(await axeViolations(page), []);

  // Mesa 041287: received, two cargos, acknowledged.
  world.insert(world.mesa('041287'));
  await world.placeActa('041287');
  const afterZero = tickets(host);
  await page.click('button[data-action="RECEIVE"]');
  await page.locator('#board-rows tr[data-mesa="041287"][data-status="acknowledged"]').waitFor();
  t.is(tickets(host), afterZero + 2, 'the cargo in duplicate');
  t.regex((await row('041287').textContent()) ?? '', /resultado: recibido por el centro; imagen del acta: recibido por el centro; cargos impresos: 2/);

  // Mesa 041288 without results: handed back, no cargo.
  world.insert(world.mesa('041288'), [MESA_RESULT_FILE_NAME]);
  await page.click('button[data-action="RECEIVE"]');
  await title.filter({ hasText: 'Dispositivo sin resultados' }).waitFor();
  t.regex((await page.locator('#instruction').textContent()) ?? '', /mesa 041288 no contiene resultados.*NO se imprime cargo/);
  t.deepEqual(await axeViolations(page), []);
  await page.click('button[data-action="CONTINUE"]');
  await page.locator('#board-rows tr[data-mesa="041288"][data-status="returned"]').waitFor();
  t.is(tickets(host), afterZero + 2);

  // A device of another election: refused with its reason.
  world.insert(world.otherElection);
  await page.click('button[data-action="RECEIVE"]');
  await title.filter({ hasText: 'Dispositivo rechazado' }).waitFor();
  t.regex((await page.locator('#instruction').textContent()) ?? '', /es de otra elección/);
  t.is(await page.locator('#problem').textContent(), 'Problema: El dispositivo fue rechazado: el dispositivo es de otra elección.');
  t.regex((await page.locator('#detail').textContent()) ?? '', /^Detalle técnico \(para soporte\): its package is of election erm2026/);
  t.deepEqual(await axeViolations(page), []);
  await page.click('button[data-action="CONTINUE"]');
  await page.locator('#foreign li').filter({ hasText: `Mesa ${OTHER_ELECTION_MESA} (erm2026): el dispositivo es de otra elección` }).waitFor();
  t.is(tickets(host), afterZero + 2);
  t.deepEqual(await axeViolations(page), [], 'the board with every kind of row');

  // A constancia de transmisión from the board, in the copies asked.
  await page.fill('#copies', '3');
  await page.click('button[data-print="041287:result"]');
  await row('041287').filter({ hasText: 'constancias impresas: resultado 3, imagen 0' }).waitFor();
  t.is(tickets(host), afterZero + 5);

  await page.click('button[data-action="FINISH"]');
  await title.filter({ hasText: 'Listo para cerrar' }).waitFor();
  t.regex((await page.locator('#backups').textContent()) ?? '', /Respaldos verificados: 3 de 3/);
  await page.click('button[data-action="CLOSE"]');
  await title.filter({ hasText: 'Módulo cerrado' }).waitFor();
  t.is(await module.value.finished, 'closed');
});

test('the module screen refuses any input but the operator\'s', async (t) => {
  t.timeout(BROWSER_TEST_TIMEOUT_MS);
  const world = await makeModuleWorld(t);
  const module = await runTransmissionModule(TransmissionModuleConfigSchema.parse(world.config), world.hostOptions());
  if (!module.ok) throw new Error(JSON.stringify(module.error));
  t.teardown(() => module.value.close());
  const post = (body: unknown) => fetch(new URL('/input', module.value.screenUrl), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  t.is((await post({ type: 'PRINT', mesa: '041287', what: 'result', copies: 0 })).status, 400);
  t.is((await post({ type: 'PRINT', mesa: '../x', what: 'result', copies: 1 })).status, 400);
  t.is((await post({ type: 'xstate.done.actor.receiveDevice', output: { kind: 'received', mesa: '041287', reprint: false } })).status, 400);
  t.is((await post({ type: 'SEND' })).status, 200);
});
