/**
 * Issue 4, point 5: a contest with 39 organizations stays usable on the 1280×800 kiosk. The
 * eg2026 fixture has at most 36, so the presidential contest is widened to 39 (three more
 * organizations with their own names, short names and symbols) and the definition is validated
 * with the real parser, as a package would be. In every text size: no horizontal scroll, every
 * organization reachable (scrolled into view and touched), each tile a touch target of at least
 * 15 mm high, and the last organization can be chosen by touch.
 */
import test from 'ava';
import type { Browser, Page } from 'playwright-core';
import { parseElectionDefinition, type ElectionDefinition } from '../shared/election/definition.ts';
import type { TextSizeSetting } from '../booth/machine-types.ts';
import { loadEg2026 } from './helpers/booth-harness.ts';
import { launchKioskBrowser, openKiosk, waitForScreen } from './helpers/booth-ui-browser.ts';

let browser: Browser;

test.before(async () => {
  browser = await launchKioskBrowser();
});

test.after.always(async () => {
  await browser.close();
});

const PX_PER_MM = Math.hypot(1280, 800) / 10 / 25.4;
const SIZE_BUTTON: Record<TextSizeSetting, string> = { small: 'A−', standard: 'A', large: 'A+', 'extra-large': 'A++' };

const EXTRA = [
  { name: 'Frente Amplio del Altiplano Andino', shortName: 'FAAA', symbol: 'vicuna-test' },
  { name: 'Movimiento Regional Costa Verde Unida', shortName: 'MRCV', symbol: 'wave-test' },
  { name: 'Partido Democrático de los Valles del Norte', shortName: 'PDVN', symbol: 'valley-test' },
] as const;

function definitionWith39(): ElectionDefinition {
  const base = loadEg2026();
  const raw = structuredClone(base) as unknown as { contests: Array<{ organizations: Array<Record<string, unknown>> }> };
  const contest = raw.contests[0];
  if (contest === undefined) throw new Error('eg2026 has no contest');
  const template = contest.organizations[0];
  if (template === undefined) throw new Error('eg2026 contest has no organization');
  const highest = Math.max(...contest.organizations.map((o) => Number(o.number)));
  EXTRA.forEach((extra, i) => contest.organizations.push({ ...structuredClone(template), ...extra, number: highest + 1 + i }));
  const parsed = parseElectionDefinition(raw);
  if (!parsed.ok) throw new Error(`widened definition is invalid: ${JSON.stringify(parsed.error)}`);
  return parsed.value;
}

async function noHorizontalScroll(page: Page): Promise<boolean> {
  return page.evaluate<boolean>('document.documentElement.scrollWidth <= document.documentElement.clientWidth');
}

test('39 organizations on one contest: no horizontal scroll, every tile reachable and ≥ 15 mm, in every text size', async (t) => {
  t.timeout(120_000);
  const definition = definitionWith39();
  const organizations = definition.contests[0]?.organizations ?? [];
  t.is(organizations.length, 39);
  const { booth, page, close } = await openKiosk(browser, { definition });
  t.teardown(close);
  await booth.act({ type: 'DEVICE_INSERTED' });
  await waitForScreen(page, 'contest');
  t.is(await page.locator('button.org').count(), 39, 'all 39 tiles rendered');

  for (const size of ['small', 'standard', 'large', 'extra-large'] as const) {
    await page.getByRole('button', { name: SIZE_BUTTON[size], exact: true }).click();
    await page.waitForSelector(`body.text-${size}`);
    t.true(await noHorizontalScroll(page), `horizontal scroll at ${size}`);
    for (const org of organizations) {
      const tile = page.locator(`button[data-key="org-${org.number}"]`);
      await tile.scrollIntoViewIfNeeded();
      const box = await tile.boundingBox();
      if (box === null) {
        t.fail(`organization ${org.number} not laid out at ${size}`);
        continue;
      }
      t.true(box.height >= 15 * PX_PER_MM, `organization ${org.number} under 15 mm high at ${size}`);
      t.true(box.x >= 0 && box.x + box.width <= 1280, `organization ${org.number} leaves the screen sideways at ${size}`);
    }
  }

  const last = organizations[38];
  if (last === undefined) throw new Error('no 39th organization');
  await page.locator(`button[data-key="org-${last.number}"]`).click();
  await page.waitForSelector(`button[data-key="org-${last.number}"][aria-pressed="true"]`);
  const choice = booth.actor.getSnapshot().context.draft[definition.contests[0]?.id ?? ''];
  t.deepEqual(choice, { kind: 'organization', organization: last.number, preferential: [] }, 'the 39th organization is chosen by touch');
});
