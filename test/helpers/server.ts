// Starts an app on 127.0.0.1:0 for a test and stops it after; plus raw-socket helpers for the cases
// fetch cannot express (malformed requests, pipelining, slow clients).
import { createApp, type App } from '../../lib/app';
import { Server } from '../../lib/server';
import type { Settings } from '../../lib/settings/index';
import { connectRaw, httpBase, laneRequest, laneSettings, READY_EVENT } from './tls-lane';

export interface Running {
  app: App;
  server: Server;
  base: string;
  port: number;
  stop(): Promise<void>;
}

/** createApp(overrides) with port 0, `setup(app)` to add routes, then run; call stop() when done. */
export async function startApp(setup: (app: App) => void, overrides: Partial<Settings> = {}): Promise<Running> {
  const app = createApp(laneSettings({ port: 0, host: '127.0.0.1', ...overrides }));
  setup(app);
  const server = await new Server(app).run();
  const port = server.port;
  return { app, server, port, base: httpBase(port), stop: () => server.stop() };
}

/** Sends raw bytes on one connection; resolves with everything received until the server closes or `idleMs` of silence. */
export function rawRequest(
  port: number,
  data: string | Buffer | Array<string | Buffer>,
  idleMs = 300,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectRaw(port);
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(done, idleMs);
    };
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      arm();
    });
    socket.on('end', done);
    socket.on('close', done);
    socket.on('error', (err) => {
      clearTimeout(timer);
      if (chunks.length > 0) resolve(Buffer.concat(chunks).toString('latin1'));
      else reject(err);
    });
    socket.on(READY_EVENT, () => {
      for (const part of Array.isArray(data) ? data : [data]) socket.write(part);
      arm();
    });
  });
}

export interface ParsedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Splits a stream of HTTP/1.1 responses with Content-Length bodies (enough for these tests). */
export function parseResponses(raw: string): ParsedResponse[] {
  const out: ParsedResponse[] = [];
  let rest = raw;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end === -1) break;
    const lines = rest.slice(0, end).split('\r\n');
    const status = Number(lines[0].split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    const bodyBytes = Buffer.from(rest.slice(end + 4), 'latin1').subarray(0, length);
    out.push({ status, headers, body: bodyBytes.toString('utf8') });
    rest = rest.slice(end + 4 + bodyBytes.length);
  }
  return out;
}

export interface SimpleResponse {
  status: number;
  statusText: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

/** One request through node:http (no headers added for us, unlike fetch's default content type). */
export function request(
  port: number,
  options: {
    method?: string;
    path?: string;
    headers?: Record<string, string | number>;
    body?: string | Buffer;
    timeoutMs?: number;
  } = {},
): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = laneRequest(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: options.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            headers: res.headers,
            body,
            text: body.toString('utf8'),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(options.timeoutMs ?? 10000, () => req.destroy(new Error('request timed out')));
    req.end(options.body);
  });
}
