/**
 * Kiosk display settings in real Chromium at 1280×800: four text sizes within the VVSG 2.0
 * ranges and never a horizontal scrollbar; body-text contrast ≥ 10:1 by default and ≥ 20:1
 * (black on white) / ≥ 15:1 (yellow on black) in the high-contrast modes; settings reset for the
 * next voter.
 */
import test from 'ava';
import type { Browser, Page } from 'playwright-core';
import type { ContrastSetting, TextSizeSetting } from '../booth/machine-types.ts';
import { axeViolations, chooseWithKeypad, launchKioskBrowser, openKiosk, waitForScreen } from './helpers/booth-ui-browser.ts';

let browser: Browser;

test.before(async () => {
  browser = await launchKioskBrowser();
});

test.after.always(async () => {
  await browser.close();
});

/** 1280×800 px on a 10" diagonal (see booth/ui/page.css). */
const PX_PER_MM = Math.hypot(1280, 800) / 10 / 25.4;
/** DejaVu Sans capital height in em. */
const CAP_HEIGHT_EM = 0.729;

const SIZE_RANGES_MM: Record<TextSizeSetting, readonly [number, number]> = {
  small: [3.5, 4.2],
  standard: [4.8, 5.6],
  large: [6.4, 7.1],
  'extra-large': [8.5, 9.0],
};
const SIZE_BUTTON: Record<TextSizeSetting, string> = { small: 'A−', standard: 'A', large: 'A+', 'extra-large': 'A++' };
const CONTRAST_BUTTON: Record<ContrastSetting, string> = {
  standard: 'Contraste normal',
  'high-black-on-white': 'Alto contraste',
  'high-yellow-on-black': 'Fondo oscuro',
};

function luminance(rgb: string): number {
  const parts = /rgba?\((\d+), (\d+), (\d+)/.exec(rgb);
  if (parts === null) throw new Error(`unexpected colour ${rgb}`);
  const channel = (value: number) => {
    const c = value / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const [r, g, b] = [parts[1], parts[2], parts[3]].map((part) => channel(Number(part)));
  return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
}

function contrastRatio(foreground: string, background: string): number {
  const [light, dark] = [luminance(foreground), luminance(background)].sort((a, b) => b - a);
  return ((light ?? 0) + 0.05) / ((dark ?? 0) + 0.05);
}

/** Runs an expression in the page (the tests compile without the DOM lib, so it is a string). */
async function inPage<T>(page: Page, expression: string): Promise<T> {
  return page.evaluate<T>(expression);
}

async function bodyContrast(page: Page): Promise<number> {
  const colours = await inPage<{ color: string; background: string }>(
    page,
    '(() => { const s = getComputedStyle(document.body); return { color: s.color, background: s.backgroundColor }; })()',
  );
  return contrastRatio(colours.color, colours.background);
}

async function noHorizontalScroll(page: Page): Promise<boolean> {
  return inPage<boolean>(page, 'document.documentElement.scrollWidth <= document.documentElement.clientWidth');
}

test.serial('four text sizes within the VVSG ranges, none scrolls horizontally on the contest and review screens', async (t) => {
  const { booth, page, close } = await openKiosk(browser);
  t.teardown(close);
  await booth.act({ type: 'DEVICE_INSERTED' });
  await waitForScreen(page, 'contest');
  await booth.act({ type: 'CHOOSE_BLANK' });
  await booth.act({ type: 'NEXT' });
  // The widest contest screen: 36 organizations plus the preferential keypad.
  await chooseWithKeypad(page, 12, [3]);
  for (const size of ['small', 'standard', 'large', 'extra-large'] as const) {
    await page.getByRole('button', { name: SIZE_BUTTON[size], exact: true }).click();
    await page.waitForSelector(`body.text-${size}`);
    const fontPx = Number.parseFloat(await inPage<string>(page, 'getComputedStyle(document.body).fontSize'));
    const capMm = (fontPx * CAP_HEIGHT_EM) / PX_PER_MM;
    const [low, high] = SIZE_RANGES_MM[size];
    t.true(capMm >= low && capMm <= high, `${size}: ${capMm.toFixed(2)} mm outside ${low}–${high}`);
    t.true(await noHorizontalScroll(page), `contest screen scrolls horizontally at ${size}`);
    const target = await page.locator('button[data-key="org-12"]').boundingBox();
    t.true((target?.height ?? 0) >= 15 * PX_PER_MM, `touch target under 15 mm at ${size}`);
  }
  for (let contest = 2; contest < 5; contest++) {
    await booth.act({ type: 'NEXT' });
    await booth.act({ type: 'CHOOSE_BLANK' });
  }
  await booth.act({ type: 'NEXT' });
  await waitForScreen(page, 'review');
  t.true(await noHorizontalScroll(page), 'review screen scrolls horizontally at extra-large');
  t.deepEqual(await axeViolations(page), [], 'review screen at extra-large');
});

test.serial('body text contrast in the three modes, axe-clean in each, and reset for the next voter', async (t) => {
  const { booth, page, close } = await openKiosk(browser);
  t.teardown(close);
  await booth.act({ type: 'DEVICE_INSERTED' });
  await waitForScreen(page, 'contest');
  t.true((await bodyContrast(page)) >= 10, 'default contrast');

  const minimum: Record<ContrastSetting, number> = { standard: 10, 'high-black-on-white': 20, 'high-yellow-on-black': 15 };
  for (const mode of ['high-black-on-white', 'high-yellow-on-black', 'standard'] as const) {
    await page.getByRole('button', { name: CONTRAST_BUTTON[mode] }).click();
    await page.waitForSelector(`body.contrast-${mode}`);
    const ratio = await bodyContrast(page);
    t.true(ratio >= minimum[mode], `${mode}: ${ratio.toFixed(1)}:1`);
    t.deepEqual(await axeViolations(page), [], `contest screen in ${mode}`);
  }

  await page.getByRole('button', { name: CONTRAST_BUTTON['high-yellow-on-black'] }).click();
  await page.getByRole('button', { name: SIZE_BUTTON['extra-large'], exact: true }).click();
  await page.waitForSelector('body.contrast-high-yellow-on-black.text-extra-large');
  await booth.act({ type: 'DEVICE_REMOVED' });
  await waitForScreen(page, 'ready');
  await booth.act({ type: 'DEVICE_INSERTED' });
  await waitForScreen(page, 'contest');
  t.is(await inPage<string>(page, 'document.body.className'), 'text-standard contrast-standard', 'settings reset per voter');
});
