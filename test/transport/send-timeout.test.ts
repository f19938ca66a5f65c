// settings.sendTimeout on both transports (issue 19, item 3): a client that never reads its answers —
// pipelined GETs, or one big streamed body — loses its connection within sendTimeout (plus one sweep);
// a slow client that keeps reading is never cut. Raw sockets, paused, so the kernel buffers fill.
import * as net from 'node:net';
import type { App } from '../../lib/app';
import type { Settings } from '../../lib/settings/index';
import { startApp, type Running } from '../helpers/server';
import { bigStream, readSlowly } from '../helpers/slow-bodies';
import { connectRaw } from '../helpers/tls-lane';

const TRANSPORTS = ['node', 'krozen'] as const;
const SEND_TIMEOUT = 500;
// One sweep (a quarter of the timeout) plus a loaded machine's scheduling.
const SLACK = 1500;

function routes(app: App): void {
  app.get('/big', () => ({ body: Buffer.alloc(256 * 1024, 0x62) }));
  app.get('/stream', () => ({ body: bigStream() }));
  app.get('/ok', () => ({ body: { ok: true } }));
  app.ws('/ws', { message: () => undefined });
  // 64 MB in one write: progress inside it must count.
  app.get('/huge', () => ({ body: Buffer.alloc(64 * 1024 * 1024, 0x63) }));
  // 12 MB that ends the connection: the wait for the client's FIN must not cut it short.
  app.get('/last', () => ({ body: Buffer.alloc(12 * 1024 * 1024, 0x64), headers: { connection: 'close' } }));
}

/** Server-side sockets, in accept order, each with when it closed (a paused client would not notice). */
function watchServerSockets(r: Running): Array<{ closedAt?: number }> {
  const seen: Array<{ closedAt?: number }> = [];
  const server = (r.server as unknown as { transport: { server: net.Server } }).transport.server;
  server.on('connection', (socket: net.Socket) => {
    const entry: { closedAt?: number } = {};
    seen.push(entry);
    socket.once('close', () => (entry.closedAt = Date.now()));
  });
  return seen;
}

/** A connection that reads nothing (paused): the kernel buffers fill, then the server's sends stall. */
function openPaused(port: number): net.Socket {
  const socket = connectRaw(port);
  socket.pause();
  socket.on('error', () => undefined);
  return socket;
}

async function closedWithin(entry: { closedAt?: number } | undefined, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (entry?.closedAt === undefined && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  return entry?.closedAt !== undefined;
}

describe.each(TRANSPORTS)('transport %s: sendTimeout', (transport) => {
  let r: Running;
  let accepted: Array<{ closedAt?: number }>;
  beforeAll(async () => {
    // No backlog cap here: only the send deadline may end these connections.
    r = await startApp(routes, {
      transport: transport as Settings['transport'],
      sendTimeout: SEND_TIMEOUT,
      httpMaxBackpressure: 0,
    });
    accepted = watchServerSockets(r);
  });
  afterAll(() => r.stop());

  /** The server side of the connection just opened (accepted before any bytes come back). */
  async function serverSide(before: number): Promise<{ closedAt?: number }> {
    while (accepted.length === before) await new Promise((resolve) => setTimeout(resolve, 5));
    return accepted[before];
  }

  test('a client that pipelines GETs and never reads is closed', async () => {
    const before = accepted.length;
    const socket = openPaused(r.port);
    const start = Date.now();
    socket.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(200));
    const entry = await serverSide(before);
    // 50 MB of answers cannot all sit in the kernel's buffers: sending stalls, then the deadline runs.
    expect(await closedWithin(entry, 10_000)).toBe(true);
    const took = (entry.closedAt as number) - start;
    console.log(`${transport}: pipelining non-reader closed after ${took} ms (sendTimeout ${SEND_TIMEOUT})`);
    expect(took).toBeLessThan(SEND_TIMEOUT + SLACK);
    socket.destroy();
    // The server still answers others.
    expect((await fetch(`${r.base}/ok`)).status).toBe(200);
  });

  test('a non-reader whose pipelined GETs end with a WebSocket upgrade is closed too', async () => {
    const before = accepted.length;
    const socket = openPaused(r.port);
    const start = Date.now();
    const upgrade =
      'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
      'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';
    socket.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(100) + upgrade);
    const entry = await serverSide(before);
    expect(await closedWithin(entry, 10_000)).toBe(true);
    expect((entry.closedAt as number) - start).toBeLessThan(SEND_TIMEOUT + SLACK);
    socket.destroy();
  });

  test('a streamed 50 MB body to a client that never reads is closed within sendTimeout', async () => {
    const before = accepted.length;
    const socket = openPaused(r.port);
    const start = Date.now();
    socket.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
    const entry = await serverSide(before);
    // Filling the loopback buffers takes a few ms; then nothing moves and the deadline runs.
    expect(await closedWithin(entry, 10_000)).toBe(true);
    const took = (entry.closedAt as number) - start;
    console.log(`${transport}: streamed body to a non-reader closed after ${took} ms (sendTimeout ${SEND_TIMEOUT})`);
    expect(took).toBeLessThan(SEND_TIMEOUT + SLACK);
    socket.destroy();
  });
});

// The kernel paces what the server sees: a paused loopback client that reads 64 KiB every 100 ms reopens its
// TCP window about every 2.3 s (1.5 MB at a time), so a slow reader is tested against a longer timeout.
const SLOW_SEND_TIMEOUT = 4000;

describe.each(TRANSPORTS)('transport %s: sendTimeout and a slow reader', (transport) => {
  let r: Running;
  let accepted: Array<{ closedAt?: number }>;
  // Each slow reader reads for two timeouts: they run side by side (CI time), each test awaits its own.
  let slowStream: Promise<SlowRead>;
  let slowHuge: Promise<SlowRead>;
  let slowLast: Promise<number>;
  beforeAll(async () => {
    r = await startApp(routes, {
      transport: transport as Settings['transport'],
      sendTimeout: SLOW_SEND_TIMEOUT,
      httpMaxBackpressure: 0,
    });
    accepted = watchServerSockets(r);
    slowStream = (await startSlowRead('/stream')).reading;
    slowHuge = (await startSlowRead('/huge')).reading;
    slowLast = readLast();
    slowLast.catch(() => undefined);
  });
  afterAll(() => r.stop());

  interface SlowRead {
    closedAt?: number;
    received: number;
  }

  /** Opens a paused client for `path` and, once the server has its side, reads 64 KiB every 100 ms. */
  async function startSlowRead(path: string): Promise<{ reading: Promise<SlowRead> }> {
    const before = accepted.length;
    const socket = openPaused(r.port);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
    while (accepted.length === before) await new Promise((resolve) => setTimeout(resolve, 5));
    const entry = accepted[before];
    const reading = readSlowly(socket, 64 * 1024, 2 * SLOW_SEND_TIMEOUT).then((received) => {
      socket.destroy();
      return { closedAt: entry.closedAt, received };
    });
    reading.catch(() => undefined); // awaited by its test; no unhandled rejection before then
    return { reading }; // wrapped: an async function would wait for a promise it returns
  }

  test('a slow client that keeps reading is not cut', async () => {
    const { closedAt, received } = await slowStream;
    expect(closedAt).toBeUndefined();
    expect(received).toBeGreaterThan(2 * 1024 * 1024);
  });

  test('a slow client reading one big Buffer body (one write) is not cut', async () => {
    const { closedAt, received } = await slowHuge;
    expect(closedAt).toBeUndefined();
    expect(received).toBeGreaterThan(2 * 1024 * 1024);
  });

  /** A client that reads about 2.5 MB/s all of a 12 MB answer that closes the connection: bytes received. */
  function readLast(): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const socket = connectRaw(r.port);
      let bytes = 0;
      let sinceTick = 0;
      const tick = setInterval(() => {
        sinceTick = 0;
        socket.resume();
      }, 100);
      socket.on('data', (c: Buffer) => {
        bytes += c.length;
        sinceTick += c.length;
        // About 2.5 MB/s: several seconds for the answer, longer than the 2 s the server waits for a FIN.
        if (sinceTick >= 256 * 1024) socket.pause();
      });
      socket.on('close', () => {
        clearInterval(tick);
        resolve(bytes);
      });
      socket.on('error', reject);
      socket.write('GET /last HTTP/1.1\r\nHost: x\r\n\r\n');
    });
  }

  test('a slow client gets the whole of a 12 MB answer that closes the connection', async () => {
    expect(await slowLast).toBeGreaterThan(12 * 1024 * 1024);
  });
});
