/**
 * One HTTP(S) POST of a transmission unit to the centre; the answer body comes back as bytes
 * for the caller to verify (openCentreAnswer). Any failure of the transport (refused
 * connection, cut at any byte in either direction, timeout, an answer that is not complete) is
 * a TransportError: the unit is simply sent again later, and the centre's idempotency makes a
 * repeat harmless. `requestSent` tells whether the whole body left (status "sent").
 *
 * TLS pinning: with `pinnedCert` (the centre's self-signed certificate, PEM) the client trusts
 * no CA but that certificate, and additionally checks the presented certificate's SHA-256
 * fingerprint equals the pinned one; host name checks are replaced by that pin.
 */
import { X509Certificate } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { err, ok, type Result } from '../result.ts';
import { TRANSMISSION_TIMEOUTS } from './timeouts.ts';

export const TRANSMISSIONS_PATH = '/v1/transmissions';
/** The centre's link check (centre/server.ts): a GET answered 200 over the pinned TLS. */
export const HEALTH_PATH = '/v1/health';
const MAX_ANSWER_BYTES = 64 * 1024;
/** The body leaves in chunks of this size so a long upload (a scanned acta) reports progress. */
export const UPLOAD_CHUNK_BYTES = 64 * 1024;

export interface SendOptions {
  /** Base URL of the centre, e.g. https://127.0.0.1:8443 */
  readonly url: string;
  readonly pinnedCert?: string;
  readonly timeoutMs?: number;
  /** Called as the body leaves: bytes flushed to the connection so far, of `total`. */
  readonly onProgress?: (sent: number, total: number) => void;
}

export interface TransportAnswer {
  readonly status: number;
  readonly body: Uint8Array;
}

export interface TransportError {
  readonly kind: 'unreachable' | 'interrupted' | 'timeout' | 'bad-answer' | 'pin-mismatch';
  readonly detail: string;
  readonly requestSent: boolean;
}

export function describeTransportError(e: TransportError): string {
  const sent = e.requestSent ? ' after the request was sent' : '';
  switch (e.kind) {
    case 'unreachable':
      return `computing centre unreachable: ${e.detail}`;
    case 'interrupted':
      return `connection to the computing centre interrupted${sent}: ${e.detail}`;
    case 'timeout':
      return `computing centre did not answer in time${sent}`;
    case 'bad-answer':
      return `computing centre answer unusable${sent}: ${e.detail}`;
    case 'pin-mismatch':
      return `the server is not the computing centre: ${e.detail}`;
  }
}

/** TLS options trusting exactly the pinned certificate (fingerprint checked too). */
function pinnedOptions(target: URL, options: SendOptions): https.RequestOptions {
  const isHttps = target.protocol === 'https:';
  const pin = options.pinnedCert === undefined ? undefined : new X509Certificate(options.pinnedCert).fingerprint256;
  if (isHttps && pin === undefined) throw new Error('bug: an https centre URL needs the pinned centre certificate');
  if (!isHttps || options.pinnedCert === undefined) return {};
  return {
    ca: options.pinnedCert,
    checkServerIdentity: (_host, cert) => (cert.fingerprint256 === pin ? undefined : new Error(`certificate ${cert.fingerprint256} is not the pinned ${pin}`)),
  };
}

const TLS_TRUST_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function connectionError(e: NodeJS.ErrnoException): { kind: TransportError['kind']; detail: string } {
  if (e.message.includes('is not the pinned')) return { kind: 'pin-mismatch', detail: e.message };
  // The chain check against the pinned certificate fails before the fingerprint check runs.
  if (e.code !== undefined && TLS_TRUST_CODES.has(e.code)) return { kind: 'pin-mismatch', detail: `certificate refused (${e.code})` };
  if (e.code === 'ECONNREFUSED' || e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH' || e.code === 'ENOTFOUND') return { kind: 'unreachable', detail: e.code };
  return { kind: 'interrupted', detail: e.code ?? e.message };
}

/**
 * Connects the communication device: one GET of the centre's health path over the pinned TLS.
 * It proves the network reaches the centre AND that the server is the centre (the handshake
 * accepts only the pinned certificate); no unit is sent.
 */
export function probeCentre(options: SendOptions): Promise<Result<void, TransportError>> {
  const target = new URL(HEALTH_PATH, options.url);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Result<void, TransportError>) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const req = (target.protocol === 'https:' ? https : http).request(
      target,
      { method: 'GET', timeout: options.timeoutMs ?? TRANSMISSION_TIMEOUTS.linkCheckMs, agent: false, ...pinnedOptions(target, options) },
      (res) => {
        res.resume();
        res.on('end', () =>
          finish(res.statusCode === 200 ? ok(undefined) : err({ kind: 'bad-answer', detail: `HTTP ${res.statusCode ?? 0} from the health check`, requestSent: true })),
        );
        res.on('error', (e) => finish(err({ kind: 'interrupted', detail: e.message, requestSent: true })));
      },
    );
    req.on('timeout', () => {
      req.destroy();
      finish(err({ kind: 'timeout', detail: 'timeout', requestSent: false }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => finish(err({ ...connectionError(e), requestSent: false })));
    req.end();
  });
}

export function sendUnit(unitBytes: Uint8Array, options: SendOptions): Promise<Result<TransportAnswer, TransportError>> {
  const target = new URL(TRANSMISSIONS_PATH, options.url);
  const isHttps = target.protocol === 'https:';
  const tlsOptions = pinnedOptions(target, options);

  return new Promise((resolve) => {
    let requestSent = false;
    let settled = false;
    const finish = (result: Result<TransportAnswer, TransportError>) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const fail = (kind: TransportError['kind'], detail: string) => finish(err({ kind, detail, requestSent }));

    const requestOptions: https.RequestOptions = {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.vep-signed+json', 'content-length': unitBytes.length },
      timeout: options.timeoutMs ?? TRANSMISSION_TIMEOUTS.requestMs,
      agent: false,
      ...tlsOptions,
    };
    const req = (isHttps ? https : http).request(target, requestOptions, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const declared = Number(res.headers['content-length'] ?? NaN);
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) {
          res.destroy();
          fail('bad-answer', 'answer too large');
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        if (Number.isSafeInteger(declared) && declared !== size) return fail('interrupted', `answer cut at ${size} of ${declared} bytes`);
        finish(ok({ status: res.statusCode ?? 0, body: new Uint8Array(Buffer.concat(chunks)) }));
      });
      res.on('aborted', () => fail('interrupted', 'answer aborted'));
      res.on('error', (e) => fail('interrupted', e.message));
      res.on('close', () => {
        if (!res.complete) fail('interrupted', `answer cut after ${size} bytes`);
      });
    });
    req.on('timeout', () => {
      req.destroy();
      fail('timeout', 'timeout');
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      const { kind, detail } = connectionError(e);
      fail(kind, detail);
    });
    req.on('finish', () => (requestSent = true));
    const body = Buffer.from(unitBytes);
    const total = body.length;
    let sent = 0;
    // Chunked so the operator sees an upload advance; each callback fires once the chunk is flushed.
    for (let at = 0; at < total; at += UPLOAD_CHUNK_BYTES) {
      const chunk = body.subarray(at, Math.min(total, at + UPLOAD_CHUNK_BYTES));
      req.write(chunk, (e) => {
        if (e !== null && e !== undefined) return;
        sent += chunk.length;
        options.onProgress?.(sent, total);
      });
    }
    req.end();
  });
}
