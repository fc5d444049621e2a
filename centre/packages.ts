/**
 * The packages a computing centre accepts results under. A package is per mesa, so the centre
 * is given every package of its election (ONPE produced them); a transmission names its
 * package by hash and is checked against that package's keys and definition.
 *
 * Loading is where the centre's configuration is checked once: every package verifies against
 * the ONPE root key, all are of one election, all match the centre's mode (a real-election
 * centre loads no simulacro package and vice versa), no mesa has two packages, and every package
 * names THIS centre's keys (otherwise its stations would encrypt to someone else).
 */
import fs from 'node:fs';
import path from 'node:path';
import { toBase64 } from '../shared/crypto/base64.ts';
import { describePackageError, ELECTION_PACKAGE_KIND, loadVerifiedPackage, type VerifiedPackage } from '../shared/election/package.ts';
import { err, ok, type Result } from '../shared/result.ts';

export interface PackageDirectory {
  readonly electionId: string;
  readonly simulacro: boolean;
  readonly size: number;
  byHash(packageHash: string): VerifiedPackage | undefined;
}

export interface CentreIdentity {
  readonly real: boolean;
  readonly centreSigningPublicKey: Uint8Array;
  readonly centreBoxPublicKey: Uint8Array;
}

/** Builds the directory from verified packages; refuses an inconsistent set. */
export function packageDirectory(packages: Iterable<VerifiedPackage>, centre: CentreIdentity): Result<PackageDirectory, string> {
  const byHash = new Map<string, VerifiedPackage>();
  const byMesa = new Map<string, string>();
  let electionId: string | undefined;
  for (const pkg of packages) {
    const { definition, keys } = pkg.payload;
    const mesa = definition.mesa.number;
    const label = `package for mesa ${mesa} (${pkg.packageHash.slice(0, 16)})`;
    if (electionId === undefined) electionId = definition.election.id;
    if (definition.election.id !== electionId) {
      return err(`${label} is of election ${JSON.stringify(definition.election.id)}; this centre serves ${JSON.stringify(electionId)}`);
    }
    if (definition.election.simulacro === centre.real) {
      return err(
        centre.real
          ? `${label} is a simulacro package: a real-election centre (--real) does not load it`
          : `${label} is a real-election package: start the centre with --real to load it`,
      );
    }
    if (keys.centreSigning !== toBase64(centre.centreSigningPublicKey) || keys.centreBox !== toBase64(centre.centreBoxPublicKey)) {
      return err(`${label} names other computing-centre keys than this centre's`);
    }
    const other = byMesa.get(mesa);
    if (other !== undefined && other !== pkg.packageHash) return err(`mesa ${mesa} has two different packages`);
    byMesa.set(mesa, pkg.packageHash);
    byHash.set(pkg.packageHash, pkg);
  }
  if (electionId === undefined) return err('no election package given');
  return ok({ electionId, simulacro: !centre.real, size: byHash.size, byHash: (hash) => byHash.get(hash) });
}

function isPackageFile(file: string): boolean {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null && (parsed as { kind?: unknown }).kind === ELECTION_PACKAGE_KIND;
  } catch {
    return false;
  }
}

/**
 * Package files: each path is a file (always loaded, so a bad one is an error) or a folder, of
 * which the `.vep` files of kind election-package are loaded (a consolidation device copy holds
 * results and exports too).
 */
export function listPackageFiles(paths: readonly string[]): Result<string[], string> {
  const files: string[] = [];
  for (const p of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch {
      return err(`package path ${p} does not exist`);
    }
    if (stat.isDirectory()) {
      const found = fs
        .readdirSync(p)
        .sort()
        .map((name) => path.join(p, name))
        .filter((file) => file.endsWith('.vep') && isPackageFile(file));
      if (found.length === 0) return err(`folder ${p} holds no election package (.vep)`);
      files.push(...found);
    } else {
      files.push(p);
    }
  }
  return ok(files);
}

export function loadPackageDirectory(paths: readonly string[], rootPublicKey: Uint8Array, centre: CentreIdentity): Result<PackageDirectory, string> {
  const files = listPackageFiles(paths);
  if (!files.ok) return files;
  const packages: VerifiedPackage[] = [];
  for (const file of files.value) {
    const loaded = loadVerifiedPackage(file, rootPublicKey);
    if (!loaded.ok) return err(describePackageError(loaded.error));
    packages.push(loaded.value);
  }
  return packageDirectory(packages, centre);
}
