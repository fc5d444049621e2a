/** `vep booth run`: runs one voting cabin (host + kiosk screen) from its configuration file. */
import fs from 'node:fs';
import type { Command } from 'commander';
import { parseBoothHostConfig, type BoothHostConfig } from './host-config.ts';
import { describeCabinStartError, runCabin } from './station.ts';
import { untilStopSignal } from '../shared/cli/stop-signal.ts';
import { CLOCK_BRIDGE_FLAGS, CLOCK_BRIDGE_HELP, stationClock } from '../shared/cli/clock-bridge-option.ts';
import { closeCabinsWithCredentialAfterVoting } from './simulacro-close.ts';
import { describePackageError, loadVerifiedPackage } from '../shared/election/package.ts';
import { readRootPublicKeyFile } from '../shared/election/root-key.ts';
import { prerenderPackageClips } from './accessibility/prerender.ts';
import type { SpeechError } from './accessibility/speech.ts';

function readConfig(command: string, configFile: string): BoothHostConfig | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  } catch (e) {
    process.stderr.write(`vep booth ${command}: cannot read ${configFile}: ${e instanceof Error ? e.message : String(e)}\n`);
    return undefined;
  }
  const config = parseBoothHostConfig(raw);
  if (!config.ok) {
    process.stderr.write(`vep booth ${command}: invalid configuration ${configFile}:\n${config.error.join('\n')}\n`);
    return undefined;
  }
  return config.value;
}

function describeSpeechError(e: SpeechError): string {
  switch (e.kind) {
    case 'espeak-failed': return `espeak-ng failed: ${e.detail}`;
    case 'voice-missing': return `espeak-ng has no ${e.voice} voice (install espeak-ng-data)`;
    case 'cache': return `clip cache: ${e.detail}`;
    case 'unknown-clip': return 'unknown clip';
  }
}

/** Installation step: renders the audio ballot of the verified package into the cabin's clip cache. */
async function prepareAudio(configFile: string): Promise<number> {
  const config = readConfig('prepare-audio', configFile);
  if (config === undefined) return 1;
  if (config.audioCacheDir === undefined) {
    process.stderr.write('vep booth prepare-audio: the configuration has no audioCacheDir\n');
    return 1;
  }
  const rootKey = readRootPublicKeyFile(config.rootPublicKeyFile);
  if (rootKey === undefined) {
    process.stderr.write(`vep booth prepare-audio: cannot read the ONPE root public key ${config.rootPublicKeyFile}\n`);
    return 1;
  }
  const pkg = loadVerifiedPackage(config.packagePath, rootKey);
  if (!pkg.ok) {
    process.stderr.write(`vep booth prepare-audio: ${describePackageError(pkg.error)}\n`);
    return 1;
  }
  // Every prompt at every rate step: thousands of clips, minutes of work; say how far it is.
  let reported = -1;
  const onProgress = (done: number, total: number) => {
    const tenth = Math.floor((done * 10) / total);
    if (tenth === reported) return;
    reported = tenth;
    process.stdout.write(`prepare-audio: ${done} of ${total} clips\n`);
  };
  const rendered = await prerenderPackageClips(pkg.value.payload.definition, pkg.value.packageHash, config.audioCacheDir, { onProgress });
  if (!rendered.ok) {
    process.stderr.write(`vep booth prepare-audio: ${describeSpeechError(rendered.error)}\n`);
    return 1;
  }
  const { rendered: count, reused, bytes } = rendered.value;
  process.stdout.write(
    `audio ballot clips in ${config.audioCacheDir}: ${count} rendered, ${reused} already there, ` +
      `every prompt at every speech rate, ${(bytes / 1e6).toFixed(0)} MB\n`,
  );
  return 0;
}

interface RunOptions {
  port: number;
  clockBridge?: string;
  simulacroCredentialClose: boolean;
}

async function run(configFile: string, opts: RunOptions): Promise<number> {
  const loaded = readConfig('run', configFile);
  if (loaded === undefined) return 1;
  const config = { value: loaded };
  const clock = await stationClock('vep booth run', opts.clockBridge);
  if (!clock.ok) {
    process.stderr.write(`${clock.error}\n`);
    return 1;
  }
  const stop = untilStopSignal();
  try {
    const cabin = await runCabin(config.value, { port: opts.port, clock: clock.value.clock });
    if (!cabin.ok) {
      process.stderr.write(`vep booth run: ${config.value.cabinId}: ${describeCabinStartError(cabin.error)}\n`);
      return 1;
    }
    const definition = cabin.value.host.definition;
    let closer: { stop(): void } | undefined;
    if (opts.simulacroCredentialClose && definition !== undefined) {
      if (!definition.election.simulacro) {
        await cabin.value.close();
        process.stderr.write('vep booth run: --simulacro-credential-close is for simulacro packages only; this package is a real election\n');
        return 1;
      }
      closer = closeCabinsWithCredentialAfterVoting([cabin.value.host], definition, clock.value.clock ?? (() => new Date()));
    }
    process.stdout.write(`${config.value.cabinId} screen: ${cabin.value.screenUrl}\nstop with Ctrl+C (SIGINT) or SIGTERM\n`);
    await stop.received;
    closer?.stop();
    await cabin.value.close();
    return 0;
  } finally {
    stop.cancel();
    clock.value.close();
  }
}

export function registerBoothCommands(program: Command): void {
  const booth = program.command('booth').description('the voting cabin (cabina de votación)');
  booth
    .command('run')
    .description('run one cabin: verify the package and software code, open its store and devices, serve its kiosk screen on 127.0.0.1')
    .requiredOption('--config <file>', 'cabin configuration (JSON: packagePath, rootPublicKeyFile, cabinId, dataDir, keysDir, devices)')
    .option('--port <port>', 'kiosk screen port on 127.0.0.1 (0: any free port)', (v) => Number.parseInt(v, 10), 0)
    .option(CLOCK_BRIDGE_FLAGS, CLOCK_BRIDGE_HELP)
    .option(
      '--simulacro-credential-close',
      'simulacro only (vep start): after the close of voting, a member credential left in the reader on the ready screen closes the cabin',
      false,
    )
    .action(async (opts: RunOptions & { config: string }) => {
      process.exitCode = await run(opts.config, opts);
    });
  booth
    .command('prepare-audio')
    .description('installation: render every spoken prompt of the verified election package into the cabin\'s audioCacheDir (espeak-ng)')
    .requiredOption('--config <file>', 'cabin configuration (JSON, with audioCacheDir)')
    .action(async (opts: { config: string }) => {
      process.exitCode = await prepareAudio(opts.config);
    });
}
