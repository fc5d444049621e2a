/**
 * A tiny JSON-over-HTTP control surface for the simulated hardware, bound to 127.0.0.1 only, for
 * tests, the `vep sim control` CLI and the tester panel. No framework: node:http.
 *
 *   GET  /                           -> the tester panel (panel.html)
 *   GET  /state                      -> { ok: true, state: HardwareSnapshot }
 *   GET  /printers/<name>/tickets    -> { ok: true, tickets: TicketSummary[] }
 *   GET  /printers/<name>/tickets/<index>.png | .txt  -> the ticket as image or text
 *   POST /<area>/<verb>  (JSON body)  -> runs command { action: "<area>.<verb>", ...body }
 *        e.g. POST /activation/insert {"reader":"reader-1","device":"dev-1"}
 *             POST /usb/fault {"stick":"usb-1","fault":{"type":"remove-before","step":"rename"}}
 *             POST /printer/fault {"printer":"p1","fault":"paper-out"}
 *   answers { ok: true, state } or { ok: false, error } (400 bad request, 409 refused).
 *
 * Requests must carry a loopback Host header (DNS-rebinding hosts are refused), and commands
 * Content-Type: application/json, so that a web page open on the same machine cannot drive the
 * hardware (no CORS preflight is ever answered). Responses are same-origin only
 * (Cross-Origin-Resource-Policy), so another page cannot even embed a ticket image.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimCommandSchema } from './commands.ts';
import { panelHtml } from './panel.ts';
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

const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'cross-origin-resource-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
} as const;

function sendBytes(res: http.ServerResponse, status: number, contentType: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...COMMON_HEADERS, 'content-type': contentType, ...extra });
  res.end(body);
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  sendBytes(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

/** GET routes other than /state; false when the path is none of them. */
function handleGet(hardware: SimulatedHardware, pathname: string, res: http.ServerResponse, panel: string): boolean {
  if (pathname === '/') {
    sendBytes(res, 200, 'text/html; charset=utf-8', panel, {
      // The panel's only script and style are inline; it talks to this origin only.
      'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'none'",
      'x-frame-options': 'DENY',
    });
    return true;
  }
  const list = /^\/printers\/([A-Za-z0-9][A-Za-z0-9._-]{0,63})\/tickets$/.exec(pathname);
  if (list?.[1] !== undefined) {
    const tickets = hardware.printers.tickets(list[1]);
    if (tickets.ok) send(res, 200, { ok: true, tickets: tickets.value });
    else send(res, 404, { ok: false, error: tickets.error });
    return true;
  }
  const one = /^\/printers\/([A-Za-z0-9][A-Za-z0-9._-]{0,63})\/tickets\/([1-9][0-9]{0,8})\.(png|txt)$/.exec(pathname);
  if (one?.[1] !== undefined && one[2] !== undefined) {
    const index = Number(one[2]);
    if (one[3] === 'png') {
      const png = hardware.printers.ticketPng(one[1], index);
      if (png.ok) sendBytes(res, 200, 'image/png', png.value);
      else send(res, 404, { ok: false, error: png.error });
    } else {
      const text = hardware.printers.ticketText(one[1], index);
      if (text.ok) sendBytes(res, 200, 'text/plain; charset=utf-8', `${text.value}\n`);
      else send(res, 404, { ok: false, error: text.error });
    }
    return true;
  }
  return false;
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

async function handle(hardware: SimulatedHardware, req: http.IncomingMessage, res: http.ServerResponse, panel: string): Promise<void> {
  if (!isLoopbackHost(req.headers.host ?? '')) return send(res, 403, { ok: false, error: 'loopback host required' });
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (req.method === 'GET' && url.pathname === '/state') return send(res, 200, { ok: true, state: hardware.snapshot() });
  if (req.method === 'GET' && handleGet(hardware, url.pathname, res, panel)) return;
  if (req.method === 'GET') return send(res, 404, { ok: false, error: `unknown path ${url.pathname}` });
  if (req.method !== 'POST') return send(res, 405, { ok: false, error: 'use GET / , GET /state, GET /printers/<name>/tickets or POST /<area>/<verb>' });
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
  const panel = panelHtml(fs.readFileSync(new URL('./panel.html', import.meta.url), 'utf8'));
  const server = http.createServer((req, res) => {
    handle(hardware, req, res, panel).catch((e: unknown) => {
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
