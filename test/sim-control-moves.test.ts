import test from 'ava';
import { SimulatedHardware } from '../hardware-sim/control/simulated-hardware.ts';
import { createDevices, type Devices } from '../shared/devices/factory.ts';

async function created(config: unknown, hardware: SimulatedHardware): Promise<Devices> {
  const result = await createDevices(config, { hardware });
  if (!result.ok) throw new Error(`devices: ${JSON.stringify(result.error)}`);
  return result.value;
}

test('an activation device moves from one reader to another and carries its content', async (t) => {
  const hardware = new SimulatedHardware();
  t.teardown(() => hardware.close());
  const identity = await created({ activationReader: { kind: 'simulated', name: 'identity' } }, hardware);
  const cabin = await created({ activationReader: { kind: 'simulated', name: 'cabin-1' } }, hardware);
  t.teardown(async () => {
    await identity.close();
    await cabin.close();
  });
  const [identityReader, cabinReader] = [identity.activationReader, cabin.activationReader];
  if (identityReader === undefined || cabinReader === undefined) return t.fail();

  t.deepEqual(await hardware.execute({ action: 'activation.insert', reader: 'identity', device: 'dev-1' }), { ok: true, value: undefined });
  t.true((await identityReader.write(Uint8Array.of(7, 8))).ok);
  t.deepEqual(await hardware.execute({ action: 'activation.move', device: 'dev-1', reader: 'cabin-1' }), { ok: true, value: undefined });
  t.deepEqual(hardware.snapshot().activationDevices, [{ name: 'dev-1', capacity: hardware.activationDevice('dev-1').capacity, inReader: 'cabin-1' }]);
  t.deepEqual(await identityReader.presence(), { ok: true, value: { present: false } });
  const read = await cabinReader.read();
  t.deepEqual(read.ok && [...read.value], [7, 8]);

  await hardware.execute({ action: 'activation.insert', reader: 'identity', device: 'dev-2' });
  t.deepEqual(await hardware.execute({ action: 'activation.move', device: 'dev-2', reader: 'cabin-1' }), { ok: false, error: 'reader cabin-1 already holds a device' });
  t.deepEqual(await hardware.execute({ action: 'activation.move', device: 'nope', reader: 'cabin-1' }), { ok: false, error: 'no simulated activation device named nope' });
});

test('a USB medium moves to another port with its durable files; the source port is left empty', async (t) => {
  const hardware = new SimulatedHardware();
  t.teardown(() => hardware.close());
  const cabin = await created({ consolidation: { kind: 'simulated', name: 'cabin-usb' } }, hardware);
  const results = await created({ consolidation: { kind: 'simulated', name: 'results-usb', inserted: false } }, hardware);
  const [from, to] = [cabin.consolidation, results.consolidation];
  if (from === undefined || to === undefined) return t.fail();

  t.true((await from.writeFileAtomic('votos.json', Uint8Array.of(1, 2, 3))).ok);
  t.deepEqual(await hardware.execute({ action: 'usb.move', stick: 'results-usb', to: 'cabin-usb' }), { ok: false, error: 'USB port cabin-usb is occupied: remove its stick first' });
  t.deepEqual(await hardware.execute({ action: 'usb.move', stick: 'cabin-usb', to: 'results-usb' }), { ok: true, value: undefined });

  t.deepEqual(await from.detect(), { ok: true, value: { mounted: false } });
  t.deepEqual(await to.list(), { ok: true, value: ['votos.json'] });
  const copied = await to.readFile('votos.json');
  t.deepEqual(copied.ok && [...copied.value], [1, 2, 3]);
  t.like(hardware.snapshot().usbSticks, [{ name: 'cabin-usb', inserted: false }, { name: 'results-usb', inserted: true }]);
  t.deepEqual(await hardware.execute({ action: 'usb.insert', stick: 'cabin-usb' }), { ok: true, value: undefined });
  t.deepEqual(await from.list(), { ok: true, value: [] }, 'the source port holds no medium any more');
});

test('a finalized write-once medium stays finalized after a move', async (t) => {
  const hardware = new SimulatedHardware();
  t.teardown(() => hardware.close());
  const a = await created({ consolidation: { kind: 'simulated', name: 'a', writeOnce: true } }, hardware);
  const b = await created({ consolidation: { kind: 'simulated', name: 'b', writeOnce: true, inserted: false } }, hardware);
  const plain = await created({ consolidation: { kind: 'simulated', name: 'plain', inserted: false } }, hardware);
  const [from, to] = [a.consolidation, b.consolidation];
  if (from === undefined || to === undefined || plain.consolidation === undefined) return t.fail();
  t.true((await from.writeFileAtomic('acta.json', Uint8Array.of(4))).ok);
  t.true((await from.finalize()).ok);

  t.deepEqual(await hardware.execute({ action: 'usb.move', stick: 'a', to: 'plain' }), { ok: false, error: 'USB ports a and plain expect different media (write-once)' });
  t.deepEqual(await hardware.execute({ action: 'usb.move', stick: 'a', to: 'b' }), { ok: true, value: undefined });
  t.like(await to.detect(), { ok: true, value: { mounted: true, writeOnce: true, finalized: true } });
  t.like(hardware.snapshot().usbSticks.find((s) => s.name === 'b'), { finalized: true });
  t.like(await to.writeFileAtomic('otra.json', Uint8Array.of(5)), { ok: false });
  t.deepEqual(await to.list(), { ok: true, value: ['acta.json'] });
});
