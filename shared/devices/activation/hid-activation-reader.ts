/**
 * Host driver of the activation reader over any HidTransport (node-hid for real hardware, the
 * virtual reader of hardware-sim/hid/ otherwise: same code path for both).
 *
 * One request at a time (operations are queued). Every failure, the device pulled at any report
 * boundary included, ends as a typed ActivationError; the reader disappearing closes the transport
 * and the next operation tries to open it again.
 */
import { randomBytes } from 'node:crypto';
import { err, ok, type Result } from '../../result.ts';
import { encodeFrame, FrameAssembler, type Frame, type FrameError } from '../hid/frame.ts';
import { attachHidTransport, type HidTransport, type HidTransportOpener } from '../hid/transport.ts';
import type { ActivationError, ActivationEvent, ActivationIoOptions, ActivationReader, Presence } from './activation-reader.ts';
import { decodeImage, encodeImage, IMAGE_OVERHEAD, MAX_BLOB_BYTES, maxBlobFor } from './device-image.ts';
import {
  ANY_HANDLE, decodeError, decodeEvent, decodeHandled, decodePresence, encodeHandled, ErrorCode, EVENT_SEQ,
  MessageType, sameBytes,
} from './messages.ts';

export interface HidActivationReaderOptions {
  /** Per request/response exchange. */
  readonly timeoutMs?: number;
}

interface Pending {
  readonly seq: number;
  readonly settle: (result: Result<Frame, ActivationError>) => void;
}

interface Insertion {
  readonly readerHandle: Uint8Array;
  readonly deviceId: string;
  readonly capacity: number | undefined;
}

type Step<T> = Result<T, ActivationError>;

function badFrame(e: FrameError): ActivationError {
  return { kind: 'bad-frame', detail: e.detail, message: e.message };
}

function unexpected(message: string): ActivationError {
  return { kind: 'bad-frame', detail: 'unexpected', message };
}

/** After the device was seen present, its absence means it was pulled during our operation. */
function asRemoved(e: ActivationError): ActivationError {
  return e.kind === 'no-device' ? { kind: 'device-removed' } : e;
}

export class HidActivationReader implements ActivationReader {
  private readonly timeoutMs: number;
  private transport: HidTransport | undefined;
  private opening: Promise<Step<HidTransport>> | undefined;
  private readonly assembler = new FrameAssembler();
  private seq = 0;
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<(event: ActivationEvent) => void>();
  private insertion: Insertion | undefined;
  private closed = false;

  private unsubscribe: (() => void) | undefined;

  constructor(private readonly openTransport: HidTransportOpener, options: HidActivationReaderOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 3000;
  }

  presence(): Promise<Result<Presence, ActivationError>> {
    return this.serialize(async () => {
      const p = await this.presenceStep();
      if (!p.ok) return p;
      return ok(p.value === undefined ? { present: false } : { present: true, deviceId: p.value.deviceId });
    });
  }

  read(options: ActivationIoOptions = {}): Promise<Result<Uint8Array, ActivationError>> {
    return this.serialize(async () => {
      const target = this.targetHandle(options);
      if (!target.ok) return target;
      const memory = await this.readStep(target.value, options.expectDeviceId !== undefined);
      if (!memory.ok) return memory;
      const blob = decodeImage(memory.value);
      return blob.ok ? blob : err({ kind: 'corrupt', detail: blob.error });
    });
  }

  write(data: Uint8Array, options: ActivationIoOptions = {}): Promise<Result<void, ActivationError>> {
    return this.serialize(async () => {
      if (data.length > MAX_BLOB_BYTES) return err({ kind: 'too-large', size: data.length, max: MAX_BLOB_BYTES });
      const present = await this.checkedPresence(options);
      if (!present.ok) return present;
      const { readerHandle, capacity } = present.value;
      if (capacity !== undefined && data.length + IMAGE_OVERHEAD > capacity) {
        return err({ kind: 'too-large', size: data.length, max: maxBlobFor(capacity) });
      }
      const image = encodeImage(data);
      const written = await this.handledStep(MessageType.write, MessageType.writeOk, readerHandle, image);
      if (!written.ok) {
        const e = asRemoved(written.error);
        return err(e.kind === 'too-large' ? { ...e, size: data.length, max: maxBlobFor(capacity ?? 0) } : e);
      }
      const memory = await this.readStep(readerHandle, true);
      if (!memory.ok) return err(asRemoved(memory.error));
      const back = decodeImage(memory.value);
      if (!back.ok) return err({ kind: 'write-failed', detail: `read-back is corrupt: ${back.error}` });
      if (!sameBytes(back.value, data)) return err({ kind: 'write-failed', detail: 'read-back differs from the data written' });
      return ok(undefined);
    });
  }

  erase(options: ActivationIoOptions = {}): Promise<Result<void, ActivationError>> {
    return this.serialize(async () => {
      const present = await this.checkedPresence(options);
      if (!present.ok) return present;
      const { readerHandle } = present.value;
      const erased = await this.handledStep(MessageType.erase, MessageType.eraseOk, readerHandle, new Uint8Array(0));
      if (!erased.ok) return err(asRemoved(erased.error));
      const memory = await this.readStep(readerHandle, true);
      if (!memory.ok) return err(asRemoved(memory.error));
      if (memory.value.some((b) => b !== 0)) return err({ kind: 'write-failed', detail: 'device not blank after erase' });
      return ok(undefined);
    });
  }

  onChange(listener: (event: ActivationEvent) => void): () => void {
    this.listeners.add(listener);
    // Events only flow while the transport is open; open it now rather than at the first operation.
    void this.ensureTransport();
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.settle(undefined, err({ kind: 'reader-disconnected', detail: 'driver closed' }));
    const transport = this.detach();
    if (transport !== undefined) await transport.close().catch(() => undefined);
  }

  // ---- steps -------------------------------------------------------------------------------

  private async presenceStep(): Promise<Step<Insertion | undefined>> {
    const answer = await this.exchange(MessageType.presence, new Uint8Array(0));
    if (!answer.ok) return answer;
    const payload = this.expect(answer.value, MessageType.presenceOk);
    if (!payload.ok) return payload;
    const presence = decodePresence(payload.value);
    if (!presence.ok) return err(unexpected(presence.error));
    if (!presence.value.present) {
      this.insertion = undefined;
      return ok(undefined);
    }
    return ok(this.remember(presence.value.handle, presence.value.capacity));
  }

  /** Presence that must find a device, and the expected one when the caller names it. */
  private async checkedPresence(options: ActivationIoOptions): Promise<Step<Insertion>> {
    const p = await this.presenceStep();
    if (!p.ok) return p;
    if (p.value === undefined) return err(options.expectDeviceId === undefined ? { kind: 'no-device' } : { kind: 'device-removed' });
    if (options.expectDeviceId !== undefined && p.value.deviceId !== options.expectDeviceId) return err({ kind: 'device-removed' });
    return ok(p.value);
  }

  private targetHandle(options: ActivationIoOptions): Step<Uint8Array> {
    if (options.expectDeviceId === undefined) return ok(ANY_HANDLE);
    const current = this.insertion;
    if (current === undefined || current.deviceId !== options.expectDeviceId) return err({ kind: 'device-removed' });
    return ok(current.readerHandle);
  }

  private async readStep(handle: Uint8Array, mustMatch: boolean): Promise<Step<Uint8Array>> {
    const answer = await this.handledStep(MessageType.read, MessageType.readOk, handle, new Uint8Array(0));
    if (!answer.ok) return mustMatch ? err(asRemoved(answer.error)) : answer;
    return ok(answer.value);
  }

  /** Sends handle ‖ data, expects okType with the same handle (or any, for ANY_HANDLE) ‖ result. */
  private async handledStep(type: number, okType: number, handle: Uint8Array, data: Uint8Array): Promise<Step<Uint8Array>> {
    const answer = await this.exchange(type, encodeHandled(handle, data));
    if (!answer.ok) return answer;
    const payload = this.expect(answer.value, okType);
    if (!payload.ok) return payload;
    const handled = decodeHandled(payload.value);
    if (!handled.ok) return err(unexpected(handled.error));
    const any = sameBytes(handle, ANY_HANDLE);
    if (!any && !sameBytes(handled.value.handle, handle)) return err({ kind: 'device-removed' });
    if (any) this.remember(handled.value.handle, undefined);
    return ok(handled.value.data);
  }

  private expect(frame: Frame, okType: number): Step<Uint8Array> {
    if (frame.type === okType) return ok(frame.payload);
    if (frame.type !== MessageType.error) return err(unexpected(`message type ${frame.type} where ${okType} was expected`));
    const decoded = decodeError(frame.payload);
    if (!decoded.ok) return err(unexpected(decoded.error));
    const { code, detail } = decoded.value;
    switch (code) {
      case ErrorCode.noDevice: return err({ kind: 'no-device' });
      case ErrorCode.deviceRemoved: return err({ kind: 'device-removed' });
      case ErrorCode.writeFailed: return err({ kind: 'write-failed', detail: `reader: ${detail}` });
      case ErrorCode.tooLarge: return err({ kind: 'too-large', size: 0, max: 0 });
      case ErrorCode.badRequest:
      case ErrorCode.unknownType: return err({ kind: 'bad-frame', detail: 'rejected-by-reader', message: detail });
      default: return err(unexpected(`unknown error code ${code}`));
    }
  }

  /** Maps the reader's insertion handle to our own random deviceId (never a hardware serial). */
  private remember(readerHandle: Uint8Array, capacity: number | undefined): Insertion {
    const current = this.insertion;
    if (current !== undefined && sameBytes(current.readerHandle, readerHandle)) {
      if (capacity === undefined || current.capacity === capacity) return current;
      this.insertion = { ...current, capacity };
      return this.insertion;
    }
    this.insertion = { readerHandle, deviceId: randomBytes(8).toString('hex'), capacity };
    return this.insertion;
  }

  // ---- transport and exchanges ---------------------------------------------------------------

  private serialize<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.queue.then(operation, operation);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * One opening at a time: onChange() and a first operation racing must share it, as a device
   * that allows one open handle (the simulator's, through the device bridge) refuses the second.
   */
  private ensureTransport(): Promise<Step<HidTransport>> {
    if (this.opening !== undefined) return this.opening;
    const opening = this.openOnce().finally(() => {
      if (this.opening === opening) this.opening = undefined;
    });
    this.opening = opening;
    return opening;
  }

  private async openOnce(): Promise<Step<HidTransport>> {
    if (this.closed) return err({ kind: 'reader-disconnected', detail: 'driver closed' });
    if (this.transport !== undefined) return ok(this.transport);
    const opened = await this.openTransport();
    if (!opened.ok) return err({ kind: 'reader-disconnected', detail: opened.error });
    if (this.transport !== undefined) {
      // A concurrent onChange() opened one meanwhile: keep that one.
      await opened.value.close().catch(() => undefined);
      return ok(this.transport);
    }
    const transport = opened.value;
    this.transport = transport;
    this.assembler.reset();
    this.unsubscribe = attachHidTransport(
      transport,
      (t) => this.transport === t,
      (report) => this.receive(report),
      (message) => this.lost(message),
    );
    return ok(transport);
  }

  private detach(): HidTransport | undefined {
    const transport = this.transport;
    this.transport = undefined;
    this.assembler.reset();
    this.insertion = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    return transport;
  }

  private lost(detail: string): void {
    const transport = this.detach();
    if (transport === undefined) return;
    void transport.close().catch(() => undefined);
    this.settle(undefined, err({ kind: 'reader-disconnected', detail }));
    this.emit({ type: 'reader-disconnected' });
  }

  private nextSeq(): number {
    this.seq = (this.seq % 255) + 1;
    return this.seq;
  }

  private async exchange(type: number, payload: Uint8Array): Promise<Step<Frame>> {
    const transport = await this.ensureTransport();
    if (!transport.ok) return transport;
    const seq = this.nextSeq();
    const answer = new Promise<Step<Frame>>((resolve) => {
      const timer = setTimeout(() => {
        const truncated = this.assembler.pendingSeq === seq;
        if (truncated) this.assembler.reset();
        this.settle(seq, truncated
          ? err({ kind: 'bad-frame', detail: 'truncated', message: 'response frame incomplete' })
          : err({ kind: 'timeout' }));
      }, this.timeoutMs);
      this.pending = {
        seq,
        settle: (result) => {
          clearTimeout(timer);
          resolve(result);
        },
      };
    });
    for (const report of encodeFrame({ type, seq, payload })) {
      if (this.pending?.seq !== seq) break; // already answered (an early error) or abandoned
      try {
        await transport.value.write(report);
      } catch (e) {
        this.lost(e instanceof Error ? e.message : String(e));
        break;
      }
    }
    return answer;
  }

  /** Resolves the pending exchange; `seq` undefined settles whatever is pending. */
  private settle(seq: number | undefined, result: Step<Frame>): void {
    const pending = this.pending;
    if (pending === undefined || (seq !== undefined && pending.seq !== seq)) return;
    this.pending = undefined;
    pending.settle(result);
  }

  private receive(report: Uint8Array): void {
    for (const out of this.assembler.push(report)) {
      if (out.kind === 'error') {
        // Errors of other sequences belong to abandoned exchanges or to events: not ours.
        const seq = out.error.seq;
        if (seq === undefined || seq === this.pending?.seq) this.settle(this.pending?.seq, err(badFrame(out.error)));
      } else if (out.frame.seq === EVENT_SEQ) {
        this.event(out.frame);
      } else {
        this.settle(out.frame.seq, ok(out.frame));
      }
    }
  }

  private event(frame: Frame): void {
    if (frame.type !== MessageType.event) return;
    const decoded = decodeEvent(frame.payload);
    if (!decoded.ok) return;
    if (decoded.value.event === 'inserted') {
      const { deviceId } = this.remember(decoded.value.handle, undefined);
      this.emit({ type: 'inserted', deviceId });
    } else {
      this.insertion = undefined;
      this.emit({ type: 'removed' });
    }
  }

  private emit(event: ActivationEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (e) {
        // A throwing listener is a bug in the caller; surface it without breaking the driver state.
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }
}

