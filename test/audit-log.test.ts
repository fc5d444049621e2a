import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  AUDIT_EVENTS,
  describeAuditLogProblem,
  openAuditLog,
  openSignedAuditLogHead,
  verifyAuditLog,
  GENESIS_HASH,
  type AuditEventId,
  type AuditLog,
  type AuditLogHead,
  type AuditLogProblem,
} from '../shared/audit/log.ts';
import { entryHash, type AuditEntry } from '../shared/audit/entry.ts';
import { generateSigningKeyPair } from '../shared/crypto/ed25519.ts';
import type { Signer } from '../shared/crypto/envelope.ts';
import { runCli } from './helpers/cli.ts';

function tempDir(t: ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A clock that advances 7 seconds per reading, from the opening of the polls. */
function steppingClock(): () => Date {
  let ms = Date.parse('2026-04-12T12:00:00.250Z');
  return () => {
    const now = new Date(ms);
    ms += 7000;
    return now;
  };
}

function mustOpen(file: string, role = 'cabin-1'): AuditLog {
  const opened = openAuditLog(file, { role, clock: steppingClock() });
  if (!opened.ok) throw new Error(`unexpected open failure: ${JSON.stringify(opened.error)}`);
  return opened.value;
}

const script: AuditEventId[] = ['station.boot', 'software.verified', 'package.verified', 'puesta-a-cero.printed', 'voting.opened'];

/** Writes a 20-entry log and returns its file and head. */
function writeLog(t: ExecutionContext): { file: string; head: AuditLogHead; entries: AuditEntry[] } {
  const file = path.join(tempDir(t), 'audit.db');
  const log = mustOpen(file);
  for (const event of script) log.append(event, { message: `step ${event}` });
  for (let i = 0; i < 14; i++) {
    log.append(i % 3 === 2 ? 'session.cancelled' : 'ballot.committed', { message: `voting session ended (${i})` });
  }
  log.append('voting.closed', { message: 'polls closed by the president' });
  const head = log.head();
  const entries = log.entries();
  log.close();
  return { file, head, entries };
}

/** Tampers like an attacker with file access: raw SQL, dropping the append-only triggers first. */
function tamper(file: string, change: (db: Database.Database) => void): void {
  const db = new Database(file);
  db.exec('DROP TRIGGER audit_entry_no_update; DROP TRIGGER audit_entry_no_delete');
  change(db);
  db.close();
}

function rowAt(db: Database.Database, sequence: number): AuditEntry {
  return db
    .prepare('SELECT sequence, time, event, role, disposition, message, prev_hash AS prevHash, hash FROM audit_entry WHERE sequence = ?')
    .get(sequence) as AuditEntry;
}

function problemsOf(file: string, expectedHead?: AuditLogHead): AuditLogProblem[] {
  const result = verifyAuditLog(file, expectedHead ? { expectedHead } : {});
  return result.ok ? [] : result.error;
}

test('an intact log verifies, and its entries chain from the genesis hash', (t) => {
  const { file, head, entries } = writeLog(t);
  t.is(entries.length, 20);
  t.deepEqual(
    entries.map((e) => e.sequence),
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
  t.is(entries[0]?.prevHash, GENESIS_HASH);
  for (let i = 1; i < entries.length; i++) t.is(entries[i]?.prevHash, entries[i - 1]?.hash);
  t.is(entries[0]?.time, '2026-04-12T12:00:00Z', 'UTC to the second');
  t.is(entries[0]?.disposition, AUDIT_EVENTS['station.boot'].disposition, 'default disposition from the catalogue');
  t.deepEqual(head, { sequence: 20, hash: entries[19]?.hash ?? '' });
  t.deepEqual(verifyAuditLog(file), { ok: true, value: { entries: 20, head } });
  t.deepEqual(verifyAuditLog(file, { expectedHead: head }), { ok: true, value: { entries: 20, head } });
});

test('entries appended after the signed head still verify against it', (t) => {
  const { file, head } = writeLog(t);
  const log = mustOpen(file);
  log.append('log.verified', { message: 'verified at the results station' });
  log.close();
  t.like(verifyAuditLog(file, { expectedHead: head }), { ok: true, value: { entries: 21 } });
});

test('an explicit disposition overrides the default', (t) => {
  const log = mustOpen(path.join(tempDir(t), 'a.db'));
  t.teardown(() => log.close());
  t.is(log.append('printer.fault', { message: 'paper out' }).disposition, 'failure');
  t.is(log.append('printer.fault', { disposition: 'warning', message: 'paper low' }).disposition, 'warning');
});

test('append refuses a DNI-shaped number and control characters (a bug: it throws)', (t) => {
  const log = mustOpen(path.join(tempDir(t), 'a.db'), 'identity');
  t.teardown(() => log.close());
  t.throws(() => log.append('voter.checked', { message: 'elector 45678912 checked' }), { message: /8-digit/ });
  t.throws(() => log.append('voter.checked', { message: 'dni=45678912' }), { message: /8-digit/ });
  t.throws(() => log.append('voter.checked', { message: '45678912' }), { message: /8-digit/ });
  t.throws(() => log.append('station.boot', { message: 'two\nlines' }), { message: /control/ });
  t.is(log.head().sequence, 0, 'nothing was written');
  // Hashes and longer numbers are not DNI-shaped.
  t.notThrows(() => log.append('package.verified', { message: 'package sha256 ab12345678cd9f, 123456789 bytes, 2026-04-12' }));
  t.is(log.head().sequence, 1);
});

test('the append-only triggers refuse UPDATE and DELETE through plain SQL', (t) => {
  const { file } = writeLog(t);
  const db = new Database(file);
  t.teardown(() => db.close());
  t.throws(() => db.prepare("UPDATE audit_entry SET message = 'x' WHERE sequence = 1").run(), { any: true, message: /append-only/ });
  t.throws(() => db.prepare('DELETE FROM audit_entry WHERE sequence = 20').run(), { any: true, message: /append-only/ });
});

test('a log written by another station role is refused', (t) => {
  const { file } = writeLog(t);
  const opened = openAuditLog(file, { role: 'cabin-2', clock: steppingClock() });
  t.like(opened, { ok: false, error: { kind: 'other-station', expected: 'cabin-2', found: 'cabin-1' } });
});

test('a file that is not an audit log is unreadable, not a crash', (t) => {
  const file = path.join(tempDir(t), 'junk.db');
  fs.writeFileSync(file, 'not a database '.repeat(500));
  const problems = problemsOf(file);
  t.is(problems.length, 1);
  t.is(problems[0]?.kind, 'unreadable');
});

test('the head signs into an audit-log-head envelope that opens with the station key', (t) => {
  const { file, head } = writeLog(t);
  const keys = generateSigningKeyPair();
  const signer: Signer = { role: 'cabin-1', ...keys };
  const log = mustOpen(file);
  const envelope = log.signHead(signer);
  log.close();
  const opened = openSignedAuditLogHead(envelope, (role) => (role === 'cabin-1' ? keys.publicKey : undefined));
  t.deepEqual(opened, { ok: true, value: { role: 'cabin-1', signer: 'cabin-1', head } });
  const untrusted = openSignedAuditLogHead(envelope, () => undefined);
  t.like(untrusted, { ok: false, error: { kind: 'unknown-signer' } });
  const edited = new TextEncoder().encode(new TextDecoder().decode(envelope).replace('"sequence":20', '"sequence":30'));
  t.like(openSignedAuditLogHead(edited, () => keys.publicKey), { ok: false, error: { kind: 'bad-signature' } });
});

interface Scenario {
  readonly name: string;
  readonly change: (db: Database.Database, original: readonly AuditEntry[]) => void;
  readonly withExpectedHead?: boolean;
  /** The problems expected; `hashAt` reads a stored hash from the tampered file. */
  readonly expected: AuditLogProblem[] | ((ctx: { head: AuditLogHead; hashAt: (sequence: number) => string }) => AuditLogProblem[]);
  readonly cliPattern: RegExp;
}

/** Shifts entries above `from` by `by` (through a high temporary range: the sequence is the key). */
function shift(db: Database.Database, from: number, by: number): void {
  db.prepare('UPDATE audit_entry SET sequence = sequence + 100000 WHERE sequence > ?').run(from);
  db.prepare('UPDATE audit_entry SET sequence = sequence - 100000 + ? WHERE sequence > 100000').run(by);
}

function insertRow(db: Database.Database, entry: AuditEntry): void {
  db.prepare(
    `INSERT INTO audit_entry (sequence, time, event, role, disposition, message, prev_hash, hash)
     VALUES (@sequence, @time, @event, @role, @disposition, @message, @prevHash, @hash)`,
  ).run(entry);
}

function forged(fields: Omit<AuditEntry, 'hash'>): AuditEntry {
  return { ...fields, hash: entryHash(fields) };
}

const scenarios: Scenario[] = [
  {
    name: 'an edited message',
    change: (db) => db.prepare("UPDATE audit_entry SET message = 'nothing happened' WHERE sequence = 7").run(),
    expected: [{ kind: 'edited', sequence: 7 }],
    cliPattern: /entry 7 was edited/,
  },
  {
    name: 'an edited time',
    change: (db) => db.prepare("UPDATE audit_entry SET time = '2026-04-12T09:00:00Z' WHERE sequence = 12").run(),
    expected: [{ kind: 'edited', sequence: 12 }],
    cliPattern: /entry 12 was edited/,
  },
  {
    name: 'a deleted middle entry',
    change: (db) => db.prepare('DELETE FROM audit_entry WHERE sequence = 10').run(),
    expected: [{ kind: 'deleted', after: 9, first: 10, last: 10 }],
    cliPattern: /entry 10 was deleted/,
  },
  {
    name: 'a deleted entry with the rest renumbered to close the gap',
    change: (db) => {
      db.prepare('DELETE FROM audit_entry WHERE sequence = 10').run();
      shift(db, 10, -1);
    },
    expected: [
      { kind: 'deleted', after: 9, first: 10, last: 10 },
      { kind: 'reordered', sequence: 10, count: 10, originalSequence: 11 },
    ],
    cliPattern: /entry 10 was deleted/,
  },
  {
    name: 'an inserted entry with its own correct hash',
    change: (db) => {
      const before = rowAt(db, 10);
      shift(db, 10, 1);
      insertRow(
        db,
        forged({ ...before, sequence: 11, time: before.time, event: 'token.rejected', disposition: 'failure', message: 'forged', prevHash: before.hash }),
      );
    },
    expected: [
      { kind: 'inserted', sequence: 11 },
      { kind: 'reordered', sequence: 12, count: 10, originalSequence: 11 },
    ],
    cliPattern: /entry 11 was inserted/,
  },
  {
    name: 'an entry appended at the end that branches off an earlier one',
    change: (db) => {
      const fifth = rowAt(db, 5);
      insertRow(db, forged({ ...fifth, sequence: 21, message: 'forged later', prevHash: fifth.hash }));
    },
    expected: [{ kind: 'inserted', sequence: 21 }],
    cliPattern: /entry 21 was inserted/,
  },
  {
    name: 'two entries swapped',
    change: (db) => {
      db.prepare('UPDATE audit_entry SET sequence = 1000 WHERE sequence = 5').run();
      db.prepare('UPDATE audit_entry SET sequence = 5 WHERE sequence = 9').run();
      db.prepare('UPDATE audit_entry SET sequence = 9 WHERE sequence = 1000').run();
    },
    expected: [
      { kind: 'reordered', sequence: 5, count: 1, originalSequence: 9 },
      { kind: 'reordered', sequence: 9, count: 1, originalSequence: 5 },
    ],
    cliPattern: /entry 5 was reordered: it was written as entry 9/,
  },
  {
    name: 'an entry edited with its own hash recomputed',
    change: (db) => {
      const seventh = rowAt(db, 7);
      db.prepare('DELETE FROM audit_entry WHERE sequence = 7').run();
      insertRow(db, forged({ ...seventh, message: 'rewritten' }));
    },
    expected: [{ kind: 'broken-chain', sequence: 8 }],
    cliPattern: /chain broken at entry 8/,
  },
  {
    name: 'a truncated tail (found with the expected head)',
    change: (db) => db.prepare('DELETE FROM audit_entry WHERE sequence > 17').run(),
    withExpectedHead: true,
    expected: [{ kind: 'truncated', lastSequence: 17, expectedSequence: 20 }],
    cliPattern: /log truncated: it ends at entry 17 but the expected head is entry 20/,
  },
  {
    name: 'a tail rewritten with every hash recomputed (found with the expected head)',
    change: (db, original) => {
      db.prepare('DELETE FROM audit_entry WHERE sequence >= 15').run();
      let prevHash = rowAt(db, 14).hash;
      for (const entry of original.filter((e) => e.sequence >= 15)) {
        const rewritten = forged({ ...entry, message: entry.sequence === 15 ? 'rewritten' : entry.message, prevHash });
        insertRow(db, rewritten);
        prevHash = rewritten.hash;
      }
    },
    withExpectedHead: true,
    expected: ({ head, hashAt }) => [{ kind: 'head-mismatch', sequence: 20, expectedHash: head.hash, foundHash: hashAt(20) }],
    cliPattern: /head mismatch: entry 20 has hash/,
  },
];

for (const scenario of scenarios) {
  test(`tampering is detected by verifyAuditLog and by \`vep log verify\`: ${scenario.name}`, async (t) => {
    const { file, head, entries } = writeLog(t);
    tamper(file, (db) => scenario.change(db, entries));
    const expectedHead = scenario.withExpectedHead ? head : undefined;
    const problems = problemsOf(file, expectedHead);
    const hashAt = (sequence: number): string => {
      const db = new Database(file, { readonly: true });
      try {
        return rowAt(db, sequence).hash;
      } finally {
        db.close();
      }
    };
    const expected = typeof scenario.expected === 'function' ? scenario.expected({ head, hashAt }) : scenario.expected;
    t.deepEqual(problems, expected);
    for (const p of problems) t.regex(describeAuditLogProblem(p), /\S/);

    const args = ['log', 'verify', file, ...(expectedHead ? ['--expect-head', `${expectedHead.sequence}:${expectedHead.hash}`] : [])];
    const run = await runCli(args);
    t.is(run.code, 1, run.stderr);
    t.regex(run.stderr, scenario.cliPattern);
  });
}

test('a truncated tail alone is invisible to the chain without an expected head', (t) => {
  const { file } = writeLog(t);
  tamper(file, (db) => db.prepare('DELETE FROM audit_entry WHERE sequence > 17').run());
  t.like(verifyAuditLog(file), { ok: true, value: { entries: 17 } });
});

test('`vep log verify` prints the entry count and head of an intact log and exits 0', async (t) => {
  const { file, head } = writeLog(t);
  const before = fs.readFileSync(file);
  const run = await runCli(['log', 'verify', file, '--expect-head', `${head.sequence}:${head.hash}`]);
  t.is(run.code, 0, run.stderr);
  t.true(fs.readFileSync(file).equals(before), 'verification never changes the evidence');
  t.true(run.stdout.includes(`intact: 20 entries, head 20:${head.hash}`), run.stdout);

  const json = await runCli(['log', 'verify', file, '--json']);
  t.is(json.code, 0, json.stderr);
  t.deepEqual(JSON.parse(json.stdout), { intact: true, entries: 20, head, problems: [] });
});

test('`vep log verify --json` lists problems with descriptions and exits 1', async (t) => {
  const { file } = writeLog(t);
  tamper(file, (db) => db.prepare("UPDATE audit_entry SET message = 'x' WHERE sequence = 3").run());
  const run = await runCli(['log', 'verify', file, '--json']);
  t.is(run.code, 1);
  t.deepEqual(JSON.parse(run.stdout), {
    intact: false,
    problems: [{ kind: 'edited', sequence: 3, description: 'entry 3 was edited: its content does not match its hash' }],
  });
});

test('`vep log verify` refuses a malformed --expect-head', async (t) => {
  const { file } = writeLog(t);
  const run = await runCli(['log', 'verify', file, '--expect-head', '20:nothex']);
  t.not(run.code, 0);
  t.regex(run.stderr, /SEQ:HASH/);
});
