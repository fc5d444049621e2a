/**
 * The voting cabin as an xstate v5 state machine. Pure: it does no I/O. Devices, the vote store,
 * printers and credentials are promise actors the host provides (`machine.provide({ actors })`,
 * contracts in machine-types.ts); choice validity and the clock are pure ports passed to
 * `createBoothMachine`; every timeout is a named delay from timeouts.ts. The UI renders
 * `screenOf(snapshot)`; the host appends emitted `audit` events to the audit log.
 *
 * DECISIONS
 * - Abandoned session (Art. 23). When the inactivity alert expires, the cabin stores NOTHING:
 *   no invented ballot, the token stays unconsumed, the draft is wiped, and the screen says
 *   "Sesión terminada por inactividad. Devuelva el dispositivo a la mesa." The identity station,
 *   when the device comes back unconsumed, records the voter as identified-but-not-voted, and
 *   the results station adds those as blank votes with an observation in the acta (Art. 23).
 *   One place (the identity station) decides Art. 23; a cabin never fabricates a ballot.
 *   Because the cabin claimed the device when it accepted the token, it first gives the claim
 *   back (`releaseClaim`: the identity station's token is written back), else the identity
 *   station could not tell this voter from one whose vote was committed. If the device is gone
 *   or the write fails, the claim stays: the voter takes the device back to THIS cabin, which
 *   accepts its own claim (a new session) or, if the vote was committed, marks it consumed.
 * - Device pulled before the commit (activating, voting, review, confirming, alert): the session
 *   is cancelled, nothing is stored, the token stays unconsumed (`session.cancelled`).
 *   The device leaves with this cabin's claim on it (nothing to write on any more): only this
 *   cabin accepts it again. A commit that failed (nothing stored) also gives the claim back
 *   before the cabin goes out of service; `token-already-used` keeps it.
 * - Order after the commit: consumed mark FIRST, then the constancia (the brief listed printing
 *   first). Until the mark is written, a pulled device is a live token that another cabin of the
 *   mesa would accept (this cabin refuses it as `replayed`), and a printer fault can keep the
 *   device in the voter's hand for minutes; marking first shrinks that window to milliseconds.
 *   The constancia is durable in the store, so printing second loses nothing.
 * - Device pulled once CONFIRM started the commit: the commit is not abandoned (the vote counts
 *   exactly once); the constancia still prints; then the cabin asks for the device again to
 *   write the consumed mark (`reinsert-device`). The president may release the cabin without
 *   the mark (host: store.abandonPendingConsumption()); the token is already recorded as used in
 *   this cabin's store, so it can never vote here again. The release is audited so the mesa
 *   records that voter as HAVING voted (not as an Art. 23 blank) and the results station can
 *   reconcile used nonces across cabins (see booth/vote-store.ts).
 * - While the inactivity alert is shown, a voter key only dismisses it: the key is not applied
 *   to the ballot (the voter may not have seen the screen behind the alert).
 * - A printer fault blocks the cabin on `printer-fault` until the printer is ready
 *   (`PRINTER_READY` or the retry poll); the pending constancia is then printed by one new
 *   `printConstancia` call. The store, not the machine, holds the pending constancia, so a crash
 *   reprints it after restart (`recovery.pendingConstancia` → printing with reprint).
 * - An actor that rejects (instead of resolving to a typed failure) is a bug: out of service.
 * - Closing happens only from `ready` (never during a session) and is one-way: `closed` is final.
 */
import { and, assign, emit, enqueueActions, not, setup } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import type { ContestChoice } from '../shared/ballot/ballot.ts';
import type { DraftProblem } from '../shared/ballot/rules.ts';
import type { Result } from '../shared/result.ts';
import type {
  BallotDraft,
  BoothActorContracts,
  BoothActorName,
  BoothAuditEvent,
  BoothContext,
  BoothEvent,
  BoothInput,
  BoothPorts,
  BoothRecovery,
  BoothScreen,
  BoothStateMeta,
  PresidentCredential,
  VoterEvent,
} from './machine-types.ts';
import { DEFAULT_DISPLAY, VOTER_EVENT_TYPES } from './machine-types.ts';
import {
  commitFailureText,
  internalErrorText,
  puestaACeroFailureText,
  selfCheckFailureText,
  STORAGE_FAULT_AFTER_COMMIT_TEXT,
} from './machine-messages.ts';
import type { BoothDelayName } from './timeouts.ts';
import { BOOTH_DELAY_FIELDS, resolveBoothTimeouts } from './timeouts.ts';
import { failureOf as sharedFailureOf, notProvidedActor, screenFromMeta, valueOf as sharedValueOf } from '../shared/machines/station-machine.ts';

/** Placeholder until the host provides the real actor: running it is a configuration bug. */
function notProvided<K extends BoothActorName>(name: K) {
  return notProvidedActor<BoothActorContracts[K]['output'], BoothActorContracts[K]['input']>('booth', name);
}

function failureOf<E>(result: Result<unknown, E>): E {
  return sharedFailureOf(result, 'booth');
}

function valueOf<T>(result: Result<T, unknown>): T {
  return sharedValueOf(result, 'booth');
}

function requireCredential(context: BoothContext): PresidentCredential {
  if (context.pendingCredential === null) throw new Error('booth machine bug: no credential to verify');
  return context.pendingCredential;
}

/** The audit entry for a claim release: neither carries the nonce. */
function claimReleaseAudit(output: BoothActorContracts['releaseClaim']['output']): Omit<BoothAuditEvent, 'type'> {
  return output.ok
    ? { event: 'token.claim-released', message: 'session ended without a vote; identity token put back on the device' }
    : { event: 'token.claim-kept', message: `claim not released (${output.error.kind}): only this cabin accepts the device` };
}

/** Everything that belongs to one voter; reset when a session starts and when it ends. */
const EMPTY_SESSION = {
  token: null,
  draft: {},
  contestIndex: 0,
  returnToReview: false,
  choiceRefusal: null,
  display: DEFAULT_DISPLAY,
  tokenRefusal: null,
} as const satisfies Partial<BoothContext>;

function initialContext(input: BoothInput): BoothContext {
  if (input.contests.length === 0) throw new Error('booth machine needs at least one contest');
  const recovery: BoothRecovery | null =
    input.initialPhase === 'closed'
      ? { phase: 'closed', pendingConstancia: false, pendingConsumptionMark: false }
      : (input.recovery ?? null);
  const open = recovery?.phase === 'open';
  return {
    contests: input.contests,
    votingCloseAt: input.votingCloseAt,
    timeouts: resolveBoothTimeouts(input.timeouts),
    recovery,
    outOfServiceReason: null,
    pendingCredential: null,
    credentialRefusal: null,
    closeRefusal: null,
    ...EMPTY_SESSION,
    claimToRelease: null,
    pendingConstancia: open && recovery.pendingConstancia,
    reprintConstancia: open && recovery.pendingConstancia,
    pendingConsumptionMark: open && recovery.pendingConsumptionMark,
    // After a restart nobody has seen the device yet: the host reports one with DEVICE_INSERTED.
    deviceAbsent: open,
    consumedMarkFailure: null,
    printerFault: null,
    reprintResultsReport: recovery?.phase === 'closing',
    consolidationFault: null,
  };
}

function currentContestId(context: BoothContext): string {
  const contest = context.contests[context.contestIndex];
  if (contest === undefined) throw new Error(`booth machine bug: no contest at index ${context.contestIndex}`);
  return contest.id;
}

function isBallotComplete(context: BoothContext): boolean {
  return context.contests.every((contest) => Object.hasOwn(context.draft, contest.id));
}

function sortedUnique(numbers: readonly number[]): number[] {
  return [...new Set(numbers)].sort((a, b) => a - b);
}

/**
 * The choice a voter event proposes for the current contest, or why it cannot propose one.
 * Validity (organization and candidates exist, preferential limit) is the port's decision.
 */
function proposedChoice(
  contestId: string,
  current: ContestChoice | undefined,
  event: VoterEvent,
): Result<ContestChoice, DraftProblem> {
  switch (event.type) {
    case 'CHOOSE_BLANK':
      return { ok: true, value: { kind: 'blank' } };
    case 'CHOOSE_NULL':
      return { ok: true, value: { kind: 'null' } };
    case 'CHOOSE_ORGANIZATION': {
      // Re-choosing the same organization keeps its preferential marks; another one clears them.
      const keep = current?.kind === 'organization' && current.organization === event.organization;
      return {
        ok: true,
        value: { kind: 'organization', organization: event.organization, preferential: keep ? current.preferential : [] },
      };
    }
    case 'TOGGLE_PREFERENTIAL':
    case 'SET_PREFERENTIAL': {
      if (current?.kind !== 'organization') {
        return { ok: false, error: { kind: 'preferential-without-organization', contestId } };
      }
      const preferential =
        event.type === 'SET_PREFERENTIAL'
          ? sortedUnique(event.candidates)
          : current.preferential.includes(event.candidate)
            ? current.preferential.filter((candidate) => candidate !== event.candidate)
            : sortedUnique([...current.preferential, event.candidate]);
      return { ok: true, value: { ...current, preferential } };
    }
    default:
      throw new Error(`booth machine bug: ${event.type} is not a choice event`);
  }
}

function applyChoice(
  context: BoothContext,
  event: BoothEvent,
  ports: BoothPorts,
): Pick<BoothContext, 'draft' | 'choiceRefusal'> {
  const contestId = currentContestId(context);
  const proposal = proposedChoice(contestId, context.draft[contestId], event as VoterEvent);
  const checked = proposal.ok ? ports.validateChoice(contestId, proposal.value) : proposal;
  if (!checked.ok) return { draft: context.draft, choiceRefusal: checked.error };
  const draft: BallotDraft = { ...context.draft, [contestId]: checked.value };
  return { draft, choiceRefusal: null };
}

const voterActivityResets = Object.fromEntries(
  VOTER_EVENT_TYPES.map((type) => [type, { target: 'counting', reenter: true }] as const),
) as Record<VoterEvent['type'], { target: 'counting'; reenter: true }>;

const dismissAlert = Object.fromEntries(
  VOTER_EVENT_TYPES.map((type) => [type, { target: '#booth.session.active.screen.resume' }] as const),
) as Record<VoterEvent['type'], { target: '#booth.session.active.screen.resume' }>;

export function createBoothMachine(ports: BoothPorts) {
  return setup({
    types: {
      context: {} as BoothContext,
      events: {} as BoothEvent,
      input: {} as BoothInput,
      emitted: {} as BoothAuditEvent,
      meta: {} as BoothStateMeta,
    },
    actors: {
      selfCheck: notProvided('selfCheck'),
      verifyPresidentCredential: notProvided('verifyPresidentCredential'),
      runPuestaACero: notProvided('runPuestaACero'),
      verifyToken: notProvided('verifyToken'),
      commitVote: notProvided('commitVote'),
      printConstancia: notProvided('printConstancia'),
      markDeviceConsumed: notProvided('markDeviceConsumed'),
      abandonConsumptionMark: notProvided('abandonConsumptionMark'),
      releaseClaim: notProvided('releaseClaim'),
      printResultsReport: notProvided('printResultsReport'),
      writeResultsToConsolidation: notProvided('writeResultsToConsolidation'),
    },
    delays: Object.fromEntries(
      Object.entries(BOOTH_DELAY_FIELDS).map(([name, field]) => [
        name,
        ({ context }: { context: BoothContext }) => context.timeouts[field],
      ]),
    ) as Record<BoothDelayName, ({ context }: { context: BoothContext }) => number>,
    guards: {
      startsClosed: ({ context }, _params: undefined) => context.recovery?.phase === 'closed',
      contestPending: ({ context }) => !Object.hasOwn(context.draft, currentContestId(context)),
      leavesToReview: ({ context }) => context.returnToReview || context.contestIndex === context.contests.length - 1,
      returningToReview: ({ context }) => context.returnToReview,
      notFirstContest: ({ context }) => context.contestIndex > 0,
      ballotComplete: ({ context }) => isBallotComplete(context),
      knownContest: ({ context, event }) =>
        event.type === 'EDIT_CONTEST' && context.contests.some((contest) => contest.id === event.contestId),
      closeCredentialMissing: ({ event }) => event.type === 'CLOSE_REQUESTED' && event.credential === null,
      deviceAbsent: ({ context }) => context.deviceAbsent,
      constanciaPending: ({ context }) => context.pendingConstancia,
      consumptionMarkPending: ({ context }) => context.pendingConsumptionMark,
      closeTimeAllowed: ({ context, event }) =>
        event.type === 'CLOSE_REQUESTED' && (event.presidentOrder || ports.now() >= context.votingCloseAt),
    },
    actions: {
      audit: emit((_, params: { event: BoothAuditEvent['event']; message: string }) => ({
        type: 'audit' as const,
        event: params.event,
        message: params.message,
      })),
      applyChoice: assign(({ context, event }) => applyChoice(context, event, ports)),
      wipeSession: assign({ ...EMPTY_SESSION }),
      holdCredential: assign({
        pendingCredential: ({ event }) =>
          event.type === 'CREDENTIAL_PRESENTED' || event.type === 'PRESIDENT_RELEASE' || event.type === 'CLOSE_REQUESTED'
            ? event.credential
            : null,
        credentialRefusal: null,
      }),
      dropCredential: assign({ pendingCredential: null }),
      markDeviceAbsent: assign({ deviceAbsent: true }),
      markDevicePresent: assign({ deviceAbsent: false }),
      constanciaPrinted: enqueueActions(({ context, enqueue }) => {
        if (context.printerFault !== null) {
          enqueue.emit({ type: 'audit', event: 'printer.recovered', message: context.printerFault.kind });
        }
        enqueue.emit({
          type: 'audit',
          event: 'constancia.printed',
          message: context.reprintConstancia ? 'reprinted after restart' : 'printed',
        });
        enqueue.assign({ printerFault: null, reprintConstancia: false, pendingConstancia: false });
      }),
      voteCommitted: enqueueActions(({ enqueue }) => {
        enqueue.emit({ type: 'audit', event: 'ballot.committed', message: 'ballot stored' });
        enqueue.assign({ ...EMPTY_SESSION, pendingConstancia: true, pendingConsumptionMark: true, reprintConstancia: false });
      }),
    },
  }).createMachine({
    id: 'booth',
    context: ({ input }) => initialContext(input),
    initial: 'starting',
    states: {
      starting: {
        always: [{ guard: 'startsClosed', target: 'closed' }, { target: 'selfCheck' }],
      },

      selfCheck: {
        meta: { screen: 'self-check' },
        on: { DEVICE_INSERTED: { actions: 'markDevicePresent' }, DEVICE_REMOVED: { actions: 'markDeviceAbsent' } },
        invoke: {
          id: 'selfCheck',
          src: 'selfCheck',
          onDone: [
            {
              guard: ({ event }) => !event.output.ok,
              target: 'outOfService',
              actions: [
                assign({ outOfServiceReason: ({ event }) => selfCheckFailureText(failureOf(event.output)) }),
                {
                  type: 'audit',
                  params: ({ event }) => ({ event: 'station.self-test-failed', message: failureOf(event.output).kind }),
                },
              ],
            },
            {
              guard: 'consumptionMarkPending',
              target: 'markingConsumed',
              actions: { type: 'audit', params: { event: 'station.recovered', message: 'pending consumed mark' } },
            },
            {
              guard: 'constanciaPending',
              target: 'printing',
              actions: { type: 'audit', params: { event: 'station.recovered', message: 'pending constancia' } },
            },
            {
              guard: ({ context }) => context.recovery?.phase === 'open',
              target: 'ready',
              actions: { type: 'audit', params: { event: 'station.recovered', message: 'voting open' } },
            },
            {
              guard: ({ context }) => context.recovery?.phase === 'closing',
              target: 'closing',
              actions: { type: 'audit', params: { event: 'station.recovered', message: 'closing' } },
            },
            {
              target: 'awaitingPuestaACero',
              actions: { type: 'audit', params: { event: 'station.self-test-passed', message: 'self-check passed' } },
            },
          ],
          onError: {
            target: 'outOfService',
            actions: assign({ outOfServiceReason: internalErrorText('selfCheck') }),
          },
        },
      },

      outOfService: { type: 'final', meta: { screen: 'out-of-service' } },

      awaitingPuestaACero: {
        meta: { screen: 'awaiting-puesta-a-cero' },
        on: { CREDENTIAL_PRESENTED: { target: 'verifyingPresidentForZero', actions: 'holdCredential' } },
      },

      verifyingPresidentForZero: {
        meta: { screen: 'verifying-credential' },
        exit: 'dropCredential',
        invoke: {
          id: 'verifyPresidentCredential',
          src: 'verifyPresidentCredential',
          input: ({ context }) => ({ credential: requireCredential(context), action: 'puesta-a-cero' as const }),
          onDone: [
            { guard: ({ event }) => event.output.ok, target: 'puestaACero' },
            {
              target: 'awaitingPuestaACero',
              actions: assign({ credentialRefusal: ({ event }) => failureOf(event.output) }),
            },
          ],
          onError: { target: 'outOfService', actions: assign({ outOfServiceReason: internalErrorText('verifyPresidentCredential') }) },
        },
      },

      puestaACero: {
        meta: { screen: 'puesta-a-cero' },
        invoke: {
          id: 'runPuestaACero',
          src: 'runPuestaACero',
          onDone: [
            {
              guard: ({ event }) => event.output.ok,
              target: 'ready',
              actions: [
                assign({ printerFault: null }),
                {
                  type: 'audit',
                  params: ({ event }) => ({
                    event: 'puesta-a-cero.printed',
                    // The report's hash ties this log to the signed cabin results (zeroReportHash), checked at the results station.
                    message: `store empty, zero report printed (sha256 ${event.output.ok ? event.output.value.zeroReportHash : 'unknown'})`,
                  }),
                },
                { type: 'audit', params: { event: 'voting.opened', message: 'cabin open for voting' } },
              ],
            },
            {
              guard: ({ event }) => !event.output.ok && event.output.error.kind === 'printer-fault',
              target: 'puestaACeroPrinterFault',
              actions: [
                assign({
                  printerFault: ({ event }) => {
                    const failure = failureOf(event.output);
                    return failure.kind === 'printer-fault' ? failure.fault : null;
                  },
                }),
                { type: 'audit', params: { event: 'printer.fault', message: 'during puesta a cero' } },
              ],
            },
            {
              target: 'outOfService',
              actions: [
                assign({
                  outOfServiceReason: ({ event }) => {
                    const failure = failureOf(event.output);
                    if (failure.kind === 'printer-fault') throw new Error('booth machine bug: printer fault not routed');
                    return puestaACeroFailureText(failure);
                  },
                }),
                {
                  type: 'audit',
                  params: ({ event }) => ({ event: 'puesta-a-cero.refused', message: failureOf(event.output).kind }),
                },
              ],
            },
          ],
          onError: { target: 'outOfService', actions: assign({ outOfServiceReason: internalErrorText('runPuestaACero') }) },
        },
      },

      puestaACeroPrinterFault: {
        meta: { screen: 'printer-fault' },
        on: { PRINTER_READY: 'puestaACero' },
        after: { PRINTER_RETRY_POLL: 'puestaACero' },
      },

      ready: {
        meta: { screen: 'ready' },
        on: {
          DEVICE_INSERTED: { target: 'session', actions: assign({ closeRefusal: null }) },
          CLOSE_REQUESTED: [
            { guard: 'closeCredentialMissing', actions: assign({ closeRefusal: 'credential-missing' }) },
            {
              guard: 'closeTimeAllowed',
              target: 'verifyingPresidentForClose',
              actions: ['holdCredential', assign({ closeRefusal: null })],
            },
            { actions: assign({ closeRefusal: 'before-close-time' }) },
          ],
        },
      },

      session: {
        initial: 'activating',
        entry: 'wipeSession',
        on: {
          DEVICE_REMOVED: {
            target: 'ready',
            actions: [
              'wipeSession',
              { type: 'audit', params: { event: 'session.cancelled', message: 'activation device removed before the vote was confirmed' } },
            ],
          },
        },
        states: {
          activating: {
            meta: { screen: 'verifying-token' },
            invoke: {
              id: 'verifyToken',
              src: 'verifyToken',
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: 'active',
                  actions: [
                    assign({ token: ({ event }) => valueOf(event.output) }),
                    { type: 'audit', params: { event: 'session.started', message: 'activation token accepted' } },
                  ],
                },
                {
                  target: '#booth.tokenRejected',
                  actions: [
                    assign({ tokenRefusal: ({ event }) => failureOf(event.output) }),
                    {
                      type: 'audit',
                      params: ({ event }) => ({ event: 'token.rejected', message: failureOf(event.output).kind }),
                    },
                  ],
                },
              ],
              onError: {
                target: '#booth.outOfService',
                actions: ['wipeSession', assign({ outOfServiceReason: internalErrorText('verifyToken') })],
              },
            },
          },

          active: {
            type: 'parallel',
            states: {
              screen: {
                initial: 'voting',
                on: { SET_DISPLAY: { actions: assign({ display: ({ context, event }) => ({ ...context.display, ...event.settings }) }) } },
                states: {
                  voting: {
                    meta: { screen: 'contest' },
                    on: {
                      CHOOSE_ORGANIZATION: { actions: 'applyChoice' },
                      CHOOSE_BLANK: { actions: 'applyChoice' },
                      CHOOSE_NULL: { actions: 'applyChoice' },
                      TOGGLE_PREFERENTIAL: { actions: 'applyChoice' },
                      SET_PREFERENTIAL: { actions: 'applyChoice' },
                      NEXT: [
                        {
                          guard: 'contestPending',
                          actions: assign({
                            choiceRefusal: ({ context }) => ({ kind: 'pending-contests', contestIds: [currentContestId(context)] }),
                          }),
                        },
                        { guard: 'leavesToReview', target: 'review' },
                        { actions: assign({ contestIndex: ({ context }) => context.contestIndex + 1, choiceRefusal: null }) },
                      ],
                      BACK: [
                        { guard: 'returningToReview', target: 'review' },
                        {
                          guard: 'notFirstContest',
                          actions: assign({ contestIndex: ({ context }) => context.contestIndex - 1, choiceRefusal: null }),
                        },
                      ],
                    },
                  },
                  review: {
                    meta: { screen: 'review' },
                    entry: assign({ returnToReview: false, choiceRefusal: null }),
                    on: {
                      EDIT_CONTEST: {
                        guard: 'knownContest',
                        target: 'voting',
                        actions: assign({
                          contestIndex: ({ context, event }) => context.contests.findIndex((contest) => contest.id === event.contestId),
                          returnToReview: true,
                        }),
                      },
                      NEXT: { guard: 'ballotComplete', target: 'confirming' },
                      BACK: { target: 'voting', actions: assign({ contestIndex: ({ context }) => context.contests.length - 1 }) },
                    },
                  },
                  confirming: {
                    meta: { screen: 'confirm' },
                    on: {
                      CONFIRM: { guard: 'ballotComplete', target: '#booth.recording' },
                      BACK: { target: 'review' },
                    },
                  },
                  resume: { type: 'history' },
                },
              },
              idle: {
                initial: 'counting',
                states: {
                  counting: {
                    after: { INACTIVITY_ALERT_AFTER: '#booth.session.inactivityAlert' },
                    on: voterActivityResets,
                  },
                },
              },
            },
          },

          inactivityAlert: {
            meta: { screen: 'inactivity-alert' },
            on: dismissAlert,
            after: {
              INACTIVITY_ALERT_DURATION: {
                target: '#booth.releasingClaim',
                actions: [
                  assign({ claimToRelease: ({ context }) => context.token }),
                  'wipeSession',
                  { type: 'audit', params: { event: 'session.timed-out', message: 'no voter activity; nothing stored' } },
                ],
              },
            },
          },
        },
      },

      tokenRejected: {
        meta: { screen: 'token-rejected' },
        on: { DEVICE_REMOVED: { target: 'ready', actions: 'wipeSession' } },
      },

      // The device still holds this cabin's claim: give the identity station's token back so
      // the mesa can apply Art. 23. The voter already sees the session-ended screen; pulling the
      // device meanwhile is fine (the actor's answer says whether the release landed).
      releasingClaim: {
        meta: { screen: 'session-ended-inactivity' },
        entry: assign({ deviceAbsent: false }),
        exit: assign({ claimToRelease: null }),
        on: { DEVICE_REMOVED: { actions: 'markDeviceAbsent' }, DEVICE_INSERTED: { actions: 'markDevicePresent' } },
        invoke: {
          id: 'releaseClaim',
          src: 'releaseClaim',
          input: ({ context }) => {
            if (context.claimToRelease === null) throw new Error('booth machine bug: no claim to release');
            return { token: context.claimToRelease };
          },
          onDone: [
            {
              guard: 'deviceAbsent',
              target: 'ready',
              actions: [{ type: 'audit', params: ({ event }) => claimReleaseAudit(event.output) }, assign({ deviceAbsent: false })],
            },
            { target: 'sessionEnded', actions: { type: 'audit', params: ({ event }) => claimReleaseAudit(event.output) } },
          ],
          onError: { target: 'outOfService', actions: assign({ outOfServiceReason: internalErrorText('releaseClaim') }) },
        },
      },

      // The commit failed: the out-of-service reason is already on screen; the claim is given
      // back first (if the device is still there) so the mesa can send the voter elsewhere.
      releasingClaimAfterCommitFailure: {
        meta: { screen: 'out-of-service' },
        exit: assign({ claimToRelease: null }),
        invoke: {
          id: 'releaseClaim',
          src: 'releaseClaim',
          input: ({ context }) => {
            if (context.claimToRelease === null) throw new Error('booth machine bug: no claim to release');
            return { token: context.claimToRelease };
          },
          onDone: { target: 'outOfService', actions: { type: 'audit', params: ({ event }) => claimReleaseAudit(event.output) } },
          onError: { target: 'outOfService' },
        },
      },

      sessionEnded: {
        meta: { screen: 'session-ended-inactivity' },
        on: { DEVICE_REMOVED: 'ready' },
      },

      recording: {
        meta: { screen: 'recording' },
        entry: assign({ deviceAbsent: false }),
        on: { DEVICE_REMOVED: { actions: 'markDeviceAbsent' }, DEVICE_INSERTED: { actions: 'markDevicePresent' } },
        invoke: {
          id: 'commitVote',
          src: 'commitVote',
          input: ({ context }) => {
            if (context.token === null || !isBallotComplete(context)) {
              throw new Error('booth machine bug: commit without token or with an incomplete ballot');
            }
            return { ballot: { choices: context.draft }, token: context.token };
          },
          onDone: [
            {
              // Not stored: give the claim back so the mesa can still apply Art. 23 (the actor
              // refuses if the store records the nonce after all). A used token keeps its claim.
              guard: ({ event }) => !event.output.ok && event.output.error.kind !== 'token-already-used',
              target: 'releasingClaimAfterCommitFailure',
              actions: [
                assign({ claimToRelease: ({ context }) => context.token }),
                'wipeSession',
                assign({ outOfServiceReason: ({ event }) => commitFailureText(failureOf(event.output)) }),
                { type: 'audit', params: ({ event }) => ({ event: 'ballot.commit-failed', message: failureOf(event.output).kind }) },
              ],
            },
            {
              guard: ({ event }) => !event.output.ok,
              target: 'outOfService',
              actions: [
                'wipeSession',
                assign({ outOfServiceReason: ({ event }) => commitFailureText(failureOf(event.output)) }),
                { type: 'audit', params: ({ event }) => ({ event: 'ballot.commit-failed', message: failureOf(event.output).kind }) },
              ],
            },
            // Mark the device first: until it is marked, a pulled device is a live token that
            // another cabin of the mesa would accept. Printing (and any printer fault) comes after.
            { guard: 'deviceAbsent', target: 'printing', actions: 'voteCommitted' },
            { target: 'markingConsumed', actions: 'voteCommitted' },
          ],
          onError: {
            target: 'outOfService',
            actions: ['wipeSession', assign({ outOfServiceReason: internalErrorText('commitVote') })],
          },
        },
      },

      markingConsumed: {
        meta: { screen: 'marking-device' },
        // The actor's answer is authoritative (the write may have landed just before the pull).
        on: { DEVICE_REMOVED: { actions: 'markDeviceAbsent' }, DEVICE_INSERTED: { actions: 'markDevicePresent' } },
        invoke: {
          id: 'markDeviceConsumed',
          src: 'markDeviceConsumed',
          onDone: [
            {
              guard: ({ event }) => !event.output.ok,
              target: 'afterConsumedMark',
              actions: assign({ consumedMarkFailure: ({ event }) => failureOf(event.output) }),
            },
            {
              target: 'afterConsumedMark',
              actions: assign({ pendingConsumptionMark: false, consumedMarkFailure: null }),
            },
          ],
          onError: { target: 'outOfService', actions: assign({ outOfServiceReason: internalErrorText('markDeviceConsumed') }) },
        },
      },

      afterConsumedMark: {
        always: [
          { guard: 'constanciaPending', target: 'printing' },
          { guard: 'consumptionMarkPending', target: 'reinsertDevice' },
          { target: 'awaitingDeviceRemoval' },
        ],
      },

      printing: {
        meta: { screen: 'printing-constancia' },
        on: { DEVICE_REMOVED: { actions: 'markDeviceAbsent' }, DEVICE_INSERTED: { actions: 'markDevicePresent' } },
        invoke: {
          id: 'printConstancia',
          src: 'printConstancia',
          input: ({ context }) => ({ reprint: context.reprintConstancia }),
          onDone: [
            {
              guard: ({ event }) => !event.output.ok,
              target: 'printerFault',
              actions: [
                assign({ printerFault: ({ event }) => failureOf(event.output) }),
                { type: 'audit', params: ({ event }) => ({ event: 'printer.fault', message: failureOf(event.output).kind }) },
              ],
            },
            { target: 'afterConstancia', actions: 'constanciaPrinted' },
          ],
          onError: { target: 'outOfService', actions: assign({ outOfServiceReason: internalErrorText('printConstancia') }) },
        },
      },

      printerFault: {
        meta: { screen: 'printer-fault' },
        on: {
          PRINTER_READY: 'printing',
          DEVICE_REMOVED: { actions: 'markDeviceAbsent' },
          DEVICE_INSERTED: { actions: 'markDevicePresent' },
        },
        after: { PRINTER_RETRY_POLL: 'printing' },
      },

      afterConstancia: {
        always: [
          // The first mark attempt failed (device pulled, other device, write error): one more
          // try if a device is in the reader now, otherwise ask for it.
          { guard: and(['consumptionMarkPending', not('deviceAbsent')]), target: 'markingConsumed' },
          { guard: 'consumptionMarkPending', target: 'reinsertDevice' },
          { guard: 'deviceAbsent', target: 'ready' },
          { target: 'awaitingDeviceRemoval' },
        ],
      },

      reinsertDevice: {
        meta: { screen: 'reinsert-device' },
        on: {
          DEVICE_INSERTED: { target: 'markingConsumed', actions: 'markDevicePresent' },
          DEVICE_REMOVED: { actions: 'markDeviceAbsent' },
          PRESIDENT_RELEASE: { target: 'verifyingPresidentForRelease', actions: 'holdCredential' },
        },
      },

      verifyingPresidentForRelease: {
        meta: { screen: 'verifying-credential' },
        exit: 'dropCredential',
        on: { DEVICE_INSERTED: { target: 'markingConsumed', actions: 'markDevicePresent' } },
        invoke: {
          id: 'verifyPresidentCredential',
          src: 'verifyPresidentCredential',
          input: ({ context }) => ({ credential: requireCredential(context), action: 'release-cabin' as const }),
          onDone: [
            { guard: ({ event }) => event.output.ok, target: 'abandoningConsumptionMark' },
            { target: 'reinsertDevice', actions: assign({ credentialRefusal: ({ event }) => failureOf(event.output) }) },
          ],
          onError: {
            target: 'outOfService',
            actions: assign({ outOfServiceReason: internalErrorText('verifyPresidentCredential') }),
          },
        },
      },

      abandoningConsumptionMark: {
        meta: { screen: 'reinsert-device' },
        invoke: {
          id: 'abandonConsumptionMark',
          src: 'abandonConsumptionMark',
          onDone: [
            {
              guard: ({ event }) => event.output.ok,
              target: 'ready',
              actions: [
                assign({ pendingConsumptionMark: false, consumedMarkFailure: null, deviceAbsent: false }),
                {
                  type: 'audit',
                  params: {
                    event: 'device.removed',
                    message:
                      'vote committed but device not marked consumed; president released the cabin; record the voter as having voted',
                  },
                },
              ],
            },
            {
              target: 'outOfService',
              actions: [
                assign({ outOfServiceReason: STORAGE_FAULT_AFTER_COMMIT_TEXT }),
                { type: 'audit', params: { event: 'storage.fault', message: 'abandoning the pending consumed mark failed' } },
              ],
            },
          ],
          onError: {
            target: 'outOfService',
            actions: assign({ outOfServiceReason: internalErrorText('abandonConsumptionMark') }),
          },
        },
      },

      awaitingDeviceRemoval: {
        initial: 'waiting',
        on: { DEVICE_REMOVED: { target: 'ready', actions: assign({ deviceAbsent: false }) } },
        states: {
          waiting: {
            meta: { screen: 'remove-device' },
            after: { DEVICE_REMOVAL_REMINDER_AFTER: 'overdue' },
          },
          overdue: { meta: { screen: 'remove-device-overdue' } },
        },
      },

      verifyingPresidentForClose: {
        meta: { screen: 'verifying-credential' },
        exit: 'dropCredential',
        invoke: {
          id: 'verifyPresidentCredential',
          src: 'verifyPresidentCredential',
          input: ({ context }) => ({ credential: requireCredential(context), action: 'close-voting' as const }),
          onDone: [
            {
              guard: ({ event }) => event.output.ok,
              target: 'closing',
              actions: { type: 'audit', params: { event: 'voting.closed', message: 'president closed voting at the cabin' } },
            },
            {
              target: 'ready',
              actions: assign({
                closeRefusal: 'credential-rejected',
                credentialRefusal: ({ event }) => failureOf(event.output),
              }),
            },
          ],
          onError: {
            target: 'outOfService',
            actions: assign({ outOfServiceReason: internalErrorText('verifyPresidentCredential') }),
          },
        },
      },

      closing: {
        initial: 'printingReport',
        states: {
          printingReport: {
            meta: { screen: 'closing-report' },
            invoke: {
              id: 'printResultsReport',
              src: 'printResultsReport',
              input: ({ context }) => ({ reprint: context.reprintResultsReport }),
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: 'writingResults',
                  actions: [
                    assign({ printerFault: null }),
                    { type: 'audit', params: { event: 'acta.printed', message: 'cabin results report' } },
                  ],
                },
                {
                  target: 'reportPrinterFault',
                  actions: [
                    assign({ printerFault: ({ event }) => failureOf(event.output) }),
                    { type: 'audit', params: ({ event }) => ({ event: 'printer.fault', message: failureOf(event.output).kind }) },
                  ],
                },
              ],
              onError: {
                target: '#booth.outOfService',
                actions: assign({ outOfServiceReason: internalErrorText('printResultsReport') }),
              },
            },
          },
          reportPrinterFault: {
            meta: { screen: 'printer-fault' },
            on: { PRINTER_READY: 'printingReport' },
            after: { PRINTER_RETRY_POLL: 'printingReport' },
          },
          writingResults: {
            meta: { screen: 'writing-results' },
            invoke: {
              id: 'writeResultsToConsolidation',
              src: 'writeResultsToConsolidation',
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: '#booth.closed',
                  actions: [
                    assign({ consolidationFault: null }),
                    { type: 'audit', params: { event: 'results.written', message: 'cabin results on the consolidation device' } },
                  ],
                },
                {
                  target: 'consolidationFault',
                  actions: assign({ consolidationFault: ({ event }) => failureOf(event.output) }),
                },
              ],
              onError: {
                target: '#booth.outOfService',
                actions: assign({ outOfServiceReason: internalErrorText('writeResultsToConsolidation') }),
              },
            },
          },
          consolidationFault: {
            meta: { screen: 'consolidation-fault' },
            on: { RETRY_RESULTS_WRITE: 'writingResults' },
            after: { CONSOLIDATION_RETRY_POLL: 'writingResults' },
          },
        },
      },

      closed: { type: 'final', meta: { screen: 'closed' } },
    },
  });
}

export type BoothMachine = ReturnType<typeof createBoothMachine>;
export type BoothSnapshot = SnapshotFrom<BoothMachine>;

/** The screen the UI renders for a snapshot: the one atomic state that names a screen. */
export function screenOf(snapshot: BoothSnapshot): BoothScreen {
  return screenFromMeta<BoothScreen>(snapshot, 'booth');
}
