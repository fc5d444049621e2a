/**
 * One audit log entry: its fields, its hash, and the rules for what it may say.
 *
 * hash = sha256(canonicalJson({sequence, time, event, role, disposition, message, prevHash})).
 * The sequence is inside the hash, so renumbering an entry is as visible as editing it, and
 * prevHash chains each entry to the one before.
 *
 * Genesis: entry 1's prevHash is 64 zeros. We considered seeding it with a hash of the
 * station/election identity, but the role is already inside every hashed entry, and what binds
 * a log to a station and an election is the signed head (./head.ts) that the station puts in
 * its signed closing results; a fixed genesis keeps a log verifiable with nothing but the file.
 */
import { canonicalJson } from '../crypto/canonical-json.ts';
import { sha256Hex } from '../crypto/hash.ts';
import type { AuditDisposition } from './events.ts';

export const GENESIS_HASH = '0'.repeat(64);

export const AUDIT_DISPOSITIONS = ['success', 'failure', 'info', 'warning'] as const satisfies readonly AuditDisposition[];

export interface AuditEntry {
  /** 1, 2, 3, ... with no gaps. */
  readonly sequence: number;
  /** ISO 8601 UTC to the second, e.g. 2026-04-12T13:05:09Z. */
  readonly time: string;
  /** An id from the catalogue in ./events.ts (kept as a string: old logs outlive catalogues). */
  readonly event: string;
  /** Station role that wrote the entry, e.g. cabin-1. */
  readonly role: string;
  readonly disposition: AuditDisposition;
  /** English, for auditors. Never voter identity or vote content: see assertLoggableMessage. */
  readonly message: string;
  readonly prevHash: string;
  readonly hash: string;
}

export interface AuditLogHead {
  /** Sequence of the last entry; 0 for an empty log. */
  readonly sequence: number;
  /** Hash of the last entry; GENESIS_HASH for an empty log. */
  readonly hash: string;
}

export function entryHash(entry: Omit<AuditEntry, 'hash'>): string {
  return sha256Hex(
    canonicalJson({
      sequence: entry.sequence,
      time: entry.time,
      event: entry.event,
      role: entry.role,
      disposition: entry.disposition,
      message: entry.message,
      prevHash: entry.prevHash,
    }),
  );
}

/**
 * Seconds, not milliseconds: enough to reconstruct what happened at a station, and no finer
 * than needed. Timestamps cannot link a voter to a vote because the two halves never meet in
 * any log: the identity station logs `voter.checked` without the DNI, and the cabin logs
 * `ballot.committed` without the ballot id, while the vote store keeps no time and no order
 * (see ../storage/secrecy.ts). Knowing that "someone" voted at 10:41:07 reveals nothing the
 * queue outside the mesa did not already show.
 */
export function formatAuditTime(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new Error('audit clock returned an invalid date');
  return `${date.toISOString().slice(0, 19)}Z`;
}

/**
 * An 8-digit number standing alone (not part of a longer number or of a hex string such as a
 * hash, where runs of decimal digits occur by chance): the shape of a Peruvian DNI.
 */
const DNI_SHAPED = /(?<![0-9A-Za-z])[0-9]{8}(?![0-9A-Za-z])/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what we refuse
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * The secrecy rule for every log entry, in every station: no DNI or voter name, no ballot id,
 * no token nonce, no selections or vote content, and nothing that pairs a voter with a token,
 * a cabin or a vote. What can be checked mechanically is checked here, and a violation throws:
 * it is a bug in the caller, never an expected outcome. Control characters are refused too, so
 * an entry prints as one line.
 */
export function assertLoggableMessage(message: string): void {
  if (DNI_SHAPED.test(message)) {
    throw new Error('audit message contains an 8-digit number (DNI-shaped): voter identity must never be logged');
  }
  if (CONTROL.test(message)) throw new Error('audit message contains control characters');
}
