// settings.sendTimeout on both transports (issue 19): a client that takes none of what waits for it — it
// pipelines requests and never reads, or stops reading a streamed download — is dropped once no byte has
// gone out for that long; a client that reads slowly but steadily is never cut; the answer that closes a
// connection is not cut short by the wait for the client's FIN.
import * as net from 'node:net';
import { Readable } from 'node:stream';
import type { App } from '../../lib/app';
import type { Settings } from '../../lib/settings';
import { startApp, type Running } from '../helpers/server';

const TRANSPORTS = ['node', 'krozen'] as const;
const MB = 1024 * 1024;

function routes(app: App): void {
  const hundredK = Buffer.alloc(100 * 1024, 0x62);
  app.get('/100k', () => ({ body: hundredK, headers: { 'content-type': 'application/octet-stream' } }));
  app.get('/stream', (req) => {
    const total = Number(req.query.mb ?? 50) * MB;
    let sent = 0;
    const body = new Readable({
      read() {
        if (sent >= total) return void this.push(null);
        sent += 64 * 1024;
        this.push(Buffer.alloc(64 * 1024, 0x63));
      },
    });
    return { body, headers: { 'content-type': 'application/octet-stream', 'content-length': String(total) } };
  });
  app.get('/whole', (req) => ({
    body: Buffer.alloc(Number(req.query.mb ?? 12) * MB, 0x64),
    headers: { 'content-type': 'application/octet-stream', connection: req.query.close ? 'close' : 'keep-alive' },
  }));
}

function start(transport: string, overrides: Partial<Settings> = {}): Promise<Running> {
  return startApp(routes, { transport: transport as Settings['transport'], sendTimeout: 500, ...overrides });
}

/** Open connections on the running server (both transports keep a listening net.Server). */
function openConnections(running: Running): Promise<number> {
  const server = (running.server as unknown as { transport: { server: net.Server } }).transport.server;
  return new Promise((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
}

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - started;
}

/** A client that sends `data` and then never reads (its receive window fills; the server's sends stall). */
function neverReads(port: number, data: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      socket.pause();
      socket.write(data);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

describe.each(TRANSPORTS)('sendTimeout on the %s transport', (transport) => {
  test('a client that pipelines GETs and never reads is dropped after sendTimeout', async () => {
    const running = await start(transport);
    const clients: net.Socket[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        clients.push(await neverReads(running.port, 'GET /100k HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(200)));
      }
      await waitFor(async () => (await openConnections(running)) === 3, 2000);
      // The kernel's buffers fill in well under a second; then 500 ms without progress, then the sweep.
      const took = await waitFor(async () => (await openConnections(running)) === 0, 6000);
      expect(took).toBeLessThan(6000);
    } finally {
      for (const c of clients) c.destroy();
      await running.stop();
    }
  }, 20_000);

  test('a streamed download the client stops reading is dropped after sendTimeout (the stream is released)', async () => {
    const running = await start(transport);
    try {
      const client = await neverReads(running.port, 'GET /stream?mb=50 HTTP/1.1\r\nHost: x\r\n\r\n');
      await waitFor(async () => (await openConnections(running)) === 1, 2000);
      await waitFor(async () => (await openConnections(running)) === 0, 6000);
      client.destroy();
    } finally {
      await running.stop();
    }
  }, 20_000);

  test('a client reading slowly but steadily gets the whole 12 MB body', async () => {
    // The kernel wakes a blocked sender only once a good part of its send buffer is free (megabytes on
    // loopback): at 2.5 MB/s progress shows about every second, so the deadline here is 2 s.
    const running = await start(transport, { sendTimeout: 2000 });
    try {
      const received = await new Promise<number>((resolve, reject) => {
        const socket = net.connect(running.port, '127.0.0.1');
        let bytes = 0;
        let sinceTick = 0;
        const tick = setInterval(() => {
          sinceTick = 0;
          socket.resume();
        }, 100);
        socket.on('data', (c: Buffer) => {
          bytes += c.length;
          sinceTick += c.length;
          // About 2.5 MB/s: slower than the server could send, faster than sendTimeout allows to stall.
          if (sinceTick >= 256 * 1024) socket.pause();
          if (bytes >= 12 * MB) socket.end();
        });
        socket.on('close', () => {
          clearInterval(tick);
          resolve(bytes);
        });
        socket.on('error', reject);
        socket.write('GET /whole?mb=12&close=1 HTTP/1.1\r\nHost: x\r\n\r\n');
      });
      expect(received).toBeGreaterThan(12 * MB);
    } finally {
      await running.stop();
    }
  }, 30_000);
});
