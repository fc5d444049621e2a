/**
 * The device bridge: a station's real drivers, created by the one device factory with
 * `kind: 'bridge'`, reach the simulator's devices over a real unix socket. Each device class:
 * the panel's events reach the station, the simulator's rules (write-once, faults) hold through
 * the bridge, and a bridge that goes away is the device's own typed "gone", never a throw.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { SimulatedHardware } from '../hardware-sim/control/simulated-hardware.ts';
import { serveDeviceBridge, type DeviceBridge } from '../hardware-sim/bridge/device-bridge.ts';
import { createDevices, type Devices, type DevicesConfig } from '../shared/devices/factory.ts';
import type { ActivationEvent } from '../shared/devices/activation/activation-reader.ts';
import type { KeyEvent, KeypadStatus } from '../shared/devices/keypad/keypad.ts';
import type { DniReaderStatus, DniReading } from '../shared/devices/dni-reader/dni-reader.ts';
import { connectBridgeClock } from '../shared/devices/bridge/bridge-clock.ts';
import { bridgedMountPath } from '../shared/devices/bridge/protocol.ts';
import { VEP_JS } from './helpers/cli.ts';

/** Waits for what another process's socket delivers (bounded, so a broken bridge fails the test). */
async function eventually(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

interface Rig {
  readonly hardware: SimulatedHardware;
  readonly bridge: DeviceBridge;
  readonly socket: string;
  readonly problems: string[];
}

async function rig(t: ExecutionContext): Promise<Rig> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-br-'));
  const socket = path.join(dir, 'devices.sock');
  const hardware = new SimulatedHardware();
  const problems: string[] = [];
  const bridge = await serveDeviceBridge(hardware, socket, { onProblem: (m) => problems.push(m) });
  if (!bridge.ok) throw new Error(bridge.error);
  t.teardown(async () => {
    await bridge.value.close();
    await hardware.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { hardware, bridge: bridge.value, socket, problems };
}

async function devices(t: ExecutionContext, config: DevicesConfig): Promise<Devices> {
  const created = await createDevices(config);
  if (!created.ok) throw new Error(JSON.stringify(created.error));
  t.teardown(() => created.value.close());
  // The factory loads no simulator for a bridged device: the station process has none.
  t.is(created.value.hardware, undefined);
  return created.value;
}

test('activation reader: inserts and pulls in the simulator reach the station; the bridge going away is reader-disconnected', async (t) => {
  const { hardware, bridge, socket } = await rig(t);
  const sim = hardware.activationReader('cabina-1');
  const { activationReader } = await devices(t, { activationReader: { kind: 'bridge', socket, name: 'cabina-1' } });
  if (activationReader === undefined) return t.fail();
  const events: ActivationEvent[] = [];
  activationReader.onChange((e) => events.push(e));
  t.deepEqual(await activationReader.presence(), { ok: true, value: { present: false } });

  t.true((await hardware.execute({ action: 'activation.insert', reader: 'cabina-1', device: 'votante-01' })).ok);
  await eventually(() => events.some((e) => e.type === 'inserted'), 'the insert event');
  const token = new TextEncoder().encode('a token written across processes');
  t.deepEqual(await activationReader.write(token), { ok: true, value: undefined });
  const read = await activationReader.read();
  t.true(read.ok && Buffer.from(read.value).equals(Buffer.from(token)));

  sim.pull();
  await eventually(() => events.some((e) => e.type === 'removed'), 'the removal event');
  t.deepEqual(await activationReader.presence(), { ok: true, value: { present: false } });

  await bridge.close();
  const gone = await activationReader.presence();
  t.false(gone.ok);
  if (!gone.ok) t.is(gone.error.kind, 'reader-disconnected');
});

test('keypad: a press in the simulator is one down and one up in the station; a lost bridge is a disconnected status', async (t) => {
  const { hardware, bridge, socket } = await rig(t);
  const sim = hardware.keypad('cabina-1-keypad', 'navigation');
  const { keypad } = await devices(t, { keypad: { kind: 'bridge', socket, name: 'cabina-1-keypad' } });
  if (keypad === undefined) return t.fail();
  const keys: KeyEvent[] = [];
  const statuses: KeypadStatus[] = [];
  keypad.onKey((k) => keys.push(k));
  keypad.onStatus((s) => statuses.push(s));
  t.true((await keypad.connect()).ok);
  sim.press('select');
  await eventually(() => keys.length === 2, 'the key events');
  t.deepEqual(keys, [{ type: 'down', key: 'select' }, { type: 'up', key: 'select' }]);

  await bridge.close();
  await eventually(() => statuses.some((s) => s.type === 'disconnected'), 'the disconnected status');
  const again = await keypad.connect();
  t.false(again.ok);
});

test('keypad: a profile the simulated keypad does not have is refused at opening, not thrown', async (t) => {
  const { hardware, socket } = await rig(t);
  hardware.keypad('kp', 'navigation');
  const { keypad } = await devices(t, { keypad: { kind: 'bridge', socket, name: 'kp', profile: 'two-switch' } });
  const connected = await keypad?.connect();
  t.false(connected?.ok ?? true);
  if (connected !== undefined && !connected.ok) t.regex(connected.error.detail, /navigation/);
});

test('DNI reader: a scanned DNI reaches the station as one reading; a lost bridge is a disconnected status', async (t) => {
  const { hardware, bridge, socket } = await rig(t);
  const sim = hardware.dniReader('identity-dni');
  const { dniReader } = await devices(t, { dniReader: { kind: 'bridge', socket, name: 'identity-dni' } });
  if (dniReader === undefined) return t.fail();
  const readings: DniReading[] = [];
  const statuses: DniReaderStatus[] = [];
  dniReader.onReading((r) => readings.push(r));
  dniReader.onStatus((s) => statuses.push(s));
  t.true((await dniReader.connect()).ok);
  sim.scan('00123456');
  await eventually(() => readings.length === 1, 'the reading');
  t.deepEqual(readings, [{ kind: 'text', text: '00123456' }]);
  await bridge.close();
  await eventually(() => statuses.some((s) => s.type === 'disconnected'), 'the disconnected status');
});

test('USB medium: files written by the station are on the simulator stick; pulled in the panel it is not mounted', async (t) => {
  const { hardware, socket } = await rig(t);
  const stick = hardware.usbStick('consolidation');
  const { consolidation } = await devices(t, { consolidation: { kind: 'bridge', socket, name: 'consolidation' } });
  if (consolidation === undefined) return t.fail();
  const detected = await consolidation.detect();
  t.like(detected, { ok: true, value: { mounted: true, label: 'CONSOLIDATION', writeOnce: false } });
  const bytes = new Uint8Array(300_000).map((_, i) => i % 251);
  t.deepEqual(await consolidation.writeFileAtomic('mesa-000123.bin', bytes), { ok: true, value: undefined });
  const onStick = await stick.rawFiles();
  t.deepEqual([...onStick.keys()], ['mesa-000123.bin']);
  t.true(Buffer.from(onStick.get('mesa-000123.bin') ?? []).equals(Buffer.from(bytes)));
  const back = await consolidation.readFile('mesa-000123.bin');
  t.true(back.ok && Buffer.from(back.value).equals(Buffer.from(bytes)));
  t.deepEqual(await consolidation.list(), { ok: true, value: ['mesa-000123.bin'] });

  t.true((await hardware.execute({ action: 'usb.remove', stick: 'consolidation' })).ok);
  t.deepEqual(await consolidation.detect(), { ok: true, value: { mounted: false } });
  t.deepEqual(await consolidation.readFile('mesa-000123.bin'), { ok: false, error: { kind: 'not-mounted' } });
  t.true((await hardware.execute({ action: 'usb.insert', stick: 'consolidation' })).ok);
  t.like(await consolidation.detect(), { ok: true, value: { mounted: true } });
});

test('USB medium: a write-once medium stays write-once through the bridge', async (t) => {
  const { hardware, socket } = await rig(t);
  hardware.usbStick('respaldo-1', { writeOnce: true });
  const { consolidation } = await devices(t, { consolidation: { kind: 'bridge', socket, name: 'respaldo-1', writeOnce: true } });
  if (consolidation === undefined) return t.fail();
  const first = new TextEncoder().encode('first copy');
  t.deepEqual(await consolidation.writeFileAtomic('respaldo.bin', first), { ok: true, value: undefined });
  t.deepEqual(await consolidation.writeFileAtomic('respaldo.bin', new TextEncoder().encode('replaced?')), {
    ok: false,
    error: { kind: 'exists', name: 'respaldo.bin' },
  });
  t.deepEqual(await consolidation.deleteFile('respaldo.bin'), { ok: false, error: { kind: 'write-once', name: 'respaldo.bin' } });
  t.deepEqual(await consolidation.finalize(), { ok: true, value: undefined });
  t.deepEqual(await consolidation.writeFileAtomic('otro.bin', first), { ok: false, error: { kind: 'finalized' } });
  const still = await consolidation.readFile('respaldo.bin');
  t.true(still.ok && Buffer.from(still.value).equals(Buffer.from(first)));
  // The simulator enforces it too: the station cannot get around the driver's own checks.
  t.true(hardware.snapshot().usbSticks.some((s) => s.name === 'respaldo-1' && s.finalized));
});

test('USB medium: a station asking for write-once on a rewritable stick gets no medium to write on', async (t) => {
  const { hardware, socket } = await rig(t);
  const stick = hardware.usbStick('consolidation');
  const { consolidation } = await devices(t, { consolidation: { kind: 'bridge', socket, name: 'consolidation', writeOnce: true } });
  t.false((await consolidation?.detect())?.ok ?? true);
  t.false((await consolidation?.writeFileAtomic('respaldo.bin', new Uint8Array([1, 2, 3])))?.ok ?? true);
  t.is((await stick.rawFiles()).size, 0);
  t.false(stick.writeOnce);
});

test('USB medium: a stick pulled mid-write is device-removed, and no partial file shows under its name', async (t) => {
  const { hardware, socket } = await rig(t);
  const stick = hardware.usbStick('consolidation');
  const { consolidation } = await devices(t, { consolidation: { kind: 'bridge', socket, name: 'consolidation' } });
  if (consolidation === undefined) return t.fail();
  t.true((await hardware.execute({ action: 'usb.fault', stick: 'consolidation', fault: { type: 'remove-at-byte', byte: 100_000 } })).ok);
  const written = await consolidation.writeFileAtomic('mesa-000123.bin', new Uint8Array(250_000).fill(7));
  t.deepEqual(written, { ok: false, error: { kind: 'device-removed' } });
  stick.insert();
  t.deepEqual(await consolidation.list(), { ok: true, value: [] });
});

test('USB medium: the bridge going away mid-use is device-removed or not-mounted, never a throw', async (t) => {
  const { hardware, bridge, socket } = await rig(t);
  hardware.usbStick('consolidation');
  const { consolidation } = await devices(t, { consolidation: { kind: 'bridge', socket, name: 'consolidation' } });
  if (consolidation === undefined) return t.fail();
  t.like(await consolidation.detect(), { ok: true, value: { mounted: true } });
  const writing = consolidation.writeFileAtomic('mesa-000123.bin', new Uint8Array(2_000_000).fill(1));
  await bridge.close();
  const written = await writing;
  t.false(written.ok);
  if (!written.ok) t.true(['device-removed', 'not-mounted'].includes(written.error.kind), written.error.kind);
  t.deepEqual(await consolidation.detect(), { ok: true, value: { mounted: false } });
});

test('USB medium: only the bridged folder and plain names in it are reachable; a malformed line ends the connection', async (t) => {
  const { hardware, socket, problems } = await rig(t);
  hardware.usbStick('consolidation');
  const client = net.createConnection({ path: socket });
  t.teardown(() => client.destroy());
  const lines: unknown[] = [];
  let buffered = '';
  client.on('data', (chunk) => {
    buffered += chunk.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const p of parts) lines.push(JSON.parse(p));
  });
  const send = (m: unknown): boolean => client.write(`${JSON.stringify(m)}\n`);
  send({ t: 'open-usb', name: 'consolidation', writeOnce: false });
  const root = bridgedMountPath('consolidation');
  send({ t: 'call', id: 1, call: { op: 'readFile', path: `${root}/../../etc/passwd` } });
  send({ t: 'call', id: 2, call: { op: 'readdir', path: '/etc' } });
  send({ t: 'call', id: 3, call: { op: 'mountStatus', path: '/' } });
  await eventually(() => lines.length === 4, 'the replies');
  t.deepEqual(lines[0], { t: 'opened' });
  t.like(lines[1], { t: 'failed', id: 1, code: 'EACCES' });
  t.like(lines[2], { t: 'failed', id: 2, code: 'EACCES' });
  t.deepEqual(lines[3], { t: 'reply', id: 3, value: { mounted: false } });
  let closed = false;
  client.on('close', () => (closed = true));
  client.write('{"t":"call","id":4,"call":{"op":"format"}}\n');
  await eventually(() => closed, 'the connection to close');
  t.is(problems.length, 1);
  t.regex(problems[0] ?? '', /malformed message/);
});

test('scanner: the page on the simulator glass is scanned by the station; no paper and a lost bridge are typed errors', async (t) => {
  const { hardware, bridge, socket } = await rig(t);
  const sim = hardware.scanner('transmission');
  const { scanner } = await devices(t, { scanner: { kind: 'bridge', socket, name: 'transmission' } });
  if (scanner === undefined) return t.fail();
  t.deepEqual(await scanner.scan(), { ok: false, error: { kind: 'no-paper' } });
  await sim.placeText('ACTA ELECTORAL\nSIMULACRO');
  const direct = await sim.scan();
  const scanned = await scanner.scan();
  t.true(scanned.ok && direct.ok);
  if (scanned.ok && direct.ok) {
    t.true(Buffer.from(scanned.value.png).equals(Buffer.from(direct.value.png)));
    t.is(scanned.value.widthPx, direct.value.widthPx);
  }
  await bridge.close();
  t.like(await scanner.scan(), { ok: false, error: { kind: 'offline' } });
});

test('clock: the station reads the simulator time, sees every advance, and keeps running when the bridge goes away', async (t) => {
  const { hardware, bridge, socket } = await rig(t);
  const dayStart = new Date('2026-04-12T12:00:00Z');
  hardware.clock.startAt(dayStart);
  const clock = await connectBridgeClock(socket);
  if (!clock.ok) return t.fail(clock.error);
  t.teardown(() => clock.value.close());
  const near = (a: Date, b: Date): boolean => Math.abs(a.getTime() - b.getTime()) < 1000;
  t.true(near(clock.value.read(), hardware.clock.now()));
  t.true(near(clock.value.read(), dayStart));
  t.true((await hardware.execute({ action: 'clock.advance', minutes: 600 })).ok);
  await eventually(() => near(clock.value.read(), hardware.clock.now()), 'the advance to arrive');
  t.true(clock.value.read().getTime() >= dayStart.getTime() + 600 * 60_000);
  await bridge.close();
  const before = clock.value.read();
  t.true(clock.value.read().getTime() >= before.getTime());
  t.true(near(clock.value.read(), hardware.clock.now()));
});

test('clock: no bridge at the socket is an error result', async (t) => {
  const clock = await connectBridgeClock(path.join(os.tmpdir(), `vep-no-bridge-${process.pid}.sock`));
  t.false(clock.ok);
});

test('vep sim serve --bridge: a reader and a stick of the simulator process are devices of this process; its clock too', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-br-'));
  const socket = path.join(dir, 'devices.sock');
  const child = spawn(process.execPath, [VEP_JS, 'sim', 'serve', '--port', '0', '--readers', 'r1', '--usb', 'u1', '--bridge', socket], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  // Starting a process (sources compiled on a busy machine) may take longer than a socket reply.
  for (let i = 0; i < 1200 && !/stop with/.test(out) && child.exitCode === null; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  t.true(out.includes(`device bridge: ${socket}\n`), out);
  const panel = /control panel: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1] ?? '';
  const { activationReader, consolidation } = await devices(t, {
    activationReader: { kind: 'bridge', socket, name: 'r1' },
    consolidation: { kind: 'bridge', socket, name: 'u1' },
  });
  if (activationReader === undefined || consolidation === undefined) return t.fail();
  const inserted = await fetch(`${panel}/activation/insert`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ reader: 'r1', device: 'd1' }),
  });
  t.is(inserted.status, 200);
  const presence = await activationReader.presence();
  t.true(presence.ok && presence.value.present);
  t.deepEqual(await consolidation.writeFileAtomic('prueba.bin', new Uint8Array([1, 2, 3])), { ok: true, value: undefined });
  const usb = /usb u1: (\S+)/.exec(out)?.[1] ?? '';
  t.deepEqual(fs.readdirSync(usb), ['prueba.bin']);
  const clock = await connectBridgeClock(socket);
  t.true(clock.ok);
  if (clock.ok) clock.value.close();

  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  t.is(await exit, 0);
  t.false((await activationReader.presence()).ok, 'the simulator gone, the reader is disconnected');
});
