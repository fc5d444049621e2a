/**
 * Kiosk server boundary: only voter events from the page reach the machine, only through a
 * loopback Host, with a JSON content type; the view carries ballot data only inside the session.
 */
import http from 'node:http';
import test from 'ava';
import { DEFAULT_BOOTH_TIMEOUTS } from '../booth/timeouts.ts';
import { startKioskServer } from '../booth/ui/server.ts';
import type { BoothView } from '../booth/ui/view-model.ts';
import { sessionWasCancelled, viewModel } from '../booth/ui/view-model.ts';
import type { BoothHarness } from './helpers/booth-harness.ts';
import { loadEg2026, PRESIDENT, startOpenBooth } from './helpers/booth-harness.ts';

const definition = loadEg2026();

interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

async function kiosk(t: { teardown(fn: () => Promise<void>): void }) {
  const booth = await startOpenBooth({ definition });
  const server = await startKioskServer(booth.actor, definition);
  t.teardown(async () => {
    await server.close();
    booth.actor.stop();
  });
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    request(`${server.url}input`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return { booth, server, post };
}

function view(booth: BoothHarness): BoothView {
  return viewModel(booth.actor.getSnapshot(), definition);
}

test('host events posted by the page are refused and never reach the machine', async (t) => {
  const { booth, post } = await kiosk(t);
  const hostEvents = [
    { type: 'DEVICE_INSERTED' },
    { type: 'DEVICE_REMOVED' },
    { type: 'PRINTER_READY' },
    { type: 'RETRY_RESULTS_WRITE' },
    { type: 'CLOSE_REQUESTED', credential: null, presidentOrder: true },
    { type: 'CREDENTIAL_PRESENTED', credential: { presented: [...PRESIDENT.presented] } },
    { type: 'PRESIDENT_RELEASE', credential: { presented: [...PRESIDENT.presented] } },
  ];
  for (const event of hostEvents) {
    const reply = await post(event);
    t.is(reply.status, 400, event.type);
  }
  await booth.settle();
  t.is(booth.screen(), 'ready');
  t.is(booth.calls.verifyToken.length, 0);
  t.is(booth.calls.verifyPresidentCredential.length, 1, 'only the puesta a cero credential check');
});

test('a voter event needs a JSON content type, a loopback Host, a same-origin Origin and a well-formed body', async (t) => {
  const { booth, server, post } = await kiosk(t);
  await booth.act({ type: 'DEVICE_INSERTED' });
  t.is(booth.screen(), 'contest');
  const port = new URL(server.url).port;

  t.is((await post({ type: 'CHOOSE_BLANK' }, { 'Content-Type': 'text/plain' })).status, 415);
  t.is((await post({ type: 'CHOOSE_BLANK' }, { Host: `evil.example:${port}` })).status, 421);
  t.is((await post({ type: 'CHOOSE_BLANK' }, { Host: 'evil.example' })).status, 421);
  t.is((await post({ type: 'CHOOSE_BLANK' }, { Origin: 'http://evil.example' })).status, 403);
  t.is((await post('{not json')).status, 400);
  t.is((await post({ type: 'CHOOSE_ORGANIZATION', organization: '8' })).status, 400);
  t.is((await post({ type: 'CHOOSE_BLANK', extra: 1 })).status, 400);
  t.is((await post('x'.repeat(5000))).status, 413);
  t.is((await request(server.url, { headers: { Host: `rebound.example:${port}` } })).status, 421);
  t.is(view(booth).contest?.choice.kind, 'none', 'nothing refused above reached the machine');

  const accepted = await post({ type: 'CHOOSE_BLANK' }, { Origin: server.url.replace(/\/$/, '') });
  t.is(accepted.status, 200);
  t.is(view(booth).contest?.choice.kind, 'blank');
});

test('the page is served with a strict CSP and the view carries ballot data only inside the session', async (t) => {
  const { booth, server, post } = await kiosk(t);
  const page = await request(server.url, {});
  t.is(page.status, 200);
  t.regex(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
  t.regex(page.body, /<html lang="es">/);

  const ready = JSON.parse((await request(`${server.url}view`, {})).body) as BoothView;
  t.is(ready.screen, 'ready');
  t.true(ready.simulacro);
  t.is(ready.contest, null);
  t.is(ready.review, null);

  await booth.act({ type: 'DEVICE_INSERTED' });
  await post({ type: 'CHOOSE_ORGANIZATION', organization: 8 });
  const contest = view(booth);
  t.is(contest.contest?.organizations.length, 36);
  t.deepEqual(contest.contest?.choice, { kind: 'organization', organization: 8, preferential: [] });

  // The alert hides the ballot: the voter may have walked away.
  await booth.advance(DEFAULT_BOOTH_TIMEOUTS.inactivityAlertAfterMs);
  t.is(booth.screen(), 'inactivity-alert');
  t.is(view(booth).contest, null);
  t.is(view(booth).review, null);
  await post({ type: 'STILL_HERE' });
  t.is(view(booth).contest?.choice.kind, 'organization', 'the draft survives a dismissed alert');

  await booth.act({ type: 'DEVICE_REMOVED' });
  const after = view(booth);
  t.is(after.screen, 'ready');
  t.is(after.contest, null);
  t.deepEqual(after.display, { textSize: 'standard', contrast: 'standard' });
});

test('the SIMULACRO flag follows the definition, and a pulled device turns ready into a cancellation notice', async (t) => {
  const { booth } = await kiosk(t);
  const real = { ...definition, election: { ...definition.election, simulacro: false } };
  t.false(viewModel(booth.actor.getSnapshot(), real).simulacro);
  t.true(viewModel(booth.actor.getSnapshot(), definition).simulacro);

  t.true(sessionWasCancelled('contest', 'ready'));
  t.true(sessionWasCancelled('inactivity-alert', 'ready'));
  t.false(sessionWasCancelled('remove-device', 'ready'), 'a finished vote is not a cancellation');
  t.false(sessionWasCancelled('token-rejected', 'ready'));
  const notice = viewModel(booth.actor.getSnapshot(), definition, { sessionCancelled: true });
  t.is(notice.title, 'Sesión cancelada');
  t.regex(notice.message, /NO fue registrado/);
});
