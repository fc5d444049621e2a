/**
 * A real pseudo-terminal pair made by socat: two /dev/pts devices wired back to back, so the
 * station's driver opens one end with serialport exactly as it would open a USB serial
 * printer, and the emulator opens the other end. Paths are stable symlinks in a private temp
 * directory (`link=`), so nothing has to be parsed from socat's log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { err, ok, type Result } from '../../shared/result.ts';

export const SOCAT_READY_TIMEOUT_MS = 5_000;

export type PtyPair = {
  /** The end the station's driver opens (a symlink to /dev/pts/N). */
  hostPath: string;
  /** The end the simulated printer opens. */
  devicePath: string;
  /** Whether socat is still running (false once it died or was closed). */
  alive(): boolean;
  /** Stops socat (both ends disappear) and removes the temp directory. Idempotent. */
  close(): Promise<void>;
};

export type PtyError = { kind: 'socat-failed'; detail: string };

export async function createPtyPair(): Promise<Result<PtyPair, PtyError>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-pty-'));
  const hostPath = path.join(dir, 'printer-host');
  const devicePath = path.join(dir, 'printer-device');
  let child: ChildProcess;
  try {
    // setpriv (util-linux, essential on Debian) execs socat with a parent-death signal: socat
    // dies with the process that made it, however that process ends (SIGKILL included), so a
    // crashed simulator or a killed test never leaves orphaned ptys behind.
    child = spawn(
      'setpriv',
      ['--pdeathsig', 'TERM', 'socat', '-d', '-d', `pty,raw,echo=0,link=${hostPath}`, `pty,raw,echo=0,link=${devicePath}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    return err({ kind: 'socat-failed', detail: String(error) });
  }
  let running = true;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      running = false;
      resolve();
    });
    child.once('error', () => {
      running = false;
      resolve();
    });
  });

  const ready = await new Promise<Result<void, string>>((resolve) => {
    let log = '';
    const timer = setTimeout(() => resolve(err(`socat not ready after ${SOCAT_READY_TIMEOUT_MS} ms: ${log}`)), SOCAT_READY_TIMEOUT_MS);
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString('utf8');
      if (log.includes('starting data transfer loop')) {
        clearTimeout(timer);
        resolve(ok(undefined));
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve(err(error.message));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(err(`socat exited with ${code}: ${log}`));
    });
  });
  // Keep draining stderr so socat never blocks on a full pipe.
  child.stderr?.resume();

  const close = async (): Promise<void> => {
    if (running) {
      child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  if (!ready.ok) {
    await close();
    return err({ kind: 'socat-failed', detail: ready.error });
  }
  return ok({ hostPath, devicePath, alive: () => running, close });
}
