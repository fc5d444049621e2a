import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FsConsolidationDevice, TEMP_PREFIX } from '../shared/devices/consolidation/fs-consolidation-device.ts';
import { nodeFileSystem } from '../shared/devices/consolidation/file-system.ts';
import { validateFileName } from '../shared/devices/consolidation/file-name.ts';
import { SimulatedUsbStick, type UsbStep, type SimulatedUsbStickOptions } from '../hardware-sim/usb/simulated-usb-stick.ts';
import type { ExecutionContext } from 'ava';

const OLD = new TextEncoder().encode('{"old":true}');
const NEW = new Uint8Array(200_000).map((_, i) => (i * 7) & 0xff); // several write chunks

function setup(t: ExecutionContext, options: SimulatedUsbStickOptions = {}) {
  const stick = new SimulatedUsbStick(options);
  t.teardown(() => stick.dispose());
  const device = new FsConsolidationDevice(stick.fileSystem(), {
    mountPath: stick.mountPath,
    writeOnce: options.writeOnce ?? false,
    eject: async () => {
      await stick.remove();
      return { ok: true, value: undefined };
    },
  });
  return { stick, device };
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

test('detect, write, read, list and delete', async (t) => {
  const { device } = setup(t, { label: 'MESA-001234' });
  const status = await device.detect();
  t.like(status, { ok: true, value: { mounted: true, label: 'MESA-001234', writeOnce: false, finalized: false } });
  t.true((await device.writeFileAtomic('b.json', OLD)).ok);
  t.true((await device.writeFileAtomic('a.json', NEW)).ok);
  t.true((await device.writeFileAtomic('a.json', OLD)).ok, 'overwrite allowed on ordinary media');
  t.deepEqual(await device.list(), { ok: true, value: ['a.json', 'b.json'] });
  const read = await device.readFile('a.json');
  t.true(read.ok && same(read.value, OLD));
  t.deepEqual(await device.deleteFile('b.json'), { ok: true, value: undefined });
  t.deepEqual(await device.readFile('b.json'), { ok: false, error: { kind: 'not-found', name: 'b.json' } });
  t.deepEqual(await device.deleteFile('b.json'), { ok: false, error: { kind: 'not-found', name: 'b.json' } });
});

test('file names are validated', async (t) => {
  const { device } = setup(t);
  for (const bad of ['', '../x', 'a/b', 'a\\b', '.hidden', 'x..y', 'x.', 'ñandú.json', 'a b', 'a'.repeat(101), `${TEMP_PREFIX}abc`]) {
    t.false(validateFileName(bad).ok, bad);
    const result = await device.writeFileAtomic(bad, OLD);
    t.is(result.ok ? 'ok' : result.error.kind, 'invalid-name', bad);
  }
  for (const good of ['acta-000123.json', 'R_1.bin', '0']) t.true(validateFileName(good).ok, good);
});

test('list hides temporaries, dot files and directories', async (t) => {
  const { stick, device } = setup(t);
  fs.writeFileSync(path.join(stick.mountPath, `${TEMP_PREFIX}0011`), 'partial');
  fs.writeFileSync(path.join(stick.mountPath, '.Trashes'), '');
  fs.mkdirSync(path.join(stick.mountPath, 'System Volume Information'));
  fs.mkdirSync(path.join(stick.mountPath, 'dir'));
  t.true((await device.writeFileAtomic('ok.json', OLD)).ok);
  t.deepEqual(await device.list(), { ok: true, value: ['ok.json'] });
  t.false((await stick.rawFiles().catch(() => new Map())).has(`${TEMP_PREFIX}0011`), 'stale temporaries are swept');
});

async function checkNoPartial(t: ExecutionContext, stick: SimulatedUsbStick, device: FsConsolidationDevice, before: Uint8Array | undefined, label: string) {
  stick.clearFaults();
  stick.insert();
  const list = await device.list();
  t.true(list.ok, label);
  if (!list.ok) return 'error';
  t.false(list.value.some((n) => n.startsWith('.')), label);
  const read = await device.readFile('acta.json');
  const raw = (await stick.rawFiles()).get('acta.json');
  if (!read.ok) {
    t.is(read.error.kind, 'not-found', label);
    t.is(before, undefined, `${label}: the old file must survive`);
    t.is(raw, undefined, label);
    t.false(list.value.includes('acta.json'), label);
    return 'absent';
  }
  t.true(list.value.includes('acta.json'), label);
  t.true(raw !== undefined && same(raw, read.value), label);
  if (same(read.value, NEW)) return 'new';
  t.true(before !== undefined && same(read.value, before), `${label}: neither old nor new content`);
  return 'old';
}

for (const before of [undefined, OLD]) {
  const scenario = before === undefined ? 'new file' : 'overwrite';

  test(`${scenario}: pulling the stick before every step of writeFileAtomic never exposes a partial file`, async (t) => {
    const outcomes = new Set<string>();
    let index = 0;
    for (; index < 100; index++) {
      const { stick, device } = setup(t);
      if (before !== undefined) t.true((await device.writeFileAtomic('acta.json', before)).ok);
      stick.injectFault({ type: 'remove-before-op', index });
      const result = await device.writeFileAtomic('acta.json', NEW);
      if (result.ok) {
        t.is(await checkNoPartial(t, stick, device, before, `op ${index}`), 'new');
        break;
      }
      t.deepEqual(result.error, { kind: 'device-removed' }, `op ${index}`);
      outcomes.add(await checkNoPartial(t, stick, device, before, `op ${index}`));
    }
    t.true(index > 6, `the write went through ${index} steps`);
    t.deepEqual([...outcomes], [before === undefined ? 'absent' : 'old']);
  });

  test(`${scenario}: pulled before and after each named step, and at bytes within the data`, async (t) => {
    const steps: UsbStep[] = ['create', 'write', 'sync', 'close', 'rename', 'sync-dir'];
    const outcomes = new Map<string, string>();
    for (const step of steps) {
      for (const when of ['remove-before', 'remove-after'] as const) {
        const { stick, device } = setup(t);
        if (before !== undefined) t.true((await device.writeFileAtomic('acta.json', before)).ok);
        stick.injectFault({ type: when, step });
        const result = await device.writeFileAtomic('acta.json', NEW);
        const label = `${when} ${step}`;
        if (!result.ok) t.deepEqual(result.error, { kind: 'device-removed' }, label);
        outcomes.set(label, await checkNoPartial(t, stick, device, before, label));
        if (result.ok) t.is(outcomes.get(label), 'new', label);
      }
    }
    // Only a write whose directory entry was made durable survives the pull.
    t.is(outcomes.get('remove-after sync-dir'), 'new');
    t.is(outcomes.get('remove-after rename'), before === undefined ? 'absent' : 'old', 'an unsynced rename is undone');
    for (const byte of [0, 1, 4096, 65_536, 65_537, NEW.length - 1]) {
      const { stick, device } = setup(t);
      if (before !== undefined) t.true((await device.writeFileAtomic('acta.json', before)).ok);
      stick.injectFault({ type: 'remove-at-byte', byte });
      t.deepEqual(await device.writeFileAtomic('acta.json', NEW), { ok: false, error: { kind: 'device-removed' } }, `byte ${byte}`);
      t.is(await checkNoPartial(t, stick, device, before, `byte ${byte}`), before === undefined ? 'absent' : 'old');
    }
  });
}

test('a full stick refuses the write and leaves nothing partial', async (t) => {
  const { stick, device } = setup(t, { capacityBytes: 150_000 });
  t.true((await device.writeFileAtomic('small.json', OLD)).ok);
  t.deepEqual(await device.writeFileAtomic('acta.json', NEW), { ok: false, error: { kind: 'full' } });
  t.deepEqual([...(await stick.rawFiles()).keys()], ['small.json']);
  const status = await device.detect();
  t.true(status.ok && status.value.mounted && status.value.freeBytes === 150_000 - OLD.length);
});

test('read-only media: writes refused, reads allowed', async (t) => {
  const { stick, device } = setup(t);
  t.true((await device.writeFileAtomic('acta.json', OLD)).ok);
  stick.setReadOnly(true);
  t.deepEqual(await device.writeFileAtomic('other.json', OLD), { ok: false, error: { kind: 'read-only' } });
  t.deepEqual(await device.deleteFile('acta.json'), { ok: false, error: { kind: 'read-only' } });
  const read = await device.readFile('acta.json');
  t.true(read.ok && same(read.value, OLD));
});

test('write-once: no overwrite, no delete, nothing after finalize, even across a re-insertion', async (t) => {
  const { stick, device } = setup(t, { writeOnce: true });
  t.true((await device.writeFileAtomic('backup-1.json', OLD)).ok);
  t.deepEqual(await device.writeFileAtomic('backup-1.json', NEW), { ok: false, error: { kind: 'exists', name: 'backup-1.json' } });
  t.deepEqual(await device.deleteFile('backup-1.json'), { ok: false, error: { kind: 'write-once', name: 'backup-1.json' } });
  t.true((await device.writeFileAtomic('backup-2.json', NEW)).ok);
  t.deepEqual(await device.finalize(), { ok: true, value: undefined });
  t.deepEqual(await device.writeFileAtomic('backup-3.json', OLD), { ok: false, error: { kind: 'finalized' } });
  t.deepEqual(await device.finalize(), { ok: false, error: { kind: 'finalized' } });
  await stick.remove();
  stick.insert();
  t.like(await device.detect(), { ok: true, value: { mounted: true, writeOnce: true, finalized: true } });
  t.deepEqual(await device.writeFileAtomic('backup-3.json', OLD), { ok: false, error: { kind: 'finalized' } });
  t.deepEqual(await device.list(), { ok: true, value: ['backup-1.json', 'backup-2.json'] });
  const first = await device.readFile('backup-1.json');
  t.true(first.ok && same(first.value, OLD));
});

test('write-once media enforces its rules itself, whatever the driver does', async (t) => {
  const { stick, device } = setup(t, { writeOnce: true });
  t.true((await device.writeFileAtomic('backup-1.json', OLD)).ok);
  const raw = stick.fileSystem();
  const file = path.join(stick.mountPath, 'backup-1.json');
  const temp = path.join(stick.mountPath, `${TEMP_PREFIX}x`);
  const handle = await raw.createExclusive(temp);
  await handle.write(NEW);
  await handle.sync();
  await handle.close();
  await t.throwsAsync(raw.rename(temp, file), { message: /EEXIST/ });
  await t.throwsAsync(raw.unlink(file), { message: /EPERM/ });
  await raw.unlink(temp);
  // A driver that believes the media is ordinary is still refused.
  const careless = new FsConsolidationDevice(raw, { mountPath: stick.mountPath });
  t.deepEqual(await careless.writeFileAtomic('backup-1.json', NEW), { ok: false, error: { kind: 'exists', name: 'backup-1.json' } });
  t.true((await device.finalize()).ok);
  t.deepEqual(await careless.writeFileAtomic('later.json', NEW), { ok: false, error: { kind: 'read-only' } });
  const read = await device.readFile('backup-1.json');
  t.true(read.ok && same(read.value, OLD));
});

test('corruption faults flip bytes on read or in the stored file', async (t) => {
  const { stick, device } = setup(t);
  t.true((await device.writeFileAtomic('acta.json', OLD)).ok);
  stick.injectFault({ type: 'corrupt-next-read', offset: 3 });
  const flaky = await device.readFile('acta.json');
  t.true(flaky.ok && !same(flaky.value, OLD) && flaky.value.length === OLD.length);
  const clean = await device.readFile('acta.json');
  t.true(clean.ok && same(clean.value, OLD));
  await stick.corruptStored('acta.json', 0);
  const damaged = await device.readFile('acta.json');
  t.true(damaged.ok && damaged.value[0] === ((OLD[0] ?? 0) ^ 0xff));
});

test('missing, pulled and ejected media are typed', async (t) => {
  const { stick, device } = setup(t);
  await stick.remove();
  t.deepEqual(await device.detect(), { ok: true, value: { mounted: false } });
  t.deepEqual(await device.writeFileAtomic('a.json', OLD), { ok: false, error: { kind: 'not-mounted' } });
  t.deepEqual(await device.list(), { ok: false, error: { kind: 'not-mounted' } });
  stick.insert();
  t.true((await device.writeFileAtomic('a.json', OLD)).ok);
  t.deepEqual(await device.eject(), { ok: true, value: undefined });
  t.deepEqual(await device.readFile('a.json'), { ok: false, error: { kind: 'not-mounted' } });
  stick.insert();
  const back = await device.readFile('a.json');
  t.true(back.ok && same(back.value, OLD), 'the stick plugged in again is usable');
});

test('oversized files are refused on read', async (t) => {
  const stick = new SimulatedUsbStick();
  t.teardown(() => stick.dispose());
  const device = new FsConsolidationDevice(stick.fileSystem(), { mountPath: stick.mountPath, maxReadBytes: 100 });
  t.true((await device.writeFileAtomic('big.bin', new Uint8Array(101))).ok);
  t.deepEqual(await device.readFile('big.bin'), { ok: false, error: { kind: 'too-large', size: 101, max: 100 } });
});

test('real driver over a plain directory, and mount-point detection', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const device = new FsConsolidationDevice(nodeFileSystem({ requireMountPoint: false }), { mountPath: dir });
  t.true((await device.writeFileAtomic('acta.json', NEW)).ok);
  const read = await device.readFile('acta.json');
  t.true(read.ok && same(read.value, NEW));
  t.deepEqual(fs.readdirSync(dir), ['acta.json']);
  const strict = new FsConsolidationDevice(nodeFileSystem({ requireMountPoint: true }), { mountPath: dir });
  t.deepEqual(await strict.detect(), { ok: true, value: { mounted: false } }, 'a plain directory is not a mounted stick');
  const root = await new FsConsolidationDevice(nodeFileSystem({ requireMountPoint: true }), { mountPath: '/' }).detect();
  t.true(root.ok && root.value.mounted, 'the root file system is a mount point');
  const missing = new FsConsolidationDevice(nodeFileSystem({ requireMountPoint: false }), { mountPath: path.join(dir, 'nope') });
  t.deepEqual(await missing.detect(), { ok: true, value: { mounted: false } });
});

test('the simulated stick is strict: skipping the file fsync would expose an empty file', async (t) => {
  const { stick } = setup(t);
  const raw = stick.fileSystem();
  const temp = path.join(stick.mountPath, `${TEMP_PREFIX}naive`);
  const file = await raw.createExclusive(temp);
  await file.write(NEW);
  await file.close(); // no sync: the data is still volatile
  await raw.rename(temp, path.join(stick.mountPath, 'acta.json'));
  await raw.syncDirectory(stick.mountPath);
  await stick.remove();
  stick.insert();
  t.is((await stick.rawFiles()).get('acta.json')?.length, 0, 'what a naive writer would leave behind');
});
