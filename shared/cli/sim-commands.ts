/**
 * `vep sim ...`: the hardware simulator for testers. `serve` runs simulated devices with the
 * control server and its panel; `control` sends one command to a running server.
 *
 * The printers are reachable from another process as ptys (a station opens the printed path with
 * its real serial driver); with `--bridge SOCKET` the readers, keypads, DNI readers, USB ports,
 * scanners and the simulated clock are too, on the device bridge (hardware-sim/bridge/: stations
 * configure `kind: "bridge"` devices and `--clock-bridge`), as `vep start` runs its stations.
 * The simulator is imported lazily: `vep` on a station never loads it.
 */
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { ok, type Result } from '../result.ts';
import { untilStopSignal } from './stop-signal.ts';
import { registerSimDayCommand } from './sim-day-command.ts';
import type { SimulatedHardware } from '../../hardware-sim/control/simulated-hardware.ts';

export const DEFAULT_SIM_PORT = 8765;
const DEFAULT_SIM_URL = `http://127.0.0.1:${DEFAULT_SIM_PORT}`;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function parsePort(value: string): number {
  if (!/^[0-9]{1,5}$/.test(value) || Number(value) > 65_535) throw new InvalidArgumentError('expected a port number 0-65535 (0: any free port)');
  return Number(value);
}

function parseNames(value: string): string[] {
  const names = value.split(',').map((n) => n.trim()).filter((n) => n !== '');
  const bad = names.find((n) => !NAME.test(n));
  if (bad !== undefined) throw new InvalidArgumentError(`"${bad}" is not a device name (letters, digits, . _ -; at most 64)`);
  if (new Set(names).size !== names.length) throw new InvalidArgumentError('a name is listed twice');
  return names;
}

export interface ServeOptions {
  port: number;
  printers: string[];
  readers: string[];
  usb: string[];
  keypads: string[];
  scanners: string[];
  out?: string;
  /** Serve the devices and clock to station processes on this unix socket. */
  bridge?: string;
}

/**
 * Something that runs on the simulated hardware while it is served (e.g. station hosts for
 * `vep start`): started once the devices exist, stopped before they are disposed.
 */
export type SimulatorAttachment = (
  hardware: SimulatedHardware,
  printerPaths: ReadonlyMap<string, string>,
) => Promise<Result<{ lines: string[]; close: () => Promise<void> }, string>>;

/** `--bridge`: the device bridge served for as long as the simulator runs. */
function bridgeAttachment(socket: string): SimulatorAttachment {
  return async (hardware) => {
    const { serveDeviceBridge } = await import('../../hardware-sim/bridge/device-bridge.ts');
    const bridge = await serveDeviceBridge(hardware, socket);
    if (!bridge.ok) return bridge;
    return ok({ lines: [`device bridge: ${bridge.value.socketPath}`], close: () => bridge.value.close() });
  };
}

export async function serveSimulator(opts: ServeOptions, attach?: SimulatorAttachment): Promise<number> {
  const { SimulatedHardware } = await import('../../hardware-sim/control/simulated-hardware.ts');
  const { startControlServer } = await import('../../hardware-sim/control/control-server.ts');
  // Listening for the signals before anything starts: a stop request during start-up still
  // reaches the clean-up below instead of killing the process with socat children alive.
  const stop = untilStopSignal();
  const hardware = new SimulatedHardware();
  let stations: { close: () => Promise<void> } | undefined;
  try {
    for (const name of opts.readers) hardware.activationReader(name);
    for (const name of opts.keypads) hardware.keypad(name, 'navigation');
    for (const name of opts.usb) hardware.usbStick(name);
    for (const name of opts.scanners) hardware.scanner(name);
    const ptys: string[] = [];
    const printerPaths = new Map<string, string>();
    for (const name of opts.printers) {
      const started = await hardware.startPrinter(name, { outputDir: opts.out === undefined ? undefined : path.join(opts.out, name) });
      if (!started.ok) {
        process.stderr.write(`vep sim serve: printer ${name}: ${started.error}\n`);
        return 1;
      }
      ptys.push(`printer ${name}: ${started.value}`);
      printerPaths.set(name, started.value);
    }
    const attached = attach === undefined ? ok({ lines: [], close: () => Promise.resolve() }) : await attach(hardware, printerPaths);
    if (!attached.ok) {
      process.stderr.write(`vep sim serve: ${attached.error}\n`);
      return 1;
    }
    stations = attached.value;
    let server: Awaited<ReturnType<typeof startControlServer>>;
    try {
      server = await startControlServer(hardware, { port: opts.port });
    } catch (e) {
      process.stderr.write(`vep sim serve: cannot listen on 127.0.0.1:${opts.port}: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
    const lines = [
      ...attached.value.lines,
      `control panel: ${server.url}/`,
      ...ptys,
      ...hardware.snapshot().usbSticks.map((s) => `usb ${s.name}: ${s.mountPath}`),
      ...(opts.out === undefined ? [] : [`tickets written under ${path.resolve(opts.out)}`]),
      'stop with Ctrl+C (SIGINT) or SIGTERM',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    const signal = await stop.received;
    await server.close();
    process.stdout.write(`stopping on ${signal}\n`);
    return 0;
  } finally {
    stop.cancel();
    await stations?.close();
    await hardware.close();
  }
}

async function control(area: string, verb: string | undefined, opts: { json: string; url: string }): Promise<number> {
  let base: URL;
  try {
    base = new URL(opts.url);
  } catch {
    process.stderr.write(`vep sim control: --url ${opts.url} is not a URL\n`);
    return 2;
  }
  let request: { url: URL; init: RequestInit };
  if (area === 'state' && verb === undefined) {
    request = { url: new URL('/state', base), init: { method: 'GET' } };
  } else {
    if (!/^[a-z]+$/.test(area) || verb === undefined || !/^[a-z-]+$/.test(verb)) {
      process.stderr.write('vep sim control: expected `state` or <area> <verb>, e.g. `printer fault --json \'{"printer":"p1","fault":"paper-out"}\'`\n');
      return 2;
    }
    let body: unknown;
    try {
      body = JSON.parse(opts.json);
    } catch {
      process.stderr.write('vep sim control: --json is not JSON\n');
      return 2;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      process.stderr.write('vep sim control: --json must be an object\n');
      return 2;
    }
    request = {
      url: new URL(`/${area}/${verb}`, base),
      init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    };
  }
  let answer: unknown;
  try {
    const res = await fetch(request.url, { ...request.init, signal: AbortSignal.timeout(30_000) });
    answer = await res.json();
  } catch (e) {
    process.stderr.write(`vep sim control: no answer from ${base.origin}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
  const accepted = typeof answer === 'object' && answer !== null && 'ok' in answer && answer.ok === true;
  return accepted ? 0 : 1;
}

export function registerSimCommands(program: Command): void {
  const sim = program.command('sim').description('Hardware simulator: simulated devices and the tester control panel');

  sim
    .command('serve')
    .description(
      'Run simulated devices with the control server on 127.0.0.1 until SIGINT/SIGTERM. Prints the panel URL ' +
        'and, for each printer, the pty path a station opens as its serial printer',
    )
    .option('--port <n>', 'port on 127.0.0.1 (0: any free port)', parsePort, DEFAULT_SIM_PORT)
    .option('--printers <names>', 'comma-separated printer names', parseNames, [])
    .option('--readers <names>', 'comma-separated activation reader names', parseNames, [])
    .option('--usb <names>', 'comma-separated USB port names', parseNames, [])
    .option('--keypads <names>', 'comma-separated keypad names (navigation profile)', parseNames, [])
    .option('--scanners <names>', 'comma-separated scanner names', parseNames, [])
    .option('--out <dir>', 'also write every cut ticket as DIR/<printer>/ticket-NNNN.txt and .png')
    .option('--bridge <socket>', 'also serve the devices and the simulated clock to station processes on this unix socket (devices of kind "bridge", --clock-bridge)')
    .action(async (opts: ServeOptions) => {
      process.exitCode = await serveSimulator(opts, opts.bridge === undefined ? undefined : bridgeAttachment(opts.bridge));
    });

  sim
    .command('control')
    .description('Send one command to a running `vep sim serve` and print its answer (`state` prints the state)')
    .argument('<area>', 'activation, keypad, usb, scanner, printer, or state')
    .argument('[verb]', 'e.g. insert, pull, fault, clear, refill, move')
    .option('--json <object>', 'the command\'s fields, e.g. \'{"printer":"p1","fault":"cover-open"}\'', '{}')
    .option('--url <url>', 'control server (default $VEP_SIM_URL or the serve default)', process.env.VEP_SIM_URL ?? DEFAULT_SIM_URL)
    .action(async (area: string, verb: string | undefined, opts: { json: string; url: string }) => {
      process.exitCode = await control(area, verb, opts);
    });

  registerSimDayCommand(sim);
}
