/**
 * The reference computing centre's reception logic, transport-free: unit bytes in, a signed
 * answer out. The HTTP(S) server (./server.ts) and the bench call the same function.
 *
 * Order of checks (cheap refusals first, each with its own reason code):
 *   parse claims -> other election -> simulacro/real mode -> package known -> mesa of the
 *   package -> transmission signature -> decrypt + sha256 -> verifyMesaResult (results key,
 *   member signatures, package, mesa, election, tally rules) -> simulacro flag of the acta ->
 *   store: same file again = the stored receipt (idempotent); another result for a mesa that has
 *   one = refused as a conflict, recorded, never overwritten.
 * The claims read before the signature check only choose a package or cause a refusal; nothing
 * is stored on an unverified claim (a conflict is recorded only after full verification).
 */
import { sha256Hex } from '../shared/crypto/hash.ts';
import type { Signer } from '../shared/crypto/envelope.ts';
import { canonicalJson } from '../shared/crypto/canonical-json.ts';
import type { VerifiedPackage } from '../shared/election/package.ts';
import { describeMesaResultProblem, verifyMesaResult } from '../shared/results/mesa-result.ts';
import {
  isoSecond,
  sealReceipt,
  sealRefusal,
  type CentreAnswer,
  type Receipt,
  type RefusalReason,
} from '../shared/transmission/centre-answer.ts';
import {
  decryptTransmission,
  describeTransmissionProblem,
  openTransmission,
  peekTransmission,
  type TransmissionPayload,
} from '../shared/transmission/transmission-package.ts';
import type { PackageDirectory } from './packages.ts';
import type { CentreStore, MesaResultRow } from './store.ts';
import { contestKey, contestLabels } from './tally.ts';

export interface ReceiverDeps {
  readonly store: CentreStore;
  readonly packages: PackageDirectory;
  /** The centre's `centre` signing key (receipts and refusals). */
  readonly signer: Signer;
  /** The centre's X25519 `box` secret key. */
  readonly boxSecret: Uint8Array;
  readonly clock: () => Date;
  /** Called for every refusal and conflict (logging); optional. */
  readonly onEvent?: (event: ReceiverEvent) => void;
}

export type ReceiverEvent =
  | { kind: 'acknowledged'; mesa: string; file: string; duplicate: boolean; receiptNumber: number }
  | { kind: 'refused'; mesa: string | null; reason: RefusalReason; detail: string };

export interface ReceiverAnswer {
  /** 200 receipt, 409 conflict, 422 other refusals, 400 unreadable. */
  readonly httpStatus: number;
  readonly answer: CentreAnswer;
}

function httpStatusOf(reason: RefusalReason): number {
  if (reason === 'malformed') return 400;
  if (reason === 'conflict') return 409;
  return 422;
}

export function createReceiver(deps: ReceiverDeps): (unitBytes: Uint8Array) => ReceiverAnswer {
  const labelsSaved = new Set<string>(deps.store.labels().keys());

  const refuse = (unitBytes: Uint8Array, claims: TransmissionPayload | undefined, reason: RefusalReason, detail: string): ReceiverAnswer => {
    const refusal = {
      formatVersion: 1 as const,
      electionId: claims?.electionId ?? null,
      mesa: claims?.mesa ?? null,
      sha256: claims?.sha256 ?? null,
      unitDigest: sha256Hex(unitBytes),
      reason,
      detail: detail.slice(0, 4000),
      refusedAt: isoSecond(deps.clock()),
    };
    deps.onEvent?.({ kind: 'refused', mesa: refusal.mesa, reason, detail: refusal.detail });
    return { httpStatus: httpStatusOf(reason), answer: { outcome: 'refused', refusal, bytes: sealRefusal(refusal, deps.signer) } };
  };

  const acknowledge = (receiptBytes: Uint8Array, receipt: Receipt, duplicate: boolean): ReceiverAnswer => {
    deps.onEvent?.({ kind: 'acknowledged', mesa: receipt.mesa, file: receipt.kind, duplicate, receiptNumber: receipt.receiptNumber });
    return { httpStatus: 200, answer: { outcome: 'acknowledged', receipt, bytes: receiptBytes } };
  };

  const saveLabels = (pkg: VerifiedPackage): void => {
    for (const contest of pkg.payload.definition.contests) {
      const key = contestKey(contest);
      if (labelsSaved.has(key)) continue;
      deps.store.saveLabels(key, canonicalJson(contestLabels(contest)));
      labelsSaved.add(key);
    }
  };

  return (unitBytes) => {
    const peeked = peekTransmission(unitBytes);
    if (!peeked.ok) return refuse(unitBytes, undefined, 'malformed', describeTransmissionProblem(peeked.error));
    const claims = peeked.value;
    const { packages } = deps;
    if (claims.electionId !== packages.electionId) {
      return refuse(
        unitBytes,
        claims,
        'other-election',
        `this centre receives results of election ${JSON.stringify(packages.electionId)}, not ${JSON.stringify(claims.electionId)}`,
      );
    }
    if (claims.simulacro !== packages.simulacro) {
      return claims.simulacro
        ? refuse(unitBytes, claims, 'simulacro-to-real-centre', 'a simulacro result is refused by a real-election computing centre')
        : refuse(unitBytes, claims, 'real-to-simulacro-centre', 'a real-election result is refused by a simulacro computing centre');
    }
    const pkg = packages.byHash(claims.packageHash);
    if (pkg === undefined) {
      return refuse(unitBytes, claims, 'unknown-package', `election package ${claims.packageHash} is not one this centre was given`);
    }
    if (pkg.payload.definition.mesa.number !== claims.mesa) {
      return refuse(unitBytes, claims, 'unknown-package', `election package ${claims.packageHash} is for mesa ${pkg.payload.definition.mesa.number}, not ${claims.mesa}`);
    }
    const opened = openTransmission(unitBytes, pkg);
    if (!opened.ok) return refuse(unitBytes, claims, 'bad-signature', describeTransmissionProblem(opened.error));
    const unit = opened.value;
    const plaintext = decryptTransmission(unit, deps.boxSecret);
    if (!plaintext.ok) return refuse(unitBytes, unit, 'undecryptable', describeTransmissionProblem(plaintext.error));

    const newReceipt = (seq: number): Receipt => ({
      formatVersion: 1,
      electionId: unit.electionId,
      mesa: unit.mesa,
      kind: unit.kind,
      sha256: unit.sha256,
      packageHash: unit.packageHash,
      receiptNumber: seq,
      receivedAt: isoSecond(deps.clock()),
    });
    const storedReceipt = (bytes: Uint8Array, seq: number): Receipt => {
      // Rebuilt from the stored bytes' own payload, so a duplicate gets exactly what was issued.
      const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { payload: Receipt };
      if (parsed.payload.receiptNumber !== seq) throw new Error('bug: stored receipt does not match its row');
      return parsed.payload;
    };
    const newFile = {
      kind: unit.kind,
      electionId: unit.electionId,
      mesa: unit.mesa,
      sha256: unit.sha256,
      packageHash: unit.packageHash,
      receivedAt: isoSecond(deps.clock()),
      content: plaintext.value,
    };

    if (unit.kind === 'acta-image') {
      const existing = deps.store.findFile('acta-image', unit.mesa, unit.sha256);
      if (existing !== undefined) return acknowledge(existing.receipt, storedReceipt(existing.receipt, existing.seq), true);
      let receipt: Receipt | undefined;
      const stored = deps.store.insertFile(newFile, undefined, (seq) => sealReceipt((receipt = newReceipt(seq)), deps.signer));
      if (receipt === undefined) throw new Error('bug: receipt not made');
      return acknowledge(stored.receipt, receipt, false);
    }

    const verified = verifyMesaResult(plaintext.value, { pkg });
    if (!verified.ok) {
      return refuse(unitBytes, unit, 'invalid-result', verified.error.map(describeMesaResultProblem).join('; '));
    }
    const acta = verified.value.acta.data;
    if (acta.simulacro !== packages.simulacro) {
      return refuse(
        unitBytes,
        unit,
        acta.simulacro ? 'simulacro-to-real-centre' : 'real-to-simulacro-centre',
        `the acta says simulacro=${String(acta.simulacro)}; this centre is ${packages.simulacro ? 'a simulacro' : 'a real-election'} centre`,
      );
    }
    const existing = deps.store.findMesaResult(unit.mesa);
    if (existing !== undefined) {
      if (existing.sha256 === unit.sha256) return acknowledge(existing.receipt, storedReceipt(existing.receipt, existing.seq), true);
      deps.store.recordConflict(unit.mesa, unit.sha256, plaintext.value, isoSecond(deps.clock()));
      return refuse(
        unitBytes,
        unit,
        'conflict',
        `mesa ${unit.mesa} already has a different result (sha256 ${existing.sha256}, receipt ${existing.seq}); ` +
          'this one is recorded as a conflict and the accepted result is kept',
      );
    }
    saveLabels(pkg);
    const { definition } = pkg.payload;
    const row: MesaResultRow = {
      odpeCode: definition.mesa.odpe.code,
      odpeName: definition.mesa.odpe.name,
      contestKeys: acta.tally.contests.map((c) => {
        const contest = definition.contests.find((d) => d.id === c.contestId);
        if (contest === undefined) throw new Error('bug: verified tally has a contest the definition lacks');
        return contestKey(contest);
      }),
      // Plain JSON: read back by JSON.parse + parseTally; canonical form buys nothing here and costs ~5% of ingest.
      tallyJson: JSON.stringify(acta.tally),
    };
    let receipt: Receipt | undefined;
    const stored = deps.store.insertFile(newFile, row, (seq) => sealReceipt((receipt = newReceipt(seq)), deps.signer));
    if (receipt === undefined) throw new Error('bug: receipt not made');
    return acknowledge(stored.receipt, receipt, false);
  };
}
