/**
 * The station processes of `vep start`: each station runs as `vep <station> run` in a process of
 * its own, as on real hardware. The child is started under `setpriv --pdeathsig TERM` (as the
 * printers' socat is), so it dies with `vep start` however that ends, SIGKILL included, and never
 * outlives the simulator whose devices it uses.
 *
 * A station is up once it has printed every line `vep start` waits for (its screen URL); a station
 * that ends before, or later on its own, is reported with the tail of its stderr.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { err, ok, type Result } from '../shared/result.ts';
import { REPO_ROOT } from '../shared/software/version-code.ts';

const VEP_JS = path.join(REPO_ROOT, 'bin', 'vep.js');
/** Two busy cores, every station compiling its sources at once: generous. */
const READY_TIMEOUT_MS = 180_000;
/** After SIGTERM a station closes its stores, devices and screen; then it is killed. */
const STOP_TIMEOUT_MS = 15_000;
/** How much of a station's stderr is kept to say why it stopped. */
const STDERR_TAIL_CHARS = 4000;
const STDERR_TAIL_LINES = 12;

export interface StationProcessSpec {
  /** How vep start names it: "identity station", "cabin-1", ... */
  readonly label: string;
  /** `vep` arguments, e.g. ['identity', 'run', '--config', file]. */
  readonly args: readonly string[];
  /** The station is up once each of these has matched a stdout line; their groups are answered. */
  readonly ready: readonly RegExp[];
  /** Every line it writes, after it is up (stderr lines are kept for its death notice anyway). */
  readonly onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
}

export interface StationProcess {
  readonly label: string;
  readonly pid: number | undefined;
  /** Per `ready` pattern, its capture groups (index 0: the whole line). */
  readonly matches: readonly (readonly string[])[];
  /** Called once if the process ends while vep start has not asked it to stop. */
  onExit(listener: (how: string, stderrTail: string) => void): void;
  /** SIGTERM, then SIGKILL after STOP_TIMEOUT_MS; resolves once it has exited. */
  stop(): Promise<void>;
  /** SIGKILL at once (a power cut: `vep sim day`'s cabin crash); resolves once it has exited. */
  kill(): Promise<void>;
  /** Resolves once the process has exited (e.g. the transmission station after its close). */
  readonly exited: Promise<void>;
}

function tailOf(text: string): string {
  return text.trimEnd().split('\n').slice(-STDERR_TAIL_LINES).map((l) => `  ${l}`).join('\n');
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return code !== null ? `exit code ${code}` : `signal ${signal ?? 'unknown'}`;
}

export function spawnStationProcess(spec: StationProcessSpec): Promise<Result<StationProcess, string>> {
  return new Promise((resolve) => {
    const child = spawn('setpriv', ['--pdeathsig', 'TERM', '--', process.execPath, VEP_JS, ...spec.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let ready = false;
    let stopping = false;
    let exitListener: ((how: string, tail: string) => void) | undefined;
    const matches: (string[] | undefined)[] = spec.ready.map(() => undefined);
    const exited = new Promise<void>((done) => child.once('close', () => done()));
    const timer = setTimeout(() => {
      if (ready) return;
      child.kill('SIGKILL');
      resolve(err(`${spec.label}: not up after ${READY_TIMEOUT_MS / 1000} s${stderr === '' ? '' : `; its stderr:\n${tailOf(stderr)}`}`));
    }, READY_TIMEOUT_MS);

    const lines = (stream: 'stdout' | 'stderr', onLine: (line: string) => void) => {
      let pending = '';
      child[stream].on('data', (chunk: Buffer) => {
        pending += chunk.toString('utf8');
        const parts = pending.split('\n');
        pending = parts.pop() ?? '';
        for (const line of parts) onLine(line);
      });
    };
    lines('stderr', (line) => {
      stderr = `${stderr}${line}\n`.slice(-STDERR_TAIL_CHARS);
      if (ready) spec.onLine?.('stderr', line);
    });
    lines('stdout', (line) => {
      if (ready) return spec.onLine?.('stdout', line);
      spec.ready.forEach((pattern, i) => {
        const found = matches[i] === undefined ? pattern.exec(line) : null;
        if (found !== null) matches[i] = [...found];
      });
      if (matches.every((m) => m !== undefined)) {
        ready = true;
        clearTimeout(timer);
        resolve(ok(running));
      }
    });

    child.once('error', (e) => {
      clearTimeout(timer);
      resolve(err(`${spec.label}: cannot start (${e.message})`));
    });
    child.once('exit', (code, signal) => {
      if (!ready) {
        clearTimeout(timer);
        resolve(err(`${spec.label} stopped while starting (${describeExit(code, signal)})${stderr === '' ? '' : `:\n${tailOf(stderr)}`}`));
        return;
      }
      // Its last stderr lines may still be in the pipe: report once the streams are drained.
      if (!stopping) void exited.then(() => exitListener?.(describeExit(code, signal), tailOf(stderr)));
    });

    const running: StationProcess = {
      label: spec.label,
      pid: child.pid,
      get matches() {
        return matches.map((m) => m ?? []);
      },
      onExit(listener) {
        exitListener = listener;
      },
      async stop() {
        stopping = true;
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(killer);
      },
      async kill() {
        stopping = true;
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGKILL');
        await exited;
      },
      exited,
    };
  });
}
