/**
 * Tables of the cabin's vote store (see vote-store.ts for the rules they serve).
 *
 * Every table is STRICT and WITHOUT ROWID (rowids count insertions). Ballots are keyed by a CSPRNG
 * id and used nonces by a hash of the nonce: neither key carries order or time, and no column
 * does. The two single-row "pending" tables hold what must survive a crash between the vote's
 * commit and the printer / device finishing; they are emptied (secure_delete zeroes the bytes)
 * as soon as that work is done.
 *
 * The triggers repeat the store's phase rules inside SQLite, so a bug in the TypeScript layer
 * cannot add a ballot to a closed store or move the phase backwards.
 */
import type { OpenDatabaseOptions } from '../shared/storage/database.ts';

export const VOTE_STORE_SCHEMA_NAME = 'vep-cabin-vote-store';
/** v2: store_binding (the election package the store belongs to). */
export const VOTE_STORE_SCHEMA_VERSION = 2;

export const VOTE_PHASES = ['awaiting-zero', 'open', 'closed'] as const;
export type VotePhase = (typeof VOTE_PHASES)[number];

/** Every table of the store: all must pass assertSecretTable. */
export const VOTE_STORE_TABLES = ['cabin_phase', 'ballot', 'used_nonce', 'pending_constancia', 'pending_consumption', 'store_binding'] as const;

const NOT_OPEN = "(SELECT phase FROM cabin_phase WHERE id = 1) IS NOT 'open'";

const CREATE_V1 = `
  CREATE TABLE cabin_phase (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    phase TEXT NOT NULL CHECK (phase IN ('awaiting-zero', 'open', 'closed')),
    zero_report_hash TEXT CHECK (zero_report_hash IS NULL OR (length(zero_report_hash) = 64 AND zero_report_hash NOT GLOB '*[^0-9a-f]*'))
  ) STRICT, WITHOUT ROWID;
  INSERT INTO cabin_phase (id, phase, zero_report_hash) VALUES (1, 'awaiting-zero', NULL);

  CREATE TABLE ballot (
    id TEXT PRIMARY KEY CHECK (length(id) = 32 AND id NOT GLOB '*[^0-9a-f]*'),
    content TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE used_nonce (
    nonce_hash TEXT PRIMARY KEY CHECK (length(nonce_hash) = 64 AND nonce_hash NOT GLOB '*[^0-9a-f]*')
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE pending_constancia (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    content TEXT NOT NULL,
    reprint INTEGER NOT NULL CHECK (reprint IN (0, 1))
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE pending_consumption (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    nonce TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;

  CREATE TRIGGER cabin_phase_forward_only BEFORE UPDATE OF phase ON cabin_phase
    WHEN NOT (NEW.phase = OLD.phase OR (OLD.phase = 'awaiting-zero' AND NEW.phase = 'open') OR (OLD.phase = 'open' AND NEW.phase = 'closed'))
    BEGIN SELECT RAISE(ABORT, 'the cabin phase only moves forward: awaiting-zero, open, closed'); END;
  CREATE TRIGGER cabin_phase_zero_hash_once BEFORE UPDATE OF zero_report_hash ON cabin_phase
    WHEN OLD.zero_report_hash IS NOT NULL AND NEW.zero_report_hash IS NOT OLD.zero_report_hash
    BEGIN SELECT RAISE(ABORT, 'the puesta a cero report hash is recorded once'); END;
  CREATE TRIGGER cabin_phase_no_delete BEFORE DELETE ON cabin_phase
    BEGIN SELECT RAISE(ABORT, 'the cabin phase record is never deleted'); END;

  CREATE TRIGGER ballot_only_while_open BEFORE INSERT ON ballot WHEN ${NOT_OPEN}
    BEGIN SELECT RAISE(ABORT, 'ballots are accepted only while voting is open'); END;
  CREATE TRIGGER ballot_no_update BEFORE UPDATE ON ballot
    BEGIN SELECT RAISE(ABORT, 'a cast ballot is never changed'); END;
  CREATE TRIGGER ballot_no_delete BEFORE DELETE ON ballot
    BEGIN SELECT RAISE(ABORT, 'a cast ballot is never deleted'); END;

  CREATE TRIGGER used_nonce_only_while_open BEFORE INSERT ON used_nonce WHEN ${NOT_OPEN}
    BEGIN SELECT RAISE(ABORT, 'nonces are recorded only while voting is open'); END;
  CREATE TRIGGER used_nonce_no_update BEFORE UPDATE ON used_nonce
    BEGIN SELECT RAISE(ABORT, 'a used nonce is never changed'); END;
  CREATE TRIGGER used_nonce_no_delete BEFORE DELETE ON used_nonce
    BEGIN SELECT RAISE(ABORT, 'a used nonce is never forgotten'); END;

  CREATE TRIGGER pending_constancia_only_while_open BEFORE INSERT ON pending_constancia WHEN ${NOT_OPEN}
    BEGIN SELECT RAISE(ABORT, 'constancias are queued only while voting is open'); END;
`;

/**
 * The election package this store belongs to (vote-store.ts packageBindingHash: its definition
 * and keys), written once at the first boot. A store carried over from another package (another election, mesa or a re-issued
 * package) is refused at boot instead of mixing its ballots or used nonces into this one.
 */
const CREATE_V2 = `
  CREATE TABLE store_binding (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    package_hash TEXT NOT NULL CHECK (length(package_hash) = 64 AND package_hash NOT GLOB '*[^0-9a-f]*')
  ) STRICT, WITHOUT ROWID;
  CREATE TRIGGER store_binding_no_update BEFORE UPDATE ON store_binding
    BEGIN SELECT RAISE(ABORT, 'the vote store is bound to one election package for good'); END;
  CREATE TRIGGER store_binding_no_delete BEFORE DELETE ON store_binding
    BEGIN SELECT RAISE(ABORT, 'the vote store is bound to one election package for good'); END;
`;

export const VOTE_STORE_SCHEMA: OpenDatabaseOptions = {
  schemaName: VOTE_STORE_SCHEMA_NAME,
  schemaVersion: VOTE_STORE_SCHEMA_VERSION,
  migrate: (db, fromVersion) => {
    if (fromVersion < 1) db.exec(CREATE_V1);
    if (fromVersion < 2) db.exec(CREATE_V2);
  },
};
