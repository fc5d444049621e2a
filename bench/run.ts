/**
 * `npm run bench [-- --mesas N] [-- --only centre-ingest|booth-audio] [-- --full-audio-cache]`:
 * the suite's benchmarks. Speed is measured here, never asserted in tests.
 * - centre-ingest: 90,000 mesa results (a national election's count) ingested by the centre.
 * - booth-audio: a cabin's audio answer to a keypad key, against the 0.5 s target (issue 8).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runIngestBench } from './centre-ingest.ts';
import { AUDIO_TARGET_MS, runBoothAudioBench, type LatencySummary } from './booth-audio.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      mesas: { type: 'string', default: '90000' },
      definition: { type: 'string' },
      only: { type: 'string' },
      'full-audio-cache': { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.only !== undefined && values.only !== 'centre-ingest' && values.only !== 'booth-audio') {
    process.stderr.write('bench: --only must be centre-ingest or booth-audio\n');
    return 2;
  }
  const mesas = Number(values.mesas);
  if (!Number.isSafeInteger(mesas) || mesas < 1 || mesas > 1_000_000) {
    process.stderr.write('bench: --mesas must be a whole number from 1 to 1000000\n');
    return 2;
  }
  const definitionFile = values.definition ?? path.join(ROOT, 'test', 'fixtures', 'eg2026', 'definition.json');
  if (values.only !== 'booth-audio') runCentreIngest(mesas, definitionFile);
  if (values.only !== 'centre-ingest') await runBoothAudio(definitionFile, values['full-audio-cache']);
  return 0;
}

function runCentreIngest(mesas: number, definitionFile: string): void {
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
}

async function runBoothAudio(definitionFile: string, fullCache: boolean): Promise<void> {
  process.stdout.write(`booth audio bench: keypad key to the first clip served by the kiosk server, target ${AUDIO_TARGET_MS} ms\n`);
  const r = await runBoothAudioBench({ definitionFile, fullCache, log: (line) => process.stdout.write(`${line}\n`) });
  const line = (label: string, s: LatencySummary) =>
    `${label}: ${s.keys} keys, p50 ${s.p50Ms.toFixed(0)} ms, p95 ${s.p95Ms.toFixed(0)} ms, max ${s.maxMs.toFixed(0)} ms ` +
    `(${s.maxMs <= AUDIO_TARGET_MS ? 'every key within' : s.p95Ms <= AUDIO_TARGET_MS ? 'p95 within, max over' : 'OVER'} the ${AUDIO_TARGET_MS} ms target)`;
  const cache = r.cache.full ? 'whole package (vep booth prepare-audio)' : "the walk's prompts (use --full-audio-cache for the whole package)";
  process.stdout.write(
    [
      line('render on key press (no cache)', r.renderOnKeyPress),
      line('pre-rendered, every rate step', r.preRendered),
      `cache: ${cache}, ${r.cache.clips} clips, ${(r.cache.bytes / 1e6).toFixed(1)} MB, prepared in ${r.cache.seconds.toFixed(1)} s`,
    ].join('\n') + '\n',
  );
}

process.exitCode = await main();
