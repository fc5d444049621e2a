/**
 * The identity station's screen server: serves the president's page on 127.0.0.1 only (local
 * display, keyboard and touch) and relays the president's actions to the machine. The machine in
 * Node is the authority; the page renders `IdentityView`s pushed by Server-Sent Events and posts
 * president events.
 *
 * Which events the page may send (everything else is refused before reaching the machine):
 * - Typed or tapped by the president: CONFIRM_MESA_DATA, MEMBER_ARRIVED, TAKE_VOTER_AS_MEMBER,
 *   DNI_ENTERED, ISSUE_DEVICE, DONE, RETRY, DEVICE_RETURNED (the DNI of the voter handing the
 *   device back is typed; the device itself is then read by the host's readReturnedDevice actor),
 *   LET_TRY_AGAIN, RECORD_NOT_VOTED, LOST_DEVICE_DECLARED, IMPUGN, ASSISTED_VOTER,
 *   ADD_OBSERVATION, EXPORT_NON_VOTERS.
 * - Not DNI_READ: a DNI reader's reading comes from the host's device, never from the page.
 * - INSTALL and CLOSE_VOTING: the page sends only the intent, WITHOUT a credential. The
 *   credential is a physical token read by the host (`readPresidentCredential`), never bytes from
 *   the page: a scripted page cannot forge the president's authority. Without a reader the event
 *   carries `null` and the machine refuses it with "present your credential".
 * - Everything else the machine sees (device I/O, printer, clock) arrives through its actors and
 *   delays from the host process, never from the page.
 *
 * Serving and defences: shared/ui/screen-server.ts (loopback only, Host and Origin checks, JSON
 * only, capped bodies, strict CSP).
 */
import type { Actor } from 'xstate';
import { z } from 'zod';
import type { ElectionDefinition } from '../../shared/election/definition.ts';
import { startScreenServer, type ScreenServer } from '../../shared/ui/screen-server.ts';
import type { IdentityMachine } from '../machine.ts';
import type { IdentityEvent, PresidentAction, PresidentCredential } from '../machine-types.ts';
import { identityView } from './view-model.ts';
import { OBSERVATION_MAX_CHARS } from '../observation.ts';

export { isLoopbackHost } from '../../shared/ui/screen-server.ts';

/** Raw typed text: the machine parses DNIs itself (and shows the parser's Spanish error). */
const typedText = z.string().max(64);

/** INSTALL and CLOSE_VOTING as the page sends them: the intent only, no credential. */
export type PresidentRequest =
  | Exclude<IdentityEvent, { type: 'INSTALL' } | { type: 'CLOSE_VOTING' }>
  | { readonly type: 'INSTALL' }
  | { readonly type: 'CLOSE_VOTING' };

/** Exactly the president's events; anything else (a credential field included) fails to parse. */
export const presidentRequestSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('CONFIRM_MESA_DATA') }),
  z.strictObject({ type: z.literal('MEMBER_ARRIVED'), dni: typedText }),
  z.strictObject({
    type: z.literal('TAKE_VOTER_AS_MEMBER'),
    dni: typedText,
    role: z.enum(['presidente', 'secretario', 'tercer-miembro']),
  }),
  z.strictObject({ type: z.literal('INSTALL') }),
  z.strictObject({ type: z.literal('DNI_ENTERED'), text: typedText }),
  z.strictObject({ type: z.literal('ISSUE_DEVICE') }),
  z.strictObject({ type: z.literal('DONE') }),
  z.strictObject({ type: z.literal('RETRY') }),
  z.strictObject({ type: z.literal('DEVICE_RETURNED'), dni: typedText }),
  z.strictObject({ type: z.literal('LET_TRY_AGAIN') }),
  z.strictObject({ type: z.literal('RECORD_NOT_VOTED') }),
  z.strictObject({ type: z.literal('LOST_DEVICE_DECLARED'), dni: typedText }),
  z.strictObject({ type: z.literal('IMPUGN'), dni: typedText.optional() }),
  z.strictObject({ type: z.literal('ASSISTED_VOTER') }),
  // Longer than the machine's limit so that a too-long text reaches it and gets its Spanish refusal.
  z.strictObject({ type: z.literal('ADD_OBSERVATION'), text: z.string().max(4 * OBSERVATION_MAX_CHARS) }),
  z.strictObject({ type: z.literal('CLOSE_VOTING') }),
  z.strictObject({ type: z.literal('EXPORT_NON_VOTERS') }),
]) satisfies z.ZodType<PresidentRequest>;

export type IdentityScreenServer = ScreenServer;

export interface IdentityScreenServerOptions {
  /** 0 or absent: any free port. */
  readonly port?: number;
  /** The software version code the host verified against the package, shown with the mesa data. */
  readonly softwareCode?: string;
  /**
   * Host: reads the president's credential from its reader when the page asks to install or
   * close; null when none is presented. Absent: always null (the machine asks for it).
   */
  readonly readPresidentCredential?: (action: PresidentAction) => Promise<PresidentCredential | null>;
  /**
   * Host: forwards an event to the machine (host.send brings the machine's timers up to the
   * host clock first). Absent: straight to the actor.
   */
  readonly send?: (event: IdentityEvent) => void;
}

export async function startIdentityScreenServer(
  actor: Actor<IdentityMachine>,
  definition: ElectionDefinition,
  options: IdentityScreenServerOptions = {},
): Promise<IdentityScreenServer> {
  const readCredential = options.readPresidentCredential ?? (() => Promise.resolve(null));
  const send = options.send ?? ((event: IdentityEvent) => actor.send(event));
  async function toEvent(request: PresidentRequest): Promise<IdentityEvent> {
    switch (request.type) {
      case 'INSTALL':
        return { type: 'INSTALL', credential: await readCredential('install') };
      case 'CLOSE_VOTING':
        return { type: 'CLOSE_VOTING', credential: await readCredential('close-voting') };
      default:
        return request;
    }
  }
  return startScreenServer({
    assetsDir: import.meta.dirname,
    inputSchema: presidentRequestSchema,
    refusal: 'not a president event',
    port: options.port,
    view: () => identityView(actor.getSnapshot(), definition, options.softwareCode),
    deliver: async (request) => send(await toEvent(request)),
    subscribe: (changed) => {
      const subscription = actor.subscribe({ next: changed });
      return () => subscription.unsubscribe();
    },
  });
}
