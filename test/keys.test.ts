import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nacl from 'tweetnacl';
import {
  describeKeySetError,
  generateKeySet,
  keySetRoles,
  loadBoxSecret,
  loadPublicKeys,
  loadSigner,
  publicKeyFile,
  secretKeyFile,
} from '../shared/crypto/keyset.ts';
import { openEnvelope, sealEnvelope } from '../shared/crypto/envelope.ts';
import { runCli, runCliInProcess } from './helpers/cli.ts';

function tempDir(t: { teardown: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every secret in a key set, in every text form that could leak (base64, hex, base64url). */
function secretForms(dir: string): string[] {
  const forms: string[] = [];
  for (const name of fs.readdirSync(path.join(dir, 'secret'))) {
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'secret', name), 'utf8')) as { secretKey: string };
    const bytes = Buffer.from(json.secretKey, 'base64');
    forms.push(json.secretKey, bytes.toString('hex'), bytes.toString('base64url'), json.secretKey.slice(0, 16));
  }
  return forms;
}

test('generateKeySet writes every role, public and secret, with the expected layout', (t) => {
  const dir = path.join(tempDir(t), 'keys');
  const result = generateKeySet(dir, { cabins: 3, members: 4 });
  if (!result.ok) return t.fail(describeKeySetError(result.error));
  const roles = keySetRoles(3, 4);
  t.deepEqual(roles, [
    'onpe-root', 'centre', 'centre-box', 'identity', 'cabin-1', 'cabin-2', 'cabin-3',
    'results', 'transmission', 'member-1', 'member-2', 'member-3', 'member-4',
  ]);
  t.deepEqual(result.value.roles.map((r) => r.role), roles);
  t.deepEqual(fs.readdirSync(path.join(dir, 'public')).sort(), roles.map((r) => `${r}.json`).sort());
  t.deepEqual(fs.readdirSync(path.join(dir, 'secret')).sort(), roles.map((r) => `${r}.json`).sort());
  for (const role of roles) {
    const pub = JSON.parse(fs.readFileSync(publicKeyFile(dir, role), 'utf8')) as Record<string, unknown>;
    t.deepEqual(Object.keys(pub).sort(), ['algorithm', 'publicKey', 'role']);
    t.is(pub.role, role);
    t.is(pub.algorithm, role === 'centre-box' ? 'x25519' : 'ed25519');
    const sec = JSON.parse(fs.readFileSync(secretKeyFile(dir, role), 'utf8')) as Record<string, unknown>;
    t.deepEqual(Object.keys(sec).sort(), ['algorithm', 'publicKey', 'role', 'secretKey']);
    t.is(sec.publicKey, pub.publicKey);
  }
});

test('secret files are 0600 in a 0700 folder; all keys are distinct', (t) => {
  const dir = path.join(tempDir(t), 'keys');
  t.true(generateKeySet(dir).ok);
  t.is(fs.statSync(path.join(dir, 'secret')).mode & 0o777, 0o700);
  const publics = new Set<string>();
  for (const name of fs.readdirSync(path.join(dir, 'secret'))) {
    t.is(fs.statSync(path.join(dir, 'secret', name)).mode & 0o777, 0o600, name);
    publics.add((JSON.parse(fs.readFileSync(path.join(dir, 'public', name), 'utf8')) as { publicKey: string }).publicKey);
  }
  t.is(publics.size, keySetRoles(2, 9).length);
});

test('loadPublicKeys returns the key set structure with defaults of 2 cabins and 9 members', (t) => {
  const dir = tempDir(t);
  t.true(generateKeySet(dir).ok);
  const keys = loadPublicKeys(dir);
  if (!keys.ok) return t.fail(describeKeySetError(keys.error));
  t.is(keys.value.cabins.length, 2);
  t.is(keys.value.members.length, 9);
  const root = JSON.parse(fs.readFileSync(publicKeyFile(dir, 'onpe-root'), 'utf8')) as { publicKey: string };
  t.is(Buffer.from(keys.value.onpeRoot).toString('base64'), root.publicKey);
});

test('loadSigner gives a signer whose envelopes verify with the public file', (t) => {
  const dir = tempDir(t);
  t.true(generateKeySet(dir).ok);
  const keys = loadPublicKeys(dir);
  const signer = loadSigner(dir, 'cabin-2');
  if (!signer.ok || !keys.ok) return t.fail('load failed');
  t.is(signer.value.role, 'cabin-2');
  const bytes = sealEnvelope('test', { n: 1 }, signer.value);
  const cabin2 = keys.value.cabins[1];
  t.true(openEnvelope(bytes, 'test', (role) => (role === 'cabin-2' ? cabin2 : undefined)).ok);
});

test('loadBoxSecret gives a working tweetnacl box pair', (t) => {
  const dir = tempDir(t);
  t.true(generateKeySet(dir).ok);
  const pair = loadBoxSecret(dir);
  const keys = loadPublicKeys(dir);
  if (!pair.ok || !keys.ok) return t.fail('load failed');
  t.deepEqual(pair.value.publicKey, keys.value.centreBox);
  const sender = nacl.box.keyPair();
  const nonce = nacl.randomBytes(nacl.box.nonceLength);
  const boxed = nacl.box(new Uint8Array([7, 8, 9]), nonce, keys.value.centreBox, sender.secretKey);
  t.deepEqual(nacl.box.open(boxed, nonce, sender.publicKey, pair.value.secretKey), new Uint8Array([7, 8, 9]));
});

test('an existing key set is not overwritten without force', (t) => {
  const dir = tempDir(t);
  t.true(generateKeySet(dir).ok);
  const before = fs.readFileSync(secretKeyFile(dir, 'onpe-root'), 'utf8');
  const again = generateKeySet(dir);
  t.false(again.ok);
  if (!again.ok) {
    t.is(again.error.kind, 'exists');
    t.regex(describeKeySetError(again.error), /already exists.*--force/);
  }
  t.is(fs.readFileSync(secretKeyFile(dir, 'onpe-root'), 'utf8'), before);
  const forced = generateKeySet(dir, { force: true, cabins: 1, members: 3 });
  t.true(forced.ok);
  t.not(fs.readFileSync(secretKeyFile(dir, 'onpe-root'), 'utf8'), before);
  // The old, larger set left nothing behind.
  t.false(fs.existsSync(publicKeyFile(dir, 'cabin-2')));
  t.false(fs.existsSync(secretKeyFile(dir, 'member-9')));
  const keys = loadPublicKeys(dir);
  t.true(keys.ok && keys.value.cabins.length === 1 && keys.value.members.length === 3);
});

test('bad counts are refused', (t) => {
  const dir = tempDir(t);
  for (const options of [{ cabins: 0 }, { members: -1 }, { cabins: 1.5 }, { members: 1000 }]) {
    const r = generateKeySet(dir, options);
    t.false(r.ok);
    if (!r.ok) t.is(r.error.kind, 'bad-option');
  }
  t.false(fs.existsSync(path.join(dir, 'public')));
});

test('missing, malformed and mismatched key files give typed errors naming the file', (t) => {
  const dir = tempDir(t);
  t.true(generateKeySet(dir).ok);

  fs.rmSync(publicKeyFile(dir, 'results'));
  const missing = loadPublicKeys(dir);
  t.false(missing.ok);
  if (!missing.ok) {
    t.deepEqual(missing.error, { kind: 'missing-file', file: publicKeyFile(dir, 'results') });
    t.true(describeKeySetError(missing.error).includes(publicKeyFile(dir, 'results')));
  }

  fs.writeFileSync(publicKeyFile(dir, 'results'), '{"role":"results","algorithm":"ed25519","publicKey":"AAAA"}');
  const short = loadPublicKeys(dir);
  t.false(short.ok);
  if (!short.ok) {
    t.is(short.error.kind, 'bad-file');
    t.regex(describeKeySetError(short.error), /results\.json is invalid: publicKey: must be 32 bytes/);
  }

  const identity = fs.readFileSync(publicKeyFile(dir, 'identity'), 'utf8');
  fs.writeFileSync(publicKeyFile(dir, 'results'), identity);
  const wrongRole = loadPublicKeys(dir);
  t.false(wrongRole.ok);
  if (!wrongRole.ok) t.regex(describeKeySetError(wrongRole.error), /holds role identity, expected results/);

  fs.rmSync(publicKeyFile(dir, 'cabin-1'));
  const gap = loadPublicKeys(dir);
  t.false(gap.ok);
  if (!gap.ok) t.regex(describeKeySetError(gap.error), /incomplete: cabin-1 is missing/);

  // A secret file paired with another role's public key.
  const cabin2 = JSON.parse(fs.readFileSync(secretKeyFile(dir, 'cabin-2'), 'utf8')) as Record<string, string>;
  const results = JSON.parse(fs.readFileSync(secretKeyFile(dir, 'results'), 'utf8')) as Record<string, string>;
  fs.writeFileSync(secretKeyFile(dir, 'cabin-2'), JSON.stringify({ ...cabin2, secretKey: results.secretKey }));
  const mismatch = loadSigner(dir, 'cabin-2');
  t.false(mismatch.ok);
  if (!mismatch.ok) t.deepEqual(mismatch.error, { kind: 'key-mismatch', file: secretKeyFile(dir, 'cabin-2') });

  const notSigning = loadSigner(dir, 'centre-box');
  t.false(notSigning.ok);
  if (!notSigning.ok) t.is(notSigning.error.kind, 'bad-option');
});

test('errors about broken secret files never quote the secret', (t) => {
  const dir = tempDir(t);
  t.true(generateKeySet(dir).ok);
  const file = secretKeyFile(dir, 'onpe-root');
  const original = fs.readFileSync(file, 'utf8');
  const secret = (JSON.parse(original) as { secretKey: string }).secretKey;
  const broken = [
    original.replace('"secretKey"', 'secretKey'), // not JSON: V8 would quote the text nearby
    original.replace(/"secretKey": "([^"]+)"/, '"secretKey": $1'),
    original.replace(/"secretKey": "([^"]+)"/, '"secretKey": "$1="'),
    original.replace(/"secretKey": "([^"]+)"/, '"secretKey": ["$1"]'),
    original.replace(/"secretKey": "([^"]+)"/, '"secretKey": "$1", "extra": "$1"'),
    original.replace('"role": "onpe-root"', '"role": "$SECRET"').replace('$SECRET', secret),
  ];
  for (const content of broken) {
    fs.writeFileSync(file, content);
    const r = loadSigner(dir, 'onpe-root');
    t.false(r.ok);
    if (!r.ok) {
      const message = `${describeKeySetError(r.error)} ${JSON.stringify(r.error)}`;
      t.true(message.includes(file));
      t.false(message.includes(secret.slice(0, 12)), message);
    }
  }
});

test('vep keys generate (child process) prints no secret and refuses to overwrite', async (t) => {
  const dir = path.join(tempDir(t), 'k');
  const first = await runCli(['keys', 'generate', '--out', dir, '--cabins', '3', '--members', '5']);
  t.is(first.code, 0, first.stderr);
  t.regex(first.stdout, /Generated 14 key pairs/);
  t.regex(first.stdout, /cabin-3/);
  const keys = loadPublicKeys(dir);
  t.true(keys.ok && keys.value.cabins.length === 3 && keys.value.members.length === 5);

  const second = await runCli(['keys', 'generate', '--out', dir]);
  t.is(second.code, 1);
  t.regex(second.stderr, /already exists/);
  const forced = await runCli(['keys', 'generate', '--out', dir, '--force']);
  t.is(forced.code, 0, forced.stderr);

  const output = [first, second, forced].map((r) => r.stdout + r.stderr).join('\n');
  for (const form of secretForms(dir)) t.false(output.includes(form));
});

test('vep keys generate (in process) prints no secret; bad counts are refused with exit 1', async (t) => {
  const dir = path.join(tempDir(t), 'k');
  const run = await runCliInProcess(['keys', 'generate', '--out', dir]);
  t.is(run.code, 0, run.stderr);
  t.is(run.stderr, '');
  for (const form of secretForms(dir)) t.false((run.stdout + run.stderr).includes(form));

  const bad = await runCliInProcess(['keys', 'generate', '--out', path.join(dir, 'x'), '--cabins', '0']);
  t.not(bad.code, 0);
  t.regex(bad.stderr, /--cabins/);
  t.false(fs.existsSync(path.join(dir, 'x')));
});
