/**
 * The simulated wall clock of a simulator run (`vep start`): the stations read it instead of the
 * system clock, so a tester can move the day forward (to the opening, to the close of voting)
 * from the panel. It only moves forward: a station that saw 17:00 must never see 16:59 again
 * (deadlines and audit timestamps assume a monotonic clock).
 */
import { err, ok, type Result } from '../../shared/result.ts';

export class SimulatedClock {
  private offsetMs = 0;
  private readonly listeners = new Set<(offsetMs: number) => void>();

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** The stations' clock function (bound, so it can be handed around). */
  readonly read = (): Date => this.now();

  /**
   * Where the day starts, set once by the run's owner before any station reads the clock (it
   * may lie in the past: a simulacro of an election already held).
   */
  startAt(at: Date): void {
    this.offsetMs = at.getTime() - Date.now();
    this.changed();
  }

  /** Its distance from this machine's clock: what the device bridge pushes to station processes. */
  get offset(): number {
    return this.offsetMs;
  }

  /** Called with the new offset after every start, advance or set. Returns the unsubscribe function. */
  onChange(listener: (offsetMs: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  advance(ms: number): Result<void, string> {
    if (!Number.isFinite(ms) || ms < 0) return err('the simulated clock only moves forward');
    this.offsetMs += ms;
    this.changed();
    return ok(undefined);
  }

  set(at: Date): Result<void, string> {
    const delta = at.getTime() - this.now().getTime();
    if (Number.isNaN(delta)) return err('not a date');
    if (delta < 0) return err(`the simulated clock only moves forward (it is ${this.now().toISOString()})`);
    return this.advance(delta);
  }

  private changed(): void {
    for (const listener of this.listeners) listener(this.offsetMs);
  }
}
