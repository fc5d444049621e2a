/**
 * The identity station's screen server: serves the president's page on 127.0.0.1 only (local
 * display, keyboard and touch) and relays the president's actions to the machine. The machine in
 * Node is the authority; the page renders `IdentityView`s pushed by Server-Sent Events and posts
 * president events.
 *
 * Which events the page may send (everything else is refused before reaching the machine):
 * - Typed or tapped by the president: CONFIRM_MESA_DATA, MEMBER_ARRIVED, TAKE_VOTER_AS_MEMBER,
 *   DNI_ENTERED, ISSUE_DEVICE, DONE, RETRY, DEVICE_RETURNED (the DNI of the voter handing the
 *   device back is typed; the device itself is then read by the host's readReturnedDevice actor),
 *   LET_TRY_AGAIN, RECORD_NOT_VOTED, LOST_DEVICE_DECLARED, IMPUGN, ASSISTED_VOTER,
 *   EXPORT_NON_VOTERS.
 * - INSTALL and CLOSE_VOTING: the page sends only the intent, WITHOUT a credential. The
 *   credential is a physical token read by the host (`readPresidentCredential`), never bytes from
 *   the page: a scripted page cannot forge the president's authority. Without a reader the event
 *   carries `null` and the machine refuses it with "present your credential".
 * - Everything else the machine sees (device I/O, printer, clock) arrives through its actors and
 *   delays from the host process, never from the page.
 *
 * Defences (as the cabin kiosk, booth/ui/server.ts): bound to loopback; the Host header must name
 * a loopback host on our port (DNS rebinding); POST needs `Content-Type: application/json` and a
 * same-origin Origin when one is sent; bodies are capped and parsed with zod; strict CSP.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Actor } from 'xstate';
import { z } from 'zod';
import type { ElectionDefinition } from '../../shared/election/definition.ts';
import type { IdentityMachine } from '../machine.ts';
import type { IdentityEvent, PresidentAction, PresidentCredential } from '../machine-types.ts';
import type { IdentityView } from './view-model.ts';
import { identityView } from './view-model.ts';

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

/** Raw typed text: the machine parses DNIs itself (and shows the parser's Spanish error). */
const typedText = z.string().max(64);

/** INSTALL and CLOSE_VOTING as the page sends them: the intent only, no credential. */
export type PresidentRequest =
  | Exclude<IdentityEvent, { type: 'INSTALL' } | { type: 'CLOSE_VOTING' }>
  | { readonly type: 'INSTALL' }
  | { readonly type: 'CLOSE_VOTING' };

/** Exactly the president's events; anything else (a credential field included) fails to parse. */
export const presidentRequestSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('CONFIRM_MESA_DATA') }),
  z.strictObject({ type: z.literal('MEMBER_ARRIVED'), dni: typedText }),
  z.strictObject({
    type: z.literal('TAKE_VOTER_AS_MEMBER'),
    dni: typedText,
    role: z.enum(['presidente', 'secretario', 'tercer-miembro']),
  }),
  z.strictObject({ type: z.literal('INSTALL') }),
  z.strictObject({ type: z.literal('DNI_ENTERED'), text: typedText }),
  z.strictObject({ type: z.literal('ISSUE_DEVICE') }),
  z.strictObject({ type: z.literal('DONE') }),
  z.strictObject({ type: z.literal('RETRY') }),
  z.strictObject({ type: z.literal('DEVICE_RETURNED'), dni: typedText }),
  z.strictObject({ type: z.literal('LET_TRY_AGAIN') }),
  z.strictObject({ type: z.literal('RECORD_NOT_VOTED') }),
  z.strictObject({ type: z.literal('LOST_DEVICE_DECLARED'), dni: typedText }),
  z.strictObject({ type: z.literal('IMPUGN'), dni: typedText.optional() }),
  z.strictObject({ type: z.literal('ASSISTED_VOTER') }),
  z.strictObject({ type: z.literal('CLOSE_VOTING') }),
  z.strictObject({ type: z.literal('EXPORT_NON_VOTERS') }),
]) satisfies z.ZodType<PresidentRequest>;

const ASSETS: Record<string, { readonly file: string; readonly type: string }> = {
  '/': { file: 'page.html', type: 'text/html; charset=utf-8' },
  '/page.css': { file: 'page.css', type: 'text/css; charset=utf-8' },
  '/page.js': { file: 'page.js', type: 'text/javascript; charset=utf-8' },
};

export interface IdentityScreenServer {
  /** http://127.0.0.1:PORT/ */
  readonly url: string;
  close(): Promise<void>;
}

export interface IdentityScreenServerOptions {
  /** 0 or absent: any free port. */
  readonly port?: number;
  /**
   * Host: reads the president's credential from its reader when the page asks to install or
   * close; null when none is presented. Absent: always null (the machine asks for it).
   */
  readonly readPresidentCredential?: (action: PresidentAction) => Promise<PresidentCredential | null>;
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

export async function startIdentityScreenServer(
  actor: Actor<IdentityMachine>,
  definition: ElectionDefinition,
  options: IdentityScreenServerOptions = {},
): Promise<IdentityScreenServer> {
  const assets = loadAssets();
  const readCredential = options.readPresidentCredential ?? (() => Promise.resolve(null));
  const currentView = (): IdentityView => identityView(actor.getSnapshot(), definition);
  const streams = new Set<http.ServerResponse>();
  let lastJson = JSON.stringify(currentView());
  let port = 0;

  const subscription = actor.subscribe({
    next: () => {
      const json = JSON.stringify(currentView());
      // Schedule delays and actor bookkeeping produce snapshots that change nothing on screen.
      if (json === lastJson) return;
      lastJson = json;
      for (const stream of streams) stream.write(`data: ${json}\n\n`);
    },
  });

  async function toEvent(request: PresidentRequest): Promise<IdentityEvent> {
    switch (request.type) {
      case 'INSTALL':
        return { type: 'INSTALL', credential: await readCredential('install') };
      case 'CLOSE_VOTING':
        return { type: 'CLOSE_VOTING', credential: await readCredential('close-voting') };
      default:
        return request;
    }
  }

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
    const parsed = presidentRequestSchema.safeParse(json);
    if (!parsed.success) return sendError(response, 400, 'not a president event');
    actor.send(await toEvent(parsed.data));
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
