/**
 * The transmission station's durable outbox (SQLite): every unit to send, sealed ONCE and
 * stored as bytes before the first attempt, with its per-mesa status for the operator:
 *   pending       not yet sent, or to be retried (no network, centre down, cut connection)
 *   sent          the whole request left but no valid answer came back: retried, and the
 *                 centre's idempotency turns a repeat into the same receipt
 *   acknowledged  a receipt signed by the centre for exactly this file (sha256)
 *   refused       a refusal signed by the centre for exactly this unit, with its reason: final
 * Retries back off exponentially (BACKOFF) on an injected clock, so tests never sleep. A
 * restart reopens the file and `runOutboxOnce` picks up every pending or sent unit.
 * An answer that does not verify (forged, truncated, about another file) is a transport
 * failure: the unit stays in the queue, never marked acknowledged or refused on it.
 */
import { sha256Hex } from '../crypto/hash.ts';
import type { VerifiedPackage } from '../election/package.ts';
import { openDatabase, transaction, type DatabaseOpenError, type SqliteDatabase } from '../storage/database.ts';
import { err, ok, type Result } from '../result.ts';
import { describeAnswerProblem, openCentreAnswer } from './centre-answer.ts';
import type { TransportAnswer, TransportError } from './client.ts';
import { describeTransportError } from './client.ts';
import { peekTransmission, type TransmittedKind } from './transmission-package.ts';

export const OUTBOX_SCHEMA_NAME = 'vep-transmission-outbox';
export const OUTBOX_SCHEMA_VERSION = 1;

export const BACKOFF = { baseMs: 2_000, factor: 2, maxMs: 5 * 60_000 } as const;

/** Delay before attempt n+1 after n failed attempts (n >= 1). */
export function backoffDelayMs(failedAttempts: number): number {
  const exponent = Math.max(0, failedAttempts - 1);
  return Math.min(BACKOFF.maxMs, BACKOFF.baseMs * BACKOFF.factor ** Math.min(exponent, 30));
}

export type OutboxStatus = 'pending' | 'sent' | 'acknowledged' | 'refused';

export interface OutboxItem {
  readonly id: string;
  readonly mesa: string;
  readonly kind: TransmittedKind;
  readonly sha256: string;
  readonly packageHash: string;
  readonly status: OutboxStatus;
  readonly attempts: number;
  /** ms since epoch on the injected clock. */
  readonly nextAttemptAt: number;
  /** English: last transport failure, or the refusal detail. */
  readonly lastError: string | null;
  readonly refusalReason: string | null;
  /** Signed receipt or refusal bytes. */
  readonly answer: Uint8Array | null;
  readonly unit: Uint8Array;
}

interface Row {
  id: string;
  mesa: string;
  kind: TransmittedKind;
  sha256: string;
  package_hash: string;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  refusal_reason: string | null;
  answer: Buffer | null;
  unit: Buffer;
}

function toItem(row: Row): OutboxItem {
  return {
    id: row.id,
    mesa: row.mesa,
    kind: row.kind,
    sha256: row.sha256,
    packageHash: row.package_hash,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    refusalReason: row.refusal_reason,
    answer: row.answer === null ? null : new Uint8Array(row.answer),
    unit: new Uint8Array(row.unit),
  };
}

function migrate(db: SqliteDatabase, from: number): void {
  if (from < 1) {
    db.exec(`CREATE TABLE outbox (
      id TEXT PRIMARY KEY,
      mesa TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('mesa-result', 'acta-image')),
      sha256 TEXT NOT NULL,
      package_hash TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'acknowledged', 'refused')),
      attempts INTEGER NOT NULL,
      next_attempt_at INTEGER NOT NULL,
      last_error TEXT,
      refusal_reason TEXT,
      answer BLOB,
      unit BLOB NOT NULL
    ) STRICT`);
  }
}

export interface Outbox {
  /** Adds a sealed unit; the same file (kind, mesa, sha256) again returns the existing item. */
  enqueue(unit: Uint8Array, now: number): Result<OutboxItem, string>;
  get(id: string): OutboxItem | undefined;
  list(): OutboxItem[];
  due(now: number): OutboxItem[];
  /** Earliest time a pending/sent unit is due, or undefined when nothing is left to send. */
  nextWakeAt(): number | undefined;
  close(): void;
  /** Internal to runOutboxOnce; exported for the station host's status screen tests. */
  recordFailure(id: string, now: number, error: TransportError | string, requestSent: boolean): void;
  recordAnswer(id: string, status: 'acknowledged' | 'refused', answer: Uint8Array, reason: string | null, detail: string | null): void;
}

export function openOutbox(file: string): Result<Outbox, DatabaseOpenError> {
  const opened = openDatabase(file, { schemaName: OUTBOX_SCHEMA_NAME, schemaVersion: OUTBOX_SCHEMA_VERSION, migrate });
  if (!opened.ok) return opened;
  const db = opened.value;
  const getStmt = db.prepare<[string], Row>('SELECT * FROM outbox WHERE id = ?');
  const get = (id: string) => {
    const row = getStmt.get(id);
    return row === undefined ? undefined : toItem(row);
  };
  return ok({
    enqueue(unit, now) {
      const claims = peekTransmission(unit);
      if (!claims.ok) return err('not a transmission unit');
      const { mesa, kind, sha256, packageHash } = claims.value;
      const id = `${kind}:${mesa}:${sha256}`;
      return ok(
        transaction(db, () => {
          const existing = get(id);
          if (existing !== undefined) return existing;
          db.prepare(
            `INSERT INTO outbox (id, mesa, kind, sha256, package_hash, status, attempts, next_attempt_at, unit)
             VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)`,
          ).run(id, mesa, kind, sha256, packageHash, now, Buffer.from(unit));
          const item = get(id);
          if (item === undefined) throw new Error('bug: outbox row vanished');
          return item;
        }),
      );
    },
    get,
    list: () => db.prepare<[], Row>('SELECT * FROM outbox ORDER BY mesa, kind, id').all().map(toItem),
    due: (now) =>
      db
        .prepare<[number], Row>("SELECT * FROM outbox WHERE status IN ('pending', 'sent') AND next_attempt_at <= ? ORDER BY next_attempt_at, id")
        .all(now)
        .map(toItem),
    nextWakeAt: () =>
      db.prepare<[], { t: number | null }>("SELECT min(next_attempt_at) AS t FROM outbox WHERE status IN ('pending', 'sent')").get()?.t ??
      undefined,
    recordFailure(id, now, error, requestSent) {
      const item = get(id);
      if (item === undefined) throw new Error(`bug: no outbox item ${id}`);
      const attempts = item.attempts + 1;
      // Once a request has fully left, the unit stays "sent" until an answer settles it.
      const status: OutboxStatus = requestSent || item.status === 'sent' ? 'sent' : 'pending';
      db.prepare('UPDATE outbox SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?').run(
        status,
        attempts,
        now + backoffDelayMs(attempts),
        typeof error === 'string' ? error : describeTransportError(error),
        id,
      );
    },
    recordAnswer(id, status, answer, reason, detail) {
      db.prepare('UPDATE outbox SET status = ?, attempts = attempts + 1, answer = ?, refusal_reason = ?, last_error = ? WHERE id = ?').run(
        status,
        Buffer.from(answer),
        reason,
        detail,
        id,
      );
    },
    close: () => db.close(),
  });
}

export interface RunOutboxDeps {
  readonly outbox: Outbox;
  readonly send: (unit: Uint8Array) => Promise<Result<TransportAnswer, TransportError>>;
  /** The package each unit was sealed under (to check the centre's signature on answers). */
  readonly packageFor: (packageHash: string) => VerifiedPackage | undefined;
  readonly now: () => number;
}

export interface RunSummary {
  readonly attempted: number;
  readonly acknowledged: number;
  readonly refused: number;
  readonly failed: number;
}

/** Sends every due unit once, in order; returns what happened. Never throws on transport. */
export async function runOutboxOnce(deps: RunOutboxDeps): Promise<RunSummary> {
  const { outbox } = deps;
  let acknowledged = 0;
  let refused = 0;
  let failed = 0;
  // Units of packages this run has not loaded (another mesa's device) wait for a run that has.
  const items = outbox.due(deps.now()).filter((item) => deps.packageFor(item.packageHash) !== undefined);
  for (const item of items) {
    const pkg = deps.packageFor(item.packageHash);
    if (pkg === undefined) continue;
    const sent = await deps.send(item.unit);
    if (!sent.ok) {
      outbox.recordFailure(item.id, deps.now(), sent.error, sent.error.requestSent);
      failed += 1;
      continue;
    }
    const answer = openCentreAnswer(sent.value.body, pkg);
    if (!answer.ok) {
      outbox.recordFailure(item.id, deps.now(), `HTTP ${sent.value.status}: ${describeAnswerProblem(answer.error)}`, true);
      failed += 1;
      continue;
    }
    const a = answer.value;
    if (a.outcome === 'acknowledged') {
      const r = a.receipt;
      if (r.sha256 !== item.sha256 || r.mesa !== item.mesa || r.kind !== item.kind || r.packageHash !== item.packageHash) {
        outbox.recordFailure(item.id, deps.now(), 'the centre answered with a receipt for another file', true);
        failed += 1;
        continue;
      }
      outbox.recordAnswer(item.id, 'acknowledged', a.bytes, null, null);
      acknowledged += 1;
    } else {
      if (a.refusal.unitDigest !== sha256Hex(item.unit)) {
        outbox.recordFailure(item.id, deps.now(), 'the centre answered with a refusal of another transmission', true);
        failed += 1;
        continue;
      }
      outbox.recordAnswer(item.id, 'refused', a.bytes, a.refusal.reason, a.refusal.detail);
      refused += 1;
    }
  }
  return { attempted: items.length, acknowledged, refused, failed };
}
