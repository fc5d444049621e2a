/**
 * `vep start` (what `npm start` runs): a simulacro mesa on this machine.
 *
 * Steps: a simulacro key set (generated once, kept in the run folder), the election package
 * built from the definition and verified with the ONPE root public key exactly as a station
 * loads it, then the hardware simulator of one mesa (a printer and an activation reader per
 * station, keypads, the consolidation USB device, the acta scanner) with the tester panel, and
 * the identity station and every cabin of the mesa running their real hosts and screens on those
 * devices (in this one process for now; issue 9 puts each station in its own process).
 *
 * Devices prepared for the tester: the president's credential, blank activation devices for the
 * identity station to issue tokens on, and a few devices with tokens already issued (signed with
 * the simulacro identity key) as a shortcut to the cabins. Each start is a fresh simulacro day:
 * the stations' data folders are wiped; the key set is kept.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { generateKeySet, loadPublicKeys, loadSigner, describeKeySetError, cabinRole, publicKeyFile, IDENTITY_ROLE } from '../shared/crypto/keyset.ts';
import { loadElectionDefinitionFile, formatDefinitionIssues } from '../shared/election/definition.ts';
import { buildPackage, describeBuildError, describePackageError, verifyPackageBytes } from '../shared/election/package.ts';
import { REPO_ROOT, currentSoftwareVersionCode } from '../shared/software/version-code.ts';
import { serveSimulator, parsePort, DEFAULT_SIM_PORT, type SimulatorAttachment } from '../shared/cli/sim-commands.ts';
import { issueToken } from '../shared/activation/token.ts';
import { encodeImage } from '../shared/devices/activation/device-image.ts';
import { err, ok } from '../shared/result.ts';
import { localDateTimeToEpoch, type ElectionDefinition } from '../shared/election/definition.ts';
import type { VerifiedPackage } from '../shared/election/package.ts';
import { presidentSignerRole, writeMemberCredential } from '../shared/credentials/member-credential.ts';
import { describeCabinStartError, runCabin } from '../booth/station.ts';
import { describeIdentityStationStartError, runIdentityStation } from '../identity-station/station.ts';

const DEFAULT_DEFINITION = path.join(REPO_ROOT, 'test', 'fixtures', 'eg2026', 'definition.json');
const DEFAULT_RUN_DIR = path.join(REPO_ROOT, '.vep-run');
/** Voter devices prepared for the tester (the identity station's job once it lands). */
const PREPARED_VOTER_DEVICES = 10;
/** A token lives a whole simulacro day here; the identity station will issue short-lived ones. */
const PREPARED_TOKEN_VALIDITY_MINUTES = 24 * 60;

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

  // The stations follow the definition's schedule, so the simulacro day runs on a clock that
  // starts at the members' arrival on the election date and then advances in real time.
  const { election } = def;
  const offsetMs = localDateTimeToEpoch(election.date, election.schedule.memberArrival, election.timezone) - Date.now();
  const clock = (): Date => new Date(Date.now() + offsetMs);
  process.stdout.write(`simulated clock: ${election.date} from ${election.schedule.memberArrival} (${election.timezone}), running in real time\n`);
  const cabins = Array.from({ length: def.mesa.cabins }, (_, i) => cabinRole(i + 1));
  const stationsDir = path.join(opts.dir, 'stations');
  fs.rmSync(stationsDir, { recursive: true, force: true });
  return serveSimulator(
    {
      port: opts.port,
      printers: ['identity', ...cabins, 'results'],
      readers: ['identity', ...cabins, 'results'],
      keypads: cabins.map((c) => `${c}-keypad`),
      usb: ['consolidation'],
      scanners: ['transmission'],
      out: path.join(opts.dir, 'tickets'),
    },
    attachStations({ clock, def, pkg: verified.value, keysDir, packagePath, stationsDir, cabins }),
  );
}

interface MesaRun {
  /** The simulacro day's clock: the election date from the members' arrival, in real time. */
  readonly clock: () => Date;
  readonly def: ElectionDefinition;
  readonly pkg: VerifiedPackage;
  readonly keysDir: string;
  readonly packagePath: string;
  readonly stationsDir: string;
  readonly cabins: readonly string[];
}

/** Blank activation devices for the identity station to write tokens on. */
const BLANK_DEVICES = 5;

/**
 * Prepares the tester's activation devices and starts the identity station and every cabin on
 * the simulated devices.
 */
function attachStations(run: MesaRun): SimulatorAttachment {
  return async (hardware, printerPaths) => {
    const identity = loadSigner(run.keysDir, IDENTITY_ROLE);
    const presidentRole = presidentSignerRole(run.pkg);
    const president = presidentRole === undefined ? undefined : loadSigner(run.keysDir, presidentRole);
    if (!identity.ok) return err(describeKeySetError(identity.error));
    if (presidentRole === undefined || president === undefined || !president.ok) return err('the key set has no president credential');
    hardware.activationDevice('credencial-presidente').writeMemory(encodeImage(writeMemberCredential(president.value.seed, presidentRole)));
    for (let i = 1; i <= PREPARED_VOTER_DEVICES; i++) {
      const token = issueToken({
        electionId: run.def.election.id,
        mesa: run.def.mesa.number,
        simulacro: run.def.election.simulacro,
        now: run.clock(),
        validityMinutes: PREPARED_TOKEN_VALIDITY_MINUTES,
        signer: identity.value,
      });
      hardware.activationDevice(`votante-${String(i).padStart(2, '0')}`).writeMemory(encodeImage(token.bytes));
    }

    for (let i = 1; i <= BLANK_DEVICES; i++) hardware.activationDevice(`dispositivo-${String(i).padStart(2, '0')}`);

    const running: { close(): Promise<void> }[] = [];
    const closeAll = async (): Promise<void> => {
      for (const cabin of running.reverse()) await cabin.close();
    };
    const lines: string[] = [];
    const identityPrinter = printerPaths.get('identity');
    if (identityPrinter === undefined) return err('no simulated printer for the identity station');
    const identityStation = await runIdentityStation(
      {
        packagePath: run.packagePath,
        rootPublicKeyFile: publicKeyFile(run.keysDir, 'onpe-root'),
        dataDir: path.join(run.stationsDir, 'identity'),
        keysDir: run.keysDir,
        devices: {
          activationReader: { kind: 'simulated', name: 'identity', timeoutMs: 3000 },
          printer: { kind: 'escpos-serial', path: identityPrinter },
          consolidation: { kind: 'simulated', name: 'consolidation', writeOnce: false, inserted: true },
        },
      },
      { hardware, clock: run.clock },
    );
    if (!identityStation.ok) return err(`identity station: ${describeIdentityStationStartError(identityStation.error)}`);
    running.push(identityStation.value);
    lines.push(`identity station screen: ${identityStation.value.screenUrl}`);
    for (const cabinId of run.cabins) {
      const printerPath = printerPaths.get(cabinId);
      if (printerPath === undefined) return err(`no simulated printer for ${cabinId}`);
      const cabin = await runCabin(
        {
          packagePath: run.packagePath,
          rootPublicKeyFile: publicKeyFile(run.keysDir, 'onpe-root'),
          cabinId,
          dataDir: path.join(run.stationsDir, cabinId),
          keysDir: run.keysDir,
          devices: {
            activationReader: { kind: 'simulated', name: cabinId, timeoutMs: 3000 },
            printer: { kind: 'escpos-serial', path: printerPath },
            consolidation: { kind: 'simulated', name: 'consolidation', writeOnce: false, inserted: true },
          },
        },
        { hardware, clock: run.clock },
      );
      if (!cabin.ok) {
        await closeAll();
        return err(`${cabinId}: ${describeCabinStartError(cabin.error)}`);
      }
      running.push(cabin.value);
      lines.push(`${cabinId} screen: ${cabin.value.screenUrl}`);
    }
    lines.push(
      `activation devices in the panel: credencial-presidente; dispositivo-01..${String(BLANK_DEVICES).padStart(2, '0')} (blank, for the identity station to issue tokens on);`,
      `  votante-01..${String(PREPARED_VOTER_DEVICES).padStart(2, '0')} (tokens already issued: a shortcut to the cabins)`,
      'install the mesa on the identity station screen (credential in its reader), do each cabin\'s puesta a cero with the credential in its reader, then vote',
      '',
    );
    return ok({ lines, close: closeAll });
  };
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('prepare a simulacro election (keys, signed package) and run the mesa hardware simulator with its tester panel')
    .option('--definition <file>', 'election definition (must be a simulacro)', DEFAULT_DEFINITION)
    .option('--dir <dir>', 'run folder for keys, package and printed tickets', DEFAULT_RUN_DIR)
    .option('--port <port>', 'tester panel port on 127.0.0.1', parsePort, DEFAULT_SIM_PORT)
    .action(async (opts: StartOptions) => {
      process.exitCode = await start(opts);
    });
}
