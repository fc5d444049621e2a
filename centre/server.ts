/**
 * The centre's HTTP(S) front: `POST /v1/transmissions` with the unit bytes as the body; the
 * answer body is the signed receipt or refusal (status 200 / 409 conflict / 422 refused /
 * 400 unreadable); `GET /v1/health` answers 200 so a station can check its link. Bound to 127.0.0.1 unless told otherwise. With `tls` it is HTTPS with the
 * centre's self-signed certificate, which stations pin (./tls.ts, shared/transmission/client.ts).
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { MAX_TRANSMISSION_BYTES } from '../shared/transmission/transmission-package.ts';
import type { ReceiverAnswer } from './receiver.ts';

export const TRANSMISSIONS_PATH = '/v1/transmissions';
/** Answers 200 to a GET: stations check their link (and the pinned certificate) with it. */
export const HEALTH_PATH = '/v1/health';
export const ANSWER_CONTENT_TYPE = 'application/vnd.vep-signed+json';

export interface CentreServerOptions {
  readonly receive: (unitBytes: Uint8Array) => ReceiverAnswer;
  readonly host?: string;
  readonly port?: number;
  readonly tls?: { readonly key: string; readonly cert: string };
  /** Called when receiving throws (store failure); the request gets 503. */
  readonly onError?: (error: unknown) => void;
}

export interface RunningCentreServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

function handler(receive: CentreServerOptions['receive'], onError: CentreServerOptions['onError']): http.RequestListener {
  return (req, res) => {
    const send = (status: number, body: Uint8Array | string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.url === HEALTH_PATH) return req.method === 'GET' ? send(200, 'ok\n') : send(405, 'GET only\n');
    if (req.url !== TRANSMISSIONS_PATH) return send(404, 'not found\n');
    if (req.method !== 'POST') return send(405, 'POST only\n');
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (!Number.isSafeInteger(declared) || declared < 0 || declared > MAX_TRANSMISSION_BYTES) {
      return send(411, 'a content-length up to the transmission limit is required\n');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > declared) {
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      // A body cut short never reaches the receiver: a partial unit is simply not received.
      if (size !== declared) return send(400, 'incomplete body\n');
      let answer: ReceiverAnswer;
      try {
        answer = receive(new Uint8Array(Buffer.concat(chunks)));
      } catch (e) {
        // A store failure (disk full, a second centre process winning a race on the same mesa)
        // must not take the centre down: the station sees no signed answer and retries, and the
        // retry gets the idempotent receipt or the conflict.
        onError?.(e);
        return send(503, 'centre store unavailable, retry later\n');
      }
      send(answer.httpStatus, answer.answer.bytes, ANSWER_CONTENT_TYPE);
    });
    req.on('error', () => req.destroy());
  };
}

export function startCentreServer(options: CentreServerOptions): Promise<RunningCentreServer> {
  const host = options.host ?? '127.0.0.1';
  const listener = handler(options.receive, options.onError);
  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, listener) : http.createServer(listener);
  server.requestTimeout = 120_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      const { port } = server.address() as AddressInfo;
      const scheme = options.tls ? 'https' : 'http';
      resolve({
        url: `${scheme}://${host}:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
