/**
 * @node-escpos adapter over serialport 13. The published `@node-escpos/serialport-adapter`
 * pins serialport 10, so this small class plays its role: the @node-escpos `Printer` builds
 * the command bytes and hands them to `write`, which resolves only once the OS has transmitted
 * them (`drain`), so the driver's confirmation timer starts when the bytes are on the wire.
 *
 * Every serialport failure arrives through callbacks (never as a throw or an unhandled
 * 'error' event): an 'error' listener is attached for the whole life of the port.
 */
import { Adapter } from '@node-escpos/adapter';
import { SerialPort } from 'serialport';

export type SerialPortAdapterOptions = { path: string; baudRate: number; rtscts?: boolean };

export class SerialPortAdapter extends Adapter<[]> {
  readonly port: SerialPort;
  lastError: Error | undefined;

  constructor(options: SerialPortAdapterOptions) {
    super();
    this.port = new SerialPort({
      path: options.path,
      baudRate: options.baudRate,
      rtscts: options.rtscts ?? false,
      autoOpen: false,
    });
    this.port.on('error', (error: Error) => {
      this.lastError = error;
    });
  }

  open(callback?: (error: Error | null) => void): this {
    this.port.open((error) => callback?.(error ?? null));
    return this;
  }

  write(data: Buffer | string, callback?: (error: Error | null) => void): this {
    if (!this.port.isOpen) {
      callback?.(new Error('Port is not open'));
      return this;
    }
    this.port.write(data, (writeError) => {
      if (writeError) {
        callback?.(writeError);
        return;
      }
      this.port.drain((drainError) => callback?.(drainError ?? null));
    });
    return this;
  }

  close(callback?: (error: Error | null) => void): this {
    if (!this.port.isOpen) {
      callback?.(null);
      return this;
    }
    this.port.close((error) => callback?.(error ?? null));
    return this;
  }

  read(callback?: (data: Buffer) => void): void {
    if (callback) this.port.once('data', callback);
  }
}

/** Errors that mean the device node is gone (unplugged USB printer, closed pty). */
export function isDeviceGoneError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  if ('disconnected' in error && (error as { disconnected?: unknown }).disconnected === true) return true;
  const message = error instanceof Error ? error.message : '';
  const code = 'code' in error ? String((error as { code?: unknown }).code) : '';
  return /ENOENT|ENODEV|ENXIO|EIO|EBADF|No such file|not open|Input\/output error|No such device/i.test(`${code} ${message}`);
}
