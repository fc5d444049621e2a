/**
 * `vep start` runs each station in a process of its own: a station that fails to start is named
 * with its stderr, one that dies later is reported with why, and every station dies with vep start
 * even when vep start is killed outright (no orphan keeps a screen port or the stick).
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VEP_JS } from './helpers/cli.ts';
import { spawnStationProcess } from '../bin/start-processes.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`never happened: ${what}`);
}

test('a station that cannot start is named, with the tail of its stderr', async (t) => {
  const started = await spawnStationProcess({
    label: 'identity station',
    args: ['identity', 'run', '--config', path.join(os.tmpdir(), 'vep-no-such-config.json')],
    ready: [/^identity station screen: (\S+)$/],
  });
  t.false(started.ok);
  if (!started.ok) {
    t.regex(started.error, /^identity station stopped while starting \(exit code 1\)/);
    t.regex(started.error, /cannot read .*vep-no-such-config\.json/);
  }
});

test('vep start: a station process that dies is reported by name; killing vep start (SIGKILL) takes every station with it', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-start-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const child = spawn(process.execPath, [VEP_JS, 'start', '--port', '0', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  let errOut = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (errOut += c.toString('utf8')));
  await until(() => /control panel: /.test(out) || child.exitCode !== null, 'vep start to be up');
  const listed = /stations in their own processes \(pid\): (.*); their devices/.exec(out)?.[1];
  if (listed === undefined) return t.fail(`no pid line:\n${out}\n${errOut}`);
  const pids = new Map(listed.split(', ').map((entry) => {
    const at = entry.lastIndexOf(' ');
    return [entry.slice(0, at), Number(entry.slice(at + 1))] as const;
  }));
  t.deepEqual([...pids.keys()], ['identity station', 'cabin-1', 'cabin-2', 'results station', 'computing centre', 'transmission station']);
  for (const pid of pids.values()) t.true(alive(pid), `pid ${pid} runs`);
  t.not(pids.get('cabin-1'), child.pid);

  const cabin2 = pids.get('cabin-2') ?? 0;
  process.kill(cabin2, 'SIGKILL');
  await until(() => /the cabin-2 process ended \(signal SIGKILL\)/.test(errOut), 'vep start to report cabin-2');
  t.true(child.exitCode === null, 'the rest of the mesa keeps running');

  child.kill('SIGKILL');
  await until(() => [...pids.values()].every((pid) => !alive(pid)), 'every station process to end with vep start');
  t.pass();
});
