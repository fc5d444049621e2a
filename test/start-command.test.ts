import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, VEP_JS } from './helpers/cli.ts';
import { loadEg2026 } from './helpers/booth-harness.ts';

const EG2026 = loadEg2026();

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-start-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function waitForStdout(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let errOut = '';
    child.stderr?.on('data', (c: Buffer) => (errOut += c.toString('utf8')));
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      if (pattern.test(out)) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}; stdout: ${out}; stderr: ${errOut}`)));
  });
}

async function post(url: string, body: unknown): Promise<{ ok: boolean }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await res.json()) as { ok: boolean };
}

/** Polls a cabin screen until it shows `wanted` (bounded); returns the last screen seen. */
async function screenBecomes(screenUrl: string, wanted: string): Promise<string> {
  let screen = '';
  for (let i = 0; i < 300 && screen !== wanted; i++) {
    screen = ((await (await fetch(`${screenUrl}view`)).json()) as { screen: string }).screen;
    if (screen !== wanted) await new Promise((r) => setTimeout(r, 100));
  }
  return screen;
}

test('vep start runs a simulacro mesa: verified package, simulated hardware, both cabins on it', async (t) => {
  const dir = tempDir(t);
  const child = spawn(process.execPath, [VEP_JS, 'start', '--port', '0', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const out = await waitForStdout(child, /control panel: (http:\/\/127\.0\.0\.1:\d+)\//);
  t.regex(out, /SIMULACRO — Elecciones Generales 2026/);
  t.regex(out, /mesa \d{6}, .*: 300 electores hábiles, 2 cabinas/);
  const url = /control panel: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1] ?? '';
  const cabin1 = /cabin-1 screen: (\S+)/.exec(out)?.[1] ?? '';
  t.regex(out, /cabin-2 screen: http:\/\/127\.0\.0\.1:\d+\//);
  t.regex(out, /results station screen: http:\/\/127\.0\.0\.1:\d+\//);
  t.regex(out, /computing centre: https:\/\/127\.0\.0\.1:\d+ /);
  t.regex(out, /transmission station screen: http:\/\/127\.0\.0\.1:\d+\//);
  t.notRegex(out, /vep transmission send/);
  t.regex(out, /member credentials in the panel: credencial-presidente, credencial-miembro-2, credencial-miembro-3/);
  const identity = /identity station screen: (\S+)/.exec(out)?.[1] ?? '';
  t.is(await screenBecomes(identity, 'confirm-mesa-data'), 'confirm-mesa-data');
  // The identity station's DNI reader: the president confirms the mesa data, then the first
  // titular's DNI scanned in the panel registers that member exactly as if it had been typed.
  const confirmed = await fetch(`${identity}input`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: new URL(identity).origin },
    body: JSON.stringify({ type: 'CONFIRM_MESA_DATA' }),
  });
  t.true(confirmed.ok, `CONFIRM_MESA_DATA answered ${confirmed.status}`);
  t.is(await screenBecomes(identity, 'installation'), 'installation');
  const titular = EG2026.members[0];
  if (titular === undefined) throw new Error('eg2026 has no members');
  t.true((await post(`${url}/dni/scan`, { reader: 'identity-dni', text: titular.dni })).ok);
  let registered: readonly { dni: string }[] = [];
  for (let i = 0; i < 200 && registered.length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    registered = ((await (await fetch(`${identity}view`)).json()) as { members: { dni: string }[] }).members;
  }
  t.deepEqual(registered.map((m) => m.dni), [titular.dni], 'the scanned DNI registered the member');
  // The transmission station runs its real host: its port (results-usb) is empty until the
  // results station has written the stick, so it refuses and waits for Reintentar.
  const transmission = /transmission station screen: (\S+)/.exec(out)?.[1] ?? '';
  t.is(await screenBecomes(transmission, 'device-refused'), 'device-refused');

  const { state } = (await (await fetch(`${url}/state`)).json()) as {
    state: {
      printers: { name: string }[];
      activationReaders: { name: string }[];
      usbSticks: { name: string; inserted: boolean; writeOnce: boolean }[];
      scanners: { name: string }[];
      clock: { now: string };
    };
  };
  t.deepEqual(state.printers.map((p) => p.name).sort(), ['cabin-1', 'cabin-2', 'identity', 'results', 'transmission']);
  t.deepEqual(state.activationReaders.map((r) => r.name).sort(), ['cabin-1', 'cabin-2', 'identity', 'results']);
  // The transmission station reads the stick in results-usb (Art. 30: the results station's
  // hardware) and burns its backups on three blank write-once media, each in a port of its own.
  t.deepEqual(state.usbSticks.map((u) => [u.name, u.inserted, u.writeOnce]).sort(), [
    ['consolidation', true, false],
    ['respaldo-1', true, true],
    ['respaldo-2', true, true],
    ['respaldo-3', true, true],
    ['results-usb', false, false],
  ]);
  t.deepEqual(state.scanners.map((s) => s.name), ['transmission']);
  // The day starts at the opening of voting (eg2026: 2026-04-12 07:00 in Lima) and only moves forward.
  t.true(Date.parse(state.clock.now) >= Date.parse('2026-04-12T12:00:00Z'));
  t.false((await post(`${url}/clock/set`, { at: '2026-04-12T11:00:00Z' })).ok);
  t.true((await post(`${url}/clock/advance`, { minutes: 30 })).ok);

  // The package it wrote is the one a station would load: it verifies with the root public key.
  const verify = await runCli(['election', 'verify', path.join(dir, 'election.pkg'), '--keys', path.join(dir, 'keys')]);
  t.is(verify.code, 0, verify.stderr);

  // A tester's first steps from the panel: the president's credential opens cabin-1 (puesta a
  // cero printed on its simulated printer), then a prepared voter device starts a vote.
  t.is(await screenBecomes(cabin1, 'awaiting-puesta-a-cero'), 'awaiting-puesta-a-cero');
  t.true((await post(`${url}/activation/move`, { device: 'credencial-presidente', reader: 'cabin-1' })).ok);
  t.is(await screenBecomes(cabin1, 'ready'), 'ready');
  const tickets = (await (await fetch(`${url}/printers/cabin-1/tickets`)).json()) as { tickets: { text: string }[] };
  t.regex(tickets.tickets.map((ticket) => ticket.text).join('\n'), /PUESTA A CERO/);
  t.true((await post(`${url}/activation/pull`, { reader: 'cabin-1' })).ok);
  t.true((await post(`${url}/activation/move`, { device: 'votante-01', reader: 'cabin-1' })).ok);
  t.is(await screenBecomes(cabin1, 'contest'), 'contest');

  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  t.is(await exit, 0);
});

test('vep start refuses a definition that is not a simulacro', async (t) => {
  const dir = tempDir(t);
  const real = path.join(dir, 'real.json');
  const def = JSON.parse(fs.readFileSync(path.join('test', 'fixtures', 'eg2026', 'definition.json'), 'utf8')) as { election: { simulacro: boolean } };
  def.election.simulacro = false;
  fs.writeFileSync(real, JSON.stringify(def));
  const run = await runCli(['start', '--definition', real, '--dir', path.join(dir, 'run'), '--port', '0']);
  t.is(run.code, 1);
  t.regex(run.stderr, /only runs simulacro elections/);
  t.false(fs.existsSync(path.join(dir, 'run', 'keys')));
});
