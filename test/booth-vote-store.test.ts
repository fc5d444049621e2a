import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Ballot } from '../shared/ballot/ballot.ts';
import { encodeBallot } from '../shared/ballot/encoding.ts';
import { canonicalJson } from '../shared/crypto/canonical-json.ts';
import { sha256Hex } from '../shared/crypto/hash.ts';
import { assertSecretTable, randomRowKey } from '../shared/storage/secrecy.ts';
import { issueToken } from '../shared/activation/token.ts';
import { generateSigningKeyPair } from '../shared/crypto/ed25519.ts';
import { describeVoteStoreError, openVoteStore, type VoteStore, type VoteStoreOptions } from '../booth/vote-store.ts';
import { VOTE_STORE_TABLES } from '../booth/store-schema.ts';

function tempDir(t: ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function open(file: string, options: VoteStoreOptions = {}): VoteStore {
  const opened = openVoteStore(file, options);
  if (!opened.ok) throw new Error(`unexpected open failure: ${JSON.stringify(opened.error)}`);
  return opened.value;
}

function value<T>(result: { ok: true; value: T } | { ok: false; error: Parameters<typeof describeVoteStoreError>[0] }): T {
  if (!result.ok) throw new Error(describeVoteStoreError(result.error));
  return result.value;
}

const ZERO = sha256Hex('puesta a cero report');
const identity = { role: 'identity', ...generateSigningKeyPair() };
const now = new Date('2026-04-12T14:00:00Z');

function nonce(): string {
  return issueToken({ electionId: 'eg2026', mesa: '012345', simulacro: false, now, validityMinutes: 30, signer: identity }).nonce;
}

/** Ballot number i (0..389) is distinguishable from every other. */
function ballot(i: number): Ballot {
  return {
    choices: {
      presidente: { kind: 'organization', organization: (i % 39) + 1, preferential: [] },
      diputados: { kind: 'organization', organization: 3, preferential: [Math.floor(i / 39) + 1, 20] },
      parlamento: i % 2 === 0 ? { kind: 'blank' } : { kind: 'null' },
    },
  };
}

function openedForVoting(file: string, options: VoteStoreOptions = {}): VoteStore {
  const store = open(file, options);
  value(store.openVoting(ZERO));
  return store;
}

/** One voter's whole cycle: commit, print, mark the device. */
function castFully(store: VoteStore, b: Ballot, n: string = nonce()): void {
  value(store.commitVote({ ballot: b, nonce: n }));
  value(store.markDeviceConsumed());
  value(store.markConstanciaPrinted());
}

test('round trip: commit, print, mark, close, read the ballots', (t) => {
  const store = openedForVoting(path.join(tempDir(t), 'cabin.db'));
  t.teardown(() => store.disconnect());
  const n = nonce();
  const committed = value(store.commitVote({ ballot: ballot(7), nonce: n }));
  t.deepEqual(committed.pendingConstancia, { ballot: ballot(7), reprint: false });
  t.deepEqual(value(store.pendingConstancia()), { ballot: ballot(7), reprint: false });
  t.deepEqual(store.pendingConsumption(), { nonce: n });
  t.true(store.isUsed(n));
  value(store.markConstanciaPrinted());
  value(store.markDeviceConsumed());
  t.is(value(store.pendingConstancia()), undefined);
  t.is(store.pendingConsumption(), undefined);
  t.deepEqual(value(store.close()), { ballotCount: 1, abandonedConsumption: false });
  t.deepEqual(value(store.closedBallots()), [ballot(7)]);
  t.is(store.zeroReportHash(), ZERO);
  t.deepEqual(value(store.usedNonceHashes()), [sha256Hex(`vep-used-nonce/1\0${n}`)]);
});

test('puesta a cero: a new store is empty and opens only once, only when empty', (t) => {
  const file = path.join(tempDir(t), 'cabin.db');
  const store = open(file);
  t.teardown(() => store.disconnect());
  t.is(store.phase(), 'awaiting-zero');
  t.true(store.isEmpty());
  t.is(store.zeroReportHash(), undefined);
  t.like(store.commitVote({ ballot: ballot(1), nonce: nonce() }), { ok: false, error: { kind: 'wrong-phase', phase: 'awaiting-zero' } });
  t.like(store.close(), { ok: false, error: { kind: 'wrong-phase' } });
  t.like(store.openVoting('not a hash'), { ok: false, error: { kind: 'invalid-input' } });
  // Something left behind (here injected behind the store's back) makes puesta a cero fail.
  const raw = new Database(file);
  raw.prepare("INSERT INTO pending_consumption (id, nonce) VALUES (1, 'x')").run();
  t.false(store.isEmpty());
  t.like(store.openVoting(ZERO), { ok: false, error: { kind: 'not-empty' } });
  raw.prepare('DELETE FROM pending_consumption').run();
  raw.close();
  value(store.openVoting(ZERO));
  t.is(store.phase(), 'open');
  t.like(store.openVoting(ZERO), { ok: false, error: { kind: 'wrong-phase', phase: 'open' } });
});

test('while open only the count is readable; ballots come out only after close', (t) => {
  const store = openedForVoting(path.join(tempDir(t), 'cabin.db'));
  t.teardown(() => store.disconnect());
  for (let i = 0; i < 5; i++) castFully(store, ballot(i));
  t.is(store.ballotCount(), 5);
  t.like(store.closedBallots(), { ok: false, error: { kind: 'wrong-phase', phase: 'open' } });
  t.like(store.usedNonceHashes(), { ok: false, error: { kind: 'wrong-phase', phase: 'open' } });
  value(store.close());
  t.is(value(store.closedBallots()).length, 5);
});

test('a closed store refuses votes, also after a restart and through raw SQL', (t) => {
  const file = path.join(tempDir(t), 'cabin.db');
  const store = openedForVoting(file);
  castFully(store, ballot(1));
  value(store.close());
  t.like(store.commitVote({ ballot: ballot(2), nonce: nonce() }), { ok: false, error: { kind: 'closed' } });
  store.disconnect();
  const again = open(file);
  t.teardown(() => again.disconnect());
  t.is(again.phase(), 'closed');
  t.like(again.commitVote({ ballot: ballot(2), nonce: nonce() }), { ok: false, error: { kind: 'closed' } });
  t.like(again.openVoting(ZERO), { ok: false, error: { kind: 'wrong-phase', phase: 'closed' } });
  t.deepEqual(value(again.close()), { ballotCount: 1, abandonedConsumption: false }, 'close is idempotent');
  // The schema's triggers hold even against code that bypasses the store.
  const raw = new Database(file);
  t.teardown(() => raw.close());
  t.throws(() => raw.prepare("INSERT INTO ballot (id, content) VALUES (?, '{}')").run(randomRowKey()), { any: true, message: /only while voting is open/ });
  t.throws(() => raw.prepare("UPDATE cabin_phase SET phase = 'open'").run(), { any: true, message: /only moves forward/ });
  t.throws(() => raw.prepare('DELETE FROM ballot').run(), { any: true, message: /never deleted/ });
});

test('one voter at a time: the next vote waits for the constancia and the consumed mark', (t) => {
  const store = openedForVoting(path.join(tempDir(t), 'cabin.db'));
  t.teardown(() => store.disconnect());
  value(store.commitVote({ ballot: ballot(1), nonce: nonce() }));
  t.like(store.commitVote({ ballot: ballot(2), nonce: nonce() }), { ok: false, error: { kind: 'pending-constancia' } });
  value(store.markConstanciaPrinted());
  t.like(store.commitVote({ ballot: ballot(2), nonce: nonce() }), { ok: false, error: { kind: 'pending-consumption' } });
  value(store.abandonPendingConsumption());
  value(store.commitVote({ ballot: ballot(2), nonce: nonce() }));
  t.like(store.close(), { ok: false, error: { kind: 'pending-constancia' } }, 'the voter is owed the constancia');
  value(store.markConstanciaPrinted());
  t.deepEqual(value(store.close()), { ballotCount: 2, abandonedConsumption: true });
});

test('a used nonce is refused and the refused vote changes nothing', (t) => {
  const store = openedForVoting(path.join(tempDir(t), 'cabin.db'));
  t.teardown(() => store.disconnect());
  const n = nonce();
  castFully(store, ballot(1), n);
  t.like(store.commitVote({ ballot: ballot(2), nonce: n }), { ok: false, error: { kind: 'nonce-used' } });
  t.is(store.ballotCount(), 1);
  t.is(value(store.pendingConstancia()), undefined);
  t.like(store.commitVote({ ballot: ballot(2), nonce: 'short' }), { ok: false, error: { kind: 'invalid-input' } });
  const repeated = { choices: { diputados: { kind: 'organization', organization: 3, preferential: [4, 4] } } } as const;
  t.like(store.commitVote({ ballot: repeated, nonce: nonce() }), { ok: false, error: { kind: 'invalid-input' } });
  t.like(store.commitVote({ ballot: { choices: {} }, nonce: nonce() }), { ok: false, error: { kind: 'invalid-input' } });
  t.is(store.ballotCount(), 1);
});

test('the typing order of preferential numbers is not stored', (t) => {
  const store = openedForVoting(path.join(tempDir(t), 'cabin.db'));
  t.teardown(() => store.disconnect());
  const typed = { choices: { diputados: { kind: 'organization', organization: 3, preferential: [20, 1] } } } as const;
  const sorted = { choices: { diputados: { kind: 'organization', organization: 3, preferential: [1, 20] } } } as const;
  const committed = value(store.commitVote({ ballot: typed, nonce: nonce() }));
  t.deepEqual(committed.pendingConstancia.ballot, sorted);
  value(store.markConstanciaPrinted());
  value(store.markDeviceConsumed());
  value(store.close());
  t.deepEqual(value(store.closedBallots()), [sorted]);
});

test('restart after the commit: the vote counts once, the constancia is a reprint, the nonce stays used', (t) => {
  const file = path.join(tempDir(t), 'cabin.db');
  const store = openedForVoting(file);
  castFully(store, ballot(1));
  const n = nonce();
  value(store.commitVote({ ballot: ballot(2), nonce: n }));
  store.disconnect(); // the process dies before the printer and the device are done

  const after = open(file);
  t.is(after.phase(), 'open');
  t.is(after.ballotCount(), 2);
  t.true(after.isUsed(n));
  t.deepEqual(value(after.pendingConstancia()), { ballot: ballot(2), reprint: true });
  t.deepEqual(after.pendingConsumption(), { nonce: n });
  value(after.markConstanciaPrinted());
  value(after.markDeviceConsumed());
  after.disconnect();

  const third = open(file);
  t.teardown(() => third.disconnect());
  t.is(value(third.pendingConstancia()), undefined, 'printed exactly once after the crash');
  t.is(third.pendingConsumption(), undefined);
  t.is(third.ballotCount(), 2);
  t.true(third.isUsed(n));
  t.is(third.zeroReportHash(), ZERO);
});

test('a process killed right after the commit leaves the vote counted and its constancia pending as a reprint', (t) => {
  const file = path.join(tempDir(t), 'cabin.db');
  const store = openedForVoting(file);
  castFully(store, ballot(1));
  store.disconnect();
  const n = nonce();
  const storeModule = fileURLToPath(new URL('../booth/vote-store.ts', import.meta.url));
  // The child commits and dies by SIGKILL before printing: no close, no checkpoint, WAL left behind.
  const script = `
    import { openVoteStore } from ${JSON.stringify(storeModule)};
    const opened = openVoteStore(${JSON.stringify(file)});
    if (!opened.ok) process.exit(3);
    const committed = opened.value.commitVote({ ballot: ${JSON.stringify(ballot(2))}, nonce: ${JSON.stringify(n)} });
    if (!committed.ok) process.exit(4);
    process.kill(process.pid, 'SIGKILL');
  `;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  t.is(child.signal, 'SIGKILL', child.stderr);
  t.true(fs.existsSync(`${file}-wal`) && fs.statSync(`${file}-wal`).size > 0, 'the commit lives in the WAL only');

  const after = open(file);
  t.teardown(() => after.disconnect());
  t.is(after.ballotCount(), 2);
  t.true(after.isUsed(n));
  t.deepEqual(value(after.pendingConstancia()), { ballot: ballot(2), reprint: true });
  t.deepEqual(after.pendingConsumption(), { nonce: n });
});

test('a vote whose transaction fails is not counted and its token stays usable', (t) => {
  const file = path.join(tempDir(t), 'cabin.db');
  const store = openedForVoting(file);
  t.teardown(() => store.disconnect());
  // Make the LAST write of the vote transaction fail, after ballot and nonce rows were inserted.
  const raw = new Database(file);
  raw.exec("CREATE TRIGGER injected BEFORE INSERT ON pending_consumption BEGIN SELECT RAISE(ABORT, 'injected fault'); END");
  const n = nonce();
  t.throws(() => store.commitVote({ ballot: ballot(1), nonce: n }), { any: true, message: /injected fault/ });
  t.is(store.ballotCount(), 0);
  t.false(store.isUsed(n));
  t.is(value(store.pendingConstancia()), undefined);
  raw.exec('DROP TRIGGER injected');
  raw.close();
  value(store.commitVote({ ballot: ballot(1), nonce: n }));
  t.is(store.ballotCount(), 1);
});

test('every table is STRICT WITHOUT ROWID and holds no time, order or link column', (t) => {
  const file = path.join(tempDir(t), 'cabin.db');
  const store = openedForVoting(file);
  castFully(store, ballot(1));
  store.disconnect();
  const raw = new Database(file, { readonly: true });
  t.teardown(() => raw.close());
  for (const table of VOTE_STORE_TABLES) t.notThrows(() => assertSecretTable(raw, table));
  const columns = (table: string): string[] => (raw.prepare('SELECT name FROM pragma_table_info(?)').all(table) as Array<{ name: string }>).map((c) => c.name);
  t.deepEqual(columns('ballot'), ['id', 'content']);
  t.deepEqual(columns('used_nonce'), ['nonce_hash']);
  const stored = raw.prepare('SELECT id, content FROM ballot').get() as { id: string; content: string };
  t.regex(stored.id, /^[0-9a-f]{32}$/);
  t.is(stored.content, encodeBallot(ballot(1)));
  t.is(stored.content, canonicalJson(ballot(1)), 'already normalized, so plain canonical JSON');
});

// ---- order independence -------------------------------------------------------------------------

/** Deterministic permutation (mulberry32 + Fisher-Yates): reproducible cast orders. */
function shuffled(n: number, seed: number): number[] {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j] ?? 0, order[i] ?? 0];
  }
  return order;
}

/** Spearman's rho between two rankings of the same n items without ties. */
function spearman(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  let d2 = 0;
  for (let i = 0; i < n; i++) d2 += ((a[i] ?? 0) - (b[i] ?? 0)) ** 2;
  return 1 - (6 * d2) / (n * (n * n - 1));
}

/** Ranks of `positions` (distinct numbers): rank[i] = place of item i when sorted. */
function ranks(positions: readonly number[]): number[] {
  const byPosition = positions.map((p, i) => ({ p, i })).sort((x, y) => x.p - y.p);
  const result = new Array<number>(positions.length).fill(0);
  byPosition.forEach(({ i }, rank) => {
    result[i] = rank;
  });
  return result;
}

/** Byte offset of each ballot's encoding in `bytes`; each must occur exactly once. */
function offsetsIn(t: ExecutionContext, bytes: Buffer, ballots: readonly Ballot[]): number[] {
  return ballots.map((b, i) => {
    const needle = Buffer.from(canonicalJson(b));
    const at = bytes.indexOf(needle);
    t.true(at >= 0 && bytes.indexOf(needle, at + 1) === -1, `ballot ${i} occurs exactly once in the file`);
    return at;
  });
}

/*
 * Threshold: if storage order is independent of cast order, rho between them is the rho of a
 * uniformly random permutation: mean 0, standard deviation 1/sqrt(n-1) = 0.058 for n = 300 (a
 * full mesa). |rho| < 0.25 is 4.3 standard deviations: chance failure ~2e-5 per check, ~1e-4 for
 * all the checks in this file. An actual leak (cells kept in insertion order) gives |rho| near 1,
 * and even a partial one (a quarter of the file in cast order) fails.
 */
const N = 300;
const RHO_LIMIT = 0.25;

for (const [label, seed] of [['ascending', 0], ['shuffled (seed 1)', 1], ['shuffled (seed 2)', 2]] as const) {
  test(`stored order is independent of cast order: ${label}`, (t) => {
    const file = path.join(tempDir(t), 'cabin.db');
    const store = openedForVoting(file);
    const castOrder = seed === 0 ? Array.from({ length: N }, (_, i) => i) : shuffled(N, seed);
    const ballots = castOrder.map(ballot);
    for (const b of ballots) castFully(store, b);
    // Mid-day: after each finished vote the file was rewritten in key order and the WAL emptied.
    const midDay = Buffer.concat([fs.readFileSync(file), fs.existsSync(`${file}-wal`) ? fs.readFileSync(`${file}-wal`) : Buffer.alloc(0)]);
    value(store.close());
    const read = value(store.closedBallots()).map((b) => canonicalJson(b));
    store.disconnect();

    const castRank = ballots.map((_, i) => i);
    const text = ballots.map((b) => canonicalJson(b));
    const fromApi = ranks(text.map((s) => read.indexOf(s)));
    const raw = new Database(file, { readonly: true });
    const unordered = (raw.prepare('SELECT content FROM ballot').all() as Array<{ content: string }>).map((r) => r.content);
    raw.close();
    const fromSelect = ranks(text.map((s) => unordered.indexOf(s)));
    const fromFile = ranks(offsetsIn(t, fs.readFileSync(file), ballots));
    const fromMidDay = ranks(offsetsIn(t, midDay, ballots));

    for (const [what, r] of [['closedBallots', fromApi], ['SELECT', fromSelect], ['file bytes', fromFile], ['mid-day file', fromMidDay]] as const) {
      const rho = spearman(castRank, r);
      t.true(Math.abs(rho) < RHO_LIMIT, `${what}: rho = ${rho.toFixed(3)}`);
    }
  });
}

test('after close two stores with the same ballots cast in different orders are byte-identical past the header', (t) => {
  const dir = tempDir(t);
  const count = 120;
  const ballots = Array.from({ length: count }, (_, i) => ballot(i));
  const nonces = ballots.map(() => nonce());
  // Same (key, ballot) rows in both stores, as if the CSPRNG had drawn the same keys.
  const keys = new Map(ballots.map((b) => [canonicalJson(b), randomRowKey()]));
  const ballotKey = (encoded: string): string => keys.get(encoded) ?? randomRowKey();
  const write = (name: string, order: readonly number[]): Buffer => {
    const file = path.join(dir, name);
    const store = openedForVoting(file, { ballotKey });
    for (const i of order) castFully(store, ballots[i] ?? ballot(0), nonces[i]);
    value(store.close());
    store.disconnect();
    return fs.readFileSync(file);
  };
  const forward = write('forward.db', Array.from({ length: count }, (_, i) => i));
  const mixed = write('mixed.db', shuffled(count, 7));
  t.is(forward.length, mixed.length);
  t.true(forward.subarray(100).equals(mixed.subarray(100)));
  t.false(fs.existsSync(path.join(dir, 'forward.db-wal')) && fs.statSync(path.join(dir, 'forward.db-wal')).size > 0);
});
