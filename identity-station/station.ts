/**
 * A running identity station: the host (machine + real parts) and the president's screen server
 * on 127.0.0.1, like booth/station.ts, so the kiosk and the simulator run the same code path.
 */
import { err, ok, type Result } from '../shared/result.ts';
import { startIdentityHost, type IdentityHost, type IdentityHostOptions, type IdentityHostStartError } from './host.ts';
import type { IdentityHostConfig } from './host-config.ts';
import { startIdentityScreenServer } from './ui/server.ts';

export interface RunningIdentityStation {
  readonly host: IdentityHost;
  /** The kiosk browser opens this URL. */
  readonly screenUrl: string;
  close(): Promise<void>;
}

export type IdentityStationStartError =
  | IdentityHostStartError
  | { readonly kind: 'out-of-service-at-start'; readonly detail: string }
  | { readonly kind: 'screen'; readonly detail: string };

export function describeIdentityStationStartError(e: IdentityStationStartError): string {
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

export async function runIdentityStation(
  config: IdentityHostConfig,
  options: IdentityHostOptions & { port?: number } = {},
): Promise<Result<RunningIdentityStation, IdentityStationStartError>> {
  const started = await startIdentityHost(config, options);
  if (!started.ok) return started;
  const host = started.value;
  if (host.definition === undefined) {
    // Without a verified package there is no mesa to show; the reason is in the audit log.
    await host.close();
    return err({ kind: 'out-of-service-at-start', detail: 'the election package did not verify (see the identity station audit log)' });
  }
  try {
    const screen = await startIdentityScreenServer(host.actor, host.definition, {
      port: options.port ?? 0,
      ...(host.softwareCode === undefined ? {} : { softwareCode: host.softwareCode }),
      readPresidentCredential: () => host.readPresidentCredential(),
      send: (event) => host.send(event),
    });
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
