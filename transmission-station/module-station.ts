/**
 * A running transmission module (Art. 31): the host plus the operator's screen on 127.0.0.1
 * (module-ui/server.ts; the kiosk opens it). There is no console mode: receiving a mesa's device
 * is a decision the operator takes in front of the president, on the screen.
 */
import type { Result } from '../shared/result.ts';
import type { TransmissionModuleConfig } from './host-config.ts';
import type { TransmissionHostOptions, TransmissionHostStartError } from './host.ts';
import { startTransmissionModuleHost, type TransmissionModuleHost } from './module-host.ts';
import { moduleScreenOf } from './module-machine.ts';
import { startModuleScreenServer } from './module-ui/server.ts';

export interface RunningTransmissionModule {
  readonly host: TransmissionModuleHost;
  readonly screenUrl: string;
  /** Resolves when the module is closed (or out of service). */
  readonly finished: Promise<'closed' | 'out-of-service'>;
  close(): Promise<void>;
}

export async function runTransmissionModule(
  config: TransmissionModuleConfig,
  options: TransmissionHostOptions & { onScreen?: (line: string) => void; port?: number } = {},
): Promise<Result<RunningTransmissionModule, TransmissionHostStartError>> {
  const started = await startTransmissionModuleHost(config, options);
  if (!started.ok) return started;
  const host = started.value;
  let last = '';
  let resolveFinished: (value: 'closed' | 'out-of-service') => void = () => undefined;
  const finished = new Promise<'closed' | 'out-of-service'>((resolve) => (resolveFinished = resolve));
  host.actor.subscribe((snapshot) => {
    const screen = moduleScreenOf(snapshot);
    const line = `${screen}${snapshot.context.problem === null ? '' : `: ${snapshot.context.problem}`}`;
    if (line !== last) options.onScreen?.(line);
    last = line;
    if (screen === 'closed' || screen === 'out-of-service') resolveFinished(screen);
  });
  let screen: Awaited<ReturnType<typeof startModuleScreenServer>>;
  try {
    screen = await startModuleScreenServer({ host, copies: config.constanciaCopies, port: options.port ?? 0 });
  } catch (e) {
    await host.close();
    return { ok: false, error: { kind: 'screen', detail: e instanceof Error ? e.message : String(e) } };
  }
  return {
    ok: true,
    value: {
      host,
      screenUrl: screen.url,
      finished,
      close: async () => {
        await screen.close();
        await host.close();
      },
    },
  };
}
