import test from 'ava';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Ballot } from '../shared/ballot/ballot.ts';
import { encodeBallot } from '../shared/ballot/encoding.ts';
import { canonicalJson } from '../shared/crypto/canonical-json.ts';
import { sealEnvelope, type Signer } from '../shared/crypto/envelope.ts';
import { sha256Hex } from '../shared/crypto/hash.ts';
import { generateKeySet, loadSigner } from '../shared/crypto/keyset.ts';
import type { ElectionDefinition } from '../shared/election/definition.ts';
import { buildPackage, describeBuildError, describePackageError, verifyPackageBytes, type VerifiedPackage } from '../shared/election/package.ts';
import {
  buildCabinResults,
  CABIN_RESULTS_FILE_NAME,
  CABIN_RESULTS_KIND,
  cabinResultsProblemForScreen,
  describeCabinResultsProblem,
  verifyCabinResults,
  type CabinResultsProblem,
} from '../shared/results/cabin-results.ts';
import { ballotArbitrary, EG2026, PRIMARIAS2025 } from './helpers/ballots.ts';

const CODE_OK = 'a'.repeat(64);
const CODE_UNAUTHORIZED = 'f'.repeat(64);

interface World {
  readonly pkg: VerifiedPackage;
  readonly otherPkg: VerifiedPackage;
  readonly cabin1: Signer;
  readonly cabin2: Signer;
  readonly results: Signer;
  readonly ballots: Ballot[];
  readonly nonces: string[];
  readonly bytes: Uint8Array;
}

function unwrap<T, E>(r: { ok: true; value: T } | { ok: false; error: E }, what: (e: E) => string): T {
  if (!r.ok) throw new Error(what(r.error));
  return r.value;
}

function makePackage(definition: ElectionDefinition, keysDir: string, rootPublicKey: Uint8Array): VerifiedPackage {
  const bytes = unwrap(buildPackage(definition, keysDir, [CODE_OK]), describeBuildError);
  return unwrap(verifyPackageBytes(bytes, rootPublicKey), describePackageError);
}

function makeWorld(t: { teardown: (fn: () => void) => void }): World {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  unwrap(generateKeySet(dir), (e) => JSON.stringify(e));
  const root = unwrap(loadSigner(dir, 'onpe-root'), (e) => JSON.stringify(e));
  const pkg = makePackage(EG2026, dir, root.publicKey);
  const otherPkg = makePackage(PRIMARIAS2025, dir, root.publicKey);
  const cabin1 = unwrap(loadSigner(dir, 'cabin-1'), (e) => JSON.stringify(e));
  const cabin2 = unwrap(loadSigner(dir, 'cabin-2'), (e) => JSON.stringify(e));
  const results = unwrap(loadSigner(dir, 'results'), (e) => JSON.stringify(e));
  const ballots = fc.sample(ballotArbitrary(EG2026), 30);
  const nonces = ballots.map(() => sha256Hex(randomBytes(32)));
  const bytes = buildCabinResults({
    pkg,
    cabinId: 'cabin-1',
    softwareCode: CODE_OK,
    zeroReportHash: sha256Hex('puesta a cero'),
    ballots,
    usedNonceHashes: nonces,
    auditHead: { sequence: 42, hash: sha256Hex('head') },
    signer: cabin1,
  });
  return { pkg, otherPkg, cabin1, cabin2, results, ballots, nonces, bytes };
}

type Payload = Record<string, unknown> & { ballots: string[]; usedNonceHashes: string[]; ballotCount: number };

/** Re-signs a modified payload with a (possibly legitimate) key: what an insider with the key could do. */
function resign(bytes: Uint8Array, signer: Signer, mutate: (payload: Payload) => void): Uint8Array {
  const envelope = JSON.parse(new TextDecoder().decode(bytes)) as { payload: Payload };
  mutate(envelope.payload);
  return sealEnvelope(CABIN_RESULTS_KIND, envelope.payload, signer);
}

function kinds(r: { ok: true } | { ok: false; error: CabinResultsProblem[] }): string[] {
  return r.ok ? [] : r.error.map((p) => p.kind);
}

/** Independent recount: per contest, how many ballots chose each option. */
function recount(ballots: readonly Ballot[]): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
  for (const ballot of ballots) {
    for (const [contestId, choice] of Object.entries(ballot.choices)) {
      if (choice.kind !== 'organization') {
        add(`${contestId}/${choice.kind}`);
        continue;
      }
      add(`${contestId}/org${choice.organization}`);
      for (const candidate of choice.preferential) add(`${contestId}/org${choice.organization}/c${candidate}`);
    }
  }
  return counts;
}

test('a cabin results file verifies, its tally matches an independent recount, and it holds no order', (t) => {
  const w = makeWorld(t);
  const verified = verifyCabinResults(w.bytes, { pkg: w.pkg, expectedCabinId: 'cabin-1' });
  if (!verified.ok) return t.fail(verified.error.map(describeCabinResultsProblem).join('\n'));
  const v = verified.value;
  t.is(v.cabinId, 'cabin-1');
  t.is(v.ballotCount, 30);
  t.is(v.packageHash, w.pkg.packageHash);
  t.is(v.fileHash, sha256Hex(w.bytes));
  t.deepEqual(v.usedNonceHashes, [...w.nonces].sort());
  t.deepEqual(v.auditLogHead, { sequence: 42, hash: sha256Hex('head') });

  const expected = recount(w.ballots);
  for (const contest of v.tally.contests) {
    t.is(contest.blank, expected.get(`${contest.contestId}/blank`) ?? 0);
    t.is(contest.null, expected.get(`${contest.contestId}/null`) ?? 0);
    t.is(contest.emitted, 30);
    for (const o of contest.organizations) {
      t.is(o.votes, expected.get(`${contest.contestId}/org${o.organization}`) ?? 0);
      for (const c of o.preferential) t.is(c.votes, expected.get(`${contest.contestId}/org${o.organization}/c${c.candidate}`) ?? 0);
    }
  }
  // Same multiset of ballots, and the file order is the sorted order whatever the cast order.
  const texts = (JSON.parse(new TextDecoder().decode(w.bytes)) as { payload: Payload }).payload.ballots;
  t.deepEqual(texts, [...texts].sort());
  t.deepEqual(v.ballots.map((b) => canonicalJson(b)).sort(), w.ballots.map((b) => canonicalJson(b)).sort());
  const reversed = buildCabinResults({
    pkg: w.pkg,
    cabinId: 'cabin-1',
    softwareCode: CODE_OK,
    zeroReportHash: sha256Hex('puesta a cero'),
    ballots: [...w.ballots].reverse(),
    usedNonceHashes: [...w.nonces].reverse(),
    auditHead: { sequence: 42, hash: sha256Hex('head') },
    signer: w.cabin1,
  });
  t.deepEqual(reversed, w.bytes, 'cast order leaves no trace in the file');
  const payload = (JSON.parse(new TextDecoder().decode(w.bytes)) as { payload: Payload }).payload;
  t.deepEqual(Object.keys(payload).sort(), [
    'auditLogHead', 'ballotCount', 'ballots', 'cabinId', 'electionId', 'formatVersion', 'mesa',
    'packageHash', 'softwareCode', 'tally', 'usedNonceHashes', 'zeroReportHash',
  ], 'no time or other extra field');
});

test('flipping bytes anywhere in the file is refused (every byte of the first and last 512, then every 61st)', (t) => {
  const w = makeWorld(t);
  // Full coverage of every byte is ~minutes on 2 shared cores for a file this size; the head
  // and tail cover the envelope fields and signature, the stride covers the payload densely.
  const positions = new Set<number>();
  for (let i = 0; i < Math.min(512, w.bytes.length); i++) positions.add(i);
  for (let i = Math.max(0, w.bytes.length - 512); i < w.bytes.length; i++) positions.add(i);
  for (let i = 0; i < w.bytes.length; i += 61) positions.add(i);
  let refused = 0;
  for (const i of positions) {
    const copy = Uint8Array.from(w.bytes);
    copy[i] = (copy[i] ?? 0) ^ 0x01;
    if (!verifyCabinResults(copy, { pkg: w.pkg }).ok) refused++;
  }
  t.is(refused, positions.size);
});

test('results signed by cabin 2 claiming to be cabin 1 are refused', (t) => {
  const w = makeWorld(t);
  const forged = resign(w.bytes, w.cabin2, () => undefined);
  const r = verifyCabinResults(forged, { pkg: w.pkg });
  t.deepEqual(kinds(r), ['cabin-mismatch']);
  t.deepEqual(kinds(verifyCabinResults(forged, { pkg: w.pkg, expectedCabinId: 'cabin-1' })), ['cabin-mismatch', 'unexpected-cabin']);
  if (!r.ok) t.is(cabinResultsProblemForScreen(r.error[0]!, 'cabin-2'), 'Los resultados de la cabina 2 no tienen una firma válida. No se contabilizan.');
});

test('results signed by a station that is not a cabin are refused', (t) => {
  const w = makeWorld(t);
  const forged = resign(w.bytes, w.results, (p) => (p.cabinId = 'results'));
  t.deepEqual(kinds(verifyCabinResults(forged, { pkg: w.pkg })), ['signer-not-cabin']);
});

test('tampered ballots re-signed with the right key but the old tally are refused', (t) => {
  const w = makeWorld(t);
  const contest = EG2026.contests[0]!;
  const forged = resign(w.bytes, w.cabin1, (p) => {
    // Same number of ballots, one vote changed: only the recount can catch it.
    const first = JSON.parse(p.ballots[0]!) as Ballot;
    const current = first.choices[contest.id]!;
    p.ballots[0] = encodeBallot({ choices: { ...first.choices, [contest.id]: current.kind === 'blank' ? { kind: 'null' } : { kind: 'blank' } } });
    p.ballots.sort();
  });
  const r = verifyCabinResults(forged, { pkg: w.pkg });
  t.deepEqual(kinds(r), ['tally-mismatch']);
  if (!r.ok) t.regex(cabinResultsProblemForScreen(r.error[0]!, 'cabin-1'), /cabina 1 tienen un conteo que no coincide/);
});

test('an invalid ballot (unknown organization) re-signed is refused', (t) => {
  const w = makeWorld(t);
  const contest = EG2026.contests[0]!;
  const bad: Ballot = { choices: { ...w.ballots[0]!.choices, [contest.id]: { kind: 'organization', organization: 999, preferential: [] } } };
  const forged = resign(w.bytes, w.cabin1, (p) => {
    p.ballots[0] = encodeBallot(bad);
    p.ballots.sort();
  });
  const r = verifyCabinResults(forged, { pkg: w.pkg });
  t.true(kinds(r).includes('invalid-ballot'));
  if (!r.ok) t.regex(describeCabinResultsProblem(r.error.find((p) => p.kind === 'invalid-ballot')!), /ballot #\d+/);
});

test('unsorted ballots are refused: the file must not be able to carry an order', (t) => {
  const w = makeWorld(t);
  const forged = resign(w.bytes, w.cabin1, (p) => p.ballots.reverse());
  t.deepEqual(kinds(verifyCabinResults(forged, { pkg: w.pkg })), ['ballots-not-sorted']);
});

test("another election's package refuses the file", (t) => {
  const w = makeWorld(t);
  const r = verifyCabinResults(w.bytes, { pkg: w.otherPkg });
  t.false(r.ok);
  t.true(kinds(r).includes('wrong-election'));
  t.true(kinds(r).includes('wrong-package'));
});

test('an unauthorized software code is refused', (t) => {
  const w = makeWorld(t);
  const forged = resign(w.bytes, w.cabin1, (p) => (p.softwareCode = CODE_UNAUTHORIZED));
  const r = verifyCabinResults(forged, { pkg: w.pkg });
  t.deepEqual(kinds(r), ['software-not-authorized']);
  if (!r.ok) t.is(cabinResultsProblemForScreen(r.error[0]!), 'Los resultados de una cabina se generaron con un software no autorizado. No se contabilizan.');
});

test('duplicate nonce hashes and inconsistent counts are refused', (t) => {
  const w = makeWorld(t);
  const dup = resign(w.bytes, w.cabin1, (p) => (p.usedNonceHashes[1] = p.usedNonceHashes[0]!));
  t.deepEqual(kinds(verifyCabinResults(dup, { pkg: w.pkg })), ['duplicate-nonce']);
  const short = resign(w.bytes, w.cabin1, (p) => p.usedNonceHashes.pop());
  t.deepEqual(kinds(verifyCabinResults(short, { pkg: w.pkg })), ['count-mismatch']);
  const badZero = resign(w.bytes, w.cabin1, (p) => (p.zeroReportHash = ''));
  t.deepEqual(kinds(verifyCabinResults(badZero, { pkg: w.pkg })), ['bad-payload']);
});

test('the file name is cabin-specific and uses a safe charset', (t) => {
  t.is(CABIN_RESULTS_FILE_NAME('cabin-1'), 'resultados-cabin-1.vep');
  t.regex(CABIN_RESULTS_FILE_NAME('cabin-12'), /^[A-Za-z0-9._-]+$/);
  t.throws(() => CABIN_RESULTS_FILE_NAME('../cabin-1'));
});
