/**
 * The xstate clock of the identity host: every delayed transition of the machine (schedule
 * instants, retry polls) fires when the HOST's clock reaches its due time, not when real time
 * has passed. In a simulator run the host's clock is the tester's simulated wall clock
 * (hardware-sim/control/simulated-clock.ts), which can jump forward: with xstate's default clock
 * the schedule delays stayed armed in real time, so advancing the day neither opened nor closed
 * voting, and a close after the jump was recorded as ordered by the president.
 *
 * WHY polling: the host clock is a plain `() => Date` with no change notification. A timer is
 * due at `clock() + delay` (read when xstate arms it) OR once `delay` has elapsed in monotonic
 * real time, whichever comes first: a simulated clock only runs ahead of real time, so the real
 * bound changes nothing there, while a retry poll (printer, consolidation stick) still retries
 * on a host whose clock stands still (a frozen test clock). `check()` fires every due timer, in
 * due order. The host calls `check()` on a real interval (IDENTITY_HOST_CLOCK_POLL_MS) and before
 * forwarding any event to the machine, so an action taken right after a clock jump already sees
 * the schedule flags the jump implies.
 */
export interface HostTimerClock {
  setTimeout(fn: () => void, timeout: number): number;
  clearTimeout(id: unknown): void;
  /** Fires the timers whose due time the host clock has reached. */
  check(): void;
  /** Stops the real interval (pending timers never fire afterwards). */
  stop(): void;
}

interface Pending {
  readonly due: number;
  /** performance.now() at which the delay has elapsed in real time. */
  readonly realDue: number;
  readonly seq: number;
  readonly fn: () => void;
}

export function createHostTimerClock(now: () => number, pollMs: number): HostTimerClock {
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let stopped = false;
  let checking = false;
  const check = () => {
    if (checking || stopped) return;
    checking = true;
    try {
      // Fire one at a time: a fired timer may arm or clear others (xstate re-arms retry polls).
      for (;;) {
        const at = now();
        const realAt = performance.now();
        let first: [number, Pending] | undefined;
        for (const entry of pending) {
          const [, timer] = entry;
          if (timer.due > at && timer.realDue > realAt) continue;
          if (first === undefined || timer.due < first[1].due || (timer.due === first[1].due && timer.seq < first[1].seq)) first = entry;
        }
        if (first === undefined) return;
        pending.delete(first[0]);
        first[1].fn();
      }
    } finally {
      checking = false;
    }
  };
  const interval = setInterval(check, pollMs);
  // The station's servers keep the process alive; a pending schedule timer must not.
  interval.unref();
  return {
    setTimeout(fn, timeout) {
      const id = nextId++;
      const delay = Math.max(0, timeout);
      pending.set(id, { due: now() + delay, realDue: performance.now() + delay, seq: id, fn });
      return id;
    },
    clearTimeout(id) {
      if (typeof id === 'number') pending.delete(id);
    },
    check,
    stop() {
      stopped = true;
      clearInterval(interval);
      pending.clear();
    },
  };
}
