import test from 'ava';
import { HidActivationReader } from '../shared/devices/activation/hid-activation-reader.ts';
import type { ActivationEvent } from '../shared/devices/activation/activation-reader.ts';
import { MAX_BLOB_BYTES } from '../shared/devices/activation/device-image.ts';
import type { HidTransport, HidTransportOpener } from '../shared/devices/hid/transport.ts';
import { VirtualActivationDevice } from '../hardware-sim/hid/virtual-activation-device.ts';
import { VirtualActivationReader } from '../hardware-sim/hid/virtual-activation-reader.ts';

const OLD = new TextEncoder().encode('old token: '.repeat(40));
const NEW = new TextEncoder().encode('a brand new token value '.repeat(30));

interface Counter {
  reports: number;
}

/** Opener that counts reports crossing in both directions, to find every report boundary. */
function openerFor(reader: VirtualActivationReader, counter?: Counter): HidTransportOpener {
  return () => {
    const opened = reader.openHost();
    if (!opened.ok || counter === undefined) return Promise.resolve(opened);
    const inner = opened.value;
    const counting: HidTransport = {
      write: (r) => {
        counter.reports++;
        return inner.write(r);
      },
      on: ((event: 'data' | 'error', listener: (arg: never) => void) => {
        if (event === 'data') {
          inner.on('data', (r) => {
            // Events (sequence 0) are not part of an operation's exchange.
            if (r[3] !== 0) counter.reports++;
            (listener as (r: Uint8Array) => void)(r);
          });
        } else inner.on('error', listener as (e: Error) => void);
      }),
      off: () => undefined,
      close: () => inner.close(),
    };
    return Promise.resolve({ ok: true, value: counting });
  };
}

function setup(options: { timeoutMs?: number; capacity?: number } = {}) {
  const sim = new VirtualActivationReader();
  const device = new VirtualActivationDevice(options.capacity);
  const counter: Counter = { reports: 0 };
  const reader = new HidActivationReader(openerFor(sim, counter), { timeoutMs: options.timeoutMs ?? 2000 });
  return { sim, device, reader, counter };
}

test('write then read returns the same bytes; deviceId is per insertion', async (t) => {
  const { sim, device, reader } = setup();
  t.teardown(() => reader.close());
  sim.insert(device);
  t.deepEqual(await reader.write(NEW), { ok: true, value: undefined });
  const read = await reader.read();
  t.true(read.ok);
  if (read.ok) t.deepEqual(Buffer.from(read.value), Buffer.from(NEW));
  const first = await reader.presence();
  const again = await reader.presence();
  t.deepEqual(first, again);
  sim.pull();
  t.deepEqual(await reader.presence(), { ok: true, value: { present: false } });
  sim.insert(device);
  const second = await reader.presence();
  t.true(first.ok && first.value.present && second.ok && second.value.present);
  if (first.ok && first.value.present && second.ok && second.value.present) {
    t.not(first.value.deviceId, second.value.deviceId, 'same device reinserted must get a new id');
    t.regex(second.value.deviceId, /^[0-9a-f]{16}$/);
  }
});

test('blank device reads as empty; erase blanks the whole memory', async (t) => {
  const { sim, device, reader } = setup();
  t.teardown(() => reader.close());
  sim.insert(device);
  const blank = await reader.read();
  t.deepEqual(blank.ok && blank.value.length, 0);
  t.true((await reader.write(OLD)).ok);
  t.true(device.readMemory().some((b) => b !== 0));
  t.deepEqual(await reader.erase(), { ok: true, value: undefined });
  t.true(device.readMemory().every((b) => b === 0));
});

test('a shorter write leaves no trace of the longer content before it', async (t) => {
  const { sim, device, reader } = setup();
  t.teardown(() => reader.close());
  sim.insert(device);
  t.true((await reader.write(new Uint8Array(1000).fill(0xab))).ok);
  t.true((await reader.write(Uint8Array.of(1, 2, 3))).ok);
  const memory = device.readMemory();
  t.false(memory.includes(0xab));
  t.true(memory.subarray(13).every((b) => b === 0));
});

test('the simulated device holds nothing but its memory', (t) => {
  const device = new VirtualActivationDevice();
  t.deepEqual(Object.keys(device).sort(), ['capacity', 'memory']);
});

test('no device and too large are typed errors', async (t) => {
  const { sim, reader } = setup({ capacity: 100 });
  t.teardown(() => reader.close());
  t.deepEqual(await reader.read(), { ok: false, error: { kind: 'no-device' } });
  t.deepEqual(await reader.write(OLD), { ok: false, error: { kind: 'no-device' } });
  t.deepEqual(await reader.presence(), { ok: true, value: { present: false } });
  t.deepEqual(await reader.write(new Uint8Array(MAX_BLOB_BYTES + 1)), {
    ok: false, error: { kind: 'too-large', size: MAX_BLOB_BYTES + 1, max: MAX_BLOB_BYTES },
  });
  sim.insert(new VirtualActivationDevice(100));
  t.deepEqual(await reader.write(OLD), { ok: false, error: { kind: 'too-large', size: OLD.length, max: 90 } });
  t.deepEqual(await reader.write(new Uint8Array(91)), { ok: false, error: { kind: 'too-large', size: 91, max: 90 } });
  t.true((await reader.write(new Uint8Array(90).fill(7))).ok);
});

async function reportsOf(operation: (r: HidActivationReader) => Promise<unknown>): Promise<number> {
  const { sim, device, reader, counter } = setup();
  sim.insert(device);
  const seeded = await reader.write(OLD);
  if (!seeded.ok) throw new Error('could not seed the device');
  await reader.presence(); // drain the insertion event so it is not counted in what follows
  counter.reports = 0;
  await operation(reader);
  await reader.close();
  return counter.reports;
}

test('pulling the device at every report boundary of a read gives device-removed', async (t) => {
  const total = await reportsOf((r) => r.read());
  t.true(total > 3, `a full read crosses several reports (${total})`);
  for (let k = 1; k <= total; k++) {
    const { sim, device, reader } = setup();
    sim.insert(device);
    t.true((await reader.write(OLD)).ok);
    sim.injectFault({ type: 'pull-after-reports', reports: k });
    const result = await reader.read();
    if (k < total) t.deepEqual(result, { ok: false, error: { kind: 'device-removed' } }, `pull after report ${k}`);
    else t.true(result.ok, 'pull after the last report: the read had completed');
    t.false(sim.state.devicePresent);
    await reader.close();
  }
});

test('pulling at every report boundary of a write leaves the old or the new blob, never a partial one', async (t) => {
  const total = await reportsOf((r) => r.write(NEW));
  const outcomes = new Set<string>();
  for (let k = 1; k <= total; k++) {
    const { sim, device, reader } = setup();
    sim.insert(device);
    t.true((await reader.write(OLD)).ok);
    sim.injectFault({ type: 'pull-after-reports', reports: k });
    const result = await reader.write(NEW);
    if (k < total) {
      t.false(result.ok, `pull after report ${k}`);
      // Pulled during the initial presence exchange, the device simply is not there (no-device);
      // from then on its absence is a removal during the write.
      if (!result.ok) t.is(result.error.kind, k === 1 ? 'no-device' : 'device-removed', `pull after ${k}`);
    }
    sim.insert(device);
    const back = await reader.read();
    t.true(back.ok, `read after reinsertion (pull after ${k})`);
    if (back.ok) {
      const text = Buffer.from(back.value).toString();
      t.true(text === Buffer.from(OLD).toString() || text === Buffer.from(NEW).toString());
      outcomes.add(text === Buffer.from(OLD).toString() ? 'old' : 'new');
    }
    await reader.close();
  }
  t.deepEqual([...outcomes].sort(), ['new', 'old'], 'both sides of the commit point were exercised');
});

test('a torn write reads back as old, new or corrupt: never a partial blob', async (t) => {
  const capacity = 1034;
  const seen = new Set<string>();
  const { sim, device, reader } = setup();
  t.teardown(() => reader.close());
  for (let bytes = 0; bytes <= capacity; bytes += bytes < 20 ? 1 : 37) {
    sim.insert(device);
    t.true((await reader.write(OLD)).ok);
    sim.injectFault({ type: 'torn-write', bytes });
    t.deepEqual(await reader.write(NEW), { ok: false, error: { kind: 'device-removed' } });
    sim.insert(device);
    const back = await reader.read();
    if (back.ok) {
      const text = Buffer.from(back.value).toString();
      t.true(text === Buffer.from(OLD).toString() || text === Buffer.from(NEW).toString(), `torn at ${bytes}`);
      seen.add(text === Buffer.from(OLD).toString() ? 'old' : 'new');
    } else {
      t.is(back.error.kind, 'corrupt', `torn at ${bytes}`);
      seen.add('corrupt');
    }
    sim.pull();
  }
  t.deepEqual([...seen].sort(), ['corrupt', 'new', 'old']);
});

test('faulty reports become typed bad-frame errors, and the next operation recovers', async (t) => {
  const { sim, device, reader } = setup({ timeoutMs: 1000 });
  t.teardown(() => reader.close());
  sim.insert(device);
  t.true((await reader.write(OLD)).ok);
  const cases = [
    ['garbage-report', 'garbage'],
    ['wrong-checksum', 'checksum'],
    ['truncated-report', 'truncated'],
    ['drop-last-report', 'truncated'],
  ] as const;
  for (const [fault, detail] of cases) {
    sim.injectFault({ type: fault });
    const result = await reader.read();
    t.false(result.ok, fault);
    if (!result.ok) {
      t.is(result.error.kind, 'bad-frame', fault);
      if (result.error.kind === 'bad-frame') t.is(result.error.detail, detail, fault);
    }
    const after = await reader.read();
    t.true(after.ok && Buffer.from(after.value).equals(Buffer.from(OLD)), `recovered after ${fault}`);
  }
  sim.injectFault({ type: 'no-response' });
  t.deepEqual(await reader.presence(), { ok: false, error: { kind: 'timeout' } });
  sim.injectFault({ type: 'slow', delayMs: 2 });
  const slow = await reader.read();
  t.true(slow.ok && Buffer.from(slow.value).equals(Buffer.from(OLD)));
});

test('reader unplugged: reader-disconnected, event, then reconnection', async (t) => {
  const { sim, device, reader } = setup();
  t.teardown(() => reader.close());
  const events: ActivationEvent[] = [];
  reader.onChange((e) => events.push(e));
  sim.insert(device);
  t.true((await reader.write(OLD)).ok);
  sim.disconnect();
  const result = await reader.read();
  t.is(result.ok ? 'ok' : result.error.kind, 'reader-disconnected');
  t.true(events.some((e) => e.type === 'reader-disconnected'));
  sim.reconnect();
  const again = await reader.read();
  t.true(again.ok && Buffer.from(again.value).equals(Buffer.from(OLD)));
});

test('change events carry the same deviceId as presence', async (t) => {
  const { sim, device, reader } = setup();
  t.teardown(() => reader.close());
  const events: ActivationEvent[] = [];
  const inserted = new Promise<void>((resolve) => {
    reader.onChange((e) => {
      events.push(e);
      if (e.type === 'inserted') resolve();
    });
  });
  await reader.presence();
  sim.insert(device);
  await inserted;
  const presence = await reader.presence();
  const first = events[0];
  t.true(first?.type === 'inserted' && presence.ok && presence.value.present && first.deviceId === presence.value.deviceId);
  const removed = new Promise<void>((resolve) => reader.onChange((e) => e.type === 'removed' && resolve()));
  sim.pull();
  await removed;
  t.deepEqual(events.at(-1), { type: 'removed' });
});

test('expectDeviceId refuses to touch a device swapped in after the check', async (t) => {
  const { sim, device, reader } = setup();
  t.teardown(() => reader.close());
  sim.insert(device);
  const presence = await reader.presence();
  if (!presence.ok || !presence.value.present) return t.fail('device should be present');
  const { deviceId } = presence.value;
  sim.pull();
  const other = new VirtualActivationDevice();
  sim.insert(other);
  t.deepEqual(await reader.write(NEW, { expectDeviceId: deviceId }), { ok: false, error: { kind: 'device-removed' } });
  t.deepEqual(await reader.read({ expectDeviceId: deviceId }), { ok: false, error: { kind: 'device-removed' } });
  t.true(other.readMemory().every((b) => b === 0), 'the swapped-in device was not written');
});
