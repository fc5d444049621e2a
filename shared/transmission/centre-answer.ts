/**
 * The computing centre's answer to a transmission unit: a signed envelope by the package's
 * `centre` key, either a receipt (kind `transmission-receipt`) or a refusal (kind
 * `transmission-refusal`). Both are signed so that a station marks a mesa acknowledged or
 * refused only on the centre's word, never on a forged or replayed HTTP answer: each answer
 * names the plaintext sha256 it is about, which the station compares with what it sent.
 *
 * Receipts are idempotent: the centre stores the receipt bytes it issued first and returns
 * exactly those bytes for every later copy of the same file (same sha256).
 */
import { z } from 'zod';
import { describeEnvelopeError, openEnvelope, sealEnvelope, type EnvelopeError, type Signer } from '../crypto/envelope.ts';
import { CENTRE_SIGNING_ROLE } from '../crypto/keyset.ts';
import { resolvePackageKey, type VerifiedPackage } from '../election/package.ts';
import { err, ok, type Result } from '../result.ts';
import { TRANSMITTED_KINDS } from './transmission-package.ts';

export const RECEIPT_KIND = 'transmission-receipt';
export const REFUSAL_KIND = 'transmission-refusal';
export const ANSWER_FORMAT_VERSION = 1;

/** Why the centre refused; stable codes a station shows and logs. */
export const REFUSAL_REASONS = [
  'malformed',
  'other-election',
  'simulacro-to-real-centre',
  'real-to-simulacro-centre',
  'unknown-package',
  'bad-signature',
  'undecryptable',
  'invalid-result',
  'conflict',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const timestamp = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

export const receiptSchema = z.strictObject({
  formatVersion: z.literal(ANSWER_FORMAT_VERSION),
  electionId: z.string().max(64),
  mesa: z.string().max(16),
  kind: z.enum(TRANSMITTED_KINDS),
  sha256: hex64,
  packageHash: hex64,
  /** Position of this file in the centre's arrival order (1-based). */
  receiptNumber: z.int().min(1),
  receivedAt: timestamp,
});
export type Receipt = z.output<typeof receiptSchema>;

export const refusalSchema = z.strictObject({
  formatVersion: z.literal(ANSWER_FORMAT_VERSION),
  /** Claims of the refused unit when they could be read; null otherwise. */
  electionId: z.string().max(64).nullable(),
  mesa: z.string().max(16).nullable(),
  sha256: hex64.nullable(),
  /** sha256 of the unit bytes as received: binds the refusal to one request. */
  unitDigest: hex64,
  reason: z.enum(REFUSAL_REASONS),
  /** English, for operators and logs. */
  detail: z.string().max(4000),
  refusedAt: timestamp,
});
export type Refusal = z.output<typeof refusalSchema>;

export type CentreAnswer = { outcome: 'acknowledged'; receipt: Receipt; bytes: Uint8Array } | { outcome: 'refused'; refusal: Refusal; bytes: Uint8Array };

export function sealReceipt(receipt: Receipt, signer: Signer): Uint8Array {
  return sealEnvelope(RECEIPT_KIND, receipt, signer);
}

export function sealRefusal(refusal: Refusal, signer: Signer): Uint8Array {
  return sealEnvelope(REFUSAL_KIND, refusal, signer);
}

export type AnswerProblem = { kind: 'envelope'; error: EnvelopeError } | { kind: 'bad-payload'; detail: string };

export function describeAnswerProblem(p: AnswerProblem): string {
  return p.kind === 'envelope'
    ? `centre answer rejected: ${describeEnvelopeError(p.error)}`
    : `centre answer has a malformed payload: ${p.detail}`;
}

/** Opens a centre answer (receipt or refusal) signed by the package's `centre` key. */
export function openCentreAnswer(bytes: Uint8Array, pkg: VerifiedPackage): Result<CentreAnswer, AnswerProblem> {
  const resolve = resolvePackageKey(pkg);
  const centreOnly = (signer: string, id: string) => (signer === CENTRE_SIGNING_ROLE ? resolve(signer, id) : undefined);
  const asReceipt = openEnvelope(bytes, RECEIPT_KIND, centreOnly);
  if (asReceipt.ok) {
    const parsed = receiptSchema.safeParse(asReceipt.value.payload);
    if (!parsed.success) return err({ kind: 'bad-payload', detail: z.prettifyError(parsed.error) });
    return ok({ outcome: 'acknowledged', receipt: parsed.data, bytes });
  }
  if (asReceipt.error.kind !== 'wrong-kind') return err({ kind: 'envelope', error: asReceipt.error });
  const asRefusal = openEnvelope(bytes, REFUSAL_KIND, centreOnly);
  if (!asRefusal.ok) return err({ kind: 'envelope', error: asRefusal.error });
  const parsed = refusalSchema.safeParse(asRefusal.value.payload);
  if (!parsed.success) return err({ kind: 'bad-payload', detail: z.prettifyError(parsed.error) });
  return ok({ outcome: 'refused', refusal: parsed.data, bytes });
}

/** Time to the second in UTC, the form receipts carry. */
export function isoSecond(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
