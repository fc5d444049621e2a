/** `vep transmission send`: transmit a consolidation device's result (and acta image) to the centre. */
import fs from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import readline from 'node:readline';
import { untilStopSignal } from '../shared/cli/stop-signal.ts';
import { CLOCK_BRIDGE_FLAGS, CLOCK_BRIDGE_HELP, stationClock } from '../shared/cli/clock-bridge-option.ts';
import { sendDevice } from './send.ts';
import { parseAnyTransmissionConfig, type TransmissionHostConfig, type TransmissionModuleConfig } from './host-config.ts';
import { describeTransmissionHostStartError } from './host.ts';
import { runTransmissionStation } from './station.ts';
import { runTransmissionModule } from './module-station.ts';

interface RunOptions {
  port: number;
  console: boolean;
  clockBridge?: string;
}

/** `vep transmission run`: the Art. 30 station (screen or console) or, with `"mode": "module"`, the Art. 31 module (screen). */
async function run(configFile: string, opts: RunOptions): Promise<number> {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  } catch (e) {
    process.stderr.write(`vep transmission run: cannot read ${configFile}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  const parsed = parseAnyTransmissionConfig(raw);
  if (!parsed.ok) {
    process.stderr.write(`vep transmission run: invalid configuration ${configFile}:\n${parsed.error.join('\n')}\n`);
    return 1;
  }
  const clock = await stationClock('vep transmission run', opts.clockBridge);
  if (!clock.ok) {
    process.stderr.write(`${clock.error}\n`);
    return 1;
  }
  try {
    if (parsed.value.mode === 'module') return await runModule(parsed.value.config, opts, clock.value.clock);
    return await runStation(parsed.value.config, opts, clock.value.clock);
  } finally {
    clock.value.close();
  }
}

async function runStation(config: TransmissionHostConfig, opts: RunOptions, clock: (() => Date) | undefined): Promise<number> {
  const stop = untilStopSignal();
  try {
    const station = await runTransmissionStation(config, {
      clock,
      console: opts.console,
      port: opts.port,
      onScreen: (line) => process.stdout.write(`transmission: ${line}\n`),
    });
    if (!station.ok) {
      process.stderr.write(`vep transmission run: ${describeTransmissionHostStartError(station.error)}\n`);
      return 1;
    }
    if (station.value.screenUrl !== undefined) process.stdout.write(`transmission station screen: ${station.value.screenUrl}\n`);
    else process.stdout.write('console mode: press Enter to retry after fixing a fault\n');
    process.stdout.write('stop with Ctrl+C (SIGINT) or SIGTERM\n');
    const lines = opts.console ? readline.createInterface({ input: process.stdin }) : undefined;
    lines?.on('line', () => station.value.retry());
    const outcome = await Promise.race([station.value.finished, stop.received.then(() => 'stopped' as const)]);
    lines?.close();
    await station.value.close();
    return outcome === 'out-of-service' ? 1 : 0;
  } finally {
    stop.cancel();
  }
}

async function runModule(config: TransmissionModuleConfig, opts: RunOptions, clock: (() => Date) | undefined): Promise<number> {
  if (opts.console) {
    process.stderr.write('vep transmission run: the transmission module (mode "module") has no console mode: the operator receives each device on its screen\n');
    return 1;
  }
  const stop = untilStopSignal();
  try {
    const module = await runTransmissionModule(config, { clock, port: opts.port, onScreen: (line) => process.stdout.write(`transmission module: ${line}\n`) });
    if (!module.ok) {
      process.stderr.write(`vep transmission run: ${describeTransmissionHostStartError(module.error)}\n`);
      return 1;
    }
    process.stdout.write(`transmission module screen: ${module.value.screenUrl}\nstop with Ctrl+C (SIGINT) or SIGTERM\n`);
    const outcome = await Promise.race([module.value.finished, stop.received.then(() => 'stopped' as const)]);
    await module.value.close();
    return outcome === 'out-of-service' ? 1 : 0;
  } finally {
    stop.cancel();
  }
}

function seconds(value: string): number {
  if (!/^[0-9]+$/.test(value)) throw new InvalidArgumentError('expected a whole number of seconds');
  return Number(value);
}

interface SendOptions {
  device: string;
  keys: string;
  outbox: string;
  centre: string;
  cert?: string;
  image?: string;
  wait: number;
}

export function registerTransmissionCommands(program: Command): void {
  const transmission = program.command('transmission').description('the transmission station (estación de transmisión)');
  transmission
    .command('run')
    .description(
      'run the transmission station (Art. 30): validate the consolidation device, puesta a cero, transmit the result, ' +
        'print the constancias, scan and transmit the ODPE acta copy, burn and verify three write-once backups, close; ' +
        'with "mode": "module" in the configuration, the transmission module of a polling place (Art. 31): receive each ' +
        "mesa's device, print the cargo de recepción in duplicate, transmit, digitize, back up, close",
    )
    .requiredOption(
      '--config <file>',
      'station configuration (JSON: packagePath, rootPublicKeyFile, dataDir, keysDir, centre, devices, backupMedia; ' +
        'for the module "mode": "module" and packagePaths instead of packagePath)',
    )
    .option('--port <port>', 'coordinator screen port on 127.0.0.1 (0: any free port)', (v) => Number.parseInt(v, 10), 0)
    .option('--console', 'no screen: the default choices (print the configured copies, continue, close), Enter retries a fault', false)
    .option(CLOCK_BRIDGE_FLAGS, CLOCK_BRIDGE_HELP)
    .action(async (opts: RunOptions & { config: string }) => {
      process.exitCode = await run(opts.config, opts);
    });
  transmission
    .command('send')
    .description(
      'verify a consolidation device (package copy and signed mesa result), queue its result (and the scanned acta) ' +
        'encrypted to the centre in a durable outbox, and send with retries until acknowledged or refused',
    )
    .requiredOption('--device <dir>', 'consolidation device folder (paquete-electoral.vep, resultado-mesa.vep)')
    .requiredOption('--keys <dir>', 'key folder with public/onpe-root.json and secret/transmission.json')
    .requiredOption('--outbox <file>', 'durable outbox (SQLite), created if missing; rerun to resume')
    .requiredOption('--centre <url>', 'computing centre URL, e.g. https://127.0.0.1:8443')
    .option('--cert <file>', 'the centre certificate to pin (required for https)')
    .option('--image <file>', 'scanned image of the ODPE acta copy to transmit too')
    .option('--wait <seconds>', 'how long to keep retrying before leaving the rest queued', seconds, 60)
    .action(async (opts: SendOptions) => {
      let pinnedCert: string | undefined;
      if (opts.cert !== undefined) {
        try {
          pinnedCert = fs.readFileSync(opts.cert, 'utf8');
        } catch {
          process.stderr.write(`vep transmission send: cannot read the certificate ${opts.cert}\n`);
          process.exitCode = 1;
          return;
        }
      } else if (opts.centre.startsWith('https:')) {
        process.stderr.write('vep transmission send: an https centre needs --cert (the pinned centre certificate)\n');
        process.exitCode = 1;
        return;
      }
      const result = await sendDevice({
        deviceDir: opts.device,
        keysDir: opts.keys,
        outboxFile: opts.outbox,
        centreUrl: opts.centre,
        waitMs: opts.wait * 1000,
        ...(pinnedCert === undefined ? {} : { pinnedCert }),
        ...(opts.image === undefined ? {} : { actaImageFile: opts.image }),
      });
      if (!result.ok) {
        process.stderr.write(`vep transmission send: ${result.error}\n`);
        process.exitCode = 1;
        return;
      }
      for (const item of result.value) {
        const extra = item.status === 'refused' ? ` (${item.refusalReason ?? ''}: ${item.lastError ?? ''})` : item.status === 'acknowledged' ? '' : ` (${item.lastError ?? 'not sent yet'})`;
        process.stdout.write(`mesa ${item.mesa} ${item.kind}: ${item.status}${extra}\n`);
      }
      // 0: all acknowledged; 2: something refused; 3: something still queued.
      const statuses = result.value.map((item) => item.status);
      process.exitCode = statuses.includes('refused') ? 2 : statuses.every((s) => s === 'acknowledged') ? 0 : 3;
    });
}
