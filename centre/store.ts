/**
 * The computing centre's store (SQLite through shared/storage/database.ts).
 *
 * - `received`: every accepted file (mesa result or acta image), once per (kind, mesa, sha256),
 *   with the receipt bytes issued the first time, so a copy gets exactly the same receipt.
 * - `mesa_results`: at most ONE result per mesa (primary key), pointing at its `received` row.
 *   A different result for a mesa never replaces it: it goes to `conflicts` instead.
 * - `conflicts`: each distinct conflicting file per mesa, with how many times it came.
 * - `contest_labels`: names to print the tally with (contest name, organization short names),
 *   per contest key (contest id, plus the district for regional contests whose lists differ).
 *
 * Mesa results are public documents (the acta is posted at the polling place), so this store
 * holds no secret and needs no secrecy rules.
 */
import { describeDatabaseOpenError, openDatabase, transaction, type DatabaseOpenError, type SqliteDatabase } from '../shared/storage/database.ts';
import type { Result } from '../shared/result.ts';
import type { TransmittedKind } from '../shared/transmission/transmission-package.ts';

export const CENTRE_SCHEMA_NAME = 'vep-centre';
export const CENTRE_SCHEMA_VERSION = 1;

function migrate(db: SqliteDatabase, from: number): void {
  if (from < 1) {
    db.exec(`
      CREATE TABLE received (
        seq INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('mesa-result', 'acta-image')),
        election_id TEXT NOT NULL,
        mesa TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        package_hash TEXT NOT NULL,
        received_at TEXT NOT NULL,
        content BLOB NOT NULL,
        receipt BLOB,
        UNIQUE (kind, mesa, sha256)
      ) STRICT;
      CREATE TABLE mesa_results (
        mesa TEXT PRIMARY KEY,
        seq INTEGER NOT NULL UNIQUE REFERENCES received (seq),
        odpe_code TEXT NOT NULL,
        odpe_name TEXT NOT NULL,
        contest_keys TEXT NOT NULL,
        tally TEXT NOT NULL
      ) STRICT;
      CREATE TABLE conflicts (
        mesa TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        content BLOB NOT NULL,
        first_seen_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        times INTEGER NOT NULL,
        PRIMARY KEY (mesa, sha256)
      ) STRICT;
      CREATE TABLE contest_labels (
        contest_key TEXT PRIMARY KEY,
        labels TEXT NOT NULL
      ) STRICT;
    `);
  }
}

export interface StoredFile {
  readonly seq: number;
  readonly sha256: string;
  readonly receipt: Uint8Array;
}

export interface NewFile {
  readonly kind: TransmittedKind;
  readonly electionId: string;
  readonly mesa: string;
  readonly sha256: string;
  readonly packageHash: string;
  readonly receivedAt: string;
  readonly content: Uint8Array;
}

export interface MesaResultRow {
  readonly odpeCode: string;
  readonly odpeName: string;
  /** Aligned with tally.contests. */
  readonly contestKeys: readonly string[];
  /** canonical JSON of the acta's tally. */
  readonly tallyJson: string;
}

export interface ConflictRow {
  readonly mesa: string;
  readonly sha256: string;
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
  readonly times: number;
}

export interface StoredMesaResult {
  readonly mesa: string;
  readonly odpeCode: string;
  readonly odpeName: string;
  readonly contestKeys: readonly string[];
  readonly tallyJson: string;
}

export interface CentreStore {
  readonly db: SqliteDatabase;
  /** The file already accepted with this (kind, mesa, sha256), if any. */
  findFile(kind: TransmittedKind, mesa: string, sha256: string): StoredFile | undefined;
  /** The mesa's accepted result, if any. */
  findMesaResult(mesa: string): StoredFile | undefined;
  /**
   * Inserts the file (and its mesa-result row), then stores the receipt that `sign` makes from
   * the new sequence number, all in one transaction.
   */
  insertFile(file: NewFile, result: MesaResultRow | undefined, sign: (seq: number) => Uint8Array): StoredFile;
  recordConflict(mesa: string, sha256: string, content: Uint8Array, at: string): void;
  conflicts(): ConflictRow[];
  saveLabels(contestKey: string, labelsJson: string): void;
  labels(): Map<string, string>;
  mesaResults(): IterableIterator<StoredMesaResult>;
  counts(): { results: number; images: number; conflicts: number };
  close(): void;
}

export type CentreStoreError = DatabaseOpenError;
export const describeCentreStoreError = describeDatabaseOpenError;

export function openCentreStore(file: string, options: { readOnly?: boolean } = {}): Result<CentreStore, CentreStoreError> {
  const opened = openDatabase(file, {
    schemaName: CENTRE_SCHEMA_NAME,
    schemaVersion: CENTRE_SCHEMA_VERSION,
    migrate,
    readOnly: options.readOnly ?? false,
    integrityCheck: 'quick',
  });
  if (!opened.ok) return opened;
  const db = opened.value;
  const readOnly = options.readOnly ?? false;
  // Prepared lazily: a read-only connection must not prepare writes.
  const findFileStmt = db.prepare<[string, string, string], { seq: number; sha256: string; receipt: Buffer | null }>(
    'SELECT seq, sha256, receipt FROM received WHERE kind = ? AND mesa = ? AND sha256 = ?',
  );
  const findMesaStmt = db.prepare<[string], { seq: number; sha256: string; receipt: Buffer | null }>(
    'SELECT r.seq, r.sha256, r.receipt FROM mesa_results m JOIN received r ON r.seq = m.seq WHERE m.mesa = ?',
  );
  const stored = (row: { seq: number; sha256: string; receipt: Buffer | null } | undefined): StoredFile | undefined => {
    if (row === undefined) return undefined;
    if (row.receipt === null) throw new Error('bug: a received file without its receipt (written in one transaction)');
    return { seq: row.seq, sha256: row.sha256, receipt: new Uint8Array(row.receipt) };
  };
  const writes = readOnly
    ? undefined
    : {
        insertReceived: db.prepare(
          `INSERT INTO received (kind, election_id, mesa, sha256, package_hash, received_at, content)
           VALUES (@kind, @electionId, @mesa, @sha256, @packageHash, @receivedAt, @content)`,
        ),
        setReceipt: db.prepare('UPDATE received SET receipt = ? WHERE seq = ?'),
        insertMesa: db.prepare(
          `INSERT INTO mesa_results (mesa, seq, odpe_code, odpe_name, contest_keys, tally) VALUES (?, ?, ?, ?, ?, ?)`,
        ),
        conflict: db.prepare(
          `INSERT INTO conflicts (mesa, sha256, content, first_seen_at, last_seen_at, times) VALUES (?, ?, ?, ?, ?, 1)
           ON CONFLICT (mesa, sha256) DO UPDATE SET times = times + 1, last_seen_at = excluded.last_seen_at`,
        ),
        label: db.prepare('INSERT OR IGNORE INTO contest_labels (contest_key, labels) VALUES (?, ?)'),
      };
  const w = () => {
    if (writes === undefined) throw new Error('bug: write on a read-only centre store');
    return writes;
  };

  return {
    ok: true,
    value: {
      db,
      findFile: (kind, mesa, sha256) => stored(findFileStmt.get(kind, mesa, sha256)),
      findMesaResult: (mesa) => stored(findMesaStmt.get(mesa)),
      insertFile(file, result, sign) {
        return transaction(db, () => {
          const info = w().insertReceived.run({ ...file, content: Buffer.from(file.content) });
          const seq = Number(info.lastInsertRowid);
          if (result !== undefined) {
            w().insertMesa.run(file.mesa, seq, result.odpeCode, result.odpeName, JSON.stringify(result.contestKeys), result.tallyJson);
          }
          const receipt = sign(seq);
          w().setReceipt.run(Buffer.from(receipt), seq);
          return { seq, sha256: file.sha256, receipt };
        });
      },
      recordConflict(mesa, sha256, content, at) {
        w().conflict.run(mesa, sha256, Buffer.from(content), at, at);
      },
      conflicts: () =>
        db
          .prepare<[], ConflictRow>(
            'SELECT mesa, sha256, first_seen_at AS firstSeenAt, last_seen_at AS lastSeenAt, times FROM conflicts ORDER BY mesa, first_seen_at',
          )
          .all(),
      saveLabels(contestKey, labelsJson) {
        w().label.run(contestKey, labelsJson);
      },
      labels: () =>
        new Map(
          db
            .prepare<[], { contest_key: string; labels: string }>('SELECT contest_key, labels FROM contest_labels')
            .all()
            .map((r) => [r.contest_key, r.labels]),
        ),
      *mesaResults() {
        const rows = db
          .prepare<[], { mesa: string; odpe_code: string; odpe_name: string; contest_keys: string; tally: string }>(
            'SELECT mesa, odpe_code, odpe_name, contest_keys, tally FROM mesa_results ORDER BY mesa',
          )
          .iterate();
        for (const row of rows) {
          yield {
            mesa: row.mesa,
            odpeCode: row.odpe_code,
            odpeName: row.odpe_name,
            contestKeys: JSON.parse(row.contest_keys) as string[],
            tallyJson: row.tally,
          };
        }
      },
      counts() {
        const one = (sql: string) => (db.prepare<[], { n: number }>(sql).get()?.n ?? 0);
        return {
          results: one('SELECT count(*) AS n FROM mesa_results'),
          images: one("SELECT count(*) AS n FROM received WHERE kind = 'acta-image'"),
          conflicts: one('SELECT count(*) AS n FROM conflicts'),
        };
      },
      close: () => db.close(),
    },
  };
}
