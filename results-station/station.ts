/**
 * A running results station: the host (machine + real parts) and the members' screen server on
 * 127.0.0.1 (results-station/ui/server.ts), like identity-station/station.ts, so the kiosk and
 * the simulator run the same code path.
 */
import { err, ok, type Result } from '../shared/result.ts';
import { startResultsHost, type ResultsHost, type ResultsHostOptions, type ResultsHostStartError } from './host.ts';
import type { ResultsHostConfig } from './host-config.ts';
import { startResultsScreenServer } from './ui/server.ts';

export interface RunningResultsStation {
  readonly host: ResultsHost;
  /** The kiosk browser opens this URL. */
  readonly screenUrl: string;
  close(): Promise<void>;
}

export type ResultsStationStartError =
  | ResultsHostStartError
  | { readonly kind: 'out-of-service-at-start'; readonly detail: string }
  | { readonly kind: 'screen'; readonly detail: string };

export function describeResultsStationStartError(e: ResultsStationStartError): string {
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

export async function runResultsStation(
  config: ResultsHostConfig,
  options: ResultsHostOptions & { port?: number } = {},
): Promise<Result<RunningResultsStation, ResultsStationStartError>> {
  const started = await startResultsHost(config, options);
  if (!started.ok) return started;
  const host = started.value;
  if (host.definition === undefined) {
    // Without a verified package there is no mesa to show; the reason is in the audit log.
    await host.close();
    return err({ kind: 'out-of-service-at-start', detail: 'the election package did not verify (see the results station audit log)' });
  }
  try {
    const screen = await startResultsScreenServer({
      actor: host.actor,
      definition: host.definition,
      port: options.port ?? 0,
      readPresidentCredential: () => host.readCredential(),
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
