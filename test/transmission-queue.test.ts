import test, { type ExecutionContext } from 'ava';
import net from 'node:net';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { generateSigningKeyPair } from '../shared/crypto/ed25519.ts';
import { sealEnvelope } from '../shared/crypto/envelope.ts';
import { openCentreAnswer } from '../shared/transmission/centre-answer.ts';
import { sendUnit } from '../shared/transmission/client.ts';
import { backoffDelayMs, openOutbox, runOutboxOnce, type Outbox } from '../shared/transmission/queue.ts';
import { startCentreServer, type RunningCentreServer } from '../centre/server.ts';
import { buildMesa, makeCentreWorld, must, sealResultUnit, type CentreWorld } from './helpers/centre-harness.ts';
import { startCuttingProxy } from './helpers/cutting-proxy.ts';

interface Station {
  readonly outbox: Outbox;
  readonly clock: { now: number };
  run(url: string): ReturnType<typeof runOutboxOnce>;
}

function station(t: ExecutionContext, w: CentreWorld, name = 'outbox.db'): Station {
  const outbox = must(openOutbox(path.join(w.tmp, name)));
  t.teardown(() => outbox.close());
  const clock = { now: 1_000_000 };
  return {
    outbox,
    clock,
    run: (url) =>
      runOutboxOnce({
        outbox,
        send: (unit) => sendUnit(unit, { url, timeoutMs: 20_000 }),
        packageFor: (hash) => (hash === w.mesa.pkg.packageHash ? w.mesa.pkg : undefined),
        now: () => clock.now,
      }),
  };
}

async function serve(t: ExecutionContext, w: CentreWorld, port = 0): Promise<RunningCentreServer> {
  const server = await startCentreServer({ receive: w.receive, port });
  t.teardown(() => server.close());
  return server;
}

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

test('backoff doubles from 2 s and stops growing at 5 minutes', (t) => {
  t.deepEqual([1, 2, 3, 4].map(backoffDelayMs), [2000, 4000, 8000, 16000]);
  t.is(backoffDelayMs(50), 300_000);
});

test('centre down: the unit stays pending with backoff on the injected clock; centre up: acknowledged', async (t) => {
  const w = makeCentreWorld(t);
  const s = station(t, w);
  const item = must(s.outbox.enqueue(sealResultUnit(w.mesa), s.clock.now));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;

  const first = await s.run(url);
  t.deepEqual(first, { attempted: 1, acknowledged: 0, refused: 0, failed: 1 });
  let now = s.outbox.get(item.id);
  t.is(now?.status, 'pending');
  t.is(now?.attempts, 1);
  t.is(now?.nextAttemptAt, s.clock.now + 2000);
  t.regex(now?.lastError ?? '', /computing centre unreachable: ECONNREFUSED/);

  // Not due yet: nothing is attempted, whatever the network does.
  s.clock.now += 1999;
  t.is((await s.run(url)).attempted, 0);
  s.clock.now += 1;
  await s.run(url);
  t.is(s.outbox.get(item.id)?.nextAttemptAt, s.clock.now + 4000, 'second failure waits twice as long');

  await serve(t, w, port);
  s.clock.now += 4000;
  const done = await s.run(url);
  t.deepEqual(done, { attempted: 1, acknowledged: 1, refused: 0, failed: 0 });
  now = s.outbox.get(item.id);
  t.is(now?.status, 'acknowledged');
  const receipt = must(openCentreAnswer(now?.answer ?? new Uint8Array(), w.mesa.pkg));
  t.is(receipt.outcome, 'acknowledged');
  t.is(s.outbox.nextWakeAt(), undefined, 'nothing left to send');
  t.is(w.store.counts().results, 1);
});

test('a restart of the station resumes the queue from its file', async (t) => {
  const w = makeCentreWorld(t);
  const first = must(openOutbox(path.join(w.tmp, 'restart.db')));
  const item = must(first.enqueue(sealResultUnit(w.mesa), 0));
  first.close();
  const server = await serve(t, w);
  const s = station(t, w, 'restart.db');
  t.is(s.outbox.get(item.id)?.status, 'pending');
  t.is((await s.run(server.url)).acknowledged, 1);
});

const REQUEST_CUTS = [1, 40, 150, 600, 3000, 20_000];
const RESPONSE_CUTS = [1, 60, 300];

for (const cut of [...REQUEST_CUTS.map((k) => ({ direction: 'request' as const, afterBytes: k })), ...RESPONSE_CUTS.map((k) => ({ direction: 'response' as const, afterBytes: k }))]) {
  test(`a connection cut after ${cut.afterBytes} byte(s) of the ${cut.direction} is redone without a duplicate at the centre`, async (t) => {
    const w = makeCentreWorld(t);
    const server = await serve(t, w);
    const proxy = await startCuttingProxy(server.port);
    t.teardown(() => proxy.close());
    const s = station(t, w);
    const unit = sealResultUnit(w.mesa);
    t.true(unit.length > 20_000, 'the unit is larger than every request cut');
    const item = must(s.outbox.enqueue(unit, s.clock.now));

    proxy.cut = cut;
    const cutRun = await s.run(proxy.url);
    t.is(cutRun.failed, 1);
    t.is(proxy.cuts, 1);
    const afterCut = s.outbox.get(item.id);
    t.not(afterCut?.status, 'acknowledged');
    // Cut while the answer came back: the centre already has it; cut in the request: it has nothing.
    t.is(w.store.counts().results, cut.direction === 'response' ? 1 : 0);
    if (cut.direction === 'response') t.is(afterCut?.status, 'sent');

    proxy.cut = undefined;
    s.clock.now += backoffDelayMs(1);
    t.is((await s.run(proxy.url)).acknowledged, 1);
    t.is(s.outbox.get(item.id)?.status, 'acknowledged');
    t.deepEqual(w.store.counts(), { results: 1, images: 0, conflicts: 0 });
    const receipt = must(openCentreAnswer(s.outbox.get(item.id)?.answer ?? new Uint8Array(), w.mesa.pkg));
    t.is(receipt.outcome === 'acknowledged' ? receipt.receipt.receiptNumber : 0, 1, 'one file at the centre, one receipt number');
  });
}

test('the same result from two stations (duplicate) is acknowledged to both with the same receipt', async (t) => {
  const w = makeCentreWorld(t);
  const server = await serve(t, w);
  const a = station(t, w, 'a.db');
  const b = station(t, w, 'b.db');
  const ia = must(a.outbox.enqueue(sealResultUnit(w.mesa), 0));
  const ib = must(b.outbox.enqueue(sealResultUnit(w.mesa), 0));
  t.is(must(a.outbox.enqueue(sealResultUnit(w.mesa), 0)).id, ia.id, 'enqueueing the same file again keeps one item');
  t.is(a.outbox.list().length, 1);
  await a.run(server.url);
  await b.run(server.url);
  t.deepEqual(a.outbox.get(ia.id)?.answer, b.outbox.get(ib.id)?.answer);
  t.is(b.outbox.get(ib.id)?.status, 'acknowledged');
  t.is(w.store.counts().results, 1);
});

test('a conflicting result is refused with its reason and never retried', async (t) => {
  const w = makeCentreWorld(t);
  const server = await serve(t, w);
  const s = station(t, w);
  must(s.outbox.enqueue(sealResultUnit(w.mesa), 0));
  t.is((await s.run(server.url)).acknowledged, 1);
  const other = buildMesa(w.tmp, w.keysDir, { seed: 99, ballotsPerCabin: [1, 7] });
  const conflicting = must(s.outbox.enqueue(sealResultUnit(other), 0));
  const run = await s.run(server.url);
  t.deepEqual(run, { attempted: 1, acknowledged: 0, refused: 1, failed: 0 });
  const item = s.outbox.get(conflicting.id);
  t.is(item?.status, 'refused');
  t.is(item?.refusalReason, 'conflict');
  t.regex(item?.lastError ?? '', /mesa 041287 already has a different result/);
  s.clock.now += 3_600_000;
  t.is((await s.run(server.url)).attempted, 0);
  t.is(w.store.counts().conflicts, 1);
});

test('a tampered unit is refused as such; a forged centre answer is not believed', async (t) => {
  const w = makeCentreWorld(t);
  const server = await serve(t, w);
  const s = station(t, w);
  const unit = sealResultUnit(w.mesa);
  const text = new TextDecoder().decode(unit);
  // Change one signed claim (the sha256's last hex digit) without re-signing.
  const claimed = /"sha256":"([0-9a-f]{64})"/.exec(text)?.[1] ?? '';
  const tampered = new TextEncoder().encode(text.replace(claimed, `${claimed.slice(0, 63)}${claimed.endsWith('0') ? '1' : '0'}`));
  const item = must(s.outbox.enqueue(tampered, 0));
  await s.run(server.url);
  t.is(s.outbox.get(item.id)?.status, 'refused');
  t.is(s.outbox.get(item.id)?.refusalReason, 'bad-signature');

  // A server that answers with a receipt signed by some other key.
  const fake = await startCentreServer({
    receive: () => {
      const forger = { role: 'centre', ...generateSigningKeyPair() };
      const bytes = sealEnvelope('transmission-receipt', { forged: true }, forger);
      return { httpStatus: 200, answer: { outcome: 'refused', refusal: {} as never, bytes } };
    },
  });
  t.teardown(() => fake.close());
  const s2 = station(t, w, 'forged.db');
  const genuine = must(s2.outbox.enqueue(unit, 0));
  await s2.run(fake.url);
  const after = s2.outbox.get(genuine.id);
  t.is(after?.status, 'sent');
  t.regex(after?.lastError ?? '', /not a trusted key/);
  t.is(w.store.counts().results, 0);
});

test('a centre whose store fails answers 503 without crashing; the station retries and is acknowledged', async (t) => {
  const w = makeCentreWorld(t);
  let failNext = true;
  const errors: unknown[] = [];
  const server = await startCentreServer({
    receive: (unit) => {
      if (failNext) {
        failNext = false;
        throw new Error('SQLITE_FULL: database or disk is full');
      }
      return w.receive(unit);
    },
    onError: (e) => errors.push(e),
  });
  t.teardown(() => server.close());
  const s = station(t, w);
  const item = must(s.outbox.enqueue(sealResultUnit(w.mesa), s.clock.now));
  t.is((await s.run(server.url)).failed, 1);
  t.is(s.outbox.get(item.id)?.status, 'sent');
  t.regex(s.outbox.get(item.id)?.lastError ?? '', /^HTTP 503: centre answer rejected/);
  t.is(errors.length, 1);
  s.clock.now += backoffDelayMs(1);
  t.is((await s.run(server.url)).acknowledged, 1);
  t.is(w.store.counts().results, 1);
});
