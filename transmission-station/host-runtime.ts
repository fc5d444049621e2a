/**
 * What the Art. 30 station host (host.ts) and the Art. 31 module host (module-host.ts) share
 * around their machines: the write-once backup media slots, the progress reports of long work,
 * the outbox retry timer, and the handle's onChange / settled / close. One copy, so a fix to
 * the retry or the shutdown order reaches both.
 */
import type { AuditLog } from '../shared/audit/log.ts';
import type { ConsolidationDevice } from '../shared/devices/consolidation/consolidation-device.ts';
import type { z } from 'zod';
import { createDevices, type ConsolidationConfigSchema, type Devices } from '../shared/devices/factory.ts';
import type { Outbox } from '../shared/transmission/queue.ts';
import type { WorkProgress } from './host-actors.ts';

/** Opens every configured backup medium; `medium(n)` is the slot for backup n (1-based, cycling). */
export async function openBackupMedia(configs: readonly z.infer<typeof ConsolidationConfigSchema>[], devices: Devices): Promise<(index: number) => ConsolidationDevice> {
  const media: ConsolidationDevice[] = [];
  for (const medium of configs) {
    const made = await createDevices({ consolidation: medium }, devices.hardware === undefined ? {} : { hardware: devices.hardware });
    if (!made.ok || made.value.consolidation === undefined) throw new Error('bug: a consolidation-only device set cannot fail');
    media.push(made.value.consolidation);
  }
  return (index) => {
    const medium = media[(index - 1) % media.length];
    if (medium === undefined) throw new Error('bug: no backup medium slot');
    return medium;
  };
}

/** The parts of an xstate actor the runtime needs (any machine). */
interface RunningActor {
  subscribe(listener: () => void): { unsubscribe(): void };
  stop(): unknown;
}

/** Progress of long work (an upload, a backup being written), reported by the actors. */
export interface ProgressReports {
  readonly report: (next: WorkProgress | null) => void;
  readonly work: () => WorkProgress | null;
  readonly listeners: Set<() => void>;
}

/** Made before the actors (they report into it); the runtime then announces each report. */
export function progressReports(): ProgressReports {
  let work: WorkProgress | null = null;
  const listeners = new Set<() => void>();
  return {
    report: (next) => {
      work = next;
      for (const listener of listeners) listener();
    },
    work: () => work,
    listeners,
  };
}

export interface HostRuntimeOptions<S extends string> {
  readonly actor: RunningActor;
  readonly progress: ProgressReports;
  readonly screen: () => S;
  /** Screens where the machine is working, not waiting for the operator. */
  readonly busy: readonly S[];
  /** The screen on which queued units wait for their backoff, and the event that retries them. */
  readonly waitingScreen: S;
  readonly retry: () => void;
  /** False in tests that send the retry themselves. */
  readonly autoRetry: boolean;
  readonly outbox: Outbox;
  readonly clock: () => Date;
  readonly audit: AuditLog;
  readonly devices: Devices;
  /** English, for the audit log's station.shutdown entry. */
  readonly stopMessage: string;
}

export interface HostRuntime<S extends string> {
  /** Calls `changed` on every machine snapshot and every progress report; returns unsubscribe. */
  readonly onChange: (changed: () => void) => () => void;
  readonly settled: () => Promise<S>;
  readonly close: () => Promise<void>;
}

/**
 * Call before `actor.start()`: the retry timer follows every snapshot, waking the machine when
 * the outbox's next unit is due while it rests on the waiting screen.
 */
export function hostRuntime<S extends string>(o: HostRuntimeOptions<S>): HostRuntime<S> {
  const { listeners } = o.progress;
  let retryTimer: NodeJS.Timeout | undefined;
  o.actor.subscribe(() => {
    if (retryTimer !== undefined) clearTimeout(retryTimer);
    retryTimer = undefined;
    if (!o.autoRetry || o.screen() !== o.waitingScreen) return;
    const wake = o.outbox.nextWakeAt();
    if (wake === undefined) return;
    retryTimer = setTimeout(o.retry, Math.max(0, wake - o.clock().getTime()));
    retryTimer.unref();
  });
  let closed = false;
  return {
    onChange: (changed) => {
      const sub = o.actor.subscribe(() => changed());
      listeners.add(changed);
      return () => {
        sub.unsubscribe();
        listeners.delete(changed);
      };
    },
    settled: () =>
      new Promise((resolve) => {
        const check = () => {
          const s = o.screen();
          if (o.busy.includes(s)) return false;
          resolve(s);
          return true;
        };
        if (check()) return;
        const sub = o.actor.subscribe(() => {
          if (check()) sub.unsubscribe();
        });
      }),
    close: async () => {
      if (closed) return;
      closed = true;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      o.actor.stop();
      o.audit.append('station.shutdown', { message: o.stopMessage });
      o.audit.close();
      await o.devices.close();
      o.outbox.close();
    },
  };
}
