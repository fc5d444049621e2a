/**
 * The subset of node-hid 3's HIDAsync that the drivers use, so that the same driver code runs over
 * real hardware (node-hid-transport.ts) and over the virtual devices of hardware-sim/hid/. This
 * kernel has no /dev/uhid, so simulation has to happen at this interface rather than in the kernel.
 *
 * Reports are the device's data bytes only; the report-id byte hidapi wants on writes is added by
 * the node-hid adapter.
 */
import type { Result } from '../../result.ts';

export interface HidTransport {
  /** Sends one output report. Rejects when the device is gone. */
  write(report: Uint8Array): Promise<void>;
  /** Input reports, in order. */
  on(event: 'data', listener: (report: Uint8Array) => void): void;
  /** The device went away or failed; no more data will come. */
  on(event: 'error', listener: (error: Error) => void): void;
  off(event: 'data', listener: (report: Uint8Array) => void): void;
  off(event: 'error', listener: (error: Error) => void): void;
  close(): Promise<void>;
}

/** Opens the transport anew (after an unplug the drivers call it again to reconnect). */
export type HidTransportOpener = () => Promise<Result<HidTransport, string>>;

/**
 * Subscribes a driver to a transport's reports and errors and returns the unsubscribe
 * function. Handlers ignore a transport that is no longer the driver's current one, so a late
 * error from an old handle never tears down its replacement after a reconnection.
 */
export function attachHidTransport(
  transport: HidTransport,
  isCurrent: (t: HidTransport) => boolean,
  onReport: (report: Uint8Array) => void,
  onLost: (message: string) => void,
): () => void {
  const onData = (report: Uint8Array): void => {
    if (isCurrent(transport)) onReport(report);
  };
  const onError = (error: Error): void => {
    if (isCurrent(transport)) onLost(error.message);
  };
  transport.on('data', onData);
  transport.on('error', onError);
  return () => {
    transport.off('data', onData);
    transport.off('error', onError);
  };
}
