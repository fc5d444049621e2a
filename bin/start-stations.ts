/**
 * What `vep start` and `vep sim day` share to run a mesa's stations each in a process of its own
 * on the simulator's device bridge: where the bridge socket goes, the stations' configuration
 * files (checked with each station's own parser before they are written), the `vep` arguments
 * of each station and the stdout line that says it is up (its screen URL).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { publicKeyFile } from '../shared/crypto/keyset.ts';
import { parseIdentityHostConfig, type IdentityHostConfigInput } from '../identity-station/host-config.ts';
import { parseBoothHostConfig, type BoothHostConfigInput } from '../booth/host-config.ts';
import { parseResultsHostConfig, type ResultsHostConfigInput } from '../results-station/host-config.ts';

/** A unix socket path must fit in sockaddr_un (108 bytes with its NUL). */
const MAX_SOCKET_PATH = 100;

/** Where the device bridge listens: in the (private) run folder, or a private temp folder if its path is too long. */
export function bridgeSocketPath(runDir: string): { path: string; cleanup(): void } {
  const inRun = path.resolve(runDir, 'devices.sock');
  if (Buffer.byteLength(inRun) <= MAX_SOCKET_PATH) return { path: inRun, cleanup: () => fs.rmSync(inRun, { force: true }) };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-bridge-'));
  return { path: path.join(dir, 'devices.sock'), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A station's configuration file, owner-only (it names the keys folder). */
export function writeConfig(configDir: string, name: string, config: unknown): string {
  const file = path.join(configDir, `${name}.json`);
  fs.writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return file;
}

/** The station's own parser checks what we write: a refusal is a bug here, not the tester's. */
function checked<T>(station: string, parsed: { ok: true; value: unknown } | { ok: false; error: string[] }, input: T): T {
  if (!parsed.ok) throw new Error(`bug: the ${station} config written for it: ${parsed.error.join('; ')}`);
  return input;
}

/** What every station of the mesa is configured with. */
export interface MesaStationsRun {
  readonly packagePath: string;
  readonly keysDir: string;
  /** The simulator's device bridge socket. */
  readonly bridge: string;
}

export interface StationPrinter {
  readonly kind: 'escpos-serial';
  /** The simulated printer's pty. */
  readonly path: string;
  readonly statusReplyTimeoutMs?: number;
}

function common(run: MesaStationsRun) {
  return { packagePath: run.packagePath, rootPublicKeyFile: publicKeyFile(run.keysDir, 'onpe-root'), keysDir: run.keysDir };
}

const bridged = (run: MesaStationsRun, name: string) => ({ kind: 'bridge' as const, socket: run.bridge, name });

export function identityConfigInput(
  run: MesaStationsRun,
  station: { readonly dataDir: string; readonly reader: string; readonly dniReader?: string; readonly printer: StationPrinter; readonly consolidationPort: string },
): IdentityHostConfigInput {
  const input: IdentityHostConfigInput = {
    ...common(run),
    dataDir: station.dataDir,
    devices: {
      activationReader: { ...bridged(run, station.reader), timeoutMs: 3000 },
      ...(station.dniReader === undefined ? {} : { dniReader: bridged(run, station.dniReader) }),
      printer: station.printer,
      consolidation: bridged(run, station.consolidationPort),
    },
  };
  return checked('identity', parseIdentityHostConfig(input), input);
}

export function cabinConfigInput(
  run: MesaStationsRun,
  station: { readonly cabinId: string; readonly dataDir: string; readonly printer: StationPrinter; readonly consolidationPort: string },
): BoothHostConfigInput {
  const input: BoothHostConfigInput = {
    ...common(run),
    cabinId: station.cabinId,
    dataDir: station.dataDir,
    devices: {
      activationReader: { ...bridged(run, station.cabinId), timeoutMs: 3000 },
      printer: station.printer,
      consolidation: bridged(run, station.consolidationPort),
    },
  };
  return checked(station.cabinId, parseBoothHostConfig(input), input);
}

export function resultsConfigInput(
  run: MesaStationsRun,
  station: { readonly dataDir: string; readonly reader: string; readonly printer: StationPrinter; readonly consolidationPort: string },
): ResultsHostConfigInput {
  const input: ResultsHostConfigInput = {
    ...common(run),
    dataDir: station.dataDir,
    mode: 'electronic',
    devices: {
      activationReader: { ...bridged(run, station.reader), timeoutMs: 3000 },
      printer: station.printer,
      consolidation: bridged(run, station.consolidationPort),
    },
  };
  return checked('results', parseResultsHostConfig(input), input);
}

/** `vep` arguments of each station process and the stdout line that says it is up (group 1: its screen URL). */
export const STATION_COMMANDS = {
  identity: { args: (config: string) => ['identity', 'run', '--config', config], ready: /^identity station screen: (\S+)$/ },
  // A simulacro cabin closes with a member's credential in its reader after the close of voting (booth/simulacro-close.ts).
  cabin: { args: (config: string) => ['booth', 'run', '--config', config, '--simulacro-credential-close'], ready: /^\S+ screen: (\S+)$/ },
  results: { args: (config: string) => ['results', 'run', '--config', config], ready: /^results station screen: (\S+)$/ },
  transmission: { args: (config: string) => ['transmission', 'run', '--config', config], ready: /^transmission station screen: (\S+)$/ },
} as const;

/** Every station reads the simulator's clock through the bridge. */
export const clockBridgeArgs = (bridge: string): string[] => ['--clock-bridge', bridge];

/** The local computing centre: `vep center serve` on any free port, on the bridge's clock; up once it names its URL and certificate. */
export function centreCommand(run: { readonly packagePath: string; readonly keysDir: string; readonly dbFile: string; readonly bridge: string }): { args: string[]; ready: RegExp[] } {
  return {
    args: ['center', 'serve', '--package', run.packagePath, '--keys', run.keysDir, '--db', run.dbFile, '--port', '0', ...clockBridgeArgs(run.bridge)],
    ready: [/^listening on (\S+)$/, /^certificate to pin: (\S+)$/],
  };
}
