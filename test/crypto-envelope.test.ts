import test from 'ava';
import { canonicalJson } from '../shared/crypto/canonical-json.ts';
import { generateSigningKeyPair } from '../shared/crypto/ed25519.ts';
import { describeEnvelopeError, openEnvelope, sealEnvelope, type KeyResolver, type Signer } from '../shared/crypto/envelope.ts';

function signer(role: string): Signer {
  const pair = generateSigningKeyPair();
  return { role, seed: pair.seed, publicKey: pair.publicKey };
}

const cabin = signer('cabin-1');
const trusted: KeyResolver = (role) => (role === cabin.role ? cabin.publicKey : undefined);
const payload = { mesa: '000123', totals: [12, 0, 7], note: 'válido – ñ', nested: { b: true, a: null } };
const sealed = sealEnvelope('cabin-result', payload, cabin);

test('seal then open returns the payload, kind and signer', (t) => {
  const opened = openEnvelope(sealed, 'cabin-result', trusted);
  if (!opened.ok) return t.fail(describeEnvelopeError(opened.error));
  t.deepEqual(opened.value.payload, payload);
  t.is(opened.value.kind, 'cabin-result');
  t.is(opened.value.signer, 'cabin-1');
});

test('sealed bytes are canonical JSON', (t) => {
  const text = new TextDecoder().decode(sealed);
  t.is(canonicalJson(JSON.parse(text)), text);
});

test('flipping any bit pattern in any byte makes open fail', (t) => {
  // Every position, several patterns: low bit, high bit (breaks UTF-8), case bit, all bits.
  const patterns = [0x01, 0x80, 0x20, 0xff];
  let tried = 0;
  for (let i = 0; i < sealed.length; i++) {
    for (const pattern of patterns) {
      const bytes = Uint8Array.from(sealed);
      bytes[i] = (bytes[i] ?? 0) ^ pattern;
      const opened = openEnvelope(bytes, 'cabin-result', trusted);
      if (opened.ok) return t.fail(`byte ${i} xor 0x${pattern.toString(16)} was accepted`);
      tried++;
    }
  }
  t.is(tried, sealed.length * patterns.length);
});

test('truncated or extended envelopes are refused', (t) => {
  for (let cut = 0; cut < sealed.length; cut += 7) {
    t.false(openEnvelope(sealed.subarray(0, cut), 'cabin-result', trusted).ok);
  }
  const extended = new Uint8Array([...sealed, 0x0a]);
  const opened = openEnvelope(extended, 'cabin-result', trusted);
  t.false(opened.ok);
  if (!opened.ok) t.is(opened.error.kind, 'not-canonical');
});

test('the wrong kind is refused as wrong-kind', (t) => {
  const opened = openEnvelope(sealed, 'election-package', trusted);
  t.false(opened.ok);
  if (!opened.ok) {
    t.deepEqual(opened.error, { kind: 'wrong-kind', expected: 'election-package', found: 'cabin-result' });
    t.regex(describeEnvelopeError(opened.error), /expected a signed election-package/);
  }
});

test('an unknown signer is refused, even with a valid signature', (t) => {
  const stranger = signer('cabin-1');
  const bytes = sealEnvelope('cabin-result', payload, stranger);
  const opened = openEnvelope(bytes, 'cabin-result', trusted);
  t.false(opened.ok);
  if (!opened.ok) {
    t.is(opened.error.kind, 'unknown-signer');
    t.regex(describeEnvelopeError(opened.error), /not a trusted key/);
  }
  const nobody = openEnvelope(sealed, 'cabin-result', () => undefined);
  t.false(nobody.ok);
  if (!nobody.ok) t.is(nobody.error.kind, 'unknown-signer');
});

test('a resolver returning another key than the named keyId is refused', (t) => {
  const other = signer('cabin-1');
  const opened = openEnvelope(sealed, 'cabin-result', () => other.publicKey);
  t.false(opened.ok);
  if (!opened.ok) t.is(opened.error.kind, 'unknown-signer');
});

test('whitespace added anywhere is refused as not-canonical', (t) => {
  const text = new TextDecoder().decode(sealed);
  const variants = [
    ` ${text}`,
    `${text}\n`,
    text.replace('{', '{ '),
    text.replace(',', ', '),
    text.replace(':', ': '),
    JSON.stringify(JSON.parse(text), null, 2),
  ];
  for (const variant of variants) {
    const opened = openEnvelope(new TextEncoder().encode(variant), 'cabin-result', trusted);
    t.false(opened.ok);
    if (!opened.ok) t.is(opened.error.kind, 'not-canonical', variant.slice(0, 40));
  }
});

test('re-ordered keys with the same content are refused as not-canonical', (t) => {
  const parsed = JSON.parse(new TextDecoder().decode(sealed)) as Record<string, unknown>;
  const reordered = JSON.stringify(Object.fromEntries(Object.entries(parsed).reverse()));
  const opened = openEnvelope(new TextEncoder().encode(reordered), 'cabin-result', trusted);
  t.false(opened.ok);
  if (!opened.ok) t.is(opened.error.kind, 'not-canonical');
});

test('a payload changed and re-canonicalised fails the signature', (t) => {
  const parsed = JSON.parse(new TextDecoder().decode(sealed)) as { payload: { totals: number[] } };
  parsed.payload.totals[0] = 13;
  const opened = openEnvelope(new TextEncoder().encode(canonicalJson(parsed)), 'cabin-result', trusted);
  t.false(opened.ok);
  if (!opened.ok) t.is(opened.error.kind, 'bad-signature');
});

test('a signature from another kind cannot be transplanted', (t) => {
  const other = JSON.parse(new TextDecoder().decode(sealEnvelope('receipt', payload, cabin))) as { signature: string };
  const parsed = JSON.parse(new TextDecoder().decode(sealed)) as { signature: string };
  parsed.signature = other.signature;
  const opened = openEnvelope(new TextEncoder().encode(canonicalJson(parsed)), 'cabin-result', trusted);
  t.false(opened.ok);
  if (!opened.ok) t.is(opened.error.kind, 'bad-signature');
});
