/**
 * A tiny JSON-over-HTTP control surface for the simulated hardware, bound to 127.0.0.1 only, for
 * tests and a future tester panel. No framework: node:http.
 *
 *   GET  /state                      -> { ok: true, state: HardwareSnapshot }
 *   POST /<area>/<verb>  (JSON body)  -> runs command { action: "<area>.<verb>", ...body }
 *        e.g. POST /activation/insert {"reader":"reader-1","device":"dev-1"}
 *             POST /usb/fault {"stick":"usb-1","fault":{"type":"remove-before","step":"rename"}}
 *   answers { ok: true, state } or { ok: false, error } (400 bad request, 409 refused).
 *
 * Requests must carry Content-Type: application/json and a loopback Host header, so that a web
 * page open on the same machine cannot drive the hardware (no CORS preflight is ever answered,
 * and DNS-rebinding hosts are refused).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimCommandSchema } from './commands.ts';
import type { SimulatedHardware } from './simulated-hardware.ts';

const MAX_BODY = 24 * 1024 * 1024;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function isLoopbackHost(host: string): boolean {
  const name = host.replace(/:\d{1,5}$/, '');
  return LOOPBACK_HOSTS.has(name);
}

export interface ControlServer {
  readonly url: string;
  close(): Promise<void>;
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(undefined));
  });
}

async function handle(hardware: SimulatedHardware, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (!isLoopbackHost(req.headers.host ?? '')) return send(res, 403, { ok: false, error: 'loopback host required' });
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (req.method === 'GET' && url.pathname === '/state') return send(res, 200, { ok: true, state: hardware.snapshot() });
  if (req.method !== 'POST') return send(res, 405, { ok: false, error: 'use GET /state or POST /<area>/<verb>' });
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
    return send(res, 415, { ok: false, error: 'content-type must be application/json' });
  }
  const match = /^\/([a-z]+)\/([a-z-]+)$/.exec(url.pathname);
  if (match === null) return send(res, 404, { ok: false, error: `unknown path ${url.pathname}` });
  const text = await readBody(req);
  if (text === undefined) return send(res, 413, { ok: false, error: 'body too large' });
  let body: unknown;
  try {
    body = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    return send(res, 400, { ok: false, error: 'body is not JSON' });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return send(res, 400, { ok: false, error: 'body must be an object' });
  const parsed = SimCommandSchema.safeParse({ ...body, action: `${match[1]}.${match[2]}` });
  if (!parsed.success) return send(res, 400, { ok: false, error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
  const result = await hardware.execute(parsed.data);
  if (!result.ok) return send(res, 409, { ok: false, error: result.error });
  return send(res, 200, { ok: true, state: hardware.snapshot() });
}

export function startControlServer(hardware: SimulatedHardware, options: { port?: number } = {}): Promise<ControlServer> {
  const server = http.createServer((req, res) => {
    handle(hardware, req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, { ok: false, error: e instanceof Error ? e.message : String(e) });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}
