/**
 * DNI reader (keyboard-wedge barcode reader, hid/PROTOCOL.md section 6): the driver over the
 * simulator delivers exactly what was scanned, one reading per Enter, and turns anything it cannot
 * trust into a `garbled` reading, never an exception; statuses never carry a reading's text.
 */
import test from 'ava';
import fc from 'fast-check';
import { HidDniReader } from '../shared/devices/dni-reader/hid-dni-reader.ts';
import type { DniReaderStatus, DniReading } from '../shared/devices/dni-reader/dni-reader.ts';
import { charForUsage, MAX_READING_CHARS, usageForChar, WedgeDecoder } from '../shared/devices/dni-reader/wedge-decoder.ts';
import { VirtualDniReader } from '../hardware-sim/hid/virtual-dni-reader.ts';
import { createDevices } from '../shared/devices/factory.ts';
import { SimulatedHardware } from '../hardware-sim/control/simulated-hardware.ts';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

async function setup() {
  const device = new VirtualDniReader();
  const reader = new HidDniReader(() => Promise.resolve(device.openHost()));
  const readings: DniReading[] = [];
  const statuses: DniReaderStatus[] = [];
  reader.onReading((r) => readings.push(r));
  reader.onStatus((s) => statuses.push(s));
  const connected = await reader.connect();
  if (!connected.ok) throw new Error(connected.error.detail);
  return { device, reader, readings, statuses };
}

test('a scanned DNI arrives as one reading with its 8 digits, leading zeros kept', async (t) => {
  const { device, reader, readings } = await setup();
  t.teardown(() => reader.close());
  device.scan('00123456');
  device.scan('41118899');
  await flush();
  t.deepEqual(readings, [{ kind: 'text', text: '00123456' }, { kind: 'text', text: '41118899' }]);
});

test('letters and wrong lengths are passed on as read, for the station to refuse', async (t) => {
  const { device, reader, readings } = await setup();
  t.teardown(() => reader.close());
  device.scan('1234567A');
  device.scan('1234567');
  device.scan('123456789');
  await flush();
  t.deepEqual(readings, [
    { kind: 'text', text: '1234567A' },
    { kind: 'text', text: '1234567' },
    { kind: 'text', text: '123456789' },
  ]);
});

test('a garbled frame (rollover, bad size, unknown key, overflow) gives one garbled reading, then reading resumes', async (t) => {
  const { device, reader, readings } = await setup();
  t.teardown(() => reader.close());
  device.scanGarbled('12345678');
  device.sendRaw(Uint8Array.of(1, 2, 3)); // wrong size
  device.scan('12345678'); // …spoils the reading in progress
  device.sendRaw(Uint8Array.of(0, 0, 0x3a, 0, 0, 0, 0, 0)); // F1: no character
  device.sendRaw(new Uint8Array(8));
  device.scan('1');
  device.scan('9'.repeat(MAX_READING_CHARS + 1));
  device.scan('87654321');
  await flush();
  t.deepEqual(readings, [{ kind: 'garbled' }, { kind: 'garbled' }, { kind: 'garbled' }, { kind: 'garbled' }, { kind: 'text', text: '87654321' }]);
});

test('an Enter alone is no reading; a held key is one character', async (t) => {
  const { device, reader, readings } = await setup();
  t.teardown(() => reader.close());
  device.scan('');
  const press = (usage: number) => device.sendRaw(Uint8Array.of(0, 0, usage, 0, 0, 0, 0, 0));
  press(0x1e);
  press(0x1e); // the reader repeats its report while the key is down
  device.sendRaw(new Uint8Array(8));
  press(0x1f);
  device.sendRaw(new Uint8Array(8));
  press(0x58); // keypad Enter also ends a reading
  await flush();
  t.deepEqual(readings, [{ kind: 'text', text: '12' }]);
});

test('unplugged mid-scan: the partial reading is dropped, status carries no text, replug reconnects', async (t) => {
  const { device, reader, readings, statuses } = await setup();
  t.teardown(() => reader.close());
  device.sendRaw(Uint8Array.of(0, 0, 0x1e, 0, 0, 0, 0, 0));
  device.sendRaw(new Uint8Array(8));
  await flush();
  device.unplug();
  await flush();
  t.deepEqual(statuses.map((s) => s.type), ['connected', 'disconnected']);
  t.false(JSON.stringify(statuses).includes('1'));
  t.false((await reader.connect()).ok);
  device.replug();
  t.true((await reader.connect()).ok);
  device.scan('12345678');
  await flush();
  t.deepEqual(readings, [{ kind: 'text', text: '12345678' }]);
});

test('wedge decoder: any text of typable characters round-trips through the simulator\'s reports', (t) => {
  fc.assert(
    fc.property(fc.stringMatching(/^[0-9A-Za-z .-]{1,32}$/), (text) => {
      const decoder = new WedgeDecoder();
      const out: DniReading[] = [];
      for (const char of text) {
        const key = usageForChar(char);
        if (key === undefined) return false;
        t.is(charForUsage(key.usage, key.shift), char);
        out.push(...decoder.apply(Uint8Array.of(key.shift ? 0x02 : 0, 0, key.usage, 0, 0, 0, 0, 0)));
        out.push(...decoder.apply(new Uint8Array(8)));
      }
      out.push(...decoder.apply(Uint8Array.of(0, 0, 0x28, 0, 0, 0, 0, 0)));
      return JSON.stringify(out) === JSON.stringify([{ kind: 'text', text }]);
    }),
  );
});

test('factory: a simulated DNI reader is created from configuration and driven through the registry', async (t) => {
  const hardware = new SimulatedHardware();
  t.teardown(() => hardware.close());
  const created = await createDevices({ dniReader: { kind: 'simulated', name: 'dni' } }, { hardware });
  if (!created.ok) return t.fail('devices not created');
  const { dniReader } = created.value;
  if (dniReader === undefined) return t.fail('no DNI reader');
  t.teardown(() => created.value.close());
  const readings: DniReading[] = [];
  dniReader.onReading((r) => readings.push(r));
  t.true((await dniReader.connect()).ok);
  t.true((await hardware.execute({ action: 'dni.scan', reader: 'dni', text: '12345678' })).ok);
  await flush();
  t.deepEqual(readings, [{ kind: 'text', text: '12345678' }]);
  t.deepEqual(hardware.snapshot().dniReaders, [{ name: 'dni', connected: true, open: true }]);
  t.false((await hardware.execute({ action: 'dni.scan', reader: 'nope', text: '1' })).ok);
  await t.throwsAsync(createDevices({ dniReader: { kind: 'real' } }), { message: /dniReader/ });
});
