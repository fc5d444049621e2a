/**
 * `vep start` as a child process for browser tests: starts it on free ports in a temp run
 * folder, reads the URLs it prints, and drives the tester panel over its HTTP control API.
 * Waits are generous (a loaded 2-core machine); nothing asserts on timing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { VEP_JS } from './cli.ts';

export interface StartedMesa {
  readonly dir: string;
  readonly child: ChildProcess;
  readonly panel: string;
  readonly identity: string;
  readonly cabins: Readonly<Record<string, string>>;
  readonly results: string;
  readonly centre: string;
  readonly transmission: string;
  /** Mount folders of the simulated USB ports, by port name. */
  readonly usb: Readonly<Record<string, string>>;
  /** SIGTERM and the exit code. */
  stop(): Promise<number | null>;
}

function match(out: string, pattern: RegExp): string {
  const found = pattern.exec(out)?.[1];
  if (found === undefined) throw new Error(`vep start did not print ${String(pattern)}:\n${out}`);
  return found;
}

export async function startMesa(t: { teardown(fn: () => void): void }): Promise<StartedMesa> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-start-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const child = spawn(process.execPath, [VEP_JS, 'start', '--port', '0', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const out = await new Promise<string>((resolve, reject) => {
    let text = '';
    let errText = '';
    child.stderr?.on('data', (c: Buffer) => (errText += c.toString('utf8')));
    child.stdout?.on('data', (c: Buffer) => {
      text += c.toString('utf8');
      if (/stop with Ctrl\+C/.test(text)) resolve(text);
    });
    child.once('exit', (code) => reject(new Error(`vep start exited with ${code}; stdout: ${text}; stderr: ${errText}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const cabins: Record<string, string> = {};
  for (const [, id, url] of out.matchAll(/^(cabin-\d+) screen: (\S+)$/gm)) if (id !== undefined && url !== undefined) cabins[id] = url;
  const usb: Record<string, string> = {};
  for (const [, name, mount] of out.matchAll(/^usb (\S+): (\S+)$/gm)) if (name !== undefined && mount !== undefined) usb[name] = mount;
  return {
    dir,
    child,
    panel: match(out, /control panel: (http:\/\/127\.0\.0\.1:\d+)\//),
    identity: match(out, /identity station screen: (\S+)/),
    cabins,
    results: match(out, /results station screen: (\S+)/),
    centre: match(out, /computing centre: (\S+)/),
    transmission: match(out, /transmission station screen: (\S+)/),
    usb,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** One panel command (POST /<area>/<verb>); throws with the simulator's answer when refused. */
export async function panel(mesa: StartedMesa, area: string, verb: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${mesa.panel}/${area}/${verb}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const answer = (await res.json()) as { ok: boolean; error?: string };
  if (!answer.ok) throw new Error(`panel ${area} ${verb} ${JSON.stringify(body)} refused: ${answer.error ?? '?'}`);
}

/** Texts of the tickets a simulated printer has cut so far. */
export async function ticketTexts(mesa: StartedMesa, printer: string): Promise<string[]> {
  const res = await fetch(`${mesa.panel}/printers/${printer}/tickets`, { signal: AbortSignal.timeout(60_000) });
  const answer = (await res.json()) as { ok: boolean; tickets?: { text: string }[] };
  return (answer.tickets ?? []).map((ticket) => ticket.text);
}

/** Polls until `check` holds (bounded, generous); throws naming `what`. */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 180_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`never happened within ${timeoutMs} ms: ${what}`);
}

export function launchStartBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Every station page marks its screen on body[data-screen]. */
export async function onScreen(page: Page, screen: string, timeoutMs = 180_000): Promise<void> {
  await page.waitForSelector(`body[data-screen="${screen}"]`, { timeout: timeoutMs });
}
