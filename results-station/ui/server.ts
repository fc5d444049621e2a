/**
 * The results station's screen server: serves the members' page on 127.0.0.1 only (local
 * display, keyboard and touch) and relays the members' actions to the machine. The machine in
 * Node is the authority; the page renders `ResultsView`s pushed by Server-Sent Events and posts
 * member requests.
 *
 * Which requests the page may send (everything else is refused before reaching the machine):
 * - Tapped or typed by the members: START_COTEJO, CANCEL_COTEJO, COTEJO_ENTERED, RECORD_COTEJO,
 *   PRINT_ACTAS, MANUAL_ENTRY, FINISH_SIGNING, RETRY_WRITE, REREAD_DEVICES.
 * - COTEJO_ENTERED and MANUAL_ENTRY carry `values`: one count per field of `entryFields` (in
 *   that order), not a sheet object: a full sheet (180 named fields for eg2026) would not fit
 *   the screen server's 4 KiB body cap. The server turns them into the machine's CountSheet.
 *   MANUAL_ENTRY names the member (`member-N`, one of the definition's members).
 * - RECORD_DISCREPANCY: the page sends only the intent. The president's credential is a
 *   physical token read by the host (`readPresidentCredential`), never bytes from the page.
 *   With no credential on the reader nothing reaches the machine and the screen says so.
 * - Credentials for the puesta a cero and the signatures, device insertions, the printer and
 *   the clock reach the machine from the host's devices, never from the page.
 *
 * Serving and defences: shared/ui/screen-server.ts (loopback only, Host and Origin checks, JSON
 * only, capped bodies, strict CSP).
 */
import type { Actor } from 'xstate';
import { z } from 'zod';
import type { ElectionDefinition } from '../../shared/election/definition.ts';
import { startScreenServer, type ScreenServer } from '../../shared/ui/screen-server.ts';
import type { ResultsMachine } from '../machine.ts';
import { screenOf } from '../machine.ts';
import type { Credential, ResultsEvent, ResultsScreen } from '../machine-types.ts';
import { PRESENT_PRESIDENT_CREDENTIAL } from '../messages.ts';
import type { ResultsView } from './view-model.ts';
import { entryFields, memberOptions, resultsView, sheetFromValues } from './view-model.ts';

export { isLoopbackHost } from '../../shared/ui/screen-server.ts';

/** No field of a mesa's count can reach this; it bounds what a page may send. */
export const MAX_FIELD_COUNT = 99_999;

/** The members' requests as the page sends them. */
export type MemberRequest =
  | { readonly type: 'START_COTEJO' }
  | { readonly type: 'CANCEL_COTEJO' }
  | { readonly type: 'COTEJO_ENTERED'; readonly values: readonly number[] }
  | { readonly type: 'RECORD_COTEJO' }
  | { readonly type: 'PRINT_ACTAS' }
  | { readonly type: 'MANUAL_ENTRY'; readonly member: string; readonly values: readonly number[] }
  | { readonly type: 'FINISH_SIGNING' }
  | { readonly type: 'RETRY_WRITE' }
  | { readonly type: 'REREAD_DEVICES' }
  | { readonly type: 'RECORD_DISCREPANCY' };

/** Exactly the members' requests for this definition; anything else fails to parse. */
export function memberRequestSchema(definition: ElectionDefinition): z.ZodType<MemberRequest> {
  const count = z.int().min(0).max(MAX_FIELD_COUNT);
  const cotejoValues = z.array(count).length(entryFields(definition, 'electronic').length);
  const manualValues = z.array(count).length(entryFields(definition, 'manual-count').length);
  const memberIds = memberOptions(definition).map((member) => member.id);
  const [firstMember, ...otherMembers] = memberIds;
  if (firstMember === undefined) throw new Error('results screen: the definition lists no members');
  return z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('START_COTEJO') }),
    z.strictObject({ type: z.literal('CANCEL_COTEJO') }),
    z.strictObject({ type: z.literal('COTEJO_ENTERED'), values: cotejoValues }),
    z.strictObject({ type: z.literal('RECORD_COTEJO') }),
    z.strictObject({ type: z.literal('PRINT_ACTAS') }),
    z.strictObject({ type: z.literal('MANUAL_ENTRY'), member: z.enum([firstMember, ...otherMembers]), values: manualValues }),
    z.strictObject({ type: z.literal('FINISH_SIGNING') }),
    z.strictObject({ type: z.literal('RETRY_WRITE') }),
    z.strictObject({ type: z.literal('REREAD_DEVICES') }),
    z.strictObject({ type: z.literal('RECORD_DISCREPANCY') }),
  ]);
}

export type ResultsScreenServer = ScreenServer;

export interface ResultsScreenServerOptions {
  readonly actor: Actor<ResultsMachine>;
  readonly definition: ElectionDefinition;
  /** 0 or absent: any free port. */
  readonly port?: number;
  /**
   * Host: reads the president's credential from the reader when the page asks to record the
   * reconciliation problems in the acta; null when none is presented. Absent: always null.
   */
  readonly readPresidentCredential?: () => Promise<Credential | null>;
}

export async function startResultsScreenServer(options: ResultsScreenServerOptions): Promise<ResultsScreenServer> {
  const { actor, definition } = options;
  const readCredential = options.readPresidentCredential ?? (() => Promise.resolve(null));
  const cotejoFields = entryFields(definition, 'electronic');
  const manualFields = entryFields(definition, 'manual-count');
  // A server-side note for the screen it was made on (e.g. no credential on the reader); it
  // disappears as soon as the machine shows another screen.
  let notice: { readonly screen: ResultsScreen; readonly text: string } | null = null;

  async function toEvent(request: MemberRequest): Promise<ResultsEvent | null> {
    switch (request.type) {
      case 'COTEJO_ENTERED':
        return { type: 'COTEJO_ENTERED', counts: sheetFromValues(cotejoFields, request.values) };
      case 'MANUAL_ENTRY':
        return { type: 'MANUAL_ENTRY', member: request.member, counts: sheetFromValues(manualFields, request.values) };
      case 'RECORD_DISCREPANCY': {
        const credential = await readCredential();
        if (credential === null) {
          notice = { screen: screenOf(actor.getSnapshot()), text: PRESENT_PRESIDENT_CREDENTIAL };
          return null;
        }
        return { type: 'RECORD_DISCREPANCY', credential };
      }
      default:
        return request;
    }
  }

  function view(): ResultsView {
    const snapshot = actor.getSnapshot();
    const base = resultsView(snapshot, definition);
    if (notice !== null && notice.screen !== base.screen) notice = null;
    return notice === null ? base : { ...base, notice: notice.text };
  }

  return startScreenServer({
    assetsDir: import.meta.dirname,
    inputSchema: memberRequestSchema(definition),
    refusal: 'not a members’ request',
    port: options.port,
    view,
    deliver: async (request) => {
      notice = null;
      const event = await toEvent(request);
      if (event !== null) actor.send(event);
    },
    subscribe: (changed) => {
      const subscription = actor.subscribe({ next: changed });
      return () => subscription.unsubscribe();
    },
  });
}
