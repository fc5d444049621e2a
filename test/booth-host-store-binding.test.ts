/**
 * The vote store belongs to one election package: bound at the first boot, and a cabin started
 * with another package on the same data dir goes out of service instead of voting into it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import Database from 'better-sqlite3';
import { openAuditLog } from '../shared/audit/log.ts';
import { sha256Hex } from '../shared/crypto/hash.ts';
import { generateKeySet, loadSigner, publicKeyFile } from '../shared/crypto/keyset.ts';
import { presidentSignerRole, writeMemberCredential } from '../shared/credentials/member-credential.ts';
import { encodeImage } from '../shared/devices/activation/device-image.ts';
import type { ElectionDefinition } from '../shared/election/definition.ts';
import { buildPackage, verifyPackageBytes } from '../shared/election/package.ts';
import { SimulatedHardware } from '../hardware-sim/control/simulated-hardware.ts';
import { startBoothHost, type BoothHost } from '../booth/host.ts';
import type { BoothHostConfig } from '../booth/host-config.ts';
import { screenOf } from '../booth/machine.ts';
import { selfCheckFailureText } from '../booth/machine-messages.ts';
import type { BoothScreen } from '../booth/machine-types.ts';
import { openVoteStore } from '../booth/vote-store.ts';
import { EG2026_OPEN_AT, loadEg2026 } from './helpers/booth-harness.ts';

const EG = loadEg2026();

function tempDir(t: ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a store binds to the first package hash it is given and refuses any other, across reopens', (t) => {
  const file = path.join(tempDir(t), 'votes.db');
  const first = sha256Hex('package A');
  const second = sha256Hex('package B');
  const opened = openVoteStore(file);
  if (!opened.ok) throw new Error('store');
  t.is(opened.value.boundPackageHash(), undefined);
  t.deepEqual(opened.value.bindToPackage(first), { ok: true, value: undefined });
  t.deepEqual(opened.value.bindToPackage(first), { ok: true, value: undefined }, 'idempotent');
  t.deepEqual(opened.value.bindToPackage(second), { ok: false, error: { kind: 'other-package', bound: first } });
  t.is(opened.value.bindToPackage('ABC').ok, false);
  opened.value.disconnect();

  const again = openVoteStore(file);
  if (!again.ok) throw new Error('store');
  t.is(again.value.boundPackageHash(), first);
  t.deepEqual(again.value.bindToPackage(second), { ok: false, error: { kind: 'other-package', bound: first } });
  again.value.disconnect();

  // Not even a direct edit of the file moves the binding (SQLite triggers).
  const raw = new Database(file);
  t.teardown(() => raw.close());
  t.throws(() => raw.prepare('UPDATE store_binding SET package_hash = ?').run(second), { any: true, message: /bound to one election package/u });
  t.throws(() => raw.prepare('DELETE FROM store_binding').run(), { any: true, message: /bound to one election package/u });
});

async function until(host: BoothHost, wanted: BoothScreen): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    await host.idle();
    if (screenOf(host.actor.getSnapshot()) === wanted) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`expected screen ${wanted}, still on ${screenOf(host.actor.getSnapshot())}`);
}

test('a cabin started with another election package on the same store is out of service, with a log entry; a re-signed same package is not another', async (t) => {
  const dir = tempDir(t);
  const keysDir = path.join(dir, 'keys');
  if (!generateKeySet(keysDir, { cabins: EG.mesa.cabins, members: EG.members.length }).ok) throw new Error('keys');
  const write = (definition: ElectionDefinition, name: string): string => {
    const built = buildPackage(definition, keysDir);
    if (!built.ok) throw new Error('package');
    const file = path.join(dir, name);
    fs.writeFileSync(file, built.value);
    return file;
  };
  const packageA = write(EG, 'a.vep');
  // Same election signed again with one detail changed: a different package, equally valid.
  const packageB = write({ ...EG, mesa: { ...EG.mesa, place: { ...EG.mesa.place, name: `${EG.mesa.place.name} (reubicado)` } } }, 'b.vep');
  const hardware = new SimulatedHardware();
  t.teardown(() => hardware.dispose());
  const config = (packagePath: string): BoothHostConfig => ({
    packagePath,
    rootPublicKeyFile: publicKeyFile(keysDir, 'onpe-root'),
    cabinId: 'cabin-1',
    dataDir: path.join(dir, 'data'),
    keysDir,
    devices: {
      activationReader: { kind: 'simulated', name: 'reader', timeoutMs: 3000 },
      consolidation: { kind: 'simulated', name: 'usb', writeOnce: false, inserted: true },
      printer: { kind: 'simulated-pty' },
    },
  });
  const clock = () => new Date(EG2026_OPEN_AT);

  const first = await startBoothHost(config(packageA), { hardware, clock });
  if (!first.ok) throw new Error('host A');
  t.teardown(() => first.value.close());
  await until(first.value, 'awaiting-puesta-a-cero');
  const root = JSON.parse(fs.readFileSync(publicKeyFile(keysDir, 'onpe-root'), 'utf8')) as { publicKey: string };
  const pkg = verifyPackageBytes(fs.readFileSync(packageA), new Uint8Array(Buffer.from(root.publicKey, 'base64')));
  const role = pkg.ok ? presidentSignerRole(pkg.value) : undefined;
  const president = role === undefined ? undefined : loadSigner(keysDir, role);
  if (role === undefined || president?.ok !== true) throw new Error('president');
  const credential = hardware.activationDevice('credential');
  credential.writeMemory(encodeImage(writeMemberCredential(president.value.seed, role)));
  hardware.activationReader('reader').insert(credential);
  await until(first.value, 'ready');
  hardware.activationReader('reader').pull();
  await first.value.close();

  const second = await startBoothHost(config(packageB), { hardware, clock });
  if (!second.ok) throw new Error('host B');
  t.teardown(() => second.value.close());
  await until(second.value, 'out-of-service');
  t.is(second.value.actor.getSnapshot().context.outOfServiceReason, selfCheckFailureText({ kind: 'store-other-package' }));
  t.is(
    second.value.actor.getSnapshot().context.outOfServiceReason,
    'El almacenamiento de votos corresponde a otro paquete electoral. Llame al personal de ONPE.',
  );
  await second.value.close();

  const log = openAuditLog(path.join(dir, 'data', 'audit.db'), { role: 'cabin-1', clock });
  if (!log.ok) throw new Error('audit log');
  const faults = log.value.entries().filter((e) => e.event === 'storage.fault').map((e) => e.message);
  log.value.close();
  t.is(faults.length, 1);
  t.regex(faults[0] ?? '', /vote store bound to another election package \(binding [0-9a-f]{64}\)/u);

  // The original package still opens the same store, and so does the same package re-signed by
  // ONPE with one more authorized software code (same definition and keys: same binding).
  const resigned = buildPackage(EG, keysDir, ['0'.repeat(64)]);
  if (!resigned.ok) throw new Error('re-signed package');
  const packageA2 = path.join(dir, 'a2.vep');
  fs.writeFileSync(packageA2, resigned.value);
  t.not(sha256Hex(resigned.value), sha256Hex(fs.readFileSync(packageA)), 'a different package file');
  for (const packagePath of [packageA, packageA2]) {
    const back = await startBoothHost(config(packagePath), { hardware, clock });
    if (!back.ok) throw new Error('host A again');
    t.teardown(() => back.value.close());
    await until(back.value, 'ready');
    await back.value.close();
  }
});
