import test from 'ava';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPrinter } from '../shared/devices/printer/factory.ts';
import { makeDocument, text } from '../shared/documents/print-document.ts';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const vep = path.join(root, 'bin', 'vep.js');

/** Resolves with everything printed once `pattern` shows up on stdout. */
function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let errOut = '';
    const timer = setTimeout(() => reject(new Error(`no ${String(pattern)} after ${timeoutMs} ms; stdout: ${out}; stderr: ${errOut}`)), timeoutMs);
    child.stderr?.on('data', (c: Buffer) => (errOut += c.toString('utf8')));
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      if (pattern.test(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}; stdout: ${out}; stderr: ${errOut}`));
    });
  });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Live processes named `socat` whose parent is `parentPid`, from /proc. */
function socatChildren(parentPid: number): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Format: pid (comm) state ppid ...; comm may hold spaces, so split after the last ')'.
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (comm === 'socat' && ppid === parentPid) found.push(Number(entry));
    } catch {
      // The process ended while being read.
    }
  }
  return found;
}

function isSocat(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'socat';
  } catch {
    return false;
  }
}

function runVep(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [vep, ...args], { cwd: root, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

test('vep sim serve: panel, commands from the CLI and a real driver, clean stop on SIGTERM without orphan socat', async (t) => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(out, { recursive: true, force: true }));
  const child = spawn(process.execPath, [vep, 'sim', 'serve', '--port', '0', '--printers', 'p1', '--readers', 'r1', '--out', out], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const printed = await waitForOutput(child, /stop with/, 60_000);
  const url = /control panel: (http:\/\/127\.0\.0\.1:[0-9]+)\//.exec(printed)?.[1];
  const ptyPath = /printer p1: (\S+)/.exec(printed)?.[1];
  if (url === undefined || ptyPath === undefined || child.pid === undefined) return t.fail(printed);
  const socats = socatChildren(child.pid);
  t.is(socats.length, 1, 'one socat for the one printer');

  const panel = await fetch(`${url}/`);
  t.is(panel.status, 200);
  t.regex(panel.headers.get('content-type') ?? '', /^text\/html/);
  const html = await panel.text();
  t.true(html.includes('<title>VEP hardware simulator</title>'));
  t.false(html.includes('__VEP_CATALOG__'), 'the command catalog is embedded');
  t.true(html.includes('"cutter-error"'));

  const inserted = await fetch(`${url}/activation/insert`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ reader: 'r1', device: 'd1' }),
  });
  t.is(inserted.status, 200);
  t.like(await inserted.json(), { ok: true, state: { activationDevices: [{ name: 'd1', inReader: 'r1' }] } });

  const fault = await runVep(['sim', 'control', 'printer', 'fault', '--json', '{"printer":"p1","fault":"cover-open"}', '--url', url]);
  t.is(fault.code, 0, fault.stderr);
  t.like(JSON.parse(fault.stdout), { ok: true, state: { printers: [{ name: 'p1', status: 'cover-open' }] } });
  const refused = await runVep(['sim', 'control', 'printer', 'clear', '--json', '{"printer":"p9"}', '--url', url]);
  t.is(refused.code, 1);
  t.deepEqual(JSON.parse(refused.stdout), { ok: false, error: 'no simulated printer named p9' });

  // A station in another process opens the printed pty path with the real driver.
  const driver = await createPrinter({ kind: 'escpos-serial', path: ptyPath, statusReplyTimeoutMs: 2_000, jobStatusPollIntervalMs: 50 });
  if (!driver.ok) return t.fail(JSON.stringify(driver.error));
  t.deepEqual(await driver.value.printer.status(), { ok: true, value: 'cover-open' });
  t.is((await runVep(['sim', 'control', 'printer', 'clear', '--json', '{"printer":"p1"}', '--url', url])).code, 0);
  t.deepEqual(await driver.value.printer.status(), { ok: true, value: 'ready' });
  t.true((await driver.value.printer.print({ id: 'demo', document: makeDocument([text('PRUEBA DE IMPRESIÓN')]) })).ok);
  await driver.value.printer.close();
  t.deepEqual(fs.readdirSync(path.join(out, 'p1')).sort(), ['ticket-0001.png', 'ticket-0001.txt']);
  t.true(fs.readFileSync(path.join(out, 'p1', 'ticket-0001.txt'), 'utf8').includes('PRUEBA DE IMPRESIÓN'));
  const state = await runVep(['sim', 'control', 'state', '--url', url]);
  t.is(state.code, 0);
  t.like(JSON.parse(state.stdout), { ok: true, state: { printers: [{ name: 'p1', status: 'ready', socatAlive: true }] } });

  child.kill('SIGTERM');
  const { code, signal } = await exited(child);
  t.deepEqual({ code, signal }, { code: 0, signal: null });
  t.deepEqual(socats.filter(isSocat), [], 'no socat outlives the simulator');
  t.false(fs.existsSync(ptyPath));
});

test('vep sim serve refuses a bad device name, vep sim control a bad body', async (t) => {
  const bad = await runVep(['sim', 'serve', '--port', '0', '--printers', '../x']);
  t.not(bad.code, 0);
  t.regex(bad.stderr, /not a device name/);
  const body = await runVep(['sim', 'control', 'printer', 'fault', '--json', '[1]', '--url', 'http://127.0.0.1:9']);
  t.is(body.code, 2);
  t.regex(body.stderr, /must be an object/);
});
