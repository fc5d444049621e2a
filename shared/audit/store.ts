/**
 * The audit log's SQLite table. One row per entry; the application only ever INSERTs.
 *
 * The triggers refuse UPDATE and DELETE. They guard against our own bugs, not against an
 * attacker (who can drop them): tampering is what the hash chain and signed head detect.
 * The log holds no secret, so a plain INTEGER PRIMARY KEY (the sequence) is fine here; the
 * secrecy rule for ballot stores (../storage/secrecy.ts) does not apply.
 */
import { z } from 'zod';
import type { OpenDatabaseOptions, SqliteDatabase } from '../storage/database.ts';
import { AUDIT_DISPOSITIONS } from './entry.ts';

export const AUDIT_LOG_SCHEMA_NAME = 'vep-audit-log';
export const AUDIT_LOG_SCHEMA_VERSION = 1;

/** Creates the audit table in `db` if it is missing (also for stores that embed the log). */
export function ensureAuditTables(db: SqliteDatabase): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS audit_entry (
      sequence INTEGER PRIMARY KEY CHECK (sequence >= 1),
      time TEXT NOT NULL,
      event TEXT NOT NULL,
      role TEXT NOT NULL,
      disposition TEXT NOT NULL CHECK (disposition IN ('success', 'failure', 'info', 'warning')),
      message TEXT NOT NULL,
      prev_hash TEXT NOT NULL,
      hash TEXT NOT NULL
    ) STRICT;
    CREATE TRIGGER IF NOT EXISTS audit_entry_no_update BEFORE UPDATE ON audit_entry
      BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER IF NOT EXISTS audit_entry_no_delete BEFORE DELETE ON audit_entry
      BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
  `);
}

export const AUDIT_LOG_SCHEMA: OpenDatabaseOptions = {
  schemaName: AUDIT_LOG_SCHEMA_NAME,
  schemaVersion: AUDIT_LOG_SCHEMA_VERSION,
  migrate: (db, fromVersion) => {
    if (fromVersion < 1) ensureAuditTables(db);
  },
};

export function hasAuditTable(db: SqliteDatabase): boolean {
  return db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'audit_entry'").get() !== undefined;
}

export const SELECT_ENTRIES =
  'SELECT sequence, time, event, role, disposition, message, prev_hash AS prevHash, hash FROM audit_entry ORDER BY sequence';

/** Row shape as read back. Rows are untrusted when verifying: the file may have been edited. */
export const auditRowSchema = z.object({
  sequence: z.number().int().safe(),
  time: z.string(),
  event: z.string(),
  role: z.string(),
  disposition: z.enum(AUDIT_DISPOSITIONS),
  message: z.string(),
  prevHash: z.string(),
  hash: z.string(),
});
