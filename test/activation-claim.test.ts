/**
 * Claim marks (shared/activation): the cabin writes one over the token before the session starts,
 * so only that cabin accepts the device again, while the identity station never reads a claimed
 * device as an unused token.
 */
import test from 'ava';
import { generateSigningKeyPair, keyId } from '../shared/crypto/ed25519.ts';
import { sealEnvelope, type KeyResolver, type Signer } from '../shared/crypto/envelope.ts';
import { MAX_BLOB_BYTES } from '../shared/devices/activation/device-image.ts';
import { markClaimed, readDeviceClaim, readDeviceState } from '../shared/activation/device-state.ts';
import { ACTIVATION_CLAIMED_KIND } from '../shared/activation/payload.ts';
import { describeTokenRejection, tokenRejectionScreenText } from '../shared/activation/rejection.ts';
import { issueToken, verifyToken, type VerifiedToken, type VerifyTokenOptions } from '../shared/activation/token.ts';

function signer(role: string): Signer {
  const pair = generateSigningKeyPair();
  return { role, seed: pair.seed, publicKey: pair.publicKey };
}

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
const where = { resolveKey, electionId: 'eg2026', mesa: '012345' };

function options(overrides: Partial<VerifyTokenOptions> = {}): VerifyTokenOptions {
  return { ...where, simulacro: false, now, isUsed: () => false, cabinId: 'cabin-1', ...overrides };
}

function verifiedToken(): VerifiedToken {
  const { bytes } = issueToken({ electionId: 'eg2026', mesa: '012345', simulacro: false, now, validityMinutes: 30, signer: identity });
  const verified = verifyToken(bytes, options());
  if (!verified.ok) throw new Error(describeTokenRejection(verified.error));
  return verified.value;
}

test('the claiming cabin accepts its claim as the token it replaced, with the same checks', (t) => {
  const token = verifiedToken();
  const claim = markClaimed(token, cabin1);
  t.deepEqual(verifyToken(claim, options()), { ok: true, value: token });
  // Replay and expiry still apply to the cabin's own claim.
  const replayed = verifyToken(claim, options({ isUsed: () => true }));
  t.is(replayed.ok ? undefined : replayed.error.kind, 'replayed');
  const late = verifyToken(claim, options({ now: new Date(now.getTime() + 2 * 60 * 60 * 1000) }));
  t.is(late.ok ? undefined : late.error.kind, 'expired');
  const otherMesa = verifyToken(claim, options({ mesa: '000001' }));
  t.is(otherMesa.ok ? undefined : otherMesa.error.kind, 'other-mesa');
});

test('another cabin refuses a claimed device as claimed-elsewhere, with the president screen text', (t) => {
  const token = verifiedToken();
  const claim = markClaimed(token, cabin1);
  const refused = verifyToken(claim, options({ cabinId: 'cabin-2' }));
  t.deepEqual(refused, { ok: false, error: { kind: 'claimed-elsewhere', nonce: token.nonce, cabin: 'cabin-1' } });
  if (refused.ok) return;
  t.is(tokenRejectionScreenText(refused.error), 'Este dispositivo ya fue usado en otra cabina. Devuélvalo al presidente de mesa.');
  t.regex(describeTokenRejection(refused.error), /claimed by cabin-1/u);
  t.false(describeTokenRejection(refused.error).includes(token.nonce), 'no nonce in the log text');
  // A caller that is no cabin (no cabinId) never accepts a claim either.
  const { cabinId: _cabinId, ...noCabin } = options();
  t.is(verifyToken(claim, noCabin).ok, false);
});

test('a claim signed by a non-cabin key or an unknown cabin key is forged, never accepted', (t) => {
  const token = verifiedToken();
  t.throws(() => markClaimed(token, identity), { message: /cabin key/u });
  const byIdentity = sealEnvelope(ACTIVATION_CLAIMED_KIND, { v: 1, claimed: true, ...token }, identity);
  const refused = verifyToken(byIdentity, options());
  t.is(refused.ok ? undefined : refused.error.kind, 'forged');
  const stranger = markClaimed(token, signer('cabin-1'));
  const strangerRefused = verifyToken(stranger, options());
  t.is(strangerRefused.ok ? undefined : strangerRefused.error.kind, 'forged');
  t.is(readDeviceClaim(stranger, where).ok, false);
});

test('readDeviceState never reports a claimed device as an unconsumed token; readDeviceClaim names the cabin', (t) => {
  const token = verifiedToken();
  const claim = markClaimed(token, cabin2);
  // Worst case for the device blob limit: the longest election id, a two-digit cabin.
  t.true(markClaimed({ ...token, electionId: 'e'.repeat(64) }, signer('cabin-50')).length <= MAX_BLOB_BYTES);
  const state = readDeviceState(claim, where);
  t.is(state.state, 'invalid');
  t.regex(state.state === 'invalid' ? state.detail : '', /^claimed by cabin-2 and never marked consumed/u);
  t.deepEqual(readDeviceClaim(claim, where), { ok: true, value: { token, cabin: 'cabin-2' } });
  t.deepEqual(readDeviceClaim(claim, { ...where, mesa: '000001' }), { ok: false, error: { kind: 'invalid', detail: 'claim mark belongs to mesa 012345' } });
  t.deepEqual(readDeviceClaim(new Uint8Array(0), where), { ok: false, error: { kind: 'not-a-claim' } });
  // The claim holds the token's fields and nothing else: no cabin-chosen time, no ballot data.
  const payload = (JSON.parse(new TextDecoder().decode(claim)) as { payload: Record<string, unknown> }).payload;
  t.deepEqual(Object.keys(payload).sort(), ['claimed', 'electionId', 'expiresAt', 'mesa', 'nonce', 'simulacro', 'v']);
});
