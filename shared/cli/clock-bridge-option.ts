/**
 * `--clock-bridge <socket>` of the station commands: the station reads the time of the simulator
 * that `vep start` runs (the day a tester moves forward from the panel) through its device bridge,
 * instead of this machine's clock. Without the option a station uses the machine's clock, as on
 * real hardware.
 */
import { err, ok, type Result } from '../result.ts';
import { connectBridgeClock } from '../devices/bridge/bridge-clock.ts';

export const CLOCK_BRIDGE_FLAGS = '--clock-bridge <socket>';
export const CLOCK_BRIDGE_HELP = "take the time from a hardware simulator's device bridge at this unix socket (vep start's simulated clock)";

export interface StationClock {
  /** undefined: the machine's clock. */
  readonly clock: (() => Date) | undefined;
  close(): void;
}

export async function stationClock(command: string, socket: string | undefined): Promise<Result<StationClock, string>> {
  if (socket === undefined) return ok({ clock: undefined, close: () => undefined });
  const bridged = await connectBridgeClock(socket, (reason) =>
    process.stderr.write(`${command}: the simulated clock's bridge went away (${reason}); the clock keeps running from its last time\n`),
  );
  if (!bridged.ok) return err(`${command}: no simulated clock at ${socket}: ${bridged.error}`);
  return ok({ clock: bridged.value.read, close: () => bridged.value.close() });
}
