/**
 * Visual modes of the kiosk in real Chromium at 1280×800 (issue 8 point 4), on every voter screen
 * of a session (contest with the preferential keypad, review, confirmation, inactivity alert) in
 * every combination of the four text sizes and three contrast modes: the computed contrast of
 * EVERY visible text against its effective background, the capital height of every visible text
 * in mm on the 10" panel, and no horizontal scrolling. axe-core on these screens in all 12 modes
 * is test/booth-ui-every-mode.test.ts (so it is not repeated here).
 *
 * Figures: 1280×800 px on a 10" diagonal = 150.9 px/in = 5.94 px/mm; DejaVu Sans capitals are
 * 0.729 em (booth/ui/page.css). Contrast minimums: standard ≥ 10:1, high contrast black on white
 * ≥ 20:1, dark mode (yellow on black) ≥ 15:1 (VVSG 2.0 ch. 7).
 */
import test, { type ExecutionContext } from 'ava';
import type { Browser, Page } from 'playwright-core';
import type { ContrastSetting, TextSizeSetting } from '../booth/machine-types.ts';
import { DEFAULT_BOOTH_TIMEOUTS } from '../booth/timeouts.ts';
import { axeViolations, launchKioskBrowser, openKiosk, waitForScreen, type Kiosk } from './helpers/booth-ui-browser.ts';

let browser: Browser;

test.before(async () => {
  browser = await launchKioskBrowser();
});

test.after.always(async () => {
  await browser.close();
});

const PX_PER_MM = Math.hypot(1280, 800) / 10 / 25.4;
const CAP_HEIGHT_EM = 0.729;
const SIZES: Record<TextSizeSetting, readonly [number, number]> = {
  small: [3.5, 4.2],
  standard: [4.8, 5.6],
  large: [6.4, 7.1],
  'extra-large': [8.5, 9.0],
};
const CONTRAST_MIN: Record<ContrastSetting, number> = { standard: 10, 'high-black-on-white': 20, 'high-yellow-on-black': 15 };

interface TextSample {
  readonly text: string;
  readonly color: string;
  readonly background: string;
  readonly fontPx: number;
}

/** Every visible voter-readable text node's element: colour, effective background, font size. */
const TEXT_SAMPLES = `(() => {
  const out = [];
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!el || seen.has(el) || node.textContent.trim() === '') continue;
    seen.add(el);
    if (el.closest('[aria-hidden="true"], .visually-hidden')) continue;
    const rect = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (rect.width === 0 || rect.height === 0 || style.visibility === 'hidden') continue;
    let background = 'rgba(0, 0, 0, 0)';
    for (let up = el; up; up = up.parentElement) {
      const b = getComputedStyle(up).backgroundColor;
      if (b !== 'rgba(0, 0, 0, 0)' && b !== 'transparent') { background = b; break; }
    }
    out.push({ text: node.textContent.trim().slice(0, 30), color: style.color, background, fontPx: parseFloat(style.fontSize) });
  }
  return out;
})()`;

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

async function samples(page: Page): Promise<TextSample[]> {
  return page.evaluate<TextSample[]>(TEXT_SAMPLES);
}

const SIZE_ORDER = ['small', 'standard', 'large', 'extra-large'] as const;
const CONTRAST_ORDER = ['standard', 'high-black-on-white', 'high-yellow-on-black'] as const;

/** Contrast, text height and scrolling in all 12 combinations (axe: booth-ui-every-mode.test.ts). */
async function checkEveryMode(
  t: ExecutionContext,
  kiosk: Kiosk,
  label: string,
  apply: (settings: { textSize: TextSizeSetting; contrast: ContrastSetting }) => Promise<void> = (settings) =>
    kiosk.booth.act({ type: 'SET_DISPLAY', settings }),
): Promise<void> {
  const { page } = kiosk;
  for (const contrast of CONTRAST_ORDER) {
    for (const textSize of SIZE_ORDER) {
      await apply({ textSize, contrast });
      await page.waitForSelector(`body.text-${textSize}.contrast-${contrast}`, { timeout: 10_000 });
      const where = `${label}, ${textSize}, ${contrast}`;
      const texts = await samples(page);
      // The sparsest screen (the alert: banner, election, title, message, its button) has 5 texts;
      // the title must be among them, so the sampler did look at the screen itself.
      const title = await page.evaluate<string>("document.getElementById('title').textContent.trim().slice(0, 30)");
      t.true(texts.length >= 5 && texts.some((s) => s.text === title), `${where}: texts found (${texts.length})`);
      const worst = texts.map((s) => ({ ...s, ratio: contrastRatio(s.color, s.background) })).sort((a, b) => a.ratio - b.ratio)[0];
      t.true((worst?.ratio ?? 0) >= CONTRAST_MIN[contrast], `${where}: "${worst?.text}" at ${worst?.ratio.toFixed(2)}:1`);
      const smallest = Math.min(...texts.map((s) => s.fontPx));
      const capMm = (smallest * CAP_HEIGHT_EM) / PX_PER_MM;
      const [low, high] = SIZES[textSize];
      t.true(capMm >= low, `${where}: smallest text ${capMm.toFixed(2)} mm under ${low}`);
      const bodyPx = Number.parseFloat(await page.evaluate<string>('getComputedStyle(document.body).fontSize'));
      const bodyMm = (bodyPx * CAP_HEIGHT_EM) / PX_PER_MM;
      t.true(bodyMm >= low && bodyMm <= high, `${where}: body text ${bodyMm.toFixed(2)} mm outside ${low}–${high}`);
      t.true(
        await page.evaluate<boolean>('document.documentElement.scrollWidth <= document.documentElement.clientWidth'),
        `${where}: horizontal scroll`,
      );
    }
  }
}

async function kioskOn(t: ExecutionContext, screen: 'contest' | 'review' | 'confirm'): Promise<Kiosk> {
  const kiosk = await openKiosk(browser);
  t.teardown(kiosk.close);
  const { booth, page } = kiosk;
  await booth.act({ type: 'DEVICE_INSERTED' });
  await booth.act({ type: 'CHOOSE_ORGANIZATION', organization: 8 });
  await booth.act({ type: 'NEXT' });
  // The widest contest screen: 36 organizations, the preferential keypad and two marked numbers.
  await booth.act({ type: 'CHOOSE_ORGANIZATION', organization: 12 });
  await booth.act({ type: 'SET_PREFERENTIAL', candidates: [3, 15] });
  if (screen !== 'contest') {
    await booth.act({ type: 'NEXT' });
    for (let contest = 3; contest <= 5; contest++) {
      await booth.act({ type: 'CHOOSE_BLANK' });
      await booth.act({ type: 'NEXT' });
    }
    if (screen !== 'review') await booth.act({ type: 'NEXT' });
  }
  await waitForScreen(page, screen);
  if (screen === 'contest') await page.waitForSelector('button[data-key="remove-15"]', { timeout: 10_000 });
  return kiosk;
}

test.serial('contest screen with the preferential keypad, in every text size and contrast mode', async (t) => {
  const kiosk = await kioskOn(t, 'contest');
  t.deepEqual(await axeViolations(kiosk.page), [], 'default settings');
  await checkEveryMode(t, kiosk, 'contest');
});

test.serial('review screen in every text size and contrast mode', async (t) => {
  await checkEveryMode(t, await kioskOn(t, 'review'), 'review');
});

test.serial('confirmation screen in every text size and contrast mode; settings reset once the vote is done', async (t) => {
  const kiosk = await kioskOn(t, 'confirm');
  await checkEveryMode(t, kiosk, 'confirm');
  await kiosk.booth.act({ type: 'CONFIRM' });
  await waitForScreen(kiosk.page, 'remove-device');
  t.is(await kiosk.page.evaluate<string>('document.body.className'), 'text-standard contrast-standard');
  t.deepEqual(await axeViolations(kiosk.page), [], 'thank-you screen');
});

test.serial('inactivity alert in every text size and contrast mode', async (t) => {
  const kiosk = await kioskOn(t, 'confirm');
  const { booth, page } = kiosk;
  // Any voter event dismisses the alert: set the mode on the confirmation, then wait for the alert.
  await checkEveryMode(t, kiosk, 'inactivity alert', async (settings) => {
    if (booth.screen() === 'inactivity-alert') await booth.act({ type: 'STILL_HERE' });
    await booth.act({ type: 'SET_DISPLAY', settings });
    await booth.advance(DEFAULT_BOOTH_TIMEOUTS.inactivityAlertAfterMs);
    await waitForScreen(page, 'inactivity-alert');
  });
});
