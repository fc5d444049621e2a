/**
 * Every timeout of the transmission path in one place (the retry backoff of the outbox is
 * BACKOFF in queue.ts, on the injected clock).
 */
export const TRANSMISSION_TIMEOUTS = {
  /** One unit's POST, body and answer (a scanned acta is a few MB on a slow link). */
  requestMs: 30_000,
  /** The link check when connecting the communication device: a GET with no body. */
  linkCheckMs: 10_000,
} as const;
