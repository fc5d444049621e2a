/**
 * Runs the `vep` CLI for tests, two ways:
 * - `runCli`: a real child process (`node bin/vep.js ...`), the honest check of exit codes,
 *   stdout/stderr separation and start-up;
 * - `runCliInProcess`: `main()` from bin/main.ts with stdout/stderr captured, much faster.
 *   Calls are serialised because the capture patches the process-wide streams.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const VEP_JS = path.join(REPO_ROOT, 'bin', 'vep.js');

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [VEP_JS, ...args],
      {
        cwd: options.cwd ?? REPO_ROOT,
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`vep ${args.join(' ')} did not run: ${error.message}\n${stderr}`));
          return;
        }
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

let queue: Promise<unknown> = Promise.resolve();

export function runCliInProcess(args: readonly string[]): Promise<CliRun> {
  const run = queue.then(() => captureMain(args));
  queue = run.catch(() => undefined);
  return run;
}

async function captureMain(args: readonly string[]): Promise<CliRun> {
  // Imported lazily so that tests using only the child-process runner load nothing of the CLI.
  const { main } = await import('../../bin/main.ts');
  let stdout = '';
  let stderr = '';
  const originalOut = process.stdout.write.bind(process.stdout);
  const originalErr = process.stderr.write.bind(process.stderr);
  const savedExitCode = process.exitCode;
  const capture =
    (append: (text: string) => void) =>
    (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const callback = rest.find((r): r is () => void => typeof r === 'function');
      callback?.();
      return true;
    };
  process.stdout.write = capture((s) => (stdout += s));
  process.stderr.write = capture((s) => (stderr += s));
  process.exitCode = undefined;
  try {
    const code = await main(['node', 'vep', ...args]);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = originalOut;
    process.stderr.write = originalErr;
    process.exitCode = savedExitCode;
  }
}
