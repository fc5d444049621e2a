/**
 * Real scanner through SANE's `scanimage` (Debian package sane-utils), run without a shell.
 * The command runner is injectable so the error mapping is testable without hardware.
 */
import { execFile } from 'node:child_process';
import { err, ok, type Result } from '../../result.ts';
import { readPngSize } from './png-info.ts';
import type { ScanImage, Scanner, ScannerError } from './scanner.ts';

export interface CommandOutcome {
  readonly stdout: Uint8Array;
  readonly stderr: string;
  /** undefined when the command could not run or was killed. */
  readonly exitCode: number | undefined;
  readonly spawnError?: string;
}

export type CommandRunner = (file: string, args: readonly string[], timeoutMs: number) => Promise<CommandOutcome>;

export const runCommand: CommandRunner = (file, args, timeoutMs) =>
  new Promise((resolve) => {
    execFile(file, [...args], { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024, timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : undefined;
      resolve({
        stdout: new Uint8Array(stdout),
        stderr: stderr.toString('utf8'),
        exitCode: code,
        ...(error !== null && typeof error.code === 'string' ? { spawnError: error.code } : {}),
        ...(error?.killed === true ? { spawnError: 'timeout' } : {}),
      });
    });
  });

export interface SaneScannerOptions {
  /** SANE device name (`scanimage -L`); absent: the default device. */
  readonly device?: string;
  readonly dpi: number;
  readonly mode?: 'Color' | 'Gray' | 'Lineart';
  /** e.g. "ADF" or "Flatbed", as the backend names it. */
  readonly source?: string;
  readonly scanimagePath?: string;
  readonly timeoutMs?: number;
  readonly run?: CommandRunner;
}

export function classifySaneFailure(outcome: CommandOutcome): ScannerError {
  const text = outcome.stderr.toLowerCase();
  if (/out of documents|no docs|no documents|document feeder is empty|no paper/.test(text)) return { kind: 'no-paper' };
  if (/jam/.test(text)) return { kind: 'jam' };
  const detail = outcome.spawnError ?? (outcome.stderr.trim().split('\n').at(-1) || `scanimage exit ${String(outcome.exitCode)}`);
  return { kind: 'offline', detail: detail.slice(0, 200) };
}

export class SaneScanner implements Scanner {
  constructor(private readonly options: SaneScannerOptions) {}

  async scan(): Promise<Result<ScanImage, ScannerError>> {
    const { device, dpi, mode = 'Gray', source, scanimagePath = 'scanimage', timeoutMs = 120_000, run = runCommand } = this.options;
    const args = ['--format=png', `--resolution=${dpi}`, `--mode=${mode}`];
    if (device !== undefined) args.push(`--device-name=${device}`);
    if (source !== undefined) args.push(`--source=${source}`);
    const outcome = await run(scanimagePath, args, timeoutMs);
    if (outcome.exitCode !== 0) return err(classifySaneFailure(outcome));
    const size = readPngSize(outcome.stdout);
    if (!size.ok) return err({ kind: 'offline', detail: `scanner returned an invalid image: ${size.error}` });
    return ok({ png: outcome.stdout, ...size.value, dpi });
  }
}
