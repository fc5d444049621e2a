/** `vep center serve` and `vep center tally`: the reference computing-centre receiver. */
import { InvalidArgumentError, type Command } from 'commander';
import { untilStopSignal } from '../shared/cli/stop-signal.ts';
import { CLOCK_BRIDGE_FLAGS, CLOCK_BRIDGE_HELP, stationClock } from '../shared/cli/clock-bridge-option.ts';
import type { ReceiverEvent } from './receiver.ts';
import { startCentre } from './service.ts';
import { describeCentreStoreError, openCentreStore } from './store.ts';
import { formatCentreTally } from './tally.ts';

function portOption(value: string): number {
  if (!/^[0-9]+$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535');
  return Number(value);
}

function logEvent(event: ReceiverEvent): void {
  const line =
    event.kind === 'acknowledged'
      ? `acknowledged ${event.file} of mesa ${event.mesa} (receipt ${event.receiptNumber}${event.duplicate ? ', repeat' : ''})`
      : `refused ${event.reason}${event.mesa === null ? '' : ` for mesa ${event.mesa}`}: ${event.detail}`;
  process.stderr.write(`${new Date().toISOString()} ${line}\n`);
}

interface ServeOptions {
  package: string[];
  keys: string;
  db: string;
  port: number;
  host: string;
  real: boolean;
  tls: boolean;
  clockBridge?: string;
}

async function serve(opts: ServeOptions): Promise<number> {
  const clock = await stationClock('vep center serve', opts.clockBridge);
  if (!clock.ok) {
    process.stderr.write(`${clock.error}\n`);
    return 1;
  }
  const stop = untilStopSignal();
  try {
    const centre = await startCentre({
      clock: clock.value.clock,
      packagePaths: opts.package,
      keysDir: opts.keys,
      dbFile: opts.db,
      real: opts.real,
      host: opts.host,
      port: opts.port,
      tls: opts.tls,
      onEvent: logEvent,
    });
    if (!centre.ok) {
      process.stderr.write(`vep center serve: ${centre.error}\n`);
      return 1;
    }
    const c = centre.value;
    process.stdout.write(
      `computing centre for election ${c.electionId} (${opts.real ? 'REAL ELECTION' : 'simulacro'}), ${c.packages} package(s)\n` +
        `listening on ${c.url}\n` +
        (c.certFile === undefined
          ? 'WARNING: plain HTTP, no TLS (--no-tls)\n'
          : `certificate to pin: ${c.certFile}\nSHA-256 fingerprint: ${c.fingerprint256}\n`) +
        'stop with Ctrl+C (SIGINT) or SIGTERM\n',
    );
    await stop.received;
    await c.close();
    return 0;
  } finally {
    stop.cancel();
    clock.value.close();
  }
}

export function registerCentreCommands(program: Command): void {
  const center = program.command('center').description('reference computing-centre receiver (centro de cómputo)');
  center
    .command('serve')
    .description(
      'receive transmitted mesa results: verify, decrypt, store in SQLite, answer with signed receipts; ' +
        'HTTPS with a self-signed certificate (made once in KEYS/centre-tls/) that stations pin',
    )
    .requiredOption('--package <paths...>', 'election package files (one per mesa) or folders of .vep packages')
    .requiredOption('--keys <dir>', 'key folder with secret/centre.json, secret/centre-box.json and public/onpe-root.json')
    .requiredOption('--db <file>', 'centre store (SQLite), created if missing')
    .option('--port <port>', 'port (0: any free port)', portOption, 8443)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--real', 'real-election centre: refuses simulacro packages and results', false)
    .option('--no-tls', 'plain HTTP (development only)')
    .option(CLOCK_BRIDGE_FLAGS, CLOCK_BRIDGE_HELP)
    .action(async (opts: ServeOptions) => {
      process.exitCode = await serve(opts);
    });
  center
    .command('tally')
    .description('print national and per-ODPE totals of the accepted mesa results, and the conflicts')
    .requiredOption('--db <file>', 'centre store (SQLite)')
    .action((opts: { db: string }) => {
      const store = openCentreStore(opts.db, { readOnly: true });
      if (!store.ok) {
        process.stderr.write(`vep center tally: ${describeCentreStoreError(store.error)}\n`);
        process.exitCode = 1;
        return;
      }
      try {
        process.stdout.write(formatCentreTally(store.value));
        process.exitCode = 0;
      } finally {
        store.value.close();
      }
    });
}
