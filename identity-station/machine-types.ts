/**
 * Contracts of the identity station state machine (identity-station/machine.ts): input, pure
 * ports, actors the host provides, events, context, screens and emitted audit events. The
 * machine does no I/O: the padrón store, activation devices, printer and clock arrive here.
 *
 * Secrecy rules every implementation must keep:
 * - The station stores NO mapping from a voter to a token, nonce, cabin or time of issue: not
 *   in the context, not in an actor output, not in the identity store. Outstanding devices are
 *   a COUNT only. The per-voter "holds a device" state is a boolean in the identity store,
 *   cleared when the device comes back, with no time attached.
 * - A voter's DNI is in the context only while that voter is being served (`currentDni`) and is
 *   wiped when the flow ends. Members' DNIs are kept (members are public: they sign the actas).
 * - Emitted audit events never carry a DNI, a nonce or a device id (the audit log also refuses
 *   8-digit numbers).
 */
import type { AuditEventId } from '../shared/audit/events.ts';
import type { DniReading } from '../shared/devices/dni-reader/dni-reader.ts';
import type { MemberRole } from '../shared/election/definition.ts';
import type { Result } from '../shared/result.ts';
import type { Dni, DniError } from './dni.ts';
import type { ObservationRefusal } from './observation.ts';
import type { IdentityTimeouts } from './timeouts.ts';

// --- Input -----------------------------------------------------------------------------------

/** Schedule of the election day as epoch ms (host: definition.schedule on the election date). */
export interface IdentitySchedule {
  readonly votingOpenAt: number;
  readonly installDeadlineAt: number;
  readonly noInstallationDeadlineAt: number;
  readonly votingCloseAt: number;
}

/** Durable phase of the station, as the host last persisted it. */
export type IdentityPhase = 'installing' | 'voting' | 'closing' | 'closed' | 'not-installed';

export interface IdentityRecovery {
  readonly phase: IdentityPhase;
  /** Devices issued and not yet resolved (count from the identity store). */
  readonly outstandingDevices: number;
}

export interface IdentityInput {
  readonly schedule: IdentitySchedule;
  readonly timeouts?: Partial<IdentityTimeouts>;
  /** Absent on a first start. */
  readonly recovery?: IdentityRecovery;
}

// --- Pure ports ------------------------------------------------------------------------------

/** What the election definition says about a DNI presented as a member. */
export type MemberClassification =
  | { readonly kind: 'titular'; readonly role: Exclude<MemberRole, 'suplente'> }
  | { readonly kind: 'suplente' }
  | { readonly kind: 'not-a-member' };

export interface IdentityPorts {
  /** Host: look the DNI up in definition.members. */
  readonly classifyMember: (dni: Dni) => MemberClassification;
  /** Host: whether the DNI is an elector of this mesa (a voter in line taken as a member). */
  readonly isElector: (dni: Dni) => boolean;
  /** Epoch ms; read only to compute the schedule delays and the flags at start. */
  readonly now: () => number;
}

// --- Values ----------------------------------------------------------------------------------

export interface PresidentCredential {
  readonly presented: Uint8Array;
}

export type PresidentAction = 'install' | 'close-voting';
import type { CredentialRefusal } from '../shared/credentials/member-credential.ts';
export type { CredentialRefusal };

export type SeatedRole = Exclude<MemberRole, 'suplente'>;

/** A member present at the mesa. `role` 'suplente' until the acta assigns seats. */
export interface PresentMember {
  readonly dni: Dni;
  readonly role: MemberRole;
  /** Art. 21: an elector in line taken as a member after the install deadline. */
  readonly takenFromLine: boolean;
}

export interface SelfCheckFailure {
  readonly kind:
    | 'package-invalid'
    | 'software-unauthorized'
    | 'mesa-data-invalid'
    | 'storage-fault'
    | 'printer-unavailable'
    | 'activation-writer-unavailable'
    | 'clock-invalid';
}

export interface PrinterFault {
  readonly kind: 'paper-out' | 'cover-open' | 'offline' | 'device-removed' | 'timeout' | 'error';
}

export type PuestaACeroFailure =
  | { readonly kind: 'store-not-empty' }
  | { readonly kind: 'storage-fault' }
  | { readonly kind: 'printer-fault'; readonly fault: PrinterFault };

/** Answer of the padrón check for one DNI. */
export type VoterStatus = 'may-vote' | 'not-in-padron' | 'already-voted' | 'holds-device' | 'impugned';

export interface IssueFailure {
  /** 'device-not-blank': refused so that a live token is never overwritten. */
  readonly kind: 'no-device' | 'device-not-blank' | 'write-failed' | 'storage-fault';
}

/** Returned device as classified by shared/activation/device-state.ts readDeviceState. */
export type ReturnedDevice =
  | { readonly state: 'consumed' }
  | { readonly state: 'unconsumed-token' }
  | { readonly state: 'blank' }
  /**
   * An `activation-claimed` mark of this mesa (readDeviceClaim): cabin `cabin` accepted the token
   * and never marked it consumed. The vote may or may not be committed, so the station records
   * nothing and sends the device back to that cabin, which closes it (README "Claimed devices").
   */
  | { readonly state: 'claimed'; readonly cabin: number }
  /** Unsigned, forged, another election or another mesa. */
  | { readonly state: 'invalid' };

export interface ReadFault {
  readonly kind: 'no-device' | 'unreadable';
}

export interface RecordFailure {
  /** 'not-holding-device': the identity store has no outstanding device for that voter. */
  readonly kind: 'not-holding-device' | 'storage-fault';
}

export interface EraseFailure {
  readonly kind: 'not-holding-device' | 'erase-failed' | 'storage-fault';
}

export interface ConsolidationFault {
  readonly kind: 'device-missing' | 'device-full' | 'read-only' | 'wrong-device' | 'write-failed';
}

// --- Actors (promise actors; expected failures RESOLVE to { ok: false }) ---------------------

export interface IdentityActorContracts {
  /** Verified package, authorized software code, mesa data present, store, printer, writer. */
  selfCheck: { input: undefined; output: Result<void, SelfCheckFailure> };
  verifyPresidentCredential: {
    input: { readonly credential: PresidentCredential; readonly action: PresidentAction };
    output: Result<void, CredentialRefusal>;
  };
  /** Acta de no instalación with the members who came. */
  printActaNoInstalacion: { input: { readonly members: readonly PresentMember[] }; output: Result<void, PrinterFault> };
  /** Proves the identity store empty (nobody voted, no device issued) and prints the report. */
  runPuestaACero: { input: undefined; output: Result<void, PuestaACeroFailure> };
  /** Acta de instalación: members and roles, observations, signature space. */
  printActaInstalacion: { input: { readonly members: readonly PresentMember[] }; output: Result<void, PrinterFault> };
  checkVoter: { input: { readonly dni: Dni }; output: Result<VoterStatus, { readonly kind: 'storage-fault' }> };
  /**
   * Writes a one-time token on the blank device in the writer and, in the same store
   * transaction, marks the voter as holding a device (a boolean, no time, no nonce kept).
   */
  issueToken: { input: { readonly dni: Dni }; output: Result<void, IssueFailure> };
  /** Reads and classifies the device in the writer (readDeviceState). */
  readReturnedDevice: { input: undefined; output: Result<ReturnedDevice, ReadFault> };
  /** Marks the voter as voted, clears holds-device, prints the constancia de sufragio. */
  recordVoted: { input: { readonly dni: Dni }; output: Result<void, RecordFailure> };
  /** Art. 23: identified but did not vote; clears holds-device and erases the device. */
  recordArt23: { input: { readonly dni: Dni }; output: Result<void, EraseFailure> };
  /** A device declared lost: clears holds-device; recorded as identified-but-not-voted. */
  recordLostDevice: { input: { readonly dni: Dni }; output: Result<void, RecordFailure> };
  /** Art. 24: the voter votes on paper in an envelope; marks the voter impugned. */
  recordImpugnado: { input: { readonly dni: Dni }; output: Result<void, RecordFailure> };
  /** Art. 25 acta de sufragio; `reprint` after a restart during closing. */
  printActaSufragio: {
    input: { readonly reprint: boolean; readonly assistedVoters: number; readonly closedByPresidentOrder: boolean };
    output: Result<void, PrinterFault>;
  };
  /**
   * Appends an observation (already checked by parseObservation) to the acta being prepared:
   * the acta de instalación while installing, the acta de sufragio while voting. 'refused': the
   * store would not take it (it is closed for observations).
   */
  recordObservation: {
    input: { readonly text: string };
    output: Result<void, { readonly kind: 'refused' } | { readonly kind: 'storage-fault' }>;
  };
  /** Signed identity summary to the consolidation device. Idempotent. */
  writeIdentitySummary: { input: undefined; output: Result<void, ConsolidationFault> };
  /** List of electors who did not vote, to the consolidation device. */
  exportNonVoters: { input: undefined; output: Result<void, ConsolidationFault> };
}

export type IdentityActorName = keyof IdentityActorContracts;

// --- Events ----------------------------------------------------------------------------------

export type IdentityEvent =
  | { readonly type: 'CONFIRM_MESA_DATA' }
  | { readonly type: 'MEMBER_ARRIVED'; readonly dni: string }
  | { readonly type: 'TAKE_VOTER_AS_MEMBER'; readonly dni: string; readonly role: SeatedRole }
  | { readonly type: 'INSTALL'; readonly credential: PresidentCredential | null }
  | { readonly type: 'DNI_ENTERED'; readonly text: string }
  /**
   * From the host, never from the page: a reading of the DNI reader. It is the same action as the
   * DNI typed on the screen that has a DNI field: MEMBER_ARRIVED during installation, DNI_ENTERED
   * while awaiting a voter; ignored elsewhere (no DNI is asked for there).
   */
  | { readonly type: 'DNI_READ'; readonly reading: DniReading }
  | { readonly type: 'ISSUE_DEVICE' }
  /** The member dismisses a result screen (or cancels before issuing). */
  | { readonly type: 'DONE' }
  | { readonly type: 'RETRY' }
  /** A voter hands a device back; `dni` is the returning voter's (typed by the member). */
  | { readonly type: 'DEVICE_RETURNED'; readonly dni: string }
  | { readonly type: 'LET_TRY_AGAIN' }
  | { readonly type: 'RECORD_NOT_VOTED' }
  | { readonly type: 'LOST_DEVICE_DECLARED'; readonly dni: string }
  /** Art. 24: from the may-vote screen (the voter being served) or with a DNI from the idle screen. */
  | { readonly type: 'IMPUGN'; readonly dni?: string }
  | { readonly type: 'ASSISTED_VOTER' }
  /** The president's observation for the acta being prepared (installation screen, idle voting screen). */
  | { readonly type: 'ADD_OBSERVATION'; readonly text: string }
  | { readonly type: 'CLOSE_VOTING'; readonly credential: PresidentCredential | null }
  | { readonly type: 'EXPORT_NON_VOTERS' };

// --- Context ---------------------------------------------------------------------------------

export type ObservationOutcome =
  | { readonly kind: 'recorded' }
  /** 'not-recorded': the store refused it (the acta no longer takes observations). */
  | { readonly kind: 'refused'; readonly refusal: ObservationRefusal | 'not-recorded' };

export type MemberRefusal = 'invalid-dni' | 'not-a-member' | 'not-an-elector' | 'already-registered' | 'role-taken' | 'before-install-deadline';
export type InstallRefusal = 'credential-missing' | 'not-enough-members' | 'credential-rejected';
export type CheckRefusal = 'invalid-dni' | 'president-first' | 'members-first' | 'voting-closed';
export type CloseRefusal = 'before-opening' | 'credential-missing' | 'credential-rejected' | 'outstanding-devices';

export interface IdentityContext {
  readonly schedule: IdentitySchedule;
  readonly timeouts: IdentityTimeouts;
  readonly recovery: IdentityRecovery | null;
  // Schedule flags, set once by the schedule delays (or at start from the clock).
  readonly votingOpenReached: boolean;
  readonly installDeadlineReached: boolean;
  readonly noInstallationDeadlineReached: boolean;
  readonly votingCloseReached: boolean;
  readonly outOfServiceReason: string | null;
  readonly members: readonly PresentMember[];
  readonly memberRefusal: MemberRefusal | null;
  readonly installRefusal: InstallRefusal | null;
  readonly pendingCredential: PresidentCredential | null;
  readonly credentialRefusal: CredentialRefusal | null;
  /** The member who presides (votes first): see machine.ts DECISIONS. Set at installation. */
  readonly presidingDni: Dni | null;
  /** Order rule: the members (president included) not yet identified for voting. */
  readonly orderPending: readonly Dni[];
  readonly currentDni: Dni | null;
  readonly dniError: DniError | null;
  readonly checkRefusal: CheckRefusal | null;
  readonly issueFailure: IssueFailure | null;
  readonly readFault: ReadFault | null;
  /** The cabin number named by a returned claimed-but-not-consumed device (screen only). */
  readonly claimingCabin: number | null;
  readonly recordFailure: RecordFailure | EraseFailure | null;
  readonly outstandingDevices: number;
  readonly assistedVoters: number;
  readonly closeRefusal: CloseRefusal | null;
  /** The checked observation being stored (recordObservation), then null. */
  readonly pendingObservation: string | null;
  /** Feedback on the president's last observation, for the screen; cleared when a voter flow starts. */
  readonly observationOutcome: ObservationOutcome | null;
  readonly closedByPresidentOrder: boolean;
  readonly reprintActaSufragio: boolean;
  readonly printerFault: PrinterFault | null;
  readonly consolidationFault: ConsolidationFault | null;
}

// --- Output ----------------------------------------------------------------------------------

export type IdentityScreen =
  | 'self-check'
  | 'out-of-service'
  | 'confirm-mesa-data'
  | 'installation'
  | 'verifying-credential'
  | 'acta-no-instalacion'
  | 'not-installed'
  | 'puesta-a-cero'
  | 'acta-instalacion'
  | 'printer-fault'
  | 'awaiting-opening'
  | 'awaiting-dni'
  | 'checking-voter'
  | 'voter-may-vote'
  | 'voter-not-in-padron'
  | 'voter-already-voted'
  | 'voter-holds-device'
  | 'voter-impugned'
  | 'issuing-device'
  | 'issue-failed'
  | 'device-out'
  | 'reading-device'
  | 'device-refused'
  | 'device-claimed'
  | 'recording'
  | 'recording-observation'
  | 'voted-recorded'
  | 'art23-choice'
  | 'record-failed'
  | 'impugnado-paper-vote'
  | 'outstanding-devices'
  | 'acta-sufragio'
  | 'writing-summary'
  | 'consolidation-fault'
  | 'closed'
  | 'exporting-non-voters';

export interface IdentityStateMeta {
  readonly screen: IdentityScreen;
}

export interface IdentityAuditEvent {
  readonly type: 'audit';
  readonly event: AuditEventId;
  readonly message: string;
}
