/**
 * The transmission station's flow from the mesa (Art. 30.3-30.6), as a pure xstate v5 machine:
 * every effect is an invoked actor the host provides (device reading, link, printer, outbox,
 * scanner, write-once media), so the flow is tested without hardware.
 *
 *   validating      30.3 validate the mesa data and the software version code (consolidation
 *                   device: package copy + signed mesa result verified against the package)
 *   connecting      30.3 connect the communication device
 *   zeroing         30.3 puesta a cero of the transmission station, report printed
 *   transmittingResult / resultAcknowledged / resultRefused / resultPending
 *                   30.4 send the signed, encrypted result; the outbox keeps it durably and
 *                   retries on its own, so "pending" is a state the coordinator can wait in
 *   printingResultConstancia   30.4 constancia de transmisión, as many copies as asked
 *   scanning / transmittingImage / ... / printingImageConstancia   30.5 the ODPE acta copy
 *   burning         30.6 three write-once backups, each verified by hash after writing
 *   readyToClose -> closed     30.6 close the station
 * A refused result (conflict, invalid) is shown with its reason and does not stop the image and
 * backups: both are still owed to the centre and to the JNE.
 */
import { assign, fromPromise, setup } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import { screenFromMeta } from '../shared/machines/station-machine.ts';
import type { Result } from '../shared/result.ts';

export const BACKUP_COPIES = 3;

export type TransmissionScreen =
  | 'validating'
  | 'device-refused'
  | 'out-of-service'
  | 'connecting'
  | 'link-down'
  | 'zeroing'
  | 'zero-failed'
  | 'transmitting'
  | 'acknowledged'
  | 'refused'
  | 'pending'
  | 'printing'
  | 'print-fault'
  | 'scanning'
  | 'scan-failed'
  | 'burning'
  | 'backup-failed'
  | 'ready-to-close'
  | 'closed';

export type DeviceProblem = { kind: 'invalid-device'; detail: string } | { kind: 'software-unauthorized'; detail: string };

/** What the outbox says about a unit once the host stops waiting for it. */
export type TransmissionOutcome =
  | { status: 'acknowledged' }
  | { status: 'refused'; reason: string; detail: string }
  | { status: 'pending'; detail: string };

export interface TransmissionActors {
  validateDevice: Result<{ mesa: string }, DeviceProblem>;
  connectLink: Result<void, string>;
  puestaACero: Result<void, string>;
  transmitResult: TransmissionOutcome;
  scanActa: Result<void, string>;
  transmitImage: TransmissionOutcome;
  printConstancia: Result<void, string>;
  burnBackup: Result<void, string>;
}

export interface PrintInput {
  what: 'result' | 'image';
  copy: number;
  of: number;
}
export interface BackupInput {
  index: number;
}

export type TransmissionEvent =
  | { type: 'RETRY' }
  | { type: 'CONTINUE' }
  | { type: 'PRINT'; copies: number }
  | { type: 'CLOSE' };

export interface TransmissionContext {
  mesa: string | null;
  /** English detail of the last problem (device, link, printer, scanner, media, refusal). */
  problem: string | null;
  resultOutcome: TransmissionOutcome | null;
  imageOutcome: TransmissionOutcome | null;
  /** Constancia being printed: which file, copy number (1-based) and how many were asked. */
  printing: { what: 'result' | 'image'; copy: number; of: number } | null;
  printed: { result: number; image: number };
  backupsDone: number;
}

function placeholder<K extends keyof TransmissionActors, I = void>(name: K) {
  return fromPromise<TransmissionActors[K], I>(() => Promise.reject(new Error(`transmission actor ${name} was not provided`)));
}

const MAX_COPIES = 20;

export function createTransmissionMachine() {
  return setup({
    types: { context: {} as TransmissionContext, events: {} as TransmissionEvent },
    actors: {
      validateDevice: placeholder('validateDevice'),
      connectLink: placeholder('connectLink'),
      puestaACero: placeholder('puestaACero'),
      transmitResult: placeholder('transmitResult'),
      scanActa: placeholder('scanActa'),
      transmitImage: placeholder('transmitImage'),
      printConstancia: placeholder<'printConstancia', PrintInput>('printConstancia'),
      burnBackup: placeholder<'burnBackup', BackupInput>('burnBackup'),
    },
    guards: {
      validCopies: ({ event }) => event.type === 'PRINT' && Number.isInteger(event.copies) && event.copies >= 1 && event.copies <= MAX_COPIES,
    },
  }).createMachine({
    id: 'transmission',
    initial: 'validating',
    context: { mesa: null, problem: null, resultOutcome: null, imageOutcome: null, printing: null, printed: { result: 0, image: 0 }, backupsDone: 0 },
    states: {
      validating: {
        meta: { screen: 'validating' },
        invoke: {
          id: 'validateDevice',
          src: 'validateDevice',
          onDone: [
            { guard: ({ event }) => event.output.ok, target: 'connecting', actions: assign({ mesa: ({ event }) => (event.output.ok ? event.output.value.mesa : null), problem: null }) },
            {
              guard: ({ event }) => !event.output.ok && event.output.error.kind === 'software-unauthorized',
              target: 'outOfService',
              actions: assign({ problem: ({ event }) => (event.output.ok ? null : event.output.error.detail) }),
            },
            { target: 'deviceRefused', actions: assign({ problem: ({ event }) => (event.output.ok ? null : event.output.error.detail) }) },
          ],
          onError: { target: 'deviceRefused', actions: assign({ problem: 'the consolidation device could not be read' }) },
        },
      },
      deviceRefused: { meta: { screen: 'device-refused' }, on: { RETRY: 'validating' } },
      outOfService: { meta: { screen: 'out-of-service' }, type: 'final' },
      connecting: {
        meta: { screen: 'connecting' },
        invoke: {
          id: 'connectLink',
          src: 'connectLink',
          onDone: [
            { guard: ({ event }) => event.output.ok, target: 'zeroing', actions: assign({ problem: null }) },
            { target: 'linkDown', actions: assign({ problem: ({ event }) => (event.output.ok ? null : event.output.error) }) },
          ],
          onError: { target: 'linkDown', actions: assign({ problem: 'the communication device did not answer' }) },
        },
      },
      linkDown: { meta: { screen: 'link-down' }, on: { RETRY: 'connecting' } },
      zeroing: {
        meta: { screen: 'zeroing' },
        invoke: {
          id: 'puestaACero',
          src: 'puestaACero',
          onDone: [
            { guard: ({ event }) => event.output.ok, target: 'transmittingResult', actions: assign({ problem: null }) },
            { target: 'zeroFailed', actions: assign({ problem: ({ event }) => (event.output.ok ? null : event.output.error) }) },
          ],
          onError: { target: 'zeroFailed', actions: assign({ problem: 'puesta a cero failed' }) },
        },
      },
      zeroFailed: { meta: { screen: 'zero-failed' }, on: { RETRY: 'zeroing' } },
      transmittingResult: {
        meta: { screen: 'transmitting' },
        invoke: {
          id: 'transmitResult',
          src: 'transmitResult',
          onDone: [
            { guard: ({ event }) => event.output.status === 'acknowledged', target: 'resultAcknowledged', actions: assign({ resultOutcome: ({ event }) => event.output, problem: null }) },
            {
              guard: ({ event }) => event.output.status === 'refused',
              target: 'resultRefused',
              actions: assign({ resultOutcome: ({ event }) => event.output, problem: ({ event }) => (event.output.status === 'acknowledged' ? null : event.output.detail) }),
            },
            { target: 'resultPending', actions: assign({ resultOutcome: ({ event }) => event.output, problem: ({ event }) => (event.output.status === 'acknowledged' ? null : event.output.detail) }) },
          ],
          onError: { target: 'resultPending', actions: assign({ problem: 'the outbox could not be read' }) },
        },
      },
      resultPending: { meta: { screen: 'pending' }, on: { RETRY: 'transmittingResult' } },
      resultRefused: { meta: { screen: 'refused' }, on: { CONTINUE: 'scanning' } },
      resultAcknowledged: {
        meta: { screen: 'acknowledged' },
        on: {
          PRINT: { guard: 'validCopies', target: 'printingResultConstancia', actions: assign({ printing: ({ event }) => ({ what: 'result' as const, copy: 1, of: event.copies }) }) },
          CONTINUE: 'scanning',
        },
      },
      printingResultConstancia: {
        meta: { screen: 'printing' },
        invoke: {
          id: 'printConstancia',
          src: 'printConstancia',
          input: ({ context }) => context.printing ?? { what: 'result' as const, copy: 1, of: 1 },
          onDone: [
            {
              guard: ({ event, context }) => event.output.ok && context.printing !== null && context.printing.copy < context.printing.of,
              target: 'printingResultConstancia',
              reenter: true,
              actions: assign({
                printing: ({ context }) => (context.printing === null ? null : { ...context.printing, copy: context.printing.copy + 1 }),
                printed: ({ context }) => ({ ...context.printed, result: context.printed.result + 1 }),
              }),
            },
            {
              guard: ({ event }) => event.output.ok,
              target: 'resultAcknowledged',
              actions: assign({ printing: null, printed: ({ context }) => ({ ...context.printed, result: context.printed.result + 1 }) }),
            },
            { target: 'resultPrintFault', actions: assign({ problem: ({ event }) => (event.output.ok ? null : event.output.error) }) },
          ],
          onError: { target: 'resultPrintFault', actions: assign({ problem: 'printer failed' }) },
        },
      },
      resultPrintFault: { meta: { screen: 'print-fault' }, on: { RETRY: 'printingResultConstancia' } },
      scanning: {
        meta: { screen: 'scanning' },
        invoke: {
          id: 'scanActa',
          src: 'scanActa',
          onDone: [
            { guard: ({ event }) => event.output.ok, target: 'transmittingImage', actions: assign({ problem: null }) },
            { target: 'scanFailed', actions: assign({ problem: ({ event }) => (event.output.ok ? null : event.output.error) }) },
          ],
          onError: { target: 'scanFailed', actions: assign({ problem: 'scanner failed' }) },
        },
      },
      scanFailed: { meta: { screen: 'scan-failed' }, on: { RETRY: 'scanning' } },
      transmittingImage: {
        meta: { screen: 'transmitting' },
        invoke: {
          id: 'transmitImage',
          src: 'transmitImage',
          onDone: [
            { guard: ({ event }) => event.output.status === 'acknowledged', target: 'imageAcknowledged', actions: assign({ imageOutcome: ({ event }) => event.output, problem: null }) },
            {
              guard: ({ event }) => event.output.status === 'refused',
              target: 'imageRefused',
              actions: assign({ imageOutcome: ({ event }) => event.output, problem: ({ event }) => (event.output.status === 'acknowledged' ? null : event.output.detail) }),
            },
            { target: 'imagePending', actions: assign({ imageOutcome: ({ event }) => event.output, problem: ({ event }) => (event.output.status === 'acknowledged' ? null : event.output.detail) }) },
          ],
          onError: { target: 'imagePending', actions: assign({ problem: 'the outbox could not be read' }) },
        },
      },
      imagePending: { meta: { screen: 'pending' }, on: { RETRY: 'transmittingImage' } },
      imageRefused: { meta: { screen: 'refused' }, on: { CONTINUE: 'burning' } },
      imageAcknowledged: {
        meta: { screen: 'acknowledged' },
        on: {
          PRINT: { guard: 'validCopies', target: 'printingImageConstancia', actions: assign({ printing: ({ event }) => ({ what: 'image' as const, copy: 1, of: event.copies }) }) },
          CONTINUE: 'burning',
        },
      },
      printingImageConstancia: {
        meta: { screen: 'printing' },
        invoke: {
          id: 'printConstancia',
          src: 'printConstancia',
          input: ({ context }) => context.printing ?? { what: 'image' as const, copy: 1, of: 1 },
          onDone: [
            {
              guard: ({ event, context }) => event.output.ok && context.printing !== null && context.printing.copy < context.printing.of,
              target: 'printingImageConstancia',
              reenter: true,
              actions: assign({
                printing: ({ context }) => (context.printing === null ? null : { ...context.printing, copy: context.printing.copy + 1 }),
                printed: ({ context }) => ({ ...context.printed, image: context.printed.image + 1 }),
              }),
            },
            {
              guard: ({ event }) => event.output.ok,
              target: 'imageAcknowledged',
              actions: assign({ printing: null, printed: ({ context }) => ({ ...context.printed, image: context.printed.image + 1 }) }),
            },
            { target: 'imagePrintFault', actions: assign({ problem: ({ event }) => (event.output.ok ? null : event.output.error) }) },
          ],
          onError: { target: 'imagePrintFault', actions: assign({ problem: 'printer failed' }) },
        },
      },
      imagePrintFault: { meta: { screen: 'print-fault' }, on: { RETRY: 'printingImageConstancia' } },
      burning: {
        meta: { screen: 'burning' },
        invoke: {
          id: 'burnBackup',
          src: 'burnBackup',
          input: ({ context }) => ({ index: context.backupsDone + 1 }),
          onDone: [
            {
              guard: ({ event, context }) => event.output.ok && context.backupsDone + 1 < BACKUP_COPIES,
              target: 'burning',
              reenter: true,
              actions: assign({ backupsDone: ({ context }) => context.backupsDone + 1, problem: null }),
            },
            { guard: ({ event }) => event.output.ok, target: 'readyToClose', actions: assign({ backupsDone: ({ context }) => context.backupsDone + 1, problem: null }) },
            { target: 'backupFailed', actions: assign({ problem: ({ event }) => (event.output.ok ? null : event.output.error) }) },
          ],
          onError: { target: 'backupFailed', actions: assign({ problem: 'the backup medium failed' }) },
        },
      },
      // A failed write-once medium is spent: RETRY burns the same copy number on a new medium.
      backupFailed: { meta: { screen: 'backup-failed' }, on: { RETRY: 'burning' } },
      readyToClose: { meta: { screen: 'ready-to-close' }, on: { CLOSE: 'closed' } },
      closed: { meta: { screen: 'closed' }, type: 'final' },
    },
  });
}

export type TransmissionMachine = ReturnType<typeof createTransmissionMachine>;
export type TransmissionSnapshot = SnapshotFrom<TransmissionMachine>;

export function transmissionScreenOf(snapshot: TransmissionSnapshot): TransmissionScreen {
  return screenFromMeta<TransmissionScreen>(snapshot, 'transmission');
}
