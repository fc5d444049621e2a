/**
 * Simulated activation reader: the reader firmware side of shared/devices/hid/PROTOCOL.md, with
 * devices that can be inserted and pulled at any moment (between any two reports of a transfer)
 * and injectable faults. The host driver talks to it through the same HidTransport as to hardware.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { err, ok, type Result } from '../../shared/result.ts';
import { encodeFrame, FrameAssembler, type Frame } from '../../shared/devices/hid/frame.ts';
import type { HidTransport } from '../../shared/devices/hid/transport.ts';
import {
  decodeHandled, encodeError, encodeEvent, encodeHandled, encodePresence, ErrorCode, EVENT_SEQ, isAnyHandle,
  MessageType, sameBytes, type ErrorCodeValue, type ReaderEvent,
} from '../../shared/devices/activation/messages.ts';
import type { VirtualActivationDevice } from './virtual-activation-device.ts';
import { VirtualHidHost, type VirtualHidDeviceSide } from './virtual-hid-link.ts';

export type ReaderFault =
  /** The first report of the next response is replaced by random bytes. */
  | { type: 'garbage-report' }
  /** The next response frame carries a wrong CRC. */
  | { type: 'wrong-checksum' }
  /** The last report of the next response is cut to half its length. */
  | { type: 'truncated-report' }
  /** The last report of the next response is never sent. */
  | { type: 'drop-last-report' }
  /** The next request gets no answer at all. */
  | { type: 'no-response' }
  /** Every report is delayed (persists until clearFaults). */
  | { type: 'slow'; delayMs: number }
  /** The device is pulled once `reports` more request/response reports have crossed. */
  | { type: 'pull-after-reports'; reports: number }
  /** The next write lands only its first `bytes` bytes in memory, then the device is pulled. */
  | { type: 'torn-write'; bytes: number };

type OneShot = Exclude<ReaderFault, { type: 'slow' } | { type: 'pull-after-reports' }>;

export interface VirtualReaderState {
  readonly connected: boolean;
  readonly devicePresent: boolean;
  readonly slowMs: number;
  readonly pendingFaults: readonly string[];
}

export class VirtualActivationReader implements VirtualHidDeviceSide {
  private device: VirtualActivationDevice | undefined;
  private handle: Uint8Array | undefined;
  private host: VirtualHidHost | undefined;
  private connected = true;
  private readonly assembler = new FrameAssembler();
  private outbox: Promise<void> = Promise.resolve();
  private opActive = false;
  private removedDuringOp = false;
  private faults: OneShot[] = [];
  private slowMs = 0;
  private pullCountdown: number | undefined;

  /** Devices in some reader, so a device is never in two readers at once. */
  private static readonly inserted = new WeakSet<VirtualActivationDevice>();

  get state(): VirtualReaderState {
    return {
      connected: this.connected,
      devicePresent: this.device !== undefined,
      slowMs: this.slowMs,
      pendingFaults: [...this.faults.map((f) => f.type), ...(this.pullCountdown === undefined ? [] : ['pull-after-reports'])],
    };
  }

  get currentDevice(): VirtualActivationDevice | undefined {
    return this.device;
  }

  // ---- the physical world ----------------------------------------------------------------

  insert(device: VirtualActivationDevice): void {
    if (VirtualActivationReader.inserted.has(device)) throw new Error('device is already in a reader');
    if (this.device !== undefined) throw new Error('reader already holds a device');
    VirtualActivationReader.inserted.add(device);
    this.device = device;
    this.handle = randomBytes(8);
    this.sendEvent({ event: 'inserted', handle: this.handle });
  }

  /** Pulls the device out (at any moment). Returns it, or undefined if the reader was empty. */
  pull(): VirtualActivationDevice | undefined {
    const device = this.device;
    if (device === undefined) return undefined;
    VirtualActivationReader.inserted.delete(device);
    this.device = undefined;
    this.handle = undefined;
    if (this.opActive) this.removedDuringOp = true;
    this.sendEvent({ event: 'removed' });
    return device;
  }

  /** Unplugs the reader itself: the host transport fails, later opens are refused. */
  disconnect(): void {
    this.connected = false;
    this.host?.fail('activation reader unplugged');
    this.host = undefined;
    this.resetLink();
  }

  reconnect(): void {
    this.connected = true;
  }

  injectFault(fault: ReaderFault): void {
    if (fault.type === 'slow') this.slowMs = fault.delayMs;
    else if (fault.type === 'pull-after-reports') this.pullCountdown = fault.reports;
    else this.faults.push(fault);
  }

  clearFaults(): void {
    this.faults = [];
    this.slowMs = 0;
    this.pullCountdown = undefined;
  }

  /** Host side: what node-hid's open would give (the factory's opener for simulated readers). */
  openHost(): Result<HidTransport, string> {
    if (!this.connected) return err('activation reader not connected');
    if (this.host !== undefined && !this.host.closed) return err('activation reader already open');
    this.resetLink();
    this.host = new VirtualHidHost(this);
    return ok(this.host);
  }

  hostClosed(host: VirtualHidHost): void {
    if (this.host === host) {
      this.host = undefined;
      this.resetLink();
    }
  }

  // ---- firmware ----------------------------------------------------------------------------

  receive(report: Uint8Array): void {
    this.opActive = true;
    this.countReport();
    for (const out of this.assembler.push(report)) {
      if (out.kind === 'error') {
        if (out.error.seq !== undefined && out.error.seq !== EVENT_SEQ) {
          this.respond({ type: MessageType.error, seq: out.error.seq, payload: encodeError(ErrorCode.badRequest, out.error.detail) });
        } else {
          this.endOpLater();
        }
      } else {
        this.handleRequest(out.frame);
      }
    }
  }

  private handleRequest(request: Frame): void {
    const noResponse = this.takeFault('no-response');
    if (noResponse !== undefined) {
      this.endOpLater();
      return;
    }
    const { seq } = request;
    const fail = (code: ErrorCodeValue, detail = ''): void =>
      this.respond({ type: MessageType.error, seq, payload: encodeError(code, detail) });
    if (request.type === MessageType.presence) {
      const device = this.device;
      const handle = this.handle;
      const payload = device !== undefined && handle !== undefined
        ? encodePresence({ present: true, handle, capacity: device.capacity })
        : encodePresence({ present: false });
      this.respond({ type: MessageType.presenceOk, seq, payload });
      return;
    }
    if (request.type !== MessageType.read && request.type !== MessageType.write && request.type !== MessageType.erase) {
      fail(ErrorCode.unknownType, `type ${request.type}`);
      return;
    }
    const handled = decodeHandled(request.payload);
    if (!handled.ok) {
      fail(ErrorCode.badRequest, handled.error);
      return;
    }
    const device = this.device;
    const handle = this.handle;
    if (device === undefined || handle === undefined) {
      fail(this.removedDuringOp ? ErrorCode.deviceRemoved : ErrorCode.noDevice);
      return;
    }
    if (!isAnyHandle(handled.value.handle) && !sameBytes(handled.value.handle, handle)) {
      fail(ErrorCode.deviceRemoved, 'another insertion');
      return;
    }
    if (request.type === MessageType.read) {
      this.respond({ type: MessageType.readOk, seq, payload: encodeHandled(handle, device.readMemory()) }, handle);
      return;
    }
    if (request.type === MessageType.erase) {
      device.writeMemory(new Uint8Array(0));
      this.respond({ type: MessageType.eraseOk, seq, payload: encodeHandled(handle) });
      return;
    }
    const image = handled.value.data;
    if (image.length === 0) {
      fail(ErrorCode.writeFailed, 'empty image');
      return;
    }
    if (image.length > device.capacity) {
      fail(ErrorCode.tooLarge);
      return;
    }
    const torn = this.takeFault('torn-write');
    if (torn !== undefined) {
      device.writeMemory(image, torn.bytes);
      this.pull();
      fail(ErrorCode.deviceRemoved, 'device left during the write');
      return;
    }
    device.writeMemory(image);
    this.respond({ type: MessageType.writeOk, seq, payload: encodeHandled(handle) });
  }

  /**
   * Queues a response. With `streamOf` (a READ), the device is re-checked before each report, as
   * the real reader streams memory while reading it: a pull mid-stream aborts with an ERROR frame.
   */
  private respond(frame: Frame, streamOf?: Uint8Array): void {
    const reports = this.applyFrameFaults(encodeFrame(frame));
    const abort = encodeFrame({ type: MessageType.error, seq: frame.seq, payload: encodeError(ErrorCode.deviceRemoved) });
    this.enqueue(async () => {
      for (const [i, report] of reports.entries()) {
        if (this.slowMs > 0) await delay(this.slowMs);
        if (streamOf !== undefined && i > 0 && (this.handle === undefined || !sameBytes(this.handle, streamOf))) {
          for (const r of abort) this.host?.deliver(r);
          break;
        }
        this.host?.deliver(report);
        this.countReport();
      }
      this.endOp();
    });
  }

  private applyFrameFaults(reports: Uint8Array[]): Uint8Array[] {
    const out = reports.map((r) => r.slice());
    if (this.takeFault('wrong-checksum') !== undefined) {
      // The CRC is the last 4 body bytes; flip its last byte wherever it landed.
      const last = out[out.length - 1];
      const length = last === undefined ? 0 : ((last[4] ?? 0) << 8) | (last[5] ?? 0);
      const crcEnd = length + 3;
      const target = out[Math.floor(crcEnd / 56)];
      if (target !== undefined) target[8 + (crcEnd % 56)] = (target[8 + (crcEnd % 56)] ?? 0) ^ 0xff;
    }
    if (this.takeFault('garbage-report') !== undefined && out.length > 0) {
      const garbage = randomBytes(64);
      garbage[0] = 0x47; // never the frame magic
      out[0] = garbage;
    }
    if (this.takeFault('truncated-report') !== undefined && out.length > 0) {
      out[out.length - 1] = (out[out.length - 1] ?? new Uint8Array(0)).slice(0, 32);
    }
    if (this.takeFault('drop-last-report') !== undefined) out.pop();
    return out;
  }

  private takeFault<T extends OneShot['type']>(type: T): Extract<OneShot, { type: T }> | undefined {
    const index = this.faults.findIndex((f) => f.type === type);
    if (index < 0) return undefined;
    const [fault] = this.faults.splice(index, 1);
    return fault as Extract<OneShot, { type: T }> | undefined;
  }

  private countReport(): void {
    if (this.pullCountdown === undefined) return;
    this.pullCountdown -= 1;
    if (this.pullCountdown <= 0) {
      this.pullCountdown = undefined;
      this.pull();
    }
  }

  private sendEvent(event: ReaderEvent): void {
    const reports = encodeFrame({ type: MessageType.event, seq: EVENT_SEQ, payload: encodeEvent(event) });
    this.enqueue(() => {
      for (const r of reports) this.host?.deliver(r);
      return Promise.resolve();
    });
  }

  private enqueue(step: () => Promise<void>): void {
    this.outbox = this.outbox.then(step).catch(() => undefined);
  }

  private endOp(): void {
    this.opActive = false;
    this.removedDuringOp = false;
  }

  private endOpLater(): void {
    this.enqueue(() => {
      this.endOp();
      return Promise.resolve();
    });
  }

  private resetLink(): void {
    this.assembler.reset();
    this.endOp();
  }
}
