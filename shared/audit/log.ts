/**
 * The station audit log: append-only, hash-chained entries in SQLite (one log per station).
 *
 * What it proves: any edited, deleted, inserted or reordered entry is found by
 * `verifyAuditLog`. What a chain alone cannot prove: that entries were not cut off the end, or
 * that the whole tail was not rewritten with recomputed hashes. For that the station signs its
 * head (`signHead`) into its closing results, and verification checks against that head.
 *
 * Secrecy: see `assertLoggableMessage` in ./entry.ts (no DNI, ballot id, token nonce or
 * selection in any entry) and the catalogue in ./events.ts (no event carries them).
 */
import type { Signer } from '../crypto/envelope.ts';
import { err, ok, type Result } from '../result.ts';
import { openDatabase, transaction, type DatabaseOpenError, type SqliteDatabase } from '../storage/database.ts';
import { AUDIT_EVENTS, isAuditEventId, type AuditDisposition, type AuditEventId } from './events.ts';
import { assertLoggableMessage, entryHash, formatAuditTime, GENESIS_HASH, type AuditEntry, type AuditLogHead } from './entry.ts';
import { signAuditLogHead } from './head.ts';
import { AUDIT_LOG_SCHEMA, ensureAuditTables, hasAuditTable, SELECT_ENTRIES } from './store.ts';

export { GENESIS_HASH, type AuditEntry, type AuditLogHead } from './entry.ts';
export { verifyAuditLog, describeAuditLogProblem, type AuditLogProblem, type VerifyAuditLogOptions, type VerifiedAuditLog } from './verify.ts';
export { signAuditLogHead, openSignedAuditLogHead, AUDIT_LOG_HEAD_KIND, type SignedAuditLogHead, type SignedHeadError } from './head.ts';
export { AUDIT_EVENTS, type AuditEventId, type AuditDisposition } from './events.ts';

export interface AuditLogOptions {
  /** Station role written into every entry, e.g. cabin-1, identity, results. */
  readonly role: string;
  /** Injected so tests and the simulator control time; stations pass () => new Date(). */
  readonly clock: () => Date;
}

export interface AppendDetails {
  /** Defaults to the event's disposition in the catalogue. */
  readonly disposition?: AuditDisposition;
  /** English, one line; must not contain voter identity or vote content (throws if DNI-shaped). */
  readonly message: string;
}

export interface AuditLog {
  readonly role: string;
  append(event: AuditEventId, details: AppendDetails): AuditEntry;
  head(): AuditLogHead;
  entries(): AuditEntry[];
  /** A signed envelope of kind `audit-log-head` over {role, sequence, hash} of the current head. */
  signHead(signer: Signer): Uint8Array;
  /** Closes the database if the log opened it from a path; a no-op for a caller's database. */
  close(): void;
}

export type AuditLogOpenError =
  | DatabaseOpenError
  /** The log was written by another station role: a configuration mistake, refused. */
  | { kind: 'other-station'; expected: string; found: string };

export function openAuditLog(target: string | SqliteDatabase, options: AuditLogOptions): Result<AuditLog, AuditLogOpenError> {
  if (options.role === '' || /[^a-z0-9-]/.test(options.role)) {
    throw new Error(`audit log role must be lower-case letters, digits and dashes, got ${JSON.stringify(options.role)}`);
  }
  let db: SqliteDatabase;
  const owned = typeof target === 'string';
  if (typeof target === 'string') {
    const opened = openDatabase(target, AUDIT_LOG_SCHEMA);
    if (!opened.ok) return opened;
    db = opened.value;
  } else {
    db = target;
    if (!hasAuditTable(db)) transaction(db, () => ensureAuditTables(db));
  }

  const last = lastEntry(db);
  if (last && last.role !== options.role) {
    if (owned) db.close();
    return err({ kind: 'other-station', expected: options.role, found: last.role });
  }

  const insert = db.prepare(
    `INSERT INTO audit_entry (sequence, time, event, role, disposition, message, prev_hash, hash)
     VALUES (@sequence, @time, @event, @role, @disposition, @message, @prevHash, @hash)`,
  );

  const log: AuditLog = {
    role: options.role,
    append(event, details) {
      if (!isAuditEventId(event)) throw new Error(`unknown audit event ${String(event)}`);
      assertLoggableMessage(details.message);
      const disposition = details.disposition ?? AUDIT_EVENTS[event].disposition;
      const time = formatAuditTime(options.clock());
      // Read the current head inside the write transaction, so the chain stays linear even if
      // a second connection appends to the same file.
      return transaction(db, () => {
        const previous = lastEntry(db);
        const unhashed = {
          sequence: (previous?.sequence ?? 0) + 1,
          time,
          event,
          role: options.role,
          disposition,
          message: details.message,
          prevHash: previous?.hash ?? GENESIS_HASH,
        };
        const entry: AuditEntry = { ...unhashed, hash: entryHash(unhashed) };
        insert.run(entry);
        return entry;
      });
    },
    head() {
      const previous = lastEntry(db);
      return previous ? { sequence: previous.sequence, hash: previous.hash } : { sequence: 0, hash: GENESIS_HASH };
    },
    entries() {
      return db.prepare(SELECT_ENTRIES).all() as AuditEntry[];
    },
    signHead(signer) {
      return signAuditLogHead({ role: options.role, ...log.head() }, signer);
    },
    close() {
      if (owned && db.open) db.close();
    },
  };
  return ok(log);
}

function lastEntry(db: SqliteDatabase): AuditEntry | undefined {
  return db
    .prepare('SELECT sequence, time, event, role, disposition, message, prev_hash AS prevHash, hash FROM audit_entry ORDER BY sequence DESC LIMIT 1')
    .get() as AuditEntry | undefined;
}
