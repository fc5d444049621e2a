/**
 * Results screen test host: the results machine from results-harness.ts (fake actors), the real
 * screen server, and a page in real Chromium (playwright-core on Debian's /usr/bin/chromium).
 */
import { AxeBuilder } from '@axe-core/playwright';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Credential, ResultsScreen } from '../../results-station/machine-types.ts';
import { startResultsScreenServer } from '../../results-station/ui/server.ts';
import type { ResultsScreenServer } from '../../results-station/ui/server.ts';
import type { ResultsHarness } from './results-harness.ts';
import { DEFINITION } from './results-harness.ts';

/**
 * Per browser test (`t.timeout`): Chromium and axe on a 2-core machine shared by 8 helpers can
 * take longer than the suite's 2 min inactivity timeout; a stalled test still fails.
 */
export const BROWSER_TEST_TIMEOUT_MS = 6 * 60_000;

export function launchResultsBrowser(): Promise<Browser> {
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
    ],
  });
}

export interface ResultsScreenUnderTest {
  readonly server: ResultsScreenServer;
  readonly context: BrowserContext;
  readonly page: Page;
}

/** Serves `station` (the eg2026 definition, a simulacro) and loads the page at 1280×800. */
export async function openResultsScreen(
  browser: Browser,
  station: ResultsHarness,
  t: { teardown(fn: () => Promise<void>): void },
  options: { readonly readPresidentCredential?: () => Promise<Credential | null> } = {},
): Promise<ResultsScreenUnderTest> {
  const server = await startResultsScreenServer({ actor: station.actor, definition: DEFINITION, ...options });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  // The machine is shared by 8 helpers on 2 cores: waits are generous, never timing assertions.
  context.setDefaultTimeout(60_000);
  const page = await context.newPage();
  t.teardown(async () => {
    await context.close();
    await server.close();
    station.actor.stop();
  });
  await page.goto(server.url);
  return { server, context, page };
}

/**
 * Waits until the page renders `screen` (body[data-screen]), then checks the SIMULACRO banner is
 * visible and nothing scrolls sideways at 1280 px.
 */
export async function waitForScreen(page: Page, screen: ResultsScreen): Promise<void> {
  await page.waitForSelector(`body[data-screen="${screen}"]`, { timeout: 60_000 });
  if (!(await page.locator('#simulacro').isVisible())) throw new Error(`no SIMULACRO banner on the ${screen} screen`);
  // A string: the test code is compiled without the DOM library.
  const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
  if (overflow > 0) throw new Error(`the ${screen} screen scrolls sideways by ${overflow}px`);
}

/** axe-core violations of the page as it is now, summarized for an assertion message. */
export async function axeViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
}

/** Types `value` into the entry field named `field` (e.g. `presidencial/1`). */
export async function typeCount(page: Page, field: string, value: number): Promise<void> {
  await page.locator(`#entry input[name="${field}"]`).fill(String(value));
}
