import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDevices, type Devices } from '../shared/devices/factory.ts';
import { SimulatedHardware } from '../hardware-sim/control/simulated-hardware.ts';
import type { KeyEvent } from '../shared/devices/keypad/keypad.ts';

async function created(config: unknown, hardware?: SimulatedHardware): Promise<Devices> {
  const result = await createDevices(config, { hardware });
  if (!result.ok) throw new Error(`devices: ${JSON.stringify(result.error)}`);
  return result.value;
}

test('simulated configuration: every device works through its real host driver', async (t) => {
  const devices = await created({
    activationReader: { kind: 'simulated', name: 'reader-1' },
    keypad: { kind: 'simulated', name: 'keys', profile: 'two-switch' },
    consolidation: { kind: 'simulated', name: 'usb-1', capacityBytes: 10_000 },
    scanner: { kind: 'simulated' },
  });
  const hardware = devices.hardware;
  if (hardware === undefined) return t.fail('a registry is created for simulated devices');
  t.teardown(async () => {
    await devices.close();
    hardware.dispose();
  });
  const { activationReader, keypad, consolidation, scanner } = devices;
  if (activationReader === undefined || keypad === undefined || consolidation === undefined || scanner === undefined) return t.fail();

  hardware.activationReader('reader-1').insert(hardware.activationDevice('voter-device'));
  t.true((await activationReader.write(Uint8Array.of(1, 2, 3))).ok);
  const read = await activationReader.read();
  t.deepEqual(read.ok && [...read.value], [1, 2, 3]);

  const keys: KeyEvent[] = [];
  keypad.onKey((e) => keys.push(e));
  t.true((await keypad.connect()).ok);
  hardware.keypad('keys', 'two-switch').press('move');
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(keys, [{ type: 'down', key: 'move' }, { type: 'up', key: 'move' }]);

  t.like(await consolidation.detect(), { ok: true, value: { mounted: true, label: 'USB-1', freeBytes: 10_000 } });
  t.true((await consolidation.writeFileAtomic('x.json', Uint8Array.of(9))).ok);

  t.deepEqual(await scanner.scan(), { ok: false, error: { kind: 'no-paper' } });
  await hardware.scanner('scanner').placeText('x');
  t.true((await scanner.scan()).ok);
});

test('a shared registry is reused, and real devices need no hardware to be created', async (t) => {
  const hardware = new SimulatedHardware();
  t.teardown(() => hardware.dispose());
  const devices = await created({ activationReader: { kind: 'simulated' } }, hardware);
  t.is(devices.hardware, hardware);
  t.deepEqual(hardware.snapshot().activationReaders.map((r) => r.name), ['activation-reader']);
  await devices.close();

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const real = await created({
    activationReader: { kind: 'real', device: { path: '/dev/vep-no-such-hidraw' }, timeoutMs: 500 },
    keypad: { kind: 'real', device: { vendorId: 0xfffe, productId: 0x0001 } },
    consolidation: { kind: 'real', mountPath: dir, requireMountPoint: false },
    scanner: { kind: 'real', scanimagePath: '/nonexistent/scanimage' },
  });
  t.teardown(() => real.close());
  t.is(real.hardware, undefined, 'no simulator is loaded for real hardware');
  const presence = await real.activationReader?.presence();
  t.is(presence?.ok === false ? presence.error.kind : 'ok', 'reader-disconnected');
  const keypad = await real.keypad?.connect();
  t.is(keypad?.ok === false ? keypad.error.kind : 'ok', 'not-connected');
  t.true((await real.consolidation?.writeFileAtomic('a.json', Uint8Array.of(1)))?.ok);
  t.deepEqual(fs.readdirSync(dir), ['a.json']);
  t.deepEqual(await real.scanner?.scan(), { ok: false, error: { kind: 'offline', detail: 'ENOENT' } });
});

test('broken configuration throws with the offending path', async (t) => {
  await t.throwsAsync(createDevices({ activationReader: { kind: 'fake' } }), { message: /activationReader/ });
  await t.throwsAsync(createDevices({ keypad: { kind: 'real', device: {} } }), { message: /keypad/ });
  await t.throwsAsync(createDevices({ consolidation: { kind: 'real' } }), { message: /mountPath/ });
  await t.throwsAsync(createDevices({ scanner: { kind: 'simulated', dpi: 5 } }), { message: /dpi/ });
  await t.throwsAsync(createDevices({ screen: {} }), { message: /screen|unrecognized/i });
  await t.throwsAsync(createDevices({ keypad: { kind: 'simulated', profile: 'joystick' } }), { message: /profile/ });
});

test('a printer that cannot be opened is a typed setup error', async (t) => {
  const result = await createDevices({ printer: { kind: 'escpos-serial', path: '/dev/vep-no-such-tty' } });
  t.false(result.ok);
  if (!result.ok) t.is(result.error.kind, 'printer');
});
