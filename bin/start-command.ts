/**
 * `vep start` (what `npm start` runs): a simulacro mesa on this machine.
 *
 * Steps: a simulacro key set (generated once, kept in the run folder), the election package
 * built from the definition and verified with the ONPE root public key exactly as a station
 * loads it, then the hardware simulator of one mesa (a printer and an activation reader per
 * station, keypads, the consolidation USB stick, a second USB port at the results station, the
 * acta scanner, three blank write-once backup media) with the tester panel, and the identity
 * station, every cabin, the results station, a local computing centre and the transmission
 * station running their real hosts and screens on those devices (in this one process: the
 * simulated HID and USB devices live in the simulator's memory; issue 9 puts each station in its
 * own process). The transmission station reads the stick in the results station's port and sends
 * to the local centre, pinning its certificate (start-transmission.ts says why).
 *
 * The day runs on the simulator's clock (panel: Clock), from the opening of voting on the election
 * date; the tester advances it to the close of voting. The consolidation stick
 * sits in the port the identity station and cabins share; the tester moves it to the results
 * station's port (panel: "Move medium to port"), where the transmission station reads it once the
 * results station is closed. Each start is a fresh simulacro day: the
 * stations' data folders are wiped; the key set is kept.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { generateKeySet, loadPublicKeys, describeKeySetError, cabinRole, publicKeyFile } from '../shared/crypto/keyset.ts';
import { loadElectionDefinitionFile, formatDefinitionIssues } from '../shared/election/definition.ts';
import { buildPackage, describeBuildError, describePackageError, verifyPackageBytes } from '../shared/election/package.ts';
import { REPO_ROOT, currentSoftwareVersionCode } from '../shared/software/version-code.ts';
import { serveSimulator, parsePort, DEFAULT_SIM_PORT, type SimulatorAttachment } from '../shared/cli/sim-commands.ts';
import { err, ok } from '../shared/result.ts';
import { localDateTimeToEpoch, type ElectionDefinition } from '../shared/election/definition.ts';
import type { VerifiedPackage } from '../shared/election/package.ts';
import { describeCabinStartError, runCabin } from '../booth/station.ts';
import { describeIdentityStationStartError, runIdentityStation } from '../identity-station/station.ts';
import type { BoothHost } from '../booth/host.ts';
import { describeResultsStationStartError, runResultsStation } from '../results-station/station.ts';
import { startCentre } from '../centre/service.ts';
import { BLANK_DEVICES, blankDevice, prepareDevices, PREPARED_VOTER_DEVICES, voterDevice } from './start-devices.ts';
import { closeCabinsWithCredentialAfterVoting } from './start-cabin-close.ts';
import { BACKUP_PORTS, startTransmission, TRANSMISSION_DEVICE } from './start-transmission.ts';

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
    attachStations({ dayStart, def, pkg: verified.value, keysDir, packagePath, stationsDir, cabins }),
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
  readonly stationsDir: string;
  readonly cabins: readonly string[];
}

type Running = { close(): Promise<void> };

/**
 * Prepares the tester's activation devices and starts the identity station, every cabin, the
 * results station, the computing centre and the transmission station on the simulated devices
 * and clock.
 */
function attachStations(run: MesaRun): SimulatorAttachment {
  return async (hardware, printerPaths) => {
    hardware.clock.startAt(run.dayStart);
    const clock = hardware.clock.read;
    const prepared = prepareDevices(hardware, { def: run.def, pkg: run.pkg, keysDir: run.keysDir, now: clock() });
    if (!prepared.ok) return err(prepared.error);
    hardware.usbStick(RESULTS_USB_PORT, { inserted: false });

    const running: Running[] = [];
    const closeAll = async (): Promise<void> => {
      for (const station of running.reverse()) await station.close();
    };
    const failed = async (message: string) => {
      await closeAll();
      return err(message);
    };
    const printer = (station: string) => {
      const pty = printerPaths.get(station);
      return pty === undefined ? undefined : ({ kind: 'escpos-serial', path: pty } as const);
    };
    const common = { packagePath: run.packagePath, rootPublicKeyFile: publicKeyFile(run.keysDir, 'onpe-root'), keysDir: run.keysDir };
    const sharedStick = { kind: 'simulated', name: CONSOLIDATION_PORT, writeOnce: false, inserted: true } as const;
    const lines: string[] = [];

    const identityPrinter = printer('identity');
    if (identityPrinter === undefined) return failed('no simulated printer for the identity station');
    const identityStation = await runIdentityStation(
      {
        ...common,
        dataDir: path.join(run.stationsDir, 'identity'),
        devices: {
          activationReader: { kind: 'simulated', name: 'identity', timeoutMs: 3000 },
          // The DNI reader (panel: DNI readers) scans a DNI into the identity station as if typed.
          dniReader: { kind: 'simulated', name: IDENTITY_DNI_READER },
          printer: identityPrinter,
          consolidation: sharedStick,
        },
      },
      { hardware, clock },
    );
    if (!identityStation.ok) return failed(`identity station: ${describeIdentityStationStartError(identityStation.error)}`);
    running.push(identityStation.value);
    lines.push(`identity station screen: ${identityStation.value.screenUrl}`);

    const cabinHosts: BoothHost[] = [];
    for (const cabinId of run.cabins) {
      const cabinPrinter = printer(cabinId);
      if (cabinPrinter === undefined) return failed(`no simulated printer for ${cabinId}`);
      const cabin = await runCabin(
        {
          ...common,
          cabinId,
          dataDir: path.join(run.stationsDir, cabinId),
          devices: { activationReader: { kind: 'simulated', name: cabinId, timeoutMs: 3000 }, printer: cabinPrinter, consolidation: sharedStick },
        },
        { hardware, clock },
      );
      if (!cabin.ok) return failed(`${cabinId}: ${describeCabinStartError(cabin.error)}`);
      running.push(cabin.value);
      cabinHosts.push(cabin.value.host);
      lines.push(`${cabinId} screen: ${cabin.value.screenUrl}`);
    }
    const closer = closeCabinsWithCredentialAfterVoting(cabinHosts, run.def, clock);
    running.push({ close: () => Promise.resolve(closer.stop()) });

    const resultsPrinter = printer('results');
    if (resultsPrinter === undefined) return failed('no simulated printer for the results station');
    const results = await runResultsStation(
      {
        ...common,
        dataDir: path.join(run.stationsDir, 'results'),
        mode: 'electronic',
        devices: {
          activationReader: { kind: 'simulated', name: 'results', timeoutMs: 3000 },
          printer: resultsPrinter,
          consolidation: { kind: 'simulated', name: RESULTS_USB_PORT, writeOnce: false, inserted: false },
        },
      },
      { hardware, clock },
    );
    if (!results.ok) return failed(`results station: ${describeResultsStationStartError(results.error)}`);
    running.push(results.value);
    lines.push(`results station screen: ${results.value.screenUrl}`);

    const centreDir = path.join(run.stationsDir, 'centre');
    fs.mkdirSync(centreDir, { recursive: true, mode: 0o700 });
    const centre = await startCentre({
      packagePaths: [run.packagePath],
      keysDir: run.keysDir,
      dbFile: path.join(centreDir, 'centre.db'),
      real: false,
      port: 0,
      clock,
      onEvent: (event) =>
        process.stdout.write(
          event.kind === 'acknowledged'
            ? `centre: acknowledged ${event.file} of mesa ${event.mesa}\n`
            : `centre: refused ${event.reason}: ${event.detail}\n`,
        ),
    });
    if (!centre.ok) return failed(`computing centre: ${centre.error}`);
    running.push(centre.value);
    lines.push(`computing centre: ${centre.value.url} (certificate ${centre.value.certFile ?? 'none: plain HTTP'})`);

    const transmissionPrinter = printerPaths.get(TRANSMISSION_DEVICE);
    if (transmissionPrinter === undefined) return failed('no simulated printer for the transmission station');
    const transmission = await startTransmission(
      {
        packagePath: run.packagePath,
        keysDir: run.keysDir,
        dataDir: path.join(run.stationsDir, 'transmission'),
        stickPort: RESULTS_USB_PORT,
        printerPath: transmissionPrinter,
        centre: { url: centre.value.url, certFile: centre.value.certFile },
      },
      hardware,
      clock,
    );
    if (!transmission.ok) return failed(`transmission station: ${transmission.error}`);
    running.push(transmission.value);
    lines.push(`transmission station screen: ${transmission.value.screenUrl ?? 'none'}`);

    lines.push(
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
    );
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
