/**
 * `vep start` (what `npm start` runs): a simulacro mesa on this machine.
 *
 * Steps: a simulacro key set (generated once, kept in the run folder), the election package
 * built from the definition and verified with the ONPE root public key exactly as a station
 * loads it, then the hardware simulator of one mesa (a printer and an activation reader per
 * station, keypads, the consolidation USB stick, a second USB port at the results station, the
 * acta scanner, three blank write-once backup media) with the tester panel, and the identity
 * station, every cabin, the results station, a local computing centre and the transmission
 * station, each in a process of its own as on real hardware (start-processes.ts): `vep start`
 * writes their configuration files (run folder, config/; start-stations.ts, shared with
 * `vep sim day`) and reads each screen URL from the station's output. The simulated HID devices, USB media, scanner and clock stay in this process
 * and reach the stations through the device bridge (hardware-sim/bridge/, a unix socket in the
 * run folder); the printers through their ptys. The transmission station reads the stick in the
 * results station's port and sends to the local centre, pinning its certificate
 * (start-transmission.ts says why).
 *
 * The day runs on the simulator's clock (panel: Clock), from the opening of voting on the election
 * date; every station reads it through the bridge (`--clock-bridge`), and the tester advances it to
 * the close of voting. The consolidation stick sits in the port the identity station and cabins
 * share; the tester moves it to the results station's port (panel: "Move medium to port"), where
 * the transmission station reads it once the results station is closed. Each start is a fresh
 * simulacro day: the stations' data folders are wiped; the key set is kept.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { generateKeySet, loadPublicKeys, describeKeySetError, cabinRole } from '../shared/crypto/keyset.ts';
import { loadElectionDefinitionFile, formatDefinitionIssues } from '../shared/election/definition.ts';
import { buildPackage, describeBuildError, describePackageError, verifyPackageBytes } from '../shared/election/package.ts';
import { REPO_ROOT, currentSoftwareVersionCode } from '../shared/software/version-code.ts';
import { serveSimulator, parsePort, DEFAULT_SIM_PORT, type SimulatorAttachment } from '../shared/cli/sim-commands.ts';
import { err, ok, type Result } from '../shared/result.ts';
import { localDateTimeToEpoch, type ElectionDefinition } from '../shared/election/definition.ts';
import type { VerifiedPackage } from '../shared/election/package.ts';
import { serveDeviceBridge } from '../hardware-sim/bridge/device-bridge.ts';
import { BLANK_DEVICES, blankDevice, prepareDevices, PREPARED_VOTER_DEVICES, voterDevice } from './start-devices.ts';
import { spawnStationProcess, type StationProcess } from './start-processes.ts';
import {
  bridgeSocketPath,
  cabinConfigInput,
  centreCommand,
  clockBridgeArgs,
  identityConfigInput,
  resultsConfigInput,
  STATION_COMMANDS,
  writeConfig,
} from './start-stations.ts';
import { BACKUP_PORTS, insertBackupMedia, TRANSMISSION_DEVICE, transmissionConfig } from './start-transmission.ts';

const DEFAULT_DEFINITION = path.join(REPO_ROOT, 'test', 'fixtures', 'eg2026', 'definition.json');
const DEFAULT_RUN_DIR = path.join(REPO_ROOT, '.vep-run');

interface StartOptions {
  definition: string;
  dir: string;
  port: number;
}

function fail(message: string): number {
  process.stderr.write(`vep start: ${message}\n`);
  return 1;
}

async function start(opts: StartOptions): Promise<number> {
  const definition = loadElectionDefinitionFile(opts.definition);
  if (!definition.ok) return fail(`invalid election definition ${opts.definition}:\n${formatDefinitionIssues(definition.error)}`);
  const def = definition.value;
  if (!def.election.simulacro) return fail('vep start only runs simulacro elections: the definition has simulacro=false');

  const keysDir = path.join(opts.dir, 'keys');
  fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  if (!fs.existsSync(keysDir)) {
    const generated = generateKeySet(keysDir, { cabins: def.mesa.cabins, members: def.members.length });
    if (!generated.ok) return fail(describeKeySetError(generated.error));
  }
  // Rebuilt on every start: the package authorizes the software code of this very tree.
  const built = buildPackage(def, keysDir);
  if (!built.ok) return fail(describeBuildError(built.error));
  const packagePath = path.join(opts.dir, 'election.pkg');
  fs.writeFileSync(packagePath, built.value);
  const keys = loadPublicKeys(keysDir);
  if (!keys.ok) return fail(describeKeySetError(keys.error));
  const verified = verifyPackageBytes(fs.readFileSync(packagePath), keys.value.onpeRoot);
  if (!verified.ok) return fail(describePackageError(verified.error));

  process.stdout.write(
    [
      `SIMULACRO — ${def.election.name}`,
      `mesa ${def.mesa.number}, ${def.mesa.place.name}: ${def.mesa.electoresHabiles} electores hábiles, ${def.mesa.cabins} cabinas`,
      `election package: ${packagePath} (sha256 ${verified.value.packageHash})`,
      `software version code: ${currentSoftwareVersionCode()}`,
      `keys (simulacro only): ${keysDir}`,
      '',
    ].join('\n'),
  );

  const { election } = def;
  // The day starts at the opening of voting, not at the members' arrival: the identity station's
  // schedule instants are timers armed at its start in real time, so moving the clock forward
  // would not open the voting before an hour of real waiting (installing after the opening and
  // before the install deadline is allowed). The close needs no timer: cabins and the identity
  // station check the clock when the president closes.
  const dayStart = new Date(localDateTimeToEpoch(election.date, election.schedule.votingOpen, election.timezone));
  process.stdout.write(
    `simulated clock: ${election.date} from ${election.schedule.votingOpen} (${election.timezone}, the opening of voting), running in real time; ` +
      `advance it in the panel (Clock) to the close at ${election.schedule.votingClose}\n`,
  );
  const cabins = Array.from({ length: def.mesa.cabins }, (_, i) => cabinRole(i + 1));
  const stationsDir = path.join(opts.dir, 'stations');
  fs.rmSync(stationsDir, { recursive: true, force: true });
  return serveSimulator(
    {
      port: opts.port,
      printers: ['identity', ...cabins, 'results', TRANSMISSION_DEVICE],
      readers: ['identity', ...cabins, 'results'],
      keypads: cabins.map((c) => `${c}-keypad`),
      usb: [CONSOLIDATION_PORT],
      scanners: [TRANSMISSION_DEVICE],
      out: path.join(opts.dir, 'tickets'),
    },
    attachStations({ dayStart, def, pkg: verified.value, keysDir, packagePath, runDir: opts.dir, stationsDir, cabins }),
  );
}

/** The identity station's DNI reader in the panel. */
const IDENTITY_DNI_READER = 'identity-dni';

/** The port the identity station and the cabins share, where the consolidation stick starts. */
export const CONSOLIDATION_PORT = 'consolidation';
/** The results station's own USB port, empty at start: the tester moves the stick there. */
export const RESULTS_USB_PORT = 'results-usb';

interface MesaRun {
  /** Where the simulacro day's clock starts: the opening of voting on the election date. */
  readonly dayStart: Date;
  readonly def: ElectionDefinition;
  readonly pkg: VerifiedPackage;
  readonly keysDir: string;
  readonly packagePath: string;
  readonly runDir: string;
  readonly stationsDir: string;
  readonly cabins: readonly string[];
}

type Running = { close(): Promise<void> };

/**
 * Prepares the tester's activation devices, serves the simulated devices and clock on the device
 * bridge, and starts the identity station, every cabin, the results station, the computing
 * centre and the transmission station, each as a process of its own on those devices.
 */
function attachStations(run: MesaRun): SimulatorAttachment {
  return async (hardware, printerPaths) => {
    hardware.clock.startAt(run.dayStart);
    const prepared = prepareDevices(hardware, { def: run.def, pkg: run.pkg, keysDir: run.keysDir, now: hardware.clock.now() });
    if (!prepared.ok) return err(prepared.error);
    hardware.usbStick(RESULTS_USB_PORT, { inserted: false });
    insertBackupMedia(hardware);

    const running: Running[] = [];
    const stations: StationProcess[] = [];
    const closeAll = async (): Promise<void> => {
      // The stations first, all at once (each closes its stores and screen), then the bridge.
      await Promise.all(stations.map((station) => station.stop()));
      for (const closing of running.reverse()) await closing.close();
    };
    const failed = async (message: string) => {
      await closeAll();
      return err(message);
    };

    const socket = bridgeSocketPath(run.runDir);
    const bridge = await serveDeviceBridge(hardware, socket.path);
    if (!bridge.ok) return failed(bridge.error);
    running.push({
      close: async () => {
        await bridge.value.close();
        socket.cleanup();
      },
    });
    const configDir = path.join(run.runDir, 'config');
    fs.rmSync(configDir, { recursive: true, force: true });
    fs.mkdirSync(configDir, { recursive: true, mode: 0o700 });
    const clockArgs = clockBridgeArgs(socket.path);
    const mesaRun = { packagePath: run.packagePath, keysDir: run.keysDir, bridge: socket.path };
    const printer = (station: string): Result<{ kind: 'escpos-serial'; path: string }, string> => {
      const pty = printerPaths.get(station);
      return pty === undefined ? err(`no simulated printer for ${station}`) : ok({ kind: 'escpos-serial', path: pty });
    };
    /** A station that ends on its own later is reported with why (its stderr tail). */
    const watched = (station: StationProcess): StationProcess => {
      station.onExit((how, tail) => {
        process.stderr.write(`vep start: the ${station.label} process ended (${how})${tail === '' ? '' : `; its last output:\n${tail}`}\n`);
      });
      stations.push(station);
      return station;
    };
    const screen = (label: string, args: string[], urlLine: RegExp) => spawnStationProcess({ label, args: [...args, ...clockArgs], ready: [urlLine] });

    const identityPrinter = printer('identity');
    const resultsPrinter = printer('results');
    const transmissionPrinter = printer(TRANSMISSION_DEVICE);
    if (!identityPrinter.ok) return failed(identityPrinter.error);
    if (!resultsPrinter.ok) return failed(resultsPrinter.error);
    if (!transmissionPrinter.ok) return failed(transmissionPrinter.error);

    const identityInput = identityConfigInput(mesaRun, {
      dataDir: path.join(run.stationsDir, 'identity'),
      reader: 'identity',
      // The DNI reader (panel: DNI readers) scans a DNI into the identity station as if typed.
      dniReader: IDENTITY_DNI_READER,
      printer: identityPrinter.value,
      consolidationPort: CONSOLIDATION_PORT,
    });
    const identityConfig = writeConfig(configDir, 'identity', identityInput);
    const cabinConfigs: string[] = [];
    for (const cabinId of run.cabins) {
      const cabinPrinter = printer(cabinId);
      if (!cabinPrinter.ok) return failed(cabinPrinter.error);
      const input = cabinConfigInput(mesaRun, { cabinId, dataDir: path.join(run.stationsDir, cabinId), printer: cabinPrinter.value, consolidationPort: CONSOLIDATION_PORT });
      cabinConfigs.push(writeConfig(configDir, cabinId, input));
    }
    const resultsInput = resultsConfigInput(mesaRun, {
      dataDir: path.join(run.stationsDir, 'results'),
      reader: 'results',
      printer: resultsPrinter.value,
      consolidationPort: RESULTS_USB_PORT,
    });
    const resultsConfig = writeConfig(configDir, 'results', resultsInput);
    const centreDir = path.join(run.stationsDir, 'centre');
    fs.mkdirSync(centreDir, { recursive: true, mode: 0o700 });

    // All at once: each process spends its first seconds loading its sources.
    const starting = [
      screen('identity station', STATION_COMMANDS.identity.args(identityConfig), STATION_COMMANDS.identity.ready),
      ...run.cabins.map((cabinId, i) =>
        screen(cabinId, STATION_COMMANDS.cabin.args(cabinConfigs[i] ?? ''), STATION_COMMANDS.cabin.ready),
      ),
      screen('results station', STATION_COMMANDS.results.args(resultsConfig), STATION_COMMANDS.results.ready),
      spawnStationProcess({
        label: 'computing centre',
        ...centreCommand({ packagePath: run.packagePath, keysDir: run.keysDir, dbFile: path.join(centreDir, 'centre.db'), bridge: socket.path }),
        // Its receipts and refusals (its stderr log, without the timestamp), as vep start always printed them.
        onLine: (stream, line) => {
          if (stream === 'stderr') process.stdout.write(`centre: ${line.replace(/^\S+Z /, '')}\n`);
        },
      }),
    ];
    const started = await Promise.all(starting);
    for (const s of started) if (s.ok) watched(s.value);
    const refused = started.find((s) => !s.ok);
    if (refused !== undefined && !refused.ok) return failed(refused.error);
    const [identity, ...rest] = started.map((s) => (s.ok ? s.value : undefined));
    const cabins = rest.slice(0, run.cabins.length);
    const [results, centre] = rest.slice(run.cabins.length);
    if (identity === undefined || results === undefined || centre === undefined || cabins.some((c) => c === undefined)) {
      return failed('bug: a station process is missing');
    }
    const url = (station: StationProcess, index = 0): string => station.matches[index]?.[1] ?? '';
    const centreUrl = url(centre);
    const centreCert = url(centre, 1);

    const transmissionInput = transmissionConfig({
      packagePath: run.packagePath,
      keysDir: run.keysDir,
      dataDir: path.join(run.stationsDir, 'transmission'),
      bridge: socket.path,
      stickPort: RESULTS_USB_PORT,
      printerPath: transmissionPrinter.value.path,
      centre: { url: centreUrl, certFile: centreCert },
    });
    const transmission = await screen(
      'transmission station',
      STATION_COMMANDS.transmission.args(writeConfig(configDir, 'transmission', transmissionInput)),
      STATION_COMMANDS.transmission.ready,
    );
    if (!transmission.ok) return failed(transmission.error);
    watched(transmission.value);

    const lines = [
      `identity station screen: ${url(identity)}`,
      ...run.cabins.map((cabinId, i) => `${cabinId} screen: ${url(cabins[i] ?? identity)}`),
      `results station screen: ${url(results)}`,
      `computing centre: ${centreUrl} (certificate ${centreCert})`,
      `transmission station screen: ${url(transmission.value)}`,
      `stations in their own processes (pid): ${[identity, ...cabins, results, centre, transmission.value]
        .map((p) => `${p?.label ?? '?'} ${String(p?.pid ?? '?')}`)
        .join(', ')}; their devices and clock on the device bridge ${socket.path}`,
      `member credentials in the panel: ${prepared.value.credentials.join(', ')} (president first)`,
      `DNI reader of the identity station in the panel: ${IDENTITY_DNI_READER} (scan a DNI instead of typing it)`,
      `activation devices: ${blankDevice(1)}..${blankDevice(BLANK_DEVICES)} (blank, for the identity station to issue tokens on);`,
      `  ${voterDevice(1)}..${voterDevice(PREPARED_VOTER_DEVICES)} (tokens already issued: a shortcut to the cabins)`,
      'the day: install the mesa on the identity station screen (president credential in its reader), puesta a cero on each cabin',
      '  (credential in its reader), vote (the president first); advance the clock (panel: Clock) to the close of voting,',
      '  close each cabin (credential in its reader) and the identity station, move the consolidation stick to the port',
      `  ${RESULTS_USB_PORT} and follow the results station screen (president, then two members sign with their credentials);`,
      `  then place the printed ODPE acta on the scanner ${TRANSMISSION_DEVICE} (panel: Scanners), press Reintentar on the`,
      `  transmission station screen and follow it (the stick stays in ${RESULTS_USB_PORT}; backups burn on ${BACKUP_PORTS.join(', ')})`,
      '',
    ];
    return ok({ lines, close: closeAll });
  };
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('prepare a simulacro election (keys, signed package) and run its mesa on the hardware simulator: identity station, cabins, results station, computing centre, transmission station, tester panel')
    .option('--definition <file>', 'election definition (must be a simulacro)', DEFAULT_DEFINITION)
    .option('--dir <dir>', 'run folder for keys, package and printed tickets', DEFAULT_RUN_DIR)
    .option('--port <port>', 'tester panel port on 127.0.0.1', parsePort, DEFAULT_SIM_PORT)
    .action(async (opts: StartOptions) => {
      process.exitCode = await start(opts);
    });
}
