/**
 * Signed audit log head: closes the one gap a hash chain leaves open. Cutting entries off the
 * end, or rewriting the tail and recomputing every hash after it, yields a chain that is
 * internally consistent; only a head recorded elsewhere shows it. The station signs
 * {role, sequence, hash} with its key and puts the envelope in its signed closing results;
 * the auditor opens it here and passes `head` to verifyAuditLog as `expectedHead`.
 * Entries appended after signing (e.g. `log.verified` at the results station) stay valid.
 */
import { z } from 'zod';
import { openEnvelope, sealEnvelope, type EnvelopeError, type KeyResolver, type Signer } from '../crypto/envelope.ts';
import { err, ok, type Result } from '../result.ts';
import type { AuditLogHead } from './entry.ts';

export const AUDIT_LOG_HEAD_KIND = 'audit-log-head';

export interface SignedAuditLogHead {
  /** Station role whose log this is. */
  readonly role: string;
  /** Role of the key that signed (normally the same station). */
  readonly signer: string;
  readonly head: AuditLogHead;
}

export type SignedHeadError = EnvelopeError | { kind: 'bad-payload'; detail: string };

const headPayloadSchema = z.strictObject({
  role: z.string().min(1),
  sequence: z.number().int().min(0).safe(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});

export function signAuditLogHead(head: { role: string; sequence: number; hash: string }, signer: Signer): Uint8Array {
  return sealEnvelope(AUDIT_LOG_HEAD_KIND, { role: head.role, sequence: head.sequence, hash: head.hash }, signer);
}

export function openSignedAuditLogHead(bytes: Uint8Array, resolve: KeyResolver): Result<SignedAuditLogHead, SignedHeadError> {
  const opened = openEnvelope(bytes, AUDIT_LOG_HEAD_KIND, resolve);
  if (!opened.ok) return opened;
  const payload = headPayloadSchema.safeParse(opened.value.payload);
  if (!payload.success) return err({ kind: 'bad-payload', detail: z.prettifyError(payload.error) });
  const { role, sequence, hash } = payload.data;
  return ok({ role, signer: opened.value.signer, head: { sequence, hash } });
}
