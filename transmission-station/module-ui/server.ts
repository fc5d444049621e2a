/**
 * The operator's screen of the transmission module on 127.0.0.1 (shared/ui/screen-server.ts):
 * pushes the view, accepts exactly the operator's inputs.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { startScreenServer, type ScreenServer } from '../../shared/ui/screen-server.ts';
import type { TransmissionModuleHost } from '../module-host.ts';
import { moduleView } from './view-model.ts';

const simple = (type: 'RECEIVE' | 'CONTINUE' | 'RETRY' | 'SKIP_SCAN' | 'SEND' | 'FINISH' | 'CLOSE') => z.strictObject({ type: z.literal(type) });
const inputSchema = z.discriminatedUnion('type', [
  simple('RECEIVE'),
  simple('CONTINUE'),
  simple('RETRY'),
  simple('SKIP_SCAN'),
  simple('SEND'),
  simple('FINISH'),
  simple('CLOSE'),
  z.strictObject({ type: z.literal('PRINT'), mesa: z.string().regex(/^[0-9]{6}$/), what: z.enum(['result', 'image']), copies: z.number().int().min(1).max(20) }),
]);

export function startModuleScreenServer(options: { host: TransmissionModuleHost; copies: number; port?: number }): Promise<ScreenServer> {
  const { host } = options;
  return startScreenServer({
    assetsDir: path.dirname(fileURLToPath(import.meta.url)),
    inputSchema,
    refusal: 'only RECEIVE, CONTINUE, RETRY, SKIP_SCAN, SEND, FINISH, CLOSE and PRINT {mesa, what, copies} are accepted',
    view: () => moduleView(host.actor.getSnapshot(), host.record(), host.outboxItems(), host.packages, host.work(), options.copies),
    deliver: (input) => host.send(input),
    subscribe: (changed) => host.onChange(changed),
    ...(options.port === undefined ? {} : { port: options.port }),
  });
}
