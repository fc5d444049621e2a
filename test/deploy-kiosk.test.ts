/**
 * deploy/kiosk/launch-kiosk.sh: never opens the browser before the station answers (the voter
 * would see a connection error page), then opens exactly the station's loopback URL in kiosk mode
 * with no first-run, keyring or translate prompt, on a fresh profile.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { DEPLOY_DIR } from './helpers/deploy-unit-file.ts';

const LAUNCHER = path.join(DEPLOY_DIR, 'kiosk', 'launch-kiosk.sh');

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

function until(predicate: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const poll = (): void => {
      if (predicate()) resolve();
      else setTimeout(poll, 50);
    };
    poll();
  });
}

test('the launcher waits for the station, then opens its URL in Chromium kiosk mode without prompts on a fresh profile', async (t) => {
  t.timeout(60_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const argsFile = path.join(dir, 'browser-args');
  const fakeBrowser = path.join(dir, 'chromium');
  fs.writeFileSync(fakeBrowser, `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}.tmp' && mv '${argsFile}.tmp' '${argsFile}'\n`, { mode: 0o755 });
  const runtime = path.join(dir, 'run');
  fs.mkdirSync(runtime);
  // Something left from a previous start must not survive into the new profile.
  const stale = path.join(runtime, 'vep-kiosk-booth-2', 'chromium', 'History');
  fs.mkdirSync(path.dirname(stale), { recursive: true });
  fs.writeFileSync(stale, 'previous session');

  const port = await freePort();
  const child = spawn(LAUNCHER, ['booth-2'], {
    env: { PATH: process.env.PATH, VEP_PORT: String(port), VEP_KIOSK_BROWSER: fakeBrowser, VEP_KIOSK_COMPOSITOR: 'none', XDG_RUNTIME_DIR: runtime },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill();
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));

  await until(() => stderr.includes('waiting for booth-2'));
  // Nothing listens yet. Then the port opens but the page is not ready (503): the launcher must
  // keep waiting through both; after its second refused probe the browser must not have started.
  let probes = 0;
  let ready = false;
  const station = http.createServer((_req, res) => {
    probes++;
    res.statusCode = ready ? 200 : 503;
    res.end('<!doctype html><title>cabina</title>');
  });
  await new Promise<void>((resolve) => station.listen(port, '127.0.0.1', () => resolve()));
  t.teardown(() => station.close());
  await until(() => probes >= 2);
  t.false(fs.existsSync(argsFile), 'browser started before the station answered 200');
  t.is(child.exitCode, null);
  ready = true;

  t.is(await exited, 0, stderr);
  const args = fs.readFileSync(argsFile, 'utf8').trim().split('\n');
  t.is(args.at(-1), `http://127.0.0.1:${port}/`, 'the station URL, last');
  for (const flag of ['--kiosk', '--no-first-run', '--no-default-browser-check', '--password-store=basic', '--incognito', '--noerrdialogs']) {
    t.true(args.includes(flag), flag);
  }
  t.true(args.some((a) => a.startsWith('--disable-features=') && a.split('=')[1]?.split(',').includes('Translate')), 'translate off');
  const profileArg = args.find((a) => a.startsWith('--user-data-dir='));
  t.is(profileArg, `--user-data-dir=${path.join(runtime, 'vep-kiosk-booth-2', 'chromium')}`);
  t.false(fs.existsSync(stale), 'the previous profile was wiped');
});

test('the launcher refuses a station it does not know and a port that is not a number', async (t) => {
  const runLauncher = (args: string[], env: Record<string, string>): Promise<number | null> =>
    new Promise((resolve) => {
      const child = spawn(LAUNCHER, args, { env: { PATH: process.env.PATH, ...env }, stdio: 'ignore' });
      child.on('exit', (code) => resolve(code));
    });
  t.is(await runLauncher(['--print-url', 'booth-1'], {}), 0);
  t.is(await runLauncher(['--print-url', 'centre'], {}), 2);
  t.is(await runLauncher(['--print-url', '../identity'], {}), 2);
  t.is(await runLauncher(['--print-url', 'identity'], { VEP_PORT: '80; rm -rf /' }), 2);
  t.is(await runLauncher(['--print-url', 'identity'], { VEP_PORT: '70000' }), 2);
});
