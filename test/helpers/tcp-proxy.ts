// A TCP proxy on 127.0.0.1 for the recovery tests: a client keeps one URL while the server behind it changes
// (`target`), and the network can be cut (every proxied connection reset at once, bytes in flight lost) and
// blocked (new connections reset on accept, so reconnection attempts fail until it is unblocked).
import * as net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** The port new connections are forwarded to. */
  target: number;
  /** Connections currently proxied. */
  readonly open: number;
  /** While true, new connections are reset as soon as they are accepted. */
  blocked: boolean;
  /** Resets every proxied connection (both sides). */
  cut(): void;
  close(): Promise<void>;
}

export function startProxy(target: number): Promise<TcpProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  const state = { target, blocked: false };
  const server = net.createServer({ noDelay: true }, (client) => {
    if (state.blocked) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect({ port: state.target, host: '127.0.0.1', noDelay: true });
    const pair = { client, upstream };
    pairs.add(pair);
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        get target() {
          return state.target;
        },
        set target(port: number) {
          state.target = port;
        },
        get blocked() {
          return state.blocked;
        },
        set blocked(on: boolean) {
          state.blocked = on;
        },
        get open() {
          return pairs.size;
        },
        cut() {
          for (const { client, upstream } of pairs) {
            client.resetAndDestroy();
            upstream.resetAndDestroy();
          }
          pairs.clear();
        },
        close() {
          for (const { client, upstream } of pairs) {
            client.destroy();
            upstream.destroy();
          }
          pairs.clear();
          return new Promise<void>((r) => server.close(() => r()));
        },
      });
    });
  });
}
