/**
 * The results station's durable store (one SQLite file via openDatabase: WAL with
 * synchronous=FULL, so a returned write survives a power cut). It keeps exactly what
 * machine-types.ts ResultsRecovery needs after a restart, and nothing about voters or ballots:
 *
 * - phase ('installed' → 'counting' → 'printing' → 'signing' → 'writing' → 'closed', forward
 *   only) and the hash of the printed puesta a cero report;
 * - from 'printing' on: the final mesa result AND the acta-data envelope sealed once from it
 *   (every acta copy, its QR, the signatures and the consolidated file use those same bytes);
 * - copies confirmed printed, and whether the next one was started (it prints again as a
 *   reprint after a restart);
 * - the acta signatures collected so far; at 'writing' the set is fixed.
 *
 * Readings and entries made while counting are NOT stored: re-reading the devices is
 * idempotent, so a restart while counting starts the reading over (ResultsRecovery 'counting').
 *
 * Read methods throw if SQLite fails on an open file (storage broken: the station stops);
 * write methods return typed errors.
 */
import { z } from 'zod';
import type { MemberSignatureRecord } from '../shared/results/mesa-result.ts';
import { err, ok, type Result } from '../shared/result.ts';
import { mapSqliteError, openDatabase, transaction, type DatabaseOpenError, type SqliteDatabase } from '../shared/storage/database.ts';
import { assertSecretTable } from '../shared/storage/secrecy.ts';
import { parseTally } from '../shared/tally/verify.ts';
import type { MemberSignature, MesaResult, ResultsRecovery } from './machine-types.ts';
import { RESULTS_STORE_PHASES, RESULTS_STORE_SCHEMA, RESULTS_STORE_TABLES, type ResultsStorePhase } from './store-schema.ts';

export type { ResultsStorePhase } from './store-schema.ts';

export type ResultsStoreError =
  | { readonly kind: 'wrong-phase'; readonly phase: ResultsStorePhase; readonly operation: string }
  | { readonly kind: 'invalid-input'; readonly detail: string }
  | { readonly kind: 'storage'; readonly error: DatabaseOpenError };

export function describeResultsStoreError(e: ResultsStoreError): string {
  switch (e.kind) {
    case 'wrong-phase':
      return `results store: cannot ${e.operation} while the station is ${e.phase}`;
    case 'invalid-input':
      return `results store: invalid input: ${e.detail}`;
    case 'storage':
      return `results store: storage failure: ${e.error.kind}${'detail' in e.error ? ` (${e.error.detail})` : ''}`;
  }
}

export interface SealedActa {
  readonly result: MesaResult;
  /** The acta-data envelope (shared/results/mesa-result.ts sealActaData). */
  readonly actaBytes: Uint8Array;
}

const HEX64 = /^[0-9a-f]{64}$/u;

const mesaResultSchema = z.strictObject({
  mode: z.enum(['electronic', 'manual-count']),
  tally: z.unknown(),
  observations: z.array(z.string()),
});

const signatureRowSchema = z.strictObject({
  signer_id: z.string().min(1),
  role: z.enum(['president', 'member', 'personero']),
  public_key: z.string().min(1),
  signature: z.string().min(1),
});

export function openResultsStore(file: string): Result<ResultsStore, ResultsStoreError> {
  const opened = openDatabase(file, RESULTS_STORE_SCHEMA);
  if (!opened.ok) return err({ kind: 'storage', error: opened.error });
  const db = opened.value;
  try {
    for (const table of RESULTS_STORE_TABLES) assertSecretTable(db, table);
    const store = new ResultsStore(db, file);
    store.phase();
    return ok(store);
  } catch (e) {
    db.close();
    const mapped = mapSqliteError(e, file);
    if (mapped) return err({ kind: 'storage', error: mapped });
    throw e;
  }
}

interface StationRow {
  phase: string;
  zero_report_hash: string | null;
  result_json: string | null;
  acta_bytes: Uint8Array | null;
  printed_copies: number;
  copy_in_progress: number;
}

export class ResultsStore {
  /** @internal use openResultsStore */
  constructor(
    private readonly db: SqliteDatabase,
    private readonly file: string,
  ) {}

  phase(): ResultsStorePhase {
    const phase = RESULTS_STORE_PHASES.find((p) => p === this.row().phase);
    if (phase === undefined) throw new Error(`results store ${this.file}: unknown phase`);
    return phase;
  }

  /** The puesta a cero proof: no count started, no acta sealed, no signature, nothing printed. */
  isEmpty(): boolean {
    const row = this.row();
    const signatures = (this.db.prepare('SELECT count(*) AS n FROM signature').get() as { n: number }).n;
    return (
      row.phase === 'installed' &&
      row.zero_report_hash === null &&
      row.result_json === null &&
      row.acta_bytes === null &&
      row.printed_copies === 0 &&
      row.copy_in_progress === 0 &&
      signatures === 0
    );
  }

  zeroReportHash(): string | null {
    return this.row().zero_report_hash;
  }

  /** What the machine resumes from; undefined on a first start (nothing done yet). */
  recovery(): ResultsRecovery | undefined {
    const phase = this.phase();
    switch (phase) {
      case 'installed':
        return undefined;
      case 'counting':
        return { phase: 'counting' };
      case 'printing': {
        const row = this.row();
        return { phase: 'printing', result: this.requireActa().result, printedCopies: row.printed_copies, copyInProgress: row.copy_in_progress === 1 };
      }
      case 'signing':
        return { phase: 'signing', result: this.requireActa().result };
      case 'writing':
        return { phase: 'writing', result: this.requireActa().result, signatures: this.signatures().map(toMachineSignature) };
      case 'closed':
        return { phase: 'closed' };
    }
  }

  /** The puesta a cero report was printed: counting may start. */
  recordPuestaACero(zeroReportHash: string): Result<void, ResultsStoreError> {
    if (!HEX64.test(zeroReportHash)) return err({ kind: 'invalid-input', detail: 'zero report hash is not sha256 hex' });
    return this.write(() => {
      const phase = this.phase();
      if (phase !== 'installed') return err({ kind: 'wrong-phase', phase, operation: 'record the puesta a cero' });
      this.db.prepare("UPDATE station SET phase = 'counting', phase_rank = 1, zero_report_hash = ? WHERE id = 1").run(zeroReportHash);
      return ok(undefined);
    });
  }

  /** The sealed acta, from 'printing' on; null before. */
  acta(): SealedActa | null {
    const row = this.row();
    if (row.result_json === null || row.acta_bytes === null) return null;
    return { result: parseStoredResult(row.result_json, this.file), actaBytes: new Uint8Array(row.acta_bytes) };
  }

  /**
   * The tally is final: keeps the result and its sealed acta-data bytes (counting → printing).
   * Sealing the same bytes again is a no-op; different bytes are refused (the acta is sealed once).
   */
  sealActa(sealed: SealedActa): Result<void, ResultsStoreError> {
    return this.write(() => {
      const phase = this.phase();
      const current = this.acta();
      if (current !== null) {
        return Buffer.compare(Buffer.from(current.actaBytes), Buffer.from(sealed.actaBytes)) === 0
          ? ok(undefined)
          : err({ kind: 'wrong-phase', phase, operation: 'seal a second, different acta' });
      }
      if (phase !== 'counting') return err({ kind: 'wrong-phase', phase, operation: 'seal the acta' });
      this.db
        .prepare("UPDATE station SET phase = 'printing', phase_rank = 2, result_json = ?, acta_bytes = ? WHERE id = 1")
        .run(JSON.stringify(sealed.result), Buffer.from(sealed.actaBytes));
      return ok(undefined);
    });
  }

  /** Copy `index` is about to print (it is the next unprinted one). */
  copyStarted(index: number): Result<void, ResultsStoreError> {
    return this.write(() => {
      const phase = this.phase();
      if (phase !== 'printing') return err({ kind: 'wrong-phase', phase, operation: 'start printing a copy' });
      if (index !== this.row().printed_copies) return err({ kind: 'invalid-input', detail: `copy ${index} is not the next copy` });
      this.db.prepare('UPDATE station SET copy_in_progress = 1 WHERE id = 1').run();
      return ok(undefined);
    });
  }

  /** Copy `index` of `total` was confirmed printed; after the last one the phase is 'signing'. */
  copyPrinted(index: number, total: number): Result<void, ResultsStoreError> {
    return this.write(() => {
      const phase = this.phase();
      if (phase !== 'printing') return err({ kind: 'wrong-phase', phase, operation: 'record a printed copy' });
      if (index !== this.row().printed_copies || index >= total) return err({ kind: 'invalid-input', detail: `copy ${index} is not the next copy` });
      const printed = index + 1;
      if (printed === total) {
        this.db.prepare("UPDATE station SET printed_copies = ?, copy_in_progress = 0, phase = 'signing', phase_rank = 3 WHERE id = 1").run(printed);
      } else {
        this.db.prepare('UPDATE station SET printed_copies = ?, copy_in_progress = 0 WHERE id = 1').run(printed);
      }
      return ok(undefined);
    });
  }

  /** ResultsRecovery 'signing': signatures start over after a restart. */
  restartSigning(): Result<void, ResultsStoreError> {
    return this.write(() => {
      const phase = this.phase();
      if (phase !== 'signing') return err({ kind: 'wrong-phase', phase, operation: 'restart signing' });
      this.db.prepare('DELETE FROM signature').run();
      return ok(undefined);
    });
  }

  /** A verified signature over the sealed acta; a signer presenting again replaces their record. */
  recordSignature(record: MemberSignatureRecord): Result<void, ResultsStoreError> {
    return this.write(() => {
      const phase = this.phase();
      if (phase !== 'signing') return err({ kind: 'wrong-phase', phase, operation: 'record a signature' });
      this.db
        .prepare('INSERT OR REPLACE INTO signature (signer_id, role, public_key, signature) VALUES (?, ?, ?, ?)')
        .run(record.signerId, record.role, record.publicKey, record.signature);
      return ok(undefined);
    });
  }

  signatures(): MemberSignatureRecord[] {
    const rows = this.db.prepare('SELECT signer_id, role, public_key, signature FROM signature ORDER BY signer_id').all();
    return rows.map((raw) => {
      const row = signatureRowSchema.safeParse(raw);
      if (!row.success) throw new Error(`results store ${this.file}: malformed signature row`);
      return { signerId: row.data.signer_id, role: row.data.role, publicKey: row.data.public_key, signature: row.data.signature };
    });
  }

  /**
   * Signing is finished with exactly these signers (signing → writing). Records of anyone else
   * are dropped; every listed signer must have a record. Idempotent at 'writing' for the same set.
   */
  fixSignatures(signerIds: readonly string[]): Result<MemberSignatureRecord[], ResultsStoreError> {
    return this.write(() => {
      const phase = this.phase();
      const wanted = new Set(signerIds);
      const stored = this.signatures();
      if (phase === 'writing') {
        const same = stored.length === wanted.size && stored.every((s) => wanted.has(s.signerId));
        return same ? ok(stored) : err({ kind: 'wrong-phase', phase, operation: 'change the fixed signatures' });
      }
      if (phase !== 'signing') return err({ kind: 'wrong-phase', phase, operation: 'fix the signatures' });
      const missing = [...wanted].filter((id) => !stored.some((s) => s.signerId === id));
      if (missing.length > 0) return err({ kind: 'invalid-input', detail: `no stored signature for ${missing.join(', ')}` });
      const drop = this.db.prepare('DELETE FROM signature WHERE signer_id = ?');
      for (const s of stored) if (!wanted.has(s.signerId)) drop.run(s.signerId);
      this.db.prepare("UPDATE station SET phase = 'writing', phase_rank = 4 WHERE id = 1").run();
      return ok(stored.filter((s) => wanted.has(s.signerId)));
    });
  }

  /** The consolidated result was written and read back (writing → closed). Idempotent. */
  markClosed(): Result<void, ResultsStoreError> {
    return this.write(() => {
      const phase = this.phase();
      if (phase === 'closed') return ok(undefined);
      if (phase !== 'writing') return err({ kind: 'wrong-phase', phase, operation: 'close' });
      this.db.prepare("UPDATE station SET phase = 'closed', phase_rank = 5 WHERE id = 1").run();
      return ok(undefined);
    });
  }

  disconnect(): void {
    this.db.close();
  }

  private row(): StationRow {
    const row = this.db
      .prepare('SELECT phase, zero_report_hash, result_json, acta_bytes, printed_copies, copy_in_progress FROM station WHERE id = 1')
      .get() as StationRow | undefined;
    if (row === undefined) throw new Error(`results store ${this.file}: station record missing`);
    return row;
  }

  private requireActa(): SealedActa {
    const acta = this.acta();
    if (acta === null) throw new Error(`results store ${this.file}: phase ${this.phase()} without a sealed acta`);
    return acta;
  }

  private write<T>(fn: () => Result<T, ResultsStoreError>): Result<T, ResultsStoreError> {
    try {
      return transaction(this.db, () => {
        const r = fn();
        if (!r.ok) throw new RefusedWrite(r.error);
        return r;
      });
    } catch (e) {
      if (e instanceof RefusedWrite) return err(e.error);
      const mapped = mapSqliteError(e, this.file);
      if (mapped) return err({ kind: 'storage', error: mapped });
      throw e;
    }
  }
}

class RefusedWrite extends Error {
  constructor(readonly error: ResultsStoreError) {
    super('refused write');
  }
}

function parseStoredResult(json: string, file: string): MesaResult {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error(`results store ${file}: stored result is not JSON`);
  }
  const parsed = mesaResultSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`results store ${file}: stored result is malformed`);
  const tally = parseTally(parsed.data.tally);
  if (!tally.ok) throw new Error(`results store ${file}: stored tally is malformed`);
  return { mode: parsed.data.mode, tally: tally.value, observations: parsed.data.observations };
}

/** The machine's view of a stored signature record (the full record stays in the store). */
export function toMachineSignature(record: MemberSignatureRecord): MemberSignature {
  return { signerId: record.signerId, role: record.role, signature: record.signature };
}
