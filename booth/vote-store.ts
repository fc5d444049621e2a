/**
 * The cabin's durable, secret vote store (one SQLite file per cabin, via openDatabase: WAL with
 * synchronous=FULL, so a returned commit survives a power cut).
 *
 * Secrecy (VVSG 2.0 §10; shared/storage/secrecy.ts):
 * - Ballots sit under CSPRNG keys in a WITHOUT ROWID table: no timestamp, no sequence, no session.
 *   Used token nonces sit in another table keyed by a hash of the nonce, with nothing else: the
 *   two are written in one transaction but nothing joins a nonce row to a ballot row.
 * - SQLite's page layout (and the WAL) keeps insertion order even with random keys, which would
 *   let the k-th ballot cell be matched with the k-th nonce cell. So the file is rewritten in key
 *   order (rewriteInKeyOrder) after every finished vote (constancia printed AND device marked)
 *   and at close: at any moment the layout reveals the order of at most the vote in progress.
 * - While voting is open the only readable fact about ballots is their COUNT. Ballots come out
 *   only after close(), in key (random) order, and a closed store never takes a vote again.
 *
 * Crash recovery (kill at any instant; everything that matters is in SQLite transactions):
 * - commitVote writes the ballot, the used nonce, the pending constancia and the pending
 *   consumption mark in ONE transaction. Before it commits nothing counts and the nonce stays
 *   unused, so the voter's token still works; after it commits the vote counts exactly once.
 * - The constancia prints after the commit. pendingConstancia() survives a restart; the cabin
 *   prints it and calls markConstanciaPrinted(). A record that survived a restart is flagged
 *   `reprint` (durably, at open) and must be printed marked "REIMPRESIÓN": the cabin cannot know
 *   whether the first copy came out whole, partly or not at all, so it labels conservatively
 *   (a copy that never printed is labelled too). A lost copy is not re-printable afterwards.
 * - The consumed mark is written on the device after the commit (the cabin should write it at
 *   once, before printing, to keep the window short). If the device was pulled first,
 *   pendingConsumption() names the nonce: the cabin shows a screen asking to reinsert the device,
 *   verifyToken then answers `replayed` with this nonce, the cabin writes the mark and calls
 *   markDeviceConsumed(); a member may give up (abandonPendingConsumption(), logged by the cabin).
 *
 * RECONCILIATION NOTE: a device pulled between the commit and the consumed mark no longer carries
 * a usable token: the cabin wrote its signed CLAIM over the token before the session started
 * (shared/activation/payload.ts), so only this cabin accepts the device again (and refuses it as
 * `replayed` once the nonce is used here); every other cabin refuses it as claimed elsewhere.
 * The used-nonce set (usedNonceHashes() after close, keyed by usedNonceKey) still goes to the
 * results station, which checks that the cabins' sets are disjoint and match the ballot count;
 * a device returned claimed-but-not-consumed means "may have voted": the president decides, it
 * is never an Art. 23 blank by default. The ballot itself cannot be removed, by design.
 *
 * Package binding: the store records the package's binding hash (packageBindingHash: election
 * definition + keys) at the first boot (bindToPackage, called by the cabin's self-check) and
 * refuses any other package afterwards.
 *
 * Read methods (phase, ballotCount, isUsed, ...) throw if SQLite fails to read an open file: the
 * storage is then broken and the cabin must stop. Write methods return typed errors.
 */
import { canonicalJson } from '../shared/crypto/canonical-json.ts';
import { sha256Hex } from '../shared/crypto/hash.ts';
import type { VerifiedPackage } from '../shared/election/package.ts';
import type { Ballot } from '../shared/ballot/ballot.ts';
import { isCanonicalNonce } from '../shared/activation/payload.ts';
import { mapSqliteError, openDatabase, transaction, type DatabaseOpenError, type SqliteDatabase } from '../shared/storage/database.ts';
import { assertSecretTable, randomRowKey, rewriteInKeyOrder } from '../shared/storage/secrecy.ts';
import { err, ok, type Result } from '../shared/result.ts';
import { decodeStoredBallot, encodeStoredBallot } from './store-ballot-codec.ts';
import { VOTE_PHASES, VOTE_STORE_SCHEMA, VOTE_STORE_TABLES, type VotePhase } from './store-schema.ts';

export type { VotePhase } from './store-schema.ts';

/** The constancia still to print (at most one at a time: the cabin blocks until it is printed). */
export interface PendingPrint {
  readonly ballot: Ballot;
  /**
   * True when the record survived a restart: print it marked "REIMPRESIÓN". (A retry within the
   * same run after a printer error is the cabin's call: the store only knows about restarts.)
   */
  readonly reprint: boolean;
}

/** A committed vote whose device has not yet been overwritten with the consumed mark. */
export interface PendingConsumption {
  readonly nonce: string;
}

export type VoteStoreError =
  /** Voting not open yet (no puesta a cero) or, for openVoting/close, the wrong phase. */
  | { readonly kind: 'wrong-phase'; readonly phase: VotePhase; readonly operation: string }
  /** The store is closed: it never accepts a vote again. */
  | { readonly kind: 'closed' }
  /** Puesta a cero refused: the store holds ballots, nonces or pending records. */
  | { readonly kind: 'not-empty' }
  | { readonly kind: 'nonce-used' }
  /** The previous voter's constancia has not been printed yet. */
  | { readonly kind: 'pending-constancia' }
  /** The previous voter's device has not been marked consumed (nor the mark abandoned). */
  | { readonly kind: 'pending-consumption' }
  | { readonly kind: 'invalid-input'; readonly detail: string }
  /** A stored record does not decode: the file was edited or damaged. */
  | { readonly kind: 'corrupt-record'; readonly detail: string }
  /** The store was bound to another election package at an earlier boot. */
  | { readonly kind: 'other-package'; readonly bound: string }
  | { readonly kind: 'storage'; readonly error: DatabaseOpenError };

export function describeVoteStoreError(e: VoteStoreError): string {
  switch (e.kind) {
    case 'wrong-phase':
      return `vote store: cannot ${e.operation} while the cabin is ${e.phase}`;
    case 'closed':
      return 'vote store: voting is closed, no vote can be recorded';
    case 'not-empty':
      return 'vote store: puesta a cero refused, the store is not empty';
    case 'nonce-used':
      return 'vote store: this activation token was already used in this cabin';
    case 'pending-constancia':
      return 'vote store: the previous constancia has not been printed yet';
    case 'pending-consumption':
      return 'vote store: the previous activation device has not been marked consumed yet';
    case 'invalid-input':
      return `vote store: invalid input: ${e.detail}`;
    case 'corrupt-record':
      return `vote store: stored record is damaged: ${e.detail}`;
    case 'other-package':
      return `vote store: it belongs to another election package (sha256 ${e.bound})`;
    case 'storage':
      return `vote store: storage failure: ${e.error.kind}${'detail' in e.error ? ` (${e.error.detail})` : ''}`;
  }
}

export interface CloseReport {
  readonly ballotCount: number;
  /** A device was never marked consumed: the cabin logs it for the results station's reconciliation. */
  readonly abandonedConsumption: boolean;
}

export interface VoteStoreOptions {
  /**
   * TESTS ONLY: chooses the ballot key from its encoding, to prove that the file's bytes depend
   * on the set of (key, ballot) rows only. Production uses randomRowKey (CSPRNG).
   */
  readonly ballotKey?: (encodedBallot: string) => string;
}

/**
 * What a vote store is bound to: the package's election definition and keys, NOT its whole file
 * hash. Why: the file also lists the authorized software codes, which ONPE may re-sign (a software
 * update) without changing what the stored ballots and used nonces mean; a different election,
 * mesa, list of candidates or key set is a different hash and is refused.
 */
export function packageBindingHash(pkg: VerifiedPackage): string {
  return sha256Hex(`vep-store-binding/1\0${canonicalJson({ definition: pkg.payload.definition, keys: pkg.payload.keys })}`);
}

/** Lowercase sha256 hex (puesta a cero report, package binding). */
const ZERO_HASH = /^[0-9a-f]{64}$/u;

/** Domain-separated, so the key of a used nonce equals no other hash in the system. Exported for the reconciliation (results station) and tests. */
export function usedNonceKey(nonce: string): string {
  return sha256Hex(`vep-used-nonce/1\0${nonce}`);
}

export function openVoteStore(file: string, options: VoteStoreOptions = {}): Result<VoteStore, DatabaseOpenError> {
  const opened = openDatabase(file, VOTE_STORE_SCHEMA);
  if (!opened.ok) return opened;
  const db = opened.value;
  try {
    for (const table of VOTE_STORE_TABLES) assertSecretTable(db, table);
    // Whatever was pending when the last process stopped may have printed partly: a reprint.
    transaction(db, () => db.prepare('UPDATE pending_constancia SET reprint = 1 WHERE reprint = 0').run());
    const store = new VoteStore(db, file, options.ballotKey ?? (() => randomRowKey()));
    // Finishes a close (or a post-vote rewrite) that a crash interrupted; idempotent.
    if (store.phase() === 'closed' || !store.hasPending()) rewriteInKeyOrder(db);
    return ok(store);
  } catch (e) {
    db.close();
    const mapped = mapSqliteError(e, file);
    if (mapped) return err(mapped);
    throw e;
  }
}

export class VoteStore {
  /** @internal use openVoteStore */
  constructor(
    private readonly db: SqliteDatabase,
    private readonly file: string,
    private readonly ballotKey: (encodedBallot: string) => string,
  ) {}

  phase(): VotePhase {
    const row = this.db.prepare('SELECT phase FROM cabin_phase WHERE id = 1').get() as { phase: string } | undefined;
    const phase = VOTE_PHASES.find((p) => p === row?.phase);
    if (phase === undefined) throw new Error(`vote store ${this.file}: phase record missing or unknown`);
    return phase;
  }

  /** The packageBindingHash the store is bound to (undefined before the first boot's bind). */
  boundPackageHash(): string | undefined {
    const row = this.db.prepare('SELECT package_hash AS h FROM store_binding WHERE id = 1').get() as { h: string } | undefined;
    return row?.h;
  }

  /**
   * Binds the store to `packageHash` (packageBindingHash) on first use; afterwards only the same is accepted.
   * The cabin calls it at every boot before anything else touches the store. Idempotent.
   */
  bindToPackage(packageHash: string): Result<void, VoteStoreError> {
    if (!ZERO_HASH.test(packageHash)) return err({ kind: 'invalid-input', detail: 'package hash must be 64 lowercase hex characters' });
    return this.write(() => {
      const bound = this.boundPackageHash();
      if (bound === undefined) {
        this.db.prepare('INSERT INTO store_binding (id, package_hash) VALUES (1, ?)').run(packageHash);
        return ok(undefined);
      }
      return bound === packageHash ? ok(undefined) : err({ kind: 'other-package', bound });
    });
  }

  /** sha256 hex of the puesta a cero report, recorded when voting opened. */
  zeroReportHash(): string | undefined {
    const row = this.db.prepare('SELECT zero_report_hash AS h FROM cabin_phase WHERE id = 1').get() as { h: string | null } | undefined;
    return row?.h ?? undefined;
  }

  /** The puesta a cero proof: no ballot, no used nonce, nothing pending. */
  isEmpty(): boolean {
    const row = this.db
      .prepare(
        `SELECT (SELECT count(*) FROM ballot) + (SELECT count(*) FROM used_nonce)
              + (SELECT count(*) FROM pending_constancia) + (SELECT count(*) FROM pending_consumption) AS n`,
      )
      .get() as { n: number };
    return row.n === 0;
  }

  /** The only fact about ballots readable while voting is open. */
  ballotCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM ballot').get() as { n: number }).n;
  }

  isUsed(nonce: string): boolean {
    return this.db.prepare('SELECT 1 FROM used_nonce WHERE nonce_hash = ?').get(usedNonceKey(nonce)) !== undefined;
  }

  /** @internal */
  hasPending(): boolean {
    return this.pendingConstanciaRow() !== undefined || this.pendingConsumption() !== undefined;
  }

  /** Puesta a cero done: records its report hash and opens voting. Only from awaiting-zero, only empty. */
  openVoting(zeroReportHash: string): Result<void, VoteStoreError> {
    if (!ZERO_HASH.test(zeroReportHash)) return err({ kind: 'invalid-input', detail: 'zero report hash must be 64 lowercase hex characters' });
    return this.write(() => {
      const phase = this.phase();
      if (phase !== 'awaiting-zero') return err({ kind: 'wrong-phase', phase, operation: 'open voting' });
      if (!this.isEmpty()) return err({ kind: 'not-empty' });
      this.db.prepare("UPDATE cabin_phase SET phase = 'open', zero_report_hash = ? WHERE id = 1").run(zeroReportHash);
      return ok(undefined);
    });
  }

  /**
   * Records one vote durably: ballot, used nonce, pending constancia and pending consumption mark
   * in one transaction. When it returns ok the vote counts; print the constancia only then.
   */
  commitVote(vote: { readonly ballot: Ballot; readonly nonce: string }): Result<{ pendingConstancia: PendingPrint }, VoteStoreError> {
    if (!isCanonicalNonce(vote.nonce)) return err({ kind: 'invalid-input', detail: 'nonce is not a canonical 128-bit base64url nonce' });
    const encoded = encodeStoredBallot(vote.ballot);
    if (!encoded.ok) return err({ kind: 'invalid-input', detail: encoded.error });
    const content = encoded.value;
    const decoded = decodeStoredBallot(content);
    if (!decoded.ok) throw new Error(`bug: encoded ballot does not decode: ${decoded.error}`);
    // From here on the normalized ballot (preferential sorted) is what is stored and printed.
    return this.write(() => {
      const phase = this.phase();
      if (phase === 'closed') return err({ kind: 'closed' });
      if (phase !== 'open') return err({ kind: 'wrong-phase', phase, operation: 'record a vote' });
      if (this.pendingConstanciaRow() !== undefined) return err({ kind: 'pending-constancia' });
      if (this.pendingConsumption() !== undefined) return err({ kind: 'pending-consumption' });
      if (this.isUsed(vote.nonce)) return err({ kind: 'nonce-used' });
      this.db.prepare('INSERT INTO ballot (id, content) VALUES (?, ?)').run(this.ballotKey(content), content);
      this.db.prepare('INSERT INTO used_nonce (nonce_hash) VALUES (?)').run(usedNonceKey(vote.nonce));
      this.db.prepare('INSERT INTO pending_constancia (id, content, reprint) VALUES (1, ?, 0)').run(content);
      this.db.prepare('INSERT INTO pending_consumption (id, nonce) VALUES (1, ?)').run(vote.nonce);
      return ok({ pendingConstancia: { ballot: decoded.value, reprint: false } });
    });
  }

  /** The constancia to print, if the last committed vote's constancia has not been confirmed printed. */
  pendingConstancia(): Result<PendingPrint | undefined, VoteStoreError> {
    const row = this.pendingConstanciaRow();
    if (row === undefined) return ok(undefined);
    const ballot = decodeStoredBallot(row.content);
    if (!ballot.ok) return err({ kind: 'corrupt-record', detail: `pending constancia: ${ballot.error}` });
    return ok({ ballot: ballot.value, reprint: row.reprint === 1 });
  }

  /** The printer finished the constancia. Idempotent. */
  markConstanciaPrinted(): Result<void, VoteStoreError> {
    return this.clearPending('DELETE FROM pending_constancia');
  }

  pendingConsumption(): PendingConsumption | undefined {
    const row = this.db.prepare('SELECT nonce FROM pending_consumption WHERE id = 1').get() as { nonce: string } | undefined;
    return row === undefined ? undefined : { nonce: row.nonce };
  }

  /** The consumed mark was written and read back on the device. Idempotent. */
  markDeviceConsumed(): Result<void, VoteStoreError> {
    return this.clearPending('DELETE FROM pending_consumption');
  }

  /**
   * A member gave up on reinserting the device (the cabin logs it): the nonce stays used here,
   * and the device reaches the identity station unconsumed (see the reconciliation note).
   */
  abandonPendingConsumption(): Result<void, VoteStoreError> {
    return this.markDeviceConsumed();
  }

  /**
   * Closes voting for good and rewrites the file in key order. Refused while a constancia is
   * unprinted (the voter is owed it); an unmarked device is abandoned and reported. Idempotent.
   */
  close(): Result<CloseReport, VoteStoreError> {
    const closed = this.write((): Result<CloseReport, VoteStoreError> => {
      const phase = this.phase();
      if (phase === 'awaiting-zero') return err({ kind: 'wrong-phase', phase, operation: 'close voting' });
      if (this.pendingConstanciaRow() !== undefined) return err({ kind: 'pending-constancia' });
      const abandonedConsumption = this.db.prepare('DELETE FROM pending_consumption').run().changes > 0;
      this.db.prepare("UPDATE cabin_phase SET phase = 'closed' WHERE id = 1").run();
      return ok({ ballotCount: this.ballotCount(), abandonedConsumption });
    });
    if (!closed.ok) return closed;
    const rewritten = this.rewrite();
    return rewritten.ok ? closed : rewritten;
  }

  /** All ballots, in key (random) order. Only after close. */
  closedBallots(): Result<Ballot[], VoteStoreError> {
    const phase = this.phase();
    if (phase !== 'closed') return err({ kind: 'wrong-phase', phase, operation: 'read ballots' });
    const rows = this.db.prepare('SELECT content FROM ballot ORDER BY id').all() as Array<{ content: string }>;
    const ballots: Ballot[] = [];
    for (const row of rows) {
      const ballot = decodeStoredBallot(row.content);
      if (!ballot.ok) return err({ kind: 'corrupt-record', detail: ballot.error });
      ballots.push(ballot.value);
    }
    return ok(ballots);
  }

  /** The used-nonce keys (hashes, sorted), for the results station's cross-cabin reconciliation. Only after close. */
  usedNonceHashes(): Result<string[], VoteStoreError> {
    const phase = this.phase();
    if (phase !== 'closed') return err({ kind: 'wrong-phase', phase, operation: 'read used nonces' });
    const rows = this.db.prepare('SELECT nonce_hash AS h FROM used_nonce ORDER BY nonce_hash').all() as Array<{ h: string }>;
    return ok(rows.map((r) => r.h));
  }

  /** Releases the database file (not voting close: see close()). */
  disconnect(): void {
    this.db.close();
  }

  private pendingConstanciaRow(): { content: string; reprint: number } | undefined {
    return this.db.prepare('SELECT content, reprint FROM pending_constancia WHERE id = 1').get() as
      | { content: string; reprint: number }
      | undefined;
  }

  /** Deletes one pending record; once nothing is pending, erases the vote's order from the layout. */
  private clearPending(sql: string): Result<void, VoteStoreError> {
    const cleared = this.write(() => {
      this.db.prepare(sql).run();
      return ok(undefined);
    });
    if (!cleared.ok || this.hasPending() || this.phase() !== 'open') return cleared;
    return this.rewrite();
  }

  private rewrite(): Result<void, VoteStoreError> {
    try {
      rewriteInKeyOrder(this.db);
      return ok(undefined);
    } catch (e) {
      return this.storageError(e);
    }
  }

  private write<T>(fn: () => Result<T, VoteStoreError>): Result<T, VoteStoreError> {
    try {
      return transaction(this.db, fn);
    } catch (e) {
      return this.storageError(e);
    }
  }

  private storageError(e: unknown): Result<never, VoteStoreError> {
    const mapped = mapSqliteError(e, this.file);
    if (mapped) return err({ kind: 'storage', error: mapped });
    throw e;
  }
}
