import test from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, VEP_JS } from './helpers/cli.ts';
import { generateKeySet, publicKeyFile } from '../shared/crypto/keyset.ts';
import { loadElectionDefinitionFile } from '../shared/election/definition.ts';
import { buildPackage } from '../shared/election/package.ts';

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-booth-cli-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('vep booth run refuses a missing or invalid configuration with a message', async (t) => {
  const dir = tempDir(t);
  const missing = await runCli(['booth', 'run', '--config', path.join(dir, 'none.json')]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /cannot read .*none\.json/);
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, JSON.stringify({ cabinId: 'cabina-uno' }));
  const invalid = await runCli(['booth', 'run', '--config', bad]);
  t.is(invalid.code, 1);
  t.regex(invalid.stderr, /invalid configuration/);
  t.regex(invalid.stderr, /cabinId: must be cabin-N/);
});

test('vep booth prepare-audio refuses a configuration without a clip cache or with an unverifiable package', async (t) => {
  const dir = tempDir(t);
  const keysDir = path.join(dir, 'keys');
  t.true(generateKeySet(keysDir).ok);
  const base = {
    packagePath: path.join(dir, 'missing.pkg'),
    rootPublicKeyFile: publicKeyFile(keysDir, 'onpe-root'),
    cabinId: 'cabin-1',
    dataDir: path.join(dir, 'data'),
    keysDir,
    devices: {},
  };
  const noCache = path.join(dir, 'no-cache.json');
  fs.writeFileSync(noCache, JSON.stringify(base));
  const refused = await runCli(['booth', 'prepare-audio', '--config', noCache]);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /has no audioCacheDir/);
  const badPackage = path.join(dir, 'bad-package.json');
  fs.writeFileSync(badPackage, JSON.stringify({ ...base, audioCacheDir: path.join(dir, 'audio') }));
  const unverified = await runCli(['booth', 'prepare-audio', '--config', badPackage]);
  t.is(unverified.code, 1);
  t.regex(unverified.stderr, /prepare-audio: .*(read|package)/i);
  t.false(fs.existsSync(path.join(dir, 'audio')), 'nothing is rendered for a package that did not verify');
});

test('vep booth run serves the cabin screen on 127.0.0.1 and stops cleanly on SIGTERM', async (t) => {
  const dir = tempDir(t);
  const keysDir = path.join(dir, 'keys');
  t.true(generateKeySet(keysDir).ok);
  const def = loadElectionDefinitionFile(path.join('test', 'fixtures', 'eg2026', 'definition.json'));
  if (!def.ok) throw new Error('fixture');
  const built = buildPackage(def.value, keysDir);
  if (!built.ok) throw new Error('package');
  const packagePath = path.join(dir, 'election.pkg');
  fs.writeFileSync(packagePath, built.value);
  const config = path.join(dir, 'cabin-1.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      packagePath,
      rootPublicKeyFile: publicKeyFile(keysDir, 'onpe-root'),
      cabinId: 'cabin-1',
      dataDir: path.join(dir, 'data'),
      keysDir,
      devices: {
        activationReader: { kind: 'simulated', name: 'reader' },
        printer: { kind: 'simulated-pty' },
        consolidation: { kind: 'simulated', name: 'usb' },
      },
    }),
  );
  const child = spawn(process.execPath, [VEP_JS, 'booth', 'run', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let errOut = '';
    child.stderr.on('data', (c: Buffer) => (errOut += c.toString('utf8')));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const found = /cabin-1 screen: (\S+)/.exec(out);
      if (found?.[1] !== undefined) resolve(found[1]);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out} ${errOut}`)));
  });
  t.regex(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const page = await (await fetch(url)).text();
  t.regex(page, /<html/i);
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  t.is(await exit, 0);
});
