/**
 * A device handed back "claimed but not consumed": a cabin accepted the token (activation-claimed
 * mark) and the device left it before the consumed mark was written. The cabin may have committed
 * the ballot or not, so the identity station records neither a vote nor Art. 23: it names the
 * claiming cabin, leaves the device untouched and the voter still holding it, and logs the fact
 * without DNI or nonce. The claiming cabin then closes it (here: marks it consumed) and the device
 * is recorded as usual.
 */
import path from 'node:path';
import test from 'ava';
import { markClaimed } from '../shared/activation/device-state.ts';
import { openAuditLog } from '../shared/audit/log.ts';
import { loadSigner } from '../shared/crypto/keyset.ts';
import { encodeImage } from '../shared/devices/activation/device-image.ts';
import { IDENTITY_AUDIT_FILE } from '../identity-station/host.ts';
import { identityView } from '../identity-station/ui/view-model.ts';
import { consume, contentOf, handBack, installed, issue, makeWorld, stateOf, titulares, until, type World } from './helpers/identity-host-world.ts';

function auditEvents(world: World): { event: string; message: string }[] {
  const log = openAuditLog(path.join(world.config.dataDir, IDENTITY_AUDIT_FILE), { role: 'identity', clock: () => new Date(world.now) });
  if (!log.ok) throw new Error('audit log');
  const entries = log.value.entries().map((e) => ({ event: e.event, message: e.message }));
  log.value.close();
  return entries;
}

test('a device claimed by cabin 2 and not consumed: distinct screen naming cabin 2, nothing recorded, the voter still holds it until the cabin closes it', async (t) => {
  const world = makeWorldWithTwoCabins(t);
  const [presidente] = titulares(world.definition);
  const host = await installed(t, world);
  const device = world.hardware.activationDevice('a');
  const nonce = await issue(world, host, presidente, device);
  const tokenBytes = contentOf(device);
  const cabin = loadSigner(world.keysDir, 'cabin-2');
  if (!cabin.ok) throw new Error('cabin-2 key');
  const claimed = markClaimed(tokenBytes, cabin.value);
  device.writeMemory(encodeImage(claimed));
  t.is(stateOf(world, device).state, 'invalid', 'readDeviceState never reports a claim as an unused token');

  handBack(world, host, presidente, device);
  await until(host, 'device-claimed');
  const snapshot = host.actor.getSnapshot();
  t.is(snapshot.context.claimingCabin, 2);
  const view = identityView(snapshot, world.definition);
  t.is(
    view.refusal,
    'Este dispositivo fue reclamado por la cabina 2 y no registra voto terminado: llévelo a la cabina 2 para que lo cierre (registra el voto o lo libera).',
  );
  t.is(snapshot.context.outstandingDevices, 1, 'the voter still holds the device');
  t.deepEqual(contentOf(device), claimed, 'the device is not erased nor rewritten');
  host.send({ type: 'DONE' });
  await until(host, 'awaiting-dni');
  t.is(host.actor.getSnapshot().context.claimingCabin, null, 'wiped with the voter');

  const logged = auditEvents(world);
  const claimEntry = logged.find((e) => e.event === 'device.refused' && e.message.includes('claimed by cabin 2'));
  t.truthy(claimEntry, 'the claimed device is logged');
  for (const entry of logged) {
    t.false(entry.message.includes(presidente), 'no DNI in the log');
    t.false(entry.message.includes(nonce), 'no nonce in the log');
  }
  t.false(logged.some((e) => e.event === 'token.voided'), 'no Art. 23 recorded');

  // Cabin 2 closes it (the vote was committed): the device comes back consumed and is recorded.
  // recordVoted succeeds only for a voter the store still marks as holding a device and not voted,
  // so this also proves the claimed return recorded nothing.
  consume(world, device, nonce, 'cabin-2');
  handBack(world, host, presidente, device);
  await until(host, 'voted-recorded');
  t.is(host.actor.getSnapshot().context.outstandingDevices, 0);
});

function makeWorldWithTwoCabins(t: Parameters<typeof installed>[0]): World {
  const world = makeWorld(t);
  if (world.definition.mesa.cabins < 2) throw new Error('the eg2026 fixture has two cabins');
  return world;
}
