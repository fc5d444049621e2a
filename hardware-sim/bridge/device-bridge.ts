/**
 * The simulator's end of the device bridge (shared/devices/bridge/protocol.ts): serves its
 * simulated HID devices, USB media, scanners and clock to station processes over a unix-domain
 * socket, so each station runs in its own process, as on real hardware, with its real drivers.
 * The devices stay here: the panel's inserts, pulls and faults, and the media's write-once rules,
 * act exactly as they do for a station in this process.
 *
 * A medium is reached through a virtual mount path (bridgedMountPath) that is mapped onto the
 * stick's folder here; anything but that folder and plain file names directly in it is refused, so
 * a station cannot reach other files of this machine through the bridge.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { FileSystemOps, WritableFile } from '../../shared/devices/consolidation/file-system.ts';
import { errnoCode } from '../../shared/devices/consolidation/file-system.ts';
import type { HidTransport } from '../../shared/devices/hid/transport.ts';
import {
  bridgedMountPath,
  ClientMessageSchema,
  fromBase64,
  OpenSchema,
  readLines,
  sendLine,
  toBase64,
  type ClientMessage,
  type OpenMessage,
  type UsbCall,
} from '../../shared/devices/bridge/protocol.ts';
import { err, ok, type Result } from '../../shared/result.ts';
import type { SimulatedHardware } from '../control/simulated-hardware.ts';
import type { SimulatedUsbStick } from '../usb/simulated-usb-stick.ts';

export interface DeviceBridge {
  readonly socketPath: string;
  /** Stops serving: every station connection ends (its devices read as unplugged). */
  close(): Promise<void>;
}

function errno(code: string, message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

/** A connection that has said what it opens: it gets the rest of its lines. */
type Session = { onMessage(message: ClientMessage): void; onClose(): void };

function hidSession(socket: net.Socket, transport: HidTransport): Session {
  const onData = (report: Uint8Array): void => sendLine(socket, { t: 'hid-data', data: toBase64(report) });
  const onError = (error: Error): void => {
    sendLine(socket, { t: 'hid-error', message: error.message });
    socket.end();
  };
  transport.on('data', onData);
  transport.on('error', onError);
  return {
    onMessage(message) {
      if (message.t !== 'hid-write') return void socket.destroy();
      transport.write(fromBase64(message.data)).catch((e: unknown) => onError(e instanceof Error ? e : new Error(String(e))));
    },
    onClose() {
      transport.off('data', onData);
      transport.off('error', onError);
      void transport.close();
    },
  };
}

function mediumSession(socket: net.Socket, name: string, stick: SimulatedUsbStick): Session {
  const fileSystem: FileSystemOps = stick.fileSystem();
  const root = bridgedMountPath(name);
  const handles = new Map<number, WritableFile>();
  let nextHandle = 0;
  const dir = (p: string): string => {
    if (path.posix.normalize(p) !== root) throw errno('EACCES', `${p} is not the bridged medium ${name}`);
    return stick.mountPath;
  };
  const file = (p: string): string => {
    const base = path.posix.basename(p);
    if (path.posix.dirname(p) !== root || base === '' || base === '.' || base === '..' || p !== `${root}/${base}`) {
      throw errno('EACCES', `${p} is not a file of the bridged medium ${name}`);
    }
    return path.join(stick.mountPath, base);
  };
  const writable = (handle: number): WritableFile => {
    const found = handles.get(handle);
    if (found === undefined) throw errno('EBADF', `no open file ${handle}`);
    return found;
  };
  /** A void call's reply value (JSON has no undefined). */
  const nothing = async (done: Promise<void>): Promise<null> => {
    await done;
    return null;
  };
  const perform = async (call: UsbCall): Promise<unknown> => {
    switch (call.op) {
      case 'mountStatus':
        return path.posix.normalize(call.path) === root ? fileSystem.mountStatus(stick.mountPath) : { mounted: false };
      case 'freeBytes': return fileSystem.freeBytes(dir(call.path));
      case 'createExclusive': {
        const opened = await fileSystem.createExclusive(file(call.path));
        const handle = nextHandle++;
        handles.set(handle, opened);
        return handle;
      }
      case 'write': return nothing(writable(call.handle).write(fromBase64(call.data)));
      case 'sync': return nothing(writable(call.handle).sync());
      case 'close': {
        const closing = writable(call.handle);
        handles.delete(call.handle);
        await closing.close();
        return null;
      }
      case 'rename': return nothing(fileSystem.rename(file(call.from), file(call.to)));
      case 'syncDirectory': return nothing(fileSystem.syncDirectory(dir(call.path)));
      case 'stat': return (await fileSystem.stat(file(call.path))) ?? null;
      case 'readFile': return toBase64(await fileSystem.readFile(file(call.path)));
      case 'readdir': return fileSystem.readdir(dir(call.path));
      case 'unlink': return nothing(fileSystem.unlink(file(call.path)));
      case 'eject': return nothing(stick.remove());
    }
  };
  return {
    onMessage(message) {
      if (message.t !== 'call' || message.call.op === 'scan') return void socket.destroy();
      const { id, call } = message;
      perform(call).then(
        (value) => sendLine(socket, { t: 'reply', id, value }),
        (e: unknown) => sendLine(socket, { t: 'failed', id, code: errnoCode(e), message: e instanceof Error ? e.message : String(e) }),
      );
    },
    onClose() {
      // The station is gone: its half-written files stay what a pulled cable leaves (temporaries).
      for (const open of handles.values()) void open.close().catch(() => undefined);
      handles.clear();
    },
  };
}

function open(hardware: SimulatedHardware, socket: net.Socket, what: OpenMessage): Result<Session, string> {
  switch (what.t) {
    case 'open-hid': {
      let opened: Result<HidTransport, string>;
      try {
        if (what.device === 'activation-reader') opened = hardware.activationReader(what.name).openHost();
        else if (what.device === 'dni-reader') opened = hardware.dniReader(what.name).openHost();
        else opened = hardware.keypad(what.name, what.profile ?? 'navigation').openHost();
      } catch (e) {
        return err(e instanceof Error ? e.message : String(e));
      }
      return opened.ok ? ok(hidSession(socket, opened.value)) : opened;
    }
    case 'open-usb': {
      try {
        return ok(mediumSession(socket, what.name, hardware.usbStick(what.name, { writeOnce: what.writeOnce })));
      } catch (e) {
        return err(e instanceof Error ? e.message : String(e));
      }
    }
    case 'open-scanner': {
      const scanner = hardware.scanner(what.name);
      return ok({
        onMessage(message) {
          if (message.t !== 'call' || message.call.op !== 'scan') return void socket.destroy();
          const { id } = message;
          scanner.scan().then(
            (scanned) =>
              sendLine(socket, {
                t: 'reply',
                id,
                value: scanned.ok ? { ok: true, value: { ...scanned.value, png: toBase64(scanned.value.png) } } : scanned,
              }),
            (e: unknown) => sendLine(socket, { t: 'failed', id, message: e instanceof Error ? e.message : String(e) }),
          );
        },
        onClose: () => undefined,
      });
    }
    case 'open-clock': {
      // Sent after 'opened' (below) by the first push; every change follows.
      const push = (offsetMs: number): void => sendLine(socket, { t: 'clock', offsetMs });
      const unsubscribe = hardware.clock.onChange(push);
      setImmediate(() => push(hardware.clock.offset));
      return ok({ onMessage: () => void socket.destroy(), onClose: unsubscribe });
    }
  }
}

function serveConnection(hardware: SimulatedHardware, socket: net.Socket, onProblem: (message: string) => void): void {
  let session: Session | undefined;
  socket.on('error', () => undefined); // a station that died mid-write: 'close' follows
  socket.on('close', () => session?.onClose());
  readLines<unknown>(
    socket,
    OpenSchema.or(ClientMessageSchema),
    (message) => {
      if (session !== undefined) {
        const parsed = ClientMessageSchema.safeParse(message);
        if (parsed.success) session.onMessage(parsed.data);
        else socket.destroy();
        return;
      }
      const what = OpenSchema.safeParse(message);
      if (!what.success) return void socket.destroy();
      const opened = open(hardware, socket, what.data);
      if (!opened.ok) {
        sendLine(socket, { t: 'refused', message: opened.error });
        socket.end();
        return;
      }
      session = opened.value;
      sendLine(socket, { t: 'opened' });
    },
    (reason) => onProblem(`device bridge: a station sent ${reason}; its connection was closed`),
  );
}

/**
 * Serves `hardware` on the unix socket `socketPath` (its folder should be private: the socket is
 * made owner-only too). A stale socket left by an earlier run is replaced.
 */
export async function serveDeviceBridge(
  hardware: SimulatedHardware,
  socketPath: string,
  options: { onProblem?: (message: string) => void } = {},
): Promise<Result<DeviceBridge, string>> {
  try {
    if (fs.lstatSync(socketPath, { throwIfNoEntry: false })?.isSocket() === true) fs.unlinkSync(socketPath);
  } catch (e) {
    return err(`cannot replace the stale device bridge socket ${socketPath}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const sockets = new Set<net.Socket>();
  const onProblem = options.onProblem ?? ((message: string) => process.stderr.write(`${message}\n`));
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveConnection(hardware, socket, onProblem);
  });
  const listening = await new Promise<Result<void, string>>((resolve) => {
    server.once('error', (e) => resolve(err(`device bridge on ${socketPath}: ${e.message}`)));
    server.listen(socketPath, () => resolve(ok(undefined)));
  });
  if (!listening.ok) return listening;
  fs.chmodSync(socketPath, 0o600);
  return ok({
    socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  });
}
