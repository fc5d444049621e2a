/**
 * The lost-device limit (identity-station/README.md "Lost devices"): the identity station keeps no
 * nonce, so it cannot invalidate a device declared lost in the cabins; a lost device that is still
 * used in a cabin before its token expires stores one ballot more than the identity station counts
 * as consumed. This proves the results station's reconciliation (shared/tally/reconcile.ts, pure)
 * catches exactly that, from the counts the real identity store produces.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import type { Dni } from '../identity-station/dni.ts';
import { openIdentityStore } from '../identity-station/store.ts';
import { reconcile, reconciliationProblemForActa } from '../shared/tally/reconcile.ts';
import { EG2026 } from './helpers/ballots.ts';

test('a device declared lost but still used in a cabin leaves one ballot more than consumed activations: reconciliation flags it', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const opened = openIdentityStore(path.join(dir, 'identity.db'), EG2026.padron);
  if (!opened.ok) throw new Error('store');
  const store = opened.value;
  t.teardown(() => store.disconnect());
  const [voter, loser] = EG2026.padron.map((e) => e.dni as Dni);
  if (voter === undefined || loser === undefined) throw new Error('padrón too small');
  t.true(store.setPhase('voting').ok);
  t.true(store.markHoldsDevice(voter).ok);
  t.true(store.recordVoted(voter).ok);
  t.true(store.markHoldsDevice(loser).ok);
  t.true(store.recordLostDevice(loser).ok); // counted as identified-but-not-voted
  const { electoresHabiles, activationsIssued, activationsConsumed, art23NotVoted, impugnados, lostDevices } = store.summary();
  t.deepEqual({ activationsIssued, activationsConsumed, art23NotVoted, lostDevices }, { activationsIssued: 2, activationsConsumed: 1, art23NotVoted: 1, lostDevices: 1 });
  const identity = { electoresHabiles, activationsIssued, activationsConsumed, art23NotVoted, impugnados };

  // The lost device really was lost: the cabins hold one ballot, everything balances.
  t.true(reconcile({ cabinBallotCounts: { 'cabin-1': 1 }, identity }).ok);

  // The "lost" device was used in a cabin before its token expired: one ballot too many.
  const used = reconcile({ cabinBallotCounts: { 'cabin-1': 1, 'cabin-2': 1 }, identity });
  if (used.ok) return t.fail('an extra ballot passed reconciliation');
  t.deepEqual(used.error, [{ kind: 'ballots-activations-mismatch', ballots: 2, activationsConsumed: 1 }]);
  const [problem] = used.error;
  if (problem === undefined) return t.fail('no problem');
  t.regex(reconciliationProblemForActa(problem), /sobran 1 voto/u);
});
