/**
 * ESC/POS thermal printer on a serial port (USB CDC or RS-232), serialport 13.
 *
 * A print job is:
 *   1. real-time status (`DLE EOT 1..4`); a printer that is not printable refuses the job with
 *      the typed error and nothing is sent;
 *   2. if the previous job was interrupted: a void notice on its fragment, then a cut;
 *   3. the document (ESC @ ... GS V) built by @node-escpos/core, followed by `GS r 1`;
 *   4. confirmation: `GS r` is processed in order, after the cut, so its reply proves the whole
 *      ticket was printed and cut. While waiting, the real-time status is polled so a fault in
 *      the middle of the job (paper end, cover, power) is reported at once with its type.
 * See printer.ts for the exactly-once contract and its residual risks. The driver never
 * retries a job by itself.
 *
 * Faults of the serial link itself (ENOENT, EIO, port closed by unplugging) become
 * `device-removed`; the next call tries to reopen the port, so a re-plugged printer works
 * again without restarting the station.
 */
import type { Printer } from '@node-escpos/core';
import { err, ok, type Result } from '../../result.ts';
import { PAPER_80MM_COLUMNS } from '../../documents/print-document.ts';
import { isPrintable, type PrintJob, type PrinterError, type PrinterStatus, type ThermalPrinter } from './printer.ts';
import {
  decodeRealtimeStatus,
  realtimeStatusCommand,
  REALTIME_STATUS_REQUESTS,
  StatusReplyRouter,
  TRANSMIT_PAPER_STATUS_COMMAND,
  type DecodedStatus,
  type RealtimeStatusBytes,
} from './escpos-status.ts';
import { appendDocument, appendInterruptedJobNotice, createEscposPrinter } from './escpos-render.ts';
import { isDeviceGoneError, SerialPortAdapter } from './serialport-adapter.ts';

/** USB CDC printers ignore it; RS-232 printers must match their DIP-switch setting. */
export const DEFAULT_BAUD_RATE = 115_200;
/**
 * A printer answers DLE EOT within milliseconds; silence this long means it is offline. Kept
 * well above that because the station's own event loop can stall for hundreds of ms (Chromium
 * renders the kiosk on the same board; CI runs many test processes on two cores), and a false
 * 'offline' before a job would block the cabin for nothing.
 */
export const STATUS_REPLY_TIMEOUT_MS = 2_000;
/** Time allowed for a job to print and cut once its bytes are sent (a long acta included). */
export const JOB_CONFIRM_TIMEOUT_MS = 20_000;
/** How often the real-time status is polled while waiting for the job confirmation. */
export const JOB_STATUS_POLL_INTERVAL_MS = 200;
/**
 * While a job is in flight, a printer that stops answering status requests for this long is
 * reported offline (switched off, cable pulled). Shorter silences are not trusted: a busy
 * host can delay replies, and failing a job that actually printed would invite a duplicate.
 */
export const OFFLINE_AFTER_SILENCE_MS = 2_000;
/** Sending a job must not take longer than this plus the time the baud rate needs. */
export const WRITE_TIMEOUT_BASE_MS = 5_000;

export type EscposSerialOptions = {
  path: string;
  baudRate?: number;
  rtscts?: boolean;
  /** Characters per line in font A (48 for 80 mm paper); documents carry their own. */
  columns?: number;
  statusReplyTimeoutMs?: number;
  jobConfirmTimeoutMs?: number;
  jobStatusPollIntervalMs?: number;
  offlineAfterSilenceMs?: number;
};

type Connection = {
  adapter: SerialPortAdapter;
  escpos: Printer<[]>;
  router: StatusReplyRouter;
  alive: boolean;
  onDeath: Set<() => void>;
  /** After an unanswered status request, no new one is sent before this time (see readStatus). */
  quietUntil: number;
};

type StatusReading = { decoded: DecodedStatus; silent: boolean };

type Reply = { kind: 'byte'; byte: number } | { kind: 'timeout' } | { kind: 'removed' };

export class EscposSerialPrinter implements ThermalPrinter {
  private connection: Connection | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** The last job was interrupted after bytes were sent: its fragment must be voided and cut. */
  private interruptedFragmentPending = false;
  private readonly baudRate: number;
  private readonly statusReplyTimeoutMs: number;
  private readonly jobConfirmTimeoutMs: number;
  private readonly pollIntervalMs: number;
  private readonly offlineAfterSilenceMs: number;

  constructor(private readonly options: EscposSerialOptions) {
    this.baudRate = options.baudRate ?? DEFAULT_BAUD_RATE;
    this.statusReplyTimeoutMs = options.statusReplyTimeoutMs ?? STATUS_REPLY_TIMEOUT_MS;
    this.jobConfirmTimeoutMs = options.jobConfirmTimeoutMs ?? JOB_CONFIRM_TIMEOUT_MS;
    this.pollIntervalMs = options.jobStatusPollIntervalMs ?? JOB_STATUS_POLL_INTERVAL_MS;
    this.offlineAfterSilenceMs = options.offlineAfterSilenceMs ?? OFFLINE_AFTER_SILENCE_MS;
  }

  /** Opens the port now so a missing device is reported at start-up. */
  async open(): Promise<Result<void, PrinterError>> {
    return this.exclusive(async () => {
      const connection = await this.connect();
      return connection.ok ? ok(undefined) : connection;
    });
  }

  status(): Promise<Result<PrinterStatus, PrinterError>> {
    return this.exclusive(async () => {
      const connection = await this.connect();
      if (!connection.ok) return connection;
      const status = await this.readStatus(connection.value);
      return status.ok ? ok(status.value.decoded.status) : status;
    });
  }

  print(job: PrintJob): Promise<Result<{ printed: true }, PrinterError>> {
    return this.exclusive(() => this.printExclusive(job));
  }

  async close(): Promise<void> {
    await this.exclusive(async () => {
      this.closed = true;
      const connection = this.connection;
      this.connection = undefined;
      if (connection) await closeQuietly(connection);
    });
  }

  private async printExclusive(job: PrintJob): Promise<Result<{ printed: true }, PrinterError>> {
    const connected = await this.connect();
    if (!connected.ok) return connected;
    const connection = connected.value;

    const before = await this.readStatus(connection);
    if (!before.ok) return before;
    if (!isPrintable(before.value.decoded.status)) return err(statusToError(before.value.decoded));

    try {
      if (this.interruptedFragmentPending) appendInterruptedJobNotice(connection.escpos);
      appendDocument(connection.escpos, job.document);
    } catch (error) {
      connection.escpos.buffer.clear();
      return err({ kind: 'error', detail: `document cannot be rendered: ${messageOf(error)}` });
    }
    connection.escpos.raw(TRANSMIT_PAPER_STATUS_COMMAND);
    const byteCount = connection.escpos.buffer.size;

    // From here on bytes may reach the paper: any failure leaves a fragment to void.
    this.interruptedFragmentPending = true;
    const confirmation = this.awaitReply(connection, 'transmitted-status', Number.POSITIVE_INFINITY);
    const sent = await withTimeout(
      connection.escpos.flush().then(
        () => ok(undefined),
        (error: unknown) => err(error),
      ),
      WRITE_TIMEOUT_BASE_MS + Math.ceil((byteCount * 10 * 1000) / this.baudRate) * 2,
    );
    if (sent === 'timeout') {
      confirmation.cancel();
      return err({ kind: 'timeout' });
    }
    if (!sent.ok) {
      confirmation.cancel();
      return err(this.linkError(connection, sent.error));
    }

    const outcome = await this.awaitConfirmation(connection, confirmation);
    if (outcome.ok) this.interruptedFragmentPending = false;
    return outcome;
  }

  /**
   * Waits for the `GS r` reply; meanwhile polls the real-time status so a fault stops the wait.
   * A fault seen while waiting fails the job (the printer stopped in the middle of it).
   */
  private async awaitConfirmation(
    connection: Connection,
    confirmation: PendingReply,
  ): Promise<Result<{ printed: true }, PrinterError>> {
    const deadline = Date.now() + this.jobConfirmTimeoutMs;
    let silentSince: number | undefined;
    try {
      for (;;) {
        const remaining = deadline - Date.now();
        if (remaining <= 0) return err({ kind: 'timeout' });
        const reply = await withTimeout(confirmation.reply, Math.min(this.pollIntervalMs, remaining));
        if (reply !== 'timeout') {
          if (reply.kind === 'byte') return ok({ printed: true });
          if (reply.kind === 'removed') return err({ kind: 'device-removed' });
        }
        const status = await this.readStatus(connection);
        if (!status.ok) return status;
        if (status.value.silent) {
          silentSince ??= Date.now();
          if (Date.now() - silentSince >= this.offlineAfterSilenceMs) return err({ kind: 'offline' });
          continue;
        }
        silentSince = undefined;
        if (!isPrintable(status.value.decoded.status)) {
          // The confirmation may already be on the wire (fault right after the cut): one
          // more short wait avoids failing, and so duplicating, a ticket that was completed.
          const late = await withTimeout(confirmation.reply, this.pollIntervalMs);
          if (late !== 'timeout' && late.kind === 'byte') return ok({ printed: true });
          return err(statusToError(status.value.decoded));
        }
      }
    } finally {
      confirmation.cancel();
    }
  }

  /**
   * The four real-time status bytes; no answer means the printer is offline (`silent`).
   * Replies carry no request number, so a reply arriving after its request timed out would be
   * taken as the answer to the next request: after a timeout, no request is sent for one more
   * timeout period, during which stragglers arrive with nobody waiting and are dropped.
   */
  private async readStatus(connection: Connection): Promise<Result<StatusReading, PrinterError>> {
    const quiet = connection.quietUntil - Date.now();
    if (quiet > 0) await new Promise((resolve) => setTimeout(resolve, quiet));
    const bytes: number[] = [];
    for (const n of REALTIME_STATUS_REQUESTS) {
      const pending = this.awaitReply(connection, 'realtime-status', this.statusReplyTimeoutMs);
      // Real-time commands go straight to the adapter: the library's getStatus() has no
      // timeout and would queue them behind unflushed print data.
      const written = await writeRaw(connection, realtimeStatusCommand(n));
      if (!written.ok) {
        pending.cancel();
        return err(this.linkError(connection, written.error));
      }
      const reply = await pending.reply;
      if (reply.kind === 'removed') return err({ kind: 'device-removed' });
      if (reply.kind === 'timeout') {
        connection.quietUntil = Date.now() + this.statusReplyTimeoutMs;
        return ok({ decoded: { status: 'offline', detail: 'no answer to DLE EOT' }, silent: true });
      }
      bytes.push(reply.byte);
    }
    const [printer = 0, offlineCause = 0, errorCause = 0, paperSensor = 0] = bytes;
    const status: RealtimeStatusBytes = { printer, offlineCause, errorCause, paperSensor };
    return ok({ decoded: decodeRealtimeStatus(status), silent: false });
  }

  private awaitReply(connection: Connection, kind: 'realtime-status' | 'transmitted-status', timeoutMs: number): PendingReply {
    let settle: (reply: Reply) => void = () => {};
    const reply = new Promise<Reply>((resolve) => {
      settle = resolve;
    });
    let timer: NodeJS.Timeout | undefined;
    const finish = (value: Reply): void => {
      withdraw();
      if (timer) clearTimeout(timer);
      connection.onDeath.delete(onDeath);
      settle(value);
    };
    const onDeath = (): void => finish({ kind: 'removed' });
    const withdraw = connection.router.expect(kind, (byte) => finish({ kind: 'byte', byte }));
    if (!connection.alive) finish({ kind: 'removed' });
    else connection.onDeath.add(onDeath);
    if (Number.isFinite(timeoutMs)) timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    return { reply, cancel: () => finish({ kind: 'timeout' }) };
  }

  private linkError(connection: Connection, error: unknown): PrinterError {
    if (!connection.alive || isDeviceGoneError(error)) {
      this.markDead(connection);
      return { kind: 'device-removed' };
    }
    return { kind: 'error', detail: `serial write failed: ${messageOf(error)}` };
  }

  private markDead(connection: Connection): void {
    if (!connection.alive) return;
    connection.alive = false;
    for (const callback of [...connection.onDeath]) callback();
    if (this.connection === connection) this.connection = undefined;
  }

  private async connect(): Promise<Result<Connection, PrinterError>> {
    if (this.closed) return err({ kind: 'device-removed' });
    if (this.connection?.alive) return ok(this.connection);
    const adapter = new SerialPortAdapter({ path: this.options.path, baudRate: this.baudRate, rtscts: this.options.rtscts });
    const opened = await new Promise<Error | null>((resolve) => adapter.open(resolve));
    if (opened) {
      return err(isDeviceGoneError(opened) ? { kind: 'device-removed' } : { kind: 'error', detail: `cannot open ${this.options.path}: ${opened.message}` });
    }
    const connection: Connection = {
      adapter,
      escpos: createEscposPrinter(adapter, this.options.columns ?? PAPER_80MM_COLUMNS),
      router: new StatusReplyRouter(),
      alive: true,
      onDeath: new Set(),
      quietUntil: 0,
    };
    adapter.port.on('data', (chunk: Buffer) => connection.router.feed(chunk));
    adapter.port.on('close', () => this.markDead(connection));
    adapter.port.on('error', (error: Error) => {
      if (isDeviceGoneError(error)) this.markDead(connection);
    });
    this.connection = connection;
    return ok(connection);
  }

  /** Runs operations one at a time: a status poll must never interleave with a job. */
  private exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.queue.then(operation, operation);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

type PendingReply = { reply: Promise<Reply>; cancel: () => void };

/** Opens the printer; a missing device is `device-removed`. */
export async function openEscposSerialPrinter(options: EscposSerialOptions): Promise<Result<EscposSerialPrinter, PrinterError>> {
  const printer = new EscposSerialPrinter(options);
  const opened = await printer.open();
  if (!opened.ok) {
    await printer.close();
    return opened;
  }
  return ok(printer);
}

export function statusToError(status: DecodedStatus): PrinterError {
  switch (status.status) {
    case 'paper-out':
      return { kind: 'paper-out' };
    case 'cover-open':
      return { kind: 'cover-open' };
    case 'offline':
      return { kind: 'offline' };
    case 'error':
      return { kind: 'error', detail: status.detail ?? 'printer error' };
    case 'ready':
    case 'paper-low':
      return { kind: 'error', detail: `status ${status.status} is not an error` };
  }
}

function writeRaw(connection: Connection, bytes: Buffer): Promise<Result<void, unknown>> {
  return new Promise((resolve) => {
    connection.adapter.write(bytes, (error) => resolve(error ? err(error) : ok(undefined)));
  });
}

async function closeQuietly(connection: Connection): Promise<void> {
  connection.alive = false;
  for (const callback of [...connection.onDeath]) callback();
  await new Promise<void>((resolve) => connection.adapter.close(() => resolve()));
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
