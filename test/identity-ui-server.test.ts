/**
 * Identity screen server boundary: only the president's events reach the machine (never a
 * credential from the page, never an unknown or host-side event), only through a loopback Host
 * with a JSON content type; the view carries a voter only while that voter is served.
 */
import http from 'node:http';
import test from 'ava';
import { startIdentityScreenServer } from '../identity-station/ui/server.ts';
import type { IdentityView } from '../identity-station/ui/view-model.ts';
import { identityView } from '../identity-station/ui/view-model.ts';
import { loadEg2026 } from './helpers/booth-harness.ts';
import type { IdentityHarness } from './helpers/identity-harness.ts';
import { PRESIDENT_CREDENTIAL, PRESIDENTE, SECRETARIO, startIdentity, startVoting, TERCER_MIEMBRO } from './helpers/identity-harness.ts';

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

async function serve(t: { teardown(fn: () => Promise<void>): void }, station: IdentityHarness, withReader = true) {
  const server = await startIdentityScreenServer(
    station.actor,
    definition,
    withReader ? { readPresidentCredential: () => Promise.resolve(PRESIDENT_CREDENTIAL) } : {},
  );
  t.teardown(async () => {
    await server.close();
    station.actor.stop();
  });
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    request(`${server.url}input`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return { server, post };
}

function view(station: IdentityHarness): IdentityView {
  return identityView(station.actor.getSnapshot(), definition);
}

test('events that are not the president’s are refused and never reach the machine', async (t) => {
  const station = startIdentity();
  await station.settle();
  const { post } = await serve(t, station);
  t.is(station.screen(), 'confirm-mesa-data');
  const auditBefore = station.auditIds();
  const refused = [
    // A credential may only come from the host's reader, never as bytes from the page.
    { type: 'INSTALL', credential: { presented: [1, 2, 3] } },
    { type: 'CLOSE_VOTING', credential: null },
    // Schedule delays and actor completions are the machine's own.
    { type: 'VOTING_OPEN' },
    { type: 'xstate.done.actor.checkVoter', output: { ok: true, value: 'may-vote' } },
    { type: 'DEVICE_INSERTED' },
    { type: 'CONFIRM_MESA_DATA', extra: true },
    { type: 'MEMBER_ARRIVED', dni: 10000001 },
    { type: 'TAKE_VOTER_AS_MEMBER', dni: '20000001', role: 'suplente' },
    // A DNI reader's reading comes from the host's device only.
    { type: 'DNI_READ', reading: { kind: 'text', text: '10000001' } },
    { type: 'ADD_OBSERVATION', text: 'x'.repeat(2001) },
    'not json',
  ];
  for (const event of refused) {
    const reply = await post(event);
    t.is(reply.status, 400, JSON.stringify(event));
  }
  await station.settle();
  t.is(station.screen(), 'confirm-mesa-data', 'nothing reached the machine');
  t.deepEqual(station.auditIds(), auditBefore);

  t.is((await post({ type: 'CONFIRM_MESA_DATA' })).status, 200);
  t.is(station.screen(), 'installation');
});

test('a non-loopback Host, a cross-site Origin or a non-JSON body is refused', async (t) => {
  const station = startIdentity();
  await station.settle();
  const { server, post } = await serve(t, station);
  const port = new URL(server.url).port;
  t.is((await post({ type: 'CONFIRM_MESA_DATA' }, { Host: `evil.example:${port}` })).status, 421);
  t.is((await post({ type: 'CONFIRM_MESA_DATA' }, { Host: `127.0.0.1:1` })).status, 421);
  t.is((await request(server.url, { headers: { Host: `attacker.test:${port}` } })).status, 421, 'GET too');
  t.is((await post({ type: 'CONFIRM_MESA_DATA' }, { Origin: 'http://evil.example' })).status, 403);
  t.is((await post({ type: 'CONFIRM_MESA_DATA' }, { 'Content-Type': 'text/plain' })).status, 415);
  t.is((await post('x'.repeat(10_000))).status, 413);
  await station.settle();
  t.is(station.screen(), 'confirm-mesa-data');

  const page = await request(server.url, {});
  t.is(page.status, 200);
  t.true(String(page.headers['content-security-policy']).includes("script-src 'self'"));
  t.true(String(page.headers['content-security-policy']).includes("default-src 'none'"));
});

test('INSTALL carries the credential the host reader presents; with no reader the machine asks for it', async (t) => {
  const withReader = startIdentity();
  await withReader.settle();
  const { post } = await serve(t, withReader);
  for (const event of [{ type: 'CONFIRM_MESA_DATA' }, ...[PRESIDENTE, SECRETARIO, TERCER_MIEMBRO].map((dni) => ({ type: 'MEMBER_ARRIVED', dni }))]) {
    t.is((await post(event)).status, 200);
  }
  t.is((await post({ type: 'INSTALL' })).status, 200);
  await withReader.settle();
  t.deepEqual(withReader.calls.verifyPresidentCredential, [{ credential: PRESIDENT_CREDENTIAL, action: 'install' }]);
  t.is(withReader.screen(), 'awaiting-opening');

  const noReader = startIdentity();
  await noReader.settle();
  const second = await serve(t, noReader, false);
  for (const event of [{ type: 'CONFIRM_MESA_DATA' }, ...[PRESIDENTE, SECRETARIO, TERCER_MIEMBRO].map((dni) => ({ type: 'MEMBER_ARRIVED', dni }))]) {
    await second.post(event);
  }
  const answer = JSON.parse((await second.post({ type: 'INSTALL' })).body) as IdentityView;
  t.is(answer.refusal, 'Para instalar la mesa, el presidente debe presentar su credencial.');
  t.is(noReader.calls.verifyPresidentCredential.length, 0);
});

test('the view names the voter only while that voter is served, and counts outstanding devices', async (t) => {
  const station = await startVoting();
  const idle = view(station);
  t.is(idle.screen, 'awaiting-dni');
  t.is(idle.voter, null);
  t.is(idle.simulacro, true);
  t.deepEqual(
    idle.members.map((member) => member.role),
    ['Presidente', 'Secretario', 'Tercer miembro'],
  );
  await station.act({ type: 'DNI_ENTERED', text: '99313799' });
  t.deepEqual(view(station).voter, { dni: '99313799', name: 'Aguilar Castillo, Marleny Carmen' });
  await station.act({ type: 'ISSUE_DEVICE' });
  await station.act({ type: 'DONE' });
  const after = view(station);
  t.is(after.voter, null);
  t.is(after.outstandingDevices, 1);
  t.false(JSON.stringify(after).includes('99313799'), 'the served voter leaves no trace in the idle view');
  await station.act({ type: 'CLOSE_VOTING', credential: PRESIDENT_CREDENTIAL });
  t.is(view(station).refusal, 'Falta devolver 1 dispositivo de activación.');
});
