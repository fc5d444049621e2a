/**
 * Audit log export: a station's whole audit log as one file on the consolidation device
 * (`registro-<role>.vep`), written at close next to the station's signed file, so that an
 * observer can check the log without the station's SQLite store.
 *
 * Format: canonical JSON `{format: 'vep-audit-export/1', role, entries: [...]}` with every entry
 * in sequence order and all eight fields of AuditEntry. It is NOT signed itself: what
 * authenticates it is the head (sequence, hash of the last entry) that the station already
 * signed into its closing file (cabin results, identity summary, mesa result). Each entry's hash
 * covers its content and its predecessor's hash, so the chain up to a signed head is as strong
 * as that signature: any edited, removed, inserted, reordered or truncated entry up to the head
 * is refused.
 *
 * Entries after the signed head (a station may log `log.head-signed`, `results.written` after
 * sealing its file) are accepted when they chain correctly, and reported as `unsignedTail`:
 * nothing signed vouches for them, and a reader should say so.
 *
 * The bytes must be exactly canonical, so that a byte changed anywhere (even one that leaves
 * the JSON valid and the entries intact) is refused: the file is a pure function of the log.
 *
 * Secrecy: the export holds exactly what the log holds; the log's own rules
 * (assertLoggableMessage, the event catalogue) keep voters and votes out of it.
 */
import { z } from 'zod';
import { canonicalJson, CanonicalJsonError } from '../crypto/canonical-json.ts';
import { err, ok, unreachable, type Result } from '../result.ts';
import { AUDIT_DISPOSITIONS, entryHash, GENESIS_HASH, type AuditEntry, type AuditLogHead } from './entry.ts';
import type { AuditLog } from './log.ts';

export const AUDIT_EXPORT_FORMAT = 'vep-audit-export/1';
/** Refused before parsing: a busy identity station writes a few thousand entries of < 400 bytes. */
export const MAX_AUDIT_EXPORT_BYTES = 64 * 1024 * 1024;

const ROLE = /^[a-z0-9-]+$/;
const HEX64 = /^[0-9a-f]{64}$/;
const EXPORT_FILE = /^registro-([a-z0-9-]+)\.vep$/;

/** File name of a station's export on the consolidation device, e.g. `registro-cabin-1.vep`. */
export function AUDIT_EXPORT_FILE_NAME(role: string): string {
  if (!ROLE.test(role)) throw new Error(`bug: audit role ${JSON.stringify(role)} is not lower-case letters, digits and dashes`);
  return `registro-${role}.vep`;
}

/** The role an export file name names, or undefined when it is not an export file name. */
export function auditExportRoleOfFileName(fileName: string): string | undefined {
  return EXPORT_FILE.exec(fileName)?.[1];
}

const entrySchema = z.strictObject({
  sequence: z.int().min(1),
  time: z.string().max(64),
  event: z.string().max(200),
  role: z.string().max(64),
  disposition: z.enum(AUDIT_DISPOSITIONS),
  message: z.string().max(10_000),
  prevHash: z.string().regex(HEX64, { message: 'must be 64 lowercase hexadecimal characters' }),
  hash: z.string().regex(HEX64, { message: 'must be 64 lowercase hexadecimal characters' }),
});

const exportSchema = z.strictObject({
  format: z.literal(AUDIT_EXPORT_FORMAT),
  role: z.string().regex(ROLE, { message: 'must be lower-case letters, digits and dashes' }),
  entries: z.array(entrySchema).max(10_000_000),
});

/** Every entry of the log, canonical JSON. */
export function exportAuditLog(log: AuditLog): Uint8Array {
  return exportAuditEntries(log.role, log.entries());
}

/** The same from entries already read (e.g. a station store that embeds the log). */
export function exportAuditEntries(role: string, entries: readonly AuditEntry[]): Uint8Array {
  const document = {
    format: AUDIT_EXPORT_FORMAT,
    role,
    entries: entries.map((e) => ({
      sequence: e.sequence,
      time: e.time,
      event: e.event,
      role: e.role,
      disposition: e.disposition,
      message: e.message,
      prevHash: e.prevHash,
      hash: e.hash,
    })),
  };
  const parsed = exportSchema.safeParse(document);
  if (!parsed.success) throw new Error(`bug: audit log of ${role} cannot be exported: ${z.prettifyError(parsed.error)}`);
  return new TextEncoder().encode(canonicalJson(document));
}

export interface VerifiedAuditExport {
  readonly role: string;
  readonly entries: readonly AuditEntry[];
  /** Head of the whole export (last entry). */
  readonly head: AuditLogHead;
  /** Entries after the expected (signed) head: chained, but vouched for by no signature. */
  readonly unsignedTail: number;
}

export type AuditExportProblem =
  | { readonly kind: 'too-large'; readonly size: number; readonly max: number }
  | { readonly kind: 'not-json'; readonly detail: string }
  | { readonly kind: 'not-canonical' }
  | { readonly kind: 'bad-shape'; readonly detail: string }
  | { readonly kind: 'wrong-role'; readonly expected: string; readonly found: string }
  | { readonly kind: 'entry-role'; readonly sequence: number; readonly role: string; readonly exportRole: string }
  /** Entry at position `index` carries sequence `found` instead of index + 1: removed, inserted or reordered. */
  | { readonly kind: 'out-of-sequence'; readonly index: number; readonly found: number }
  /** The entry's content does not match its hash: edited (or renumbered). */
  | { readonly kind: 'edited'; readonly sequence: number }
  /** The entry does not link to the entry before it: something between them was removed, inserted or replaced. */
  | { readonly kind: 'broken-chain'; readonly sequence: number }
  | { readonly kind: 'truncated'; readonly lastSequence: number; readonly expectedSequence: number }
  | { readonly kind: 'head-mismatch'; readonly sequence: number; readonly expectedHash: string; readonly foundHash: string };

export interface VerifyAuditExportOptions {
  /** When given, the export must be this station's. */
  readonly role?: string;
}

export function verifyAuditExport(
  bytes: Uint8Array,
  expectedHead: AuditLogHead,
  options: VerifyAuditExportOptions = {},
): Result<VerifiedAuditExport, AuditExportProblem[]> {
  if (bytes.length > MAX_AUDIT_EXPORT_BYTES) return err([{ kind: 'too-large', size: bytes.length, max: MAX_AUDIT_EXPORT_BYTES }]);
  let text: string;
  let value: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    value = JSON.parse(text);
  } catch (e) {
    return err([{ kind: 'not-json', detail: e instanceof Error ? e.message : String(e) }]);
  }
  try {
    if (canonicalJson(value) !== text) return err([{ kind: 'not-canonical' }]);
  } catch (e) {
    if (e instanceof CanonicalJsonError) return err([{ kind: 'not-canonical' }]);
    throw e;
  }
  const parsed = exportSchema.safeParse(value);
  if (!parsed.success) return err([{ kind: 'bad-shape', detail: z.prettifyError(parsed.error) }]);
  const { role, entries } = parsed.data;

  const problems: AuditExportProblem[] = [];
  if (options.role !== undefined && role !== options.role) problems.push({ kind: 'wrong-role', expected: options.role, found: role });
  let previousHash = GENESIS_HASH;
  for (const [index, entry] of entries.entries()) {
    if (entry.role !== role) problems.push({ kind: 'entry-role', sequence: entry.sequence, role: entry.role, exportRole: role });
    if (entry.sequence !== index + 1) problems.push({ kind: 'out-of-sequence', index, found: entry.sequence });
    if (entryHash(entry) !== entry.hash) problems.push({ kind: 'edited', sequence: entry.sequence });
    else if (entry.prevHash !== previousHash) problems.push({ kind: 'broken-chain', sequence: entry.sequence });
    previousHash = entry.hash;
  }

  const last = entries.at(-1);
  const head: AuditLogHead = last === undefined ? { sequence: 0, hash: GENESIS_HASH } : { sequence: last.sequence, hash: last.hash };
  if (expectedHead.sequence > entries.length) {
    problems.push({ kind: 'truncated', lastSequence: head.sequence, expectedSequence: expectedHead.sequence });
  } else {
    const atHead = expectedHead.sequence === 0 ? GENESIS_HASH : (entries[expectedHead.sequence - 1]?.hash ?? '');
    if (atHead !== expectedHead.hash) {
      problems.push({ kind: 'head-mismatch', sequence: expectedHead.sequence, expectedHash: expectedHead.hash, foundHash: atHead });
    }
  }
  if (problems.length > 0) return err(problems);
  return ok({ role, entries, head, unsignedTail: entries.length - expectedHead.sequence });
}

/** English, one line, for the observer tool and logs. */
export function describeAuditExportProblem(p: AuditExportProblem): string {
  switch (p.kind) {
    case 'too-large':
      return `audit log export is ${p.size} bytes, at most ${p.max} allowed`;
    case 'not-json':
      return `audit log export is not valid UTF-8 JSON (${p.detail})`;
    case 'not-canonical':
      return 'audit log export bytes are not in canonical form: it was edited after export';
    case 'bad-shape':
      return `audit log export has malformed content: ${p.detail}`;
    case 'wrong-role':
      return `audit log export is of station ${JSON.stringify(p.found)}, expected ${JSON.stringify(p.expected)}`;
    case 'entry-role':
      return `entry ${p.sequence} was written by ${JSON.stringify(p.role)}, not by the export's station ${JSON.stringify(p.exportRole)}`;
    case 'out-of-sequence':
      return `entry at position ${p.index + 1} has sequence ${p.found}: entries were removed, inserted or reordered`;
    case 'edited':
      return `entry ${p.sequence} was edited: its content does not match its hash`;
    case 'broken-chain':
      return `chain broken at entry ${p.sequence}: it does not link to the entry before it`;
    case 'truncated':
      return `audit log export ends at entry ${p.lastSequence} but the signed head is entry ${p.expectedSequence}`;
    case 'head-mismatch':
      return `entry ${p.sequence} has hash ${p.foundHash}, the signed head says ${p.expectedHash}: the log was rewritten`;
    default:
      return unreachable(p, 'audit export problem');
  }
}
