/**
 * Results screen server boundary: only the members' requests reach the machine (never a
 * credential or a device event from the page, never a malformed count), only through a loopback
 * Host with a JSON content type and a same-origin Origin; counts posted as values become the
 * machine's sheet; recording discrepancies takes the credential from the host's reader.
 */
import http from 'node:http';
import test from 'ava';
import { ok } from '../shared/result.ts';
import { sheetFields } from '../results-station/ports.ts';
import type { Credential } from '../results-station/machine-types.ts';
import { MAX_FIELD_COUNT, startResultsScreenServer } from '../results-station/ui/server.ts';
import type { ResultsView } from '../results-station/ui/view-model.ts';
import type { ResultsHarness } from './helpers/results-harness.ts';
import { DEFINITION, IDENTITY, PRESIDENT, readAllDevices, startCounting } from './helpers/results-harness.ts';

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

async function serve(
  t: { teardown(fn: () => Promise<void>): void },
  station: ResultsHarness,
  readPresidentCredential?: () => Promise<Credential | null>,
) {
  const server = await startResultsScreenServer({ actor: station.actor, definition: DEFINITION, readPresidentCredential });
  t.teardown(async () => {
    await server.close();
    station.actor.stop();
  });
  const post = async (body: unknown, headers: Record<string, string> = {}) => {
    const reply = await request(`${server.url}input`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    await station.settle();
    return reply;
  };
  return { server, post };
}

const COTEJO_LENGTH = sheetFields(DEFINITION, 'cotejo').length;
const MANUAL_LENGTH = sheetFields(DEFINITION, 'manual-count').length;
const zeros = (length: number) => Array.from({ length }, () => 0);

test('requests that are not the members’ are refused and never reach the machine', async (t) => {
  const station = await startCounting();
  await readAllDevices(station);
  const { post } = await serve(t, station);
  t.is(station.screen(), 'tallied');
  t.is((await post({ type: 'START_COTEJO' })).status, 200);
  t.is(station.screen(), 'cotejo-entry');
  const auditBefore = station.auditIds();
  const refused = [
    // Credentials and devices come from the host's readers, never from the page.
    { type: 'CREDENTIAL_PRESENTED', credential: { presented: [1] } },
    { type: 'RECORD_DISCREPANCY', credential: { presented: [1] } },
    { type: 'DEVICE_INSERTED' },
    { type: 'PRINTER_READY' },
    { type: 'xstate.done.actor.readCabinResults', output: { ok: true } },
    // Counts: the values array of exactly the form's length, whole numbers in range.
    { type: 'COTEJO_ENTERED', counts: { 'presidencial/1': 3 } },
    { type: 'COTEJO_ENTERED', values: zeros(COTEJO_LENGTH - 1) },
    { type: 'COTEJO_ENTERED', values: [-1, ...zeros(COTEJO_LENGTH - 1)] },
    { type: 'COTEJO_ENTERED', values: [1.5, ...zeros(COTEJO_LENGTH - 1)] },
    { type: 'COTEJO_ENTERED', values: [MAX_FIELD_COUNT + 1, ...zeros(COTEJO_LENGTH - 1)] },
    { type: 'COTEJO_ENTERED', values: ['3', ...zeros(COTEJO_LENGTH - 1)] },
    { type: 'COTEJO_ENTERED', values: zeros(COTEJO_LENGTH), extra: true },
    { type: 'MANUAL_ENTRY', member: 'member-99', values: zeros(MANUAL_LENGTH) },
    { type: 'MANUAL_ENTRY', member: 'member-1', values: zeros(COTEJO_LENGTH) },
    { type: 'START_COTEJO', mode: 'manual-count' },
    'not json',
    '{"type":',
  ];
  for (const body of refused) {
    const reply = await post(body);
    t.is(reply.status, 400, JSON.stringify(body));
  }
  t.is(station.screen(), 'cotejo-entry', 'nothing reached the machine');
  t.deepEqual(station.auditIds(), auditBefore);
  t.is(station.calls.verifyPresidentCredential.length, 1, 'only the puesta a cero credential');
});

test('a non-loopback Host, a cross-site Origin, a non-JSON or oversized body is refused', async (t) => {
  const station = await startCounting();
  await readAllDevices(station);
  const { server, post } = await serve(t, station);
  const port = new URL(server.url).port;
  t.is((await post({ type: 'PRINT_ACTAS' }, { Host: `evil.example:${port}` })).status, 421);
  t.is((await post({ type: 'PRINT_ACTAS' }, { Host: '127.0.0.1:1' })).status, 421);
  t.is((await request(server.url, { headers: { Host: `attacker.test:${port}` } })).status, 421, 'GET too');
  t.is((await request(`${server.url}view`, { headers: { Host: `attacker.test:${port}` } })).status, 421, 'the view too');
  t.is((await post({ type: 'PRINT_ACTAS' }, { Origin: 'http://evil.example' })).status, 403);
  t.is((await post({ type: 'PRINT_ACTAS' }, { Origin: `http://127.0.0.1:${Number(port) + 1}` })).status, 403);
  t.is((await post({ type: 'PRINT_ACTAS' }, { 'Content-Type': 'text/plain' })).status, 415);
  t.is((await post({ type: 'PRINT_ACTAS' }, { 'Content-Type': 'application/x-www-form-urlencoded' })).status, 415);
  t.is((await post(JSON.stringify({ type: 'PRINT_ACTAS', pad: 'x'.repeat(10_000) }))).status, 413);
  t.is(station.screen(), 'tallied', 'nothing reached the machine');

  const page = await request(server.url, {});
  t.is(page.status, 200);
  t.true(String(page.headers['content-security-policy']).includes("script-src 'self'"));
  t.true(String(page.headers['content-security-policy']).includes("default-src 'none'"));
  t.is((await post({ type: 'PRINT_ACTAS' }, { Origin: `http://127.0.0.1:${port}` })).status, 200);
  t.is(station.screen(), 'signing');
});

test('a full count sheet fits the body cap as values and reaches the machine as named fields', async (t) => {
  const station = await startCounting();
  await readAllDevices(station);
  const { post } = await serve(t, station);
  await post({ type: 'START_COTEJO' });
  const fields = sheetFields(DEFINITION, 'cotejo').map((field) => field.field);
  // The largest plausible counts in every field still fit.
  const reply = await post({ type: 'COTEJO_ENTERED', values: fields.map(() => MAX_FIELD_COUNT) });
  t.is(reply.status, 200);
  t.is(station.screen(), 'cotejo-review');
  const view = JSON.parse(reply.body) as ResultsView;
  t.is(view.differences?.rows.length, fields.length, 'every field differs from the electronic result');
  t.deepEqual(view.differences?.rows[0], {
    field: 'presidencial/1',
    contest: 'Presidente y Vicepresidentes de la República',
    option: `1 — ${DEFINITION.contests[0]?.organizations[0]?.name ?? ''}`,
    first: '3',
    second: String(MAX_FIELD_COUNT),
  });
});

test('recording discrepancies takes the president’s credential from the host reader, never from the page', async (t) => {
  const inconsistent = { handlers: { readIdentitySummary: () => Promise.resolve(ok({ ...IDENTITY, activationsConsumed: 6, activationsIssued: 7 })) } };
  const noReader = await startCounting(inconsistent);
  await readAllDevices(noReader);
  t.is(noReader.screen(), 'reconciliation-problems');
  const first = await serve(t, noReader);
  const answer = JSON.parse((await first.post({ type: 'RECORD_DISCREPANCY' })).body) as ResultsView;
  t.is(answer.notice, 'Presidente: presente su credencial en el lector y toque de nuevo «Registrar en el acta».');
  t.true(answer.findings.length > 0, 'the problems are listed');
  t.is(noReader.screen(), 'reconciliation-problems');
  t.is(noReader.calls.verifyPresidentCredential.length, 1, 'only the puesta a cero credential');
  const reread = JSON.parse((await first.post({ type: 'REREAD_DEVICES' })).body) as ResultsView;
  t.is(reread.screen, 'insert-cabin-device');
  t.is(reread.notice, null, 'the notice goes with its screen');

  const withReader = await startCounting(inconsistent);
  await readAllDevices(withReader);
  const second = await serve(t, withReader, () => Promise.resolve(PRESIDENT));
  const recorded = JSON.parse((await second.post({ type: 'RECORD_DISCREPANCY' })).body) as ResultsView;
  t.deepEqual(withReader.calls.verifyPresidentCredential.at(-1), { credential: PRESIDENT, action: 'record-discrepancy' });
  t.is(withReader.screen(), 'tallied');
  t.is(recorded.notice, null);
  const observations = withReader.actor.getSnapshot().context.result?.observations ?? [];
  t.true(observations.some((line) => line.startsWith('Discrepancia registrada por el presidente de mesa')), observations.join('\n'));
});
