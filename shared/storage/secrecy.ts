/**
 * The secrecy rule for stores that hold ballots (the vote store, and anything else whose
 * rows could be matched to a voter by order or time).
 *
 * Nothing stored may reveal the order in which ballots were cast, since the identity station
 * knows the order in which voters were admitted. In SQLite, order leaks through:
 * 1. rowids (1, 2, 3, ... in insertion order): use `WITHOUT ROWID` tables whose primary key is
 *    a random id from a CSPRNG (`randomRowKey`), never a counter, AUTOINCREMENT, timestamp or
 *    anything derived from the session. `assertSecretTable` checks the table shape.
 * 2. columns: no time, no sequence, no cabin session id, no token nonce next to a ballot.
 * 3. the physical layout: inside a b-tree page SQLite places each new cell below the previous
 *    one, and new pages are appended at the end of the file, so byte offsets reflect the
 *    insertion order even with random keys. The WAL file also holds page images in commit
 *    order. `rewriteInKeyOrder` (VACUUM + truncating checkpoint) rebuilds the file so its
 *    bytes depend only on the set of rows, not on their history; the vote store must call it
 *    when voting closes, before any copy of the file leaves the station.
 * 4. deleted data: `secure_delete = ON` (set by openDatabase) zeroes freed content.
 * Residual risk, documented rather than solved here: until the close-of-voting rewrite, a
 * seized card holds the layout order; and a truncated WAL's old blocks stay on the flash
 * medium below the filesystem. Full-disk encryption of the station's data partition with a
 * key destroyed at close addresses both.
 */
import { randomBytes } from 'node:crypto';
import type { SqliteDatabase } from './database.ts';

/** 128-bit random primary key (hex) from the OS CSPRNG: carries no order and no time. */
export function randomRowKey(): string {
  return randomBytes(16).toString('hex');
}

interface TableListRow {
  name: string;
  type: string;
  wr: number;
  strict: number;
}

/**
 * Throws (a schema bug) unless `table` is a STRICT, WITHOUT ROWID table. Ballot stores call
 * this on open so a careless migration cannot quietly reintroduce rowids.
 */
export function assertSecretTable(db: SqliteDatabase, table: string): void {
  const rows = db.prepare('SELECT name, type, wr, strict FROM pragma_table_list WHERE name = ?').all(table) as TableListRow[];
  const row = rows[0];
  if (!row || row.type !== 'table') throw new Error(`secret table ${table} does not exist`);
  if (row.wr !== 1) throw new Error(`secret table ${table} must be WITHOUT ROWID: rowids reveal insertion order`);
  if (row.strict !== 1) throw new Error(`table ${table} must be STRICT`);
}

/**
 * Rebuilds the database file so that its bytes depend only on its rows (in key order), not on
 * the order in which they were inserted, and empties the WAL. Needs no open transaction.
 */
export function rewriteInKeyOrder(db: SqliteDatabase): void {
  db.exec('VACUUM');
  db.pragma('wal_checkpoint(TRUNCATE)');
}
