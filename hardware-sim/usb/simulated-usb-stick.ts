/**
 * A simulated USB stick backed by a temporary directory. It hands the consolidation driver a
 * FileSystemOps with fault hooks, so the driver's real atomic-write code is what gets tested.
 *
 * Durability is modelled the way a pulled stick behaves: file data not yet fsynced is lost, and a
 * rename not yet made durable by fsyncing the directory is undone. A driver that skipped either
 * fsync would therefore show a truncated file under its final name here, as it would in reality.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { open, readdir, readFile, rename, stat, statfs, truncate, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FileSystemOps, MountStatus, WritableFile } from '../../shared/devices/consolidation/file-system.ts';
import { FINALIZED_MARKER, TEMP_PREFIX } from '../../shared/devices/consolidation/fs-consolidation-device.ts';

export type UsbStep = 'create' | 'write' | 'sync' | 'close' | 'rename' | 'sync-dir' | 'unlink';

export type UsbFault =
  /** Removed just before the index-th mutating operation from now (0 = the very next). */
  | { type: 'remove-before-op'; index: number }
  /** Removed just before the next operation of this kind. */
  | { type: 'remove-before'; step: UsbStep }
  /** Removed right after the next operation of this kind succeeded. */
  | { type: 'remove-after'; step: UsbStep }
  /** Removed while writing: only `byte` more bytes land. */
  | { type: 'remove-at-byte'; byte: number }
  /** The next file read returns one flipped byte (a flaky read). */
  | { type: 'corrupt-next-read'; offset: number };

export interface SimulatedUsbStickOptions {
  readonly label?: string;
  /** The stick is full once its files total this many bytes. */
  readonly capacityBytes?: number;
  readonly writeOnce?: boolean;
  readonly readOnly?: boolean;
  /** Plugged in from the start (default true). */
  readonly inserted?: boolean;
}

export interface UsbStickState {
  readonly label: string;
  readonly inserted: boolean;
  readonly readOnly: boolean;
  readonly writeOnce: boolean;
  readonly finalized: boolean;
  readonly mountPath: string;
  readonly pendingFaults: readonly string[];
}

function errno(code: string, message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

interface PendingRename {
  readonly from: string;
  readonly to: string;
  readonly replaced: Uint8Array | undefined;
}

export class SimulatedUsbStick {
  readonly mountPath: string;
  readonly label: string;
  readonly writeOnce: boolean;
  private readOnly: boolean;
  private readonly capacityBytes: number | undefined;
  private inserted = true;
  private finalizedFlag = false;
  private faults: UsbFault[] = [];
  private opCount = 0;
  private removeAtOp: number | undefined;
  private byteBudget: number | undefined;
  private readonly unsynced = new Map<string, number>();
  private pendingRenames: PendingRename[] = [];
  /** Real descriptors behind open WritableFiles: a pulled stick invalidates them all. */
  private readonly openHandles = new Set<Awaited<ReturnType<typeof open>>>();

  constructor(options: SimulatedUsbStickOptions = {}) {
    this.mountPath = mkdtempSync(path.join(os.tmpdir(), 'vep-usb-'));
    this.label = options.label ?? 'VEP-USB';
    this.writeOnce = options.writeOnce ?? false;
    this.readOnly = options.readOnly ?? false;
    this.capacityBytes = options.capacityBytes;
    this.inserted = options.inserted ?? true;
  }

  get state(): UsbStickState {
    return {
      label: this.label,
      inserted: this.inserted,
      readOnly: this.readOnly,
      writeOnce: this.writeOnce,
      finalized: this.finalizedFlag,
      mountPath: this.mountPath,
      pendingFaults: [
        ...this.faults.map((f) => f.type),
        ...(this.removeAtOp === undefined ? [] : ['remove-before-op']),
        ...(this.byteBudget === undefined ? [] : ['remove-at-byte']),
      ],
    };
  }

  insert(): void {
    this.inserted = true;
  }

  /** Pulled out: what was not durable is lost. */
  async remove(): Promise<void> {
    if (!this.inserted) return;
    this.inserted = false;
    for (const handle of this.openHandles) await handle.close().catch(() => undefined);
    this.openHandles.clear();
    await this.loseVolatileState();
  }

  setReadOnly(readOnly: boolean): void {
    this.readOnly = readOnly;
  }

  injectFault(fault: UsbFault): void {
    if (fault.type === 'remove-before-op') this.removeAtOp = this.opCount + fault.index;
    else if (fault.type === 'remove-at-byte') this.byteBudget = fault.byte;
    else this.faults.push(fault);
  }

  clearFaults(): void {
    this.faults = [];
    this.removeAtOp = undefined;
    this.byteBudget = undefined;
  }

  /** Damages a stored file (a failing flash cell). */
  async corruptStored(name: string, offset: number): Promise<void> {
    const file = path.join(this.mountPath, path.basename(name));
    const bytes = new Uint8Array(await readFile(file));
    if (bytes.length === 0) return;
    const at = ((offset % bytes.length) + bytes.length) % bytes.length;
    bytes[at] = (bytes[at] ?? 0) ^ 0xff;
    await writeFile(file, bytes);
  }

  /** Everything physically on the stick, temporary files included (for tests and the panel). */
  async rawFiles(): Promise<Map<string, Uint8Array>> {
    const files = new Map<string, Uint8Array>();
    for (const entry of (await readdir(this.mountPath)).sort()) {
      files.set(entry, new Uint8Array(await readFile(path.join(this.mountPath, entry))));
    }
    return files;
  }

  dispose(): void {
    rmSync(this.mountPath, { recursive: true, force: true });
  }

  fileSystem(): FileSystemOps {
    return {
      mountStatus: (mountPath) => Promise.resolve(this.mountStatus(mountPath)),
      freeBytes: async (dir) => {
        this.requireInserted();
        if (this.capacityBytes === undefined) {
          const s = await statfs(dir);
          return s.bavail * s.bsize;
        }
        return Math.max(0, this.capacityBytes - (await this.usedBytes()));
      },
      createExclusive: async (file) => {
        await this.beforeOp('create');
        this.requireWritable();
        const handle = await open(file, 'wx', 0o644);
        this.openHandles.add(handle);
        this.unsynced.set(file, 0);
        await this.afterOp('create');
        return this.writable(file, handle);
      },
      rename: async (from, to) => {
        await this.beforeOp('rename');
        this.requireWritable();
        let replaced: Uint8Array | undefined;
        const existing = await stat(to).catch(() => undefined);
        if (existing !== undefined) {
          if (this.writeOnce) throw errno('EEXIST', `write-once media: ${path.basename(to)} exists`);
          replaced = new Uint8Array(await readFile(to));
        }
        await rename(from, to);
        this.pendingRenames.push({ from, to, replaced });
        const length = this.unsynced.get(from);
        this.unsynced.delete(from);
        if (length !== undefined) this.unsynced.set(to, length);
        if (this.writeOnce && path.basename(to) === FINALIZED_MARKER) this.finalizedFlag = true;
        await this.afterOp('rename');
      },
      syncDirectory: async () => {
        await this.beforeOp('sync-dir');
        this.pendingRenames = [];
        await this.afterOp('sync-dir');
      },
      stat: async (file) => {
        this.requireInserted();
        const s = await stat(file).catch(() => undefined);
        return s === undefined ? undefined : { isFile: s.isFile(), size: s.size };
      },
      readFile: async (file) => {
        this.requireInserted();
        const bytes = new Uint8Array(await readFile(file));
        const corrupt = this.take('corrupt-next-read');
        if (corrupt !== undefined && bytes.length > 0) {
          const at = corrupt.offset % bytes.length;
          bytes[at] = (bytes[at] ?? 0) ^ 0xff;
        }
        return bytes;
      },
      readdir: async (dir) => {
        this.requireInserted();
        return readdir(dir);
      },
      unlink: async (file) => {
        await this.beforeOp('unlink');
        this.requireWritable();
        if (this.writeOnce && !path.basename(file).startsWith(TEMP_PREFIX)) {
          throw errno('EPERM', 'write-once media: written files cannot be deleted');
        }
        await unlink(file);
        this.unsynced.delete(file);
        await this.afterOp('unlink');
      },
    };
  }

  // ---- internals ---------------------------------------------------------------------------

  private mountStatus(mountPath: string): MountStatus {
    return this.inserted && path.resolve(mountPath) === path.resolve(this.mountPath)
      ? { mounted: true, label: this.label }
      : { mounted: false };
  }

  private requireInserted(): void {
    if (!this.inserted) throw errno('EIO', 'device not present');
  }

  private requireWritable(): void {
    if (this.readOnly) throw errno('EROFS', 'read-only medium');
    if (this.finalizedFlag) throw errno('EROFS', 'write-once media finalized');
  }

  private take<T extends UsbFault['type']>(type: T, step?: UsbStep): Extract<UsbFault, { type: T }> | undefined {
    const index = this.faults.findIndex((f) => f.type === type && (step === undefined || ('step' in f && f.step === step)));
    if (index < 0) return undefined;
    const [fault] = this.faults.splice(index, 1);
    return fault as Extract<UsbFault, { type: T }> | undefined;
  }

  private async beforeOp(step: UsbStep): Promise<void> {
    this.requireInserted();
    const index = this.opCount++;
    if (this.removeAtOp === index || this.take('remove-before', step) !== undefined) {
      if (this.removeAtOp === index) this.removeAtOp = undefined;
      await this.remove();
      throw errno('EIO', `device removed before ${step}`);
    }
  }

  /** The operation itself succeeded; a removal right after it is seen by the next operation. */
  private async afterOp(step: UsbStep): Promise<void> {
    if (this.take('remove-after', step) !== undefined) await this.remove();
  }

  private async usedBytes(): Promise<number> {
    let used = 0;
    for (const entry of await readdir(this.mountPath)) {
      used += (await stat(path.join(this.mountPath, entry)).catch(() => undefined))?.size ?? 0;
    }
    return used;
  }

  private writable(file: string, handle: Awaited<ReturnType<typeof open>>): WritableFile {
    return {
      write: async (bytes) => {
        await this.beforeOp('write');
        this.requireWritable();
        let chunk = bytes;
        let failure: Error | undefined;
        if (this.capacityBytes !== undefined) {
          const room = Math.max(0, this.capacityBytes - (await this.usedBytes()));
          if (chunk.length > room) {
            chunk = chunk.subarray(0, room);
            failure = errno('ENOSPC', 'no space left on the medium');
          }
        }
        let removed = false;
        if (this.byteBudget !== undefined) {
          if (chunk.length > this.byteBudget) {
            chunk = chunk.subarray(0, this.byteBudget);
            removed = true;
            this.byteBudget = undefined;
          } else {
            this.byteBudget -= chunk.length;
          }
        }
        let offset = 0;
        while (offset < chunk.length) {
          const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
          offset += bytesWritten;
        }
        if (removed) {
          await this.remove();
          throw errno('EIO', 'device removed while writing');
        }
        if (failure !== undefined) throw failure;
        await this.afterOp('write');
      },
      sync: async () => {
        await this.beforeOp('sync');
        await handle.sync();
        this.unsynced.delete(file);
        await this.afterOp('sync');
      },
      close: async () => {
        await this.beforeOp('close');
        this.openHandles.delete(handle);
        await handle.close();
        await this.afterOp('close');
      },
    };
  }

  private async loseVolatileState(): Promise<void> {
    for (const r of this.pendingRenames.reverse()) {
      if ((await stat(r.to).catch(() => undefined)) === undefined) continue;
      await rename(r.to, r.from);
      if (r.replaced !== undefined) await writeFile(r.to, r.replaced);
      const length = this.unsynced.get(r.to);
      this.unsynced.delete(r.to);
      if (length !== undefined) this.unsynced.set(r.from, length);
      if (path.basename(r.to) === FINALIZED_MARKER) this.finalizedFlag = false;
    }
    this.pendingRenames = [];
    for (const [file, durableLength] of this.unsynced) {
      await truncate(file, durableLength).catch(() => undefined);
    }
    this.unsynced.clear();
  }
}
