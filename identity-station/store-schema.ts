/**
 * Tables of the identity station's padrón store (see store.ts for the rules they serve).
 *
 * Every table is STRICT and WITHOUT ROWID: a rowid counts insertions, and although the padrón
 * rows are inserted once in padrón order (public), nothing the station learns during the day
 * may be given an order. Per elector the store keeps only the OUTCOME (status, and a boolean
 * while an activation device is out): no time, no token nonce, no cabin, no arrival order.
 *
 * The CHECK constraints and triggers repeat the store's rules inside SQLite, so a bug in the
 * TypeScript layer cannot give one elector two outcomes or move the phase backwards.
 */
import type { OpenDatabaseOptions } from '../shared/storage/database.ts';

export const IDENTITY_STORE_SCHEMA_NAME = 'vep-identity-store';
export const IDENTITY_STORE_SCHEMA_VERSION = 2;

export const IDENTITY_PHASES = ['installing', 'voting', 'closing', 'closed', 'not-installed'] as const;
export type IdentityStorePhase = (typeof IDENTITY_PHASES)[number];

/**
 * Final outcome of an elector. 'lost' is the Art. 23 case where the device never came back:
 * counted as identified-but-not-voted, and also as a lost device in the acta.
 */
export const ELECTOR_OUTCOMES = ['voted', 'art23', 'lost', 'impugnado'] as const;
export type ElectorOutcome = (typeof ELECTOR_OUTCOMES)[number];

export const MEMBER_ROLES = ['presidente', 'secretario', 'tercer-miembro', 'suplente'] as const;

/** Every table of the store: all must pass assertSecretTable. */
export const IDENTITY_STORE_TABLES = ['station', 'elector', 'member'] as const;

const CREATE_V1 = `
  CREATE TABLE station (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    phase TEXT NOT NULL CHECK (phase IN ('installing', 'voting', 'closing', 'closed', 'not-installed')),
    activations_issued INTEGER NOT NULL CHECK (activations_issued >= 0),
    assisted_voters INTEGER NOT NULL CHECK (assisted_voters >= 0),
    observations TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;
  INSERT INTO station (id, phase, activations_issued, assisted_voters, observations) VALUES (1, 'installing', 0, 0, '');

  CREATE TABLE elector (
    dni TEXT PRIMARY KEY CHECK (length(dni) = 8 AND dni NOT GLOB '*[^0-9]*'),
    padron_order INTEGER NOT NULL UNIQUE CHECK (padron_order >= 1),
    surnames TEXT NOT NULL,
    given_names TEXT NOT NULL,
    outcome TEXT CHECK (outcome IS NULL OR outcome IN ('voted', 'art23', 'lost', 'impugnado')),
    holds_device INTEGER NOT NULL CHECK (holds_device IN (0, 1)),
    CHECK (NOT (holds_device = 1 AND outcome IS NOT NULL))
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE member (
    dni TEXT PRIMARY KEY CHECK (length(dni) = 8 AND dni NOT GLOB '*[^0-9]*'),
    role TEXT NOT NULL CHECK (role IN ('presidente', 'secretario', 'tercer-miembro', 'suplente')),
    taken_from_line INTEGER NOT NULL CHECK (taken_from_line IN (0, 1))
  ) STRICT, WITHOUT ROWID;

  CREATE TRIGGER elector_outcome_final BEFORE UPDATE OF outcome ON elector WHEN OLD.outcome IS NOT NULL
    BEGIN SELECT RAISE(ABORT, 'an elector outcome is final'); END;
  CREATE TRIGGER elector_no_delete BEFORE DELETE ON elector
    BEGIN SELECT RAISE(ABORT, 'the padrón is never shortened'); END;
`;

/**
 * v2: observations are kept per acta. `observations` (v1) now holds those for the acta de
 * sufragio (recorded while voting or closing); the new column those for the acta de instalación
 * or de no instalación (recorded while installing). A v1 file keeps its observations where they
 * were, i.e. on the acta de sufragio.
 */
const MIGRATE_V2 = `
  ALTER TABLE station ADD COLUMN installation_observations TEXT NOT NULL DEFAULT '';
`;

export const IDENTITY_STORE_SCHEMA: OpenDatabaseOptions = {
  schemaName: IDENTITY_STORE_SCHEMA_NAME,
  schemaVersion: IDENTITY_STORE_SCHEMA_VERSION,
  migrate: (db, fromVersion) => {
    if (fromVersion < 1) db.exec(CREATE_V1);
    if (fromVersion < 2) db.exec(MIGRATE_V2);
  },
};
