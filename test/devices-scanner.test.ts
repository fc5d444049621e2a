import test from 'ava';
import { PNG } from 'pngjs';
import { SimulatedScanner } from '../hardware-sim/scanner/simulated-scanner.ts';
import { SaneScanner, type CommandOutcome } from '../shared/devices/scanner/sane-scanner.ts';
import { readPngSize } from '../shared/devices/scanner/png-info.ts';

function samplePng(width: number, height: number): Uint8Array {
  const png = new PNG({ width, height });
  png.data.fill(255);
  png.data[0] = 0;
  return new Uint8Array(PNG.sync.write(png));
}

test('the simulated scanner returns what is on the glass, until it is removed', async (t) => {
  const scanner = new SimulatedScanner({ dpi: 200 });
  t.deepEqual(await scanner.scan(), { ok: false, error: { kind: 'no-paper' } });
  const png = samplePng(30, 20);
  t.deepEqual(scanner.placePng(png), { ok: true, value: undefined });
  for (let i = 0; i < 2; i++) {
    const scan = await scanner.scan();
    t.true(scan.ok);
    if (scan.ok) {
      t.deepEqual({ w: scan.value.widthPx, h: scan.value.heightPx, dpi: scan.value.dpi }, { w: 30, h: 20, dpi: 200 });
      t.true(Buffer.from(scan.value.png).equals(Buffer.from(png)));
    }
  }
  scanner.removePaper();
  t.deepEqual(await scanner.scan(), { ok: false, error: { kind: 'no-paper' } });
  t.false(scanner.placePng(new TextEncoder().encode('not a png')).ok);
});

test('jam and offline faults', async (t) => {
  const scanner = new SimulatedScanner();
  scanner.placePng(samplePng(4, 4));
  scanner.injectFault({ type: 'jam' });
  t.deepEqual(await scanner.scan(), { ok: false, error: { kind: 'jam' } });
  t.true((await scanner.scan()).ok, 'a jam is cleared by the next attempt');
  scanner.injectFault({ type: 'offline' });
  const offline = await scanner.scan();
  t.is(offline.ok ? 'ok' : offline.error.kind, 'offline');
  scanner.injectFault({ type: 'online' });
  t.true((await scanner.scan()).ok);
});

test('feeder mode consumes one sheet per scan', async (t) => {
  const scanner = new SimulatedScanner({ feeder: true });
  scanner.placePng(samplePng(5, 5));
  scanner.placePng(samplePng(6, 6));
  const first = await scanner.scan();
  const second = await scanner.scan();
  t.deepEqual([first.ok && first.value.widthPx, second.ok && second.value.widthPx], [5, 6]);
  t.deepEqual(await scanner.scan(), { ok: false, error: { kind: 'no-paper' } });
});

test('text placed on the glass scans as a page with ink on it', async (t) => {
  const scanner = new SimulatedScanner({ dpi: 50 });
  await scanner.placeText('ACTA DE ESCRUTINIO\nMesa 001234');
  const scan = await scanner.scan();
  if (!scan.ok) return t.fail();
  t.deepEqual([scan.value.widthPx, scan.value.heightPx], [Math.round(8.27 * 50), Math.round(11.69 * 50)]);
  const image = PNG.sync.read(Buffer.from(scan.value.png));
  let dark = 0;
  for (let i = 0; i < image.data.length; i += 4) if ((image.data[i] ?? 255) < 128) dark++;
  t.true(dark > 20, `dark pixels: ${dark}`);
  t.true(dark < image.width * image.height * 0.1);
});

function fakeRun(outcome: CommandOutcome, calls: string[][] = []) {
  return (_file: string, args: readonly string[]) => {
    calls.push([...args]);
    return Promise.resolve(outcome);
  };
}

test('the SANE driver maps scanimage results to typed errors', async (t) => {
  const png = samplePng(12, 7);
  const calls: string[][] = [];
  const good = new SaneScanner({ dpi: 300, device: 'fujitsu:fi-7160', source: 'ADF', run: fakeRun({ stdout: png, stderr: '', exitCode: 0 }, calls) });
  const scan = await good.scan();
  t.like(scan, { ok: true, value: { widthPx: 12, heightPx: 7, dpi: 300 } });
  t.deepEqual(calls[0], ['--format=png', '--resolution=300', '--mode=Gray', '--device-name=fujitsu:fi-7160', '--source=ADF']);
  const cases: Array<[CommandOutcome, string]> = [
    [{ stdout: new Uint8Array(0), stderr: 'scanimage: sane_start: Document feeder out of documents', exitCode: 7 }, 'no-paper'],
    [{ stdout: new Uint8Array(0), stderr: 'scanimage: sane_read: Document feeder jammed', exitCode: 1 }, 'jam'],
    [{ stdout: new Uint8Array(0), stderr: 'scanimage: no SANE devices found', exitCode: 1 }, 'offline'],
    [{ stdout: new Uint8Array(0), stderr: '', exitCode: undefined, spawnError: 'ENOENT' }, 'offline'],
    [{ stdout: new TextEncoder().encode('garbage'), stderr: '', exitCode: 0 }, 'offline'],
  ];
  for (const [outcome, kind] of cases) {
    const result = await new SaneScanner({ dpi: 300, run: fakeRun(outcome) }).scan();
    t.is(result.ok ? 'ok' : result.error.kind, kind, outcome.stderr);
  }
  const missing = await new SaneScanner({ dpi: 300, scanimagePath: '/nonexistent/scanimage' }).scan();
  t.deepEqual(missing, { ok: false, error: { kind: 'offline', detail: 'ENOENT' } });
});

test('png size reader refuses non-PNG and damaged headers', (t) => {
  const png = samplePng(3, 2);
  t.deepEqual(readPngSize(png), { ok: true, value: { widthPx: 3, heightPx: 2 } });
  const damaged = png.slice();
  damaged[17] = (damaged[17] ?? 0) ^ 1;
  t.false(readPngSize(damaged).ok);
  t.false(readPngSize(png.subarray(0, 20)).ok);
});
