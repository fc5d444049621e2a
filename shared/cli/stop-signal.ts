/**
 * Waits for SIGINT or SIGTERM. Long-running commands listen before they start anything, so a
 * stop request during start-up still reaches their clean-up (no orphaned socat, servers closed).
 */
export function untilStopSignal(): { received: Promise<NodeJS.Signals>; cancel(): void } {
  let stop: (signal: NodeJS.Signals) => void = () => undefined;
  const received = new Promise<NodeJS.Signals>((resolve) => {
    stop = (signal) => {
      cancel();
      resolve(signal);
    };
  });
  const cancel = (): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return { received, cancel };
}
