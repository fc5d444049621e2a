/**
 * `vep start` (what `npm start` runs): prepares a simulacro election on this machine and runs
 * the hardware simulator with the devices of one mesa and the tester panel.
 *
 * Steps: a simulacro key set (generated once, kept in the run folder), the election package
 * built from the definition and verified with the ONPE root public key exactly as a station
 * will load it, then `vep sim serve` with a printer and an activation reader per station, the
 * consolidation USB device and the acta scanner.
 *
 * The station processes (cabins, identity, results, transmission) plug into these devices as
 * they land (issues 4-7); until then this is the simulator a tester drives by hand.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { generateKeySet, loadPublicKeys, describeKeySetError, cabinRole } from '../crypto/keyset.ts';
import { loadElectionDefinitionFile, formatDefinitionIssues } from '../election/definition.ts';
import { buildPackage, describeBuildError, describePackageError, verifyPackageBytes } from '../election/package.ts';
import { REPO_ROOT, currentSoftwareVersionCode } from '../software/version-code.ts';
import { serveSimulator, parsePort, DEFAULT_SIM_PORT } from './sim-commands.ts';

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

  const cabins = Array.from({ length: def.mesa.cabins }, (_, i) => cabinRole(i + 1));
  return serveSimulator({
    port: opts.port,
    printers: ['identity', ...cabins, 'results'],
    readers: ['identity', ...cabins, 'results'],
    keypads: cabins.map((c) => `${c}-keypad`),
    usb: ['consolidation'],
    scanners: ['transmission'],
    out: path.join(opts.dir, 'tickets'),
  });
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
