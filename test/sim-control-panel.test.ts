import test from 'ava';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { SimulatedHardware } from '../hardware-sim/control/simulated-hardware.ts';
import { startControlServer } from '../hardware-sim/control/control-server.ts';
import { createPrinter } from '../shared/devices/printer/factory.ts';
import { heading, makeDocument } from '../shared/documents/print-document.ts';

const CHROMIUM = '/usr/bin/chromium';
const WAIT = { timeout: 30_000 };

test('the tester panel drives devices, shows printed tickets and has no axe violations', async (t) => {
  const hardware = new SimulatedHardware();
  t.teardown(() => hardware.close());
  hardware.activationReader('r1');
  hardware.usbStick('u1');
  hardware.keypad('k1', 'two-switch');
  const started = await hardware.startPrinter('p1');
  if (!started.ok) return t.fail(started.error);
  const server = await startControlServer(hardware);
  t.teardown(() => server.close());
  const driver = await createPrinter({ kind: 'escpos-serial', path: started.value, statusReplyTimeoutMs: 1_500, jobStatusPollIntervalMs: 50 });
  if (!driver.ok) return t.fail(JSON.stringify(driver.error));
  t.teardown(() => driver.value.printer.close());

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  t.teardown(() => browser.close());
  const context = await browser.newContext();
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${server.url}/`);
  await page.getByRole('heading', { name: 'Printer p1' }).waitFor(WAIT);

  const reader = page.getByRole('article', { name: 'Reader r1' });
  await reader.getByLabel('Device name').fill('voter-7');
  await reader.getByRole('button', { name: 'Insert device' }).click();
  await reader.getByText('device: voter-7').waitFor(WAIT);
  t.like(hardware.snapshot().activationDevices, [{ name: 'voter-7', inReader: 'r1' }]);

  await page.getByRole('article', { name: 'USB stick u1' }).getByRole('button', { name: 'Remove' }).click();
  await page.getByText('inserted: no').waitFor(WAIT);
  t.like(hardware.snapshot().usbSticks, [{ name: 'u1', inserted: false }]);

  const printer = page.getByRole('article', { name: 'Printer p1' });
  await printer.getByLabel('Fault', { exact: true }).selectOption('cover-open');
  await printer.getByRole('button', { name: 'Inject fault' }).click();
  await printer.getByText('status: cover-open').waitFor(WAIT);
  t.deepEqual(await driver.value.printer.status(), { ok: true, value: 'cover-open' });
  await printer.getByRole('button', { name: 'Clear all faults' }).click();
  await printer.getByText('status: ready').waitFor(WAIT);

  t.true((await driver.value.printer.print({ id: 'one', document: makeDocument([heading('TICKET DEL PANEL')]) })).ok);
  const link = printer.getByRole('link', { name: 'Ticket 1 as image (PNG)' });
  await link.waitFor(WAIT);
  t.is(await link.getAttribute('href'), '/printers/p1/tickets/1.png');
  t.true((await printer.locator('pre').first().textContent())?.includes('TICKET DEL PANEL'));

  const axe = await new AxeBuilder({ page }).analyze();
  t.deepEqual(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`), []);
  t.deepEqual(pageErrors, []);
});
