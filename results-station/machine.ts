/**
 * The results station (escrutinio) as an xstate v5 state machine. Pure: no I/O. Devices, the
 * station store, printers and credentials are promise actors the host provides
 * (`machine.provide({ actors })`, contracts in machine-types.ts); tally, comparison and manual
 * count rules are pure ports passed to `createResultsMachine`; every timeout is a named delay
 * from timeouts.ts. The UI renders `screenOf(snapshot)`; the host appends emitted `audit` events.
 *
 * DECISIONS
 * - Mode (electronic or STAE manual count) comes from the input, not from an operator choice:
 *   a mesa that voted on paper is known before the count, and a button that switches a mesa to
 *   manual count would let anyone bypass the cabins' signed results.
 * - Cabins are read in input order, one device each; the identity summary is read last.
 *   `readCabinResults` verifies everything (signature, cabin, mesa, package, software, recount,
 *   duplicates against the cabins already read). A refused device shows a screen naming the
 *   cabin and the reasons, is audited as `results.refused` and is never tallied; inserting
 *   another device retries the same cabin.
 * - Reconciliation problems never pass silently. Two ways on: REREAD_DEVICES (all readings
 *   dropped, every device read again) or RECORD_DISCREPANCY with the president's credential,
 *   which writes each problem as an acta observation (audited). If no tally can be made at all
 *   (`untallyable`), re-reading is the only way.
 * - Cotejo (Art. 28) is optional and electronic-only; its result (agreement or the differences
 *   option by option) is always written as an acta observation once recorded.
 * - Printing: one actor call per copy (each acta destination, then the cartel). A fault blocks
 *   on `printer-fault`; PRINTER_READY or the poll retries THE SAME copy (it was not completed);
 *   confirmed copies are never printed again. After a restart, a copy that was started but not
 *   confirmed is printed marked as a reprint (`recovery.copyInProgress`).
 * - Signing: at least the president and 2 distinct members (Art. 26–28 require the members'
 *   signatures; a mesa has 3 titulares). Personeros may sign too but never count toward the
 *   minimum. FINISH_SIGNING before that is refused with `insufficient-signatures`. A signer
 *   presenting twice is kept once.
 * - STAE: two DIFFERENT members enter the whole result. While the entries differ, the screen
 *   shows the differing fields and either member re-enters (replacing their own entry); only a
 *   member who made one of the two entries may correct it. Agreement → `manualTally` port.
 * - An actor that rejects (instead of resolving to a typed failure) is a bug: out of service.
 */
import { assign, emit, setup } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import type { Result } from '../shared/result.ts';
import type {
  ActaCopy,
  Credential,
  MesaResult,
  ResultsActorContracts,
  ResultsActorName,
  ResultsAuditEvent,
  ResultsContext,
  ResultsEvent,
  ResultsInput,
  ResultsPorts,
  ResultsScreen,
  ResultsStateMeta,
} from './machine-types.ts';
import {
  cabinRefusalText,
  cotejoObservation,
  discrepancyObservations,
  identityRefusalText,
  internalErrorText,
  puestaACeroFailureText,
  selfCheckFailureText,
} from './messages.ts';
import type { ResultsDelayName } from './timeouts.ts';
import { RESULTS_DELAY_FIELDS, resolveResultsTimeouts } from './timeouts.ts';
import { failureOf as sharedFailureOf, notProvidedActor, screenFromMeta, valueOf as sharedValueOf } from '../shared/machines/station-machine.ts';

/** Minimum signers besides the president (distinct members of the mesa). */
export const MIN_MEMBER_SIGNATURES = 2;

function notProvided<K extends ResultsActorName>(name: K) {
  return notProvidedActor<ResultsActorContracts[K]['output'], ResultsActorContracts[K]['input']>('results', name);
}

function failureOf<E>(result: Result<unknown, E>): E {
  return sharedFailureOf(result, 'results');
}

function valueOf<T>(result: Result<T, unknown>): T {
  return sharedValueOf(result, 'results');
}

function requireCredential(context: ResultsContext): Credential {
  if (context.pendingCredential === null) throw new Error('results machine bug: no credential to verify');
  return context.pendingCredential;
}

function requireResult(context: ResultsContext): MesaResult {
  if (context.result === null) throw new Error('results machine bug: no mesa result');
  return context.result;
}

function copyAt(context: ResultsContext): ActaCopy {
  const copy = context.copies[context.nextCopy];
  if (copy === undefined) throw new Error(`results machine bug: no copy at ${context.nextCopy}`);
  return copy;
}

function currentCabin(context: ResultsContext): string {
  const cabinId = context.cabinIds[context.readings.length];
  if (cabinId === undefined) throw new Error('results machine bug: every cabin was read');
  return cabinId;
}

export function hasEnoughSignatures(context: Pick<ResultsContext, 'signatures'>): boolean {
  const president = context.signatures.some((signature) => signature.role === 'president');
  const members = context.signatures.filter((signature) => signature.role === 'member').length;
  return president && members >= MIN_MEMBER_SIGNATURES;
}

const NO_READINGS = {
  readings: [],
  identity: null,
  deviceRefusalText: null,
  outcome: null,
  result: null,
} as const satisfies Partial<ResultsContext>;

function initialContext(input: ResultsInput): ResultsContext {
  if (input.mode === 'electronic' && input.cabinIds.length === 0) throw new Error('results machine needs at least one cabin');
  if (input.actaCopies.length === 0) throw new Error('results machine needs at least one acta copy');
  const copies: ActaCopy[] = [
    ...input.actaCopies.map((destination) => ({ document: 'acta' as const, destination })),
    { document: 'cartel', destination: 'cartel' },
  ];
  const recovery = input.recovery ?? null;
  const result = recovery !== null && 'result' in recovery ? recovery.result : null;
  const printing = recovery?.phase === 'printing' ? recovery : null;
  if (printing !== null && (!Number.isSafeInteger(printing.printedCopies) || printing.printedCopies < 0 || printing.printedCopies > copies.length)) {
    throw new Error(`results machine: recovered printedCopies ${printing.printedCopies} out of range`);
  }
  return {
    cabinIds: input.cabinIds,
    mode: input.mode,
    copies,
    timeouts: resolveResultsTimeouts(input.timeouts),
    recovery,
    outOfServiceReason: null,
    pendingCredential: null,
    credentialRefusal: null,
    ...NO_READINGS,
    result,
    cotejoDifferences: null,
    firstEntry: null,
    secondEntry: null,
    entryDifferences: [],
    manualFindings: [],
    entryRefusal: null,
    nextCopy: printing?.printedCopies ?? 0,
    reprintNextCopy: printing?.copyInProgress ?? false,
    printerFault: null,
    signatures: recovery?.phase === 'writing' ? recovery.signatures : [],
    signingRefusal: null,
    consolidationFault: null,
  };
}

/** Assigns a STAE entry: first, second (another member), or a correction by one of the two. */
function withManualEntry(context: ResultsContext, event: ResultsEvent, ports: ResultsPorts): Partial<ResultsContext> {
  if (event.type !== 'MANUAL_ENTRY') throw new Error('results machine bug: not a manual entry');
  const entry = { member: event.member, counts: event.counts };
  let { firstEntry, secondEntry } = context;
  if (firstEntry === null) return { firstEntry: entry, entryRefusal: null };
  if (secondEntry === null) {
    if (firstEntry.member === entry.member) return { entryRefusal: 'same-member' };
    secondEntry = entry;
  } else if (firstEntry.member === entry.member) {
    firstEntry = entry;
  } else if (secondEntry.member === entry.member) {
    secondEntry = entry;
  } else {
    return { entryRefusal: 'unknown-member' };
  }
  const entryDifferences = ports.compareSheets(firstEntry.counts, secondEntry.counts);
  if (entryDifferences.length > 0) {
    return { firstEntry, secondEntry, entryDifferences, manualFindings: [], entryRefusal: null };
  }
  const tallied = ports.manualTally(firstEntry.counts);
  return {
    firstEntry,
    secondEntry,
    entryDifferences,
    entryRefusal: null,
    manualFindings: tallied.ok ? [] : tallied.error,
    result: tallied.ok ? tallied.value : null,
  };
}

export function createResultsMachine(ports: ResultsPorts) {
  return setup({
    types: {
      context: {} as ResultsContext,
      events: {} as ResultsEvent,
      input: {} as ResultsInput,
      emitted: {} as ResultsAuditEvent,
      meta: {} as ResultsStateMeta,
    },
    actors: {
      selfCheck: notProvided('selfCheck'),
      verifyPresidentCredential: notProvided('verifyPresidentCredential'),
      runPuestaACero: notProvided('runPuestaACero'),
      readCabinResults: notProvided('readCabinResults'),
      readIdentitySummary: notProvided('readIdentitySummary'),
      printActaCopy: notProvided('printActaCopy'),
      verifyMemberSignature: notProvided('verifyMemberSignature'),
      writeConsolidated: notProvided('writeConsolidated'),
    },
    delays: Object.fromEntries(
      Object.entries(RESULTS_DELAY_FIELDS).map(([name, field]) => [
        name,
        ({ context }: { context: ResultsContext }) => context.timeouts[field],
      ]),
    ) as Record<ResultsDelayName, ({ context }: { context: ResultsContext }) => number>,
    guards: {
      startsClosed: ({ context }, _params: undefined) => context.recovery?.phase === 'closed',
      manualMode: ({ context }) => context.mode === 'manual-count',
      electronicMode: ({ context }) => context.mode === 'electronic',
      allCabinsRead: ({ context }) => context.readings.length >= context.cabinIds.length,
      outcomeOk: ({ context }) => context.outcome?.kind === 'ok',
      outcomeUntallyable: ({ context }) => context.outcome?.kind === 'untallyable',
      allCopiesPrinted: ({ context }) => context.nextCopy >= context.copies.length,
      enoughSignatures: ({ context }) => hasEnoughSignatures(context),
      bothEntries: ({ context }) => context.firstEntry !== null && context.secondEntry !== null,
      entriesDiffer: ({ context }) => context.entryDifferences.length > 0,
      manualTallied: ({ context }) => context.result !== null,
    },
    actions: {
      audit: emit((_, params: { event: ResultsAuditEvent['event']; message: string }) => ({
        type: 'audit' as const,
        event: params.event,
        message: params.message,
      })),
      holdCredential: assign({
        pendingCredential: ({ event }) =>
          event.type === 'CREDENTIAL_PRESENTED' || event.type === 'RECORD_DISCREPANCY' ? event.credential : null,
        credentialRefusal: null,
        signingRefusal: null,
      }),
      dropCredential: assign({ pendingCredential: null }),
      applyManualEntry: assign(({ context, event }) => withManualEntry(context, event, ports)),
      compareCotejo: assign({
        cotejoDifferences: ({ context, event }) => {
          if (event.type !== 'COTEJO_ENTERED') throw new Error('results machine bug: not a cotejo entry');
          return ports.compareSheets(ports.tallyToSheet(requireResult(context).tally), event.counts);
        },
      }),
    },
  }).createMachine({
    id: 'results',
    context: ({ input }) => initialContext(input),
    initial: 'starting',
    states: {
      starting: {
        always: [{ guard: 'startsClosed', target: 'closed' }, { target: 'selfCheck' }],
      },

      selfCheck: {
        meta: { screen: 'self-check' },
        invoke: {
          id: 'selfCheck',
          src: 'selfCheck',
          onDone: [
            {
              guard: ({ event }) => !event.output.ok,
              target: 'outOfService',
              actions: [
                assign({ outOfServiceReason: ({ event }) => selfCheckFailureText(failureOf(event.output)) }),
                { type: 'audit', params: ({ event }) => ({ event: 'station.self-test-failed', message: failureOf(event.output).kind }) },
              ],
            },
            { guard: ({ context }) => context.recovery === null, target: 'awaitingPresident' },
            {
              guard: ({ context }) => context.recovery?.phase === 'counting',
              target: 'afterPuestaACero',
              actions: { type: 'audit', params: { event: 'station.recovered', message: 'counting' } },
            },
            {
              guard: ({ context }) => context.recovery?.phase === 'printing',
              target: 'printingActas',
              actions: { type: 'audit', params: { event: 'station.recovered', message: 'printing actas' } },
            },
            {
              guard: ({ context }) => context.recovery?.phase === 'signing',
              target: 'signing',
              actions: { type: 'audit', params: { event: 'station.recovered', message: 'signing' } },
            },
            {
              target: 'writingConsolidated',
              actions: { type: 'audit', params: { event: 'station.recovered', message: 'writing consolidated result' } },
            },
          ],
          onError: { target: 'outOfService', actions: assign({ outOfServiceReason: internalErrorText('selfCheck') }) },
        },
      },

      outOfService: { type: 'final', meta: { screen: 'out-of-service' } },

      awaitingPresident: {
        meta: { screen: 'awaiting-president' },
        on: { CREDENTIAL_PRESENTED: { target: 'verifyingPresident', actions: 'holdCredential' } },
      },

      verifyingPresident: {
        meta: { screen: 'verifying-credential' },
        exit: 'dropCredential',
        invoke: {
          id: 'verifyPresidentCredential',
          src: 'verifyPresidentCredential',
          input: ({ context }) => ({ credential: requireCredential(context), action: 'puesta-a-cero' as const }),
          onDone: [
            { guard: ({ event }) => event.output.ok, target: 'puestaACero' },
            { target: 'awaitingPresident', actions: assign({ credentialRefusal: ({ event }) => failureOf(event.output) }) },
          ],
          onError: { target: 'outOfService', actions: assign({ outOfServiceReason: internalErrorText('verifyPresidentCredential') }) },
        },
      },

      puestaACero: {
        initial: 'running',
        states: {
          running: {
            meta: { screen: 'puesta-a-cero' },
            invoke: {
              id: 'runPuestaACero',
              src: 'runPuestaACero',
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: '#results.afterPuestaACero',
                  actions: [assign({ printerFault: null }), { type: 'audit', params: { event: 'puesta-a-cero.printed', message: 'results station store empty, zero report printed' } }],
                },
                {
                  guard: ({ event }) => !event.output.ok && event.output.error.kind === 'printer-fault',
                  target: 'printerFault',
                  actions: [
                    assign({ printerFault: ({ event }) => { const failure = failureOf(event.output); return failure.kind === 'printer-fault' ? failure.fault : null; } }),
                    { type: 'audit', params: { event: 'printer.fault', message: 'puesta a cero report' } },
                  ],
                },
                {
                  target: '#results.outOfService',
                  actions: [
                    assign({
                      outOfServiceReason: ({ event }) => {
                        const failure = failureOf(event.output);
                        return failure.kind === 'printer-fault' ? null : puestaACeroFailureText(failure);
                      },
                    }),
                    { type: 'audit', params: ({ event }) => ({ event: 'puesta-a-cero.refused', message: failureOf(event.output).kind }) },
                  ],
                },
              ],
              onError: { target: '#results.outOfService', actions: assign({ outOfServiceReason: internalErrorText('runPuestaACero') }) },
            },
          },
          printerFault: {
            meta: { screen: 'printer-fault' },
            on: { PRINTER_READY: 'running' },
            after: { PRINTER_RETRY_POLL: 'running' },
          },
        },
      },

      afterPuestaACero: {
        always: [{ guard: 'manualMode', target: 'manualCount' }, { target: 'readingCabins' }],
      },

      readingCabins: {
        initial: 'awaitingCabinDevice',
        entry: assign({ ...NO_READINGS }),
        states: {
          awaitingCabinDevice: {
            meta: { screen: 'insert-cabin-device' },
            on: { DEVICE_INSERTED: 'readingCabin' },
          },
          readingCabin: {
            meta: { screen: 'reading-device' },
            invoke: {
              id: 'readCabinResults',
              src: 'readCabinResults',
              input: ({ context }) => ({ cabinId: currentCabin(context), alreadyRead: context.readings }),
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: 'nextDevice',
                  actions: [
                    { type: 'audit', params: ({ context }) => ({ event: 'results.read', message: currentCabin(context) }) },
                    assign({
                      readings: ({ context, event }) => [...context.readings, valueOf(event.output)],
                      deviceRefusalText: null,
                    }),
                  ],
                },
                {
                  target: 'deviceRefused',
                  actions: [
                    assign({ deviceRefusalText: ({ context, event }) => cabinRefusalText(currentCabin(context), failureOf(event.output).reasons) }),
                    {
                      type: 'audit',
                      params: ({ context, event }) => ({
                        event: 'results.refused',
                        message: `${currentCabin(context)}: ${failureOf(event.output).codes.join(', ')}`,
                      }),
                    },
                  ],
                },
              ],
              onError: { target: '#results.outOfService', actions: assign({ outOfServiceReason: internalErrorText('readCabinResults') }) },
            },
          },
          deviceRefused: {
            meta: { screen: 'device-refused' },
            on: { DEVICE_INSERTED: 'readingCabin' },
          },
          nextDevice: {
            always: [{ guard: 'allCabinsRead', target: 'awaitingIdentityDevice' }, { target: 'awaitingCabinDevice' }],
          },
          awaitingIdentityDevice: {
            meta: { screen: 'insert-identity-device' },
            on: { DEVICE_INSERTED: 'readingIdentity' },
          },
          readingIdentity: {
            meta: { screen: 'reading-device' },
            invoke: {
              id: 'readIdentitySummary',
              src: 'readIdentitySummary',
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: '#results.reconciling',
                  actions: [
                    { type: 'audit', params: { event: 'results.read', message: 'identity summary' } },
                    assign(({ context, event }) => {
                      const identity = valueOf(event.output);
                      const outcome = ports.tallyMesa({ cabins: context.readings, identity });
                      return { identity, outcome, deviceRefusalText: null, result: outcome.kind === 'untallyable' ? null : outcome.result };
                    }),
                  ],
                },
                {
                  target: 'identityRefused',
                  actions: [
                    assign({ deviceRefusalText: ({ event }) => identityRefusalText(failureOf(event.output).reasons) }),
                    { type: 'audit', params: ({ event }) => ({ event: 'results.refused', message: `identity summary: ${failureOf(event.output).codes.join(', ')}` }) },
                  ],
                },
              ],
              onError: { target: '#results.outOfService', actions: assign({ outOfServiceReason: internalErrorText('readIdentitySummary') }) },
            },
          },
          identityRefused: {
            meta: { screen: 'device-refused' },
            on: { DEVICE_INSERTED: 'readingIdentity' },
          },
        },
      },

      reconciling: {
        initial: 'checking',
        states: {
          checking: {
            always: [
              { guard: 'outcomeOk', target: '#results.tallied', actions: { type: 'audit', params: { event: 'results.consolidated', message: 'reconciled' } } },
              { guard: 'outcomeUntallyable', target: 'blocked' },
              { target: 'discrepancies' },
            ],
          },
          blocked: {
            meta: { screen: 'reconciliation-blocked' },
            on: { REREAD_DEVICES: '#results.readingCabins' },
          },
          discrepancies: {
            meta: { screen: 'reconciliation-problems' },
            on: {
              REREAD_DEVICES: '#results.readingCabins',
              RECORD_DISCREPANCY: { target: 'verifyingPresident', actions: 'holdCredential' },
            },
          },
          verifyingPresident: {
            meta: { screen: 'verifying-credential' },
            exit: 'dropCredential',
            invoke: {
              id: 'verifyPresidentCredential',
              src: 'verifyPresidentCredential',
              input: ({ context }) => ({ credential: requireCredential(context), action: 'record-discrepancy' as const }),
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: '#results.tallied',
                  actions: [
                    assign({
                      result: ({ context }) => {
                        const { outcome } = context;
                        if (outcome?.kind !== 'discrepancies') throw new Error('results machine bug: no discrepancies to record');
                        return { ...outcome.result, observations: [...outcome.result.observations, ...discrepancyObservations(outcome.findings)] };
                      },
                    }),
                    {
                      type: 'audit',
                      params: ({ context }) => ({
                        event: 'results.consolidated',
                        message: `president recorded discrepancies: ${context.outcome?.kind === 'discrepancies' ? context.outcome.findings.map((finding) => finding.code).join(', ') : ''}`,
                      }),
                    },
                  ],
                },
                { target: 'discrepancies', actions: assign({ credentialRefusal: ({ event }) => failureOf(event.output) }) },
              ],
              onError: { target: '#results.outOfService', actions: assign({ outOfServiceReason: internalErrorText('verifyPresidentCredential') }) },
            },
          },
        },
      },

      tallied: {
        meta: { screen: 'tallied' },
        on: {
          START_COTEJO: { guard: 'electronicMode', target: 'cotejo' },
          PRINT_ACTAS: 'printingActas',
        },
      },

      cotejo: {
        initial: 'entering',
        entry: assign({ cotejoDifferences: null }),
        on: { CANCEL_COTEJO: 'tallied' },
        states: {
          entering: {
            meta: { screen: 'cotejo-entry' },
            on: { COTEJO_ENTERED: { target: 'reviewing', actions: 'compareCotejo' } },
          },
          reviewing: {
            meta: { screen: 'cotejo-review' },
            on: {
              COTEJO_ENTERED: { target: 'reviewing', reenter: true, actions: 'compareCotejo' },
              RECORD_COTEJO: {
                target: '#results.printingActas',
                actions: [
                  { type: 'audit', params: ({ context }) => (context.cotejoDifferences?.length ?? 0) === 0
                    ? { event: 'cotejo.recorded', message: 'no differences' }
                    : { event: 'cotejo.mismatch', message: `${context.cotejoDifferences?.length ?? 0} fields differ` } },
                  assign({
                    result: ({ context }) => {
                      const result = requireResult(context);
                      return { ...result, observations: [...result.observations, cotejoObservation(context.cotejoDifferences ?? [])] };
                    },
                  }),
                ],
              },
            },
          },
        },
      },

      manualCount: {
        initial: 'firstEntry',
        states: {
          firstEntry: {
            meta: { screen: 'manual-entry-first' },
            on: { MANUAL_ENTRY: { target: 'secondEntry', actions: 'applyManualEntry' } },
          },
          secondEntry: {
            meta: { screen: 'manual-entry-second' },
            on: { MANUAL_ENTRY: { target: 'comparing', actions: 'applyManualEntry' } },
          },
          comparing: {
            always: [
              { guard: ({ context }) => context.secondEntry === null, target: 'secondEntry' },
              { guard: 'entriesDiffer', target: 'mismatch' },
              {
                guard: 'manualTallied',
                target: '#results.tallied',
                actions: { type: 'audit', params: { event: 'results.consolidated', message: 'manual count: both entries agree' } },
              },
              { target: 'invalid' },
            ],
          },
          mismatch: {
            meta: { screen: 'manual-mismatch' },
            on: { MANUAL_ENTRY: { target: 'comparing', actions: 'applyManualEntry' } },
          },
          invalid: {
            meta: { screen: 'manual-invalid' },
            on: { MANUAL_ENTRY: { target: 'comparing', actions: 'applyManualEntry' } },
          },
        },
      },

      printingActas: {
        initial: 'next',
        states: {
          next: {
            always: [{ guard: 'allCopiesPrinted', target: '#results.signing' }, { target: 'printing' }],
          },
          printing: {
            meta: { screen: 'printing-acta' },
            invoke: {
              id: 'printActaCopy',
              src: 'printActaCopy',
              input: ({ context }) => ({
                copy: copyAt(context),
                index: context.nextCopy,
                result: requireResult(context),
                reprint: context.reprintNextCopy,
              }),
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: 'next',
                  actions: [
                    {
                      type: 'audit',
                      params: ({ context }) => ({
                        event: context.reprintNextCopy ? 'acta.reprinted' : 'acta.printed',
                        message: `${copyAt(context).document} ${copyAt(context).destination}${context.reprintNextCopy ? ' (after restart)' : ''}`,
                      }),
                    },
                    assign({ nextCopy: ({ context }) => context.nextCopy + 1, reprintNextCopy: false, printerFault: null }),
                  ],
                },
                {
                  target: 'printerFault',
                  actions: [
                    assign({ printerFault: ({ event }) => failureOf(event.output) }),
                    { type: 'audit', params: ({ event }) => ({ event: 'printer.fault', message: failureOf(event.output).kind }) },
                  ],
                },
              ],
              onError: { target: '#results.outOfService', actions: assign({ outOfServiceReason: internalErrorText('printActaCopy') }) },
            },
          },
          printerFault: {
            meta: { screen: 'printer-fault' },
            on: { PRINTER_READY: 'printing' },
            after: { PRINTER_RETRY_POLL: 'printing' },
          },
        },
      },

      signing: {
        initial: 'collecting',
        states: {
          collecting: {
            meta: { screen: 'signing' },
            on: {
              CREDENTIAL_PRESENTED: { target: 'verifying', actions: 'holdCredential' },
              FINISH_SIGNING: [
                { guard: 'enoughSignatures', target: '#results.writingConsolidated' },
                { actions: assign({ signingRefusal: 'insufficient-signatures' }) },
              ],
            },
          },
          verifying: {
            meta: { screen: 'verifying-signature' },
            exit: 'dropCredential',
            invoke: {
              id: 'verifyMemberSignature',
              src: 'verifyMemberSignature',
              input: ({ context }) => ({ credential: requireCredential(context), result: requireResult(context) }),
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: 'collecting',
                  actions: assign({
                    signatures: ({ context, event }) => {
                      const signature = valueOf(event.output);
                      const others = context.signatures.filter((existing) => existing.signerId !== signature.signerId);
                      return [...others, signature];
                    },
                  }),
                },
                { target: 'collecting', actions: assign({ signingRefusal: ({ event }) => failureOf(event.output) }) },
              ],
              onError: { target: '#results.outOfService', actions: assign({ outOfServiceReason: internalErrorText('verifyMemberSignature') }) },
            },
          },
        },
      },

      writingConsolidated: {
        initial: 'writing',
        states: {
          writing: {
            meta: { screen: 'writing-results' },
            invoke: {
              id: 'writeConsolidated',
              src: 'writeConsolidated',
              input: ({ context }) => ({ result: requireResult(context), signatures: context.signatures }),
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: '#results.closed',
                  actions: [assign({ consolidationFault: null }), { type: 'audit', params: { event: 'results.written', message: 'signed mesa result' } }],
                },
                { target: 'consolidationFault', actions: assign({ consolidationFault: ({ event }) => failureOf(event.output) }) },
              ],
              onError: { target: '#results.outOfService', actions: assign({ outOfServiceReason: internalErrorText('writeConsolidated') }) },
            },
          },
          consolidationFault: {
            meta: { screen: 'consolidation-fault' },
            on: { RETRY_WRITE: 'writing' },
            after: { CONSOLIDATION_RETRY_POLL: 'writing' },
          },
        },
      },

      closed: { type: 'final', meta: { screen: 'closed' } },
    },
  });
}

export type ResultsMachine = ReturnType<typeof createResultsMachine>;
export type ResultsSnapshot = SnapshotFrom<ResultsMachine>;

/** The screen the UI renders for a snapshot: the one atomic state that names a screen. */
export function screenOf(snapshot: ResultsSnapshot): ResultsScreen {
  return screenFromMeta<ResultsScreen>(snapshot, 'results');
}
