/**
 * Contracts of the cabin state machine (booth/machine.ts): its input, the pure ports it calls,
 * the events the host sends, the actors the host provides, the screens the UI renders and the
 * audit events it emits. The machine does no I/O: everything that touches a device, the vote
 * store, the clock or the network arrives through these types.
 *
 * Secrecy rules every implementation must keep:
 * - No actor output, context field or emitted event carries a voter identity.
 * - Emitted audit events never carry ballot content, a token nonce or a device id.
 * - The draft and the accepted token live in the machine's memory only from activation until
 *   the commit finished (or the session was cancelled), then they are wiped from the context.
 */
import type { AuditEventId } from '../shared/audit/events.ts';
import type { Ballot, ContestChoice } from '../shared/ballot/ballot.ts';
import type { DraftProblem } from '../shared/ballot/rules.ts';
import type { Result } from '../shared/result.ts';
import type { BoothTimeouts } from './timeouts.ts';

// --- Input -----------------------------------------------------------------------------------

/** Durable phase of the cabin, as the host last persisted it. */
export type BoothPhase = 'awaiting-zero' | 'open' | 'closing' | 'closed';

/**
 * What the host found in its durable store at start. `pendingConstancia`: a vote was committed
 * but its constancia was not confirmed printed. `pendingConsumptionMark`: a vote was committed
 * but the device was not confirmed marked consumed.
 */
export interface BoothRecovery {
  readonly phase: BoothPhase;
  readonly pendingConstancia: boolean;
  readonly pendingConsumptionMark: boolean;
}

/** One contest in ballot order: all navigation needs (validity is the port's job). */
export interface BoothContest {
  readonly id: string;
}

export interface BoothInput {
  /** Contests in ballot order (the election definition's order). At least one. */
  readonly contests: readonly BoothContest[];
  /**
   * End of the voting window as epoch milliseconds: schedule.votingClose on the election date in
   * the election's timezone, computed by the host. Closing earlier needs the president's order.
   */
  readonly votingCloseAt: number;
  /** Overrides of DEFAULT_BOOTH_TIMEOUTS; out-of-range values throw (broken configuration). */
  readonly timeouts?: Partial<BoothTimeouts>;
  /** 'closed': the host restarts a closed cabin; no self-check, no vote ever again. */
  readonly initialPhase?: 'boot' | 'closed';
  /** Absent on a first start (same as phase 'awaiting-zero' with nothing pending). */
  readonly recovery?: BoothRecovery;
}

// --- Pure ports ------------------------------------------------------------------------------

/**
 * Pure functions the machine calls synchronously (no I/O). The host binds them:
 * `validateChoice` to shared/ballot/rules.ts `validateContestChoice` with the election definition
 * (the single truth on what a valid choice is), `now` to the system clock (tests: the
 * SimulatedClock's `now`).
 */
export interface BoothPorts {
  /**
   * Ok with the normalized choice (preferential ascending, no repeats) or why it is invalid
   * (`unknown-contest` for an id not in the definition).
   */
  readonly validateChoice: (contestId: string, choice: ContestChoice) => Result<ContestChoice, DraftProblem>;
  /** Epoch milliseconds. Read only to decide whether the voting window has ended. */
  readonly now: () => number;
}

// --- Values carried by events and actors -----------------------------------------------------

/** The president's credential as read by the host (device blob or typed PIN); opaque here. */
export interface PresidentCredential {
  readonly presented: Uint8Array;
}

/** What the president is authorizing: checked by the host so a credential can be scoped. */
export type PresidentAction = 'puesta-a-cero' | 'close-voting' | 'release-cabin';

import type { CredentialRefusal } from '../shared/credentials/member-credential.ts';
export type { CredentialRefusal };

/**
 * The verified activation token, opaque to the machine: whatever the host needs so `commitVote`
 * can record it as used in the same transaction as the ballot (e.g. its nonce). Never emitted.
 */
export interface AcceptedToken {
  readonly handle: string;
}

/** Mirrors shared/activation/rejection.ts kinds, plus a device that could not be read. */
export type TokenRejectionKind =
  | 'unreadable'
  | 'malformed'
  | 'forged'
  | 'other-election'
  | 'other-mesa'
  | 'expired'
  | 'replayed'
  | 'consumed'
  /** Another cabin of the mesa claimed the device (host-actors.ts): only the president can sort it out. */
  | 'claimed-elsewhere'
  | 'simulacro-mismatch';

export interface TokenRefusal {
  readonly kind: TokenRejectionKind;
  /** Spanish text for the voter (host: tokenRejectionScreenText); no nonce or time in it. */
  readonly screenText: string;
}

/** Mirrors the kinds of shared/devices/printer PrinterError. */
export interface PrinterFault {
  readonly kind: 'paper-out' | 'cover-open' | 'offline' | 'device-removed' | 'timeout' | 'error';
}

export interface SelfCheckFailure {
  readonly kind:
    | 'package-invalid'
    | 'software-unauthorized'
    | 'keys-invalid'
    | 'storage-fault'
    /** The vote store is bound to another election package (booth/vote-store.ts bindToPackage). */
    | 'store-other-package'
    | 'printer-unavailable'
    | 'activation-reader-unavailable'
    | 'clock-invalid';
}

export type PuestaACeroFailure =
  /** Some counter is not 0: the cabin must never open on a non-empty store. */
  | { readonly kind: 'store-not-empty' }
  | { readonly kind: 'storage-fault' }
  | { readonly kind: 'printer-fault'; readonly fault: PrinterFault };

export interface CommitFailure {
  readonly kind: 'storage-fault' | 'invalid-ballot' | 'token-already-used';
}

export interface ConsumedMarkFailure {
  /** 'other-device': a device is in the reader but it is not the one of this vote. */
  readonly kind: 'device-missing' | 'other-device' | 'write-failed';
}

/**
 * Why a claim could not be given back (the device keeps this cabin's claim; only this cabin
 * accepts it again). 'vote-recorded': the token's nonce is in the vote store, so the claim must
 * stay (putting the bare token back would let the identity station record Art. 23 for a voter
 * whose vote counts). 'not-claimed-here': the device in the reader holds no claim of this
 * session's token by this cabin.
 */
export interface ClaimReleaseFailure {
  readonly kind: 'device-missing' | 'not-claimed-here' | 'vote-recorded' | 'write-failed';
}

export interface ConsolidationFault {
  readonly kind: 'device-missing' | 'device-full' | 'read-only' | 'wrong-device' | 'write-failed';
}

// --- Actors the host provides (machine.provide({ actors })) -----------------------------------
// All are promise actors. Expected failures RESOLVE to `{ ok: false, error }`; a rejected promise
// means a bug and puts the cabin out of service.

export interface BoothActorContracts {
  /** Verified election package, authorized software code, keys, store, printer, reader. */
  selfCheck: { input: undefined; output: Result<void, SelfCheckFailure> };
  verifyPresidentCredential: {
    input: { readonly credential: PresidentCredential; readonly action: PresidentAction };
    output: Result<void, CredentialRefusal>;
  };
  /**
   * Proves the store empty (every counter 0) and prints the puesta a cero report: every contest
   * and option with 0, election id, mesa, cabin id, software code, package hash, time to the
   * second. Prints nothing if any counter is not 0.
   *
   * Answers the SHA-256 of the printed report's text (what the store and the signed cabin results
   * record), which the cabin's audit log also records so the results station can tie the two.
   */
  runPuestaACero: { input: undefined; output: Result<{ readonly zeroReportHash: string }, PuestaACeroFailure> };
  /** Reads the inserted activation device and verifies its token (not consumed, not replayed). */
  verifyToken: { input: undefined; output: Result<AcceptedToken, TokenRefusal> };
  /**
   * One durable transaction: stores the ballot under a random key, records the token as used,
   * records the pending constancia and the pending consumed mark. Either all or nothing.
   */
  commitVote: { input: { readonly ballot: Ballot; readonly token: AcceptedToken }; output: Result<void, CommitFailure> };
  /**
   * Prints the store's pending constancia (store.pendingConstancia()) and calls
   * markConstanciaPrinted() only once the printer confirmed the whole ticket. `reprint` is the
   * machine's view (true after a restart); the store's durable `reprint` flag decides the label
   * if the two differ. Nothing pending: ok without printing.
   */
  printConstancia: { input: { readonly reprint: boolean }; output: Result<void, PrinterFault> };
  /**
   * Writes the consumed mark for the store's pending consumption (store.pendingConsumption())
   * on the device in the reader, after checking the device holds that token, then clears it
   * (store.markDeviceConsumed()). Idempotent: nothing pending, or a device already marked for
   * that token, is ok. Runs BEFORE printConstancia (see machine.ts, DECISIONS).
   */
  markDeviceConsumed: { input: undefined; output: Result<void, ConsumedMarkFailure> };
  /**
   * After the president released the cabin without the consumed mark:
   * store.abandonPendingConsumption(), so the next vote can be committed.
   */
  abandonConsumptionMark: { input: undefined; output: Result<void, { readonly kind: 'storage-fault' }> };
  /**
   * A session ended without a vote while the device was (last seen) in the reader (inactivity):
   * puts the identity station's original token back on the device in place of this cabin's
   * claim (readDeviceClaim(...).tokenBytes), verified by reading back, so the identity station
   * can apply Art. 23 to it. Refuses (claim stays) if the nonce is recorded as used, or the
   * device holds no claim of `token` by this cabin. Nothing else is touched.
   */
  releaseClaim: { input: { readonly token: AcceptedToken }; output: Result<void, ClaimReleaseFailure> };
  /**
   * Art. 26.2: closes the vote store (idempotent; it never takes a vote again) and prints the
   * cabin's results report. `reprint`: after a restart during closing.
   */
  printResultsReport: { input: { readonly reprint: boolean }; output: Result<void, PrinterFault> };
  /** Writes the signed cabin results to the consolidation (USB) device. Idempotent. */
  writeResultsToConsolidation: { input: undefined; output: Result<void, ConsolidationFault> };
}

export type BoothActorName = keyof BoothActorContracts;

// --- Events the host sends -------------------------------------------------------------------

export type TextSizeSetting = 'small' | 'standard' | 'large' | 'extra-large';
export type ContrastSetting = 'standard' | 'high-black-on-white' | 'high-yellow-on-black';

/** Per-voter display settings: reset for each voter. */
export interface DisplaySettings {
  readonly textSize: TextSizeSetting;
  readonly contrast: ContrastSetting;
}

export const DEFAULT_DISPLAY: DisplaySettings = Object.freeze({ textSize: 'standard', contrast: 'standard' });

/** Events that come from the voter's keypad or screen: each one proves the voter is present. */
export type VoterEvent =
  | { readonly type: 'CHOOSE_ORGANIZATION'; readonly organization: number }
  | { readonly type: 'CHOOSE_BLANK' }
  | { readonly type: 'CHOOSE_NULL' }
  | { readonly type: 'TOGGLE_PREFERENTIAL'; readonly candidate: number }
  /** Replaces the preferential numbers of the current contest (order typed is not kept). */
  | { readonly type: 'SET_PREFERENTIAL'; readonly candidates: readonly number[] }
  | { readonly type: 'NEXT' }
  | { readonly type: 'BACK' }
  | { readonly type: 'EDIT_CONTEST'; readonly contestId: string }
  | { readonly type: 'CONFIRM' }
  | { readonly type: 'STILL_HERE' }
  | { readonly type: 'SET_DISPLAY'; readonly settings: Partial<DisplaySettings> };

export const VOTER_EVENT_TYPES = [
  'CHOOSE_ORGANIZATION',
  'CHOOSE_BLANK',
  'CHOOSE_NULL',
  'TOGGLE_PREFERENTIAL',
  'SET_PREFERENTIAL',
  'NEXT',
  'BACK',
  'EDIT_CONTEST',
  'CONFIRM',
  'STILL_HERE',
  'SET_DISPLAY',
] as const satisfies readonly VoterEvent['type'][];

export type BoothEvent =
  | VoterEvent
  /**
   * The activation device entered / left the reader. After a start the host sends
   * DEVICE_INSERTED if a device is already in the reader.
   */
  | { readonly type: 'DEVICE_INSERTED' }
  | { readonly type: 'DEVICE_REMOVED' }
  /** The president presents the credential to start the puesta a cero. */
  | { readonly type: 'CREDENTIAL_PRESENTED'; readonly credential: PresidentCredential }
  /** The printer reports ready after a fault (paper loaded, cover closed). */
  | { readonly type: 'PRINTER_READY' }
  /** `credential` null: the request came without one (refused). */
  | {
      readonly type: 'CLOSE_REQUESTED';
      readonly credential: PresidentCredential | null;
      /** The president orders closing before the scheduled time (recorded in the acta). */
      readonly presidentOrder: boolean;
    }
  /** The consolidation device was (re)inserted or the president asks to try again. */
  | { readonly type: 'RETRY_RESULTS_WRITE' }
  /** The president releases a cabin whose device cannot be reinserted after a committed vote. */
  | { readonly type: 'PRESIDENT_RELEASE'; readonly credential: PresidentCredential };

// --- Context ---------------------------------------------------------------------------------

/** The ballot being filled: contest id → choice; a contest without an entry is pending. */
export type BallotDraft = Readonly<Record<string, ContestChoice>>;

export type CloseRefusal = 'credential-missing' | 'before-close-time' | 'credential-rejected';

export interface BoothContext {
  readonly contests: readonly BoothContest[];
  readonly votingCloseAt: number;
  readonly timeouts: BoothTimeouts;
  readonly recovery: BoothRecovery | null;
  /** Spanish, for the out-of-service screen. */
  readonly outOfServiceReason: string | null;
  /** Held only between a credential event and the end of its verification. */
  readonly pendingCredential: PresidentCredential | null;
  readonly credentialRefusal: CredentialRefusal | null;
  readonly closeRefusal: CloseRefusal | null;
  // Voting session (wiped when it ends, whatever the way).
  readonly token: AcceptedToken | null;
  /**
   * The token of a session that ended without a vote, held only while its claim is given back
   * (releaseClaim), then wiped.
   */
  readonly claimToRelease: AcceptedToken | null;
  readonly draft: BallotDraft;
  readonly contestIndex: number;
  /** Set by EDIT_CONTEST: NEXT/BACK return to the review instead of walking the contests. */
  readonly returnToReview: boolean;
  /**
   * Why the last voter action was refused, for the contest screen (UI: draftProblemForVoter).
   * The machine itself produces `pending-contests` (NEXT on an unanswered contest) and
   * `preferential-without-organization` (a preferential mark before an organization).
   */
  readonly choiceRefusal: DraftProblem | null;
  readonly display: DisplaySettings;
  readonly tokenRefusal: TokenRefusal | null;
  // After the commit (or found pending by recovery).
  readonly pendingConstancia: boolean;
  /** The pending constancia survived a restart: it prints marked as a reprint. */
  readonly reprintConstancia: boolean;
  readonly pendingConsumptionMark: boolean;
  /** The activation device left the reader after the commit started. */
  readonly deviceAbsent: boolean;
  readonly consumedMarkFailure: ConsumedMarkFailure | null;
  readonly printerFault: PrinterFault | null;
  // Closing.
  readonly reprintResultsReport: boolean;
  readonly consolidationFault: ConsolidationFault | null;
}

// --- Output to the UI and the audit log ------------------------------------------------------

export type BoothScreen =
  | 'self-check'
  | 'out-of-service'
  | 'awaiting-puesta-a-cero'
  | 'verifying-credential'
  | 'puesta-a-cero'
  | 'printer-fault'
  | 'ready'
  | 'verifying-token'
  | 'token-rejected'
  | 'contest'
  | 'review'
  | 'confirm'
  | 'inactivity-alert'
  | 'session-ended-inactivity'
  | 'recording'
  | 'printing-constancia'
  | 'marking-device'
  | 'reinsert-device'
  | 'remove-device'
  | 'remove-device-overdue'
  | 'closing-report'
  | 'writing-results'
  | 'consolidation-fault'
  | 'closed';

export interface BoothStateMeta {
  readonly screen: BoothScreen;
}

/**
 * The one kind of event the machine emits: `actor.on('audit', e => log.append(e.event, ...))`.
 * `message` is a fixed English phrase or a reason code: never ballot content, nonce or device id.
 */
export interface BoothAuditEvent {
  readonly type: 'audit';
  readonly event: AuditEventId;
  readonly message: string;
}
