/**
 * ConsolidationDevice over a mounted directory, through FileSystemOps so the simulated stick runs
 * this exact code. One operation at a time (queued): the station is the only writer.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { err, ok, type Result } from '../../result.ts';
import type { ConsolidationDevice, UsbError, UsbStatus } from './consolidation-device.ts';
import { validateFileName } from './file-name.ts';
import { errnoCode, type FileSystemOps } from './file-system.ts';

/** Temporary files: dot-prefixed, so never a valid (listable, readable) name. */
export const TEMP_PREFIX = '.vep-tmp-';
/** Write-once media: its presence means finalized. */
export const FINALIZED_MARKER = '.vep-finalized';
const WRITE_CHUNK = 64 * 1024;

export interface FsConsolidationOptions {
  readonly mountPath: string;
  readonly writeOnce?: boolean;
  /** Refuse to read files bigger than this (a hostile stick must not exhaust memory). */
  readonly maxReadBytes?: number;
  /** Releases the medium (unmount, power off); absent: nothing beyond flushing. */
  readonly eject?: () => Promise<Result<void, string>>;
}

type Op<T> = Promise<Result<T, UsbError>>;

export class FsConsolidationDevice implements ConsolidationDevice {
  readonly writeOnce: boolean;
  private readonly mountPath: string;
  private readonly maxReadBytes: number;
  private queue: Promise<unknown> = Promise.resolve();
  private ejected = false;

  constructor(private readonly fs: FileSystemOps, private readonly options: FsConsolidationOptions) {
    this.mountPath = options.mountPath;
    this.writeOnce = options.writeOnce ?? false;
    this.maxReadBytes = options.maxReadBytes ?? 64 * 1024 * 1024;
  }

  detect(): Op<UsbStatus> {
    return this.serialize<UsbStatus>(async () => {
      try {
        const status = await this.fs.mountStatus(this.mountPath);
        if (!status.mounted) this.ejected = false; // the ejected medium is gone: the next one is new
        if (!status.mounted || this.ejected) return ok({ mounted: false });
        const freeBytes = await this.fs.freeBytes(this.mountPath);
        const finalized = this.writeOnce && (await this.fs.stat(this.at(FINALIZED_MARKER))) !== undefined;
        return ok({ mounted: true, label: status.label, freeBytes, writeOnce: this.writeOnce, finalized });
      } catch (e) {
        return err(await this.mapError(e, undefined));
      }
    });
  }

  writeFileAtomic(name: string, bytes: Uint8Array): Op<void> {
    return this.serialize(async () => {
      const refused = await this.refuseNameOrMedium(name);
      if (refused !== undefined) return err(refused);
      const writeOnceRefused = this.writeOnce ? await this.writeOnceRefusal(name) : undefined;
      if (writeOnceRefused !== undefined) return err(writeOnceRefused);
      await this.sweepTemporaries();
      return this.atomicWrite(name, bytes);
    });
  }

  readFile(name: string): Op<Uint8Array> {
    return this.serialize(async () => {
      const refused = await this.refuseNameOrMedium(name);
      if (refused !== undefined) return err(refused);
      try {
        const info = await this.fs.stat(this.at(name));
        if (info === undefined || !info.isFile) return err({ kind: 'not-found', name });
        if (info.size > this.maxReadBytes) return err({ kind: 'too-large', size: info.size, max: this.maxReadBytes });
        const bytes = await this.fs.readFile(this.at(name));
        if (bytes.length > this.maxReadBytes) return err({ kind: 'too-large', size: bytes.length, max: this.maxReadBytes });
        return ok(bytes);
      } catch (e) {
        return err(await this.mapError(e, name, true));
      }
    });
  }

  list(): Op<string[]> {
    return this.serialize(async () => {
      const mounted = await this.checkMounted();
      if (!mounted.ok) return mounted;
      try {
        const names: string[] = [];
        for (const entry of await this.fs.readdir(this.mountPath)) {
          if (!validateFileName(entry).ok) continue;
          if ((await this.fs.stat(this.at(entry)))?.isFile === true) names.push(entry);
        }
        return ok(names.sort());
      } catch (e) {
        return err(await this.mapError(e, undefined));
      }
    });
  }

  deleteFile(name: string): Op<void> {
    return this.serialize(async () => {
      const refused = await this.refuseNameOrMedium(name);
      if (refused !== undefined) return err(refused);
      try {
        const info = await this.fs.stat(this.at(name));
        if (info === undefined || !info.isFile) return err({ kind: 'not-found', name });
        if (this.writeOnce) return err({ kind: 'write-once', name });
        await this.fs.unlink(this.at(name));
        await this.fs.syncDirectory(this.mountPath);
        return ok(undefined);
      } catch (e) {
        return err(await this.mapError(e, name));
      }
    });
  }

  finalize(): Op<void> {
    if (!this.writeOnce) throw new Error('finalize() is only for write-once media');
    return this.serialize(async () => {
      const mounted = await this.checkMounted();
      if (!mounted.ok) return mounted;
      const refused = await this.writeOnceRefusal(undefined);
      if (refused !== undefined) return err(refused);
      await this.sweepTemporaries();
      return this.atomicWrite(FINALIZED_MARKER, new TextEncoder().encode('finalized\n'));
    });
  }

  eject(): Op<void> {
    return this.serialize(async () => {
      const mounted = await this.checkMounted();
      if (!mounted.ok) return mounted;
      try {
        // Every write already synced file and directory; this only covers deletions by others.
        await this.fs.syncDirectory(this.mountPath);
      } catch (e) {
        return err(await this.mapError(e, undefined));
      }
      if (this.options.eject !== undefined) {
        const released = await this.options.eject();
        if (!released.ok) return err({ kind: 'io', detail: `eject: ${released.error}` });
      }
      this.ejected = true;
      return ok(undefined);
    });
  }

  // ---- internals ---------------------------------------------------------------------------

  private at(name: string): string {
    return path.join(this.mountPath, name);
  }

  private serialize<T>(operation: () => Op<T>): Op<T> {
    const run = this.queue.then(operation, operation);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The checks every per-file operation starts with: a valid name on a mounted medium. */
  private async refuseNameOrMedium(name: string): Promise<UsbError | undefined> {
    const valid = validateFileName(name);
    if (!valid.ok) return { kind: 'invalid-name', name, reason: valid.error };
    const mounted = await this.checkMounted();
    return mounted.ok ? undefined : mounted.error;
  }

  private async checkMounted(): Op<void> {
    try {
      const mounted = (await this.fs.mountStatus(this.mountPath)).mounted;
      if (!mounted) this.ejected = false;
      return mounted && !this.ejected ? ok(undefined) : err({ kind: 'not-mounted' });
    } catch (e) {
      return err({ kind: 'io', detail: e instanceof Error ? e.message : String(e) });
    }
  }

  /** Write-once refusals: finalized media, or (for a named write) an existing file. */
  private async writeOnceRefusal(name: string | undefined): Promise<UsbError | undefined> {
    try {
      if ((await this.fs.stat(this.at(FINALIZED_MARKER))) !== undefined) return { kind: 'finalized' };
      if (name !== undefined && (await this.fs.stat(this.at(name))) !== undefined) return { kind: 'exists', name };
      return undefined;
    } catch (e) {
      return this.mapError(e, name);
    }
  }

  /** Temporaries left by an earlier interrupted write are garbage: remove them, best effort. */
  private async sweepTemporaries(): Promise<void> {
    try {
      for (const entry of await this.fs.readdir(this.mountPath)) {
        if (entry.startsWith(TEMP_PREFIX)) await this.fs.unlink(this.at(entry)).catch(() => undefined);
      }
    } catch {
      // The write that follows will meet the same problem and report it.
    }
  }

  private async atomicWrite(name: string, bytes: Uint8Array): Op<void> {
    const temp = this.at(`${TEMP_PREFIX}${randomBytes(12).toString('hex')}`);
    let file: Awaited<ReturnType<FileSystemOps['createExclusive']>> | undefined;
    try {
      file = await this.fs.createExclusive(temp);
      for (let offset = 0; offset < bytes.length; offset += WRITE_CHUNK) {
        await file.write(bytes.subarray(offset, offset + WRITE_CHUNK));
      }
      await file.sync();
      const closing = file;
      file = undefined;
      await closing.close();
      // Write-once: check again right before the rename (rename would replace silently).
      if (this.writeOnce && name !== FINALIZED_MARKER) {
        const refused = await this.writeOnceRefusal(name);
        if (refused !== undefined) {
          await this.fs.unlink(temp).catch(() => undefined);
          return err(refused);
        }
      }
      await this.fs.rename(temp, this.at(name));
      await this.fs.syncDirectory(this.mountPath);
      return ok(undefined);
    } catch (e) {
      await file?.close().catch(() => undefined);
      await this.fs.unlink(temp).catch(() => undefined);
      return err(await this.mapError(e, name));
    }
  }

  private async mapError(e: unknown, name: string | undefined, reading = false): Promise<UsbError> {
    // Whatever the errno, a medium that is gone now was removed under us.
    const stillMounted = await this.fs.mountStatus(this.mountPath).then((s) => s.mounted, () => false);
    if (!stillMounted) return { kind: 'device-removed' };
    const code = errnoCode(e);
    switch (code) {
      case 'ENOSPC':
      case 'EDQUOT':
      case 'EFBIG': return { kind: 'full' };
      case 'EROFS': return { kind: 'read-only' };
      case 'EACCES':
      case 'EPERM': return this.writeOnce && name !== undefined ? { kind: 'write-once', name } : { kind: 'read-only' };
      case 'EEXIST': return name !== undefined ? { kind: 'exists', name } : { kind: 'io', detail: 'EEXIST' };
      case 'ENOENT': return reading && name !== undefined ? { kind: 'not-found', name } : { kind: 'io', detail: 'ENOENT' };
      case 'ENODEV':
      case 'ENXIO':
      case 'ESHUTDOWN': return { kind: 'device-removed' };
      default: return { kind: 'io', detail: `${code ?? 'error'}: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
}
