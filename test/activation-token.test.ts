import test from 'ava';
import { generateSigningKeyPair, keyId } from '../shared/crypto/ed25519.ts';
import { sealEnvelope, type KeyResolver, type Signer } from '../shared/crypto/envelope.ts';
import { MAX_BLOB_BYTES } from '../shared/devices/activation/device-image.ts';
import { markConsumed, readDeviceState } from '../shared/activation/device-state.ts';
import { ACTIVATION_TOKEN_KIND, expiryAfter, isCanonicalNonce } from '../shared/activation/payload.ts';
import { describeTokenRejection, tokenRejectionScreenText, type TokenRejection } from '../shared/activation/rejection.ts';
import { issueToken, verifyToken, type VerifyTokenOptions } from '../shared/activation/token.ts';

function signer(role: string): Signer {
  const pair = generateSigningKeyPair();
  return { role, seed: pair.seed, publicKey: pair.publicKey };
}

/** Same contract as resolvePackageKey: role -> key, and the key id must match. */
function resolverFor(signers: readonly Signer[]): KeyResolver {
  return (role, id) => {
    const found = signers.find((s) => s.role === role);
    return found !== undefined && keyId(found.publicKey) === id ? found.publicKey : undefined;
  };
}

const identity = signer('identity');
const cabin1 = signer('cabin-1');
const cabin2 = signer('cabin-2');
const resolveKey = resolverFor([identity, cabin1, cabin2]);
const now = new Date('2026-04-12T14:03:27.512Z');
const base = { electionId: 'eg2026', mesa: '012345', simulacro: false, now, validityMinutes: 30, signer: identity };

function options(overrides: Partial<VerifyTokenOptions> = {}): VerifyTokenOptions {
  return { resolveKey, electionId: 'eg2026', mesa: '012345', simulacro: false, now, isUsed: () => false, ...overrides };
}

function payloadOf(bytes: Uint8Array): Record<string, unknown> {
  return (JSON.parse(new TextDecoder().decode(bytes)) as { payload: Record<string, unknown> }).payload;
}

function rejection(bytes: Uint8Array, overrides: Partial<VerifyTokenOptions> = {}): TokenRejection | undefined {
  const verified = verifyToken(bytes, options(overrides));
  return verified.ok ? undefined : verified.error;
}

test('an issued token verifies and carries only election, mesa, nonce, expiry and mode', (t) => {
  const { bytes, nonce } = issueToken(base);
  const verified = verifyToken(bytes, options());
  if (!verified.ok) return t.fail(describeTokenRejection(verified.error));
  t.deepEqual(verified.value, { electionId: 'eg2026', mesa: '012345', nonce, expiresAt: '2026-04-12T14:34Z', simulacro: false });
  // No voter, no issue time, no cabin: the payload has exactly these fields.
  t.deepEqual(Object.keys(payloadOf(bytes)).sort(), ['electionId', 'expiresAt', 'mesa', 'nonce', 'simulacro', 'v']);
  t.true(isCanonicalNonce(nonce));
  t.is(Buffer.from(nonce, 'base64url').length, 16);
});

test('the expiry is rounded up to the whole minute, never shortened', (t) => {
  t.is(expiryAfter(new Date('2026-04-12T14:03:00.000Z'), 30), '2026-04-12T14:33Z');
  t.is(expiryAfter(new Date('2026-04-12T14:03:00.001Z'), 30), '2026-04-12T14:34Z');
  t.is(expiryAfter(new Date('2026-04-12T23:59:59.999Z'), 1), '2026-04-13T00:01Z');
});

test('nonces come from the random source and differ between tokens', (t) => {
  const fixed = issueToken({ ...base, random: (n) => new Uint8Array(n).fill(0xfb) });
  t.is(fixed.nonce, Buffer.alloc(16, 0xfb).toString('base64url'));
  const seen = new Set(Array.from({ length: 500 }, () => issueToken(base).nonce));
  t.is(seen.size, 500);
});

test('token and consumed mark fit the device blob limit in the worst case', (t) => {
  const longest = { ...base, electionId: 'e'.repeat(64), simulacro: false }; // "false" is the longer literal
  const { bytes, nonce } = issueToken(longest);
  const mark = markConsumed({ electionId: longest.electionId, mesa: longest.mesa, nonce }, signer('cabin-50'));
  t.true(bytes.length <= MAX_BLOB_BYTES, `token is ${bytes.length} bytes`);
  t.true(mark.length <= MAX_BLOB_BYTES, `mark is ${mark.length} bytes`);
  // Headroom documented in payload.ts: about 400 bytes, so devices well below 1 KiB still work.
  t.true(Math.max(bytes.length, mark.length) <= 400);
});

test('each election, mesa and mode mismatch has its own rejection', (t) => {
  const { bytes } = issueToken(base);
  t.deepEqual(rejection(bytes, { electionId: 'primarias2025' }), { kind: 'other-election', found: 'eg2026' });
  t.deepEqual(rejection(bytes, { mesa: '999999' }), { kind: 'other-mesa', found: '012345' });
  t.deepEqual(rejection(bytes, { simulacro: true }), { kind: 'simulacro-mismatch', tokenSimulacro: false });
  const drill = issueToken({ ...base, simulacro: true }).bytes;
  t.deepEqual(rejection(drill), { kind: 'simulacro-mismatch', tokenSimulacro: true });
});

test('a token is expired from its expiry minute on', (t) => {
  const { bytes } = issueToken(base);
  t.is(rejection(bytes, { now: new Date('2026-04-12T14:33:59.999Z') }), undefined);
  t.deepEqual(rejection(bytes, { now: new Date('2026-04-12T14:34:00.000Z') }), { kind: 'expired', expiresAt: '2026-04-12T14:34Z' });
});

test('a nonce already used in this cabin is a replay, even before expiry', (t) => {
  const { bytes, nonce } = issueToken(base);
  const used = new Set([nonce]);
  t.deepEqual(rejection(bytes, { isUsed: (n) => used.has(n) }), { kind: 'replayed', nonce });
  t.deepEqual(rejection(bytes, { isUsed: (n) => used.has(n), now: new Date('2026-04-13T00:00:00Z') })?.kind, 'replayed');
});

test('tokens not signed by this package identity station are forged', (t) => {
  const stranger = signer('identity');
  t.is(rejection(issueToken({ ...base, signer: stranger }).bytes)?.kind, 'forged');
  // A real key of the package, but not the identity station's.
  const payload = payloadOf(issueToken(base).bytes);
  t.is(rejection(sealEnvelope(ACTIVATION_TOKEN_KIND, payload, cabin1))?.kind, 'forged');
  // Any changed byte is refused, never accepted as a different valid token.
  const { bytes } = issueToken(base);
  for (let i = 0; i < bytes.length; i++) {
    const changed = Uint8Array.from(bytes);
    changed[i] = (changed[i] ?? 0) ^ 0x01;
    const kind = rejection(changed)?.kind;
    if (kind !== 'forged' && kind !== 'malformed') return t.fail(`byte ${i} flipped gave ${String(kind)}`);
  }
  t.pass();
});

test('blank devices, garbage and other content are malformed', (t) => {
  t.deepEqual(rejection(new Uint8Array(0)), { kind: 'malformed', detail: 'blank device' });
  t.is(rejection(new TextEncoder().encode('hello'))?.kind, 'malformed');
  t.is(rejection(sealEnvelope('member-credential', { v: 1 }, identity))?.kind, 'malformed');
  // Correct signature over a payload that breaks the format (an extra field: a voter's DNI).
  const payload = { ...payloadOf(issueToken(base).bytes), dni: '12345678' };
  t.is(rejection(sealEnvelope(ACTIVATION_TOKEN_KIND, payload, identity))?.kind, 'malformed');
  const badNonce = { ...payloadOf(issueToken(base).bytes), nonce: 'AAAAAAAAAAAAAAAAAAAAAB' };
  t.is(rejection(sealEnvelope(ACTIVATION_TOKEN_KIND, badNonce, identity))?.kind, 'malformed');
});

test('a device carrying a consumed mark is refused as consumed, naming the nonce for recovery', (t) => {
  const { nonce } = issueToken(base);
  const mark = markConsumed({ electionId: 'eg2026', mesa: '012345', nonce }, cabin2);
  t.deepEqual(rejection(mark), { kind: 'consumed', nonce, cabin: 'cabin-2' });
  t.is(rejection(markConsumed({ electionId: 'eg2026', mesa: '012345', nonce }, signer('cabin-2')))?.kind, 'forged');
});

test('every rejection has English log text without the nonce and Spanish screen text', (t) => {
  const nonce = issueToken(base).nonce;
  const all: TokenRejection[] = [
    { kind: 'malformed', detail: 'blank device' },
    { kind: 'forged', detail: 'x' },
    { kind: 'other-election', found: 'x' },
    { kind: 'other-mesa', found: '000001' },
    { kind: 'expired', expiresAt: '2026-04-12T14:34Z' },
    { kind: 'replayed', nonce },
    { kind: 'consumed', nonce, cabin: 'cabin-1' },
    { kind: 'simulacro-mismatch', tokenSimulacro: true },
    { kind: 'simulacro-mismatch', tokenSimulacro: false },
  ];
  for (const r of all) {
    t.regex(describeTokenRejection(r), /^activation device refused: /);
    t.false(describeTokenRejection(r).includes(nonce));
    t.regex(tokenRejectionScreenText(r), /Devuélvalo a la mesa/);
  }
  t.is(tokenRejectionScreenText({ kind: 'consumed', nonce, cabin: 'cabin-1' }), 'Este dispositivo de activación ya fue utilizado. Devuélvalo a la mesa.');
  t.is(new Set(all.map(tokenRejectionScreenText)).size, all.length - 1, 'replayed and consumed share a text; others differ');
});

test('readDeviceState tells blank, unconsumed, consumed and invalid devices apart', (t) => {
  const where = { resolveKey, electionId: 'eg2026', mesa: '012345' };
  const { bytes, nonce } = issueToken(base);
  t.deepEqual(readDeviceState(new Uint8Array(0), where), { state: 'blank' });
  const unconsumed = readDeviceState(bytes, where);
  t.is(unconsumed.state, 'unconsumed-token');
  if (unconsumed.state === 'unconsumed-token') t.is(unconsumed.token.nonce, nonce);
  const mark = markConsumed({ electionId: 'eg2026', mesa: '012345', nonce }, cabin1);
  t.deepEqual(readDeviceState(mark, where), { state: 'consumed', nonce, cabin: 'cabin-1' });
  // The mark has no time, no ballot data: exactly these fields.
  t.deepEqual(Object.keys(payloadOf(mark)).sort(), ['consumed', 'electionId', 'mesa', 'nonce', 'v']);
  t.is(readDeviceState(mark, { ...where, mesa: '000001' }).state, 'invalid');
  t.is(readDeviceState(markConsumed({ electionId: 'eg2026', mesa: '012345', nonce }, signer('cabin-1')), where).state, 'invalid');
  const payload = payloadOf(mark);
  t.is(readDeviceState(sealEnvelope('activation-consumed', payload, identity), where).state, 'invalid');
  t.is(readDeviceState(sealEnvelope('member-credential', { v: 1 }, identity), where).state, 'invalid');
  t.is(readDeviceState(new Uint8Array([0xff, 0x00]), where).state, 'invalid');
});

test('keys of the wrong role and absurd validity are configuration bugs', (t) => {
  t.throws(() => issueToken({ ...base, signer: cabin1 }), { message: /identity key/ });
  t.throws(() => issueToken({ ...base, validityMinutes: 0 }));
  t.throws(() => issueToken({ ...base, validityMinutes: 2.5 }));
  t.throws(() => issueToken({ ...base, mesa: '12345' }), { message: /bad activation token input/ });
  t.throws(() => markConsumed({ electionId: 'eg2026', mesa: '012345', nonce: issueToken(base).nonce }, identity), { message: /cabin key/ });
});
