import test from 'ava';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { actaCopyLabels, actaDeEscrutinio, copyLabelText } from '../shared/documents/acta-escrutinio.ts';
import { decodeActaQrChunks } from '../shared/documents/acta-qr.ts';
import { actaToPdf, documentToPdf } from '../shared/documents/pdf.ts';
import { documentToPlainText } from '../shared/documents/print-document.ts';
import type { ElectionDefinition } from '../shared/election/definition.ts';
import { sealActaData } from '../shared/results/mesa-result.ts';
import { actaDataFor, largestRealisticActa, mustTally, PRINTED_AT, RESULTS_SIGNER } from './helpers/acta-fixture.ts';
import { ballotArbitrary, EG2026, PRIMARIAS2025 } from './helpers/ballots.ts';

// jsqr is CommonJS; under NodeNext its default import is the module object.
const jsQR = jsQRModule.default;
const TZ = 'America/Lima';

function tempDir(t: { teardown: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function pdfText(file: string): string {
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

function collapse(line: string): string {
  return line.replace(/\s+/gu, ' ').trim();
}

const SCAN_DPI = 150;

/**
 * Every QR code in the PDF, in order. jsqr reads one code per image and gets confused by two
 * in one image, so each code is cut out of its page raster: from its caption ("Código i de n",
 * located with pdftotext -bbox) down to the next caption or the page end.
 */
function scanPdfQrCodes(file: string, dir: string): string[] {
  const bbox = execFileSync('pdftotext', ['-bbox', file, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const found: string[] = [];
  [...bbox.matchAll(/<page width="([\d.]+)" height="([\d.]+)">([\s\S]*?)<\/page>/gu)].forEach((page, index) => {
    const pageHeight = Number(page[2]);
    const captions = [...(page[3] ?? '').matchAll(/<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">Código<\/word>/gu)].map((m) => ({
      top: Number(m[1]),
      bottom: Number(m[2]),
    }));
    if (captions.length === 0) return;
    const prefix = path.join(dir, `page${index + 1}`);
    execFileSync('pdftoppm', ['-r', String(SCAN_DPI), '-gray', '-png', '-singlefile', '-f', String(index + 1), '-l', String(index + 1), file, prefix]);
    const png = PNG.sync.read(fs.readFileSync(`${prefix}.png`));
    const toPixels = (points: number): number => Math.round((points * SCAN_DPI) / 72);
    captions.forEach((caption, i) => {
      const top = toPixels(caption.bottom);
      const bottom = Math.min(png.height, toPixels(captions[i + 1]?.top ?? pageHeight));
      const slice = new Uint8ClampedArray(png.data.subarray(top * png.width * 4, bottom * png.width * 4));
      const code = jsQR(slice, png.width, bottom - top, { inversionAttempts: 'dontInvert' });
      if (code !== null) found.push(code.data);
    });
  });
  return found;
}

test('the acta PDF holds every printed line (numbers, copy label, accents) and its QR images decode to the acta bytes', async (t) => {
  const dir = tempDir(t);
  const { data, bytes } = largestRealisticActa();
  const copy = actaCopyLabels(EG2026)[1];
  if (copy === undefined) return t.fail('no copies');
  const doc = actaDeEscrutinio({ definition: EG2026, acta: data, actaBytes: bytes, copy, reprint: false, printedAt: PRINTED_AT, timeZone: TZ });
  const file = path.join(dir, 'acta.pdf');
  fs.writeFileSync(file, await documentToPdf(doc));
  const inPdf = new Set(pdfText(file).split('\n').map(collapse));
  const missing = documentToPlainText(doc)
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('[QR: '))
    .map(collapse)
    .filter((line) => !inPdf.has(line));
  t.deepEqual(missing, [], 'every line of the acta, numbers included, is in the PDF text');
  t.true(inPdf.has(collapse(copyLabelText(copy))));
  t.true(inPdf.has('ACTA DE ESCRUTINIO'));

  const scanned = scanPdfQrCodes(file, dir);
  const decoded = decodeActaQrChunks(scanned);
  t.true(decoded.ok, decoded.ok ? '' : decoded.error);
  if (decoded.ok) t.deepEqual(decoded.value, bytes);
});

test('actaToPdf: one copy per package destination, each labelled, then the cartel', async (t) => {
  const dir = tempDir(t);
  const definition: ElectionDefinition = PRIMARIAS2025;
  const ballots = fc.sample(ballotArbitrary(definition), { numRuns: 30, seed: 11 });
  const acta = actaDataFor(definition, mustTally(definition, ballots, 1), { impugnados: 1 });
  const actaBytes = sealActaData(acta, RESULTS_SIGNER);
  const file = path.join(dir, 'actas.pdf');
  fs.writeFileSync(file, await actaToPdf({ definition, acta, actaBytes, printedAt: PRINTED_AT, timeZone: TZ }));
  const lines = pdfText(file).split('\n').map(collapse);
  const labels = actaCopyLabels(definition).map((copy) => collapse(copyLabelText(copy)));
  t.is(labels.length, definition.actaCopies.length);
  for (const label of labels) t.is(lines.filter((line) => line === label).length, 2, label);
  t.true(lines.includes('CARTEL DE RESULTADOS'));
  const emitted = acta.tally.contests[0]?.emitted ?? -1;
  t.is(lines.filter((line) => line === `TOTAL DE VOTOS EMITIDOS ${emitted}`).length, definition.contests.length * definition.actaCopies.length);
  const scanned = scanPdfQrCodes(file, dir);
  const perCopy = scanned.length / definition.actaCopies.length;
  t.true(Number.isInteger(perCopy) && perCopy >= 1, `${scanned.length} codes for ${definition.actaCopies.length} copies`);
  const decoded = decodeActaQrChunks(scanned.slice(0, perCopy));
  t.true(decoded.ok, decoded.ok ? '' : decoded.error);
  if (decoded.ok) t.deepEqual(decoded.value, actaBytes);
});
