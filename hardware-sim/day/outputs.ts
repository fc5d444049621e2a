/** Files a simulated day leaves under --out besides the printer output: copies, backups, summary. */
import fs from 'node:fs';
import path from 'node:path';
import { sha256Hex } from '../../shared/crypto/hash.ts';
import { listFiles } from './secrecy-scan.ts';

/** relative path -> sha256 of every file under `dir`. */
export function hashTree(dir: string): Map<string, string> {
  return new Map(listFiles(dir).map((file) => [path.relative(dir, file), sha256Hex(new Uint8Array(fs.readFileSync(file)))]));
}

export function copyTree(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.cpSync(from, to, { recursive: true });
}

/**
 * The backups: there is no transmission station host yet (its machine's 'burning' step is not
 * wired to hardware), so the day writes the three copies Art. 30.6 asks for itself and verifies
 * each by hash against the device, as the station will.
 */
export function writeBackups(deviceDir: string, backupsDir: string, copies: number): { dir: string; identical: boolean }[] {
  const original = hashTree(deviceDir);
  const written: { dir: string; identical: boolean }[] = [];
  for (let i = 1; i <= copies; i++) {
    const dir = path.join(backupsDir, `copia-${i}`);
    copyTree(deviceDir, dir);
    const copy = hashTree(dir);
    const identical = copy.size === original.size && [...original].every(([file, hash]) => copy.get(file) === hash);
    written.push({ dir, identical });
  }
  return written;
}
