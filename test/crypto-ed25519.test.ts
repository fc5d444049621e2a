import test from 'ava';
import { randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import { generateSigningKeyPair, keyId, publicKeyFromSeed, signDetached, verifyDetached } from '../shared/crypto/ed25519.ts';

// tweetnacl is slow (~60 signatures/s on a kiosk): a handful of cases is enough to show that
// both implementations compute the same deterministic Ed25519 function.
const cases = Array.from({ length: 6 }, (_, i) => ({
  seed: new Uint8Array(randomBytes(32)),
  message: new Uint8Array(randomBytes(i * 97)),
}));

test('Node and tweetnacl derive the same public key from a seed', (t) => {
  for (const { seed } of cases) {
    t.deepEqual(publicKeyFromSeed(seed), nacl.sign.keyPair.fromSeed(seed).publicKey);
  }
});

test('Node and tweetnacl produce byte-identical signatures', (t) => {
  for (const { seed, message } of cases) {
    const naclPair = nacl.sign.keyPair.fromSeed(seed);
    t.deepEqual(signDetached(message, seed), nacl.sign.detached(message, naclPair.secretKey));
  }
});

test('each implementation verifies the other one\'s signatures', (t) => {
  for (const { seed, message } of cases) {
    const naclPair = nacl.sign.keyPair.fromSeed(seed);
    const byNode = signDetached(message, seed);
    const byNacl = nacl.sign.detached(message, naclPair.secretKey);
    t.true(nacl.sign.detached.verify(message, byNode, naclPair.publicKey));
    t.true(verifyDetached(message, byNacl, publicKeyFromSeed(seed)));
  }
});

test('a generated key pair signs and verifies; a changed message or key fails', (t) => {
  const pair = generateSigningKeyPair();
  t.is(pair.seed.length, 32);
  t.is(pair.publicKey.length, 32);
  t.deepEqual(publicKeyFromSeed(pair.seed), pair.publicKey);
  const message = new TextEncoder().encode('acta de escrutinio');
  const signature = signDetached(message, pair.seed);
  t.true(verifyDetached(message, signature, pair.publicKey));
  t.true(nacl.sign.detached.verify(message, signature, pair.publicKey));
  const changed = new TextEncoder().encode('acta de escrutinia');
  t.false(verifyDetached(changed, signature, pair.publicKey));
  t.false(verifyDetached(message, signature, generateSigningKeyPair().publicKey));
});

test('malformed signatures and keys fail verification instead of throwing', (t) => {
  const pair = generateSigningKeyPair();
  const message = new Uint8Array([1, 2, 3]);
  const signature = signDetached(message, pair.seed);
  t.false(verifyDetached(message, signature.subarray(0, 63), pair.publicKey));
  t.false(verifyDetached(message, signature, pair.publicKey.subarray(0, 31)));
  t.false(verifyDetached(message, signature, new Uint8Array(32).fill(0xff)));
});

test('keyId is 16 hex characters and differs between keys', (t) => {
  const a = keyId(generateSigningKeyPair().publicKey);
  const b = keyId(generateSigningKeyPair().publicKey);
  t.regex(a, /^[0-9a-f]{16}$/);
  t.not(a, b);
});
