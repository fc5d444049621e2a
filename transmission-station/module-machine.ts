/**
 * The transmission module of a polling place (Art. 31, operator's functions in Art. 17), as a
 * pure xstate v5 machine: one operator station receives the consolidation devices of the
 * polling place's mesas one after another; every effect is an invoked actor the host provides
 * (module-actors.ts), so the flow is tested without hardware.
 *
 *   starting        the module's own software code must be authorized by every package
 *   connecting      connect the communication device (the pinned centre must answer)
 *   zeroing         puesta a cero of the module, report printed (Glossary 17)
 *   waiting         the operator's home: the per-mesa board; RECEIVE a device, SEND now,
 *                   PRINT a mesa's constancia de transmisión, FINISH when all is settled
 *   receiving       31.4 read the device, check it is authorized, keep ("graba") its content
 *   noResults       31.5 no results on it: handed back with the acta, NO cargo
 *   deviceRefused   another polling place / election, a tampered or unauthorized device
 *   printingCargo   31.4 two copies of the cargo de recepción (a reprint if already received)
 *   scanning        31.7 digitize the mesa's ODPE acta copy (when the module is told to)
 *   queueing        31.6 seal the result (and image) into the durable outbox
 *   transmitting    one pass of the outbox (the host sends SEND again when a retry is due)
 *   burning         31.8 three write-once backups of everything received, each verified
 *   readyToClose -> closed
 *
 * DECISIONS
 * - Transmission runs off the outbox, not per device: a mesa's result is queued durably right
 *   after its cargo, and the operator receives the next mesa while earlier ones are retried
 *   with backoff. The board (host) shows each mesa's state from the outbox.
 * - FINISH (backups, close) needs at least one mesa received and every queued unit settled
 *   (acknowledged or refused by the centre): Art. 31.8 backs up "terminada la transmisión ...
 *   de todas las mesas". A mesa that never came does not block the close.
 * - A scanner that cannot digitize an acta blocks that mesa until RETRY, or SKIP_SCAN queues
 *   the result alone (the result must not wait on a scanner); the board shows "sin imagen".
 */
import { assign, fromPromise, setup } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import { screenFromMeta } from '../shared/machines/station-machine.ts';
import type { Result } from '../shared/result.ts';
import { BACKUP_COPIES } from './machine.ts';

export const CARGO_COPIES = 2;
const MAX_COPIES = 20;

export type ModuleScreen =
  | 'starting'
  | 'out-of-service'
  | 'connecting'
  | 'link-down'
  | 'zeroing'
  | 'zero-failed'
  | 'waiting'
  | 'receiving'
  | 'no-results'
  | 'device-refused'
  | 'printing'
  | 'print-fault'
  | 'scanning'
  | 'scan-failed'
  | 'queueing'
  | 'queue-failed'
  | 'transmitting'
  | 'burning'
  | 'backup-failed'
  | 'ready-to-close'
  | 'closed';

/** Why a device is refused at the module (the screen says it in Spanish, the log in English). */
export type DeviceRefusal =
  | 'unreadable'
  | 'no-package'
  | 'package-invalid'
  | 'other-election'
  | 'other-place'
  | 'result-invalid'
  | 'software-unauthorized'
  | 'conflict';

/** What reading one inserted device found. */
export type ReceiveOutcome =
  /** `scan`: the mesa's acta is still to be digitized (the module scans and none is kept yet). */
  | { kind: 'received'; mesa: string; reprint: boolean; scan: boolean }
  | { kind: 'no-results'; mesa: string; detail: string }
  | { kind: 'refused'; mesa: string | null; reason: DeviceRefusal; detail: string };

export interface CargoInput {
  mesa: string;
  copy: number;
  of: number;
  reprint: boolean;
}
export interface MesaInput {
  mesa: string;
}
export interface ModulePrintInput {
  mesa: string;
  what: 'result' | 'image';
  copy: number;
  of: number;
}
export interface ModuleBackupInput {
  index: number;
}

export interface ModuleActors {
  checkSoftware: Result<void, string>;
  connectLink: Result<void, string>;
  puestaACero: Result<void, string>;
  receiveDevice: ReceiveOutcome;
  printCargo: Result<void, string>;
  scanActa: Result<void, string>;
  queueMesa: Result<void, string>;
  /** Units still to settle (pending or sent) after one pass of the outbox. */
  transmitDue: { unsettled: number };
  printConstancia: Result<void, string>;
  burnBackup: Result<void, string>;
}

export type ModuleEvent =
  | { type: 'RECEIVE' }
  | { type: 'CONTINUE' }
  | { type: 'RETRY' }
  | { type: 'SKIP_SCAN' }
  | { type: 'SEND' }
  | { type: 'PRINT'; mesa: string; what: 'result' | 'image'; copies: number }
  | { type: 'FINISH' }
  | { type: 'CLOSE' };

export interface ModuleContext {
  problem: string | null;
  /** The device being received (or just handed back / refused). */
  mesa: string | null;
  /** Why the last device was refused (deviceRefused screen). */
  refusal: DeviceRefusal | null;
  cargo: { copy: number; of: number; reprint: boolean; scan: boolean } | null;
  printing: ModulePrintInput | null;
  /** Mesas received in this run of the machine (restart: the host's record counts too). */
  received: number;
  unsettled: number;
  backupsDone: number;
}

export interface ModuleInput {
  /** Mesas already received before a restart (the host's durable record). */
  received: number;
}

function placeholder<K extends keyof ModuleActors, I = void>(name: K) {
  return fromPromise<ModuleActors[K], I>(() => Promise.reject(new Error(`module actor ${name} was not provided`)));
}

const problemOf = (output: Result<void, string>): string | null => (output.ok ? null : output.error);

export function createModuleMachine() {
  return setup({
    types: { context: {} as ModuleContext, events: {} as ModuleEvent, input: {} as ModuleInput },
    actors: {
      checkSoftware: placeholder('checkSoftware'),
      connectLink: placeholder('connectLink'),
      puestaACero: placeholder('puestaACero'),
      receiveDevice: placeholder('receiveDevice'),
      printCargo: placeholder<'printCargo', CargoInput>('printCargo'),
      scanActa: placeholder<'scanActa', MesaInput>('scanActa'),
      queueMesa: placeholder<'queueMesa', MesaInput>('queueMesa'),
      transmitDue: placeholder('transmitDue'),
      printConstancia: placeholder<'printConstancia', ModulePrintInput>('printConstancia'),
      burnBackup: placeholder<'burnBackup', ModuleBackupInput>('burnBackup'),
    },
    guards: {
      validPrint: ({ event }) =>
        event.type === 'PRINT' && Number.isInteger(event.copies) && event.copies >= 1 && event.copies <= MAX_COPIES && /^[0-9]{6}$/.test(event.mesa),
      allSettled: ({ context }) => context.received > 0 && context.unsettled === 0,
    },
  }).createMachine({
    id: 'transmission-module',
    initial: 'starting',
    context: ({ input }) => ({
      problem: null,
      mesa: null,
      refusal: null,
      cargo: null,
      printing: null,
      received: input.received,
      unsettled: 0,
      backupsDone: 0,
    }),
    states: {
      starting: {
        meta: { screen: 'starting' },
        invoke: {
          id: 'checkSoftware',
          src: 'checkSoftware',
          onDone: [
            { guard: ({ event }) => event.output.ok, target: 'connecting' },
            { target: 'outOfService', actions: assign({ problem: ({ event }) => problemOf(event.output) }) },
          ],
          onError: { target: 'outOfService', actions: assign({ problem: 'the software code could not be checked' }) },
        },
      },
      outOfService: { meta: { screen: 'out-of-service' }, type: 'final' },
      connecting: {
        meta: { screen: 'connecting' },
        invoke: {
          id: 'connectLink',
          src: 'connectLink',
          onDone: [
            { guard: ({ event }) => event.output.ok, target: 'zeroing', actions: assign({ problem: null }) },
            { target: 'linkDown', actions: assign({ problem: ({ event }) => problemOf(event.output) }) },
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
            // A restarted module may hold units to send: one pass before the operator's home.
            { guard: ({ event }) => event.output.ok, target: 'transmitting', actions: assign({ problem: null }) },
            { target: 'zeroFailed', actions: assign({ problem: ({ event }) => problemOf(event.output) }) },
          ],
          onError: { target: 'zeroFailed', actions: assign({ problem: 'puesta a cero failed' }) },
        },
      },
      zeroFailed: { meta: { screen: 'zero-failed' }, on: { RETRY: 'zeroing' } },
      waiting: {
        meta: { screen: 'waiting' },
        on: {
          RECEIVE: { target: 'receiving', actions: assign({ mesa: null, refusal: null, problem: null }) },
          SEND: 'transmitting',
          PRINT: {
            guard: 'validPrint',
            target: 'printingConstancia',
            actions: assign({
              printing: ({ event }) => (event.type === 'PRINT' ? { mesa: event.mesa, what: event.what, copy: 1, of: event.copies } : null),
              problem: null,
            }),
          },
          FINISH: { guard: 'allSettled', target: 'burning', actions: assign({ problem: null }) },
        },
      },
      receiving: {
        meta: { screen: 'receiving' },
        invoke: {
          id: 'receiveDevice',
          src: 'receiveDevice',
          onDone: [
            {
              guard: ({ event }) => event.output.kind === 'received',
              target: 'printingCargo',
              actions: assign({
                mesa: ({ event }) => event.output.mesa,
                cargo: ({ event }) =>
                  event.output.kind === 'received' ? { copy: 1, of: CARGO_COPIES, reprint: event.output.reprint, scan: event.output.scan } : null,
              }),
            },
            {
              guard: ({ event }) => event.output.kind === 'no-results',
              target: 'noResults',
              actions: assign({ mesa: ({ event }) => event.output.mesa, problem: ({ event }) => (event.output.kind === 'received' ? null : event.output.detail) }),
            },
            {
              target: 'deviceRefused',
              actions: assign({
                mesa: ({ event }) => event.output.mesa,
                refusal: ({ event }) => (event.output.kind === 'refused' ? event.output.reason : null),
                problem: ({ event }) => (event.output.kind === 'received' ? null : event.output.detail),
              }),
            },
          ],
          onError: { target: 'deviceRefused', actions: assign({ refusal: 'unreadable', problem: 'the consolidation device could not be read' }) },
        },
      },
      noResults: { meta: { screen: 'no-results' }, on: { CONTINUE: { target: 'waiting', actions: assign({ mesa: null, problem: null }) } } },
      deviceRefused: { meta: { screen: 'device-refused' }, on: { CONTINUE: { target: 'waiting', actions: assign({ mesa: null, refusal: null, problem: null }) } } },
      printingCargo: {
        meta: { screen: 'printing' },
        invoke: {
          id: 'printCargo',
          src: 'printCargo',
          input: ({ context }) => ({ mesa: context.mesa ?? '', copy: context.cargo?.copy ?? 1, of: context.cargo?.of ?? CARGO_COPIES, reprint: context.cargo?.reprint ?? false }),
          onDone: [
            {
              guard: ({ event, context }) => event.output.ok && context.cargo !== null && context.cargo.copy < context.cargo.of,
              target: 'printingCargo',
              reenter: true,
              actions: assign({ cargo: ({ context }) => (context.cargo === null ? null : { ...context.cargo, copy: context.cargo.copy + 1 }) }),
            },
            // The acta still to digitize (also for a reprint, when a restart came before the scan).
            { guard: ({ event, context }) => event.output.ok && context.cargo?.scan === true, target: 'scanning', actions: assign({ cargo: null }) },
            // A reprint is for a device already received: its result is queued already.
            { guard: ({ event, context }) => event.output.ok && context.cargo?.reprint === true, target: 'waiting', actions: assign({ cargo: null, mesa: null }) },
            { guard: ({ event }) => event.output.ok, target: 'queueing', actions: assign({ cargo: null }) },
            { target: 'cargoPrintFault', actions: assign({ problem: ({ event }) => problemOf(event.output) }) },
          ],
          onError: { target: 'cargoPrintFault', actions: assign({ problem: 'printer failed' }) },
        },
      },
      cargoPrintFault: { meta: { screen: 'print-fault' }, on: { RETRY: { target: 'printingCargo', actions: assign({ problem: null }) } } },
      scanning: {
        meta: { screen: 'scanning' },
        invoke: {
          id: 'scanActa',
          src: 'scanActa',
          input: ({ context }) => ({ mesa: context.mesa ?? '' }),
          onDone: [
            { guard: ({ event }) => event.output.ok, target: 'queueing', actions: assign({ problem: null }) },
            { target: 'scanFailed', actions: assign({ problem: ({ event }) => problemOf(event.output) }) },
          ],
          onError: { target: 'scanFailed', actions: assign({ problem: 'scanner failed' }) },
        },
      },
      scanFailed: { meta: { screen: 'scan-failed' }, on: { RETRY: 'scanning', SKIP_SCAN: { target: 'queueing', actions: assign({ problem: null }) } } },
      queueing: {
        meta: { screen: 'queueing' },
        invoke: {
          id: 'queueMesa',
          src: 'queueMesa',
          input: ({ context }) => ({ mesa: context.mesa ?? '' }),
          onDone: [
            { guard: ({ event }) => event.output.ok, target: 'transmitting', actions: assign({ received: ({ context }) => context.received + 1, mesa: null, problem: null }) },
            { target: 'queueFailed', actions: assign({ problem: ({ event }) => problemOf(event.output) }) },
          ],
          onError: { target: 'queueFailed', actions: assign({ problem: 'the outbox could not be written' }) },
        },
      },
      queueFailed: { meta: { screen: 'queue-failed' }, on: { RETRY: 'queueing' } },
      transmitting: {
        meta: { screen: 'transmitting' },
        invoke: {
          id: 'transmitDue',
          src: 'transmitDue',
          onDone: { target: 'waiting', actions: assign({ unsettled: ({ event }) => event.output.unsettled }) },
          // The outbox keeps everything: the board shows the units, the next SEND tries again.
          onError: { target: 'waiting', actions: assign({ problem: 'the outbox could not be read' }) },
        },
      },
      printingConstancia: {
        meta: { screen: 'printing' },
        invoke: {
          id: 'printConstancia',
          src: 'printConstancia',
          input: ({ context }) => context.printing ?? { mesa: '', what: 'result' as const, copy: 1, of: 1 },
          onDone: [
            {
              guard: ({ event, context }) => event.output.ok && context.printing !== null && context.printing.copy < context.printing.of,
              target: 'printingConstancia',
              reenter: true,
              actions: assign({ printing: ({ context }) => (context.printing === null ? null : { ...context.printing, copy: context.printing.copy + 1 }) }),
            },
            { guard: ({ event }) => event.output.ok, target: 'waiting', actions: assign({ printing: null }) },
            { target: 'constanciaPrintFault', actions: assign({ problem: ({ event }) => problemOf(event.output) }) },
          ],
          onError: { target: 'constanciaPrintFault', actions: assign({ problem: 'printer failed' }) },
        },
      },
      // CONTINUE gives up the remaining copies (e.g. no receipt yet for that mesa).
      constanciaPrintFault: {
        meta: { screen: 'print-fault' },
        on: { RETRY: { target: 'printingConstancia', actions: assign({ problem: null }) }, CONTINUE: { target: 'waiting', actions: assign({ printing: null, problem: null }) } },
      },
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
            { target: 'backupFailed', actions: assign({ problem: ({ event }) => problemOf(event.output) }) },
          ],
          onError: { target: 'backupFailed', actions: assign({ problem: 'the backup medium failed' }) },
        },
      },
      backupFailed: { meta: { screen: 'backup-failed' }, on: { RETRY: 'burning' } },
      readyToClose: { meta: { screen: 'ready-to-close' }, on: { CLOSE: 'closed' } },
      closed: { meta: { screen: 'closed' }, type: 'final' },
    },
  });
}

export type ModuleMachine = ReturnType<typeof createModuleMachine>;
export type ModuleSnapshot = SnapshotFrom<ModuleMachine>;

export function moduleScreenOf(snapshot: ModuleSnapshot): ModuleScreen {
  return screenFromMeta<ModuleScreen>(snapshot, 'transmission-module');
}
