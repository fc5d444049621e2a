/**
 * The centre ingest bench on a handful of mesas, so `npm run bench` cannot break unnoticed: every
 * generated result must be acknowledged by the real receiver and the centre's tally must count
 * them all (the bench throws otherwise). No timing is asserted: speed is the bench's to report.
 */
import path from 'node:path';
import test from 'ava';
import { runIngestBench } from '../bench/centre-ingest.ts';

test('the centre ingest bench runs end to end on 3 mesas: all acknowledged and tallied', (t) => {
  const lines: string[] = [];
  const result = runIngestBench({
    mesas: 3,
    batch: 2,
    definitionFile: path.join(import.meta.dirname, 'fixtures', 'eg2026', 'definition.json'),
    log: (line) => lines.push(line),
  });
  t.is(result.mesas, 3);
  t.true(result.unitBytesAverage > 10_000, 'units of the eg2026 shape (tens of KB), not empty ones');
  t.true(result.ed25519VerifiesPerSecond > 0);
  t.true(lines.some((line) => line.includes('3 / 3 mesas ingested')), lines.join('\n'));
});
