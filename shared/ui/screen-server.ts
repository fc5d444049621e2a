/**
 * The local screen server every station uses (cabin kiosk, identity and results displays): serves
 * the station's page on 127.0.0.1 only, pushes the current view by Server-Sent Events, and relays
 * the events a person at the screen may send. The station machine in Node is the authority; the
 * page renders views and posts inputs, and each station decides which inputs exist (a zod schema:
 * anything else, device and host events included, is refused before reaching the machine).
 *
 * Defences: bound to loopback; the Host header must name a loopback host on our port (so a
 * DNS-rebinding page in a kiosk browser that somehow reached another site cannot talk to us);
 * POST needs `Content-Type: application/json` (a cross-site form cannot send that without a
 * CORS preflight we never answer) and a same-origin Origin when one is sent; bodies are capped
 * and parsed with zod; a strict CSP allows only our own script and style.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { z } from 'zod';

const MAX_BODY_BYTES = 4096;

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  // The cabin's audio ballot plays prompt clips served by the same server.
  "media-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
};

/** The page's files, served from the station's ui folder. */
const ASSETS: Record<string, { readonly file: string; readonly type: string }> = {
  '/': { file: 'page.html', type: 'text/html; charset=utf-8' },
  '/page.css': { file: 'page.css', type: 'text/css; charset=utf-8' },
  '/page.js': { file: 'page.js', type: 'text/javascript; charset=utf-8' },
};

export interface ScreenServerSpec<Input> {
  /** Folder holding page.html, page.css and page.js. */
  readonly assetsDir: string;
  /** Exactly the inputs this screen may send. */
  readonly inputSchema: z.ZodType<Input>;
  /** Sent back with 400 for anything else (English, for developers). */
  readonly refusal: string;
  /** The current view (JSON-serializable). */
  view(): unknown;
  /** Delivers one parsed input to the machine. */
  deliver(input: Input): Promise<void> | void;
  /** Calls `changed` whenever the view may have changed; returns the unsubscribe function. */
  subscribe(changed: () => void): () => void;
  /** 0 or absent: any free port. */
  readonly port?: number;
  /**
   * Extra read-only GET resources (the cabin's audio clips): undefined = not this route (404).
   * Same Host check and security headers as every other response.
   */
  readonly getResource?: (url: string) => Promise<{ readonly type: string; readonly body: Uint8Array } | undefined>;
}

export interface ScreenServer {
  /** http://127.0.0.1:PORT/ */
  readonly url: string;
  close(): Promise<void>;
}

/** `127.0.0.1:PORT` or `localhost:PORT` (the port we listen on), nothing else. */
export function isLoopbackHost(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

function send(response: http.ServerResponse, status: number, type: string, body: string | Buffer): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type });
  response.end(body);
}

function sendError(response: http.ServerResponse, status: number, message: string): void {
  send(response, status, 'application/json; charset=utf-8', JSON.stringify({ error: message }));
}

function readBody(request: http.IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(tooLarge ? null : Buffer.concat(chunks).toString('utf8')));
    request.on('error', () => resolve(null));
  });
}

export async function startScreenServer<Input>(spec: ScreenServerSpec<Input>): Promise<ScreenServer> {
  const assets = new Map<string, { readonly body: Buffer; readonly type: string }>();
  for (const [route, asset] of Object.entries(ASSETS)) {
    assets.set(route, { body: readFileSync(path.join(spec.assetsDir, asset.file)), type: asset.type });
  }
  const viewJson = (): string => JSON.stringify(spec.view());
  const streams = new Set<http.ServerResponse>();
  let lastJson = viewJson();
  // Every view leaves the server stamped with a revision that grows with each change. The page
  // gets views two ways (the event stream, and the answer to its own POST), and the answer can
  // arrive after a newer view was pushed (the machine moved on while the reply was in flight);
  // the page drops any view older than the one it shows, so a stale reply never wins.
  let revision = 0;
  let port = 0;

  const stamped = (): string => {
    const view: unknown = JSON.parse(lastJson);
    if (typeof view !== 'object' || view === null || Array.isArray(view)) throw new Error('screen server: a view must be a JSON object');
    return JSON.stringify({ ...view, revision });
  };

  /** Takes the current view; pushes it when it changed. */
  const publish = (): void => {
    const json = viewJson();
    // Timers and actor bookkeeping produce snapshots that change nothing on screen.
    if (json === lastJson) return;
    lastJson = json;
    revision++;
    const message = `data: ${stamped()}\n\n`;
    for (const stream of streams) stream.write(message);
  };

  const unsubscribe = spec.subscribe(publish);

  async function handleInput(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const contentType = request.headers['content-type'] ?? '';
    if (!/^application\/json\s*(;|$)/i.test(contentType)) return sendError(response, 415, 'JSON body required');
    const origin = request.headers.origin;
    if (origin !== undefined && !isLoopbackHost(origin.replace(/^http:\/\//, ''), port)) {
      return sendError(response, 403, 'cross-origin request refused');
    }
    const body = await readBody(request);
    if (body === null) return sendError(response, 413, 'body too large');
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return sendError(response, 400, 'invalid JSON');
    }
    const parsed = spec.inputSchema.safeParse(json);
    if (!parsed.success) return sendError(response, 400, spec.refusal);
    await spec.deliver(parsed.data);
    publish();
    send(response, 200, 'application/json; charset=utf-8', stamped());
  }

  function handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    if (!isLoopbackHost(request.headers.host, port)) return sendError(response, 421, 'unexpected Host header');
    const url = request.url ?? '/';
    if (request.method === 'GET') {
      const asset = assets.get(url);
      if (asset !== undefined) return send(response, 200, asset.type, asset.body);
      if (url === '/view') {
        publish();
        return send(response, 200, 'application/json; charset=utf-8', stamped());
      }
      if (url === '/events') {
        response.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream', Connection: 'keep-alive' });
        publish();
        response.write(`data: ${stamped()}\n\n`);
        streams.add(response);
        request.on('close', () => streams.delete(response));
        return;
      }
      if (spec.getResource !== undefined) {
        spec
          .getResource(url)
          .then((resource) =>
            resource === undefined ? sendError(response, 404, 'not found') : send(response, 200, resource.type, Buffer.from(resource.body)),
          )
          .catch(() => sendError(response, 500, 'internal error'));
        return;
      }
      return sendError(response, 404, 'not found');
    }
    if (request.method === 'POST' && url === '/input') {
      handleInput(request, response).catch(() => sendError(response, 500, 'internal error'));
      return;
    }
    return sendError(response, 405, 'method not allowed');
  }

  const server = http.createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(spec.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        unsubscribe();
        for (const stream of streams) stream.end();
        streams.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
