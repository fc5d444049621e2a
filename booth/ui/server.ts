/**
 * The cabin's kiosk server: serves the touch page on 127.0.0.1 only and relays the voter's taps
 * to the machine. The machine in Node is the authority; the page renders `BoothView`s pushed by
 * Server-Sent Events and posts voter events. Host events (device inserted/removed, credentials,
 * closing, printer ready) come from the host process, NEVER from the page: a compromised or
 * scripted page can at most do what a voter's finger can do.
 *
 * Defences: bound to loopback; the Host header must name a loopback host on our port (so a
 * DNS-rebinding page in a kiosk browser that somehow reached another site cannot talk to us);
 * POST needs `Content-Type: application/json` (a cross-site form cannot send that without a
 * CORS preflight we never answer) and a same-origin Origin when one is sent; bodies are
 * capped and parsed with zod; a strict CSP allows only our own script and style.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Actor } from 'xstate';
import { z } from 'zod';
import type { ElectionDefinition } from '../../shared/election/definition.ts';
import type { BoothMachine } from '../machine.ts';
import { screenOf } from '../machine.ts';
import type { VoterEvent } from '../machine-types.ts';
import type { BoothView } from './view-model.ts';
import { sessionWasCancelled, viewModel } from './view-model.ts';

const MAX_BODY_BYTES = 4096;

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
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

const ballotNumber = z.number().int().min(1).max(999);
const textSize = z.enum(['small', 'standard', 'large', 'extra-large']);
const contrast = z.enum(['standard', 'high-black-on-white', 'high-yellow-on-black']);

/** Exactly the voter events; anything else (host events included) fails to parse. */
export const voterEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('CHOOSE_ORGANIZATION'), organization: ballotNumber }),
  z.strictObject({ type: z.literal('CHOOSE_BLANK') }),
  z.strictObject({ type: z.literal('CHOOSE_NULL') }),
  z.strictObject({ type: z.literal('TOGGLE_PREFERENTIAL'), candidate: ballotNumber }),
  z.strictObject({ type: z.literal('SET_PREFERENTIAL'), candidates: z.array(ballotNumber).max(10) }),
  z.strictObject({ type: z.literal('NEXT') }),
  z.strictObject({ type: z.literal('BACK') }),
  z.strictObject({ type: z.literal('EDIT_CONTEST'), contestId: z.string().min(1).max(100) }),
  z.strictObject({ type: z.literal('CONFIRM') }),
  z.strictObject({ type: z.literal('STILL_HERE') }),
  z.strictObject({
    type: z.literal('SET_DISPLAY'),
    settings: z.strictObject({ textSize: textSize.optional(), contrast: contrast.optional() }),
  }),
]) satisfies z.ZodType<VoterEvent>;

const ASSETS: Record<string, { readonly file: string; readonly type: string }> = {
  '/': { file: 'page.html', type: 'text/html; charset=utf-8' },
  '/page.css': { file: 'page.css', type: 'text/css; charset=utf-8' },
  '/page.js': { file: 'page.js', type: 'text/javascript; charset=utf-8' },
};

export interface KioskServer {
  /** http://127.0.0.1:PORT/ */
  readonly url: string;
  close(): Promise<void>;
}

export interface KioskServerOptions {
  /** 0 or absent: any free port. */
  readonly port?: number;
}

function loadAssets(): Map<string, { readonly body: Buffer; readonly type: string }> {
  const assets = new Map<string, { readonly body: Buffer; readonly type: string }>();
  for (const [route, asset] of Object.entries(ASSETS)) {
    assets.set(route, { body: readFileSync(path.join(import.meta.dirname, asset.file)), type: asset.type });
  }
  return assets;
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

export async function startKioskServer(
  actor: Actor<BoothMachine>,
  definition: ElectionDefinition,
  options: KioskServerOptions = {},
): Promise<KioskServer> {
  const assets = loadAssets();
  let lastScreen = screenOf(actor.getSnapshot());
  let sessionCancelled = false;
  const currentView = (): BoothView => viewModel(actor.getSnapshot(), definition, { sessionCancelled });
  const streams = new Set<http.ServerResponse>();
  let lastJson = JSON.stringify(currentView());
  let port = 0;

  const subscription = actor.subscribe({
    next: (snapshot) => {
      const screen = screenOf(snapshot);
      if (screen !== lastScreen) {
        sessionCancelled = sessionWasCancelled(lastScreen, screen);
        lastScreen = screen;
      }
      const json = JSON.stringify(currentView());
      // Timers and actor bookkeeping produce snapshots that change nothing on screen.
      if (json === lastJson) return;
      lastJson = json;
      for (const stream of streams) stream.write(`data: ${json}\n\n`);
    },
  });

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
    const parsed = voterEventSchema.safeParse(json);
    if (!parsed.success) return sendError(response, 400, 'not a voter event');
    actor.send(parsed.data);
    send(response, 200, 'application/json; charset=utf-8', JSON.stringify(currentView()));
  }

  function handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    if (!isLoopbackHost(request.headers.host, port)) return sendError(response, 421, 'unexpected Host header');
    const url = request.url ?? '/';
    if (request.method === 'GET') {
      const asset = assets.get(url);
      if (asset !== undefined) return send(response, 200, asset.type, asset.body);
      if (url === '/view') return send(response, 200, 'application/json; charset=utf-8', JSON.stringify(currentView()));
      if (url === '/events') {
        response.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream', Connection: 'keep-alive' });
        response.write(`data: ${JSON.stringify(currentView())}\n\n`);
        streams.add(response);
        request.on('close', () => streams.delete(response));
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
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        subscription.unsubscribe();
        for (const stream of streams) stream.end();
        streams.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
