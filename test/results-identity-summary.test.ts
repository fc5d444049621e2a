import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sealEnvelope, type Signer } from '../shared/crypto/envelope.ts';
import { sha256Hex } from '../shared/crypto/hash.ts';
import { generateKeySet, loadSigner } from '../shared/crypto/keyset.ts';
import type { ElectionDefinition } from '../shared/election/definition.ts';
import { buildPackage, describeBuildError, describePackageError, verifyPackageBytes, type VerifiedPackage } from '../shared/election/package.ts';
import {
  buildIdentitySummary,
  describeIdentitySummaryProblem,
  IDENTITY_SUMMARY_FILE_NAME,
  IDENTITY_SUMMARY_KIND,
  identitySummaryProblemForScreen,
  verifyIdentitySummary,
  type IdentitySummaryCounts,
  type IdentitySummaryProblem,
} from '../shared/results/identity-summary.ts';
import { reconcile } from '../shared/tally/reconcile.ts';
import type { Dni } from '../identity-station/dni.ts';
import { openIdentityStore } from '../identity-station/store.ts';
import { EG2026, PRIMARIAS2025 } from './helpers/ballots.ts';

const CODE_OK = 'a'.repeat(64);
const CODE_UNAUTHORIZED = 'f'.repeat(64);

function unwrap<T, E>(r: { ok: true; value: T } | { ok: false; error: E }, what: (e: E) => string): T {
  if (!r.ok) throw new Error(what(r.error));
  return r.value;
}

interface World {
  readonly dir: string;
  readonly pkg: VerifiedPackage;
  readonly otherPkg: VerifiedPackage;
  readonly identity: Signer;
  readonly cabin1: Signer;
  readonly counts: IdentitySummaryCounts;
  readonly bytes: Uint8Array;
}

function makePackage(definition: ElectionDefinition, keysDir: string, root: Uint8Array): VerifiedPackage {
  const bytes = unwrap(buildPackage(definition, keysDir, [CODE_OK]), describeBuildError);
  return unwrap(verifyPackageBytes(bytes, root), describePackageError);
}

/** Counts produced by the real identity store after a scripted day: 12 voted, 2 Art. 23, 1 lost, 2 impugnados, 3 assisted. */
function countsFromStore(dir: string): IdentitySummaryCounts {
  const store = unwrap(openIdentityStore(path.join(dir, 'identity.db'), EG2026.padron), (e) => JSON.stringify(e));
  try {
    const dni = (i: number) => (EG2026.padron[i]?.dni ?? '') as Dni;
    const must = (r: { ok: boolean }) => {
      if (!r.ok) throw new Error('store refused a scripted step');
    };
    must(store.setPhase('voting'));
    for (let i = 0; i < 15; i++) must(store.markHoldsDevice(dni(i)));
    for (let i = 0; i < 12; i++) must(store.recordVoted(dni(i)));
    must(store.recordArt23(dni(12)));
    must(store.recordArt23(dni(13)));
    must(store.recordLostDevice(dni(14)));
    must(store.recordImpugnado(dni(20)));
    must(store.recordImpugnado(dni(21)));
    for (let i = 0; i < 3; i++) must(store.recordAssisted());
    must(store.setPhase('closing'));
    const { outstandingDevices, ...counts } = store.summary();
    if (outstandingDevices !== 0) throw new Error('devices out');
    return counts;
  } finally {
    store.disconnect();
  }
}

function makeWorld(t: { teardown: (fn: () => void) => void }): World {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  unwrap(generateKeySet(dir), (e) => JSON.stringify(e));
  const root = unwrap(loadSigner(dir, 'onpe-root'), (e) => JSON.stringify(e));
  const pkg = makePackage(EG2026, dir, root.publicKey);
  const otherPkg = makePackage(PRIMARIAS2025, dir, root.publicKey);
  const identity = unwrap(loadSigner(dir, 'identity'), (e) => JSON.stringify(e));
  const cabin1 = unwrap(loadSigner(dir, 'cabin-1'), (e) => JSON.stringify(e));
  const counts = countsFromStore(dir);
  const bytes = buildIdentitySummary({ pkg, softwareCode: CODE_OK, counts, auditHead: { sequence: 7, hash: sha256Hex('head') }, nonVotersSha256: sha256Hex('csv'), signer: identity });
  return { dir, pkg, otherPkg, identity, cabin1, counts, bytes };
}

type Payload = Record<string, unknown>;

function resign(bytes: Uint8Array, signer: Signer, mutate: (payload: Payload) => void): Uint8Array {
  const envelope = JSON.parse(new TextDecoder().decode(bytes)) as { payload: Payload };
  mutate(envelope.payload);
  return sealEnvelope(IDENTITY_SUMMARY_KIND, envelope.payload, signer);
}

function kinds(r: { ok: true } | { ok: false; error: IdentitySummaryProblem[] }): string[] {
  return r.ok ? [] : r.error.map((p) => p.kind);
}

test('round trip: the summary verifies with the counts the store produced, and holds no per-voter data', (t) => {
  const w = makeWorld(t);
  t.is(IDENTITY_SUMMARY_FILE_NAME, 'resumen-identidad.vep');
  const r = verifyIdentitySummary(w.bytes, { pkg: w.pkg });
  if (!r.ok) return t.fail(r.error.map(describeIdentitySummaryProblem).join('\n'));
  t.deepEqual(r.value.counts, w.counts);
  t.deepEqual(w.counts, {
    electoresHabiles: EG2026.padron.length,
    activationsIssued: 15,
    activationsConsumed: 12,
    art23NotVoted: 3,
    lostDevices: 1,
    impugnados: 2,
    assistedVoters: 3,
  });
  t.is(r.value.electionId, EG2026.election.id);
  t.is(r.value.mesa, EG2026.mesa.number);
  t.is(r.value.fileHash, sha256Hex(w.bytes));
  t.is(r.value.nonVotersSha256, sha256Hex('csv'));
  const text = new TextDecoder().decode(w.bytes);
  // No DNI of the padrón (nor any 8-digit run) appears in the file.
  t.false(EG2026.padron.some((e) => text.includes(e.dni)));
  const payload = (JSON.parse(text) as { payload: Payload }).payload;
  t.deepEqual(Object.keys(payload).sort(), [
    'activationsConsumed',
    'activationsIssued',
    'art23NotVoted',
    'assistedVoters',
    'auditLogHead',
    'electionId',
    'electoresHabiles',
    'formatVersion',
    'impugnados',
    'lostDevices',
    'mesa',
    'nonVotersSha256',
    'packageHash',
    'softwareCode',
  ]);
});

test('the verified summary feeds reconcile with matching cabin counts, and a missing ballot is caught', (t) => {
  const w = makeWorld(t);
  const r = verifyIdentitySummary(w.bytes, { pkg: w.pkg });
  if (!r.ok) return t.fail('does not verify');
  const good = reconcile({ cabinBallotCounts: { 'cabin-1': 7, 'cabin-2': 5 }, identity: r.value.identity });
  if (!good.ok) return t.fail(JSON.stringify(good.error));
  t.is(good.value.voters, 12 + 3 + 2);
  t.is(good.value.absent, EG2026.padron.length - 17);
  const short = reconcile({ cabinBallotCounts: { 'cabin-1': 7, 'cabin-2': 4 }, identity: r.value.identity });
  t.like(short, { ok: false, error: [{ kind: 'ballots-activations-mismatch' }] });
});

test('flipping bytes is refused (every byte of the first and last 256, then every 7th)', (t) => {
  const w = makeWorld(t);
  const positions = new Set<number>();
  for (let i = 0; i < Math.min(256, w.bytes.length); i++) positions.add(i);
  for (let i = Math.max(0, w.bytes.length - 256); i < w.bytes.length; i++) positions.add(i);
  for (let i = 0; i < w.bytes.length; i += 7) positions.add(i);
  let refused = 0;
  for (const i of positions) {
    const copy = Uint8Array.from(w.bytes);
    copy[i] = (copy[i] ?? 0) ^ 0x01;
    if (!verifyIdentitySummary(copy, { pkg: w.pkg }).ok) refused++;
  }
  t.is(refused, positions.size);
});

test('a summary signed by a cabin key is refused', (t) => {
  const w = makeWorld(t);
  const forged = resign(w.bytes, w.cabin1, () => undefined);
  t.deepEqual(kinds(verifyIdentitySummary(forged, { pkg: w.pkg })), ['signer-not-identity']);
  t.throws(() => buildIdentitySummary({ pkg: w.pkg, softwareCode: CODE_OK, counts: w.counts, auditHead: { sequence: 0, hash: sha256Hex('') }, nonVotersSha256: sha256Hex('csv'), signer: w.cabin1 }));
});

test('another election, another package or unauthorized software is refused', (t) => {
  const w = makeWorld(t);
  t.true(kinds(verifyIdentitySummary(w.bytes, { pkg: w.otherPkg })).includes('wrong-election'));
  t.true(kinds(verifyIdentitySummary(w.bytes, { pkg: w.otherPkg })).includes('wrong-package'));
  const unauthorized = resign(w.bytes, w.identity, (p) => {
    p['softwareCode'] = CODE_UNAUTHORIZED;
  });
  t.deepEqual(kinds(verifyIdentitySummary(unauthorized, { pkg: w.pkg })), ['software-not-authorized']);
  const extra = resign(w.bytes, w.identity, (p) => {
    p['voters'] = [EG2026.padron[0]?.dni];
  });
  t.deepEqual(kinds(verifyIdentitySummary(extra, { pkg: w.pkg })), ['bad-payload']);
});

test('inconsistent counts are refused, even when signed with the identity key', (t) => {
  const w = makeWorld(t);
  const cases: Array<[(p: Payload) => void, string]> = [
    [(p) => (p['activationsIssued'] = 16), 'activations-unaccounted'],
    [(p) => (p['lostDevices'] = 4), 'lost-exceeds-art23'],
    [(p) => (p['electoresHabiles'] = 299), 'wrong-electores-habiles'],
    [
      (p) => {
        p['impugnados'] = EG2026.padron.length;
      },
      'voters-exceed-electors',
    ],
    [(p) => (p['assistedVoters'] = 18), 'assisted-exceed-voters'],
    [(p) => (p['art23NotVoted'] = -1), 'bad-payload'],
  ];
  for (const [mutate, kind] of cases) {
    const r = verifyIdentitySummary(resign(w.bytes, w.identity, mutate), { pkg: w.pkg });
    t.true(kinds(r).includes(kind), kind);
    if (!r.ok) {
      for (const p of r.error) {
        t.true(describeIdentitySummaryProblem(p).length > 0);
        t.regex(identitySummaryProblemForScreen(p), /No se acepta\.$/);
      }
    }
  }
  t.throws(() =>
    buildIdentitySummary({
      pkg: w.pkg,
      softwareCode: CODE_OK,
      counts: { ...w.counts, activationsIssued: w.counts.activationsIssued + 1 },
      auditHead: { sequence: 0, hash: sha256Hex('') },
      nonVotersSha256: sha256Hex('csv'),
      signer: w.identity,
    }),
  );
});
