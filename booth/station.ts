/**
 * A running cabin: the host (machine + real parts) and its kiosk screen server on 127.0.0.1.
 * Used by `vep booth run` on a kiosk and by `vep start` on the simulator, so both run the same
 * code path.
 */
import { startBoothHost, type BoothHost, type BoothHostOptions, type HostStartError } from './host.ts';
import type { BoothHostConfig } from './host-config.ts';
import { startKioskServer } from './ui/server.ts';
import { err, ok, type Result } from '../shared/result.ts';

export interface RunningCabin {
  readonly host: BoothHost;
  /** The kiosk browser opens this URL. */
  readonly screenUrl: string;
  close(): Promise<void>;
}

export type CabinStartError = HostStartError | { readonly kind: 'out-of-service-at-start'; readonly detail: string } | { readonly kind: 'screen'; readonly detail: string };

export function describeCabinStartError(e: CabinStartError): string {
  switch (e.kind) {
    case 'data-dir':
    case 'audit-log':
    case 'out-of-service-at-start':
    case 'screen':
      return `${e.kind}: ${e.detail}`;
    case 'devices':
      return `device setup failed: ${JSON.stringify(e.error)}`;
    case 'devices-missing':
      return `the configuration has no ${e.missing} device`;
  }
}

export async function runCabin(config: BoothHostConfig, options: BoothHostOptions & { port?: number } = {}): Promise<Result<RunningCabin, CabinStartError>> {
  const started = await startBoothHost(config, options);
  if (!started.ok) return started;
  const host = started.value;
  if (host.definition === undefined) {
    // The machine shows why it is out of service on its own log; without a verified package
    // there is no ballot to display, so there is no kiosk screen to serve.
    await host.close();
    return err({ kind: 'out-of-service-at-start', detail: 'the election package did not verify (see the cabin audit log)' });
  }
  try {
    const screen = await startKioskServer(host.actor, host.definition, { port: options.port ?? 0, accessibility: host.accessibility });
    return ok({
      host,
      screenUrl: screen.url,
      close: async () => {
        await screen.close();
        await host.close();
      },
    });
  } catch (e) {
    await host.close();
    return err({ kind: 'screen', detail: e instanceof Error ? e.message : String(e) });
  }
}
