/**
 * Contracts of the results station state machine (results-station/machine.ts): input, pure
 * ports, events, actors the host provides, context, screens and emitted audit events. The
 * machine does no I/O: devices, the station store, printers, credentials and the clock arrive
 * through these types.
 *
 * Secrecy: no context field, actor input/output or emitted event carries a ballot or a voter
 * identity. The machine handles tallies (counts) only; reading and verifying each cabin's
 * ballots happens inside the `readCabinResults` actor (shared/results/cabin-results.ts).
 */
import type { AuditEventId } from '../shared/audit/events.ts';
import type { Result } from '../shared/result.ts';
import type { IdentitySummary } from '../shared/tally/reconcile.ts';
import type { Tally } from '../shared/tally/tally.ts';
import type { ResultsTimeouts } from './timeouts.ts';

// --- Input -----------------------------------------------------------------------------------

/** 'electronic': cabins voted. 'manual-count': the mesa voted on paper (STAE manual count). */
export type CountMode = 'electronic' | 'manual-count';

/** One printed document: an acta copy for a destination, or the cartel de resultados. */
export interface ActaCopy {
  readonly document: 'acta' | 'cartel';
  /** Destination of an acta copy (package actaCopies: 'JEE', 'ONPE', ...); 'cartel' for it. */
  readonly destination: string;
}

/** The consolidated mesa result that is printed, signed and written. */
export interface MesaResult {
  readonly mode: CountMode;
  /** Merged tally with Art. 23 blanks added (electronic) or the agreed manual count. */
  readonly tally: Tally;
  /** Spanish observations for the acta (Art. 23, recorded discrepancies, cotejo). */
  readonly observations: readonly string[];
}

export interface MemberSignature {
  /** Stable id of the signer in the package (key role 'member-1', or a personero id). */
  readonly signerId: string;
  readonly role: 'president' | 'member' | 'personero';
  /** Opaque to the machine: the signature over the mesa result, as the host made it. */
  readonly signature: string;
}

/**
 * Durable phase as the host last persisted it. 'counting': the puesta a cero is done (readings
 * and entries are in memory only and start over, which is safe: reading is idempotent).
 * 'printing': `printedCopies` copies were confirmed printed; `copyInProgress` true when the
 * next one was started but not confirmed (it prints again marked as a reprint).
 * 'signing': all copies printed; signatures start over. 'writing': signed, not yet written.
 */
export type ResultsRecovery =
  | { readonly phase: 'counting' }
  | { readonly phase: 'printing'; readonly result: MesaResult; readonly printedCopies: number; readonly copyInProgress: boolean }
  | { readonly phase: 'signing'; readonly result: MesaResult }
  | { readonly phase: 'writing'; readonly result: MesaResult; readonly signatures: readonly MemberSignature[] }
  | { readonly phase: 'closed' };

export interface ResultsInput {
  /** Cabin ids of the mesa, in the order their devices are read (count from the package). */
  readonly cabinIds: readonly string[];
  readonly mode: CountMode;
  /** Destinations of the acta copies (package actaCopies), in print order. The cartel follows. */
  readonly actaCopies: readonly string[];
  readonly timeouts?: Partial<ResultsTimeouts>;
  /** Absent on a first start. */
  readonly recovery?: ResultsRecovery;
}

// --- Pure ports ------------------------------------------------------------------------------

/** A reason the mesa result is not sound, in English (log) and Spanish (screen, acta). */
export interface Finding {
  readonly code: string;
  readonly screenText: string;
  readonly actaText: string;
}

/** One verified cabin: its signed tally and ballot count. */
export interface CabinReading {
  readonly cabinId: string;
  readonly ballotCount: number;
  readonly tally: Tally;
  /** sha256 of the file, for the audit log (names no voter). */
  readonly fileHash: string;
}

export type TallyOutcome =
  | { readonly kind: 'ok'; readonly result: MesaResult }
  /** The tally exists but reconciliation found problems: fix (re-read) or record them. */
  | { readonly kind: 'discrepancies'; readonly result: MesaResult; readonly findings: readonly Finding[] }
  /** No tally can be made (e.g. merge impossible): the only way on is re-reading. */
  | { readonly kind: 'untallyable'; readonly findings: readonly Finding[] };

/**
 * Counts typed by a member: `contestId/option` → votes, option being an organization number,
 * 'blank', 'null' (and whatever fields the host's entry form defines, e.g. 'ballots').
 */
export type CountSheet = Readonly<Record<string, number>>;

/** One field where two sheets differ (null: the field is missing on that side). */
export interface CountDifference {
  readonly field: string;
  readonly first: number | null;
  readonly second: number | null;
}

/**
 * Pure functions bound by the host. `tallyMesa`: shared/tally mergeAllTallies + addArt23Blanks +
 * art23Observation + reconcile. `compareSheets`: field by field (cotejo: electronic vs paper;
 * STAE: first vs second entry). `manualTally`: the agreed manual sheet to a checked tally.
 */
export interface ResultsPorts {
  readonly tallyMesa: (input: { readonly cabins: readonly CabinReading[]; readonly identity: IdentitySummary }) => TallyOutcome;
  /** The electronic tally as a sheet with the same field names the members type. */
  readonly tallyToSheet: (tally: Tally) => CountSheet;
  readonly compareSheets: (first: CountSheet, second: CountSheet) => readonly CountDifference[];
  readonly manualTally: (sheet: CountSheet) => Result<MesaResult, readonly Finding[]>;
}

// --- Values carried by events and actors -----------------------------------------------------

export interface Credential {
  readonly presented: Uint8Array;
}

export type PresidentAction = 'puesta-a-cero' | 'record-discrepancy';
export type CredentialRefusal = 'unreadable' | 'unknown' | 'not-president' | 'not-member' | 'revoked';

export interface PrinterFault {
  readonly kind: 'paper-out' | 'cover-open' | 'offline' | 'device-removed' | 'timeout' | 'error';
}

export interface SelfCheckFailure {
  readonly kind: 'package-invalid' | 'software-unauthorized' | 'keys-invalid' | 'storage-fault' | 'printer-unavailable' | 'clock-invalid';
}

export type PuestaACeroFailure =
  | { readonly kind: 'store-not-empty' }
  | { readonly kind: 'storage-fault' }
  | { readonly kind: 'printer-fault'; readonly fault: PrinterFault };

/** A device refused: `codes` English reason codes (audit), `reasons` Spanish (screen). */
export interface DeviceRefusal {
  readonly codes: readonly string[];
  readonly reasons: readonly string[];
}

export interface ConsolidationFault {
  readonly kind: 'device-missing' | 'device-full' | 'read-only' | 'wrong-device' | 'write-failed';
}

// --- Actors the host provides ----------------------------------------------------------------
// Promise actors. Expected failures RESOLVE to `{ ok: false, error }`; a rejection is a bug and
// puts the station out of service.

export interface ResultsActorContracts {
  /** Verified election package and authorized software code, keys, store, printer. */
  selfCheck: { input: undefined; output: Result<void, SelfCheckFailure> };
  verifyPresidentCredential: {
    input: { readonly credential: Credential; readonly action: PresidentAction };
    output: Result<void, CredentialRefusal>;
  };
  /** Proves the station store empty and prints the puesta a cero report. */
  runPuestaACero: { input: undefined; output: Result<void, PuestaACeroFailure> };
  /**
   * Reads the cabin results file for `cabinId` from the inserted consolidation device and
   * verifies EVERYTHING (shared/results/cabin-results.ts verifyCabinResults: signature, cabin,
   * election, mesa, package, software, recount, duplicates against cabins already read).
   */
  readCabinResults: {
    input: { readonly cabinId: string; readonly alreadyRead: readonly CabinReading[] };
    output: Result<CabinReading, DeviceRefusal>;
  };
  /** Reads and verifies the identity station's signed summary from the inserted device. */
  readIdentitySummary: { input: undefined; output: Result<IdentitySummary, DeviceRefusal> };
  /**
   * Prints one copy, labelled with its destination (or the cartel). `reprint`: the copy may
   * have been partly printed before a restart; the printout says REIMPRESIÓN.
   */
  printActaCopy: {
    input: { readonly copy: ActaCopy; readonly index: number; readonly result: MesaResult; readonly reprint: boolean };
    output: Result<void, PrinterFault>;
  };
  /** Verifies the credential of a signer and signs the mesa result with it. */
  verifyMemberSignature: {
    input: { readonly credential: Credential; readonly result: MesaResult };
    output: Result<MemberSignature, CredentialRefusal>;
  };
  /** Writes the signed mesa result to the consolidation device. Idempotent. */
  writeConsolidated: {
    input: { readonly result: MesaResult; readonly signatures: readonly MemberSignature[] };
    output: Result<void, ConsolidationFault>;
  };
}

export type ResultsActorName = keyof ResultsActorContracts;

// --- Events ----------------------------------------------------------------------------------

export type ResultsEvent =
  /** The president (puesta a cero) or a signer (signing) presents a credential. */
  | { readonly type: 'CREDENTIAL_PRESENTED'; readonly credential: Credential }
  /** A consolidation device (cabin's or identity station's) was inserted. */
  | { readonly type: 'DEVICE_INSERTED' }
  | { readonly type: 'PRINTER_READY' }
  /** Reconciliation found problems: read every device again. */
  | { readonly type: 'REREAD_DEVICES' }
  /** Reconciliation found problems: the president records them as acta observations. */
  | { readonly type: 'RECORD_DISCREPANCY'; readonly credential: Credential }
  | { readonly type: 'START_COTEJO' }
  | { readonly type: 'CANCEL_COTEJO' }
  /** Art. 28: the members' hand count of the paper records. */
  | { readonly type: 'COTEJO_ENTERED'; readonly counts: CountSheet }
  | { readonly type: 'RECORD_COTEJO' }
  | { readonly type: 'PRINT_ACTAS' }
  /** STAE manual count: one member's independent entry of the whole result. */
  | { readonly type: 'MANUAL_ENTRY'; readonly member: string; readonly counts: CountSheet }
  | { readonly type: 'FINISH_SIGNING' }
  | { readonly type: 'RETRY_WRITE' };

// --- Context ---------------------------------------------------------------------------------

export type SigningRefusal = 'insufficient-signatures' | CredentialRefusal;

export interface ManualEntry {
  readonly member: string;
  readonly counts: CountSheet;
}

export interface ResultsContext {
  readonly cabinIds: readonly string[];
  readonly mode: CountMode;
  readonly copies: readonly ActaCopy[];
  readonly timeouts: ResultsTimeouts;
  readonly recovery: ResultsRecovery | null;
  readonly outOfServiceReason: string | null;
  readonly pendingCredential: Credential | null;
  readonly credentialRefusal: CredentialRefusal | null;
  // Reading.
  readonly readings: readonly CabinReading[];
  /** Spanish text of the last refused device, naming the cabin and the reasons. */
  readonly deviceRefusalText: string | null;
  readonly identity: IdentitySummary | null;
  // Reconciliation and tally.
  readonly outcome: TallyOutcome | null;
  readonly result: MesaResult | null;
  // Cotejo.
  readonly cotejoDifferences: readonly CountDifference[] | null;
  // Manual count.
  readonly firstEntry: ManualEntry | null;
  readonly secondEntry: ManualEntry | null;
  readonly entryDifferences: readonly CountDifference[];
  readonly manualFindings: readonly Finding[];
  readonly entryRefusal: 'same-member' | 'unknown-member' | null;
  // Printing.
  readonly nextCopy: number;
  readonly reprintNextCopy: boolean;
  readonly printerFault: PrinterFault | null;
  // Signing.
  readonly signatures: readonly MemberSignature[];
  readonly signingRefusal: SigningRefusal | null;
  readonly consolidationFault: ConsolidationFault | null;
}

// --- Output ----------------------------------------------------------------------------------

export type ResultsScreen =
  | 'self-check'
  | 'out-of-service'
  | 'awaiting-president'
  | 'verifying-credential'
  | 'puesta-a-cero'
  | 'printer-fault'
  | 'insert-cabin-device'
  | 'reading-device'
  | 'device-refused'
  | 'insert-identity-device'
  | 'reconciliation-problems'
  | 'reconciliation-blocked'
  | 'tallied'
  | 'cotejo-entry'
  | 'cotejo-review'
  | 'manual-entry-first'
  | 'manual-entry-second'
  | 'manual-mismatch'
  | 'manual-invalid'
  | 'printing-acta'
  | 'signing'
  | 'verifying-signature'
  | 'writing-results'
  | 'consolidation-fault'
  | 'closed';

export interface ResultsStateMeta {
  readonly screen: ResultsScreen;
}

/** The one kind of emitted event; `message` is English, a reason code or a cabin id. */
export interface ResultsAuditEvent {
  readonly type: 'audit';
  readonly event: AuditEventId;
  readonly message: string;
}
