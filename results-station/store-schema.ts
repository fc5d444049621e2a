/**
 * Tables of the results station store (see store.ts for the rules they serve).
 *
 * The store holds counts only: no ballot, no voter, no order of anything. `station` is the one
 * row of durable phase (machine-types.ts ResultsRecovery) with the sealed acta-data envelope
 * once the tally is final; `signature` holds the acta signatures collected so far, keyed by
 * signer id. Both are STRICT and WITHOUT ROWID like every other station store, so no rowid
 * counts changes; the CHECK constraints and triggers repeat the store's rules inside SQLite so
 * a bug in the TypeScript layer cannot move the phase backwards or change a sealed acta.
 */
import type { OpenDatabaseOptions } from '../shared/storage/database.ts';

export const RESULTS_STORE_SCHEMA_NAME = 'vep-results-store';
export const RESULTS_STORE_SCHEMA_VERSION = 1;

/**
 * 'installed': nothing done (the puesta a cero proves this). 'counting': puesta a cero printed.
 * 'printing': acta sealed, copies being printed. 'signing': every copy printed. 'writing': the
 * signatures are fixed, the consolidated file is being written. 'closed': written and verified.
 */
export const RESULTS_STORE_PHASES = ['installed', 'counting', 'printing', 'signing', 'writing', 'closed'] as const;
export type ResultsStorePhase = (typeof RESULTS_STORE_PHASES)[number];

export const RESULTS_STORE_TABLES = ['station', 'signature'] as const;

const CREATE_V1 = `
  CREATE TABLE station (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    phase TEXT NOT NULL CHECK (phase IN ('installed', 'counting', 'printing', 'signing', 'writing', 'closed')),
    phase_rank INTEGER NOT NULL CHECK (phase_rank BETWEEN 0 AND 5),
    zero_report_hash TEXT CHECK (zero_report_hash IS NULL OR length(zero_report_hash) = 64),
    result_json TEXT,
    acta_bytes BLOB,
    printed_copies INTEGER NOT NULL CHECK (printed_copies >= 0),
    copy_in_progress INTEGER NOT NULL CHECK (copy_in_progress IN (0, 1)),
    CHECK ((phase_rank >= 2) = (acta_bytes IS NOT NULL AND result_json IS NOT NULL)),
    CHECK ((phase_rank >= 1) = (zero_report_hash IS NOT NULL))
  ) STRICT, WITHOUT ROWID;
  INSERT INTO station (id, phase, phase_rank, zero_report_hash, result_json, acta_bytes, printed_copies, copy_in_progress)
    VALUES (1, 'installed', 0, NULL, NULL, NULL, 0, 0);

  CREATE TABLE signature (
    signer_id TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('president', 'member', 'personero')),
    public_key TEXT NOT NULL,
    signature TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;

  CREATE TRIGGER station_phase_forward BEFORE UPDATE OF phase_rank ON station WHEN NEW.phase_rank < OLD.phase_rank
    BEGIN SELECT RAISE(ABORT, 'the results station phase only moves forward'); END;
  CREATE TRIGGER station_acta_sealed BEFORE UPDATE OF acta_bytes, result_json ON station
    WHEN OLD.acta_bytes IS NOT NULL AND (NEW.acta_bytes IS NOT OLD.acta_bytes OR NEW.result_json IS NOT OLD.result_json)
    BEGIN SELECT RAISE(ABORT, 'a sealed acta is never replaced'); END;
`;

export const RESULTS_STORE_SCHEMA: OpenDatabaseOptions = {
  schemaName: RESULTS_STORE_SCHEMA_NAME,
  schemaVersion: RESULTS_STORE_SCHEMA_VERSION,
  migrate: (db, fromVersion) => {
    if (fromVersion < 1) db.exec(CREATE_V1);
  },
};
