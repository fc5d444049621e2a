/**
 * The station end of one device-bridge connection (protocol.ts): connect, say what to open, wait
 * for the simulator's answer. Never throws: an unreachable or refusing bridge is a Result error,
 * a bridge that goes away later is an `onClose` call.
 */
import net from 'node:net';
import { err, ok, type Result } from '../../result.ts';
import { readLines, sendLine, ServerMessageSchema, type ClientMessage, type OpenMessage, type ServerMessage } from './protocol.ts';

/** How long the simulator may take to answer an opening line. */
const OPEN_TIMEOUT_MS = 5000;

/** Unreachable: no simulator there (or it left before answering); refused: it has no such device. */
export interface BridgeOpenError {
  readonly kind: 'unreachable' | 'refused';
  readonly message: string;
}

export class BridgeConnection {
  private listener: ((message: ServerMessage) => void) | undefined;
  private readonly queued: ServerMessage[] = [];
  private readonly closeListeners: Array<(reason: string) => void> = [];
  private closedReason: string | undefined;
  private holds = 0;

  private constructor(private readonly socket: net.Socket) {}

  /** Connects to the bridge at `socketPath` and opens `what` there. */
  static open(socketPath: string, what: OpenMessage): Promise<Result<BridgeConnection, BridgeOpenError>> {
    return new Promise((resolve) => {
      // Kept referenced while opening; afterwards only while a caller waits on it (hold()).
      const socket = net.createConnection({ path: socketPath });
      const connection = new BridgeConnection(socket);
      let settled = false;
      const settle = (result: Result<BridgeConnection, BridgeOpenError>): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!result.ok) socket.destroy();
        else socket.unref();
        resolve(result);
      };
      const timer = setTimeout(() => settle(err({ kind: 'unreachable', message: 'the device bridge did not answer' })), OPEN_TIMEOUT_MS);
      timer.unref();
      socket.on('connect', () => sendLine(socket, what));
      socket.on('error', (e) => {
        connection.lost(`device bridge: ${e.message}`);
        settle(err({ kind: 'unreachable', message: `device bridge unreachable: ${e.message}` }));
      });
      socket.on('close', () => {
        connection.lost('the device bridge went away');
        settle(err({ kind: 'unreachable', message: 'the device bridge closed the connection' }));
      });
      readLines(
        socket,
        ServerMessageSchema,
        (message) => {
          if (!settled) {
            if (message.t === 'opened') settle(ok(connection));
            else settle(err(message.t === 'refused' ? { kind: 'refused', message: message.message } : { kind: 'unreachable', message: `unexpected ${message.t} before opening` }));
            return;
          }
          connection.dispatch(message);
        },
        (reason) => {
          connection.lost(`the device bridge sent ${reason}`);
          settle(err({ kind: 'unreachable', message: `the device bridge sent ${reason}` }));
        },
      );
    });
  }

  /**
   * An idle device connection never keeps a process alive on its own (a station's servers do),
   * but one a caller is waiting on does: hold() while waiting, release() after.
   */
  hold(): void {
    if (this.holds++ === 0) this.socket.ref();
  }

  release(): void {
    if (this.holds > 0 && --this.holds === 0) this.socket.unref();
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  send(message: ClientMessage): boolean {
    if (this.closed) return false;
    sendLine(this.socket, message);
    return true;
  }

  /** Messages that arrived before a listener was set are delivered to it first. */
  onMessage(listener: (message: ServerMessage) => void): void {
    this.listener = listener;
    for (const message of this.queued.splice(0)) listener(message);
  }

  /** Called once, when the connection ends for any reason but close(). */
  onClose(listener: (reason: string) => void): void {
    if (this.closedReason !== undefined) listener(this.closedReason);
    else this.closeListeners.push(listener);
  }

  close(): void {
    this.closedReason ??= 'closed';
    this.closeListeners.length = 0;
    this.socket.destroy();
  }

  private dispatch(message: ServerMessage): void {
    if (this.listener === undefined) this.queued.push(message);
    else this.listener(message);
  }

  private lost(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    for (const listener of this.closeListeners.splice(0)) listener(reason);
  }
}

/** An errno-style error, as node:fs throws and the consolidation driver maps. */
export function errnoError(code: string, message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

/**
 * Calls over one lazily opened connection (USB medium, scanner). A lost bridge fails the calls in
 * flight with ENODEV; the next call connects again (the simulator may be back).
 */
export class BridgeRpc {
  private connection: Promise<Result<BridgeConnection, BridgeOpenError>> | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (e: Error) => void }>();

  constructor(private readonly socketPath: string, private readonly what: OpenMessage) {}

  async call(call: Extract<ClientMessage, { t: 'call' }>['call']): Promise<unknown> {
    const connection = await this.connect();
    if (!connection.ok) throw errnoError(connection.error.kind === 'unreachable' ? 'ENODEV' : 'EINVAL', connection.error.message);
    const id = this.nextId++;
    const channel = connection.value;
    channel.hold();
    try {
      return await new Promise((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        if (!channel.send({ t: 'call', id, call })) {
          this.pending.delete(id);
          reject(errnoError('ENODEV', 'the device bridge went away'));
        }
      });
    } finally {
      channel.release();
    }
  }

  close(): void {
    const current = this.connection;
    this.connection = undefined;
    void current?.then((c) => (c.ok ? c.value.close() : undefined));
    this.failPending('the device bridge connection was closed');
  }

  private connect(): Promise<Result<BridgeConnection, BridgeOpenError>> {
    if (this.connection !== undefined) return this.connection;
    const opening = BridgeConnection.open(this.socketPath, this.what).then((opened) => {
      if (!opened.ok) {
        if (this.connection === opening) this.connection = undefined;
        return opened;
      }
      opened.value.onMessage((message) => {
        if (message.t !== 'reply' && message.t !== 'failed') return;
        const waiting = this.pending.get(message.id);
        if (waiting === undefined) return;
        this.pending.delete(message.id);
        if (message.t === 'reply') waiting.resolve(message.value);
        else waiting.reject(errnoError(message.code ?? 'EIO', message.message));
      });
      opened.value.onClose((reason) => {
        if (this.connection === opening) this.connection = undefined;
        this.failPending(reason);
      });
      return opened;
    });
    this.connection = opening;
    return opening;
  }

  private failPending(reason: string): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const w of waiting) w.reject(errnoError('ENODEV', reason));
  }
}
