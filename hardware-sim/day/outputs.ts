/** Files a simulated day leaves under --out besides the printer output: copies, backups, summary. */
import fs from 'node:fs';
import path from 'node:path';
import { sha256Hex } from '../../shared/crypto/hash.ts';
import type { SimulatedHardware } from '../control/simulated-hardware.ts';
import { listFiles } from './secrecy-scan.ts';
import { BACKUP_PORTS } from './stations.ts';

/** relative path -> sha256 of every file under `dir`. */
export function hashTree(dir: string): Map<string, string> {
  return new Map(listFiles(dir).map((file) => [path.relative(dir, file), sha256Hex(new Uint8Array(fs.readFileSync(file)))]));
}

export function copyTree(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.cpSync(from, to, { recursive: true });
}

/**
 * The three write-once media the transmission station burned (stations.ts BACKUP_PORTS), copied
 * under `backupsDir` as copia-N. A copy is identical when its medium is finalized, it holds every
 * file of the device byte for byte (sha256), and it equals the first copy file for file.
 */
export async function copyBackups(
  hardware: SimulatedHardware,
  backupsDir: string,
  deviceDir: string,
): Promise<{ dir: string; identical: boolean; detail: string }[]> {
  const device = hashTree(deviceDir);
  const copies: { dir: string; identical: boolean; detail: string }[] = [];
  let first: Map<string, string> | undefined;
  for (const [i, port] of BACKUP_PORTS.entries()) {
    const stick = hardware.usbStick(port);
    const files = await stick.rawFiles();
    if (files.size === 0) continue;
    const dir = path.join(backupsDir, `copia-${i + 1}`);
    fs.mkdirSync(dir, { recursive: true });
    for (const [name, bytes] of files) fs.writeFileSync(path.join(dir, name), bytes);
    const copy = hashTree(dir);
    first ??= copy;
    const missing = [...device].filter(([file, hash]) => copy.get(file) !== hash).map(([file]) => file);
    const sameAsFirst = copy.size === first.size && [...first].every(([file, hash]) => copy.get(file) === hash);
    const problems = [
      ...(stick.state.finalized ? [] : ['not finalized']),
      ...(missing.length === 0 ? [] : [`device files missing or different: ${missing.join(', ')}`]),
      ...(sameAsFirst ? [] : ['differs from copia-1']),
    ];
    copies.push({ dir, identical: problems.length === 0, detail: problems.join('; ') });
  }
  return copies;
}
