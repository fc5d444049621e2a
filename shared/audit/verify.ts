/**
 * Verification of an audit log: recomputes every hash, walks the chain and names each problem
 * (edited, deleted, inserted, reordered entries; a broken chain; a log cut short or rewritten
 * since its head was signed).
 *
 * Naming needs more than "the chain breaks at N". Each entry's hash covers its sequence, so for
 * an entry whose hash does not match we also find the sequence it WAS written with (its
 * predecessor's original sequence + 1, or a neighbour): an entry that matches under another
 * sequence was moved, not edited. With original sequences known, a gap in them is a deletion,
 * an entry that the next one skips over is an insertion, and so on.
 */
import { err, ok, type Result } from '../result.ts';
import { describeDatabaseOpenError, mapSqliteError, openDatabase, type SqliteDatabase } from '../storage/database.ts';
import { entryHash, GENESIS_HASH, type AuditEntry, type AuditLogHead } from './entry.ts';
import { AUDIT_LOG_SCHEMA, auditRowSchema, hasAuditTable, SELECT_ENTRIES } from './store.ts';

export type AuditLogProblem =
  /** The file cannot be opened or read as an audit log. */
  | { kind: 'unreadable'; detail: string }
  /** A row that is not a well-formed entry (wrong types or disposition). */
  | { kind: 'malformed'; sequence: number | null; detail: string }
  /** The entry's content no longer matches its hash under any plausible sequence. */
  | { kind: 'edited'; sequence: number }
  /** Entries with original sequences first..last are missing after stored entry `after`. */
  | { kind: 'deleted'; after: number; first: number; last: number }
  /** The entry is not part of the chain: the next entry skips it, or it branches off an earlier one. */
  | { kind: 'inserted'; sequence: number }
  /** `count` consecutive entries starting at `sequence` were written as `originalSequence`... */
  | { kind: 'reordered'; sequence: number; count: number; originalSequence: number }
  /** The entry does not link to the one before it, for no reason we can name more precisely. */
  | { kind: 'broken-chain'; sequence: number }
  /** The log ends before the expected (signed) head. */
  | { kind: 'truncated'; lastSequence: number; expectedSequence: number }
  /** The entry at the expected head's sequence is not the one that was signed: the log was rewritten. */
  | { kind: 'head-mismatch'; sequence: number; expectedHash: string; foundHash: string | null };

export interface VerifyAuditLogOptions {
  /** The head signed into the station's closing results; detects truncation and rewriting. */
  readonly expectedHead?: AuditLogHead;
}

export interface VerifiedAuditLog {
  readonly entries: number;
  readonly head: AuditLogHead;
}

type Row = AuditEntry;

export function verifyAuditLog(target: string | SqliteDatabase, options: VerifyAuditLogOptions = {}): Result<VerifiedAuditLog, AuditLogProblem[]> {
  const read = readRows(target);
  if (!read.ok) return err([read.error]);
  const { rows, malformed } = read.value;

  const problems = [...read.value.problems, ...chainProblems(rows, malformed)];
  const last = rows.at(-1);
  const head: AuditLogHead = last ? { sequence: last.sequence, hash: last.hash } : { sequence: 0, hash: GENESIS_HASH };
  const expected = options.expectedHead;
  if (expected) problems.push(...headProblems(rows, head, expected));
  if (problems.length > 0) return err(problems);
  return ok({ entries: rows.length, head });
}

interface ReadRows {
  /** All rows in stored order; malformed ones as placeholders so the chain walk sees them. */
  readonly rows: Row[];
  readonly malformed: ReadonlySet<Row>;
  readonly problems: AuditLogProblem[];
}

function readRows(target: string | SqliteDatabase): Result<ReadRows, AuditLogProblem> {
  const file = typeof target === 'string' ? target : target.name;
  let db: SqliteDatabase;
  if (typeof target === 'string') {
    // Read-only: verifying evidence must never change it.
    const opened = openDatabase(target, { ...AUDIT_LOG_SCHEMA, readOnly: true });
    if (!opened.ok) return err({ kind: 'unreadable', detail: describeDatabaseOpenError(opened.error) });
    db = opened.value;
  } else {
    db = target;
  }
  try {
    if (!hasAuditTable(db)) return err({ kind: 'unreadable', detail: `${file} has no audit_entry table` });
    const raw = db.prepare(SELECT_ENTRIES).all() as Array<Record<string, unknown>>;
    const rows: Row[] = [];
    const malformed = new Set<Row>();
    const problems: AuditLogProblem[] = [];
    for (const item of raw) {
      const parsed = auditRowSchema.safeParse(item);
      if (parsed.success) {
        rows.push(parsed.data);
        continue;
      }
      // sequence is the INTEGER PRIMARY KEY, so it is always an integer.
      const sequence = Number(item.sequence);
      const placeholder: Row = {
        sequence,
        time: '',
        event: '',
        role: '',
        disposition: 'info',
        message: '',
        prevHash: String(item.prevHash),
        hash: String(item.hash),
      };
      rows.push(placeholder);
      malformed.add(placeholder);
      problems.push({ kind: 'malformed', sequence, detail: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
    }
    return ok({ rows, malformed, problems });
  } catch (e) {
    const mapped = mapSqliteError(e, file);
    if (mapped) return err({ kind: 'unreadable', detail: describeDatabaseOpenError(mapped) });
    throw e;
  } finally {
    if (typeof target === 'string') db.close();
  }
}

/** The sequence each row was hashed with, or null when its content was changed. */
function originalSequences(rows: readonly Row[], malformed: ReadonlySet<Row>): Map<Row, number | null> {
  const orig = new Map<Row, number | null>();
  const byHash = new Map<string, Row>();
  const children = new Map<string, Row[]>();
  for (const row of rows) {
    if (!byHash.has(row.hash)) byHash.set(row.hash, row);
    children.set(row.prevHash, [...(children.get(row.prevHash) ?? []), row]);
  }
  const matches = (row: Row, sequence: number): boolean => sequence >= 1 && entryHash({ ...row, sequence }) === row.hash;

  const unresolved = new Set<Row>();
  for (const row of rows) {
    if (malformed.has(row)) orig.set(row, null);
    else if (matches(row, row.sequence)) orig.set(row, row.sequence);
    else unresolved.add(row);
  }
  // Candidates come from resolved neighbours in the chain, then nearby sequences (a shift after
  // an insertion or deletion). Repeat while something new resolves: one pass in stored order
  // resolves a whole shifted run, since each entry's predecessor resolves just before it.
  let progress = true;
  while (progress && unresolved.size > 0) {
    progress = false;
    for (const row of rows) {
      if (!unresolved.has(row)) continue;
      const candidates: number[] = [];
      if (row.prevHash === GENESIS_HASH) candidates.push(1);
      const predecessor = byHash.get(row.prevHash);
      const predecessorSequence = predecessor ? orig.get(predecessor) : undefined;
      if (typeof predecessorSequence === 'number') candidates.push(predecessorSequence + 1);
      for (const child of children.get(row.hash) ?? []) {
        const childSequence = orig.get(child);
        if (typeof childSequence === 'number') candidates.push(childSequence - 1);
      }
      candidates.push(row.sequence - 1, row.sequence + 1, row.sequence - 2, row.sequence + 2);
      const found = candidates.find((c) => matches(row, c));
      if (found !== undefined) {
        orig.set(row, found);
        unresolved.delete(row);
        progress = true;
      }
    }
  }
  for (const row of unresolved) orig.set(row, null);
  return orig;
}

interface Positioned {
  readonly at: number;
  readonly problem: AuditLogProblem;
}

function chainProblems(rows: readonly Row[], malformed: ReadonlySet<Row>): AuditLogProblem[] {
  const orig = originalSequences(rows, malformed);
  const knownOriginals = new Set([...orig.values()].filter((v): v is number => v !== null));
  const hashes = new Set(rows.map((r) => r.hash));
  const found: Positioned[] = [];
  const inserted = new Set<number>();
  const renumbered = (row: Row | undefined): boolean => {
    const o = row ? orig.get(row) : 0;
    return row !== undefined && o !== null && o !== row.sequence;
  };

  // Runs of consecutive entries moved by the same offset are one problem.
  let run: { start: Row; count: number; offset: number } | undefined;
  const closeRun = (): void => {
    if (run) {
      found.push({ at: run.start.sequence, problem: { kind: 'reordered', sequence: run.start.sequence, count: run.count, originalSequence: run.start.sequence + run.offset } });
    }
    run = undefined;
  };

  let previous: Row | undefined;
  for (const row of rows) {
    const o = orig.get(row) ?? null;
    const offset = o === null ? 0 : o - row.sequence;
    if (offset !== 0 && run && run.offset === offset && previous && renumbered(previous) && previous.sequence === row.sequence - 1) {
      run.count += 1;
    } else {
      closeRun();
      if (offset !== 0) run = { start: row, count: 1, offset };
    }
    if (o === null && !malformed.has(row)) found.push({ at: row.sequence, problem: { kind: 'edited', sequence: row.sequence } });

    const previousHash = previous?.hash ?? GENESIS_HASH;
    if (row.prevHash !== previousHash) {
      const problem = classifyBreak(previous, row, orig, knownOriginals, hashes, renumbered);
      if (problem && !(problem.kind === 'inserted' && inserted.has(problem.sequence))) {
        if (problem.kind === 'inserted') inserted.add(problem.sequence);
        found.push({ at: row.sequence, problem });
      }
    }
    previous = row;
  }
  closeRun();
  return found.sort((a, b) => a.at - b.at).map((p) => p.problem);
}

/** Names why `row` does not link to `previous` (undefined = the start), or undefined if another problem already explains it. */
function classifyBreak(
  previous: Row | undefined,
  row: Row,
  orig: ReadonlyMap<Row, number | null>,
  knownOriginals: ReadonlySet<number>,
  hashes: ReadonlySet<string>,
  renumbered: (row: Row | undefined) => boolean,
): AuditLogProblem | undefined {
  const after = previous?.sequence ?? 0;
  const o = orig.get(row) ?? null;
  const oPrevious = previous ? (orig.get(previous) ?? null) : 0;

  if (o !== null && oPrevious !== null && o > oPrevious + 1) {
    const missing: number[] = [];
    for (let s = oPrevious + 1; s < o; s++) if (!knownOriginals.has(s)) missing.push(s);
    const first = missing[0];
    const last = missing.at(-1);
    if (first !== undefined && last !== undefined) return { kind: 'deleted', after, first, last };
  }
  if ((o === null || oPrevious === null) && row.sequence > after + 1) {
    return { kind: 'deleted', after, first: after + 1, last: row.sequence - 1 };
  }
  // An edited entry is already reported; its break follows from the edit.
  if (o === null || oPrevious === null) return undefined;
  if (previous && !renumbered(previous) && row.prevHash === previous.prevHash) {
    return { kind: 'inserted', sequence: previous.sequence };
  }
  if (renumbered(previous) || renumbered(row)) return undefined;
  if (hashes.has(row.prevHash)) return { kind: 'inserted', sequence: row.sequence };
  return { kind: 'broken-chain', sequence: row.sequence };
}

function headProblems(rows: readonly Row[], head: AuditLogHead, expected: AuditLogHead): AuditLogProblem[] {
  if (expected.sequence > head.sequence) {
    return [{ kind: 'truncated', lastSequence: head.sequence, expectedSequence: expected.sequence }];
  }
  const atExpected = expected.sequence === 0 ? GENESIS_HASH : (rows.find((r) => r.sequence === expected.sequence)?.hash ?? null);
  if (atExpected !== expected.hash) {
    return [{ kind: 'head-mismatch', sequence: expected.sequence, expectedHash: expected.hash, foundHash: atExpected }];
  }
  return [];
}

/** English, one line, for the CLI and logs. */
export function describeAuditLogProblem(p: AuditLogProblem): string {
  switch (p.kind) {
    case 'unreadable':
      return `unreadable: ${p.detail}`;
    case 'malformed':
      return `malformed entry ${p.sequence ?? '(no sequence)'}: ${p.detail}`;
    case 'edited':
      return `entry ${p.sequence} was edited: its content does not match its hash`;
    case 'deleted':
      return p.first === p.last
        ? `entry ${p.first} was deleted (missing after entry ${p.after})`
        : `entries ${p.first}-${p.last} were deleted (missing after entry ${p.after})`;
    case 'inserted':
      return `entry ${p.sequence} was inserted: it is not part of the original chain`;
    case 'reordered':
      return p.count === 1
        ? `entry ${p.sequence} was reordered: it was written as entry ${p.originalSequence}`
        : `entries ${p.sequence}-${p.sequence + p.count - 1} were reordered (renumbered): they were written as entries ${p.originalSequence}-${p.originalSequence + p.count - 1}`;
    case 'broken-chain':
      return `chain broken at entry ${p.sequence}: it does not link to the entry before it (that entry was replaced, or this one forged)`;
    case 'truncated':
      return `log truncated: it ends at entry ${p.lastSequence} but the expected head is entry ${p.expectedSequence}`;
    case 'head-mismatch':
      return p.foundHash === null
        ? `head mismatch: entry ${p.sequence} of the expected head is missing`
        : `head mismatch: entry ${p.sequence} has hash ${p.foundHash}, expected ${p.expectedHash} (the log was rewritten)`;
  }
}
