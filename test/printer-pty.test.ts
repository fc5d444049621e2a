import test from 'ava';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'helpers', 'pty-exit-child.ts');

/** Command lines of live processes that mention `needle`, from /proc. */
function processesMentioning(needle: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(needle)) found.push(cmdline);
    } catch {
      // The process ended while being read.
    }
  }
  return found;
}

/** socat gets its parent-death signal; give the kernel a moment (bounded) to reap it. */
async function noneLeft(hostPath: string): Promise<string[]> {
  for (let i = 0; i < 50 && processesMentioning(hostPath).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  return processesMentioning(hostPath);
}

test('a process that exits without closing its pty pair leaves no socat behind', async (t) => {
  const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    execFile(process.execPath, ['--import=tsx', child, 'exit'], { encoding: 'utf8' }, (error, out) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout: out }),
    );
  });
  t.is(code, 3);
  const hostPath = stdout.trim();
  t.regex(hostPath, /vep-pty-.*printer-host$/);
  t.deepEqual(await noneLeft(hostPath), []);
});

test('a process killed with SIGKILL leaves no socat behind either', async (t) => {
  const proc = spawn(process.execPath, ['--import=tsx', child, 'wait'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const hostPath = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      if (out.includes('\n')) resolve(out.trim());
    });
    proc.once('exit', (code) => reject(new Error(`child exited early with ${code}`)));
  });
  t.is(processesMentioning(hostPath).length, 1, 'socat runs while its parent lives');
  proc.kill('SIGKILL');
  t.deepEqual(await noneLeft(hostPath), []);
});
