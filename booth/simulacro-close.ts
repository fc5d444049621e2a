/**
 * How a tester closes a cabin in `vep start` (`vep booth run --simulacro-credential-close`, for
 * simulacro packages only): after the close of voting (on the simulated clock),
 * a member's credential left in the cabin's reader while it shows 'ready' closes it, as if the
 * president had chosen "close" on the cabin. The cabin screen has no close control of its own
 * (the host exposes `requestClose`), so without this a cabin run from the panel could never write
 * its results to the consolidation stick. Before the close of voting nothing happens: the
 * credential is only held, as on the real cabin.
 */
import { screenOf } from './machine.ts';
import type { BoothHost } from './host.ts';
import { votingCloseAt } from './host.ts';
import type { ElectionDefinition } from '../shared/election/definition.ts';

const POLL_MS = 500;

export function closeCabinsWithCredentialAfterVoting(
  cabins: readonly BoothHost[],
  definition: ElectionDefinition,
  clock: () => Date,
): { stop(): void } {
  const closeAt = votingCloseAt(definition);
  const requested = new WeakSet<BoothHost>();
  const timer = setInterval(() => {
    if (clock().getTime() < closeAt) return;
    for (const cabin of cabins) {
      const onReady = screenOf(cabin.actor.getSnapshot()) === 'ready';
      // Once per insertion: a refused close is not retried until the credential is pulled.
      if (!cabin.credentialPresent()) requested.delete(cabin);
      else if (onReady && !requested.has(cabin)) {
        requested.add(cabin);
        cabin.requestClose(false);
      }
    }
  }, POLL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
