/**
 * The one way the suite opens a durable SQLite store (better-sqlite3 12).
 *
 * Every store (audit log, vote store, identity store, results) goes through `openDatabase`, so
 * durability, corruption checks and schema identity are decided once, here:
 * - the connection pragmas below are always in effect;
 * - the file passes `PRAGMA integrity_check` (or `quick_check`) before anyone reads it;
 * - the file names the schema it holds (name + version) in a STRICT meta table, and a store
 *   refuses a file of another schema or of a newer version instead of misreading it.
 * Expected failures (a damaged SD card, a wrong file handed over) come back as typed errors;
 * a migration that throws is a bug and propagates.
 *
 * Rules for the tables that stores create in `migrate`:
 * - Every table is `STRICT`, so a wrong type is an error instead of a silently coerced value.
 * - Stores that hold ballots (or anything linkable to a ballot) follow the secrecy rule in
 *   ./secrecy.ts: `WITHOUT ROWID` tables keyed by random ids, rewritten in key order at close.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { err, ok, type Result } from '../result.ts';

export type SqliteDatabase = Database.Database;

export type DatabaseOpenError =
  /** The file holds another kind of store (or is a SQLite file that is not ours). */
  | { kind: 'wrong-schema'; path: string; expected: string; found: string | null }
  /** Written by newer software: reading it with this version could misread it. */
  | { kind: 'newer-version'; path: string; schemaName: string; supported: number; found: number }
  /** Read-only opens cannot migrate, so an older file cannot be read as the current schema. */
  | { kind: 'older-version'; path: string; schemaName: string; supported: number; found: number }
  /** Not a database, or it fails the integrity check. */
  | { kind: 'corrupt'; path: string; detail: string }
  /** The file or its directory cannot be opened, read or written. */
  | { kind: 'io'; path: string; detail: string };

export interface OpenDatabaseOptions {
  /** Stable name of what the file holds, e.g. "vep-audit-log". */
  readonly schemaName: string;
  /** Current version this code reads and writes (a positive integer). */
  readonly schemaVersion: number;
  /**
   * Brings the file from `fromVersion` (0 = new, empty file) to `schemaVersion`. Runs inside
   * the same immediate transaction that records the new version, so a crash never leaves a
   * half-migrated file that claims the new version.
   */
  readonly migrate: (db: SqliteDatabase, fromVersion: number) => void;
  /** Open an existing file without writing to it (verification tools). Never creates or migrates. */
  readonly readOnly?: boolean;
  /** 'full' (default) runs integrity_check; 'quick' runs quick_check, O(N) instead of O(N log N). */
  readonly integrityCheck?: 'full' | 'quick';
  /** How long to wait for another connection's lock before failing (default 5000 ms). */
  readonly busyTimeoutMs?: number;
}

const META_TABLE = 'vep_schema';

/** SQLite result codes that mean "this file is damaged or not a database". */
const CORRUPT_CODES = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_CORRUPT_VTAB', 'SQLITE_CORRUPT_SEQUENCE', 'SQLITE_CORRUPT_INDEX']);
/** Codes that mean "the storage failed us", not "our code is wrong". */
const IO_PREFIXES = ['SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_READONLY', 'SQLITE_FULL', 'SQLITE_PERM', 'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_PROTOCOL'];

export function openDatabase(file: string, options: OpenDatabaseOptions): Result<SqliteDatabase, DatabaseOpenError> {
  if (!Number.isSafeInteger(options.schemaVersion) || options.schemaVersion < 1) {
    throw new Error(`schemaVersion must be a positive integer, got ${options.schemaVersion}`);
  }
  const readOnly = options.readOnly ?? false;
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;

  let db: SqliteDatabase;
  try {
    if (!readOnly) createPrivateFile(file);
    db = new Database(file, { readonly: readOnly, fileMustExist: readOnly, timeout: busyTimeoutMs });
  } catch (e) {
    return err({ kind: 'io', path: file, detail: describe(e) });
  }

  try {
    const checked = configureAndCheck(db, file, options, readOnly, busyTimeoutMs);
    if (!checked.ok) {
      db.close();
      return checked;
    }
    return ok(db);
  } catch (e) {
    db.close();
    const mapped = mapSqliteError(e, file);
    if (mapped) return err(mapped);
    throw e;
  }
}

function configureAndCheck(
  db: SqliteDatabase,
  file: string,
  options: OpenDatabaseOptions,
  readOnly: boolean,
  busyTimeoutMs: number,
): Result<null, DatabaseOpenError> {
  db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
  // WAL: readers never block the writer, and a commit is one sequential append, which is
  // both faster and kinder to SD cards than a rollback journal. It is persistent in the file,
  // so read-only connections inherit it.
  if (!readOnly) db.pragma('journal_mode = WAL');
  // FULL, not NORMAL: in WAL mode FULL fsyncs the WAL at every commit, so once a commit
  // returns (e.g. a vote is confirmed to the voter) it survives a power cut. NORMAL only
  // syncs at checkpoints: the last commits could vanish on power loss while the voter was
  // already told the vote was recorded.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // Deleted content is overwritten with zeros, not just unlinked from the b-tree: a cancelled
  // session or a removed record cannot be recovered forensically from free pages.
  db.pragma('secure_delete = ON');
  // A schema (trigger, view) in a file we are handed cannot call functions with side effects.
  db.pragma('trusted_schema = OFF');
  // Check each b-tree page's cell sizes as it is read: corruption is reported as an error
  // instead of being followed.
  db.pragma('cell_size_check = ON');

  const check = options.integrityCheck === 'quick' ? 'quick_check' : 'integrity_check';
  const rows = db.pragma(check) as Array<Record<string, unknown>>;
  const messages = rows.map((r) => String(Object.values(r)[0]));
  if (messages.length !== 1 || messages[0] !== 'ok') {
    return err({ kind: 'corrupt', path: file, detail: `${check}: ${messages.slice(0, 5).join('; ')}` });
  }
  return ensureSchema(db, file, options, readOnly);
}

interface MetaRow {
  schema_name: string;
  schema_version: number;
}

function readMeta(db: SqliteDatabase): MetaRow | 'absent' | 'foreign' {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(META_TABLE);
  if (!hasMeta) {
    const anything = db.prepare('SELECT 1 FROM sqlite_schema LIMIT 1').get();
    return anything ? 'foreign' : 'absent';
  }
  const row = db.prepare(`SELECT schema_name, schema_version FROM ${META_TABLE} WHERE id = 1`).get() as MetaRow | undefined;
  return row ?? 'foreign';
}

function ensureSchema(db: SqliteDatabase, file: string, options: OpenDatabaseOptions, readOnly: boolean): Result<null, DatabaseOpenError> {
  const { schemaName, schemaVersion } = options;
  const judge = (meta: MetaRow | 'absent' | 'foreign'): Result<number, DatabaseOpenError> => {
    if (meta === 'foreign') return err({ kind: 'wrong-schema', path: file, expected: schemaName, found: null });
    if (meta === 'absent') return ok(0);
    if (meta.schema_name !== schemaName) {
      return err({ kind: 'wrong-schema', path: file, expected: schemaName, found: meta.schema_name });
    }
    if (meta.schema_version > schemaVersion) {
      return err({ kind: 'newer-version', path: file, schemaName, supported: schemaVersion, found: meta.schema_version });
    }
    return ok(meta.schema_version);
  };

  const before = judge(readMeta(db));
  if (!before.ok) return before;
  if (before.value === schemaVersion) return ok(null);
  if (readOnly) {
    if (before.value === 0) return err({ kind: 'wrong-schema', path: file, expected: schemaName, found: null });
    return err({ kind: 'older-version', path: file, schemaName, supported: schemaVersion, found: before.value });
  }

  // Re-read under the write lock: another process may have created or migrated the file
  // between our first look and now.
  return transaction(db, () => {
    const current = judge(readMeta(db));
    if (!current.ok || current.value === schemaVersion) return current.ok ? ok(null) : current;
    if (current.value === 0) {
      db.exec(`CREATE TABLE ${META_TABLE} (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        schema_name TEXT NOT NULL,
        schema_version INTEGER NOT NULL CHECK (schema_version >= 1)
      ) STRICT`);
    }
    options.migrate(db, current.value);
    db.prepare(
      `INSERT INTO ${META_TABLE} (id, schema_name, schema_version) VALUES (1, ?, ?)
       ON CONFLICT (id) DO UPDATE SET schema_name = excluded.schema_name, schema_version = excluded.schema_version`,
    ).run(schemaName, schemaVersion);
    return ok(null);
  });
}

/**
 * Runs `fn` in an IMMEDIATE transaction (the write lock is taken up front, so two writers
 * never deadlock upgrading a read lock). Commits when `fn` returns, rolls back if it throws.
 * Nested calls become savepoints.
 */
export function transaction<T>(db: SqliteDatabase, fn: () => T): T {
  return db.transaction(fn).immediate();
}

/** The typed error for a SQLite failure during use (not only at open); undefined if it is a bug. */
export function mapSqliteError(e: unknown, file: string): DatabaseOpenError | undefined {
  if (!(e instanceof Database.SqliteError)) return undefined;
  if (CORRUPT_CODES.has(e.code)) return { kind: 'corrupt', path: file, detail: `${e.code}: ${e.message}` };
  if (IO_PREFIXES.some((p) => e.code.startsWith(p))) return { kind: 'io', path: file, detail: `${e.code}: ${e.message}` };
  return undefined;
}

export function describeDatabaseOpenError(e: DatabaseOpenError): string {
  switch (e.kind) {
    case 'wrong-schema':
      return e.found === null
        ? `${e.path} is not a ${e.expected} store (it holds no VEP schema record)`
        : `${e.path} holds a ${e.found} store, not a ${e.expected} store`;
    case 'newer-version':
      return `${e.path} is a ${e.schemaName} store of version ${e.found}; this software reads up to version ${e.supported}`;
    case 'older-version':
      return `${e.path} is a ${e.schemaName} store of version ${e.found}; it must be upgraded to version ${e.supported} before it can be read`;
    case 'corrupt':
      return `${e.path} is damaged or not a database (${e.detail})`;
    case 'io':
      return `${e.path} cannot be opened (${e.detail})`;
  }
}

/**
 * Creates a new store file readable by its owner only. SQLite gives the -wal and -shm files
 * the same permissions as the main file, so none of them is world-readable.
 */
function createPrivateFile(file: string): void {
  if (file === ':memory:' || file === '') return;
  if (!fs.existsSync(path.dirname(path.resolve(file)))) {
    throw new Error(`directory ${path.dirname(path.resolve(file))} does not exist`);
  }
  try {
    fs.writeFileSync(file, '', { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

function describe(e: unknown): string {
  if (e instanceof Database.SqliteError) return `${e.code}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}
