/** `vep booth run`: runs one voting cabin (host + kiosk screen) from its configuration file. */
import fs from 'node:fs';
import type { Command } from 'commander';
import { parseBoothHostConfig } from './host-config.ts';
import { describeCabinStartError, runCabin } from './station.ts';
import { untilStopSignal } from '../shared/cli/stop-signal.ts';

async function run(configFile: string, opts: { port: number }): Promise<number> {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  } catch (e) {
    process.stderr.write(`vep booth run: cannot read ${configFile}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  const config = parseBoothHostConfig(raw);
  if (!config.ok) {
    process.stderr.write(`vep booth run: invalid configuration ${configFile}:\n${config.error.join('\n')}\n`);
    return 1;
  }
  const stop = untilStopSignal();
  try {
    const cabin = await runCabin(config.value, { port: opts.port });
    if (!cabin.ok) {
      process.stderr.write(`vep booth run: ${config.value.cabinId}: ${describeCabinStartError(cabin.error)}\n`);
      return 1;
    }
    process.stdout.write(`${config.value.cabinId} screen: ${cabin.value.screenUrl}\nstop with Ctrl+C (SIGINT) or SIGTERM\n`);
    await stop.received;
    await cabin.value.close();
    return 0;
  } finally {
    stop.cancel();
  }
}

export function registerBoothCommands(program: Command): void {
  const booth = program.command('booth').description('the voting cabin (cabina de votación)');
  booth
    .command('run')
    .description('run one cabin: verify the package and software code, open its store and devices, serve its kiosk screen on 127.0.0.1')
    .requiredOption('--config <file>', 'cabin configuration (JSON: packagePath, rootPublicKeyFile, cabinId, dataDir, keysDir, devices)')
    .option('--port <port>', 'kiosk screen port on 127.0.0.1 (0: any free port)', (v) => Number.parseInt(v, 10), 0)
    .action(async (opts: { config: string; port: number }) => {
      process.exitCode = await run(opts.config, opts);
    });
}
