import test, { type ExecutionContext } from 'ava';
import http from 'node:http';
import { PNG } from 'pngjs';
import { SimulatedHardware } from '../hardware-sim/control/simulated-hardware.ts';
import { startControlServer } from '../hardware-sim/control/control-server.ts';
import { createDevices } from '../shared/devices/factory.ts';
import type { KeyEvent } from '../shared/devices/keypad/keypad.ts';

interface Reply {
  status: number;
  body: { ok: boolean; error?: string; state?: Record<string, unknown[]> };
}

function request(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = http.request(url, { method, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Reply['body'] }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function setup(t: ExecutionContext) {
  const hardware = new SimulatedHardware();
  const result = await createDevices({
    activationReader: { kind: 'simulated', name: 'reader-1', timeoutMs: 2000 },
    keypad: { kind: 'simulated', name: 'keypad-1' },
    consolidation: { kind: 'simulated', name: 'usb-1' },
    scanner: { kind: 'simulated', name: 'scanner-1', dpi: 50 },
  }, { hardware });
  if (!result.ok) throw new Error('devices');
  const server = await startControlServer(hardware);
  t.teardown(async () => {
    await server.close();
    await result.value.close();
    hardware.dispose();
  });
  const post = (route: string, body: unknown) => request(`${server.url}${route}`, 'POST', body);
  return { devices: result.value, hardware, server, post };
}

test('the control server drives activation devices, faults included', async (t) => {
  const { devices, post, server } = await setup(t);
  const reader = devices.activationReader;
  if (reader === undefined) return t.fail();
  t.deepEqual(await reader.presence(), { ok: true, value: { present: false } });
  const inserted = await post('/activation/insert', { reader: 'reader-1', device: 'voter-1' });
  t.is(inserted.status, 200);
  t.like(inserted.body.state?.activationDevices?.[0], { name: 'voter-1', inReader: 'reader-1' });
  t.true((await reader.write(Uint8Array.of(5))).ok);
  t.is((await post('/activation/fault', { reader: 'reader-1', fault: { type: 'wrong-checksum' } })).status, 200);
  const bad = await reader.read();
  t.like(bad, { ok: false, error: { kind: 'bad-frame', detail: 'checksum' } });
  t.is((await post('/activation/pull', { reader: 'reader-1' })).status, 200);
  t.deepEqual(await reader.read(), { ok: false, error: { kind: 'no-device' } });
  t.is((await post('/activation/disconnect', { reader: 'reader-1' })).status, 200);
  t.like(await reader.presence(), { ok: false, error: { kind: 'reader-disconnected' } });
  t.is((await post('/activation/reconnect', { reader: 'reader-1' })).status, 200);
  t.deepEqual(await reader.presence(), { ok: true, value: { present: false } });
  const state = await request(`${server.url}/state`, 'GET');
  t.is(state.status, 200);
  t.like(state.body.state?.activationReaders?.[0], { name: 'reader-1', device: null, connected: true });
});

test('the control server drives keypads, USB sticks and scanners', async (t) => {
  const { devices, post } = await setup(t);
  const { keypad, consolidation, scanner } = devices;
  if (keypad === undefined || consolidation === undefined || scanner === undefined) return t.fail();
  const keys: KeyEvent[] = [];
  keypad.onKey((e) => keys.push(e));
  t.true((await keypad.connect()).ok);
  t.is((await post('/keypad/hold', { keypad: 'keypad-1', key: 'up', reports: 8 })).status, 200);
  t.is((await post('/keypad/release', { keypad: 'keypad-1', key: 'up' })).status, 200);
  t.deepEqual(keys, [{ type: 'down', key: 'up' }, { type: 'up', key: 'up' }]);

  t.is((await post('/usb/remove', { stick: 'usb-1' })).status, 200);
  t.deepEqual(await consolidation.detect(), { ok: true, value: { mounted: false } });
  t.is((await post('/usb/insert', { stick: 'usb-1' })).status, 200);
  t.is((await post('/usb/fault', { stick: 'usb-1', fault: { type: 'remove-before', step: 'rename' } })).status, 200);
  t.deepEqual(await consolidation.writeFileAtomic('acta.json', Uint8Array.of(1)), { ok: false, error: { kind: 'device-removed' } });
  t.is((await post('/usb/insert', { stick: 'usb-1' })).status, 200);
  t.deepEqual(await consolidation.list(), { ok: true, value: [] });

  const png = new PNG({ width: 8, height: 4 });
  png.data.fill(255);
  const pngBase64 = PNG.sync.write(png).toString('base64');
  t.is((await post('/scanner/place-png', { scanner: 'scanner-1', pngBase64 })).status, 200);
  t.like(await scanner.scan(), { ok: true, value: { widthPx: 8, heightPx: 4, dpi: 50 } });
  t.is((await post('/scanner/fault', { scanner: 'scanner-1', fault: { type: 'jam' } })).status, 200);
  t.deepEqual(await scanner.scan(), { ok: false, error: { kind: 'jam' } });
  t.is((await post('/scanner/place-text', { scanner: 'scanner-1', text: 'ACTA' })).status, 200);
  t.true((await scanner.scan()).ok);
});

test('the control server refuses bad requests with typed answers', async (t) => {
  const { post, server } = await setup(t);
  const unknownReader = await post('/activation/insert', { reader: 'nope', device: 'd' });
  t.deepEqual(unknownReader, { status: 409, body: { ok: false, error: 'no simulated activation reader named nope' } });
  t.is((await post('/activation/fault', { reader: 'reader-1', fault: { type: 'meteor' } })).status, 400);
  t.is((await post('/keypad/press', { keypad: 'keypad-1', key: 'launch' })).status, 400);
  t.is((await post('/scanner/place-png', { scanner: 'scanner-1', pngBase64: 'AAAA' })).status, 409);
  t.is((await post('/nothing/here', {})).status, 400);
  t.is((await post('/not/a/route', {})).status, 404);
  t.is((await request(`${server.url}/activation/pull`, 'POST', 'not json')).status, 400);
  t.is((await request(`${server.url}/activation/pull`, 'POST', '{}', { 'content-type': 'text/plain' })).status, 415);
  t.is((await request(`${server.url}/state`, 'GET', undefined, { host: 'evil.example:80' })).status, 403);
  await post('/activation/insert', { reader: 'reader-1', device: 'd1' });
  t.is((await post('/activation/insert', { reader: 'reader-1', device: 'd2' })).status, 409, 'a reader holds one device');
});
