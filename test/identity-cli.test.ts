import test from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, VEP_JS } from './helpers/cli.ts';
import { generateKeySet, publicKeyFile } from '../shared/crypto/keyset.ts';
import { loadElectionDefinitionFile } from '../shared/election/definition.ts';
import { buildPackage } from '../shared/election/package.ts';
import { IDENTITY_AUDIT_FILE } from '../identity-station/host.ts';
import { currentSoftwareVersionCode } from '../shared/software/version-code.ts';

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-identity-cli-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('vep identity run refuses a missing or invalid configuration with a message', async (t) => {
  const dir = tempDir(t);
  const missing = await runCli(['identity', 'run', '--config', path.join(dir, 'none.json')]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /cannot read .*none\.json/);
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, JSON.stringify({ packagePath: 'p.vep', dataDir: '' }));
  const invalid = await runCli(['identity', 'run', '--config', bad]);
  t.is(invalid.code, 1);
  t.regex(invalid.stderr, /invalid configuration/);
  t.regex(invalid.stderr, /dataDir:/);
  t.regex(invalid.stderr, /rootPublicKeyFile:/);
});

test('vep identity run refuses a configuration without a printer', async (t) => {
  const dir = tempDir(t);
  const config = path.join(dir, 'identity.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      packagePath: path.join(dir, 'p.vep'),
      rootPublicKeyFile: path.join(dir, 'root.json'),
      dataDir: path.join(dir, 'data'),
      keysDir: path.join(dir, 'keys'),
      devices: { activationReader: { kind: 'simulated', name: 'reader' }, consolidation: { kind: 'simulated', name: 'usb' } },
    }),
  );
  const run = await runCli(['identity', 'run', '--config', config]);
  t.is(run.code, 1);
  t.regex(run.stderr, /no printer device/);
});

test('vep identity run serves the president screen on 127.0.0.1 and stops cleanly on SIGTERM', async (t) => {
  const dir = tempDir(t);
  const keysDir = path.join(dir, 'keys');
  t.true(generateKeySet(keysDir).ok);
  const def = loadElectionDefinitionFile(path.join('test', 'fixtures', 'eg2026', 'definition.json'));
  if (!def.ok) throw new Error('fixture');
  const built = buildPackage(def.value, keysDir);
  if (!built.ok) throw new Error('package');
  const packagePath = path.join(dir, 'election.pkg');
  fs.writeFileSync(packagePath, built.value);
  const dataDir = path.join(dir, 'data');
  const config = path.join(dir, 'identity.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      packagePath,
      rootPublicKeyFile: publicKeyFile(keysDir, 'onpe-root'),
      dataDir,
      keysDir,
      devices: {
        activationReader: { kind: 'simulated', name: 'reader' },
        printer: { kind: 'simulated-pty' },
        consolidation: { kind: 'simulated', name: 'usb' },
      },
    }),
  );
  const child = spawn(process.execPath, [VEP_JS, 'identity', 'run', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let errOut = '';
    child.stderr.on('data', (c: Buffer) => (errOut += c.toString('utf8')));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const found = /identity station screen: (\S+)/.exec(out);
      if (found?.[1] !== undefined) resolve(found[1]);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out} ${errOut}`)));
  });
  t.regex(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const page = await (await fetch(url)).text();
  t.regex(page, /<html/i);
  // The mesa data (shown for the president to confirm) carry the software code the station verified.
  const view = (await (await fetch(new URL('view', url))).json()) as { mesa: { softwareCode: string | null } };
  t.is(view.mesa.softwareCode, currentSoftwareVersionCode());
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  t.is(await exit, 0);
  t.true(fs.existsSync(path.join(dataDir, IDENTITY_AUDIT_FILE)), 'the station opened its audit log under the data dir');
});
