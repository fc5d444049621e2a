import test from 'ava';
import fc from 'fast-check';
import { HidKeypad } from '../shared/devices/keypad/hid-keypad.ts';
import { decodeKeyboardReport, KeyStateTracker, KEYBOARD_REPORT_SIZE } from '../shared/devices/keypad/keyboard-report.ts';
import { keysOf } from '../shared/devices/keypad/key-map.ts';
import { NAVIGATION_KEYS, type KeyEvent, type KeypadProfile, type KeypadStatus } from '../shared/devices/keypad/keypad.ts';
import { VirtualKeypad } from '../hardware-sim/hid/virtual-keypad.ts';

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function setup(profile: KeypadProfile) {
  const device = new VirtualKeypad(profile);
  const keypad = new HidKeypad(() => Promise.resolve(device.openHost()), profile);
  const keys: KeyEvent[] = [];
  const statuses: KeypadStatus[] = [];
  keypad.onKey((e) => keys.push(e));
  keypad.onStatus((s) => statuses.push(s));
  const connected = await keypad.connect();
  if (!connected.ok) throw new Error(connected.error.detail);
  return { device, keypad, keys, statuses };
}

test('every navigation key press gives one down and one up', async (t) => {
  const { device, keypad, keys } = await setup('navigation');
  t.teardown(() => keypad.close());
  for (const key of NAVIGATION_KEYS) device.press(key);
  await flush();
  t.deepEqual(keys, NAVIGATION_KEYS.flatMap((key) => [{ type: 'down', key }, { type: 'up', key }]));
});

test('a held key is one press, however many reports the device repeats', async (t) => {
  const { device, keypad, keys } = await setup('navigation');
  t.teardown(() => keypad.close());
  device.hold('down', 25);
  await flush();
  t.deepEqual(keys, [{ type: 'down', key: 'down' }]);
  device.press('select'); // another key while 'down' is still held
  device.hold('down', 3); // the device keeps reporting the held key
  device.release('down');
  await flush();
  t.deepEqual(keys, [
    { type: 'down', key: 'down' },
    { type: 'down', key: 'select' },
    { type: 'up', key: 'select' },
    { type: 'up', key: 'down' },
  ]);
});

test('two-switch device: move and select only', async (t) => {
  const { device, keypad, keys } = await setup('two-switch');
  t.teardown(() => keypad.close());
  t.deepEqual(keysOf('two-switch').sort(), ['move', 'select']);
  device.press('move');
  device.hold('move', 10);
  device.release('move');
  device.press('select');
  // An arrow key means nothing to a two-switch profile.
  device.sendRaw(Uint8Array.of(0, 0, 0x52, 0, 0, 0, 0, 0));
  device.sendRaw(new Uint8Array(KEYBOARD_REPORT_SIZE));
  await flush();
  t.deepEqual(keys, [
    { type: 'down', key: 'move' }, { type: 'up', key: 'move' },
    { type: 'down', key: 'move' }, { type: 'up', key: 'move' },
    { type: 'down', key: 'select' }, { type: 'up', key: 'select' },
  ]);
  t.throws(() => device.press('up'));
});

test('bad and rollover reports are ignored without losing the key state', async (t) => {
  const { device, keypad, keys, statuses } = await setup('navigation');
  t.teardown(() => keypad.close());
  device.hold('left', 1);
  device.sendRaw(Uint8Array.of(1, 2, 3));
  device.sendRaw(Uint8Array.of(0, 0, 1, 1, 1, 1, 1, 1)); // phantom state: keys unknown
  device.sendRaw(new Uint8Array(9));
  device.release('left');
  await flush();
  t.deepEqual(keys, [{ type: 'down', key: 'left' }, { type: 'up', key: 'left' }]);
  t.is(statuses.filter((s) => s.type === 'bad-report').length, 2);
});

test('unplugging releases held keys and reports the disconnection; reconnect works', async (t) => {
  const { device, keypad, keys, statuses } = await setup('navigation');
  t.teardown(() => keypad.close());
  device.hold('help', 1);
  await flush();
  device.unplug();
  await flush();
  t.deepEqual(keys, [{ type: 'down', key: 'help' }, { type: 'up', key: 'help' }]);
  t.is(statuses.at(-1)?.type, 'disconnected');
  t.deepEqual(await keypad.connect(), { ok: false, error: { kind: 'not-connected', detail: 'keypad not connected' } });
  device.replug();
  t.true((await keypad.connect()).ok);
  device.press('repeat');
  await flush();
  t.deepEqual(keys.slice(2), [{ type: 'down', key: 'repeat' }, { type: 'up', key: 'repeat' }]);
});

test('random reports never crash the decoder and never yield two downs without an up', (t) => {
  const usage = fc.oneof(fc.constantFrom(0, 0x52, 0x51, 0x50, 0x4f, 0x28, 0x58, 0x29, 0x2a, 0x3a, 0x2c, 0x01), fc.integer({ min: 0, max: 255 }));
  const report = fc.oneof(
    fc.uint8Array({ maxLength: 12 }),
    fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.array(usage, { minLength: 6, maxLength: 6 }))
      .map(([m, r, u]) => Uint8Array.of(m, r, ...u)),
  );
  fc.assert(fc.property(fc.constantFrom<KeypadProfile>('navigation', 'two-switch'), fc.array(report, { maxLength: 40 }), (profile, reports) => {
    const tracker = new KeyStateTracker(profile);
    const down = new Set<string>();
    const events: KeyEvent[] = [];
    for (const r of reports) {
      const decoded = decodeKeyboardReport(r);
      if (!decoded.ok) {
        if (r.length === KEYBOARD_REPORT_SIZE) return false;
        continue;
      }
      events.push(...tracker.apply(decoded.value));
    }
    events.push(...tracker.releaseAll());
    for (const e of events) {
      if (e.type === 'down') {
        if (down.has(e.key)) return false;
        down.add(e.key);
      } else if (!down.delete(e.key)) return false;
    }
    return down.size === 0;
  }));
  t.pass();
});
