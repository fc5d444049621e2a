/**
 * The cabin's kiosk server: the touch page on 127.0.0.1 (shared/ui/screen-server.ts, with its
 * defences) relaying the voter's taps to the machine. The page renders `BoothView`s and posts
 * voter events only. Host events (device inserted/removed, credentials, closing, printer ready)
 * come from the host process, NEVER from the page: a compromised or scripted page can at most do
 * what a voter's finger can do.
 */
import type { Actor } from 'xstate';
import { z } from 'zod';
import type { ElectionDefinition } from '../../shared/election/definition.ts';
import { startScreenServer, type ScreenServer } from '../../shared/ui/screen-server.ts';
import type { BoothMachine } from '../machine.ts';
import { screenOf } from '../machine.ts';
import type { VoterEvent } from '../machine-types.ts';
import { sessionWasCancelled, viewModel, type BoothView } from './view-model.ts';
import type { AccessibilityController, AccessibilityView } from '../accessibility/controller.ts';
import type { ClipStore } from '../accessibility/speech.ts';

export { isLoopbackHost } from '../../shared/ui/screen-server.ts';

const ballotNumber = z.number().int().min(1).max(999);
const textSize = z.enum(['small', 'standard', 'large', 'extra-large']);
const contrast = z.enum(['standard', 'high-black-on-white', 'high-yellow-on-black']);

/** Exactly the voter events; anything else (host events included) fails to parse. */
export const voterEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('CHOOSE_ORGANIZATION'), organization: ballotNumber }),
  z.strictObject({ type: z.literal('CHOOSE_BLANK') }),
  z.strictObject({ type: z.literal('CHOOSE_NULL') }),
  z.strictObject({ type: z.literal('TOGGLE_PREFERENTIAL'), candidate: ballotNumber }),
  z.strictObject({ type: z.literal('SET_PREFERENTIAL'), candidates: z.array(ballotNumber).max(10) }),
  z.strictObject({ type: z.literal('NEXT') }),
  z.strictObject({ type: z.literal('BACK') }),
  z.strictObject({ type: z.literal('EDIT_CONTEST'), contestId: z.string().min(1).max(100) }),
  z.strictObject({ type: z.literal('CONFIRM') }),
  z.strictObject({ type: z.literal('STILL_HERE') }),
  z.strictObject({
    type: z.literal('SET_DISPLAY'),
    settings: z.strictObject({ textSize: textSize.optional(), contrast: contrast.optional() }),
  }),
]) satisfies z.ZodType<VoterEvent>;

export type KioskServer = ScreenServer;

export interface KioskServerOptions {
  /** 0 or absent: any free port. */
  readonly port?: number;
  /** The keypad/audio session (focus highlight, screen blanking, speech) and its clip store. */
  readonly accessibility?: { readonly controller: AccessibilityController; readonly clips?: ClipStore };
}

/** What the page receives: the machine's view plus the accessibility session's part. */
export type KioskView = BoothView & { readonly accessibility: AccessibilityView | null };

/** CLIP_URL_PREFIX + key + '.wav' (speech.ts). */
const CLIP_PATH = /^\/audio\/([0-9a-f]{64})\.wav$/;

export async function startKioskServer(
  actor: Actor<BoothMachine>,
  definition: ElectionDefinition,
  options: KioskServerOptions = {},
): Promise<KioskServer> {
  let lastScreen = screenOf(actor.getSnapshot());
  let sessionCancelled = false;
  return startScreenServer({
    assetsDir: import.meta.dirname,
    inputSchema: voterEventSchema,
    refusal: 'not a voter event',
    port: options.port,
    view: (): KioskView => ({
      ...viewModel(actor.getSnapshot(), definition, { sessionCancelled }),
      accessibility: options.accessibility?.controller.view() ?? null,
    }),
    deliver: (event) => actor.send(event),
    subscribe: (changed) => {
      const subscription = actor.subscribe({
        next: (snapshot) => {
          const screen = screenOf(snapshot);
          if (screen !== lastScreen) {
            sessionCancelled = sessionWasCancelled(lastScreen, screen);
            lastScreen = screen;
          }
          changed();
        },
      });
      const unsubscribeAccessibility = options.accessibility?.controller.onChange(changed);
      return () => {
        subscription.unsubscribe();
        unsubscribeAccessibility?.();
      };
    },
    getResource: async (url) => {
      const clips = options.accessibility?.clips;
      const key = CLIP_PATH.exec(url)?.[1];
      if (clips === undefined || key === undefined) return undefined;
      const clip = await clips.clip(key);
      return clip.ok ? { type: 'audio/wav', body: clip.value } : undefined;
    },
  });
}
