import test from 'ava';
import fc from 'fast-check';
import {
  decodeReport, encodeFrame, FrameAssembler, MAX_PAYLOAD, REPORT_SIZE, type AssemblerOutput, type Frame,
} from '../shared/devices/hid/frame.ts';
import { crc32 } from '../shared/devices/hid/crc32.ts';
import { decodeImage, encodeImage, MAX_BLOB_BYTES } from '../shared/devices/activation/device-image.ts';
import { decodeError, decodeEvent, decodeHandled, decodePresence } from '../shared/devices/activation/messages.ts';

const frameArb = fc.record({
  type: fc.integer({ min: 0, max: 255 }),
  seq: fc.integer({ min: 0, max: 255 }),
  payload: fc.uint8Array({ maxLength: MAX_PAYLOAD }),
});

function assemble(reports: Uint8Array[]): AssemblerOutput[] {
  const assembler = new FrameAssembler();
  return reports.flatMap((r) => assembler.push(r));
}

function sameFrame(a: Frame, b: Frame): boolean {
  return a.type === b.type && a.seq === b.seq && Buffer.from(a.payload).equals(Buffer.from(b.payload));
}

test('crc32 matches the standard check value', (t) => {
  t.is(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
});

test('every frame survives encoding into reports and reassembly', (t) => {
  fc.assert(fc.property(frameArb, (frame) => {
    const reports = encodeFrame(frame);
    const out = assemble(reports);
    return reports.every((r) => r.length === REPORT_SIZE) && out.length === 1 && out[0]?.kind === 'frame' && sameFrame(out[0].frame, frame);
  }));
  t.pass();
});

test('random bytes never crash the report decoder: always a typed result', (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 130 }), (bytes) => {
    const result = decodeReport(bytes);
    return result.ok ? bytes.length === REPORT_SIZE : ['truncated', 'garbage'].includes(result.error.detail);
  }));
  t.pass();
});

type Mutation =
  | { op: 'flip'; report: number; bit: number }
  | { op: 'cut'; report: number; length: number }
  | { op: 'drop'; report: number }
  | { op: 'duplicate'; report: number }
  | { op: 'garbage'; at: number; bytes: Uint8Array }
  | { op: 'swap'; report: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), report: fc.nat(), bit: fc.nat({ max: REPORT_SIZE * 8 - 1 }) }),
  fc.record({ op: fc.constant('cut' as const), report: fc.nat(), length: fc.nat({ max: REPORT_SIZE - 1 }) }),
  fc.record({ op: fc.constant('drop' as const), report: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), report: fc.nat() }),
  fc.record({ op: fc.constant('garbage' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 80 }) }),
  fc.record({ op: fc.constant('swap' as const), report: fc.nat() }),
);

function mutate(reports: Uint8Array[], m: Mutation): Uint8Array[] {
  const out: Uint8Array[] = reports.map((r) => r.slice());
  if (out.length === 0) return out;
  const i = ('report' in m ? m.report : m.at) % out.length;
  const target = out[i] ?? new Uint8Array(0);
  switch (m.op) {
    case 'flip':
      target[m.bit >> 3] = (target[m.bit >> 3] ?? 0) ^ (1 << (m.bit & 7));
      break;
    case 'cut': out[i] = target.slice(0, m.length); break;
    case 'drop': out.splice(i, 1); break;
    case 'duplicate': out.splice(i, 0, target.slice()); break;
    case 'garbage': out.splice(i, 0, m.bytes); break;
    case 'swap': {
      const j = (i + 1) % out.length;
      out[i] = out[j] ?? target;
      out[j] = target;
      break;
    }
  }
  return out;
}

test('a damaged report stream never yields a frame that was not sent, and never throws', (t) => {
  fc.assert(fc.property(fc.array(frameArb, { minLength: 1, maxLength: 3 }), mutationArb, (frames, mutation) => {
    const clean = frames.flatMap((f) => encodeFrame(f));
    const damaged = mutate(clean, mutation);
    const out = assemble(damaged);
    for (const o of out) {
      if (o.kind === 'frame' && !frames.some((f) => sameFrame(f, o.frame))) return false;
      if (o.kind === 'error' && !['truncated', 'garbage', 'inconsistent', 'checksum'].includes(o.error.detail)) return false;
    }
    // A single flipped bit must be noticed: the frame it hit is lost, with a typed error.
    if (mutation.op === 'flip') {
      const delivered = out.filter((o) => o.kind === 'frame').length;
      if (delivered > frames.length - 1 || !out.some((o) => o.kind === 'error')) return false;
    }
    return true;
  }));
  t.pass();
});

test('a flipped bit inside a single-report frame is reported as a typed error', (t) => {
  const [report] = encodeFrame({ type: 0x82, seq: 9, payload: Uint8Array.of(1, 2, 3) });
  if (report === undefined) return t.fail();
  const details = new Set<string>();
  for (let bit = 0; bit < REPORT_SIZE * 8; bit++) {
    const copy = report.slice();
    copy[bit >> 3] = (copy[bit >> 3] ?? 0) ^ (1 << (bit & 7));
    const out = assemble([copy]);
    t.false(out.some((o) => o.kind === 'frame'), `bit ${bit}`);
    for (const o of out) if (o.kind === 'error') details.add(o.error.detail);
  }
  t.true(details.has('checksum') && details.has('garbage'));
});

test('truncated and interleaved frames are typed', (t) => {
  const long = encodeFrame({ type: 0x82, seq: 4, payload: new Uint8Array(300).fill(9) });
  const other = encodeFrame({ type: 0x81, seq: 5, payload: new Uint8Array(11) });
  const cut = assemble([long[0] ?? new Uint8Array(0), (long[1] ?? new Uint8Array(0)).slice(0, 20)]);
  t.deepEqual(cut.map((o) => o.kind === 'error' && o.error.detail), ['truncated']);
  const interleaved = assemble([long[0] ?? new Uint8Array(0), ...other]);
  t.deepEqual(interleaved.map((o) => (o.kind === 'error' ? o.error.detail : 'frame')), ['truncated', 'frame']);
  // The same sequence restarting is the reader aborting its frame: no error, the new frame wins.
  const abort = encodeFrame({ type: 0x7f, seq: 4, payload: Uint8Array.of(2) });
  const aborted = assemble([long[0] ?? new Uint8Array(0), ...abort]);
  t.deepEqual(aborted.map((o) => (o.kind === 'frame' ? o.frame.type : 'error')), [0x7f]);
});

test('message payload decoders never throw on random input', (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
    for (const decode of [decodePresence, decodeHandled, decodeError, decodeEvent, decodeImage]) {
      const r = decode(bytes);
      if (typeof r.ok !== 'boolean') return false;
    }
    return true;
  }));
  t.pass();
});

test('stored image: any single flipped bit is refused, the intact image accepted', (t) => {
  fc.assert(fc.property(
    fc.uint8Array({ minLength: 1, maxLength: MAX_BLOB_BYTES }), fc.nat(), fc.integer({ min: 0, max: 40 }),
    (blob, where, tail) => {
      const image = encodeImage(blob);
      const memory = new Uint8Array(image.length + tail);
      memory.set(image);
      const intact = decodeImage(memory);
      if (!intact.ok || !Buffer.from(intact.value).equals(Buffer.from(blob))) return false;
      const bit = where % (memory.length * 8);
      memory[bit >> 3] = (memory[bit >> 3] ?? 0) ^ (1 << (bit & 7));
      return !decodeImage(memory).ok;
    },
  ));
  t.pass();
});
