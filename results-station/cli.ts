/** `vep results run`: runs the results station (host + members' screen) from its configuration file. */
import fs from 'node:fs';
import type { Command } from 'commander';
import { parseResultsHostConfig } from './host-config.ts';
import { describeResultsStationStartError, runResultsStation } from './station.ts';
import { untilStopSignal } from '../shared/cli/stop-signal.ts';
import { CLOCK_BRIDGE_FLAGS, CLOCK_BRIDGE_HELP, stationClock } from '../shared/cli/clock-bridge-option.ts';

async function run(configFile: string, opts: { port: number; clockBridge?: string }): Promise<number> {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  } catch (e) {
    process.stderr.write(`vep results run: cannot read ${configFile}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  const config = parseResultsHostConfig(raw);
  if (!config.ok) {
    process.stderr.write(`vep results run: invalid configuration ${configFile}:\n${config.error.join('\n')}\n`);
    return 1;
  }
  const clock = await stationClock('vep results run', opts.clockBridge);
  if (!clock.ok) {
    process.stderr.write(`${clock.error}\n`);
    return 1;
  }
  const stop = untilStopSignal();
  try {
    const station = await runResultsStation(config.value, { port: opts.port, clock: clock.value.clock });
    if (!station.ok) {
      process.stderr.write(`vep results run: ${describeResultsStationStartError(station.error)}\n`);
      return 1;
    }
    process.stdout.write(`results station screen: ${station.value.screenUrl}\nstop with Ctrl+C (SIGINT) or SIGTERM\n`);
    await stop.received;
    await station.value.close();
    return 0;
  } finally {
    stop.cancel();
    clock.value.close();
  }
}

export function registerResultsCommands(program: Command): void {
  const results = program.command('results').description('the results station (escrutinio, acta de escrutinio, consolidated mesa result)');
  results
    .command('run')
    .description(
      'run the results station: verify the package, software code and results key, open its store, audit log and devices, serve the members screen on 127.0.0.1',
    )
    .requiredOption('--config <file>', 'station configuration (JSON: packagePath, rootPublicKeyFile, dataDir, keysDir, mode, devices)')
    .option('--port <port>', 'members screen port on 127.0.0.1 (0: any free port)', (v) => Number.parseInt(v, 10), 0)
    .option(CLOCK_BRIDGE_FLAGS, CLOCK_BRIDGE_HELP)
    .action(async (opts: { config: string; port: number; clockBridge?: string }) => {
      process.exitCode = await run(opts.config, opts);
    });
}
