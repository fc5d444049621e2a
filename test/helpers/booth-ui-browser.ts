/**
 * Kiosk UI test host: the cabin machine from booth-harness.ts (fake actors), the real kiosk
 * server, and a page in real Chromium (playwright-core on Debian's /usr/bin/chromium).
 */
import { AxeBuilder } from '@axe-core/playwright';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { BoothScreen } from '../../booth/machine-types.ts';
import { startKioskServer } from '../../booth/ui/server.ts';
import type { KioskServer } from '../../booth/ui/server.ts';
import type { BoothHarness, BoothOptions } from './booth-harness.ts';
import { loadEg2026, startOpenBooth } from './booth-harness.ts';
import { createAccessibilityController, type AccessibilityController } from '../../booth/accessibility/controller.ts';
import { createClipStore } from '../../booth/accessibility/speech.ts';

export function launchKioskBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      // The kiosk's audio ballot speaks without a tap first (a blind voter never taps).
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

export interface Kiosk {
  readonly booth: BoothHarness;
  readonly server: KioskServer;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Present when opened with `{ accessibility: true }`: keypad keys go to its handleKey. */
  readonly accessibility: AccessibilityController | undefined;
  readonly close: () => Promise<void>;
}

/** An open cabin (puesta a cero done) with its kiosk page loaded at 1280×800. */
export async function openKiosk(browser: Browser, options: BoothOptions & { readonly accessibility?: boolean } = {}): Promise<Kiosk> {
  const definition = options.definition ?? loadEg2026();
  const booth = await startOpenBooth({ ...options, definition });
  const clips = options.accessibility === true ? createClipStore({ packageHash: 'f'.repeat(64) }) : undefined;
  const accessibility = clips === undefined ? undefined : createAccessibilityController({ actor: booth.actor, definition, clips });
  const server = await startKioskServer(booth.actor, definition, accessibility === undefined ? {} : { accessibility: { controller: accessibility, clips } });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(server.url);
  await waitForScreen(page, 'ready');
  return {
    booth,
    server,
    context,
    page,
    accessibility,
    close: async () => {
      accessibility?.stop();
      await context.close();
      await server.close();
      booth.actor.stop();
    },
  };
}

/**
 * Waits until the page renders `screen` (the page sets body[data-screen] on every view), then
 * checks the SIMULACRO banner is visible: every kiosk test runs the eg2026 simulacro, so every
 * screen any test reaches proves the banner is there.
 */
export async function waitForScreen(page: Page, screen: BoothScreen): Promise<void> {
  await page.waitForSelector(`body[data-screen="${screen}"]`, { timeout: 10_000 });
  if (!(await page.locator('#simulacro').isVisible())) throw new Error(`no SIMULACRO banner on the ${screen} screen`);
}

/** axe-core violations of the page as it is now, summarized for an assertion message. */
export async function axeViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
}

/** Chooses organization `number` and types each preferential number on the keypad. */
export async function chooseWithKeypad(page: Page, organization: number, preferential: readonly number[]): Promise<void> {
  await page.locator(`button[data-key="org-${organization}"]`).click();
  await page.waitForSelector(`button[data-key="org-${organization}"][aria-pressed="true"]`);
  for (const number of preferential) {
    for (const digit of String(number)) await page.getByRole('button', { name: `Dígito ${digit}`, exact: true }).click();
    await page.getByRole('button', { name: 'Marcar número' }).click();
    await page.waitForSelector(`button[data-key="remove-${number}"]`);
  }
}
