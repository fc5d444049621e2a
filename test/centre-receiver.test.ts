import test from 'ava';
import { EG2026 } from './helpers/ballots.ts';
import { buildMesa, makeCentreWorld, must, realDefinition, sealResultUnit, tempDir } from './helpers/centre-harness.ts';
import { loadBoxSecret, loadSigner } from '../shared/crypto/keyset.ts';
import { sealEnvelope } from '../shared/crypto/envelope.ts';
import { fromBase64Strict, toBase64 } from '../shared/crypto/base64.ts';
import { sha256Hex } from '../shared/crypto/hash.ts';
import { openCentreAnswer, type CentreAnswer } from '../shared/transmission/centre-answer.ts';
import { sealTransmission, TRANSMISSION_KIND } from '../shared/transmission/transmission-package.ts';
import { packageDirectory } from '../centre/packages.ts';
import { centreTally, formatCentreTally } from '../centre/tally.ts';
import { MESA_RESULT_KIND } from '../shared/results/mesa-result.ts';
import path from 'node:path';

function refusal(answer: CentreAnswer) {
  if (answer.outcome !== 'refused') throw new Error(`expected a refusal, got ${answer.outcome}`);
  return answer.refusal;
}

test('a verified mesa result is stored and acknowledged with a receipt signed by the centre key', (t) => {
  const w = makeCentreWorld(t);
  const unit = sealResultUnit(w.mesa);
  const { httpStatus, answer } = w.receive(unit);
  t.is(httpStatus, 200);
  const opened = must(openCentreAnswer(answer.bytes, w.mesa.pkg));
  t.is(opened.outcome, 'acknowledged');
  if (opened.outcome !== 'acknowledged') return;
  t.is(opened.receipt.mesa, EG2026.mesa.number);
  t.is(opened.receipt.sha256, sha256Hex(w.mesa.mesaBytes));
  t.is(opened.receipt.packageHash, w.mesa.pkg.packageHash);
  t.is(opened.receipt.receiptNumber, 1);
  t.deepEqual(w.store.counts(), { results: 1, images: 0, conflicts: 0 });
  // The centre's national totals are the acta's tally.
  const totals = centreTally(w.store).national;
  const acta = w.mesa.device.acta.tally;
  t.is(totals.ballots, acta.ballots);
  t.is(totals.art23Blanks, acta.art23Blanks);
  for (const contest of acta.contests) {
    const sum = totals.contests.get(contest.contestId) ?? totals.contests.get(`${contest.contestId}@${EG2026.contests.find((c) => c.id === contest.contestId)?.districtName ?? ''}`);
    t.truthy(sum, contest.contestId);
    t.is(sum?.emitted, contest.emitted);
    t.deepEqual(Object.fromEntries(sum?.organizations ?? []), Object.fromEntries(contest.organizations.map((o) => [o.organization, o.votes])));
  }
});

test('the same result again, even re-encrypted, gets the very same receipt bytes and is stored once', (t) => {
  const w = makeCentreWorld(t);
  const first = w.receive(sealResultUnit(w.mesa));
  w.tick(60_000);
  const sameBytes = w.receive(sealResultUnit(w.mesa));
  const again = w.receive(sealResultUnit(w.mesa));
  t.is(first.answer.outcome, 'acknowledged');
  t.deepEqual(sameBytes.answer.bytes, first.answer.bytes);
  t.deepEqual(again.answer.bytes, first.answer.bytes);
  t.is(again.httpStatus, 200);
  t.deepEqual(w.store.counts(), { results: 1, images: 0, conflicts: 0 });
  t.deepEqual(
    w.events.map((e) => (e.kind === 'acknowledged' ? e.duplicate : e.kind)),
    [false, true, true],
  );
});

test('a different result for a mesa already received is refused as a conflict, recorded, and never replaces the first', (t) => {
  const w = makeCentreWorld(t);
  t.is(w.receive(sealResultUnit(w.mesa)).answer.outcome, 'acknowledged');
  const before = formatCentreTally(w.store).split('CONFLICTS')[0];
  const other = buildMesa(w.tmp, w.keysDir, { seed: 77, ballotsPerCabin: [6, 2] });
  t.is(other.pkg.packageHash, w.mesa.pkg.packageHash, 'same package, other result');
  const { httpStatus, answer } = w.receive(sealResultUnit(other));
  t.is(httpStatus, 409);
  const r = refusal(answer);
  t.is(r.reason, 'conflict');
  t.regex(r.detail, /already has a different result/);
  t.is(r.sha256, sha256Hex(other.mesaBytes));
  t.is(must(openCentreAnswer(answer.bytes, w.mesa.pkg)).outcome, 'refused', 'the refusal is signed by the centre');
  w.receive(sealResultUnit(other));
  const conflicts = w.store.conflicts();
  t.is(conflicts.length, 1);
  t.is(conflicts[0]?.times, 2);
  t.is(formatCentreTally(w.store).split('CONFLICTS')[0], before, 'the accepted result is still the one counted');
  t.regex(formatCentreTally(w.store), /CONFLICTS: 1\n {2}mesa 041287: refused result/);
  // The first result is still acknowledged with its original receipt.
  t.is(w.receive(sealResultUnit(w.mesa)).answer.outcome, 'acknowledged');
});

test('a unit altered on the way fails the transmission signature', (t) => {
  const w = makeCentreWorld(t);
  const unit = sealResultUnit(w.mesa);
  const env = JSON.parse(new TextDecoder().decode(unit)) as { payload: { ciphertext: string } };
  const cipher = must(fromBase64Strict(env.payload.ciphertext));
  cipher[10] = (cipher[10] ?? 0) ^ 1;
  const tampered = new TextEncoder().encode(new TextDecoder().decode(unit).replace(env.payload.ciphertext, toBase64(cipher)));
  const { httpStatus, answer } = w.receive(tampered);
  t.is(httpStatus, 422);
  const r = refusal(answer);
  t.is(r.reason, 'bad-signature');
  t.regex(r.detail, /signature by transmission does not verify/);
  t.is(w.store.counts().results, 0);
});

test('a result changed and re-signed by the transmission station itself is refused: the results key and member signatures fail', (t) => {
  const w = makeCentreWorld(t);
  const text = new TextDecoder().decode(w.mesa.mesaBytes);
  const env = JSON.parse(text) as { payload: Record<string, unknown> };
  // The transmission key can re-seal the outer unit, but cannot forge the results station's seal.
  const forged = sealEnvelope(MESA_RESULT_KIND, { ...env.payload, auditLogHead: { sequence: 1, hash: 'f'.repeat(64) } }, w.mesa.transmission);
  const { answer } = w.receive(sealResultUnit(w.mesa, forged));
  const r = refusal(answer);
  t.is(r.reason, 'invalid-result');
  t.regex(r.detail, /signed by transmission, not by the results station|not a trusted key/);
  t.is(w.store.counts().results, 0);
});

test('a simulacro result is refused by a real-election centre', (t) => {
  const tmp = tempDir(t);
  const keysDir = path.join(tmp, 'keys');
  const w = makeCentreWorld(t, { real: true, definition: realDefinition(EG2026), tmp, keysDir });
  const drill = buildMesa(tmp, keysDir);
  t.true(drill.pkg.payload.definition.election.simulacro);
  const { httpStatus, answer } = w.receive(sealResultUnit(drill));
  t.is(httpStatus, 422);
  const r = refusal(answer);
  t.is(r.reason, 'simulacro-to-real-centre');
  t.is(r.detail, 'a simulacro result is refused by a real-election computing centre');
  t.is(w.store.counts().results, 0);
  // The real mesa's own result is accepted.
  t.is(w.receive(sealResultUnit(w.mesa)).answer.outcome, 'acknowledged');
});

test('a real-election centre refuses to load a simulacro package', (t) => {
  const w = makeCentreWorld(t);
  const centre = must(loadSigner(w.keysDir, 'centre'));
  const box = must(loadBoxSecret(w.keysDir));
  const loaded = packageDirectory([w.mesa.pkg], { real: true, centreSigningPublicKey: centre.publicKey, centreBoxPublicKey: box.publicKey });
  t.false(loaded.ok);
  if (!loaded.ok) t.regex(loaded.error, /is a simulacro package: a real-election centre \(--real\) does not load it/);
});

test('a result of another election is refused', (t) => {
  const w = makeCentreWorld(t);
  const otherElection = { ...EG2026, election: { ...EG2026.election, id: 'eg2031' } };
  const foreign = buildMesa(w.tmp, w.keysDir, { definition: otherElection });
  const { answer } = w.receive(sealResultUnit(foreign));
  const r = refusal(answer);
  t.is(r.reason, 'other-election');
  t.is(r.detail, 'this centre receives results of election "eg2026", not "eg2031"');
  t.is(r.electionId, 'eg2031');
});

test('a result under a package the centre was not given is refused', (t) => {
  const w = makeCentreWorld(t);
  const otherMesa = { ...EG2026, mesa: { ...EG2026.mesa, number: '041288' } };
  const stranger = buildMesa(w.tmp, w.keysDir, { definition: otherMesa });
  const r = refusal(w.receive(sealResultUnit(stranger)).answer);
  t.is(r.reason, 'unknown-package');
  t.is(r.detail, `election package ${stranger.pkg.packageHash} is not one this centre was given`);
});

test('bytes that are not a transmission unit are refused as malformed with a signed refusal', (t) => {
  const w = makeCentreWorld(t);
  const junk = new TextEncoder().encode('{"hello":1}');
  const { httpStatus, answer } = w.receive(junk);
  t.is(httpStatus, 400);
  const r = refusal(answer);
  t.is(r.reason, 'malformed');
  t.is(r.unitDigest, sha256Hex(junk));
  t.is(must(openCentreAnswer(answer.bytes, w.mesa.pkg)).outcome, 'refused');
});

test('a unit signed by another key of the package (results) is refused', (t) => {
  const w = makeCentreWorld(t);
  const results = must(loadSigner(w.keysDir, 'results'));
  const unit = sealResultUnit(w.mesa);
  const payload = (JSON.parse(new TextDecoder().decode(unit)) as { payload: object }).payload;
  const r = refusal(w.receive(sealEnvelope(TRANSMISSION_KIND, payload, results)).answer);
  t.is(r.reason, 'bad-signature');
  t.regex(r.detail, /signed by results, not by the transmission station/);
});

test('an acta image is stored once per content and acknowledged', (t) => {
  const w = makeCentreWorld(t);
  const image = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
  const unit = () => sealTransmission({ pkg: w.mesa.pkg, kind: 'acta-image', plaintext: image, signer: w.mesa.transmission });
  const first = w.receive(unit());
  const second = w.receive(unit());
  t.is(first.answer.outcome, 'acknowledged');
  t.deepEqual(second.answer.bytes, first.answer.bytes);
  t.deepEqual(w.store.counts(), { results: 0, images: 1, conflicts: 0 });
});
