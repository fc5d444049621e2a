/**
 * axe-core reports 0 violations on every screen in every mode (issue 8 acceptance), in real
 * Chromium at 1280×800.
 *
 * Which screens can show which modes: the display settings (4 text sizes × 3 contrast modes)
 * belong to the voter's session. The page offers them only on the contest, review and
 * confirmation screens; the machine takes SET_DISPLAY only there, and resets the settings when a
 * session starts, ends or its vote is committed. So a screen shows a voter's mode only if the
 * voter can be on it with the settings of the session: contest (two variants that between them
 * show every part a contest screen has: the first contest with its 36 formulas and no "back";
 * the preferential keypad with two marked numbers, a refusal message and "back"), review,
 * confirmation, and the two screens a session passes through with its settings still in place,
 * the inactivity alert and "recording". Those are scanned here in all 12 modes, the mode chosen
 * with the page's own settings buttons, as a voter would.
 *
 * Every other screen (president's screens, verifying the token, the refusal of a token, the
 * screens after the vote is stored, the end of a session) can only ever be shown in the default
 * mode: the second test walks a voter who chose the largest text on a dark background through
 * each of them and asserts the page is back in the default mode with no settings to change, and
 * that a SET_DISPLAY there changes nothing. Their default-mode axe scan is
 * test/booth-ui-every-screen.test.ts (every screen of the machine, once). The union of the two
 * lists is checked against every screen the machine declares.
 *
 * Time: one page per test, the mode switched in place on each screen (at most 2 clicks) and
 * scanned before moving on; 6 screens × 12 modes = 72 full axe scans (measured: 1.5–2 s each on a
 * 2-core machine at load 12, the 36-formula contest being the slowest page). A contest reopened
 * from the review differs only in the label of one navigation button, so it is not scanned again.
 */
import test, { type ExecutionContext } from 'ava';
import type { Browser, Page } from 'playwright-core';
import type { BoothScreen, ContrastSetting, TextSizeSetting } from '../booth/machine-types.ts';
import { DEFAULT_BOOTH_TIMEOUTS } from '../booth/timeouts.ts';
import { err, ok } from '../shared/result.ts';
import type { BoothHarness } from './helpers/booth-harness.ts';
import { axeViolations, launchKioskBrowser, openKiosk, waitForScreen, type Kiosk } from './helpers/booth-ui-browser.ts';
import { everyScreen, gatedHandlers } from './helpers/booth-screen-walk.ts';

let browser: Browser;

test.before(async () => {
  browser = await launchKioskBrowser();
});

test.after.always(async () => {
  await browser.close();
});

const SIZES = ['small', 'standard', 'large', 'extra-large'] as const satisfies readonly TextSizeSetting[];
const CONTRASTS = ['standard', 'high-black-on-white', 'high-yellow-on-black'] as const satisfies readonly ContrastSetting[];
const MODES = CONTRASTS.flatMap((contrast) => SIZES.map((textSize) => ({ textSize, contrast })));
const DEFAULT_CLASS = 'text-standard contrast-standard';

/** Screens where the voter's settings can be in force (scanned here in every mode). */
const VOTER_MODE_SCREENS: readonly BoothScreen[] = ['contest', 'review', 'confirm', 'inactivity-alert', 'recording'];
/** Screens only the mesa's president reaches, from boot or from `ready` (never with a voter's settings). */
const PRESIDENT_SCREENS: readonly BoothScreen[] = [
  'self-check',
  'out-of-service',
  'awaiting-puesta-a-cero',
  'verifying-credential',
  'puesta-a-cero',
  'closing-report',
  'writing-results',
  'consolidation-fault',
  'closed',
];

/**
 * Chooses a mode with the page's own settings buttons (the footer of the session screens). Only
 * the buttons that change something are pressed, so every press is awaited through the page's
 * class: a redundant press arriving late would count as voter activity and move the inactivity
 * count past the test's clock advance.
 */
async function chooseMode(page: Page, mode: { textSize: TextSizeSetting; contrast: ContrastSetting }): Promise<void> {
  const current = await bodyClass(page);
  if (!current.split(' ').includes(`text-${mode.textSize}`)) await page.locator(`button[data-size="${mode.textSize}"]`).click();
  if (!current.split(' ').includes(`contrast-${mode.contrast}`)) await page.locator(`button[data-contrast="${mode.contrast}"]`).click();
  await page.waitForSelector(`body.text-${mode.textSize}.contrast-${mode.contrast}`, { timeout: 10_000 });
}

async function bodyClass(page: Page): Promise<string> {
  return page.evaluate<string>('document.body.className');
}

/** The current screen in all 12 modes, switched on the page, axe after each switch. */
async function scanEveryMode(t: ExecutionContext, kiosk: Kiosk, screen: BoothScreen, label: string): Promise<void> {
  for (const mode of MODES) {
    await chooseMode(kiosk.page, mode);
    t.is(kiosk.booth.screen(), screen, label);
    t.deepEqual(await axeViolations(kiosk.page), [], `${label}, ${mode.textSize}, ${mode.contrast}`);
  }
}

async function blankToConfirm(booth: BoothHarness, page: Page): Promise<void> {
  await booth.act({ type: 'DEVICE_INSERTED' });
  for (let contest = 0; contest < 5; contest++) {
    await booth.act({ type: 'CHOOSE_BLANK' });
    await booth.act({ type: 'NEXT' });
  }
  await booth.act({ type: 'NEXT' });
  await waitForScreen(page, 'confirm');
}

test.serial('the voter-session screens pass axe-core in all 12 text size × contrast modes', async (t) => {
  t.timeout(600_000);
  const gates = gatedHandlers(['commitVote']);
  const kiosk = await openKiosk(browser, { handlers: gates.handlers });
  t.teardown(kiosk.close);
  const { booth, page } = kiosk;
  const scanned = new Set<BoothScreen>();

  // Contest: the first one (no "back"), 36 organizations.
  await booth.act({ type: 'DEVICE_INSERTED' });
  await waitForScreen(page, 'contest');
  await scanEveryMode(t, kiosk, 'contest', 'first contest');

  // Contest with the preferential keypad, two marked numbers and a refusal (a third number).
  await booth.act({ type: 'CHOOSE_ORGANIZATION', organization: 8 });
  await booth.act({ type: 'NEXT' });
  await booth.act({ type: 'CHOOSE_ORGANIZATION', organization: 12 });
  await booth.act({ type: 'SET_PREFERENTIAL', candidates: [3, 15] });
  await booth.act({ type: 'SET_PREFERENTIAL', candidates: [3, 15, 20] });
  t.is(booth.actor.getSnapshot().context.choiceRefusal?.kind, 'too-many-preferential');
  await page.waitForSelector('button[data-key="remove-15"]', { timeout: 10_000 });
  await page.waitForSelector('#refusal:not([hidden])', { timeout: 10_000 });
  await scanEveryMode(t, kiosk, 'contest', 'contest with preferential keypad and refusal');

  // Review.
  await booth.act({ type: 'NEXT' });
  for (let contest = 3; contest <= 5; contest++) {
    await booth.act({ type: 'CHOOSE_BLANK' });
    await booth.act({ type: 'NEXT' });
  }
  await waitForScreen(page, 'review');
  await scanEveryMode(t, kiosk, 'review', 'review');

  scanned.add('contest');
  scanned.add('review');

  // Confirmation.
  await booth.act({ type: 'NEXT' });
  await waitForScreen(page, 'confirm');
  await scanEveryMode(t, kiosk, 'confirm', 'confirm');
  scanned.add('confirm');

  // The inactivity alert keeps the voter's mode but has no settings: chosen on the confirmation.
  for (const mode of MODES) {
    await chooseMode(page, mode);
    await booth.advance(DEFAULT_BOOTH_TIMEOUTS.inactivityAlertAfterMs);
    t.is(booth.screen(), 'inactivity-alert', `alert after choosing ${mode.textSize}, ${mode.contrast}`);
    await waitForScreen(page, 'inactivity-alert');
    t.is(await bodyClass(page), `text-${mode.textSize} contrast-${mode.contrast}`, 'the alert keeps the voter mode');
    t.deepEqual(await axeViolations(page), [], `inactivity alert, ${mode.textSize}, ${mode.contrast}`);
    await booth.act({ type: 'STILL_HERE' });
    await waitForScreen(page, 'confirm');
  }
  scanned.add('inactivity-alert');

  // "Recording" shows the voter's mode until the vote is stored: one confirmed vote per mode.
  for (const [index, mode] of MODES.entries()) {
    if (index > 0) await blankToConfirm(booth, page);
    await chooseMode(page, mode);
    await booth.act({ type: 'CONFIRM' });
    await waitForScreen(page, 'recording');
    t.is(await bodyClass(page), `text-${mode.textSize} contrast-${mode.contrast}`, 'recording keeps the voter mode');
    t.deepEqual(await axeViolations(page), [], `recording, ${mode.textSize}, ${mode.contrast}`);
    gates.answer('commitVote', ok(undefined));
    await booth.settle();
    await waitForScreen(page, 'remove-device');
    t.is(await bodyClass(page), DEFAULT_CLASS, 'reset once the vote is stored');
    await booth.act({ type: 'DEVICE_REMOVED' });
    await waitForScreen(page, 'ready');
  }
  scanned.add('recording');
  t.is(booth.calls.commitVote.length, MODES.length, 'one stored vote per mode');
  t.deepEqual([...scanned].sort(), [...VOTER_MODE_SCREENS].sort());
});

test.serial('every other screen can only show the default mode: a voter who chose one leaves it behind, and cannot set one there', async (t) => {
  t.timeout(120_000);
  const gates = gatedHandlers(['verifyToken', 'commitVote', 'markDeviceConsumed', 'printConstancia']);
  const kiosk = await openKiosk(browser, { handlers: gates.handlers });
  t.teardown(kiosk.close);
  const { booth, page } = kiosk;
  const voterMode = { textSize: 'extra-large', contrast: 'high-yellow-on-black' } as const;
  const seen = new Set<BoothScreen>();
  const defaultOnly = async (screen: BoothScreen, label: string = screen): Promise<void> => {
    t.is(booth.screen(), screen, label);
    await waitForScreen(page, screen);
    t.is(await bodyClass(page), DEFAULT_CLASS, `${label}: default mode`);
    t.false(await page.locator('#settings').isVisible(), `${label}: no display settings offered`);
    await booth.act({ type: 'SET_DISPLAY', settings: voterMode });
    t.is(booth.screen(), screen, `${label}: SET_DISPLAY changed nothing`);
    t.is(await bodyClass(page), DEFAULT_CLASS, `${label}: still the default mode after SET_DISPLAY`);
    seen.add(screen);
  };
  const voterChoosesMode = async (): Promise<void> => {
    await waitForScreen(page, 'contest');
    t.true(await page.locator('#settings').isVisible(), 'the session screens offer the settings');
    await chooseMode(page, voterMode);
  };

  await defaultOnly('ready');
  // A refused token (the session was wiped on entry).
  await booth.act({ type: 'DEVICE_INSERTED' });
  await defaultOnly('verifying-token');
  gates.answer('verifyToken', err({ kind: 'expired', screenText: 'El dispositivo de activación ha vencido. Acuda a la mesa.' }));
  await booth.settle();
  await defaultOnly('token-rejected');
  await booth.act({ type: 'DEVICE_REMOVED' });

  // A vote stored with the voter's mode chosen: every screen after the commit is in the default mode.
  await booth.act({ type: 'DEVICE_INSERTED' });
  gates.answer('verifyToken', ok({ handle: 'token-a' }));
  await booth.settle();
  await voterChoosesMode();
  for (let contest = 0; contest < 5; contest++) {
    await booth.act({ type: 'CHOOSE_BLANK' });
    await booth.act({ type: 'NEXT' });
  }
  await booth.act({ type: 'NEXT' });
  await booth.act({ type: 'CONFIRM' });
  await waitForScreen(page, 'recording');
  gates.answer('commitVote', ok(undefined));
  await booth.settle();
  await defaultOnly('marking-device');
  await booth.act({ type: 'DEVICE_REMOVED' });
  gates.answer('markDeviceConsumed', err({ kind: 'device-missing' }));
  await booth.settle();
  await defaultOnly('printing-constancia');
  gates.answer('printConstancia', err({ kind: 'paper-out' }));
  await booth.settle();
  await defaultOnly('printer-fault');
  await booth.act({ type: 'PRINTER_READY' });
  gates.answer('printConstancia', ok(undefined));
  await booth.settle();
  await defaultOnly('reinsert-device');
  await booth.act({ type: 'DEVICE_INSERTED' });
  gates.answer('markDeviceConsumed', ok(undefined));
  await booth.settle();
  await defaultOnly('remove-device');
  await booth.advance(DEFAULT_BOOTH_TIMEOUTS.deviceRemovalReminderAfterMs);
  await defaultOnly('remove-device-overdue');
  await booth.act({ type: 'DEVICE_REMOVED' });

  // A session cancelled by pulling the device.
  await booth.act({ type: 'DEVICE_INSERTED' });
  gates.answer('verifyToken', ok({ handle: 'token-b' }));
  await booth.settle();
  await voterChoosesMode();
  await booth.act({ type: 'DEVICE_REMOVED' });
  await defaultOnly('ready', 'ready after a cancelled session');

  // A session ended by inactivity.
  await booth.act({ type: 'DEVICE_INSERTED' });
  gates.answer('verifyToken', ok({ handle: 'token-c' }));
  await booth.settle();
  await voterChoosesMode();
  await booth.advance(DEFAULT_BOOTH_TIMEOUTS.inactivityAlertAfterMs);
  await booth.advance(DEFAULT_BOOTH_TIMEOUTS.inactivityAlertDurationMs);
  await defaultOnly('session-ended-inactivity');
  await booth.act({ type: 'DEVICE_REMOVED' });
  await waitForScreen(page, 'ready');

  // A vote the store refuses: out of service, in the default mode.
  await booth.act({ type: 'DEVICE_INSERTED' });
  gates.answer('verifyToken', ok({ handle: 'token-d' }));
  await booth.settle();
  await voterChoosesMode();
  for (let contest = 0; contest < 5; contest++) {
    await booth.act({ type: 'CHOOSE_BLANK' });
    await booth.act({ type: 'NEXT' });
  }
  await booth.act({ type: 'NEXT' });
  await booth.act({ type: 'CONFIRM' });
  gates.answer('commitVote', err({ kind: 'storage-fault', detail: 'disk full' }));
  await booth.settle();
  await defaultOnly('out-of-service', 'out of service after a failed commit');

  const covered = new Set([...VOTER_MODE_SCREENS, ...seen, ...PRESIDENT_SCREENS]);
  t.deepEqual([...everyScreen()].filter((screen) => !covered.has(screen)), [], 'screens neither scanned in every mode nor shown to be default-only');
});
