import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase, transaction, type OpenDatabaseOptions, type SqliteDatabase } from '../shared/storage/database.ts';
import { assertSecretTable, randomRowKey, rewriteInKeyOrder } from '../shared/storage/secrecy.ts';

function tempDir(t: { teardown: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const notes: OpenDatabaseOptions = {
  schemaName: 'test-notes',
  schemaVersion: 1,
  migrate: (db) => {
    db.exec('CREATE TABLE note (id TEXT PRIMARY KEY, n INTEGER NOT NULL, body TEXT NOT NULL) STRICT');
  },
};

function open(file: string, options: OpenDatabaseOptions = notes): SqliteDatabase {
  const opened = openDatabase(file, options);
  if (!opened.ok) throw new Error(`unexpected open failure: ${JSON.stringify(opened.error)}`);
  return opened.value;
}

test('the durability and safety pragmas are in effect', (t) => {
  const db = open(path.join(tempDir(t), 'a.db'), { ...notes, busyTimeoutMs: 1234 });
  t.teardown(() => db.close());
  t.is(db.pragma('journal_mode', { simple: true }), 'wal');
  t.is(db.pragma('synchronous', { simple: true }), 2, 'synchronous=FULL');
  t.is(db.pragma('foreign_keys', { simple: true }), 1);
  t.is(db.pragma('secure_delete', { simple: true }), 1);
  t.is(db.pragma('trusted_schema', { simple: true }), 0);
  t.is(db.pragma('busy_timeout', { simple: true }), 1234);
});

test('a new file is private to its owner', (t) => {
  const file = path.join(tempDir(t), 'a.db');
  const db = open(file);
  t.teardown(() => db.close());
  t.is(fs.statSync(file).mode & 0o077, 0);
});

test('the schema is recorded in a STRICT meta table and STRICT tables reject wrong types', (t) => {
  const db = open(path.join(tempDir(t), 'a.db'));
  t.teardown(() => db.close());
  t.deepEqual(db.prepare('SELECT schema_name, schema_version FROM vep_schema').get(), { schema_name: 'test-notes', schema_version: 1 });
  const strict = db.prepare("SELECT name FROM pragma_table_list WHERE strict = 1 AND name IN ('vep_schema', 'note') ORDER BY name").all();
  t.deepEqual(strict, [{ name: 'note' }, { name: 'vep_schema' }]);
  // better-sqlite3's SqliteError comes from the native addon's realm: match it with `any`.
  const error = t.throws(() => db.prepare('INSERT INTO note (id, n, body) VALUES (?, ?, ?)').run('x', 'not a number', 'b'), { any: true });
  t.is((error as { code?: string } | undefined)?.code, 'SQLITE_CONSTRAINT_DATATYPE');
});

test('committed data survives close and reopen', (t) => {
  const file = path.join(tempDir(t), 'a.db');
  const first = open(file);
  transaction(first, () => {
    first.prepare('INSERT INTO note VALUES (?, ?, ?)').run('k1', 7, 'seven');
  });
  first.close();
  const second = open(file);
  t.teardown(() => second.close());
  t.deepEqual(second.prepare('SELECT * FROM note').all(), [{ id: 'k1', n: 7, body: 'seven' }]);
});

test('transaction rolls back everything when the function throws', (t) => {
  const db = open(path.join(tempDir(t), 'a.db'));
  t.teardown(() => db.close());
  t.throws(() =>
    transaction(db, () => {
      db.prepare('INSERT INTO note VALUES (?, ?, ?)').run('k1', 1, 'one');
      throw new Error('boom');
    }),
  );
  t.is((db.prepare('SELECT count(*) AS c FROM note').get() as { c: number }).c, 0);
});

test('a file of another schema is refused', (t) => {
  const file = path.join(tempDir(t), 'a.db');
  open(file).close();
  const other = openDatabase(file, { ...notes, schemaName: 'test-votes' });
  t.false(other.ok);
  if (!other.ok) t.like(other.error, { kind: 'wrong-schema', expected: 'test-votes', found: 'test-notes' });
});

test('a foreign SQLite file without our meta table is refused, not adopted', (t) => {
  const file = path.join(tempDir(t), 'foreign.db');
  const raw = new Database(file);
  raw.exec('CREATE TABLE something (x)');
  raw.close();
  const opened = openDatabase(file, notes);
  t.false(opened.ok);
  if (!opened.ok) t.like(opened.error, { kind: 'wrong-schema', found: null });
});

test('a file written by a newer version is refused', (t) => {
  const file = path.join(tempDir(t), 'a.db');
  open(file, { ...notes, schemaVersion: 3 }).close();
  const opened = openDatabase(file, { ...notes, schemaVersion: 2 });
  t.false(opened.ok);
  if (!opened.ok) t.like(opened.error, { kind: 'newer-version', supported: 2, found: 3 });
});

test('an older file is migrated from its version, and the new version is recorded', (t) => {
  const file = path.join(tempDir(t), 'a.db');
  open(file).close();
  const seen: number[] = [];
  const db = open(file, {
    ...notes,
    schemaVersion: 2,
    migrate: (d, from) => {
      seen.push(from);
      d.exec('ALTER TABLE note ADD COLUMN extra TEXT');
    },
  });
  t.teardown(() => db.close());
  t.deepEqual(seen, [1]);
  t.is(db.prepare('SELECT schema_version FROM vep_schema').pluck().get(), 2);
});

test('read-only open neither creates nor migrates', (t) => {
  const dir = tempDir(t);
  const missing = openDatabase(path.join(dir, 'missing.db'), { ...notes, readOnly: true });
  t.like(missing, { ok: false, error: { kind: 'io' } });
  t.false(fs.existsSync(path.join(dir, 'missing.db')));
  const file = path.join(dir, 'a.db');
  open(file).close();
  const older = openDatabase(file, { ...notes, schemaVersion: 2, readOnly: true });
  t.like(older, { ok: false, error: { kind: 'older-version', found: 1, supported: 2 } });
  const same = openDatabase(file, { ...notes, readOnly: true });
  t.true(same.ok);
  if (same.ok) same.value.close();
});

test('a file with overwritten bytes in the middle is refused as corrupt, not a crash', (t) => {
  const file = path.join(tempDir(t), 'a.db');
  const db = open(file);
  const insert = db.prepare('INSERT INTO note VALUES (?, ?, ?)');
  transaction(db, () => {
    for (let i = 0; i < 2000; i++) insert.run(`key-${i}`, i, `body of note ${i} `.repeat(3));
  });
  db.close();
  const size = fs.statSync(file).size;
  const pageSize = 4096;
  t.true(size > 20 * pageSize, 'the file spans many pages');
  const middlePage = Math.floor(size / pageSize / 2);
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, middlePage * pageSize);
  fs.closeSync(fd);

  const opened = openDatabase(file, notes);
  t.false(opened.ok);
  if (!opened.ok) t.is(opened.error.kind, 'corrupt');
});

test('a file that is not a database at all is refused as corrupt', (t) => {
  const file = path.join(tempDir(t), 'a.db');
  fs.writeFileSync(file, 'this is a text file, not SQLite '.repeat(200));
  const opened = openDatabase(file, notes);
  t.like(opened, { ok: false, error: { kind: 'corrupt' } });
});

test('a missing directory is an io error', (t) => {
  const opened = openDatabase(path.join(tempDir(t), 'no', 'such', 'a.db'), notes);
  t.like(opened, { ok: false, error: { kind: 'io' } });
});

const ballots: OpenDatabaseOptions = {
  schemaName: 'test-ballots',
  schemaVersion: 1,
  migrate: (db) => {
    db.exec('CREATE TABLE ballot (id TEXT PRIMARY KEY, content TEXT NOT NULL) STRICT, WITHOUT ROWID');
    db.exec('CREATE TABLE leaky (id TEXT PRIMARY KEY, content TEXT NOT NULL) STRICT');
  },
};

test('assertSecretTable accepts WITHOUT ROWID tables only', (t) => {
  const db = open(path.join(tempDir(t), 'b.db'), ballots);
  t.teardown(() => db.close());
  t.notThrows(() => assertSecretTable(db, 'ballot'));
  t.throws(() => assertSecretTable(db, 'leaky'), { message: /WITHOUT ROWID/ });
  t.throws(() => assertSecretTable(db, 'absent'), { message: /does not exist/ });
});

test('after rewriteInKeyOrder the file bytes do not depend on insertion order', (t) => {
  const dir = tempDir(t);
  const rows = Array.from({ length: 600 }, (_, i) => ({ id: randomRowKey(), content: `ballot content ${i % 7} `.repeat(4) }));
  t.regex(rows[0]?.id ?? '', /^[0-9a-f]{32}$/);
  const write = (name: string, order: typeof rows): Buffer => {
    const file = path.join(dir, name);
    const db = open(file, ballots);
    const insert = db.prepare('INSERT INTO ballot (id, content) VALUES (?, ?)');
    for (const row of order) transaction(db, () => insert.run(row.id, row.content));
    rewriteInKeyOrder(db);
    db.close();
    return fs.readFileSync(file);
  };
  const forward = write('forward.db', rows);
  const backward = write('backward.db', [...rows].reverse());
  t.is(forward.length, backward.length);
  // Bytes 0-99 are the file header (change counters); everything after is layout and data.
  t.true(forward.subarray(100).equals(backward.subarray(100)));
  t.is(fs.existsSync(path.join(dir, 'forward.db-wal')) ? fs.statSync(path.join(dir, 'forward.db-wal')).size : 0, 0);
});
