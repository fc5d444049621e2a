/**
 * A loopback TCP proxy that forwards faithfully until `cut` says otherwise: after k bytes of
 * the request (client -> server) or of the response (server -> client) it forwards exactly k
 * bytes and then destroys both sockets. Used to interrupt a transmission at a chosen byte.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface Cut {
  readonly direction: 'request' | 'response';
  readonly afterBytes: number;
}

export interface CuttingProxy {
  readonly url: string;
  /** The cut for the next connections; undefined forwards everything. */
  cut: Cut | undefined;
  /** How many connections were cut so far. */
  readonly cuts: number;
  close(): Promise<void>;
}

export async function startCuttingProxy(targetPort: number): Promise<CuttingProxy> {
  const sockets = new Set<net.Socket>();
  let cuts = 0;
  const state: { cut: Cut | undefined } = { cut: undefined };
  const server = net.createServer((client) => {
    const cut = state.cut;
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const counted = { request: 0, response: 0 };
    let dead = false;
    const kill = () => {
      dead = true;
      client.destroy();
      upstream.destroy();
    };
    const pipe = (from: net.Socket, to: net.Socket, direction: 'request' | 'response') => {
      from.on('data', (chunk: Buffer) => {
        if (dead) return;
        if (cut?.direction === direction) {
          const room = cut.afterBytes - counted[direction];
          if (chunk.length >= room) {
            counted[direction] += room;
            cuts += 1;
            dead = true;
            if (room > 0) to.write(chunk.subarray(0, room), kill);
            else kill();
            return;
          }
        }
        counted[direction] += chunk.length;
        to.write(chunk);
      });
      from.on('end', () => to.end());
      from.on('error', kill);
      from.on('close', () => sockets.delete(from));
    };
    pipe(client, upstream, 'request');
    pipe(upstream, client, 'response');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get cut() {
      return state.cut;
    },
    set cut(value) {
      state.cut = value;
    },
    get cuts() {
      return cuts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
