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
import { describePackageError, loadVerifiedPackage, type VerifiedPackage } from '../shared/election/package.ts';
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

/** Package files: each path is a `.vep` file or a folder whose `.vep` files are all packages. */
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
      for (const name of fs.readdirSync(p).sort()) if (name.endsWith('.vep')) files.push(path.join(p, name));
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
