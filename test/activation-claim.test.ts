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

function issued(overrides: { electionId?: string } = {}): { bytes: Uint8Array; token: VerifiedToken } {
  const { bytes } = issueToken({ electionId: 'eg2026', mesa: '012345', simulacro: false, now, validityMinutes: 30, signer: identity, ...overrides });
  const verified = verifyToken(bytes, options(overrides));
  if (!verified.ok) throw new Error(describeTokenRejection(verified.error));
  return { bytes, token: verified.value };
}

test('the claiming cabin accepts its claim as the token it wraps, with the same checks', (t) => {
  const { bytes, token } = issued();
  const claim = markClaimed(bytes, cabin1);
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
  const { bytes, token } = issued();
  const claim = markClaimed(bytes, cabin1);
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

test('a claim is only as good as the identity-signed token inside it and the cabin key around it', (t) => {
  const { bytes } = issued();
  t.throws(() => markClaimed(bytes, identity), { message: /cabin key/u });
  const refusedKind = (blob: Uint8Array) => {
    const verified = verifyToken(blob, options());
    return verified.ok ? undefined : verified.error.kind;
  };
  // Signed by a key that is not a cabin, or by an unknown cabin key.
  t.is(refusedKind(sealEnvelope(ACTIVATION_CLAIMED_KIND, { v: 1, claimed: true, token: Buffer.from(bytes).toString('base64') }, identity)), 'forged');
  const stranger = markClaimed(bytes, signer('cabin-1'));
  t.is(refusedKind(stranger), 'forged');
  t.is(readDeviceClaim(stranger, where).ok, false);
  // A genuine cabin wrapping a token the identity station never signed, or wrapping a claim.
  const { bytes: forgedToken } = issueToken({ electionId: 'eg2026', mesa: '012345', simulacro: false, now, validityMinutes: 30, signer: signer('identity') });
  t.is(refusedKind(markClaimed(forgedToken, cabin1)), 'forged');
  t.is(readDeviceClaim(markClaimed(forgedToken, cabin1), where).ok, false);
  const nested = sealEnvelope(ACTIVATION_CLAIMED_KIND, { v: 1, claimed: true, token: Buffer.from(markClaimed(bytes, cabin1)).toString('base64') }, cabin1);
  t.is(refusedKind(nested), 'malformed', 'a claim never wraps a claim');
  t.throws(() => markClaimed(markClaimed(bytes, cabin1), cabin1), { message: /exceeds/u }, 'nor would it fit the device');
});

test('readDeviceState never reports a claimed device as an unconsumed token; readDeviceClaim names the cabin and gives the token back', (t) => {
  const { bytes, token } = issued();
  const claim = markClaimed(bytes, cabin2);
  // Worst case for the device blob limit: the longest election id, a two-digit cabin.
  const longest = issued({ electionId: 'e'.repeat(64) });
  t.true(markClaimed(longest.bytes, signer('cabin-50')).length <= MAX_BLOB_BYTES);
  const state = readDeviceState(claim, where);
  t.is(state.state, 'invalid');
  t.regex(state.state === 'invalid' ? state.detail : '', /^claimed by cabin-2 and never marked consumed/u);
  const read = readDeviceClaim(claim, where);
  t.deepEqual(read.ok ? { token: read.value.token, cabin: read.value.cabin } : undefined, { token, cabin: 'cabin-2' });
  t.deepEqual(read.ok ? Buffer.from(read.value.tokenBytes) : undefined, Buffer.from(bytes), 'the original token bytes, to put back');
  t.is(readDeviceClaim(claim, { ...where, mesa: '000001' }).ok, false);
  t.deepEqual(readDeviceClaim(new Uint8Array(0), where), { ok: false, error: { kind: 'not-a-claim' } });
  // The claim adds nothing to the token but the flag and the cabin's signature.
  const payload = (JSON.parse(new TextDecoder().decode(claim)) as { payload: Record<string, unknown> }).payload;
  t.deepEqual(Object.keys(payload).sort(), ['claimed', 'token', 'v']);
});
