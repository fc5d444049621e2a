/**
 * The identity station with a DNI reader (keyboard-wedge barcode reader, simulated over HID):
 * a reading is the same action as the DNI typed and submitted. Members are registered by
 * scanning their DNI during installation; a voter scanned on the idle screen is checked in and
 * gets a device; bad readings (7 or 9 digits, letters, a garbled frame) leave the station on the
 * idle screen with the reader's Spanish text, and nothing is checked. No reading reaches the
 * audit log.
 */
import path from 'node:path';
import test from 'ava';
import { openAuditLog } from '../shared/audit/log.ts';
import { IDENTITY_AUDIT_FILE } from '../identity-station/host.ts';
import { identityView } from '../identity-station/ui/view-model.ts';
import type { IdentityHost } from '../identity-station/host.ts';
import {
  eventually,
  makeWorld,
  start,
  titulares,
  until,
  withCredential,
  screen,
  type World,
} from './helpers/identity-host-world.ts';

function worldWithReader(t: Parameters<typeof makeWorld>[0]): World {
  const base = makeWorld(t);
  return { ...base, config: { ...base.config, devices: { ...base.config.devices, dniReader: { kind: 'simulated', name: 'dni' } } } };
}

const refusal = (world: World, host: IdentityHost) => identityView(host.actor.getSnapshot(), world.definition).refusal;

test('scanned DNIs register the members and check a voter in; bad readings are refused like a bad typed DNI', async (t) => {
  const world = worldWithReader(t);
  const host = await start(t, world);
  const scanner = world.hardware.dniReader('dni');
  await eventually(() => world.hardware.snapshot().dniReaders.some((r) => r.name === 'dni' && r.open), 'DNI reader opened by the host');

  await until(host, 'confirm-mesa-data');
  host.send({ type: 'CONFIRM_MESA_DATA' });
  await until(host, 'installation');
  // A garbled reading during installation: refused with the reader's text, nobody registered.
  scanner.scanGarbled(titulares(world.definition)[0]);
  await eventually(() => refusal(world, host) !== null, 'garbled member reading refused');
  t.regex(refusal(world, host) ?? '', /incompleta o dañada/);
  t.is(host.actor.getSnapshot().context.members.length, 0);
  for (const dni of titulares(world.definition)) scanner.scan(dni);
  await eventually(() => host.actor.getSnapshot().context.members.length === 3, 'three members registered by scanning');
  t.is(refusal(world, host), null);
  host.send({ type: 'INSTALL', credential: await withCredential(world, host) });
  await until(host, 'awaiting-dni');

  // Bad readings: each leaves the idle screen with its own text and starts no check.
  const president = titulares(world.definition)[0];
  const bad: Array<[() => void, RegExp]> = [
    [() => scanner.scan(president.slice(0, 7)), /tiene 7 dígitos y un DNI tiene 8/],
    [() => scanner.scan(`${president}9`), /tiene 9 dígitos y un DNI tiene 8/],
    [() => scanner.scan('1234567A'), /contiene letras/],
    [() => scanner.scanGarbled(president), /incompleta o dañada/],
  ];
  for (const [scan, text] of bad) {
    scan();
    await eventually(() => text.test(refusal(world, host) ?? ''), `refusal ${String(text)}`);
    t.is(screen(host), 'awaiting-dni');
    t.is(host.actor.getSnapshot().context.currentDni, null);
  }

  // A good reading: one action, straight to the verdict (the president votes first).
  const writer = world.hardware.activationReader('writer');
  writer.pull();
  writer.insert(world.hardware.activationDevice('blank-1'));
  scanner.scan(president);
  await until(host, 'voter-may-vote');
  t.is(String(host.actor.getSnapshot().context.currentDni), president);
  t.is(refusal(world, host), null);
  host.send({ type: 'ISSUE_DEVICE' });
  await until(host, 'device-out');
  t.is(host.actor.getSnapshot().context.outstandingDevices, 1);
  host.send({ type: 'DONE' });
  await until(host, 'awaiting-dni');

  // A reading on a screen without a DNI field is ignored (no DNI is asked for there).
  host.send({ type: 'DEVICE_RETURNED', dni: president });
  await until(host, 'art23-choice'); // the device came back with its token unused
  scanner.scan(titulares(world.definition)[1]);
  // The link delivers each report in its own setImmediate, all queued by scan(): a few rounds let them all arrive.
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  t.is(screen(host), 'art23-choice');
  t.is(String(host.actor.getSnapshot().context.currentDni), president);
  host.send({ type: 'LET_TRY_AGAIN' });
  await until(host, 'awaiting-dni');
  t.is(refusal(world, host), null);

  await host.close();
  const log = openAuditLog(path.join(world.config.dataDir, IDENTITY_AUDIT_FILE), { role: 'identity', clock: () => new Date(world.now) });
  if (!log.ok) throw new Error('audit log');
  const entries = JSON.stringify(log.value.entries());
  log.value.close();
  t.true(entries.includes('DNI reader connected'));
  for (const dni of titulares(world.definition)) t.false(entries.includes(dni), 'no scanned DNI in the audit log');
});

test('a station without a DNI reader starts as before (typing only); an unplugged reader is reopened', async (t) => {
  const plain = makeWorld(t);
  const host = await start(t, plain);
  t.is(host.devices.dniReader, undefined);
  await until(host, 'confirm-mesa-data');
  await host.close();

  const world = worldWithReader(t);
  const withReader = await start(t, world);
  const scanner = world.hardware.dniReader('dni');
  await eventually(() => world.hardware.snapshot().dniReaders.some((r) => r.open), 'opened');
  scanner.unplug();
  await eventually(() => !world.hardware.snapshot().dniReaders.some((r) => r.open), 'lost');
  scanner.replug();
  // Reopened after DNI_READER_RECONNECT_MS (real time: it paces device I/O, not the schedule).
  await eventually(() => world.hardware.snapshot().dniReaders.some((r) => r.open), 'reopened after replug');
  await until(withReader, 'confirm-mesa-data');
  withReader.send({ type: 'CONFIRM_MESA_DATA' });
  await until(withReader, 'installation');
  scanner.scan(titulares(world.definition)[0]);
  await eventually(() => withReader.actor.getSnapshot().context.members.length === 1, 'member registered after the reader came back');
});
