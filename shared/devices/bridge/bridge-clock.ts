/**
 * The simulator's clock in a station process. The simulator pushes its offset from this machine's
 * clock at connection and on every change (the tester advancing or setting it); between changes
 * the clock runs at real speed, exactly as hardware-sim/control/simulated-clock.ts does. It only
 * moves forward: an offset smaller than one already seen is ignored. When the bridge goes away the
 * clock keeps running from the last offset (a station must not fall back to the real date).
 */
import { err, ok, type Result } from '../../result.ts';
import { BridgeConnection } from './connection.ts';

export interface BridgedClock {
  readonly read: () => Date;
  close(): void;
}

export async function connectBridgeClock(socketPath: string, onLost?: (reason: string) => void): Promise<Result<BridgedClock, string>> {
  const opened = await BridgeConnection.open(socketPath, { t: 'open-clock' });
  if (!opened.ok) return err(opened.error.message);
  const connection = opened.value;
  let offsetMs: number | undefined;
  connection.hold();
  const first = new Promise<boolean>((resolve) => {
    connection.onMessage((message) => {
      if (message.t !== 'clock') return;
      offsetMs = offsetMs === undefined ? message.offsetMs : Math.max(offsetMs, message.offsetMs);
      resolve(true);
    });
    connection.onClose((reason) => {
      resolve(false);
      onLost?.(reason);
    });
  });
  const told = await first;
  connection.release();
  if (!told || offsetMs === undefined) return err('the device bridge closed before telling the time');
  return ok({
    read: () => new Date(Date.now() + (offsetMs ?? 0)),
    close: () => connection.close(),
  });
}
