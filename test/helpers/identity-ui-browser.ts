/**
 * Identity screen test host: the identity machine from identity-harness.ts (fake actors), the
 * real screen server with the president's credential on its simulated reader, and a page in real
 * Chromium (playwright-core on Debian's /usr/bin/chromium).
 */
import { AxeBuilder } from '@axe-core/playwright';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { ElectionDefinition } from '../../shared/election/definition.ts';
import type { IdentityScreen } from '../../identity-station/machine-types.ts';
import { startIdentityScreenServer } from '../../identity-station/ui/server.ts';
import type { IdentityScreenServer } from '../../identity-station/ui/server.ts';
import { loadEg2026 } from './booth-harness.ts';
import type { IdentityHarness } from './identity-harness.ts';
import { PRESIDENT_CREDENTIAL } from './identity-harness.ts';

/** The software code the screens under test are told the host verified. */
export const SCREEN_SOFTWARE_CODE = '5f'.repeat(32);

export function launchIdentityBrowser(): Promise<Browser> {
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

export interface IdentityScreenUnderTest {
  readonly station: IdentityHarness;
  readonly server: IdentityScreenServer;
  readonly definition: ElectionDefinition;
  readonly context: BrowserContext;
  readonly page: Page;
}

/** Serves `station` (the eg2026 definition, a simulacro) and loads the page at 1280×800. */
export async function openIdentityScreen(
  browser: Browser,
  station: IdentityHarness,
  t: { teardown(fn: () => Promise<void>): void },
): Promise<IdentityScreenUnderTest> {
  const definition = loadEg2026();
  const server = await startIdentityScreenServer(station.actor, definition, {
    readPresidentCredential: () => Promise.resolve(PRESIDENT_CREDENTIAL),
    softwareCode: SCREEN_SOFTWARE_CODE,
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  t.teardown(async () => {
    await context.close();
    await server.close();
    station.actor.stop();
  });
  await page.goto(server.url);
  return { station, server, definition, context, page };
}

/**
 * Waits until the page renders `screen` (body[data-screen]), then checks the SIMULACRO banner is
 * visible: the eg2026 fixture is a simulacro, so every screen a test reaches proves the banner.
 */
export async function waitForScreen(page: Page, screen: IdentityScreen): Promise<void> {
  await page.waitForSelector(`body[data-screen="${screen}"]`, { timeout: 10_000 });
  if (!(await page.locator('#simulacro').isVisible())) throw new Error(`no SIMULACRO banner on the ${screen} screen`);
}

/** axe-core violations of the page as it is now, summarized for an assertion message. */
export async function axeViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
}
