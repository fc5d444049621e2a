/**
 * A running transmission station: the host plus either the coordinator's screen on 127.0.0.1
 * (ui/server.ts; the kiosk opens it) or, with `console`, a console coordinator whose choices are
 * the defaults: print the configured
 * number of constancias for each acknowledged file, go on after a refusal (the image and the
 * backups are still owed), close after the third backup; a pending transmission waits for the
 * outbox's backoff; a fault (device, printer, scanner, medium) waits for `retry()`.
 */
import type { Result } from '../shared/result.ts';
import type { TransmissionHostConfig } from './host-config.ts';
import { startTransmissionHost, type TransmissionHost, type TransmissionHostOptions, type TransmissionHostStartError } from './host.ts';
import { startTransmissionScreenServer } from './ui/server.ts';
import { transmissionScreenOf, type TransmissionEvent, type TransmissionSnapshot } from './machine.ts';

export interface RunningTransmissionStation {
  readonly host: TransmissionHost;
  /** The coordinator's screen (absent in console mode). */
  readonly screenUrl: string | undefined;
  /** Resolves when the station is closed (or out of service). */
  readonly finished: Promise<'closed' | 'out-of-service'>;
  /** The coordinator fixed the fault on screen (inserted a medium, loaded paper...). */
  retry(): void;
  close(): Promise<void>;
}

/** What the default coordinator does on a resting screen; undefined: wait (pending, a fault). */
export function defaultCoordinatorEvent(snapshot: TransmissionSnapshot, copies: number): TransmissionEvent | undefined {
  const screen = transmissionScreenOf(snapshot);
  const { printed } = snapshot.context;
  if (screen === 'acknowledged') {
    const what = snapshot.matches('resultAcknowledged') ? 'result' : 'image';
    return printed[what] === 0 ? { type: 'PRINT', copies } : { type: 'CONTINUE' };
  }
  if (screen === 'refused') return { type: 'CONTINUE' };
  if (screen === 'ready-to-close') return { type: 'CLOSE' };
  return undefined;
}

export async function runTransmissionStation(
  config: TransmissionHostConfig,
  options: TransmissionHostOptions & { onScreen?: (line: string) => void; console?: boolean; port?: number } = {},
): Promise<Result<RunningTransmissionStation, TransmissionHostStartError>> {
  const started = await startTransmissionHost(config, options);
  if (!started.ok) return started;
  const host = started.value;
  let last = '';
  let resolveFinished: (value: 'closed' | 'out-of-service') => void = () => undefined;
  const finished = new Promise<'closed' | 'out-of-service'>((resolve) => (resolveFinished = resolve));
  host.actor.subscribe((snapshot) => {
    const screen = transmissionScreenOf(snapshot);
    const line = `${screen}${snapshot.context.problem === null ? '' : `: ${snapshot.context.problem}`}`;
    if (line !== last) options.onScreen?.(line);
    last = line;
    if (screen === 'closed' || screen === 'out-of-service') {
      resolveFinished(screen);
      return;
    }
    if (options.console !== true) return;
    const next = defaultCoordinatorEvent(snapshot, config.constanciaCopies);
    // Sent after the current transition completes (xstate processes sends from subscribers in order).
    if (next !== undefined) queueMicrotask(() => host.send(next));
  });
  let screen: Awaited<ReturnType<typeof startTransmissionScreenServer>> | undefined;
  if (options.console !== true) {
    try {
      screen = await startTransmissionScreenServer({ host, port: options.port ?? 0 });
    } catch (e) {
      await host.close();
      return { ok: false, error: { kind: 'screen', detail: e instanceof Error ? e.message : String(e) } };
    }
  }
  return {
    ok: true,
    value: {
      host,
      screenUrl: screen?.url,
      finished,
      retry: () => host.send({ type: 'RETRY' }),
      close: async () => {
        await screen?.close();
        await host.close();
      },
    },
  };
}
