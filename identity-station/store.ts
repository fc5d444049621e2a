/**
 * The identity station's durable padrón store (one SQLite file, via openDatabase: WAL with
 * synchronous=FULL, so a returned write survives a power cut).
 *
 * What it keeps, per elector: the OUTCOME only (voted / Art. 23 / lost device / impugnado) and a
 * boolean while an activation device is out. Per station: phase, activations issued, assisted
 * voters (a count), members present with roles (public: they sign the actas) and the
 * observations the president dictates for the actas (never logged: they may name people).
 *
 * Secrecy (machine-types.ts; shared/storage/secrecy.ts):
 * - NO time, NO token nonce, NO cabin and NO order of arrival is stored. The cabins' ballots
 *   carry no order either; if this store revealed who voted when, a seized card plus a cabin's
 *   layout could be matched up. So the order in which electors were served must not be
 *   recoverable from the file.
 * - Tables are WITHOUT ROWID keyed by DNI (a rowid would count changes). But SQLite pages keep
 *   insertion/update history: an updated cell whose size changes is rewritten at the page's
 *   free end, and the WAL holds page images in commit order. So after EVERY change the file is
 *   rewritten in key order (rewriteInKeyOrder: VACUUM + truncating checkpoint): past the
 *   100-byte header the bytes then depend only on the current outcomes, not on their history.
 *   A crash between a commit and its rewrite is healed at the next open.
 *
 * Read methods throw if SQLite fails on an open file (storage broken: the station stops);
 * write methods return typed errors.
 */
import { mapSqliteError, openDatabase, transaction, type DatabaseOpenError, type SqliteDatabase } from '../shared/storage/database.ts';
import { assertSecretTable, rewriteInKeyOrder } from '../shared/storage/secrecy.ts';
import { err, ok, type Result } from '../shared/result.ts';
import type { MemberRole } from '../shared/election/definition.ts';
import type { Dni } from './dni.ts';
import type { PresentMember, VoterStatus } from './machine-types.ts';
import {
  ELECTOR_OUTCOMES,
  IDENTITY_PHASES,
  IDENTITY_STORE_SCHEMA,
  IDENTITY_STORE_TABLES,
  MEMBER_ROLES,
  type ElectorOutcome,
  type IdentityStorePhase,
} from './store-schema.ts';

export type { ElectorOutcome, IdentityStorePhase } from './store-schema.ts';

/** Which acta an observation goes on: instalación (or no instalación), or sufragio. */
export type ObservationSection = 'instalacion' | 'sufragio';

const OBSERVATION_COLUMNS: Readonly<Record<ObservationSection, string>> = {
  instalacion: 'installation_observations',
  sufragio: 'observations',
};

/** What the store needs of the padrón (public record, from the election definition). */
export interface PadronEntry {
  readonly order: number;
  readonly dni: string;
  readonly surnames: string;
  readonly givenNames: string;
}

export type IdentityStoreError =
  | { readonly kind: 'not-in-padron' }
  /** recordVoted / recordArt23 / recordLostDevice: no device is out for that elector. */
  | { readonly kind: 'not-holding-device' }
  /** The elector already has an outcome (or, for markHoldsDevice/recordImpugnado, holds a device). */
  | { readonly kind: 'not-allowed'; readonly status: VoterStatus }
  | { readonly kind: 'wrong-phase'; readonly phase: IdentityStorePhase; readonly operation: string }
  | { readonly kind: 'invalid-input'; readonly detail: string }
  | { readonly kind: 'storage'; readonly error: DatabaseOpenError };

export function describeIdentityStoreError(e: IdentityStoreError): string {
  switch (e.kind) {
    case 'not-in-padron':
      return 'identity store: that DNI is not in the padrón of this mesa';
    case 'not-holding-device':
      return 'identity store: that elector holds no activation device';
    case 'not-allowed':
      return `identity store: refused, the elector's status is ${e.status}`;
    case 'wrong-phase':
      return `identity store: cannot ${e.operation} while the station is ${e.phase}`;
    case 'invalid-input':
      return `identity store: invalid input: ${e.detail}`;
    case 'storage':
      return `identity store: storage failure: ${e.error.kind}${'detail' in e.error ? ` (${e.error.detail})` : ''}`;
  }
}

/** Counts for the actas and the signed identity summary. Derived from the stored outcomes. */
export interface IdentityStoreSummary {
  readonly electoresHabiles: number;
  readonly activationsIssued: number;
  /** Electors recorded as voted (their device came back consumed). */
  readonly activationsConsumed: number;
  /** Art. 23 identified-but-not-voted, INCLUDING lost devices (reconcile.ts counts them so). */
  readonly art23NotVoted: number;
  /** Of art23NotVoted, the devices declared lost. */
  readonly lostDevices: number;
  readonly impugnados: number;
  readonly assistedVoters: number;
  /** Devices out now (must be 0 at close). */
  readonly outstandingDevices: number;
}

export interface NonVoter {
  readonly order: number;
  readonly dni: string;
  readonly surnames: string;
  readonly givenNames: string;
}

export interface StoredMember {
  readonly dni: string;
  readonly role: MemberRole;
  readonly takenFromLine: boolean;
}

const DNI = /^[0-9]{8}$/u;

/** Forward-only phase moves; the same phase again is a no-op (idempotent after a restart). */
const NEXT_PHASES: Readonly<Record<IdentityStorePhase, readonly IdentityStorePhase[]>> = {
  installing: ['voting', 'not-installed'],
  voting: ['closing'],
  closing: ['closed'],
  closed: [],
  'not-installed': [],
};

/**
 * Opens (or creates, loading the padrón) the store. On an existing file the padrón must be the
 * same (same DNIs): a store of another mesa is refused as wrong input.
 */
export function openIdentityStore(file: string, padron: readonly PadronEntry[]): Result<IdentityStore, IdentityStoreError> {
  const opened = openDatabase(file, IDENTITY_STORE_SCHEMA);
  if (!opened.ok) return err({ kind: 'storage', error: opened.error });
  const db = opened.value;
  try {
    for (const table of IDENTITY_STORE_TABLES) assertSecretTable(db, table);
    const loaded = loadPadron(db, padron);
    if (!loaded.ok) {
      db.close();
      return loaded;
    }
    // Heals a crash between a commit and its rewrite; a no-op cost on a tidy file.
    rewriteInKeyOrder(db);
    return ok(new IdentityStore(db, file));
  } catch (e) {
    db.close();
    const mapped = mapSqliteError(e, file);
    if (mapped) return err({ kind: 'storage', error: mapped });
    throw e;
  }
}

function loadPadron(db: SqliteDatabase, padron: readonly PadronEntry[]): Result<void, IdentityStoreError> {
  for (const entry of padron) {
    if (!DNI.test(entry.dni)) return err({ kind: 'invalid-input', detail: 'padrón DNI is not 8 digits' });
  }
  const stored = db.prepare('SELECT dni FROM elector ORDER BY dni').all() as Array<{ dni: string }>;
  if (stored.length > 0) {
    const given = padron.map((e) => e.dni).sort();
    const same = given.length === stored.length && given.every((dni, i) => stored[i]?.dni === dni);
    return same ? ok(undefined) : err({ kind: 'invalid-input', detail: 'the store holds the padrón of another mesa' });
  }
  if (padron.length === 0) return err({ kind: 'invalid-input', detail: 'empty padrón' });
  transaction(db, () => {
    const insert = db.prepare(
      'INSERT INTO elector (dni, padron_order, surnames, given_names, outcome, holds_device) VALUES (?, ?, ?, ?, NULL, 0)',
    );
    for (const e of padron) insert.run(e.dni, e.order, e.surnames, e.givenNames);
  });
  return ok(undefined);
}

interface ElectorRow {
  outcome: string | null;
  holds_device: number;
}

export class IdentityStore {
  /** @internal use openIdentityStore */
  constructor(
    private readonly db: SqliteDatabase,
    private readonly file: string,
  ) {}

  phase(): IdentityStorePhase {
    const row = this.db.prepare('SELECT phase FROM station WHERE id = 1').get() as { phase: string } | undefined;
    const phase = IDENTITY_PHASES.find((p) => p === row?.phase);
    if (phase === undefined) throw new Error(`identity store ${this.file}: phase record missing or unknown`);
    return phase;
  }

  setPhase(next: IdentityStorePhase): Result<void, IdentityStoreError> {
    return this.write(() => {
      const phase = this.phase();
      if (phase === next) return ok(undefined);
      if (!NEXT_PHASES[phase].includes(next)) return err({ kind: 'wrong-phase', phase, operation: `move to ${next}` });
      if (next === 'closing' && this.outstanding() > 0) return err({ kind: 'wrong-phase', phase, operation: 'close with devices out' });
      this.db.prepare('UPDATE station SET phase = ? WHERE id = 1').run(next);
      return ok(undefined);
    });
  }

  /** The puesta a cero proof: nobody identified, no device issued, nothing counted. */
  isEmpty(): boolean {
    const row = this.db
      .prepare(
        `SELECT (SELECT count(*) FROM elector WHERE outcome IS NOT NULL OR holds_device = 1)
              + (SELECT activations_issued + assisted_voters FROM station WHERE id = 1) AS n`,
      )
      .get() as { n: number };
    return row.n === 0;
  }

  checkVoter(dni: Dni): VoterStatus {
    const row = this.electorRow(dni);
    return row === undefined ? 'not-in-padron' : statusOf(row);
  }

  /** A device was written for the elector (in the same step as the token): holds-device, issued + 1. */
  markHoldsDevice(dni: Dni): Result<void, IdentityStoreError> {
    return this.voterWrite(dni, 'issue a device', (row) => {
      const status = statusOf(row);
      if (status !== 'may-vote') return err({ kind: 'not-allowed', status });
      this.db.prepare('UPDATE elector SET holds_device = 1 WHERE dni = ?').run(dni);
      this.db.prepare('UPDATE station SET activations_issued = activations_issued + 1 WHERE id = 1').run();
      return ok(undefined);
    });
  }

  /** The device came back consumed. */
  recordVoted(dni: Dni): Result<void, IdentityStoreError> {
    return this.resolveDevice(dni, 'voted');
  }

  /** Art. 23: the device came back unconsumed and the elector did not vote. */
  recordArt23(dni: Dni): Result<void, IdentityStoreError> {
    return this.resolveDevice(dni, 'art23');
  }

  /** The device is declared lost: identified-but-not-voted, and a lost device in the acta. */
  recordLostDevice(dni: Dni): Result<void, IdentityStoreError> {
    return this.resolveDevice(dni, 'lost');
  }

  /** Art. 24: the elector votes on paper. Not while holding a device (resolve that first). */
  recordImpugnado(dni: Dni): Result<void, IdentityStoreError> {
    return this.voterWrite(dni, 'record an impugnación', (row) => {
      const status = statusOf(row);
      if (status !== 'may-vote') return err({ kind: 'not-allowed', status });
      this.db.prepare("UPDATE elector SET outcome = 'impugnado' WHERE dni = ?").run(dni);
      return ok(undefined);
    });
  }

  /** Art. 22: one more assisted voter (a count only, never who). */
  recordAssisted(): Result<void, IdentityStoreError> {
    return this.write(() => {
      const phase = this.phase();
      if (phase !== 'voting') return err({ kind: 'wrong-phase', phase, operation: 'record an assisted voter' });
      this.db.prepare('UPDATE station SET assisted_voters = assisted_voters + 1 WHERE id = 1').run();
      return ok(undefined);
    });
  }

  /** Members present (replaces the list: the acta de instalación states who is seated). */
  recordMembers(members: readonly PresentMember[]): Result<void, IdentityStoreError> {
    for (const m of members) {
      if (!DNI.test(m.dni)) return err({ kind: 'invalid-input', detail: 'member DNI is not 8 digits' });
    }
    if (new Set(members.map((m) => m.dni)).size !== members.length) return err({ kind: 'invalid-input', detail: 'a member is listed twice' });
    return this.write(() => {
      this.db.prepare('DELETE FROM member').run();
      const insert = this.db.prepare('INSERT INTO member (dni, role, taken_from_line) VALUES (?, ?, ?)');
      for (const m of members) insert.run(m.dni, m.role, m.takenFromLine ? 1 : 0);
      return ok(undefined);
    });
  }

  members(): StoredMember[] {
    const rows = this.db.prepare('SELECT dni, role, taken_from_line AS t FROM member ORDER BY dni').all() as Array<{
      dni: string;
      role: string;
      t: number;
    }>;
    return rows.map((r) => {
      const role = MEMBER_ROLES.find((x) => x === r.role);
      if (role === undefined) throw new Error(`identity store ${this.file}: unknown member role`);
      return { dni: r.dni, role, takenFromLine: r.t === 1 };
    });
  }

  /**
   * Appends a paragraph to the observations of the acta being prepared: while installing, the
   * acta de instalación (or de no instalación); while voting or closing, the acta de sufragio.
   * Refused once the station is closed or not installed (those actas are printed). Never log the
   * text: it may name people.
   */
  addObservation(textValue: string): Result<ObservationSection, IdentityStoreError> {
    const trimmed = textValue.trim();
    if (trimmed.length === 0) return err({ kind: 'invalid-input', detail: 'empty observation' });
    if (trimmed.length > 2000) return err({ kind: 'invalid-input', detail: 'observation longer than 2000 characters' });
    // One observation per line: a line break inside would make two.
    if (/[\r\n]/u.test(trimmed)) return err({ kind: 'invalid-input', detail: 'observation with a line break' });
    return this.write(() => {
      const phase = this.phase();
      const section: ObservationSection | undefined =
        phase === 'installing' ? 'instalacion' : phase === 'voting' || phase === 'closing' ? 'sufragio' : undefined;
      if (section === undefined) return err({ kind: 'wrong-phase', phase, operation: 'add an observation' });
      const next = [...this.observations(section), trimmed].join('\n');
      this.db.prepare(`UPDATE station SET ${OBSERVATION_COLUMNS[section]} = ? WHERE id = 1`).run(next);
      return ok(section);
    });
  }

  /** The observations for one acta, in the order they were dictated. */
  observations(section: ObservationSection): string[] {
    const row = this.db.prepare(`SELECT ${OBSERVATION_COLUMNS[section]} AS o FROM station WHERE id = 1`).get() as { o: string };
    return row.o === '' ? [] : row.o.split('\n');
  }

  summary(): IdentityStoreSummary {
    const counts = new Map<string, number>();
    const rows = this.db.prepare('SELECT outcome, count(*) AS n FROM elector GROUP BY outcome').all() as Array<{
      outcome: string | null;
      n: number;
    }>;
    let electoresHabiles = 0;
    for (const r of rows) {
      electoresHabiles += r.n;
      if (r.outcome !== null) {
        if (!ELECTOR_OUTCOMES.some((o) => o === r.outcome)) throw new Error(`identity store ${this.file}: unknown outcome`);
        counts.set(r.outcome, r.n);
      }
    }
    const station = this.db.prepare('SELECT activations_issued AS i, assisted_voters AS a FROM station WHERE id = 1').get() as {
      i: number;
      a: number;
    };
    const voted = counts.get('voted') ?? 0;
    const art23 = counts.get('art23') ?? 0;
    const lost = counts.get('lost') ?? 0;
    const outstanding = this.outstanding();
    // Every issued device is out, consumed, returned unconsumed or lost; anything else means the
    // file was edited or a write was half-applied, and no acta may be printed from it.
    if (station.i !== voted + art23 + lost + outstanding) {
      throw new Error(`identity store ${this.file}: activations issued do not match the electors' outcomes`);
    }
    return {
      electoresHabiles,
      activationsIssued: station.i,
      activationsConsumed: voted,
      art23NotVoted: art23 + lost,
      lostDevices: lost,
      impugnados: counts.get('impugnado') ?? 0,
      assistedVoters: station.a,
      outstandingDevices: outstanding,
    };
  }

  /**
   * Electors with no outcome (did not come), in padrón order: public record, exported at close.
   * An elector still holding a device is not listed (the store refuses to close with devices out).
   */
  nonVoters(): NonVoter[] {
    const rows = this.db
      .prepare(
        'SELECT padron_order AS o, dni, surnames, given_names AS g FROM elector WHERE outcome IS NULL AND holds_device = 0 ORDER BY padron_order',
      )
      .all() as Array<{ o: number; dni: string; surnames: string; g: string }>;
    return rows.map((r) => ({ order: r.o, dni: r.dni, surnames: r.surnames, givenNames: r.g }));
  }

  /** Releases the database file. */
  disconnect(): void {
    this.db.close();
  }

  private outstanding(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM elector WHERE holds_device = 1').get() as { n: number }).n;
  }

  private electorRow(dni: string): ElectorRow | undefined {
    return this.db.prepare('SELECT outcome, holds_device FROM elector WHERE dni = ?').get(dni) as ElectorRow | undefined;
  }

  private resolveDevice(dni: Dni, outcome: Exclude<ElectorOutcome, 'impugnado'>): Result<void, IdentityStoreError> {
    return this.voterWrite(dni, `record ${outcome}`, (row) => {
      if (row.holds_device !== 1) return err({ kind: 'not-holding-device' });
      this.db.prepare('UPDATE elector SET outcome = ?, holds_device = 0 WHERE dni = ?').run(outcome, dni);
      return ok(undefined);
    });
  }

  /** A change to one elector, only while voting. */
  private voterWrite(dni: Dni, operation: string, fn: (row: ElectorRow) => Result<void, IdentityStoreError>): Result<void, IdentityStoreError> {
    if (!DNI.test(dni)) return err({ kind: 'invalid-input', detail: 'DNI is not 8 digits' });
    return this.write(() => {
      const phase = this.phase();
      if (phase !== 'voting') return err({ kind: 'wrong-phase', phase, operation });
      const row = this.electorRow(dni);
      if (row === undefined) return err({ kind: 'not-in-padron' });
      return fn(row);
    });
  }

  /** One transaction, then the key-order rewrite (see the file comment: pages keep history). */
  private write<T>(fn: () => Result<T, IdentityStoreError>): Result<T, IdentityStoreError> {
    try {
      const result = transaction(this.db, () => {
        const r = fn();
        // Roll back a refused change (nothing is written then, but be strict).
        if (!r.ok) throw new RefusedWrite(r.error);
        return r;
      });
      rewriteInKeyOrder(this.db);
      return result;
    } catch (e) {
      if (e instanceof RefusedWrite) return err(e.error);
      const mapped = mapSqliteError(e, this.file);
      if (mapped) return err({ kind: 'storage', error: mapped });
      throw e;
    }
  }
}

class RefusedWrite extends Error {
  constructor(readonly error: IdentityStoreError) {
    super('refused write');
  }
}

function statusOf(row: ElectorRow): VoterStatus {
  if (row.holds_device === 1) return 'holds-device';
  switch (row.outcome) {
    case null:
      return 'may-vote';
    case 'impugnado':
      return 'impugned';
    default:
      // voted, Art. 23 and lost all count as having voted (reconcile.ts): never a second device.
      return 'already-voted';
  }
}
