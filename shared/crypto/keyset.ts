/**
 * Key sets for a simulacro or test election: every key pair the system needs, written as
 *
 *   DIR/public/<role>.json  {role, algorithm, publicKey}            (mode 0644, dir 0755)
 *   DIR/secret/<role>.json  {role, algorithm, publicKey, secretKey} (mode 0600, dir 0700)
 *
 * Roles: `onpe-root` (signs election packages), `centre` (computing centre, signs receipts),
 * `centre-box` (computing centre X25519 encryption pair, tweetnacl `box`), one signing pair per
 * station of the mesa (`identity`, `cabin-1`..`cabin-N`, `results`, `transmission`) and member
 * credentials `member-1`..`member-N` (they live on the members' activation devices).
 *
 * For Ed25519 the `secretKey` is the 32-byte RFC 8032 seed (not tweetnacl's 64-byte secret);
 * for X25519 it is the 32-byte `box` secret key. The public key is repeated in the secret file
 * so that a secret paired with the wrong public file is detected at load time.
 *
 * Secrets never reach a message: errors about a secret file name the file and the rule it
 * breaks, never its content (not even the JSON parser's message, which quotes the text).
 */
import fs from 'node:fs';
import path from 'node:path';
import nacl from 'tweetnacl';
import { z } from 'zod';
import { generateSigningKeyPair, keyId, publicKeyFromSeed } from './ed25519.ts';
import { fromBase64Strict, toBase64 } from './base64.ts';
import type { Signer } from './envelope.ts';
import { err, ok, type Result } from '../result.ts';

export const ONPE_ROOT_ROLE = 'onpe-root';
export const CENTRE_SIGNING_ROLE = 'centre';
export const CENTRE_BOX_ROLE = 'centre-box';
export const IDENTITY_ROLE = 'identity';
export const RESULTS_ROLE = 'results';
export const TRANSMISSION_ROLE = 'transmission';

export const DEFAULT_CABINS = 2;
export const DEFAULT_MEMBERS = 9;
/** Generous upper bounds: a mesa has 2 cabins and at most 9 members (3 titular + 6 substitute). */
export const MAX_CABINS = 50;
export const MAX_MEMBERS = 50;

export type Algorithm = 'ed25519' | 'x25519';

export function cabinRole(n: number): string {
  return `cabin-${n}`;
}

export function memberRole(n: number): string {
  return `member-${n}`;
}

const ROLE_PATTERN = /^(onpe-root|centre|centre-box|identity|results|transmission|cabin-[1-9][0-9]*|member-[1-9][0-9]*)$/;

export function isKeyRole(role: string): boolean {
  return ROLE_PATTERN.test(role);
}

function algorithmOf(role: string): Algorithm {
  return role === CENTRE_BOX_ROLE ? 'x25519' : 'ed25519';
}

export interface KeySetOptions {
  readonly cabins?: number;
  readonly members?: number;
  /** Replace an existing key set (its public/ and secret/ folders are removed first). */
  readonly force?: boolean;
}

/** Public half of a key set, as stations and the package builder need it. */
export interface PublicKeySet {
  readonly onpeRoot: Uint8Array;
  readonly centreSigning: Uint8Array;
  readonly centreBox: Uint8Array;
  readonly identity: Uint8Array;
  readonly results: Uint8Array;
  readonly transmission: Uint8Array;
  /** Index 0 is `cabin-1`. */
  readonly cabins: readonly Uint8Array[];
  /** Index 0 is `member-1`. */
  readonly members: readonly Uint8Array[];
}

export interface PublicKeyRecord {
  readonly role: string;
  readonly algorithm: Algorithm;
  readonly publicKey: Uint8Array;
}

export interface BoxKeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

export interface GeneratedKeySet {
  readonly dir: string;
  /** Roles in generation order with their key ids (safe to print). */
  readonly roles: readonly { role: string; algorithm: Algorithm; keyId: string }[];
}

export type KeySetError =
  | { kind: 'bad-option'; detail: string }
  | { kind: 'exists'; dir: string }
  | { kind: 'io'; file: string; detail: string }
  | { kind: 'missing-file'; file: string }
  | { kind: 'bad-file'; file: string; detail: string }
  | { kind: 'key-mismatch'; file: string }
  | { kind: 'incomplete'; dir: string; detail: string };

export function describeKeySetError(e: KeySetError): string {
  switch (e.kind) {
    case 'bad-option':
      return `invalid key set option: ${e.detail}`;
    case 'exists':
      return `a key set already exists in ${e.dir} (use --force to replace it)`;
    case 'io':
      return `cannot access ${e.file}: ${e.detail}`;
    case 'missing-file':
      return `key file ${e.file} is missing`;
    case 'bad-file':
      return `key file ${e.file} is invalid: ${e.detail}`;
    case 'key-mismatch':
      return `key file ${e.file} is invalid: its secret key does not belong to its public key`;
    case 'incomplete':
      return `key set in ${e.dir} is incomplete: ${e.detail}`;
  }
}

export function publicDir(dir: string): string {
  return path.join(dir, 'public');
}

export function secretDir(dir: string): string {
  return path.join(dir, 'secret');
}

export function publicKeyFile(dir: string, role: string): string {
  return path.join(publicDir(dir), `${role}.json`);
}

export function secretKeyFile(dir: string, role: string): string {
  return path.join(secretDir(dir), `${role}.json`);
}

/** All roles of a key set with the given sizes, in a stable order. */
export function keySetRoles(cabins: number, members: number): string[] {
  return [
    ONPE_ROOT_ROLE,
    CENTRE_SIGNING_ROLE,
    CENTRE_BOX_ROLE,
    IDENTITY_ROLE,
    ...Array.from({ length: cabins }, (_, i) => cabinRole(i + 1)),
    RESULTS_ROLE,
    TRANSMISSION_ROLE,
    ...Array.from({ length: members }, (_, i) => memberRole(i + 1)),
  ];
}

function ioDetail(e: unknown): string {
  if (e instanceof Error && 'code' in e && typeof e.code === 'string') return e.code;
  return e instanceof Error ? e.message : String(e);
}

function checkCount(name: string, value: number, max: number): Result<number, KeySetError> {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    return err({ kind: 'bad-option', detail: `${name} must be an integer from 1 to ${max}, got ${String(value)}` });
  }
  return ok(value);
}

export function generateKeySet(dir: string, options: KeySetOptions = {}): Result<GeneratedKeySet, KeySetError> {
  const cabins = checkCount('cabins', options.cabins ?? DEFAULT_CABINS, MAX_CABINS);
  if (!cabins.ok) return cabins;
  const members = checkCount('members', options.members ?? DEFAULT_MEMBERS, MAX_MEMBERS);
  if (!members.ok) return members;

  const pub = publicDir(dir);
  const sec = secretDir(dir);
  const existing = [pub, sec].filter((p) => fs.existsSync(p));
  if (existing.length > 0 && !options.force) return err({ kind: 'exists', dir });

  let current = dir;
  try {
    fs.mkdirSync(dir, { recursive: true });
    for (const p of existing) {
      current = p;
      fs.rmSync(p, { recursive: true, force: true });
    }
    current = pub;
    fs.mkdirSync(pub, { mode: 0o755 });
    // Created 0700 from the start: there is no moment when the folder is readable by others.
    current = sec;
    fs.mkdirSync(sec, { mode: 0o700 });
  } catch (e) {
    return err({ kind: 'io', file: current, detail: ioDetail(e) });
  }

  const roles: { role: string; algorithm: Algorithm; keyId: string }[] = [];
  for (const role of keySetRoles(cabins.value, members.value)) {
    const algorithm = algorithmOf(role);
    let publicKey: Uint8Array;
    let secretKey: Uint8Array;
    if (algorithm === 'x25519') {
      const pair = nacl.box.keyPair();
      publicKey = pair.publicKey;
      secretKey = pair.secretKey;
    } else {
      const pair = generateSigningKeyPair();
      publicKey = pair.publicKey;
      secretKey = pair.seed;
    }
    const publicJson = { role, algorithm, publicKey: toBase64(publicKey) };
    const written =
      writeNewFile(secretKeyFile(dir, role), { ...publicJson, secretKey: toBase64(secretKey) }, 0o600) ??
      writeNewFile(publicKeyFile(dir, role), publicJson, 0o644);
    secretKey.fill(0);
    if (written) return err(written);
    roles.push({ role, algorithm, keyId: keyId(publicKey) });
  }
  return ok({ dir, roles });
}

/** Exclusive create with the final mode passed to open(2): the file is never more readable. */
function writeNewFile(file: string, content: object, mode: number): KeySetError | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'wx', mode);
    fs.writeSync(fd, `${JSON.stringify(content, null, 2)}\n`);
    fs.fsyncSync(fd);
    return undefined;
  } catch (e) {
    return { kind: 'io', file, detail: ioDetail(e) };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

const key32 = z.string().transform((text, ctx) => {
  const bytes = fromBase64Strict(text, 32);
  if (!bytes.ok) {
    ctx.addIssue({ code: 'custom', message: `must be 32 bytes in canonical base64 (${bytes.error})` });
    return z.NEVER;
  }
  return bytes.value;
});

const roleSchema = z.string().regex(ROLE_PATTERN, { message: 'unknown key role' });
const algorithmSchema = z.enum(['ed25519', 'x25519']);

const publicFileSchema = z.strictObject({ role: roleSchema, algorithm: algorithmSchema, publicKey: key32 });
const secretFileSchema = z.strictObject({
  role: roleSchema,
  algorithm: algorithmSchema,
  publicKey: key32,
  secretKey: key32,
});

function formatIssues(error: z.ZodError): string {
  // Issue messages name the field and the rule; they never quote the value.
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(file)'}: ${i.message}`).join('; ');
}

function readKeyJson(file: string): Result<unknown, KeySetError> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof Error && 'code' in e && e.code === 'ENOENT') return err({ kind: 'missing-file', file });
    return err({ kind: 'io', file, detail: ioDetail(e) });
  }
  try {
    return ok(JSON.parse(text) as unknown);
  } catch {
    // V8's message quotes the text around the error: for a secret file that is the secret.
    return err({ kind: 'bad-file', file, detail: 'not valid JSON' });
  }
}

function checkRecord(file: string, role: string, found: { role: string; algorithm: Algorithm }): KeySetError | undefined {
  if (found.role !== role) return { kind: 'bad-file', file, detail: `holds role ${found.role}, expected ${role}` };
  const expected = algorithmOf(role);
  if (found.algorithm !== expected) {
    return { kind: 'bad-file', file, detail: `algorithm is ${found.algorithm}, expected ${expected}` };
  }
  return undefined;
}

/** Reads and validates DIR/public/<role>.json. */
export function loadPublicKeyFile(dir: string, role: string): Result<PublicKeyRecord, KeySetError> {
  const file = publicKeyFile(dir, role);
  const json = readKeyJson(file);
  if (!json.ok) return json;
  const parsed = publicFileSchema.safeParse(json.value);
  if (!parsed.success) return err({ kind: 'bad-file', file, detail: formatIssues(parsed.error) });
  const problem = checkRecord(file, role, parsed.data);
  if (problem) return err(problem);
  return ok(parsed.data);
}

function loadSecretFile(dir: string, role: string): Result<z.infer<typeof secretFileSchema>, KeySetError> {
  const file = secretKeyFile(dir, role);
  const json = readKeyJson(file);
  if (!json.ok) return json;
  const parsed = secretFileSchema.safeParse(json.value);
  if (!parsed.success) return err({ kind: 'bad-file', file, detail: formatIssues(parsed.error) });
  const problem = checkRecord(file, role, parsed.data);
  if (problem) return err(problem);
  return ok(parsed.data);
}

/** Counts `<prefix>-1..N.json` in the public folder and refuses gaps (cabin-1, cabin-3). */
const NUMBERED_PATTERNS = { cabin: /^cabin-([1-9][0-9]*)\.json$/, member: /^member-([1-9][0-9]*)\.json$/ } as const;

function countNumbered(dir: string, prefix: 'cabin' | 'member', names: readonly string[]): Result<number, KeySetError> {
  const pattern = NUMBERED_PATTERNS[prefix];
  const numbers = names
    .map((n) => pattern.exec(n)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  if (numbers.length === 0) return err({ kind: 'incomplete', dir, detail: `no ${prefix} keys` });
  const gap = numbers.findIndex((n, i) => n !== i + 1);
  if (gap !== -1) return err({ kind: 'incomplete', dir, detail: `${prefix}-${gap + 1} is missing` });
  return ok(numbers.length);
}

export function loadPublicKeys(dir: string): Result<PublicKeySet, KeySetError> {
  let names: string[];
  try {
    names = fs.readdirSync(publicDir(dir));
  } catch (e) {
    if (e instanceof Error && 'code' in e && e.code === 'ENOENT') return err({ kind: 'missing-file', file: publicDir(dir) });
    return err({ kind: 'io', file: publicDir(dir), detail: ioDetail(e) });
  }
  const cabins = countNumbered(dir, 'cabin', names);
  if (!cabins.ok) return cabins;
  const members = countNumbered(dir, 'member', names);
  if (!members.ok) return members;

  const keys = new Map<string, Uint8Array>();
  for (const role of keySetRoles(cabins.value, members.value)) {
    const record = loadPublicKeyFile(dir, role);
    if (!record.ok) return record;
    keys.set(role, record.value.publicKey);
  }
  const get = (role: string): Uint8Array => {
    const key = keys.get(role);
    if (!key) throw new Error(`bug: role ${role} was not loaded`);
    return key;
  };
  return ok({
    onpeRoot: get(ONPE_ROOT_ROLE),
    centreSigning: get(CENTRE_SIGNING_ROLE),
    centreBox: get(CENTRE_BOX_ROLE),
    identity: get(IDENTITY_ROLE),
    results: get(RESULTS_ROLE),
    transmission: get(TRANSMISSION_ROLE),
    cabins: Array.from({ length: cabins.value }, (_, i) => get(cabinRole(i + 1))),
    members: Array.from({ length: members.value }, (_, i) => get(memberRole(i + 1))),
  });
}

/** Loads DIR/secret/<role>.json as an envelope signer (Ed25519 roles only). */
export function loadSigner(dir: string, role: string): Result<Signer, KeySetError> {
  const file = secretKeyFile(dir, role);
  if (!isKeyRole(role) || algorithmOf(role) !== 'ed25519') {
    return err({ kind: 'bad-option', detail: `${role} is not a signing key role` });
  }
  const loaded = loadSecretFile(dir, role);
  if (!loaded.ok) return loaded;
  const { secretKey: seed, publicKey } = loaded.value;
  if (!Buffer.from(publicKeyFromSeed(seed)).equals(publicKey)) return err({ kind: 'key-mismatch', file });
  return ok({ role, seed, publicKey });
}

/** Loads the computing centre's X25519 `box` key pair (DIR/secret/centre-box.json). */
export function loadBoxSecret(dir: string): Result<BoxKeyPair, KeySetError> {
  const file = secretKeyFile(dir, CENTRE_BOX_ROLE);
  const loaded = loadSecretFile(dir, CENTRE_BOX_ROLE);
  if (!loaded.ok) return loaded;
  const { secretKey, publicKey } = loaded.value;
  if (!Buffer.from(nacl.box.keyPair.fromSecretKey(secretKey).publicKey).equals(publicKey)) {
    return err({ kind: 'key-mismatch', file });
  }
  return ok({ publicKey, secretKey });
}
