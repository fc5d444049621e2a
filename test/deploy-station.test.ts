/**
 * The deployed chain on one machine: the command line of vep-booth@1.service (as systemd would
 * expand it) starts a real cabin from the example configuration, and the kiosk launcher then
 * opens exactly that cabin's page. Only what cannot exist here is swapped: /opt/vep is this
 * checkout, /usr/bin/node the running node, /etc/vep and /var/lib/vep a temp dir, and the
 * example's real devices simulated ones.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { REPO_ROOT, runCli } from './helpers/cli.ts';
import { DEPLOY_DIR, execStartArgv, readUnitFile, unitEnvironment } from './helpers/deploy-unit-file.ts';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = http.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

test("vep-booth@1's command line runs cabin-1 from the example config on VEP_PORT, and the kiosk launcher opens that cabin's page", async (t) => {
  t.timeout(180_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const etc = path.join(dir, 'etc-vep');
  const varLib = path.join(dir, 'var-lib-vep');
  fs.mkdirSync(etc);
  fs.mkdirSync(path.join(varLib, 'booth-1'), { recursive: true, mode: 0o700 });

  const keys = await runCli(['keys', 'generate', '--out', path.join(etc, 'keys')]);
  t.is(keys.code, 0, keys.stderr);
  const definition = path.join(REPO_ROOT, 'test', 'fixtures', 'eg2026', 'definition.json');
  const built = await runCli(['election', 'build', '--definition', definition, '--keys', path.join(etc, 'keys'), '--out', path.join(etc, 'paquete-electoral.vep')]);
  t.is(built.code, 0, built.stderr);

  // The example, with its paths moved under the temp dir and its devices simulated.
  const example = JSON.parse(fs.readFileSync(path.join(DEPLOY_DIR, 'config', 'booth.example.json'), 'utf8')) as Record<string, unknown>;
  const relocate = (p: unknown): string => String(p).replace(/^\/etc\/vep\//u, `${etc}/`).replace(/^\/var\/lib\/vep\//u, `${varLib}/`);
  const config = {
    ...example,
    packagePath: relocate(example.packagePath),
    rootPublicKeyFile: relocate(example.rootPublicKeyFile),
    dataDir: relocate(example.dataDir),
    keysDir: relocate(example.keysDir),
    devices: {
      activationReader: { kind: 'simulated', name: 'cabin-1' },
      keypad: { kind: 'simulated', name: 'keypad-1' },
      printer: { kind: 'simulated-pty' },
      consolidation: { kind: 'simulated', name: 'usb' },
    },
  };
  fs.writeFileSync(path.join(etc, 'booth-1.json'), JSON.stringify(config));

  const unit = readUnitFile(path.join(DEPLOY_DIR, 'systemd', 'vep-booth@.service'));
  const port = await freePort();
  const env = unitEnvironment(unit);
  env.set('VEP_PORT', String(port)); // as /etc/vep/booth-1.env would
  const argv = execStartArgv(unit, '1', env).map((w) =>
    w === '/usr/bin/node' ? process.execPath : w.replace(/^\/opt\/vep\//u, `${REPO_ROOT}/`).replace(/^\/etc\/vep\//u, `${etc}/`),
  );
  const [program = '', ...args] = argv;
  const station = spawn(program, args, { cwd: path.join(varLib, 'booth-1'), stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (station.exitCode === null) station.kill('SIGKILL');
  });
  const screenUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    let errOut = '';
    station.stderr.on('data', (c: Buffer) => (errOut += c.toString('utf8')));
    station.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const match = /cabin-1 screen: (\S+)/u.exec(out);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    station.once('exit', (code) => reject(new Error(`station exited with ${code}: ${errOut}`)));
  });
  t.is(screenUrl, `http://127.0.0.1:${port}/`);
  t.true(fs.existsSync(path.join(varLib, 'booth-1', 'votes.db')), 'the store lives in the data dir the unit owns');

  const argsFile = path.join(dir, 'browser-args');
  const fakeBrowser = path.join(dir, 'chromium');
  fs.writeFileSync(fakeBrowser, `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\n`, { mode: 0o755 });
  const runtime = path.join(dir, 'run');
  fs.mkdirSync(runtime);
  const kiosk = spawn(path.join(DEPLOY_DIR, 'kiosk', 'launch-kiosk.sh'), ['booth-1'], {
    env: { PATH: process.env.PATH, VEP_PORT: String(port), VEP_KIOSK_BROWSER: fakeBrowser, VEP_KIOSK_COMPOSITOR: 'none', XDG_RUNTIME_DIR: runtime },
    stdio: 'ignore',
  });
  t.is(await new Promise<number | null>((resolve) => kiosk.on('exit', resolve)), 0);
  const opened = fs.readFileSync(argsFile, 'utf8').trim().split('\n').at(-1) ?? '';
  t.is(opened, screenUrl);
  const page = await fetch(opened);
  t.is(page.status, 200);
  t.regex(await page.text(), /<html/iu);

  station.kill('SIGTERM');
  t.is(await new Promise<number | null>((resolve) => (station.exitCode === null ? station.once('exit', resolve) : resolve(station.exitCode))), 0, 'SIGTERM (systemctl stop) is a clean stop');
});
