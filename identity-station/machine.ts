/**
 * The identity station (mesa de sufragio) as an xstate v5 state machine. Pure: no I/O. The padrón
 * store, activation devices, printer and credentials are promise actors the host provides
 * (`machine.provide({ actors })`, contracts in machine-types.ts); member lookup and the clock are
 * pure ports; every timeout is a named delay from timeouts.ts. The UI renders
 * `screenOf(snapshot)`; the host appends emitted `audit` events to the audit log.
 *
 * DECISIONS
 * - Schedule: the four schedule instants are root-level named delays that only set flags
 *   (cumulatively, since the definition guarantees votingOpen ≤ installDeadline <
 *   noInstallationDeadline < votingClose). No guard reads the clock, so behaviour depends only
 *   on the events seen; at start the flags are computed once from `now`.
 * - Order rule (Art. 22): before the presiding member has been identified, only that member may
 *   be checked; then only the other members present, until each has been identified (device
 *   issued, or the padrón check answered anything but may-vote, or impugned); then anyone. Strict
 *   because the members are, by definition, at the mesa. After a restart in voting the rule is
 *   not restored (it only concerns the first minutes; the store knows who voted).
 * - Presiding member: the titular presidente if present, else the first registered suplente,
 *   else the first member registered (a voter taken from line as presidente counts as titular).
 * - Install: at least 3 members present and the presiding member's credential. Past the
 *   no-installation deadline without installing, the acta de no instalación is printed and the
 *   machine ends in `notInstalled`. A credential presented before the deadline is still verified.
 * - Identification ends at votingClose: new DNIs are refused; returned devices are still taken,
 *   so closing can resolve every outstanding device. Closing before votingClose needs the
 *   president's credential (recorded in the acta); never before votingOpen (CLOSE_VOTING is
 *   refused outside `voting`); never while a device is outstanding.
 * - Returned device: consumed → recordVoted (constancia de sufragio); unconsumed → Art. 23 choice
 *   (LET_TRY_AGAIN gives the device back, nothing recorded; RECORD_NOT_VOTED records identified-
 *   but-not-voted, which the results station adds as a blank vote with an observation); blank,
 *   invalid or another mesa → refused, nothing recorded; claimed by a cabin and not consumed →
 *   `deviceClaimed`: nothing recorded, the device goes back to that cabin (README). A device presented twice: the second
 *   recordVoted answers not-holding-device and nothing is recorded twice.
 * - `closed` is not an xstate final state because EXPORT_NON_VOTERS is still allowed there; no
 *   transition leads out of it to voting.
 * - IMPUGN from the idle screen (with a DNI) does not apply the order rule: an impugned voter
 *   votes on paper, which the rule does not concern; it still clears that DNI from the rule.
 * - Recovery: 'installing' restarts at the mesa-data confirmation with no members (attendance
 *   is re-registered: nothing durable happened yet); 'voting' keeps the outstanding-device count
 *   from the store; 'closing' reprints the acta de sufragio; 'closed'/'not-installed' start there.
 * - DNI reader: DNI_READ (from the host only) is the DNI typed and submitted on the screen that
 *   has a DNI field: MEMBER_ARRIVED on the installation screen, DNI_ENTERED on the idle voting
 *   screen (same transitions, order rule included). Elsewhere it is not handled, so it is dropped.
 *   A bad reading is refused like a bad typed DNI, with the reader's text (dni.ts parseDniReading).
 * - Observations (ADD_OBSERVATION): taken on the installation screen (acta de instalación, or de
 *   no instalación) and on the idle voting screen (acta de sufragio); checked here
 *   (observation.ts) before the store sees them; the store files them by its phase. The text is
 *   in the context only until stored, and never in an audit event.
 * - An actor that rejects (instead of resolving to a typed failure) is a bug: out of service.
 *   Storage faults also put the station out of service (the padrón must not diverge).
 */
import { assign, emit, enqueueActions, setup } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import type { Result } from '../shared/result.ts';
import type { Dni, DniError } from './dni.ts';
import { parseDni, parseDniReading } from './dni.ts';
import { parseObservation } from './observation.ts';
import type {
  CheckRefusal,
  IdentityActorContracts,
  IdentityActorName,
  IdentityAuditEvent,
  IdentityContext,
  IdentityEvent,
  IdentityInput,
  IdentityPorts,
  IdentityScreen,
  IdentityStateMeta,
  MemberRefusal,
  PresentMember,
  PresidentCredential,
} from './machine-types.ts';
import { internalErrorText, puestaACeroFailureText, selfCheckFailureText, STORAGE_FAULT_TEXT } from './messages.ts';
import type { IdentityDurationDelay, IdentityScheduleDelay } from './timeouts.ts';
import { IDENTITY_DELAY_FIELDS, IDENTITY_SCHEDULE_DELAYS, resolveIdentityTimeouts } from './timeouts.ts';
import { failureOf as sharedFailureOf, notProvidedActor, screenFromMeta } from '../shared/machines/station-machine.ts';

function notProvided<K extends IdentityActorName>(name: K) {
  return notProvidedActor<IdentityActorContracts[K]['output'], IdentityActorContracts[K]['input']>('identity', name);
}

function failureOf<E>(result: Result<unknown, E>): E {
  return sharedFailureOf(result, 'identity');
}

function requireCredential(context: IdentityContext): PresidentCredential {
  if (context.pendingCredential === null) throw new Error('identity machine bug: no credential to verify');
  return context.pendingCredential;
}

function requireDni(context: IdentityContext): Dni {
  if (context.currentDni === null) throw new Error('identity machine bug: no voter being served');
  return context.currentDni;
}

function requireObservation(context: IdentityContext): string {
  if (context.pendingObservation === null) throw new Error('identity machine bug: no observation to record');
  return context.pendingObservation;
}

function claimingCabinOf(output: IdentityActorContracts['readReturnedDevice']['output']): number | null {
  return output.ok && output.value.state === 'claimed' ? output.value.cabin : null;
}

/** The flags each schedule instant implies (the schedule is ordered, so they are cumulative). */
const FLAGS_AT = {
  VOTING_OPEN: { votingOpenReached: true },
  INSTALL_DEADLINE: { votingOpenReached: true, installDeadlineReached: true },
  NO_INSTALLATION_DEADLINE: { votingOpenReached: true, installDeadlineReached: true, noInstallationDeadlineReached: true },
  VOTING_CLOSE: {
    votingOpenReached: true,
    installDeadlineReached: true,
    noInstallationDeadlineReached: true,
    votingCloseReached: true,
  },
} as const satisfies Record<IdentityScheduleDelay, Partial<IdentityContext>>;

/** Everything about the voter being served; wiped when the flow ends, whatever the way. */
const NO_VOTER = {
  currentDni: null,
  dniError: null,
  checkRefusal: null,
  issueFailure: null,
  readFault: null,
  claimingCabin: null,
  recordFailure: null,
  closeRefusal: null,
  observationOutcome: null,
} as const satisfies Partial<IdentityContext>;

function initialContext(input: IdentityInput, now: number): IdentityContext {
  const { schedule } = input;
  return {
    schedule,
    timeouts: resolveIdentityTimeouts(input.timeouts),
    recovery: input.recovery ?? null,
    votingOpenReached: now >= schedule.votingOpenAt,
    installDeadlineReached: now >= schedule.installDeadlineAt,
    noInstallationDeadlineReached: now >= schedule.noInstallationDeadlineAt,
    votingCloseReached: now >= schedule.votingCloseAt,
    outOfServiceReason: null,
    members: [],
    memberRefusal: null,
    installRefusal: null,
    pendingCredential: null,
    credentialRefusal: null,
    presidingDni: null,
    orderPending: [],
    ...NO_VOTER,
    pendingObservation: null,
    outstandingDevices: input.recovery?.outstandingDevices ?? 0,
    assistedVoters: 0,
    closedByPresidentOrder: false,
    reprintActaSufragio: input.recovery?.phase === 'closing',
    printerFault: null,
    consolidationFault: null,
  };
}

function presiding(members: readonly PresentMember[]): Dni | null {
  const chosen =
    members.find((member) => member.role === 'presidente') ??
    members.find((member) => member.role === 'suplente') ??
    members[0];
  return chosen?.dni ?? null;
}

type MemberOutcome =
  | { readonly member: PresentMember; readonly refusal: null }
  | { readonly member: null; readonly refusal: MemberRefusal; readonly dniError?: DniError };

function memberOutcome(context: IdentityContext, event: IdentityEvent, ports: IdentityPorts): MemberOutcome {
  if (event.type !== 'MEMBER_ARRIVED' && event.type !== 'TAKE_VOTER_AS_MEMBER' && event.type !== 'DNI_READ') {
    throw new Error(`identity machine bug: ${event.type} is not a member event`);
  }
  const parsed = eventDni(event);
  // A bad reading keeps the reader's own text (scan again or type); a bad typed DNI keeps the member's.
  if (!parsed.ok) return { member: null, refusal: 'invalid-dni', ...(event.type === 'DNI_READ' ? { dniError: parsed.error } : {}) };
  const dni = parsed.value;
  if (context.members.some((member) => member.dni === dni)) return { member: null, refusal: 'already-registered' };
  if (event.type === 'TAKE_VOTER_AS_MEMBER') {
    if (!context.installDeadlineReached) return { member: null, refusal: 'before-install-deadline' };
    if (!ports.isElector(dni)) return { member: null, refusal: 'not-an-elector' };
    if (context.members.some((member) => member.role === event.role)) return { member: null, refusal: 'role-taken' };
    return { member: { dni, role: event.role, takenFromLine: true }, refusal: null };
  }
  const found = ports.classifyMember(dni);
  switch (found.kind) {
    case 'not-a-member':
      return { member: null, refusal: 'not-a-member' };
    case 'suplente':
      return { member: { dni, role: 'suplente', takenFromLine: false }, refusal: null };
    case 'titular':
      if (context.members.some((member) => member.role === found.role)) return { member: null, refusal: 'role-taken' };
      return { member: { dni, role: found.role, takenFromLine: false }, refusal: null };
  }
}

function orderRefusal(context: IdentityContext, dni: Dni): CheckRefusal | null {
  if (context.presidingDni !== null && context.orderPending.includes(context.presidingDni)) {
    return dni === context.presidingDni ? null : 'president-first';
  }
  if (context.orderPending.length > 0 && !context.orderPending.includes(dni)) return 'members-first';
  return null;
}

/** The DNI a flow-starting event carries, parsed; IMPUGN on the may-vote screen uses the current one. */
function eventDni(event: IdentityEvent): Result<Dni, DniError> {
  if (event.type === 'DNI_READ') return parseDniReading(event.reading);
  const text =
    event.type === 'DNI_ENTERED' ? event.text : 'dni' in event && typeof event.dni === 'string' ? event.dni : '';
  return parseDni(text);
}

/** A DNI typed (or read) on the idle voting screen: refusals stay on it, a valid one starts the check. */
const checkDniTransitions = [
  { guard: 'votingCloseReached', actions: 'refuseVotingClosed' },
  { guard: 'dniInvalid', actions: 'refuseDni' },
  { guard: 'orderRefuses', actions: 'refuseOrder' },
  { target: 'checking', actions: 'serveVoter' },
] as const;

export function createIdentityMachine(ports: IdentityPorts) {
  const scheduleDelay = (name: IdentityScheduleDelay) => ({ context }: { context: IdentityContext }) =>
    Math.max(0, context.schedule[IDENTITY_SCHEDULE_DELAYS[name]] - ports.now());
  const durationDelay = (name: IdentityDurationDelay) => ({ context }: { context: IdentityContext }) =>
    context.timeouts[IDENTITY_DELAY_FIELDS[name]];

  return setup({
    types: {
      context: {} as IdentityContext,
      events: {} as IdentityEvent,
      input: {} as IdentityInput,
      emitted: {} as IdentityAuditEvent,
      meta: {} as IdentityStateMeta,
    },
    actors: {
      selfCheck: notProvided('selfCheck'),
      verifyPresidentCredential: notProvided('verifyPresidentCredential'),
      printActaNoInstalacion: notProvided('printActaNoInstalacion'),
      runPuestaACero: notProvided('runPuestaACero'),
      printActaInstalacion: notProvided('printActaInstalacion'),
      checkVoter: notProvided('checkVoter'),
      issueToken: notProvided('issueToken'),
      readReturnedDevice: notProvided('readReturnedDevice'),
      recordVoted: notProvided('recordVoted'),
      recordArt23: notProvided('recordArt23'),
      recordLostDevice: notProvided('recordLostDevice'),
      recordImpugnado: notProvided('recordImpugnado'),
      printActaSufragio: notProvided('printActaSufragio'),
      recordObservation: notProvided('recordObservation'),
      writeIdentitySummary: notProvided('writeIdentitySummary'),
      exportNonVoters: notProvided('exportNonVoters'),
    },
    delays: {
      VOTING_OPEN: scheduleDelay('VOTING_OPEN'),
      INSTALL_DEADLINE: scheduleDelay('INSTALL_DEADLINE'),
      NO_INSTALLATION_DEADLINE: scheduleDelay('NO_INSTALLATION_DEADLINE'),
      VOTING_CLOSE: scheduleDelay('VOTING_CLOSE'),
      PRINTER_RETRY_POLL: durationDelay('PRINTER_RETRY_POLL'),
      CONSOLIDATION_RETRY_POLL: durationDelay('CONSOLIDATION_RETRY_POLL'),
    },
    guards: {
      recoveredAs: ({ context }, phase: string) => context.recovery?.phase === phase,
      noInstallationDeadlineReached: ({ context }) => context.noInstallationDeadlineReached,
      votingOpenReached: ({ context }) => context.votingOpenReached,
      votingCloseReached: ({ context }) => context.votingCloseReached,
      credentialMissing: ({ event }) => (event.type === 'INSTALL' || event.type === 'CLOSE_VOTING') && event.credential === null,
      tooFewMembers: ({ context }) => context.members.length < 3,
      dniInvalid: ({ event }) => !eventDni(event).ok,
      orderRefuses: ({ context, event }) => {
        const parsed = eventDni(event);
        return parsed.ok && orderRefusal(context, parsed.value) !== null;
      },
      devicesOutstanding: ({ context }) => context.outstandingDevices > 0,
      observationInvalid: ({ event }) => event.type === 'ADD_OBSERVATION' && !parseObservation(event.text).ok,
    },
    actions: {
      audit: emit((_, params: { event: IdentityAuditEvent['event']; message: string }) => ({
        type: 'audit' as const,
        event: params.event,
        message: params.message,
      })),
      registerMember: enqueueActions(({ context, event, enqueue }) => {
        const outcome = memberOutcome(context, event, ports);
        if (outcome.member === null) {
          enqueue.assign({ memberRefusal: outcome.refusal, dniError: outcome.dniError ?? null, observationOutcome: null });
          return;
        }
        const { member } = outcome;
        enqueue.assign({ members: [...context.members, member], memberRefusal: null, installRefusal: null, dniError: null, observationOutcome: null });
        enqueue.emit({
          type: 'audit',
          event: 'installation.member-registered',
          message: member.takenFromLine ? `elector taken from line as ${member.role}` : member.role,
        });
      }),
      holdCredential: assign({
        pendingCredential: ({ event }) => (event.type === 'INSTALL' || event.type === 'CLOSE_VOTING' ? event.credential : null),
        credentialRefusal: null,
      }),
      dropCredential: assign({ pendingCredential: null }),
      serveVoter: assign(({ event }) => {
        const parsed = eventDni(event);
        if (!parsed.ok) throw new Error('identity machine bug: serving an unparsed DNI');
        return { ...NO_VOTER, currentDni: parsed.value };
      }),
      refuseDni: assign(({ event }) => {
        const parsed = eventDni(event);
        return { ...NO_VOTER, dniError: parsed.ok ? null : parsed.error, checkRefusal: 'invalid-dni' as const };
      }),
      wipeVoter: assign({ ...NO_VOTER }),
      refuseObservation: assign(({ event }) => {
        const parsed = event.type === 'ADD_OBSERVATION' ? parseObservation(event.text) : undefined;
        return { observationOutcome: { kind: 'refused' as const, refusal: parsed === undefined || parsed.ok ? ('not-recorded' as const) : parsed.error } };
      }),
      // The text is not logged: it may name people.
      observationRecorded: assign({ pendingObservation: null, observationOutcome: { kind: 'recorded' } }),
      observationNotRecorded: assign({ pendingObservation: null, observationOutcome: { kind: 'refused', refusal: 'not-recorded' } }),
      holdObservation: assign(({ event }) => {
        const parsed = event.type === 'ADD_OBSERVATION' ? parseObservation(event.text) : undefined;
        if (parsed?.ok !== true) throw new Error('identity machine bug: holding an unchecked observation');
        return { pendingObservation: parsed.value, observationOutcome: null };
      }),
      refuseVotingClosed: assign({ ...NO_VOTER, checkRefusal: 'voting-closed' }),
      refuseOrder: assign(({ context, event }) => {
        const parsed = eventDni(event);
        return { ...NO_VOTER, checkRefusal: parsed.ok ? orderRefusal(context, parsed.value) : 'invalid-dni' };
      }),
      /** The voter being served no longer holds back the order rule. */
      orderServed: assign({
        orderPending: ({ context }) => context.orderPending.filter((dni) => dni !== context.currentDni),
      }),
      deviceReturned: assign({ outstandingDevices: ({ context }) => Math.max(0, context.outstandingDevices - 1) }),
    },
  }).createMachine({
    id: 'identity',
    context: ({ input }) => initialContext(input, ports.now()),
    initial: 'starting',
    after: {
      VOTING_OPEN: { actions: assign(FLAGS_AT.VOTING_OPEN) },
      INSTALL_DEADLINE: { actions: assign(FLAGS_AT.INSTALL_DEADLINE) },
      NO_INSTALLATION_DEADLINE: { actions: assign(FLAGS_AT.NO_INSTALLATION_DEADLINE) },
      VOTING_CLOSE: { actions: assign(FLAGS_AT.VOTING_CLOSE) },
    },
    states: {
      starting: {
        always: [
          { guard: { type: 'recoveredAs', params: 'closed' }, target: 'closed' },
          { guard: { type: 'recoveredAs', params: 'not-installed' }, target: 'notInstalled' },
          { target: 'selfCheck' },
        ],
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
            {
              guard: { type: 'recoveredAs', params: 'voting' },
              target: 'awaitingOpening',
              actions: { type: 'audit', params: { event: 'station.recovered', message: 'voting' } },
            },
            {
              guard: { type: 'recoveredAs', params: 'closing' },
              target: 'closing',
              actions: { type: 'audit', params: { event: 'station.recovered', message: 'closing' } },
            },
            { target: 'confirmMesaData', actions: { type: 'audit', params: { event: 'station.self-test-passed', message: 'identity station' } } },
          ],
          onError: { target: 'outOfService', actions: assign({ outOfServiceReason: internalErrorText('selfCheck') }) },
        },
      },

      outOfService: { meta: { screen: 'out-of-service' } },

      confirmMesaData: {
        meta: { screen: 'confirm-mesa-data' },
        always: { guard: 'noInstallationDeadlineReached', target: 'noInstallation' },
        on: {
          CONFIRM_MESA_DATA: {
            target: 'installation',
            actions: { type: 'audit', params: { event: 'installation.started', message: 'mesa data confirmed by the president' } },
          },
        },
      },

      installation: {
        meta: { screen: 'installation' },
        always: { guard: 'noInstallationDeadlineReached', target: 'noInstallation' },
        on: {
          MEMBER_ARRIVED: { actions: 'registerMember' },
          TAKE_VOTER_AS_MEMBER: { actions: 'registerMember' },
          // A member's DNI read from the document: as if typed and « Registrar miembro » tapped.
          DNI_READ: { actions: 'registerMember' },
          ADD_OBSERVATION: [
            { guard: 'observationInvalid', actions: 'refuseObservation' },
            { target: 'recordingInstallObservation', actions: 'holdObservation' },
          ],
          INSTALL: [
            { guard: 'credentialMissing', actions: assign({ installRefusal: 'credential-missing' }) },
            { guard: 'tooFewMembers', actions: assign({ installRefusal: 'not-enough-members' }) },
            { target: 'verifyingInstall', actions: ['holdCredential', assign({ installRefusal: null })] },
          ],
        },
      },

      // For the acta de instalación (or de no instalación, if the mesa is never installed).
      recordingInstallObservation: {
        meta: { screen: 'recording-observation' },
        invoke: {
          id: 'recordObservation',
          src: 'recordObservation',
          input: ({ context }) => ({ text: requireObservation(context) }),
          onDone: [
            {
              guard: ({ event }) => event.output.ok,
              target: 'installation',
              actions: ['observationRecorded', { type: 'audit', params: { event: 'acta.observation-recorded', message: 'for the acta de instalación' } }],
            },
            {
              guard: ({ event }) => !event.output.ok && event.output.error.kind === 'refused',
              target: 'installation',
              actions: 'observationNotRecorded',
            },
            {
              target: 'outOfService',
              actions: [
                assign({ pendingObservation: null, outOfServiceReason: STORAGE_FAULT_TEXT }),
                { type: 'audit', params: { event: 'storage.fault', message: 'observation not stored' } },
              ],
            },
          ],
          onError: {
            target: 'outOfService',
            actions: [assign({ pendingObservation: null, outOfServiceReason: internalErrorText('recordObservation') })],
          },
        },
      },

      verifyingInstall: {
        meta: { screen: 'verifying-credential' },
        exit: 'dropCredential',
        invoke: {
          id: 'verifyPresidentCredential',
          src: 'verifyPresidentCredential',
          input: ({ context }) => ({ credential: requireCredential(context), action: 'install' as const }),
          onDone: [
            { guard: ({ event }) => event.output.ok, target: 'puestaACero' },
            {
              target: 'installation',
              actions: assign({
                installRefusal: 'credential-rejected',
                credentialRefusal: ({ event }) => failureOf(event.output),
              }),
            },
          ],
          onError: { target: 'outOfService', actions: assign({ outOfServiceReason: internalErrorText('verifyPresidentCredential') }) },
        },
      },

      noInstallation: {
        initial: 'printing',
        states: {
          printing: {
            meta: { screen: 'acta-no-instalacion' },
            invoke: {
              id: 'printActaNoInstalacion',
              src: 'printActaNoInstalacion',
              input: ({ context }) => ({ members: context.members }),
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: '#identity.notInstalled',
                  actions: [
                    { type: 'audit', params: { event: 'installation.failed', message: 'no-installation deadline passed' } },
                    { type: 'audit', params: { event: 'acta.printed', message: 'acta de no instalación' } },
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
              onError: { target: '#identity.outOfService', actions: assign({ outOfServiceReason: internalErrorText('printActaNoInstalacion') }) },
            },
          },
          printerFault: {
            meta: { screen: 'printer-fault' },
            on: { RETRY: 'printing' },
            after: { PRINTER_RETRY_POLL: 'printing' },
          },
        },
      },

      notInstalled: { type: 'final', meta: { screen: 'not-installed' } },

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
                  target: '#identity.actaInstalacion',
                  actions: [assign({ printerFault: null }), { type: 'audit', params: { event: 'puesta-a-cero.printed', message: 'identity store empty' } }],
                },
                {
                  guard: ({ event }) => !event.output.ok && event.output.error.kind === 'printer-fault',
                  target: 'printerFault',
                  actions: { type: 'audit', params: { event: 'printer.fault', message: 'puesta a cero report' } },
                },
                {
                  target: '#identity.outOfService',
                  actions: [
                    assign({
                      outOfServiceReason: ({ event }) => {
                        const failure = failureOf(event.output);
                        return failure.kind === 'printer-fault' ? STORAGE_FAULT_TEXT : puestaACeroFailureText(failure);
                      },
                    }),
                    { type: 'audit', params: ({ event }) => ({ event: 'puesta-a-cero.refused', message: failureOf(event.output).kind }) },
                  ],
                },
              ],
              onError: { target: '#identity.outOfService', actions: assign({ outOfServiceReason: internalErrorText('runPuestaACero') }) },
            },
          },
          printerFault: {
            meta: { screen: 'printer-fault' },
            on: { RETRY: 'running' },
            after: { PRINTER_RETRY_POLL: 'running' },
          },
        },
      },

      actaInstalacion: {
        initial: 'printing',
        states: {
          printing: {
            meta: { screen: 'acta-instalacion' },
            invoke: {
              id: 'printActaInstalacion',
              src: 'printActaInstalacion',
              input: ({ context }) => ({ members: context.members }),
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: '#identity.awaitingOpening',
                  actions: [
                    assign(({ context }) => {
                      const presidingDni = presiding(context.members);
                      const others = context.members.map((member) => member.dni).filter((dni) => dni !== presidingDni);
                      return {
                        presidingDni,
                        orderPending: presidingDni === null ? others : [presidingDni, ...others],
                        printerFault: null,
                        observationOutcome: null,
                      };
                    }),
                    { type: 'audit', params: { event: 'acta.printed', message: 'acta de instalación' } },
                    { type: 'audit', params: { event: 'installation.completed', message: 'mesa installed' } },
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
              onError: { target: '#identity.outOfService', actions: assign({ outOfServiceReason: internalErrorText('printActaInstalacion') }) },
            },
          },
          printerFault: {
            meta: { screen: 'printer-fault' },
            on: { RETRY: 'printing' },
            after: { PRINTER_RETRY_POLL: 'printing' },
          },
        },
      },

      awaitingOpening: {
        meta: { screen: 'awaiting-opening' },
        always: {
          guard: 'votingOpenReached',
          target: 'voting',
          actions: { type: 'audit', params: { event: 'voting.opened', message: 'identification of voters open' } },
        },
        on: { CLOSE_VOTING: { actions: assign({ closeRefusal: 'before-opening' }) } },
      },

      voting: {
        initial: 'idle',
        states: {
          idle: {
            meta: { screen: 'awaiting-dni' },
            on: {
              DNI_ENTERED: checkDniTransitions,
              // A voter's DNI read from the document: exactly as if typed and Enter pressed.
              DNI_READ: checkDniTransitions,
              DEVICE_RETURNED: [{ guard: 'dniInvalid', actions: 'refuseDni' }, { target: 'reading', actions: 'serveVoter' }],
              LOST_DEVICE_DECLARED: [{ guard: 'dniInvalid', actions: 'refuseDni' }, { target: 'recordingLost', actions: 'serveVoter' }],
              IMPUGN: [{ guard: 'dniInvalid', actions: 'refuseDni' }, { target: 'impugning', actions: 'serveVoter' }],
              ADD_OBSERVATION: [
                { guard: 'observationInvalid', actions: 'refuseObservation' },
                { target: 'recordingObservation', actions: 'holdObservation' },
              ],
              ASSISTED_VOTER: {
                actions: [
                  assign({ assistedVoters: ({ context }) => context.assistedVoters + 1 }),
                  { type: 'audit', params: { event: 'voter.assistance-authorized', message: 'Art. 22 assisted voter' } },
                ],
              },
              CLOSE_VOTING: [
                { guard: 'devicesOutstanding', target: 'outstandingDevices', actions: assign({ closeRefusal: 'outstanding-devices' }) },
                {
                  guard: 'votingCloseReached',
                  target: '#identity.closing',
                  actions: { type: 'audit', params: { event: 'voting.closed', message: 'closed at the scheduled time' } },
                },
                { guard: 'credentialMissing', actions: assign({ closeRefusal: 'credential-missing' }) },
                { target: '#identity.verifyingClose', actions: 'holdCredential' },
              ],
            },
          },

          checking: {
            meta: { screen: 'checking-voter' },
            invoke: {
              id: 'checkVoter',
              src: 'checkVoter',
              input: ({ context }) => ({ dni: requireDni(context) }),
              onDone: [
                {
                  guard: ({ event }) => !event.output.ok,
                  target: '#identity.outOfService',
                  actions: [
                    'wipeVoter',
                    assign({ outOfServiceReason: STORAGE_FAULT_TEXT }),
                    { type: 'audit', params: { event: 'storage.fault', message: 'padrón check failed' } },
                  ],
                },
                {
                  guard: ({ event }) => event.output.ok && event.output.value === 'may-vote',
                  target: 'mayVote',
                  actions: { type: 'audit', params: { event: 'voter.checked', message: 'may vote' } },
                },
                {
                  guard: ({ event }) => event.output.ok && event.output.value === 'not-in-padron',
                  target: 'notInPadron',
                  actions: ['orderServed', { type: 'audit', params: { event: 'voter.not-found', message: 'not in padrón' } }],
                },
                {
                  guard: ({ event }) => event.output.ok && event.output.value === 'already-voted',
                  target: 'alreadyVoted',
                  actions: ['orderServed', { type: 'audit', params: { event: 'voter.already-voted', message: 'already voted' } }],
                },
                {
                  guard: ({ event }) => event.output.ok && event.output.value === 'holds-device',
                  target: 'holdsDevice',
                  actions: ['orderServed', { type: 'audit', params: { event: 'voter.already-voted', message: 'holds a device' } }],
                },
                {
                  target: 'impugned',
                  actions: ['orderServed', { type: 'audit', params: { event: 'voter.checked', message: 'impugned earlier' } }],
                },
              ],
              onError: { target: '#identity.outOfService', actions: ['wipeVoter', assign({ outOfServiceReason: internalErrorText('checkVoter') })] },
            },
          },

          mayVote: {
            meta: { screen: 'voter-may-vote' },
            on: { ISSUE_DEVICE: 'issuing', DONE: { target: 'idle', actions: 'wipeVoter' }, IMPUGN: 'impugning' },
          },
          notInPadron: { meta: { screen: 'voter-not-in-padron' }, on: { DONE: { target: 'idle', actions: 'wipeVoter' } } },
          alreadyVoted: { meta: { screen: 'voter-already-voted' }, on: { DONE: { target: 'idle', actions: 'wipeVoter' } } },
          holdsDevice: { meta: { screen: 'voter-holds-device' }, on: { DONE: { target: 'idle', actions: 'wipeVoter' } } },
          impugned: { meta: { screen: 'voter-impugned' }, on: { DONE: { target: 'idle', actions: 'wipeVoter' } } },

          issuing: {
            meta: { screen: 'issuing-device' },
            invoke: {
              id: 'issueToken',
              src: 'issueToken',
              input: ({ context }) => ({ dni: requireDni(context) }),
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: 'deviceOut',
                  actions: [
                    'orderServed',
                    assign({ outstandingDevices: ({ context }) => context.outstandingDevices + 1, issueFailure: null }),
                    { type: 'audit', params: { event: 'token.issued', message: 'activation device issued' } },
                  ],
                },
                {
                  guard: ({ event }) => !event.output.ok && event.output.error.kind === 'storage-fault',
                  target: '#identity.outOfService',
                  actions: ['wipeVoter', assign({ outOfServiceReason: STORAGE_FAULT_TEXT })],
                },
                {
                  target: 'issueFailed',
                  actions: [
                    assign({ issueFailure: ({ event }) => failureOf(event.output) }),
                    { type: 'audit', params: ({ event }) => ({ event: 'device.refused', message: `issue: ${failureOf(event.output).kind}` }) },
                  ],
                },
              ],
              onError: { target: '#identity.outOfService', actions: ['wipeVoter', assign({ outOfServiceReason: internalErrorText('issueToken') })] },
            },
          },
          issueFailed: {
            meta: { screen: 'issue-failed' },
            on: { RETRY: 'issuing', DONE: { target: 'idle', actions: 'wipeVoter' } },
          },
          deviceOut: { meta: { screen: 'device-out' }, on: { DONE: { target: 'idle', actions: 'wipeVoter' } } },

          reading: {
            meta: { screen: 'reading-device' },
            invoke: {
              id: 'readReturnedDevice',
              src: 'readReturnedDevice',
              onDone: [
                {
                  guard: ({ event }) => !event.output.ok,
                  target: 'deviceRefused',
                  actions: assign({ readFault: ({ event }) => failureOf(event.output) }),
                },
                { guard: ({ event }) => event.output.ok && event.output.value.state === 'consumed', target: 'recordingVoted' },
                { guard: ({ event }) => event.output.ok && event.output.value.state === 'unconsumed-token', target: 'art23Choice' },
                {
                  guard: ({ event }) => event.output.ok && event.output.value.state === 'claimed',
                  target: 'deviceClaimed',
                  actions: [
                    assign({ claimingCabin: ({ event }) => claimingCabinOf(event.output) }),
                    {
                      type: 'audit',
                      // No DNI and no nonce: only the cabin, which the members see anyway.
                      params: ({ event }) => ({
                        event: 'device.refused',
                        message: `returned device claimed by cabin ${String(claimingCabinOf(event.output))} and not marked consumed: sent back to that cabin, nothing recorded`,
                      }),
                    },
                  ],
                },
                {
                  target: 'deviceRefused',
                  actions: { type: 'audit', params: { event: 'device.refused', message: 'returned device blank, invalid or of another mesa' } },
                },
              ],
              onError: { target: '#identity.outOfService', actions: ['wipeVoter', assign({ outOfServiceReason: internalErrorText('readReturnedDevice') })] },
            },
          },
          deviceRefused: { meta: { screen: 'device-refused' }, on: { DONE: { target: 'idle', actions: 'wipeVoter' } } },
          // Claimed by a cabin, never marked consumed: the vote may be committed or not. Nothing is
          // recorded here (neither voted nor Art. 23); the voter keeps holding the device until the
          // claiming cabin closes it, or the president declares it lost.
          deviceClaimed: { meta: { screen: 'device-claimed' }, on: { DONE: { target: 'idle', actions: 'wipeVoter' } } },

          recordingVoted: {
            meta: { screen: 'recording' },
            invoke: {
              id: 'recordVoted',
              src: 'recordVoted',
              input: ({ context }) => ({ dni: requireDni(context) }),
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: 'votedRecorded',
                  // The host logs constancia.printed or constancia.failed: only it knows whether the paper came out.
                  actions: 'deviceReturned',
                },
                {
                  guard: ({ event }) => !event.output.ok && event.output.error.kind === 'storage-fault',
                  target: '#identity.outOfService',
                  actions: ['wipeVoter', assign({ outOfServiceReason: STORAGE_FAULT_TEXT })],
                },
                { target: 'recordFailed', actions: assign({ recordFailure: ({ event }) => failureOf(event.output) }) },
              ],
              onError: { target: '#identity.outOfService', actions: ['wipeVoter', assign({ outOfServiceReason: internalErrorText('recordVoted') })] },
            },
          },
          votedRecorded: { meta: { screen: 'voted-recorded' }, on: { DONE: { target: 'idle', actions: 'wipeVoter' } } },

          art23Choice: {
            meta: { screen: 'art23-choice' },
            on: {
              LET_TRY_AGAIN: {
                target: 'idle',
                actions: ['wipeVoter', { type: 'audit', params: { event: 'device.removed', message: 'unused device given back to the voter' } }],
              },
              RECORD_NOT_VOTED: 'recordingArt23',
            },
          },
          recordingArt23: {
            meta: { screen: 'recording' },
            invoke: {
              id: 'recordArt23',
              src: 'recordArt23',
              input: ({ context }) => ({ dni: requireDni(context) }),
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: 'idle',
                  actions: [
                    'wipeVoter',
                    'deviceReturned',
                    { type: 'audit', params: { event: 'token.voided', message: 'Art. 23 identified but did not vote' } },
                  ],
                },
                {
                  guard: ({ event }) => !event.output.ok && event.output.error.kind === 'storage-fault',
                  target: '#identity.outOfService',
                  actions: ['wipeVoter', assign({ outOfServiceReason: STORAGE_FAULT_TEXT })],
                },
                { target: 'recordFailed', actions: assign({ recordFailure: ({ event }) => failureOf(event.output) }) },
              ],
              onError: { target: '#identity.outOfService', actions: ['wipeVoter', assign({ outOfServiceReason: internalErrorText('recordArt23') })] },
            },
          },
          recordingLost: {
            meta: { screen: 'recording' },
            invoke: {
              id: 'recordLostDevice',
              src: 'recordLostDevice',
              input: ({ context }) => ({ dni: requireDni(context) }),
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: 'idle',
                  actions: ['wipeVoter', 'deviceReturned', { type: 'audit', params: { event: 'token.voided', message: 'device declared lost' } }],
                },
                {
                  guard: ({ event }) => !event.output.ok && event.output.error.kind === 'storage-fault',
                  target: '#identity.outOfService',
                  actions: ['wipeVoter', assign({ outOfServiceReason: STORAGE_FAULT_TEXT })],
                },
                { target: 'recordFailed', actions: assign({ recordFailure: ({ event }) => failureOf(event.output) }) },
              ],
              onError: { target: '#identity.outOfService', actions: ['wipeVoter', assign({ outOfServiceReason: internalErrorText('recordLostDevice') })] },
            },
          },
          impugning: {
            meta: { screen: 'impugnado-paper-vote' },
            invoke: {
              id: 'recordImpugnado',
              src: 'recordImpugnado',
              input: ({ context }) => ({ dni: requireDni(context) }),
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: 'idle',
                  actions: ['orderServed', 'wipeVoter', { type: 'audit', params: { event: 'voter.checked', message: 'Art. 24 impugnado, votes on paper' } }],
                },
                {
                  guard: ({ event }) => !event.output.ok && event.output.error.kind === 'storage-fault',
                  target: '#identity.outOfService',
                  actions: ['wipeVoter', assign({ outOfServiceReason: STORAGE_FAULT_TEXT })],
                },
                { target: 'recordFailed', actions: assign({ recordFailure: ({ event }) => failureOf(event.output) }) },
              ],
              onError: { target: '#identity.outOfService', actions: ['wipeVoter', assign({ outOfServiceReason: internalErrorText('recordImpugnado') })] },
            },
          },
          recordFailed: { meta: { screen: 'record-failed' }, on: { DONE: { target: 'idle', actions: 'wipeVoter' } } },

          // For the acta de sufragio.
          recordingObservation: {
            meta: { screen: 'recording-observation' },
            invoke: {
              id: 'recordObservation',
              src: 'recordObservation',
              input: ({ context }) => ({ text: requireObservation(context) }),
              onDone: [
            {
              guard: ({ event }) => event.output.ok,
              target: 'idle',
              actions: ['observationRecorded', { type: 'audit', params: { event: 'acta.observation-recorded', message: 'for the acta de sufragio' } }],
            },
            {
              guard: ({ event }) => !event.output.ok && event.output.error.kind === 'refused',
              target: 'idle',
              actions: 'observationNotRecorded',
            },
            {
              target: '#identity.outOfService',
              actions: [
                assign({ pendingObservation: null, outOfServiceReason: STORAGE_FAULT_TEXT }),
                { type: 'audit', params: { event: 'storage.fault', message: 'observation not stored' } },
              ],
            },
          ],
              onError: {
                target: '#identity.outOfService',
                actions: [assign({ pendingObservation: null, outOfServiceReason: internalErrorText('recordObservation') })],
              },
            },
          },

          outstandingDevices: { meta: { screen: 'outstanding-devices' }, on: { DONE: { target: 'idle', actions: 'wipeVoter' } } },
        },
      },

      verifyingClose: {
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
              actions: [
                assign({ closedByPresidentOrder: true }),
                { type: 'audit', params: { event: 'voting.closed', message: 'closed by order of the president' } },
              ],
            },
            {
              target: 'voting',
              actions: assign({ closeRefusal: 'credential-rejected', credentialRefusal: ({ event }) => failureOf(event.output) }),
            },
          ],
          onError: { target: 'outOfService', actions: assign({ outOfServiceReason: internalErrorText('verifyPresidentCredential') }) },
        },
      },

      closing: {
        initial: 'printingActa',
        states: {
          printingActa: {
            meta: { screen: 'acta-sufragio' },
            invoke: {
              id: 'printActaSufragio',
              src: 'printActaSufragio',
              input: ({ context }) => ({
                reprint: context.reprintActaSufragio,
                assistedVoters: context.assistedVoters,
                closedByPresidentOrder: context.closedByPresidentOrder,
              }),
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: 'writingSummary',
                  actions: [assign({ printerFault: null }), { type: 'audit', params: { event: 'acta.printed', message: 'acta de sufragio' } }],
                },
                {
                  target: 'printerFault',
                  actions: [
                    assign({ printerFault: ({ event }) => failureOf(event.output) }),
                    { type: 'audit', params: ({ event }) => ({ event: 'printer.fault', message: failureOf(event.output).kind }) },
                  ],
                },
              ],
              onError: { target: '#identity.outOfService', actions: assign({ outOfServiceReason: internalErrorText('printActaSufragio') }) },
            },
          },
          printerFault: {
            meta: { screen: 'printer-fault' },
            on: { RETRY: 'printingActa' },
            after: { PRINTER_RETRY_POLL: 'printingActa' },
          },
          writingSummary: {
            meta: { screen: 'writing-summary' },
            invoke: {
              id: 'writeIdentitySummary',
              src: 'writeIdentitySummary',
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: '#identity.closed',
                  actions: [
                    assign({ consolidationFault: null }),
                    { type: 'audit', params: { event: 'results.written', message: 'identity summary on the consolidation device' } },
                  ],
                },
                { target: 'consolidationFault', actions: assign({ consolidationFault: ({ event }) => failureOf(event.output) }) },
              ],
              onError: { target: '#identity.outOfService', actions: assign({ outOfServiceReason: internalErrorText('writeIdentitySummary') }) },
            },
          },
          consolidationFault: {
            meta: { screen: 'consolidation-fault' },
            on: { RETRY: 'writingSummary' },
            after: { CONSOLIDATION_RETRY_POLL: 'writingSummary' },
          },
        },
      },

      closed: {
        initial: 'idle',
        states: {
          idle: {
            meta: { screen: 'closed' },
            on: { EXPORT_NON_VOTERS: 'exporting' },
          },
          exporting: {
            meta: { screen: 'exporting-non-voters' },
            invoke: {
              id: 'exportNonVoters',
              src: 'exportNonVoters',
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: 'idle',
                  actions: [assign({ consolidationFault: null }), { type: 'audit', params: { event: 'results.written', message: 'list of non-voters exported' } }],
                },
                { target: 'idle', actions: assign({ consolidationFault: ({ event }) => failureOf(event.output) }) },
              ],
              onError: { target: '#identity.outOfService', actions: assign({ outOfServiceReason: internalErrorText('exportNonVoters') }) },
            },
          },
        },
      },
    },
  });
}

export type IdentityMachine = ReturnType<typeof createIdentityMachine>;
export type IdentitySnapshot = SnapshotFrom<IdentityMachine>;

/** The screen the UI renders for a snapshot: the one active state node that names a screen. */
export function screenOf(snapshot: IdentitySnapshot): IdentityScreen {
  return screenFromMeta<IdentityScreen>(snapshot, 'identity');
}
