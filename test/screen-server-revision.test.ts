/**
 * The screen server stamps every view with a revision that grows with each change, so a page
 * can drop a POST answer older than a view the event stream already pushed (the results page
 * once stayed on "printing" after the machine had moved to "signing" for that reason).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { z } from 'zod';
import { startScreenServer } from '../shared/ui/screen-server.ts';

function assetsDir(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-screen-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const file of ['page.html', 'page.css', 'page.js']) fs.writeFileSync(path.join(dir, file), '');
  return dir;
}

test('revisions grow with each change, not with unchanged snapshots, and a POST answer is never older than what was pushed', async (t) => {
  let screen = 'a';
  const listeners = new Set<() => void>();
  const changed = (): void => {
    for (const listener of listeners) listener();
  };
  const server = await startScreenServer({
    assetsDir: assetsDir(t),
    inputSchema: z.strictObject({ to: z.string() }),
    refusal: 'bad input',
    view: () => ({ screen }),
    deliver: ({ to }) => {
      screen = to;
      changed();
    },
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  });
  t.teardown(() => server.close());
  const getView = async () => (await (await fetch(new URL('/view', server.url))).json()) as { screen: string; revision: number };
  const post = async (to: string) =>
    (await (
      await fetch(new URL('/input', server.url), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ to }) })
    ).json()) as { screen: string; revision: number };

  const first = await getView();
  t.is(first.screen, 'a');
  changed();
  t.is((await getView()).revision, first.revision, 'a snapshot that changes nothing keeps the revision');

  const answer = await post('b');
  t.deepEqual(answer, { screen: 'b', revision: first.revision + 1 });
  // The machine moves on by itself (an actor finished) without any POST.
  screen = 'c';
  changed();
  const pushed = await getView();
  t.deepEqual(pushed, { screen: 'c', revision: first.revision + 2 });
  t.true(answer.revision < pushed.revision, 'the older answer can be told and dropped');

  // A view the server has not seen yet (no change notification) is stamped as new when read.
  screen = 'd';
  t.deepEqual(await getView(), { screen: 'd', revision: first.revision + 3 });
});
