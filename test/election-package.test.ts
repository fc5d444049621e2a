import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canonicalJson } from '../shared/crypto/canonical-json.ts';
import { sha256Hex } from '../shared/crypto/hash.ts';
import { openEnvelope, sealEnvelope } from '../shared/crypto/envelope.ts';
import { describeKeySetError, generateKeySet, loadPublicKeys, loadSigner, type PublicKeySet } from '../shared/crypto/keyset.ts';
import { formatDefinitionIssues, loadElectionDefinitionFile, parseElectionDefinition, type ElectionDefinition } from '../shared/election/definition.ts';
import {
  buildPackage,
  checkSoftwareAuthorized,
  describeBuildError,
  describePackageError,
  describeSoftwareNotAuthorized,
  ELECTION_PACKAGE_KIND,
  isSoftwareAuthorized,
  loadVerifiedPackage,
  memberSignerRole,
  packageCentreBoxKey,
  resolvePackageKey,
  SOFTWARE_NOT_AUTHORIZED_SCREEN_TEXT,
  softwareNotAuthorizedScreenText,
  verifyPackageBytes,
  type VerifiedPackage,
} from '../shared/election/package.ts';
import { currentSoftwareVersionCode } from '../shared/software/version-code.ts';
import { REPO_ROOT, runCli } from './helpers/cli.ts';

const FIXTURE = path.join(REPO_ROOT, 'test/fixtures/eg2026/definition.json');
const CODE_A = 'a'.repeat(64);
const CODE_B = 'b'.repeat(64);

function tempDir(t: { teardown: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function fixtureDefinition(): ElectionDefinition {
  const loaded = loadElectionDefinitionFile(FIXTURE);
  if (!loaded.ok) throw new Error(formatDefinitionIssues(loaded.error));
  return loaded.value;
}

/**
 * The fixture trimmed to a few kilobytes (2 contests of 2 organizations, a padrón of the
 * members plus two electors): same structure, small enough to flip every byte of it.
 */
function smallDefinition(): ElectionDefinition {
  const raw = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as {
    members: { dni: string }[];
    padron: { dni: string; order: number }[];
    mesa: Record<string, unknown>;
    contests: { organizations: { candidates?: unknown[] }[] }[];
  };
  const memberDnis = new Set(raw.members.map((m) => m.dni));
  const padron = raw.padron.filter((e, i) => i < 2 || memberDnis.has(e.dni)).map((e, i) => ({ ...e, order: i + 1 }));
  const small = {
    ...raw,
    padron,
    mesa: { ...raw.mesa, electoresHabiles: padron.length },
    contests: raw.contests.slice(0, 2).map((c) => ({
      ...c,
      organizations: c.organizations
        .slice(0, 2)
        .map((o) => (o.candidates ? { ...o, candidates: o.candidates.slice(0, 2) } : o)),
    })),
  };
  const parsed = parseElectionDefinition(small);
  if (!parsed.ok) throw new Error(formatDefinitionIssues(parsed.error));
  return parsed.value;
}

interface Built {
  keysDir: string;
  keys: PublicKeySet;
  bytes: Uint8Array;
}

function build(t: { teardown: (fn: () => void) => void }, definition: ElectionDefinition, extra: string[] = []): Built {
  const keysDir = tempDir(t);
  const generated = generateKeySet(keysDir);
  if (!generated.ok) throw new Error(describeKeySetError(generated.error));
  const keys = loadPublicKeys(keysDir);
  if (!keys.ok) throw new Error(describeKeySetError(keys.error));
  const built = buildPackage(definition, keysDir, extra);
  if (!built.ok) throw new Error(describeBuildError(built.error));
  return { keysDir, keys: keys.value, bytes: built.value };
}

function verified(t: { fail: (m: string) => void }, built: Built): VerifiedPackage {
  const result = verifyPackageBytes(built.bytes, built.keys.onpeRoot);
  if (!result.ok) {
    t.fail(describePackageError(result.error));
    throw new Error('unreachable');
  }
  return result.value;
}

/** Flips bits of one byte at each given position; returns the positions that were accepted. */
function acceptedFlips(bytes: Uint8Array, root: Uint8Array, positions: Iterable<number>, pattern: (i: number) => number): number[] {
  const accepted: number[] = [];
  const copy = Uint8Array.from(bytes);
  for (const i of positions) {
    const original = copy[i] ?? 0;
    copy[i] = original ^ pattern(i);
    if (verifyPackageBytes(copy, root).ok) accepted.push(i);
    copy[i] = original;
  }
  return accepted;
}

function range(from: number, to: number, step = 1): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i += step) out.push(i);
  return out;
}

test('acceptance: keys generate, election build, election verify through the real CLI', async (t) => {
  const dir = tempDir(t);
  const keys = path.join(dir, 'K');
  const pkg = path.join(dir, 'P');
  const generate = await runCli(['keys', 'generate', '--out', keys]);
  t.is(generate.code, 0, generate.stderr);
  const built = await runCli(['election', 'build', '--definition', FIXTURE, '--keys', keys, '--out', pkg]);
  t.is(built.code, 0, built.stderr);
  const verify = await runCli(['election', 'verify', pkg, '--keys', keys]);
  t.is(verify.code, 0, verify.stderr);
  t.is(verify.stderr, '');
  const definition = fixtureDefinition();
  const hash = sha256Hex(fs.readFileSync(pkg));
  t.true(built.stdout.includes(hash));
  t.true(verify.stdout.includes(definition.election.id));
  t.true(verify.stdout.includes(`mesa: ${definition.mesa.number}`));
  t.true(verify.stdout.includes(`contests: ${definition.contests.length}`));
  t.true(verify.stdout.includes(`package hash: ${hash}`));

  // A handful of single-byte changes through the real CLI: start, inside the definition,
  // inside the keys, inside the signature, last byte.
  const bytes = fs.readFileSync(pkg);
  const text = bytes.toString('latin1');
  const positions = [
    0,
    text.indexOf('"padron"') + 40,
    text.indexOf('"onpeRoot"') + 15,
    text.indexOf('"signature"') + 20,
    bytes.length - 1,
  ];
  for (const position of positions) {
    const changed = Buffer.from(bytes);
    changed[position] = (changed[position] ?? 0) ^ 0x01;
    const file = path.join(dir, `P-${position}`);
    fs.writeFileSync(file, changed);
    const run = await runCli(['election', 'verify', file, '--keys', keys]);
    t.is(run.code, 1, `byte ${position}`);
    t.regex(run.stderr, /^vep election verify: election package rejected: .+/, `byte ${position}`);
    t.is(run.stdout, '');
  }
});

test('verify with another key set\'s root fails: not a trusted key', async (t) => {
  const dir = tempDir(t);
  const pkg = path.join(dir, 'P');
  t.true(generateKeySet(path.join(dir, 'K1')).ok);
  t.true(generateKeySet(path.join(dir, 'K2')).ok);
  const built = await runCli(['election', 'build', '--definition', FIXTURE, '--keys', path.join(dir, 'K1'), '--out', pkg]);
  t.is(built.code, 0, built.stderr);
  const run = await runCli(['election', 'verify', pkg, '--keys', path.join(dir, 'K2')]);
  t.is(run.code, 1);
  t.regex(run.stderr, /signer onpe-root \(key [0-9a-f]{16}\) is not a trusted key/);
});

test('verify reads only public/onpe-root.json of the key set', async (t) => {
  const dir = tempDir(t);
  const pkg = path.join(dir, 'P');
  const keys = path.join(dir, 'K');
  t.true(generateKeySet(keys).ok);
  t.is((await runCli(['election', 'build', '--definition', FIXTURE, '--keys', keys, '--out', pkg])).code, 0);
  const stationKeys = path.join(dir, 'station');
  fs.mkdirSync(path.join(stationKeys, 'public'), { recursive: true });
  fs.copyFileSync(path.join(keys, 'public/onpe-root.json'), path.join(stationKeys, 'public/onpe-root.json'));
  const run = await runCli(['election', 'verify', pkg, '--keys', stationKeys]);
  t.is(run.code, 0, run.stderr);
  const none = await runCli(['election', 'verify', pkg, '--keys', path.join(dir, 'nothing')]);
  t.is(none.code, 1);
  t.regex(none.stderr, /onpe-root\.json is missing/);
});

test('build with too few cabins or member credentials in the key set gives a clear error', async (t) => {
  const dir = tempDir(t);
  t.true(generateKeySet(path.join(dir, 'K1'), { cabins: 1 }).ok);
  t.true(generateKeySet(path.join(dir, 'K2'), { members: 2 }).ok);
  const cabins = await runCli(['election', 'build', '--definition', FIXTURE, '--keys', path.join(dir, 'K1'), '--out', path.join(dir, 'P1')]);
  t.is(cabins.code, 1);
  t.regex(cabins.stderr, /the mesa has 2 cabins but the key set in .* has keys for only 1 \(generate it with --cabins 2\)/);
  t.false(fs.existsSync(path.join(dir, 'P1')));
  const members = await runCli(['election', 'build', '--definition', FIXTURE, '--keys', path.join(dir, 'K2'), '--out', path.join(dir, 'P2')]);
  t.is(members.code, 1);
  t.regex(members.stderr, /lists 9 members but the key set .* has only 2 member credentials/);
});

test('build refuses an invalid definition, a bad --authorize code and an existing output', async (t) => {
  const dir = tempDir(t);
  const keys = path.join(dir, 'K');
  t.true(generateKeySet(keys).ok);
  const bad = path.join(dir, 'bad.json');
  const raw = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as { mesa: { cabins: number } };
  raw.mesa.cabins = 0;
  fs.writeFileSync(bad, JSON.stringify(raw));
  const invalid = await runCli(['election', 'build', '--definition', bad, '--keys', keys, '--out', path.join(dir, 'P')]);
  t.is(invalid.code, 1);
  t.regex(invalid.stderr, /invalid election definition/);
  t.regex(invalid.stderr, /mesa\.cabins/);

  const code = await runCli(['election', 'build', '--definition', FIXTURE, '--keys', keys, '--out', path.join(dir, 'P'), '--authorize', 'XYZ']);
  t.is(code.code, 1);
  t.regex(code.stderr, /"XYZ" is not 64 lowercase hexadecimal/);
  t.false(fs.existsSync(path.join(dir, 'P')));

  fs.writeFileSync(path.join(dir, 'P'), 'existing');
  const exists = await runCli(['election', 'build', '--definition', FIXTURE, '--keys', keys, '--out', path.join(dir, 'P')]);
  t.is(exists.code, 1);
  t.regex(exists.stderr, /already exists/);
  t.is(fs.readFileSync(path.join(dir, 'P'), 'utf8'), 'existing');
});

test('the payload holds the definition, sorted deduplicated codes and public keys only', (t) => {
  const definition = fixtureDefinition();
  const built = build(t, definition, [CODE_B, CODE_A, CODE_B]);
  const pkg = verified(t, built);
  const { payload } = pkg;
  t.is(payload.formatVersion, 1);
  t.is(canonicalJson(payload.definition), canonicalJson(definition));
  t.deepEqual(payload.authorizedSoftware, [CODE_A, CODE_B, currentSoftwareVersionCode()].sort());
  t.true(isSoftwareAuthorized(pkg, currentSoftwareVersionCode()));
  t.is(pkg.packageHash, sha256Hex(built.bytes));
  t.deepEqual(Object.keys(payload.keys.stations.cabins).sort(), ['cabin-1', 'cabin-2']);
  t.deepEqual(
    payload.keys.members.map((m) => [m.dni, m.role]),
    definition.members.map((m) => [m.dni, m.role]),
  );
  t.is(payload.keys.onpeRoot, Buffer.from(built.keys.onpeRoot).toString('base64'));
  t.deepEqual(packageCentreBoxKey(pkg), built.keys.centreBox);

  // No secret of the key set appears anywhere in the package.
  const text = Buffer.from(built.bytes).toString('utf8');
  for (const name of fs.readdirSync(path.join(built.keysDir, 'secret'))) {
    const secret = (JSON.parse(fs.readFileSync(path.join(built.keysDir, 'secret', name), 'utf8')) as { secretKey: string }).secretKey;
    t.false(text.includes(secret), name);
  }
});

test('the definition\'s own authorized codes are kept', (t) => {
  const raw = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as Record<string, unknown>;
  const parsed = parseElectionDefinition({ ...raw, authorizedSoftware: [CODE_B] });
  if (!parsed.ok) return t.fail(formatDefinitionIssues(parsed.error));
  const pkg = verified(t, build(t, parsed.value));
  t.deepEqual(pkg.payload.authorizedSoftware, [CODE_B, currentSoftwareVersionCode()].sort());
});

test('resolvePackageKey trusts the package\'s stations, members and centre, and nothing else', (t) => {
  const built = build(t, smallDefinition());
  const pkg = verified(t, built);
  const resolve = resolvePackageKey(pkg);
  for (const role of ['identity', 'cabin-1', 'cabin-2', 'results', 'transmission', 'centre', 'member-1', 'member-9']) {
    const signer = loadSigner(built.keysDir, role);
    if (!signer.ok) return t.fail(describeKeySetError(signer.error));
    t.true(openEnvelope(sealEnvelope('test', { role }, signer.value), 'test', resolve).ok, role);
  }
  const root = loadSigner(built.keysDir, 'onpe-root');
  if (!root.ok) return t.fail('no root');
  t.false(openEnvelope(sealEnvelope('test', {}, root.value), 'test', resolve).ok);

  const otherDir = tempDir(t);
  t.true(generateKeySet(otherDir).ok);
  const impostor = loadSigner(otherDir, 'cabin-1');
  if (!impostor.ok) return t.fail('no impostor');
  const opened = openEnvelope(sealEnvelope('test', {}, impostor.value), 'test', resolve);
  t.false(opened.ok);
  if (!opened.ok) t.is(opened.error.kind, 'unknown-signer');

  const presidente = pkg.payload.definition.members[0];
  t.is(presidente && memberSignerRole(pkg, presidente.dni), 'member-1');
  t.is(memberSignerRole(pkg, '00000000'), undefined);
});

test('checkSoftwareAuthorized refuses an unlisted code with English and Spanish explanations', (t) => {
  const pkg = verified(t, build(t, smallDefinition(), [CODE_A]));
  t.true(checkSoftwareAuthorized(pkg, CODE_A).ok);
  const refused = checkSoftwareAuthorized(pkg, CODE_B);
  t.false(refused.ok);
  if (refused.ok) return;
  t.is(refused.error.kind, 'software-not-authorized');
  t.is(refused.error.code, CODE_B);
  t.deepEqual(refused.error.authorized, pkg.payload.authorizedSoftware);
  t.regex(describeSoftwareNotAuthorized(refused.error), /refuses to operate: its software version code b{64} is not among the 2 code\(s\) authorized/);
  t.true(softwareNotAuthorizedScreenText(refused.error).startsWith(SOFTWARE_NOT_AUTHORIZED_SCREEN_TEXT));
  t.regex(SOFTWARE_NOT_AUTHORIZED_SCREEN_TEXT, /no está autorizado en el paquete electoral/);
});

test('every single-byte change anywhere in a (small) package is refused', (t) => {
  const built = build(t, smallDefinition());
  t.true(verifyPackageBytes(built.bytes, built.keys.onpeRoot).ok);
  const all = range(0, built.bytes.length);
  // The lowest bit keeps most characters in their class ('a'->'`', '0'->'1'), the hardest case;
  // a rotating bit covers case flips, digit<->letter changes and invalid UTF-8.
  t.deepEqual(acceptedFlips(built.bytes, built.keys.onpeRoot, all, () => 0x01), []);
  t.deepEqual(acceptedFlips(built.bytes, built.keys.onpeRoot, all, (i) => 1 << (1 + (i % 7))), []);
  t.true(built.bytes.length > 3000, `package is ${built.bytes.length} bytes`);
});

test('single-byte changes in the full eg2026 package are refused: header and signature fully, payload by stride', (t) => {
  // A full package is ~140 KB and each rejected copy costs ~10 ms (parse, canonical check,
  // signature over the whole payload), so every byte would take ~25 min. The small package
  // above has the same structure and has every byte flipped; here the envelope header and the
  // signature/signer trailer are flipped fully, the keys section every 3rd byte and the
  // definition (uniform padrón and contest records) every 251st byte.
  const built = build(t, fixtureDefinition());
  const text = Buffer.from(built.bytes).toString('latin1');
  const definitionStart = text.indexOf('"definition":') + '"definition":'.length;
  const keysStart = text.indexOf(',"formatVersion":');
  const signatureStart = text.indexOf(',"signature":');
  t.true(definitionStart > 0 && keysStart > definitionStart && signatureStart > keysStart);
  const positions = [
    ...range(0, definitionStart + 16),
    ...range(definitionStart + 16, keysStart, 251),
    ...range(keysStart, signatureStart, 3),
    ...range(signatureStart, built.bytes.length),
  ];
  t.deepEqual(acceptedFlips(built.bytes, built.keys.onpeRoot, positions, () => 0x01), []);
});

test('a root-signed package that breaks the package rules is still refused', (t) => {
  const built = build(t, smallDefinition());
  const root = loadSigner(built.keysDir, 'onpe-root');
  if (!root.ok) return t.fail('no root');
  const original = verified(t, built).payload;
  const reseal = (payload: unknown): ReturnType<typeof verifyPackageBytes> =>
    verifyPackageBytes(sealEnvelope(ELECTION_PACKAGE_KIND, payload as object, root.value), built.keys.onpeRoot);
  const clone = (): Record<string, unknown> & typeof original => JSON.parse(JSON.stringify(original)) as typeof original & Record<string, unknown>;

  const cases: [string, (p: ReturnType<typeof clone>) => unknown, RegExp][] = [
    ['extra field', (p) => ({ ...p, extra: 1 }), /malformed content/],
    ['format version', (p) => ({ ...p, formatVersion: 2 }), /formatVersion/],
    ['invalid definition', (p) => ({ ...p, definition: { ...p.definition, mesa: { ...p.definition.mesa, number: '12' } } }), /definition is invalid/],
    ['missing cabin key', (p) => ({ ...p, keys: { ...p.keys, stations: { ...p.keys.stations, cabins: { 'cabin-1': p.keys.stations.cabins['cabin-1'] } } } }), /exactly cabin-1, cabin-2/],
    ['member order', (p) => ({ ...p, keys: { ...p.keys, members: [...p.keys.members].reverse() } }), /keys\.members\[0\] does not match/],
    ['unsorted codes', (p) => ({ ...p, authorizedSoftware: [CODE_B, CODE_A] }), /sorted and without duplicates/],
    ['shared key', (p) => ({ ...p, keys: { ...p.keys, stations: { ...p.keys.stations, results: p.keys.stations.identity } } }), /same public key is used for two roles/],
    ['bad key', (p) => ({ ...p, keys: { ...p.keys, centreBox: 'AAAA' } }), /keys\.centreBox: must be a 32-byte public key/],
    ['root key swapped', (p) => ({ ...p, keys: { ...p.keys, onpeRoot: p.keys.centreSigning } }), /onpeRoot is not the root key/],
  ];
  t.true(reseal(clone()).ok);
  for (const [name, mutate, message] of cases) {
    const result = reseal(mutate(clone()));
    t.false(result.ok, name);
    if (!result.ok) t.regex(describePackageError(result.error), message, name);
  }
});

test('loadVerifiedPackage reports unreadable files and non-packages', (t) => {
  const dir = tempDir(t);
  const built = build(t, smallDefinition());
  const missing = loadVerifiedPackage(path.join(dir, 'none'), built.keys.onpeRoot);
  t.false(missing.ok);
  if (!missing.ok) t.regex(describePackageError(missing.error), /cannot read election package .*none: ENOENT/);
  const cabin = loadSigner(built.keysDir, 'cabin-1');
  if (!cabin.ok) return t.fail('no signer');
  const wrong = path.join(dir, 'result');
  fs.writeFileSync(wrong, sealEnvelope('cabin-result', {}, cabin.value));
  const result = loadVerifiedPackage(wrong, built.keys.onpeRoot);
  t.false(result.ok);
  if (!result.ok) t.regex(describePackageError(result.error), /expected a signed election-package, found a cabin-result/);
  const file = path.join(dir, 'P');
  fs.writeFileSync(file, built.bytes);
  const ok = loadVerifiedPackage(file, built.keys.onpeRoot);
  t.true(ok.ok);
  if (ok.ok) t.deepEqual(ok.value.bytes, built.bytes);
});
