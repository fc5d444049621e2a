/**
 * The file-system operations the consolidation driver needs, as an interface so the simulated USB
 * stick (hardware-sim/usb/) can inject faults under the very same atomic-write code. Methods throw
 * Node errno errors like node:fs does; the driver turns them into typed results.
 */
import { open, readdir, readFile, realpath, rename, stat, statfs, unlink } from 'node:fs/promises';
import path from 'node:path';

export interface WritableFile {
  write(bytes: Uint8Array): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export type MountStatus = { mounted: true; label: string } | { mounted: false };

export interface FileSystemOps {
  mountStatus(mountPath: string): Promise<MountStatus>;
  freeBytes(dir: string): Promise<number>;
  /** Creates a new file; fails with EEXIST if it exists. */
  createExclusive(file: string): Promise<WritableFile>;
  rename(from: string, to: string): Promise<void>;
  syncDirectory(dir: string): Promise<void>;
  /** undefined when absent. */
  stat(file: string): Promise<{ isFile: boolean; size: number } | undefined>;
  readFile(file: string): Promise<Uint8Array>;
  readdir(dir: string): Promise<string[]>;
  unlink(file: string): Promise<void>;
}

export function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

/** /proc/self/mountinfo escapes space, tab, newline and backslash as octal. */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

async function labelOf(source: string): Promise<string | undefined> {
  const byLabel = '/dev/disk/by-label';
  try {
    const device = await realpath(source);
    for (const entry of await readdir(byLabel)) {
      if ((await realpath(path.join(byLabel, entry)).catch(() => '')) === device) {
        // udev escapes unsafe characters in link names as \xNN.
        return entry.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
      }
    }
  } catch {
    // No by-label directory or the source is not a block device: no label.
  }
  return undefined;
}

export interface NodeFileSystemOptions {
  /**
   * true for production: the path must be a mount point (the stick is present only when mounted).
   * false for development on a plain directory.
   */
  readonly requireMountPoint: boolean;
}

export function nodeFileSystem(options: NodeFileSystemOptions): FileSystemOps {
  return {
    async mountStatus(mountPath) {
      let resolved: string;
      try {
        resolved = await realpath(mountPath);
        if (!(await stat(resolved)).isDirectory()) return { mounted: false };
      } catch {
        return { mounted: false };
      }
      if (!options.requireMountPoint) return { mounted: true, label: path.basename(resolved) };
      const info = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
      for (const line of info.split('\n')) {
        const [left, right] = line.split(' - ');
        const mountPoint = left?.split(' ')[4];
        if (mountPoint === undefined || unescapeMountField(mountPoint) !== resolved) continue;
        const source = right?.split(' ')[1];
        const label = source === undefined ? undefined : await labelOf(unescapeMountField(source));
        return { mounted: true, label: label ?? path.basename(resolved) };
      }
      return { mounted: false };
    },
    async freeBytes(dir) {
      const s = await statfs(dir);
      return s.bavail * s.bsize;
    },
    async createExclusive(file) {
      const handle = await open(file, 'wx', 0o644);
      return {
        async write(bytes) {
          let offset = 0;
          while (offset < bytes.length) {
            const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
            if (bytesWritten <= 0) throw Object.assign(new Error('short write'), { code: 'EIO' });
            offset += bytesWritten;
          }
        },
        sync: () => handle.sync(),
        close: () => handle.close(),
      };
    },
    rename: (from, to) => rename(from, to),
    async syncDirectory(dir) {
      const handle = await open(dir, 'r');
      try {
        await handle.sync();
      } catch (e) {
        // Some file systems cannot fsync a directory (EINVAL); their renames are as durable as they get.
        if (errnoCode(e) !== 'EINVAL') throw e;
      } finally {
        await handle.close();
      }
    },
    async stat(file) {
      try {
        const s = await stat(file);
        return { isFile: s.isFile(), size: s.size };
      } catch (e) {
        if (errnoCode(e) === 'ENOENT') return undefined;
        throw e;
      }
    },
    readFile: async (file) => new Uint8Array(await readFile(file)),
    readdir: (dir) => readdir(dir),
    unlink: (file) => unlink(file),
  };
}
