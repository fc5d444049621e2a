/**
 * The coordinator's screen of the transmission station on 127.0.0.1 (shared/ui/screen-server.ts):
 * pushes the view, accepts exactly the coordinator's four inputs.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { startScreenServer, type ScreenServer } from '../../shared/ui/screen-server.ts';
import type { TransmissionHost } from '../host.ts';
import { transmissionView } from './view-model.ts';

const inputSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('RETRY') }),
  z.strictObject({ type: z.literal('CONTINUE') }),
  z.strictObject({ type: z.literal('CLOSE') }),
  z.strictObject({ type: z.literal('PRINT'), copies: z.number().int().min(1).max(20) }),
]);

export function startTransmissionScreenServer(options: { host: TransmissionHost; port?: number }): Promise<ScreenServer> {
  const { host } = options;
  return startScreenServer({
    assetsDir: path.dirname(fileURLToPath(import.meta.url)),
    inputSchema,
    refusal: 'only RETRY, CONTINUE, CLOSE and PRINT {copies} are accepted',
    view: () => transmissionView(host.actor.getSnapshot(), host.outboxItems(), host.definition, host.work()),
    deliver: (input) => host.send(input),
    subscribe: (changed) => host.onChange(changed),
    ...(options.port === undefined ? {} : { port: options.port }),
  });
}
