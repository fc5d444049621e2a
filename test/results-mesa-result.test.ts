import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fromBase64Strict, toBase64 } from '../shared/crypto/base64.ts';
import { generateSigningKeyPair, verifyDetached } from '../shared/crypto/ed25519.ts';
import { openEnvelope, sealEnvelope, type Signer } from '../shared/crypto/envelope.ts';
import { loadSigner } from '../shared/crypto/keyset.ts';
import { describePackageError, verifyPackageBytes, type VerifiedPackage } from '../shared/election/package.ts';
import {
  ACTA_DATA_KIND,
  actaDigest,
  buildMesaResult,
  checkActaSignatures,
  describeMesaResultProblem,
  MESA_RESULT_FILE_NAME,
  MESA_RESULT_KIND,
  mesaResultProblemForScreen,
  openActaData,
  personeroSignerId,
  sealActaData,
  signActaAsMember,
  verifyMesaResult,
  type ActaData,
  type MemberSignatureRecord,
  type MesaResultProblem,
} from '../shared/results/mesa-result.ts';
import { PRIMARIAS2025 } from './helpers/ballots.ts';
import { buildMesaDevice, type MesaDevice } from './helpers/mesa-device.ts';

interface World {
  readonly device: MesaDevice;
  readonly pkg: VerifiedPackage;
  readonly results: Signer;
  readonly signer: (role: string) => Signer;
  readonly mesaBytes: Uint8Array;
}

function world(t: ExecutionContext): World {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const device = buildMesaDevice(path.join(tmp, 'device'), { keysDir: path.join(tmp, 'keys') });
  const signer = (role: string): Signer => {
    const loaded = loadSigner(device.keysDir, role);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
    return loaded.value;
  };
  return {
    device,
    pkg: device.pkg,
    results: device.resultsSigner,
    signer,
    mesaBytes: new Uint8Array(fs.readFileSync(path.join(device.dir, MESA_RESULT_FILE_NAME))),
  };
}

function kinds(r: { ok: boolean; error?: MesaResultProblem[] } | { ok: true; value: unknown }): string[] {
  return 'error' in r && r.error !== undefined ? r.error.map((p) => p.kind) : [];
}

function problemsOf<T>(r: { ok: true; value: T } | { ok: false; error: MesaResultProblem[] }): MesaResultProblem[] {
  return r.ok ? [] : r.error;
}

/** Member signatures 1..3 (president first) over `actaBytes`. */
function memberSignatures(w: World, actaBytes: Uint8Array, members = [1, 2, 3]): MemberSignatureRecord[] {
  return members.map((n) => signActaAsMember(actaBytes, w.signer(`member-${n}`).seed, `member-${n}`, n === 1 ? 'president' : 'member'));
}

/** Seals a mesa-result envelope by hand (for payloads buildMesaResult refuses to produce). */
function sealMesa(w: World, payload: Record<string, unknown>, signer: Signer = w.results): Uint8Array {
  const actaBytes = w.device.actaBytes;
  return sealEnvelope(
    MESA_RESULT_KIND,
    {
      formatVersion: 1,
      electionId: w.pkg.payload.definition.election.id,
      mesa: w.pkg.payload.definition.mesa.number,
      packageHash: w.pkg.packageHash,
      actaData: toBase64(actaBytes),
      actaDigest: actaDigest(actaBytes),
      signatures: w.device.signatures,
      auditLogHead: { sequence: 3, hash: 'c'.repeat(64) },
      ...payload,
    },
    signer,
  );
}

function actaPayload(w: World, changes: Partial<Record<keyof ActaData, unknown>>): Record<string, unknown> {
  return { ...w.device.acta, ...changes };
}

test('round trip: the device mesa result verifies and gives back the acta and signatures', (t) => {
  const w = world(t);
  const result = verifyMesaResult(w.mesaBytes, { pkg: w.pkg });
  if (!result.ok) return t.fail(result.error.map(describeMesaResultProblem).join('; '));
  t.deepEqual(result.value.acta.data.tally, w.device.acta.tally);
  t.deepEqual(result.value.acta.bytes, w.device.actaBytes);
  t.is(result.value.acta.digest, actaDigest(w.device.actaBytes));
  t.is(result.value.president, 'member-1');
  t.is(result.value.memberSignatureCount, 3);
  t.is(result.value.signatures.length, 4);
  t.deepEqual(
    result.value.signatures.map((s) => s.role),
    ['president', 'member', 'member', 'personero'],
  );
  t.deepEqual(result.value.signatures.map((s) => s.signerId), [...result.value.signatures.map((s) => s.signerId)].sort());
  // Deterministic: building again from the same inputs gives the same bytes.
  const again = buildMesaResult({ pkg: w.pkg, actaBytes: w.device.actaBytes, signatures: w.device.signatures, auditHead: result.value.auditLogHead, signer: w.results });
  t.deepEqual(again, w.mesaBytes);
});

test('openActaData accepts the sealed acta and refuses a non-results signer', (t) => {
  const w = world(t);
  t.true(openActaData(w.device.actaBytes, w.pkg).ok);
  const byCabin = sealEnvelope(ACTA_DATA_KIND, actaPayload(w, {}), w.signer('cabin-1'));
  t.deepEqual(kinds(openActaData(byCabin, w.pkg)), ['signer-not-results']);
  t.throws(() => sealActaData(w.device.acta, w.signer('identity')), { message: /identity key/ });
});

test('acta data problems: election, mesa, package, software, simulacro, tally, cabins, identity, format', (t) => {
  const w = world(t);
  const seal = (changes: Partial<Record<keyof ActaData, unknown>>) => sealEnvelope(ACTA_DATA_KIND, actaPayload(w, changes), w.results);
  const check = (changes: Partial<Record<keyof ActaData, unknown>>) => kinds(openActaData(seal(changes), w.pkg));
  t.true(check({ electionId: 'otra' }).includes('wrong-election'));
  t.true(check({ mesa: '999999' }).includes('wrong-mesa'));
  t.deepEqual(check({ packageHash: 'b'.repeat(64) }), ['wrong-package']);
  t.deepEqual(check({ softwareCode: 'f'.repeat(64) }), ['software-not-authorized']);
  t.deepEqual(check({ simulacro: !w.device.acta.simulacro }), ['simulacro-mismatch']);
  const tally = w.device.acta.tally;
  const contest = tally.contests[0];
  if (contest === undefined) return t.fail();
  const badTally = { ...tally, contests: [{ ...contest, null: contest.null + 1 }, ...tally.contests.slice(1)] };
  t.deepEqual(check({ tally: badTally }), ['tally-invalid']);
  const cabins = w.device.acta.cabins;
  t.deepEqual(check({ cabins: cabins.map((c) => ({ ...c, ballotCount: c.ballotCount + 1 })) }), ['cabins-inconsistent']);
  t.true(check({ cabins: [...cabins, ...cabins.slice(0, 1)] }).includes('cabins-inconsistent'));
  t.true(check({ cabins: [{ cabinId: 'cabin-7', fileHash: 'd'.repeat(64), ballotCount: 0 }, ...cabins] }).includes('cabins-inconsistent'));
  t.true(check({ mode: 'manual-count' }).includes('cabins-inconsistent'));
  const identity = w.device.acta.identity;
  if (identity === null) return t.fail();
  t.deepEqual(check({ identity: { ...identity, counts: { ...identity.counts, art23NotVoted: identity.counts.art23NotVoted + 1 } } }), ['identity-inconsistent']);
  t.deepEqual(check({ identity: { ...identity, counts: { ...identity.counts, electoresHabiles: 1 } } }), ['identity-inconsistent']);
  t.deepEqual(check({ closedAt: '2026-04-12 23:10' }), ['bad-payload']);
  t.deepEqual(check({ tally: { nope: 1 } }), ['bad-payload']);
  const tooBig = new Uint8Array(2 * 1024 * 1024);
  t.deepEqual(kinds(openActaData(tooBig, w.pkg)), ['too-large']);
});

test('a mesa result signed by another key, edited, or for another package is refused', (t) => {
  const w = world(t);
  t.deepEqual(kinds(verifyMesaResult(sealMesa(w, {}, w.signer('transmission')), { pkg: w.pkg })), ['signer-not-results']);
  const flipped = new Uint8Array(w.mesaBytes);
  flipped[flipped.length - 5] = (flipped[flipped.length - 5] ?? 0) ^ 1;
  t.deepEqual(kinds(verifyMesaResult(flipped, { pkg: w.pkg })), ['envelope']);
  t.true(kinds(verifyMesaResult(sealMesa(w, { packageHash: 'e'.repeat(64) }), { pkg: w.pkg })).includes('wrong-package'));
  t.true(kinds(verifyMesaResult(sealMesa(w, { mesa: '000001' }), { pkg: w.pkg })).includes('wrong-mesa'));
  t.true(kinds(verifyMesaResult(sealMesa(w, { electionId: 'x' }), { pkg: w.pkg })).includes('wrong-election'));
  t.deepEqual(kinds(verifyMesaResult(sealMesa(w, { actaDigest: '0'.repeat(64) }), { pkg: w.pkg })), ['digest-mismatch']);
  t.deepEqual(kinds(verifyMesaResult(sealMesa(w, { extra: 1 }), { pkg: w.pkg })), ['bad-payload']);
  t.deepEqual(kinds(verifyMesaResult(sealMesa(w, { actaData: '***' }), { pkg: w.pkg })), ['bad-payload']);
  // The same keys and another definition: the package (and so the hash) differs.
  const otherDevice = buildMesaDevice(path.join(path.dirname(w.device.dir), 'other'), { keysDir: w.device.keysDir, definition: PRIMARIAS2025, ballotsPerCabin: [2] });
  const other = verifyMesaResult(fs.readFileSync(path.join(otherDevice.dir, MESA_RESULT_FILE_NAME)), { pkg: w.pkg });
  t.true(kinds(other).includes('wrong-package'));
  t.true(kinds(other).includes('wrong-election'));
});

test('an embedded acta edited, not canonical, or signed by another key is refused', (t) => {
  const w = world(t);
  const text = new TextDecoder().decode(w.device.actaBytes);
  const spaced = new TextEncoder().encode(text.replace('{', '{ '));
  const withSpaced = sealMesa(w, { actaData: toBase64(spaced), actaDigest: actaDigest(spaced) });
  const spacedProblems = problemsOf(verifyMesaResult(withSpaced, { pkg: w.pkg }));
  t.true(spacedProblems.some((p) => p.kind === 'envelope' && p.what === 'acta-data' && p.error.kind === 'not-canonical'));
  const byIdentity = sealEnvelope(ACTA_DATA_KIND, actaPayload(w, {}), w.signer('identity'));
  const r = verifyMesaResult(sealMesa(w, { actaData: toBase64(byIdentity), actaDigest: actaDigest(byIdentity) }), { pkg: w.pkg });
  t.true(kinds(r).includes('signer-not-results'));
  // Every signature was over the original digest, so they all fail too.
  t.true(kinds(r).includes('signature-invalid'));
});

test('signature rules: president, three members, no duplicates, keys and roles', (t) => {
  const w = world(t);
  const acta = w.device.actaBytes;
  const digest = actaDigest(acta);
  const base = memberSignatures(w, acta);
  t.deepEqual(checkActaSignatures(w.pkg, digest, base), []);

  // The president is required.
  const noPresident = memberSignatures(w, acta, [2, 3, 4]);
  t.deepEqual(checkActaSignatures(w.pkg, digest, noPresident).map((p) => p.kind), ['president-missing']);
  // At least three members; personeros do not count.
  const pair = generateSigningKeyPair();
  const personero = signActaAsMember(acta, pair.seed, personeroSignerId(pair.publicKey), 'personero');
  t.deepEqual(checkActaSignatures(w.pkg, digest, [...memberSignatures(w, acta, [1, 2]), personero]).map((p) => p.kind), ['too-few-members']);
  // No signer twice.
  const first = base[0];
  if (first === undefined) return t.fail();
  t.deepEqual(checkActaSignatures(w.pkg, digest, [...base, first]).map((p) => p.kind), ['duplicate-signer']);
  // Another member's seed under member-2's name.
  const forged = signActaAsMember(acta, w.signer('member-5').seed, 'member-2', 'member');
  t.deepEqual(checkActaSignatures(w.pkg, digest, [base[0], forged, base[2]].filter((s) => s !== undefined)).map((p) => p.kind), ['member-key-mismatch', 'too-few-members']);
  // A member whose package key is recorded but whose signature is over another acta.
  const otherActa = new TextEncoder().encode('another acta');
  const wrongDigest = signActaAsMember(otherActa, w.signer('member-2').seed, 'member-2', 'member');
  t.deepEqual(checkActaSignatures(w.pkg, digest, [base[0], wrongDigest, base[2]].filter((s) => s !== undefined)).map((p) => p.kind), ['signature-invalid', 'too-few-members']);
  // Relabelling a signature's role breaks it, and the role must fit the package.
  const relabelled = { ...base[1], role: 'president' } as MemberSignatureRecord;
  t.true(checkActaSignatures(w.pkg, digest, [base[0], relabelled, base[2]].filter((s) => s !== undefined)).some((p) => p.kind === 'wrong-signer-role'));
  const selfPromoted = signActaAsMember(acta, w.signer('member-2').seed, 'member-2', 'president');
  t.true(checkActaSignatures(w.pkg, digest, [base[0], selfPromoted, base[2]].filter((s) => s !== undefined)).some((p) => p.kind === 'wrong-signer-role'));
  // Unknown member, malformed record, unknown signer id.
  const unknown = signActaAsMember(acta, generateSigningKeyPair().seed, 'member-40', 'member');
  t.true(checkActaSignatures(w.pkg, digest, [...base, unknown]).some((p) => p.kind === 'unknown-member'));
  const malformed = { ...personero, signature: 'AAAA' };
  t.true(checkActaSignatures(w.pkg, digest, [...base, malformed]).some((p) => p.kind === 'bad-signature-record'));
  const stranger = { ...personero, signerId: 'observer-1' };
  t.true(checkActaSignatures(w.pkg, digest, [...base, stranger]).some((p) => p.kind === 'bad-signature-record'));
  // Personeros: their id names their key, the key is not a package key, the signature verifies.
  t.deepEqual(checkActaSignatures(w.pkg, digest, [...base, personero]), []);
  const misnamed = { ...personero, signerId: 'personero-0000000000000000' };
  t.true(checkActaSignatures(w.pkg, digest, [...base, misnamed]).some((p) => p.kind === 'personero-id-mismatch'));
  const member4 = w.signer('member-4');
  const memberAsPersonero = signActaAsMember(acta, member4.seed, personeroSignerId(member4.publicKey), 'personero');
  t.true(checkActaSignatures(w.pkg, digest, [...base, memberAsPersonero]).some((p) => p.kind === 'personero-uses-package-key'));
  const badPersonero = signActaAsMember(otherActa, pair.seed, personero.signerId, 'personero');
  t.true(checkActaSignatures(w.pkg, digest, [...base, badPersonero]).some((p) => p.kind === 'signature-invalid'));
  const personeroAsMember = { ...personero, role: 'member' } as MemberSignatureRecord;
  t.true(checkActaSignatures(w.pkg, digest, [...base, personeroAsMember]).some((p) => p.kind === 'wrong-signer-role'));

  // verifyMesaResult applies the same rules; buildMesaResult refuses to seal a result that breaks them.
  const unsigned = sealMesa(w, { signatures: noPresident });
  t.deepEqual(kinds(verifyMesaResult(unsigned, { pkg: w.pkg })), ['president-missing']);
  t.throws(() => buildMesaResult({ pkg: w.pkg, actaBytes: acta, signatures: noPresident, auditHead: { sequence: 1, hash: 'a'.repeat(64) }, signer: w.results }), {
    message: /president/,
  });
});

test('a member signature is domain-separated: it does not verify as a bare signature of the digest', (t) => {
  const w = world(t);
  const record = w.device.signatures[0];
  if (record === undefined) return t.fail();
  const opened = openEnvelope(w.mesaBytes, MESA_RESULT_KIND, () => w.results.publicKey);
  t.true(opened.ok);
  const signature = fromBase64Strict(record.signature, 64);
  const key = fromBase64Strict(record.publicKey, 32);
  if (!signature.ok || !key.ok) return t.fail();
  t.false(verifyDetached(Buffer.from(actaDigest(w.device.actaBytes), 'hex'), signature.value, key.value));
  t.false(verifyDetached(new TextEncoder().encode(actaDigest(w.device.actaBytes)), signature.value, key.value));
});

test('every problem has English and Spanish text', (t) => {
  const samples: MesaResultProblem[] = [
    { kind: 'too-large', what: 'mesa-result', size: 9, max: 1 },
    { kind: 'envelope', what: 'acta-data', error: { kind: 'not-canonical' } },
    { kind: 'signer-not-results', what: 'mesa-result', signer: 'cabin-1' },
    { kind: 'bad-payload', what: 'acta-data', detail: 'x' },
    { kind: 'wrong-election', expected: 'a', found: 'b' },
    { kind: 'wrong-mesa', expected: 'a', found: 'b' },
    { kind: 'wrong-package', expected: 'a', found: 'b' },
    { kind: 'software-not-authorized', code: 'c' },
    { kind: 'simulacro-mismatch', expected: true, found: false },
    { kind: 'tally-invalid', detail: 'd' },
    { kind: 'cabins-inconsistent', detail: 'd' },
    { kind: 'identity-inconsistent', detail: 'd' },
    { kind: 'digest-mismatch', expected: 'a', found: 'b' },
    { kind: 'header-mismatch', field: 'mesa', acta: 'a', result: 'b' },
    { kind: 'bad-signature-record', index: 0, detail: 'd' },
    { kind: 'unknown-member', signerId: 'member-9' },
    { kind: 'member-key-mismatch', signerId: 'member-2' },
    { kind: 'wrong-signer-role', signerId: 'member-2', expected: 'member', found: 'president' },
    { kind: 'personero-id-mismatch', signerId: 'personero-1' },
    { kind: 'personero-uses-package-key', signerId: 'personero-1' },
    { kind: 'signature-invalid', signerId: 'member-1' },
    { kind: 'duplicate-signer', signerId: 'member-1' },
    { kind: 'president-missing', president: 'member-1' },
    { kind: 'president-missing', president: undefined },
    { kind: 'too-few-members', found: 2, required: 3 },
  ];
  for (const p of samples) {
    t.true(describeMesaResultProblem(p).length > 10, p.kind);
    t.regex(mesaResultProblemForScreen(p), /[.]$/, p.kind);
  }
  t.regex(mesaResultProblemForScreen({ kind: 'too-few-members', found: 2, required: 3 }), /hay 2 y se requieren al menos 3/);
});

test('the package used by the device is the one written on it', (t) => {
  const w = world(t);
  const copy = verifyPackageBytes(fs.readFileSync(path.join(w.device.dir, 'paquete-electoral.vep')), w.device.rootPublicKey);
  if (!copy.ok) return t.fail(describePackageError(copy.error));
  t.is(copy.value.packageHash, w.pkg.packageHash);
});
