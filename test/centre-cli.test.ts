import test from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_COPY_FILE_NAME } from '../shared/results/mesa-result.ts';
import { sendUnit } from '../shared/transmission/client.ts';
import { openOutbox, runOutboxOnce } from '../shared/transmission/queue.ts';
import { startCentre } from '../centre/service.ts';
import { ensureCentreTls } from '../centre/tls.ts';
import { buildMesa, must, sealResultUnit, tempDir } from './helpers/centre-harness.ts';
import { runCli, VEP_JS, REPO_ROOT } from './helpers/cli.ts';
import { EG2026 } from './helpers/ballots.ts';

test('end to end over HTTPS with the pinned certificate: mesa -> outbox -> centre -> `vep center tally` equals the acta', async (t) => {
  const tmp = tempDir(t);
  const keysDir = path.join(tmp, 'keys');
  const mesa = buildMesa(tmp, keysDir);
  const dbFile = path.join(tmp, 'centre.db');
  const centre = must(
    await startCentre({ packagePaths: [path.join(mesa.device.dir, PACKAGE_COPY_FILE_NAME)], keysDir, dbFile, real: false }),
  );
  t.teardown(() => centre.close());
  t.regex(centre.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const pinnedCert = fs.readFileSync(centre.certFile ?? '', 'utf8');

  // A certificate other than the centre's is refused by the client before anything is sent.
  const impostor = must(ensureCentreTls(path.join(tmp, 'impostor')));
  const wrongPin = await sendUnit(sealResultUnit(mesa), { url: centre.url, pinnedCert: impostor.cert });
  t.false(wrongPin.ok);
  if (!wrongPin.ok) t.false(wrongPin.error.requestSent);

  const outbox = must(openOutbox(path.join(tmp, 'outbox.db')));
  t.teardown(() => outbox.close());
  const item = must(outbox.enqueue(sealResultUnit(mesa), 0));
  const run = await runOutboxOnce({
    outbox,
    send: (unit) => sendUnit(unit, { url: centre.url, pinnedCert }),
    packageFor: () => mesa.pkg,
    now: () => 0,
  });
  t.is(run.acknowledged, 1);
  t.is(outbox.get(item.id)?.status, 'acknowledged');
  await centre.close();

  const tally = await runCli(['center', 'tally', '--db', dbFile]);
  t.is(tally.code, 0, tally.stderr);
  const national = tally.stdout.split('\nODPE ')[0] ?? '';
  const acta = mesa.device.acta.tally;
  t.true(national.includes(`mesas: 1   electronic ballots: ${acta.ballots}   Art. 23 blanks: ${acta.art23Blanks}`));
  const presidential = acta.contests.find((c) => c.contestId === 'presidencial');
  const top = [...(presidential?.organizations ?? [])].sort((a, b) => b.votes - a.votes || a.organization - b.organization)[0];
  const topName = EG2026.contests[0]?.organizations.find((o) => o.number === top?.organization)?.shortName ?? '';
  // The presidential block lists the leading organization with exactly the acta's votes, and the same emitted total.
  const block = national.slice(national.indexOf('[presidencial]'));
  t.true(block.includes(`${String(top?.organization).padStart(3)} ${topName.padEnd(24)} ${String(top?.votes).padStart(10)}`));
  t.true(block.includes(`${'emitted'.padEnd(24)} ${String(presidential?.emitted).padStart(10)}`));
  t.true(tally.stdout.includes(`ODPE ${EG2026.mesa.odpe.code} ${EG2026.mesa.odpe.name}`));
  t.true(tally.stdout.includes('CONFLICTS: 0'));
});

test('`vep center serve` refuses to start a real-election centre with a simulacro package, with the reason', async (t) => {
  const tmp = tempDir(t);
  const keysDir = path.join(tmp, 'keys');
  const mesa = buildMesa(tmp, keysDir);
  const run = await runCli([
    'center', 'serve', '--real', '--package', path.join(mesa.device.dir, PACKAGE_COPY_FILE_NAME),
    '--keys', keysDir, '--db', path.join(tmp, 'c.db'), '--port', '0',
  ]);
  t.is(run.code, 1);
  t.regex(run.stderr, /vep center serve: package for mesa 041287 \(.*\) is a simulacro package: a real-election centre \(--real\) does not load it/);
});

test('`vep center serve` runs until SIGTERM and prints the URL and the certificate to pin', async (t) => {
  const tmp = tempDir(t);
  const keysDir = path.join(tmp, 'keys');
  const mesa = buildMesa(tmp, keysDir);
  const child = spawn(
    process.execPath,
    [VEP_JS, 'center', 'serve', '--package', mesa.device.dir, '--keys', keysDir, '--db', path.join(tmp, 'c.db'), '--port', '0'],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.teardown(() => child.kill('SIGKILL'));
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (https:\/\/127\.0\.0\.1:\d+)\n[\s\S]*certificate to pin: (.*)\n/.exec(out);
      if (m?.[1] !== undefined) resolve(m[1]);
    });
    child.on('exit', () => reject(new Error(`serve exited: ${out} ${err}`)));
  });
  const pinnedCert = fs.readFileSync(path.join(keysDir, 'centre-tls', 'cert.pem'), 'utf8');
  const sent = must(await sendUnit(sealResultUnit(mesa), { url, pinnedCert }));
  t.is(sent.status, 200);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  t.is(await exited, 0);
  t.regex(err, /acknowledged mesa-result of mesa 041287 \(receipt 1\)/);
});
