import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { entryHash, type AuditEntry } from '../shared/audit/entry.ts';
import {
  AUDIT_EXPORT_FILE_NAME,
  auditExportRoleOfFileName,
  describeAuditExportProblem,
  exportAuditEntries,
  exportAuditLog,
  verifyAuditExport,
  type AuditExportProblem,
} from '../shared/audit/export.ts';
import { GENESIS_HASH, openAuditLog, type AuditEventId, type AuditLogHead } from '../shared/audit/log.ts';
import { canonicalJson } from '../shared/crypto/canonical-json.ts';

const script: AuditEventId[] = ['station.boot', 'software.verified', 'package.verified', 'puesta-a-cero.printed', 'voting.opened'];

interface Written {
  readonly bytes: Uint8Array;
  readonly head: AuditLogHead;
  readonly entries: AuditEntry[];
}

function writeLog(t: ExecutionContext, count = 12, role = 'cabin-1'): Written {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  let ms = Date.parse('2026-04-12T12:00:00Z');
  const opened = openAuditLog(path.join(dir, 'audit.db'), { role, clock: () => new Date((ms += 5000)) });
  if (!opened.ok) throw new Error(JSON.stringify(opened.error));
  const log = opened.value;
  for (let i = 0; i < count; i++) log.append(script[i % script.length] ?? 'station.boot', { message: `step ${i}` });
  const head = log.head();
  const bytes = exportAuditLog(log);
  const entries = log.entries();
  log.close();
  return { bytes, head, entries };
}

function problems(result: ReturnType<typeof verifyAuditExport>): AuditExportProblem[] {
  return result.ok ? [] : result.error;
}

function kinds(result: ReturnType<typeof verifyAuditExport>): string[] {
  return problems(result).map((p) => p.kind);
}

/** Re-encodes a tampered entry list canonically (as a careful forger would). */
function reexport(entries: AuditEntry[], role = 'cabin-1'): Uint8Array {
  return new TextEncoder().encode(canonicalJson({ format: 'vep-audit-export/1', role, entries }));
}

/** Recomputes hashes and links from `from` on, so the chain is internally consistent. */
function rechain(entries: AuditEntry[]): AuditEntry[] {
  let previous = GENESIS_HASH;
  return entries.map((e, i) => {
    const unhashed = { ...e, sequence: i + 1, prevHash: previous };
    const hash = entryHash(unhashed);
    previous = hash;
    return { ...unhashed, hash };
  });
}

test('file names name the role and back', (t) => {
  t.is(AUDIT_EXPORT_FILE_NAME('cabin-1'), 'registro-cabin-1.vep');
  t.is(auditExportRoleOfFileName('registro-identity.vep'), 'identity');
  t.is(auditExportRoleOfFileName('resultado-mesa.vep'), undefined);
  t.throws(() => AUDIT_EXPORT_FILE_NAME('Cabin 1'));
});

test('round trip: the export verifies against its head and gives back every entry', (t) => {
  const w = writeLog(t);
  const result = verifyAuditExport(w.bytes, w.head, { role: 'cabin-1' });
  if (!result.ok) return t.fail(result.error.map(describeAuditExportProblem).join('; '));
  t.deepEqual([...result.value.entries], w.entries);
  t.deepEqual(result.value.head, w.head);
  t.is(result.value.role, 'cabin-1');
  t.is(result.value.unsignedTail, 0);
  // Deterministic: a pure function of the log.
  t.deepEqual(exportAuditEntries('cabin-1', w.entries), w.bytes);
});

test('an empty log exports and verifies against the genesis head', (t) => {
  const bytes = exportAuditEntries('results', []);
  const result = verifyAuditExport(bytes, { sequence: 0, hash: GENESIS_HASH });
  t.true(result.ok);
});

test('entries after the signed head are accepted and counted as unsigned', (t) => {
  const w = writeLog(t, 12);
  const earlier = w.entries[8];
  if (earlier === undefined) return t.fail();
  const result = verifyAuditExport(w.bytes, { sequence: earlier.sequence, hash: earlier.hash });
  t.true(result.ok);
  if (result.ok) t.is(result.value.unsignedTail, 3);
});

test('an edited entry is refused', (t) => {
  const w = writeLog(t);
  const entries = w.entries.map((e) => (e.sequence === 4 ? { ...e, message: 'nothing happened' } : e));
  const result = verifyAuditExport(reexport(entries), w.head);
  t.deepEqual(kinds(result), ['edited']);
  t.regex(problems(result).map(describeAuditExportProblem).join(), /entry 4 was edited/);
});

test('a removed entry is refused, even with the chain rebuilt, against the signed head', (t) => {
  const w = writeLog(t);
  const removed = w.entries.filter((e) => e.sequence !== 5);
  const plain = kinds(verifyAuditExport(reexport(removed), w.head));
  t.true(plain.includes('out-of-sequence'));
  t.true(plain.includes('broken-chain'));
  const rebuilt = rechain(removed);
  const result = verifyAuditExport(reexport(rebuilt), w.head);
  t.false(result.ok);
  t.true(kinds(result).includes('truncated'));
});

test('reordered entries are refused, renumbered or not', (t) => {
  const w = writeLog(t);
  const swapped = [...w.entries];
  const a = swapped[2];
  const b = swapped[3];
  if (a === undefined || b === undefined) return t.fail();
  swapped[2] = b;
  swapped[3] = a;
  t.true(kinds(verifyAuditExport(reexport(swapped), w.head)).includes('out-of-sequence'));
  const renumbered = swapped.map((e, i) => ({ ...e, sequence: i + 1 }));
  const result = verifyAuditExport(reexport(renumbered), w.head);
  t.true(kinds(result).includes('edited'));
  // Rebuilding the whole chain in the new order still fails against the signed head.
  t.deepEqual(kinds(verifyAuditExport(reexport(rechain(swapped)), w.head)), ['head-mismatch']);
});

test('a truncated export is refused against the head', (t) => {
  const w = writeLog(t);
  const result = verifyAuditExport(reexport(w.entries.slice(0, -2)), w.head);
  t.deepEqual(kinds(result), ['truncated']);
  t.regex(problems(result).map(describeAuditExportProblem).join(), /ends at entry 10 but the signed head is entry 12/);
});

test('an inserted entry is refused', (t) => {
  const w = writeLog(t);
  const first = w.entries[0];
  if (first === undefined) return t.fail();
  const forged = { ...first, message: 'forged' };
  const inserted = [...w.entries.slice(0, 1), { ...forged, hash: entryHash(forged) }, ...w.entries.slice(1)];
  t.false(verifyAuditExport(reexport(inserted), w.head).ok);
});

test('bytes that are not canonical, not JSON, of another station or with foreign entries are refused', (t) => {
  const w = writeLog(t);
  const text = new TextDecoder().decode(w.bytes);
  t.deepEqual(kinds(verifyAuditExport(new TextEncoder().encode(`${text} `), w.head)), ['not-canonical']);
  t.deepEqual(kinds(verifyAuditExport(new TextEncoder().encode(text.slice(0, -1)), w.head)), ['not-json']);
  t.deepEqual(kinds(verifyAuditExport(w.bytes, w.head, { role: 'identity' })), ['wrong-role']);
  t.true(kinds(verifyAuditExport(reexport(w.entries, 'cabin-2'), w.head)).includes('entry-role'));
  t.deepEqual(kinds(verifyAuditExport(new TextEncoder().encode('{"entries":[]}'), w.head)), ['bad-shape']);
});

test('every single flipped byte is refused', (t) => {
  const w = writeLog(t, 6);
  for (let i = 0; i < w.bytes.length; i++) {
    const copy = new Uint8Array(w.bytes);
    copy[i] = (copy[i] ?? 0) ^ 0x01;
    if (verifyAuditExport(copy, w.head).ok) return t.fail(`flip at byte ${i} was accepted`);
  }
  t.pass();
});
