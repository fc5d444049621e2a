/**
 * Framing of the activation reader protocol (PROTOCOL.md, sections 1-2): messages split over
 * 64-byte reports and reassembled with a CRC-32. Every function here takes untrusted bytes and
 * answers with a typed result; none throws on input.
 */
import { err, ok, type Result } from '../../result.ts';
import { crc32 } from './crc32.ts';

export const REPORT_SIZE = 64;
export const FRAME_MAGIC = 0xe5;
export const PROTOCOL_VERSION = 0x01;
export const HEADER_SIZE = 8;
export const CHUNK_DATA_SIZE = REPORT_SIZE - HEADER_SIZE;
export const MAX_PAYLOAD = 2048;
const CRC_SIZE = 4;

export interface Frame {
  readonly type: number;
  readonly seq: number;
  readonly payload: Uint8Array;
}

export type FrameErrorDetail = 'truncated' | 'garbage' | 'inconsistent' | 'checksum';

export interface FrameError {
  readonly detail: FrameErrorDetail;
  /** Sequence number of the frame concerned, when it could be read. */
  readonly seq: number | undefined;
  readonly message: string;
}

export interface ReportChunk {
  readonly type: number;
  readonly seq: number;
  readonly length: number;
  readonly index: number;
  readonly count: number;
  /** The body bytes this chunk carries (padding removed). */
  readonly data: Uint8Array;
}

function chunkCountFor(payloadLength: number): number {
  return Math.ceil((payloadLength + CRC_SIZE) / CHUNK_DATA_SIZE);
}

function frameCrc(type: number, seq: number, payload: Uint8Array): number {
  return crc32(Uint8Array.of(type, seq, payload.length >>> 8, payload.length & 0xff), payload);
}

/** Splits a message into reports. Oversized payloads or out-of-range fields are bugs: it throws. */
export function encodeFrame(frame: Frame): Uint8Array[] {
  const { type, seq, payload } = frame;
  if (payload.length > MAX_PAYLOAD) throw new Error(`payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD}`);
  if (!Number.isInteger(type) || type < 0 || type > 0xff || !Number.isInteger(seq) || seq < 0 || seq > 0xff) {
    throw new Error(`type ${type} or sequence ${seq} out of range`);
  }
  const body = new Uint8Array(payload.length + CRC_SIZE);
  body.set(payload, 0);
  new DataView(body.buffer).setUint32(payload.length, frameCrc(type, seq, payload), false);
  const count = chunkCountFor(payload.length);
  const reports: Uint8Array[] = [];
  for (let index = 0; index < count; index++) {
    const report = new Uint8Array(REPORT_SIZE);
    report[0] = FRAME_MAGIC;
    report[1] = PROTOCOL_VERSION;
    report[2] = type;
    report[3] = seq;
    report[4] = payload.length >>> 8;
    report[5] = payload.length & 0xff;
    report[6] = index;
    report[7] = count;
    report.set(body.subarray(index * CHUNK_DATA_SIZE, (index + 1) * CHUNK_DATA_SIZE), HEADER_SIZE);
    reports.push(report);
  }
  return reports;
}

function frameError(detail: FrameErrorDetail, seq: number | undefined, message: string): FrameError {
  return { detail, seq, message };
}

/** Decodes the header of one report and checks everything checkable without its siblings. */
export function decodeReport(report: Uint8Array): Result<ReportChunk, FrameError> {
  if (report.length < REPORT_SIZE) {
    return err(frameError('truncated', report.length > 3 ? report[3] : undefined, `report of ${report.length} bytes`));
  }
  if (report.length > REPORT_SIZE) return err(frameError('garbage', undefined, `report of ${report.length} bytes`));
  const [magic, version, type, seq, lengthHigh, lengthLow, index, count] = report;
  if (magic !== FRAME_MAGIC) return err(frameError('garbage', undefined, `bad magic ${String(magic)}`));
  if (version !== PROTOCOL_VERSION) return err(frameError('garbage', undefined, `unknown version ${String(version)}`));
  if (type === undefined || seq === undefined || lengthHigh === undefined || lengthLow === undefined || index === undefined || count === undefined) {
    return err(frameError('truncated', undefined, 'short header'));
  }
  const length = (lengthHigh << 8) | lengthLow;
  if (length > MAX_PAYLOAD) return err(frameError('garbage', seq, `payload length ${length} above ${MAX_PAYLOAD}`));
  if (count !== chunkCountFor(length)) return err(frameError('garbage', seq, `chunk count ${count} does not fit length ${length}`));
  if (index >= count) return err(frameError('garbage', seq, `chunk index ${index} of ${count}`));
  const bodyLength = length + CRC_SIZE;
  const carried = Math.min(CHUNK_DATA_SIZE, bodyLength - index * CHUNK_DATA_SIZE);
  const chunk = report.subarray(HEADER_SIZE, REPORT_SIZE);
  if (chunk.subarray(carried).some((b) => b !== 0)) return err(frameError('garbage', seq, 'nonzero padding'));
  return ok({ type, seq, length, index, count, data: chunk.slice(0, carried) });
}

export type AssemblerOutput = { kind: 'frame'; frame: Frame } | { kind: 'error'; error: FrameError };

interface Partial {
  readonly first: ReportChunk;
  readonly body: Uint8Array;
  next: number;
}

/**
 * Reassembles frames from a stream of reports. Stateful: one frame at a time, as the protocol
 * forbids interleaving. A report that breaks the stream drops the frame in progress.
 */
export class FrameAssembler {
  private partial: Partial | undefined;

  /** Sequence of the frame being assembled, if a frame is incomplete. */
  get pendingSeq(): number | undefined {
    return this.partial?.first.seq;
  }

  reset(): void {
    this.partial = undefined;
  }

  push(report: Uint8Array): AssemblerOutput[] {
    const decoded = decodeReport(report);
    if (!decoded.ok) {
      const seq = decoded.error.seq ?? this.partial?.first.seq;
      this.partial = undefined;
      return [{ kind: 'error', error: { ...decoded.error, seq } }];
    }
    const chunk = decoded.value;
    const out: AssemblerOutput[] = [];
    if (chunk.index === 0) {
      const previous = this.partial;
      // Same sequence restarting = the sender aborted its frame (PROTOCOL.md: Abort): no error.
      if (previous !== undefined && previous.first.seq !== chunk.seq) {
        out.push({ kind: 'error', error: frameError('truncated', previous.first.seq, 'frame interrupted by a new frame') });
      }
      this.partial = { first: chunk, body: new Uint8Array(chunk.length + CRC_SIZE), next: 0 };
    } else {
      const partial = this.partial;
      if (partial === undefined) {
        out.push({ kind: 'error', error: frameError('inconsistent', chunk.seq, `chunk ${chunk.index} without its start`) });
        return out;
      }
      const { first } = partial;
      if (chunk.type !== first.type || chunk.seq !== first.seq || chunk.length !== first.length || chunk.index !== partial.next) {
        this.partial = undefined;
        out.push({ kind: 'error', error: frameError('inconsistent', first.seq, `chunk ${chunk.index} does not continue the frame`) });
        return out;
      }
    }
    const partial = this.partial;
    if (partial === undefined) return out;
    partial.body.set(chunk.data, chunk.index * CHUNK_DATA_SIZE);
    partial.next = chunk.index + 1;
    if (partial.next < chunk.count) return out;
    this.partial = undefined;
    const { type, seq, length } = partial.first;
    const payload = partial.body.slice(0, length);
    const declared = new DataView(partial.body.buffer).getUint32(length, false);
    if (declared !== frameCrc(type, seq, payload)) {
      out.push({ kind: 'error', error: frameError('checksum', seq, 'frame CRC mismatch') });
    } else {
      out.push({ kind: 'frame', frame: { type, seq, payload } });
    }
    return out;
  }
}
