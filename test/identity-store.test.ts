import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Dni } from '../identity-station/dni.ts';
import { openIdentityStore, type IdentityStore } from '../identity-station/store.ts';
import { EG2026 } from './helpers/ballots.ts';

const PADRON = EG2026.padron;
const dniAt = (i: number): Dni => {
  const e = PADRON[i];
  if (e === undefined) throw new Error(`no elector ${i}`);
  return e.dni as Dni;
};

function tempDir(t: { teardown: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function open(file: string): IdentityStore {
  const r = openIdentityStore(file, PADRON);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
}

function voting(t: { teardown: (fn: () => void) => void }, name = 'identity.db'): { store: IdentityStore; file: string } {
  const file = path.join(tempDir(t), name);
  const store = open(file);
  t.teardown(() => {
    try {
      store.disconnect();
    } catch {
      /* already closed */
    }
  });
  const moved = store.setPhase('voting');
  if (!moved.ok) throw new Error('setPhase');
  return { store, file };
}

test('a fresh store is empty, installing, and knows the padrón', (t) => {
  const file = path.join(tempDir(t), 'identity.db');
  const store = open(file);
  t.teardown(() => store.disconnect());
  t.is(store.phase(), 'installing');
  t.true(store.isEmpty());
  t.is(store.checkVoter(dniAt(0)), 'may-vote');
  t.is(store.checkVoter('00000001' as Dni), 'not-in-padron');
  t.is(store.summary().electoresHabiles, PADRON.length);
  // No voter change before voting opens.
  t.like(store.markHoldsDevice(dniAt(0)), { ok: false, error: { kind: 'wrong-phase' } });
});

test('the padrón check follows each outcome', (t) => {
  const { store } = voting(t);
  t.true(store.markHoldsDevice(dniAt(0)).ok);
  t.is(store.checkVoter(dniAt(0)), 'holds-device');
  t.like(store.markHoldsDevice(dniAt(0)), { ok: false, error: { kind: 'not-allowed', status: 'holds-device' } });
  t.like(store.recordImpugnado(dniAt(0)), { ok: false, error: { kind: 'not-allowed' } });
  t.true(store.recordVoted(dniAt(0)).ok);
  t.is(store.checkVoter(dniAt(0)), 'already-voted');
  // A device presented twice: nothing is recorded twice.
  t.like(store.recordVoted(dniAt(0)), { ok: false, error: { kind: 'not-holding-device' } });

  t.true(store.markHoldsDevice(dniAt(1)).ok);
  t.true(store.recordArt23(dniAt(1)).ok);
  t.is(store.checkVoter(dniAt(1)), 'already-voted');

  t.true(store.markHoldsDevice(dniAt(2)).ok);
  t.true(store.recordLostDevice(dniAt(2)).ok);
  t.is(store.checkVoter(dniAt(2)), 'already-voted');

  t.true(store.recordImpugnado(dniAt(3)).ok);
  t.is(store.checkVoter(dniAt(3)), 'impugned');
  t.like(store.markHoldsDevice(dniAt(3)), { ok: false, error: { kind: 'not-allowed', status: 'impugned' } });

  t.like(store.recordArt23(dniAt(4)), { ok: false, error: { kind: 'not-holding-device' } });
  t.like(store.recordVoted('00000001' as Dni), { ok: false, error: { kind: 'not-in-padron' } });
  t.true(store.markHoldsDevice(dniAt(5)).ok);
  t.true(store.recordAssisted().ok);

  t.deepEqual(store.summary(), {
    electoresHabiles: PADRON.length,
    activationsIssued: 4,
    activationsConsumed: 1,
    art23NotVoted: 2,
    lostDevices: 1,
    impugnados: 1,
    assistedVoters: 1,
    outstandingDevices: 1,
  });
  t.false(store.isEmpty());
  // Closing refused while a device is out.
  t.like(store.setPhase('closing'), { ok: false, error: { kind: 'wrong-phase' } });
  t.true(store.recordVoted(dniAt(5)).ok);
  t.true(store.setPhase('closing').ok);
  t.like(store.setPhase('voting'), { ok: false, error: { kind: 'wrong-phase' } });
  const nonVoters = store.nonVoters();
  t.is(nonVoters.length, PADRON.length - 5);
  t.false(nonVoters.some((n) => [0, 1, 2, 3, 5].map(dniAt).includes(n.dni as Dni)));
  t.deepEqual(
    nonVoters.map((n) => n.order),
    [...nonVoters.map((n) => n.order)].sort((a, b) => a - b),
  );
});

test('everything survives a restart', (t) => {
  const { store, file } = voting(t);
  t.true(store.recordMembers([{ dni: '99524208' as Dni, role: 'presidente', takenFromLine: false }]).ok);
  t.true(store.addObservation('Se instaló con retraso por falta de luz.').ok);
  t.true(store.markHoldsDevice(dniAt(0)).ok);
  t.true(store.markHoldsDevice(dniAt(1)).ok);
  t.true(store.recordVoted(dniAt(1)).ok);
  t.true(store.recordAssisted().ok);
  const before = store.summary();
  store.disconnect();
  const again = open(file);
  t.teardown(() => again.disconnect());
  t.is(again.phase(), 'voting');
  t.deepEqual(again.summary(), before);
  t.is(again.checkVoter(dniAt(0)), 'holds-device');
  t.deepEqual(again.members(), [{ dni: '99524208', role: 'presidente', takenFromLine: false }]);
  t.deepEqual(again.observations('sufragio'), ['Se instaló con retraso por falta de luz.']);
  t.deepEqual(again.observations('instalacion'), []);
});

test('a store of another padrón is refused', (t) => {
  const file = path.join(tempDir(t), 'identity.db');
  open(file).disconnect();
  const other = openIdentityStore(file, PADRON.slice(1));
  t.like(other, { ok: false, error: { kind: 'invalid-input' } });
});

test('tables hold no time, nonce, cabin or sequence column', (t) => {
  const { store, file } = voting(t);
  store.disconnect();
  const db = new Database(file, { readonly: true });
  t.teardown(() => db.close());
  const columns = (db.prepare("SELECT name FROM pragma_table_info('elector')").all() as Array<{ name: string }>).map((c) => c.name);
  t.deepEqual(columns.sort(), ['dni', 'given_names', 'holds_device', 'outcome', 'padron_order', 'surnames']);
});

type Outcome = 'voted' | 'art23' | 'lost' | 'impugnado';
const SCRIPT: Outcome[] = Array.from({ length: 30 }, (_, i) => (['voted', 'voted', 'voted', 'art23', 'lost', 'impugnado'] as const)[i % 6] ?? 'voted');

function play(store: IdentityStore, order: readonly number[]): void {
  for (const i of order) {
    const dni = dniAt(i * 7);
    const outcome = SCRIPT[i] ?? 'voted';
    if (outcome === 'impugnado') {
      if (!store.recordImpugnado(dni).ok) throw new Error('impugnado');
      continue;
    }
    if (!store.markHoldsDevice(dni).ok) throw new Error('issue');
    const r = outcome === 'voted' ? store.recordVoted(dni) : outcome === 'art23' ? store.recordArt23(dni) : store.recordLostDevice(dni);
    if (!r.ok) throw new Error(outcome);
  }
}

/** Deterministic shuffle (a fixed LCG) so the test is reproducible. */
function shuffled(n: number, seed: number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  let s = seed;
  for (let i = n - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    const x = a[i] ?? 0;
    a[i] = a[j] ?? 0;
    a[j] = x;
  }
  return a;
}

test('secrecy: neither table order nor file bytes depend on the order of the voters', (t) => {
  const orderA = Array.from({ length: 30 }, (_, i) => i);
  const orderB = shuffled(30, 20260412);
  t.notDeepEqual(orderA, orderB);
  const a = voting(t, 'a.db');
  const b = voting(t, 'b.db');
  play(a.store, orderA);
  play(b.store, orderB);
  t.deepEqual(a.store.summary(), b.store.summary());
  a.store.disconnect();
  b.store.disconnect();

  const bytesA = fs.readFileSync(a.file);
  const bytesB = fs.readFileSync(b.file);
  t.is(bytesA.length, bytesB.length);
  // Past the 100-byte header (change counters), the files are identical.
  t.true(bytesA.subarray(100).equals(bytesB.subarray(100)));
  // The WAL was checkpointed and truncated: no page images in commit order remain.
  for (const file of [a.file, b.file]) {
    const wal = `${file}-wal`;
    t.true(!fs.existsSync(wal) || fs.statSync(wal).size === 0);
  }

  for (const file of [a.file, b.file]) {
    const db = new Database(file, { readonly: true });
    const rows = db.prepare('SELECT dni FROM elector WHERE outcome IS NOT NULL').all() as Array<{ dni: string }>;
    db.close();
    const dnis = rows.map((r) => r.dni);
    // Unordered SELECT comes back in key (DNI) order, whatever the order of voting.
    t.deepEqual(dnis, [...dnis].sort());
    t.is(dnis.length, 30);
  }
});

test('observations are filed under the acta the phase prepares, and refused once the actas are done', (t) => {
  const file = path.join(tempDir(t), 'identity.db');
  const store = open(file);
  t.teardown(() => store.disconnect());
  t.deepEqual(store.addObservation('Llegó tarde el secretario.'), { ok: true, value: 'instalacion' });
  t.like(store.addObservation('dos\nlíneas'), { ok: false, error: { kind: 'invalid-input' } });
  t.true(store.setPhase('voting').ok);
  t.deepEqual(store.addObservation('Un personero pidió constancia.'), { ok: true, value: 'sufragio' });
  t.true(store.setPhase('closing').ok);
  t.deepEqual(store.addObservation('Se cerró con lluvia.'), { ok: true, value: 'sufragio' });
  t.true(store.setPhase('closed').ok);
  t.like(store.addObservation('Tarde.'), { ok: false, error: { kind: 'wrong-phase' } });
  t.deepEqual(store.observations('instalacion'), ['Llegó tarde el secretario.']);
  t.deepEqual(store.observations('sufragio'), ['Un personero pidió constancia.', 'Se cerró con lluvia.']);
});

test('a version 1 store is migrated: its observations stay on the acta de sufragio', (t) => {
  const file = path.join(tempDir(t), 'identity.db');
  open(file).disconnect();
  // Back to what version 1 wrote: no installation column, the schema version 1.
  const db = new Database(file);
  db.exec("ALTER TABLE station DROP COLUMN installation_observations; UPDATE station SET observations = 'Observación antigua.'");
  // shared/storage/database.ts keeps the schema version in vep_schema.
  db.prepare('UPDATE vep_schema SET schema_version = 1').run();
  db.close();
  const again = open(file);
  t.teardown(() => again.disconnect());
  t.deepEqual(again.observations('sufragio'), ['Observación antigua.']);
  t.deepEqual(again.observations('instalacion'), []);
});
