import test from 'ava';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { MESA_RESULT_FILE_NAME, PACKAGE_COPY_FILE_NAME } from '../shared/results/mesa-result.ts';
import { startCentre } from '../centre/service.ts';
import { buildMesa, must, tempDir } from './helpers/centre-harness.ts';
import { runCliInProcess } from './helpers/cli.ts';

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

test('`vep transmission send`: centre down leaves result and image queued (exit 3); a rerun with the centre up sends both (exit 0) and the centre counts the mesa once', async (t) => {
  const tmp = tempDir(t);
  const keysDir = path.join(tmp, 'keys');
  const mesa = buildMesa(tmp, keysDir);
  const image = path.join(tmp, 'acta-odpe.png');
  fs.writeFileSync(image, Buffer.from([0x89, 0x50, 0x4e, 0x47, 9, 9, 9]));
  const port = await freePort();
  const dbFile = path.join(tmp, 'centre.db');
  // Make the certificate first so the station can be given it while the centre is down.
  const first = must(await startCentre({ packagePaths: [path.join(mesa.device.dir, PACKAGE_COPY_FILE_NAME)], keysDir, dbFile, real: false, port }));
  await first.close();
  const cert = path.join(keysDir, 'centre-tls', 'cert.pem');
  const args = [
    'transmission', 'send', '--device', mesa.device.dir, '--keys', keysDir, '--outbox', path.join(tmp, 'outbox.db'),
    '--centre', `https://127.0.0.1:${port}`, '--cert', cert, '--image', image,
  ];

  const down = await runCliInProcess([...args, '--wait', '0']);
  t.is(down.code, 3, down.stderr);
  t.regex(down.stdout, /mesa 041287 mesa-result: pending \(computing centre unreachable: ECONNREFUSED\)/);
  t.regex(down.stdout, /mesa 041287 acta-image: pending/);

  const centre = must(await startCentre({ packagePaths: [mesa.device.dir], keysDir, dbFile, real: false, port }));
  t.teardown(() => centre.close());
  const up = await runCliInProcess([...args, '--wait', '30']);
  t.is(up.code, 0, up.stderr);
  t.is(up.stdout, 'mesa 041287 mesa-result: acknowledged\nmesa 041287 acta-image: acknowledged\n');
  const again = await runCliInProcess([...args, '--wait', '30']);
  t.is(again.code, 0, 'a repeat is acknowledged, not a new result');
  await centre.close();
  const tally = await runCliInProcess(['center', 'tally', '--db', dbFile]);
  t.true(tally.stdout.includes(`mesas: 1   electronic ballots: ${mesa.device.acta.tally.ballots} `));
});

test('`vep transmission send` hands back a device with no result, sending nothing', async (t) => {
  const tmp = tempDir(t);
  const keysDir = path.join(tmp, 'keys');
  const mesa = buildMesa(tmp, keysDir);
  fs.rmSync(path.join(mesa.device.dir, MESA_RESULT_FILE_NAME));
  const run = await runCliInProcess([
    'transmission', 'send', '--device', mesa.device.dir, '--keys', keysDir, '--outbox', path.join(tmp, 'o.db'), '--centre', 'http://127.0.0.1:9',
  ]);
  t.is(run.code, 1);
  t.is(run.stderr, 'vep transmission send: device refused: it holds no resultado-mesa.vep (no results to transmit)\n');
  t.false(fs.existsSync(path.join(tmp, 'o.db')), 'nothing was queued');
});
