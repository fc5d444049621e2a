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

export const TRANSMISSIONS_PATH = '/v1/transmissions';
const MAX_ANSWER_BYTES = 64 * 1024;

export interface SendOptions {
  /** Base URL of the centre, e.g. https://127.0.0.1:8443 */
  readonly url: string;
  readonly pinnedCert?: string;
  readonly timeoutMs?: number;
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

export function sendUnit(unitBytes: Uint8Array, options: SendOptions): Promise<Result<TransportAnswer, TransportError>> {
  const target = new URL(TRANSMISSIONS_PATH, options.url);
  const isHttps = target.protocol === 'https:';
  const pin = options.pinnedCert === undefined ? undefined : new X509Certificate(options.pinnedCert).fingerprint256;
  if (isHttps && pin === undefined) throw new Error('bug: an https centre URL needs the pinned centre certificate');

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
      timeout: options.timeoutMs ?? 30_000,
      agent: false,
    };
    if (isHttps && options.pinnedCert !== undefined) {
      requestOptions.ca = options.pinnedCert;
      requestOptions.checkServerIdentity = (_host, cert) =>
        cert.fingerprint256 === pin ? undefined : new Error(`certificate ${cert.fingerprint256} is not the pinned ${pin}`);
    }
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
      if (e.message.includes('is not the pinned')) return fail('pin-mismatch', e.message);
      if (e.code === 'ECONNREFUSED' || e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH') return fail('unreachable', e.code);
      fail('interrupted', e.code ?? e.message);
    });
    req.on('finish', () => (requestSent = true));
    req.end(Buffer.from(unitBytes));
  });
}
