/**
 * A simulated USB medium of the simulator process, as the FileSystemOps the real consolidation
 * driver (FsConsolidationDevice) runs on. The driver sees a virtual mount path; the simulator maps
 * it onto its stick and applies its faults and write-once rules there. A bridge that is gone is a
 * medium that is not mounted, and the calls in flight fail with ENODEV: `device-removed`.
 */
import { z } from 'zod';
import type { FileSystemOps, MountStatus, WritableFile } from '../consolidation/file-system.ts';
import { BridgeRpc } from './connection.ts';
import { bridgedMountPath, fromBase64, MountStatusSchema, StatSchema, toBase64 } from './protocol.ts';

export interface BridgedMedium {
  /** What FsConsolidationDevice gets as its mount path. */
  readonly mountPath: string;
  readonly fileSystem: FileSystemOps;
  /** Pulls the medium out in the simulator (the simulated `eject`). */
  eject(): Promise<void>;
  close(): void;
}

function parsed<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw Object.assign(new Error(`EIO: the device bridge answered ${what} with a malformed value`), { code: 'EIO' });
  return result.data;
}

export function bridgeMedium(socketPath: string, medium: { readonly name: string; readonly writeOnce: boolean }): BridgedMedium {
  const rpc = new BridgeRpc(socketPath, { t: 'open-usb', name: medium.name, writeOnce: medium.writeOnce });
  const nothing = z.null();
  const fileSystem: FileSystemOps = {
    async mountStatus(mountPath): Promise<MountStatus> {
      try {
        return parsed(MountStatusSchema, await rpc.call({ op: 'mountStatus', path: mountPath }), 'mountStatus');
      } catch (e) {
        // No bridge: as far as this station can tell, no medium is plugged in.
        if (typeof e === 'object' && e !== null && 'code' in e && e.code === 'ENODEV') return { mounted: false };
        throw e;
      }
    },
    freeBytes: async (dir) => parsed(z.number().nonnegative(), await rpc.call({ op: 'freeBytes', path: dir }), 'freeBytes'),
    async createExclusive(file): Promise<WritableFile> {
      const handle = parsed(z.number().int().nonnegative(), await rpc.call({ op: 'createExclusive', path: file }), 'createExclusive');
      return {
        write: async (bytes) => void parsed(nothing, await rpc.call({ op: 'write', handle, data: toBase64(bytes) }), 'write'),
        sync: async () => void parsed(nothing, await rpc.call({ op: 'sync', handle }), 'sync'),
        close: async () => void parsed(nothing, await rpc.call({ op: 'close', handle }), 'close'),
      };
    },
    rename: async (from, to) => void parsed(nothing, await rpc.call({ op: 'rename', from, to }), 'rename'),
    syncDirectory: async (dir) => void parsed(nothing, await rpc.call({ op: 'syncDirectory', path: dir }), 'syncDirectory'),
    async stat(file) {
      return parsed(StatSchema, await rpc.call({ op: 'stat', path: file }), 'stat') ?? undefined;
    },
    readFile: async (file) => fromBase64(parsed(z.string(), await rpc.call({ op: 'readFile', path: file }), 'readFile')),
    readdir: async (dir) => parsed(z.array(z.string()), await rpc.call({ op: 'readdir', path: dir }), 'readdir'),
    unlink: async (file) => void parsed(nothing, await rpc.call({ op: 'unlink', path: file }), 'unlink'),
  };
  return {
    mountPath: bridgedMountPath(medium.name),
    fileSystem,
    eject: async () => void (await rpc.call({ op: 'eject' })),
    close: () => rpc.close(),
  };
}
