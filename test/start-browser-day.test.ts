/**
 * Issue 9 acceptance: `vep start` (what `npm start` runs) and one vote through the browser
 * screens, end to end. The tester's hands are the panel's HTTP control API (move a device or
 * the consolidation stick, set the clock); everything a mesa member or the voter does is a click
 * on the real station pages in Chromium. At the end the observer tool checks the stick: every
 * signature verifies and the tally is exactly the one vote cast; then the tester places the
 * printed ODPE acta on the scanner from the panel page, and the coordinator walks the
 * transmission station's screen through Art. 30 (the stick stays in the results station's port):
 * the run's computing centre acknowledges the mesa and holds exactly the acta's tally, and the
 * three write-once backups are finalized.
 */
import test from 'ava';
import type { Browser, Page } from 'playwright-core';
import path from 'node:path';
import { centreTally } from '../centre/tally.ts';
import { openCentreStore } from '../centre/store.ts';
import { canonicalJson } from '../shared/crypto/canonical-json.ts';
import { localDateTimeToEpoch } from '../shared/election/definition.ts';
import { verifyDevice } from '../shared/observer/verify-device.ts';
import { loadFixture, titulares } from './helpers/identity-host-world.ts';
import { eventually, launchStartBrowser, onScreen, panel, startMesa, ticketTexts, type StartedMesa } from './helpers/start-day.ts';

let browser: Browser;

test.before(async () => {
  browser = await launchStartBrowser();
});

test.after.always(async () => {
  await browser.close();
});

async function click(page: Page, key: string): Promise<void> {
  await page.locator(`button[data-key="${key}"]`).click();
}

async function openPage(url: string, t: { teardown(fn: () => Promise<void>): void }): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  t.teardown(() => context.close());
  const page = await context.newPage();
  page.setDefaultTimeout(120_000);
  await page.goto(url);
  return page;
}

async function printed(mesa: StartedMesa, printer: string, pattern: RegExp, count = 1): Promise<void> {
  await eventually(async () => (await ticketTexts(mesa, printer)).filter((text) => pattern.test(text)).length >= count, `${printer} printed ${String(pattern)}`);
}

test('npm start: install, puesta a cero, one vote, close, escrutinio, actas signed, the observer accepts the stick, the transmission station sends it and the centre holds the acta\'s tally', async (t) => {
  t.timeout(20 * 60_000);
  const def = loadFixture('eg2026');
  const [presidentDni, secretaryDni, thirdDni] = titulares(def);
  const mesa = await startMesa(t);
  t.deepEqual(Object.keys(mesa.cabins).sort(), ['cabin-1', 'cabin-2']);
  const cabin1Url = mesa.cabins['cabin-1'] ?? '';
  const cabin2Url = mesa.cabins['cabin-2'] ?? '';
  const stick = mesa.usb['results-usb'];
  if (stick === undefined) throw new Error('no results-usb port printed');

  // Identity station: mesa data confirmed, the three titulares by DNI, installed with the
  // president's credential in its reader.
  const identity = await openPage(mesa.identity, t);
  await onScreen(identity, 'confirm-mesa-data');
  await click(identity, 'confirm-mesa');
  await onScreen(identity, 'installation');
  for (const [index, dni] of [presidentDni, secretaryDni, thirdDni].entries()) {
    await identity.locator('#member-dni').fill(dni);
    await identity.locator('#member-dni').press('Enter');
    await identity.waitForSelector(`#members tbody tr:nth-child(${index + 1})`);
  }
  await panel(mesa, 'activation', 'move', { device: 'credencial-presidente', reader: 'identity' });
  await click(identity, 'install');
  await onScreen(identity, 'awaiting-dni');
  await panel(mesa, 'activation', 'pull', { reader: 'identity' });

  // Puesta a cero of both cabins (the results station needs every cabin's file at the end).
  const cabin1 = await openPage(cabin1Url, t);
  const cabin2 = await openPage(cabin2Url, t);
  for (const [cabinId, page] of [['cabin-1', cabin1], ['cabin-2', cabin2]] as const) {
    await onScreen(page, 'awaiting-puesta-a-cero');
    await panel(mesa, 'activation', 'move', { device: 'credencial-presidente', reader: cabinId });
    await onScreen(page, 'ready');
    await printed(mesa, cabinId, /PUESTA A CERO/);
    await panel(mesa, 'activation', 'pull', { reader: cabinId });
  }

  // The president votes first (the identity station's order rule): identified, token written on
  // a blank device, which the voter carries to cabin-1.
  await panel(mesa, 'activation', 'move', { device: 'dispositivo-01', reader: 'identity' });
  await identity.locator('#dni').fill(presidentDni);
  await identity.locator('#dni').press('Enter');
  await onScreen(identity, 'voter-may-vote');
  await click(identity, 'issue');
  await onScreen(identity, 'device-out');
  await click(identity, 'done');
  await onScreen(identity, 'awaiting-dni');

  await panel(mesa, 'activation', 'move', { device: 'dispositivo-01', reader: 'cabin-1' });
  await onScreen(cabin1, 'contest');
  const [presidencial, senadoNacional, senadoRegional, diputados, andino] = def.contests;
  if (presidencial === undefined || senadoNacional === undefined || senadoRegional === undefined || diputados === undefined || andino === undefined) {
    throw new Error('eg2026 has five contests');
  }
  const choose = async (key: string, last = false) => {
    await click(cabin1, key);
    await cabin1.waitForSelector(`button[data-key="${key}"][aria-pressed="true"]`);
    await click(cabin1, 'next');
    await onScreen(cabin1, last ? 'review' : 'contest');
  };
  await choose('org-8');
  await choose('blank');
  await choose('null');
  await choose('blank');
  await choose('org-1', true);
  await click(cabin1, 'next');
  await onScreen(cabin1, 'confirm');
  await cabin1.getByRole('button', { name: 'Confirmar mi voto' }).click();
  await onScreen(cabin1, 'remove-device');
  await printed(mesa, 'cabin-1', /CONSTANCIA DE VOTO/);
  await panel(mesa, 'activation', 'pull', { reader: 'cabin-1' });
  await onScreen(cabin1, 'ready');

  // The device comes back to the identity station: the vote is recorded.
  await panel(mesa, 'activation', 'move', { device: 'dispositivo-01', reader: 'identity' });
  await identity.locator('#dni').fill(presidentDni);
  await click(identity, 'device-returned');
  await onScreen(identity, 'voted-recorded');
  await click(identity, 'done');
  await onScreen(identity, 'awaiting-dni');
  await panel(mesa, 'activation', 'pull', { reader: 'identity' });

  // The close of voting on the simulated clock; each cabin closes with the president's
  // credential in its reader, then the identity station from its screen.
  const close = localDateTimeToEpoch(def.election.date, def.election.schedule.votingClose, def.election.timezone);
  await panel(mesa, 'clock', 'set', { at: new Date(close).toISOString() });
  for (const [cabinId, page] of [['cabin-1', cabin1], ['cabin-2', cabin2]] as const) {
    await panel(mesa, 'activation', 'move', { device: 'credencial-presidente', reader: cabinId });
    await onScreen(page, 'closed');
    await panel(mesa, 'activation', 'pull', { reader: cabinId });
  }
  await panel(mesa, 'activation', 'move', { device: 'credencial-presidente', reader: 'identity' });
  await click(identity, 'close-voting');
  await onScreen(identity, 'closed');
  await panel(mesa, 'activation', 'pull', { reader: 'identity' });

  // The stick goes to the results station: puesta a cero with the president's credential, the
  // files read, escrutinio, actas printed, the president and two members sign.
  await panel(mesa, 'usb', 'move', { stick: 'consolidation', to: 'results-usb' });
  const results = await openPage(mesa.results, t);
  await onScreen(results, 'awaiting-president');
  await panel(mesa, 'activation', 'move', { device: 'credencial-presidente', reader: 'results' });
  await onScreen(results, 'tallied');
  await panel(mesa, 'activation', 'pull', { reader: 'results' });
  await click(results, 'print-actas');
  await onScreen(results, 'signing', 600_000);
  await printed(mesa, 'results', /ACTA DE ESCRUTINIO/, def.actaCopies.length);
  for (const [index, credential] of ['credencial-presidente', 'credencial-miembro-2', 'credencial-miembro-3'].entries()) {
    await panel(mesa, 'activation', 'move', { device: credential, reader: 'results' });
    await results.waitForSelector(`#signatures li:nth-child(${index + 1})`);
    await onScreen(results, 'signing');
    await panel(mesa, 'activation', 'pull', { reader: 'results' });
  }
  await click(results, 'finish-signing');
  await onScreen(results, 'closed');

  // The observer tool on the stick, trusting only the ONPE root key of the run.
  const report = verifyDevice({ deviceDir: stick, keysDir: `${mesa.dir}/keys` });
  t.true(report.ok, report.checks.filter((c) => c.status === 'fail').map((c) => c.message).join('\n'));
  const tally = report.tally;
  if (tally === null) throw new Error('no tally in the observer report');
  t.is(tally.ballots, 1);
  t.is(tally.art23Blanks, 0);
  for (const contest of tally.contests) t.is(contest.emitted, 1, `${contest.contestId}: one vote emitted`);
  const votesFor = (contestId: string, organization: number) =>
    tally.contests.find((c) => c.contestId === contestId)?.organizations.find((o) => o.organization === organization)?.votes;
  t.is(votesFor(presidencial.id, 8), 1);
  t.is(votesFor(andino.id, 1), 1);
  t.is(tally.contests.find((c) => c.contestId === senadoNacional.id)?.blank, 1);
  t.is(tally.contests.find((c) => c.contestId === senadoRegional.id)?.null, 1);
  t.is(tally.contests.find((c) => c.contestId === diputados.id)?.blank, 1);

  // The tester places the printed ODPE copy of the acta on the transmission station's scanner,
  // from the panel page (the ticket's PNG, as printed).
  const resultsTickets = (await (await fetch(`${mesa.panel}/printers/results/tickets`)).json()) as { tickets: { index: number; text: string }[] };
  const odpeActa = resultsTickets.tickets.find((ticket) => /ACTA DE ESCRUTINIO/.test(ticket.text) && /DESTINO: ODPE/.test(ticket.text));
  if (odpeActa === undefined) throw new Error('the results station printed no ODPE copy of the acta');
  const panelPage = await openPage(`${mesa.panel}/`, t);
  await panelPage.locator('select[data-key="scanner:transmission:printer"]').selectOption('results');
  await panelPage.locator('input[data-key="scanner:transmission:ticket"]').fill(String(odpeActa.index));
  await panelPage.locator('button[data-key="scanner:transmission:ticket-place"]').click();
  await panelPage.locator('#message').filter({ hasText: 'scanner place-png: done' }).waitFor();
  const scanners = (await (await fetch(`${mesa.panel}/state`)).json()) as { state: { scanners: { name: string; sheets: number }[] } };
  t.is(scanners.state.scanners.find((s) => s.name === 'transmission')?.sheets, 1);

  // The transmission station (Art. 30) reads the stick where the results station left it: it
  // refused the empty port at start, so the coordinator presses Reintentar.
  const transmission = await openPage(mesa.transmission, t);
  const title = transmission.locator('#title');
  await title.filter({ hasText: 'Dispositivo rechazado' }).waitFor();
  await transmission.click('button[data-action="RETRY"]');
  await title.filter({ hasText: 'Recibido por el centro de cómputo' }).waitFor({ timeout: 600_000 });
  t.regex((await transmission.locator('#board').textContent()) ?? '', /Resultado de la mesa: recibido/);
  await printed(mesa, 'transmission', /PUESTA A CERO/);
  await transmission.fill('#copies', '2');
  await transmission.click('button[data-action="PRINT"]');
  await transmission.locator('#backups').filter({ hasText: 'resultado 2' }).waitFor();
  await printed(mesa, 'transmission', /CONSTANCIA DE\s+TRANSMISIÓN/, 2);
  await transmission.click('button[data-action="CONTINUE"]');
  await transmission.locator('#board').filter({ hasText: 'Imagen del acta: recibido' }).waitFor({ timeout: 600_000 });
  await title.filter({ hasText: 'Recibido por el centro de cómputo' }).waitFor();
  await transmission.click('button[data-action="CONTINUE"]');
  await title.filter({ hasText: 'Listo para cerrar' }).waitFor({ timeout: 600_000 });
  t.regex((await transmission.locator('#backups').textContent()) ?? '', /Respaldos verificados: 3 de 3/);
  await transmission.click('button[data-action="CLOSE"]');
  await title.filter({ hasText: 'Estación cerrada' }).waitFor();
  const media = (await (await fetch(`${mesa.panel}/state`)).json()) as { state: { usbSticks: { name: string; writeOnce: boolean; finalized: boolean }[] } };
  t.deepEqual(
    media.state.usbSticks.filter((u) => u.name.startsWith('respaldo-')).map((u) => [u.name, u.writeOnce, u.finalized]),
    [1, 2, 3].map((n) => [`respaldo-${n}`, true, true]),
  );

  // The centre acknowledged the mesa and holds exactly the acta's tally.
  const store = openCentreStore(path.join(mesa.dir, 'stations', 'centre', 'centre.db'), { readOnly: true });
  if (!store.ok) throw new Error(`centre store: ${JSON.stringify(store.error)}`);
  try {
    const rows = [...store.value.mesaResults()];
    t.deepEqual(rows.map((row) => row.mesa), [def.mesa.number]);
    t.is(canonicalJson(JSON.parse(rows[0]?.tallyJson ?? 'null')), canonicalJson(tally));
    const national = centreTally(store.value).national;
    t.is(national.mesas, 1);
    t.is(national.ballots, tally.ballots);
    for (const contest of tally.contests) {
      const totals = [...national.contests.values()].find((c) => c.key === contest.contestId || c.key.startsWith(`${contest.contestId}@`));
      t.is(totals?.emitted, contest.emitted, `${contest.contestId}: emitted at the centre`);
      t.is(totals?.blank, contest.blank, `${contest.contestId}: blank at the centre`);
      t.is(totals?.null, contest.null, `${contest.contestId}: null at the centre`);
    }
  } finally {
    store.value.close();
  }

  t.is(await mesa.stop(), 0);
});
