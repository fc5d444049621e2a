/**
 * Linkage scan of a simulated day: no DNI of the padrón may appear in any byte of the files
 * given (consolidation device, backups, cabin and results data, audit logs, cabin and results
 * tickets, the centre's store). Every maximal run of 8+ ASCII digits is checked at each offset,
 * so a DNI hidden inside a longer number is found too.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface SecrecyFinding {
  readonly file: string;
  /** Never the DNI itself: the report must not become linkage data. */
  readonly offset: number;
}

export function listFiles(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  if (fs.statSync(root).isFile()) return [root];
  const files: string[] = [];
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    const full = path.join(root, entry.name);
    if (entry.isDirectory()) files.push(...listFiles(full));
    else if (entry.isFile()) files.push(full);
  }
  return files.sort();
}

export function scanForDnis(files: readonly string[], dnis: ReadonlySet<string>): SecrecyFinding[] {
  const findings: SecrecyFinding[] = [];
  for (const file of files) {
    const text = fs.readFileSync(file).toString('latin1');
    for (const run of text.matchAll(/[0-9]{8,}/g)) {
      for (let i = 0; i + 8 <= run[0].length; i++) {
        if (dnis.has(run[0].slice(i, i + 8))) {
          findings.push({ file, offset: run.index + i });
          break;
        }
      }
    }
  }
  return findings;
}
