/**
 * `npm run bench [-- --mesas N]`: the suite's benchmarks. Speed is measured here, never asserted
 * in tests. Default: 90,000 mesa results (a national election's count) ingested by the centre.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runIngestBench } from './centre-ingest.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function main(): number {
  const { values } = parseArgs({
    options: { mesas: { type: 'string', default: '90000' }, definition: { type: 'string' } },
    strict: true,
  });
  const mesas = Number(values.mesas);
  if (!Number.isSafeInteger(mesas) || mesas < 1 || mesas > 1_000_000) {
    process.stderr.write('bench: --mesas must be a whole number from 1 to 1000000\n');
    return 2;
  }
  const definitionFile = values.definition ?? path.join(ROOT, 'test', 'fixtures', 'eg2026', 'definition.json');
  process.stdout.write(`centre ingest bench: ${mesas} mesa results of the shape of ${path.basename(path.dirname(definitionFile))}\n`);
  const r = runIngestBench({ mesas, definitionFile, log: (line) => process.stdout.write(`${line}\n`) });
  const verifiesPerResult = 6; // unit + mesa-result + acta-data envelopes + 3 member signatures
  process.stdout.write(
    [
      `generated ${r.mesas} results (${Math.round(r.unitBytesAverage / 1024)} KB per unit) in ${r.generateSeconds.toFixed(1)} s`,
      `ingest: ${r.resultsPerSecond.toFixed(1)} mesa results/s (${r.ingestSeconds.toFixed(1)} s for ${r.mesas}), ` +
        `each: transmission signature, box decrypt, ${verifiesPerResult} Ed25519 verifies in all, tally rules, SQLite commit (synchronous=FULL), signed receipt`,
      `raw Ed25519 verify (node:crypto), same run: ${Math.round(r.ed25519VerifiesPerSecond)} verifies/s ` +
        `= ${(r.ed25519VerifiesPerSecond / verifiesPerResult).toFixed(0)} results/s if signatures were the only cost`,
      `centre tally over ${r.mesas} results: ${r.tallySeconds.toFixed(2)} s`,
    ].join('\n') + '\n',
  );
  return 0;
}

process.exitCode = main();
