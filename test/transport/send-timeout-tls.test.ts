// settings.sendTimeout over TLS (node:http's https server, where settings.tls serves): the deadline watches
// the TLS socket the responses are written to, not only the TCP one under it. A client that never reads a
// streamed 50 MB body loses the connection within sendTimeout; one that reads in bursts keeps it, and so does
// one reading a 64 MB body written in one write (progress is read on the TCP handle under the TLSWrap).
import { selfSignedCert } from '../helpers/self-signed';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { startApp, type Running } from '../helpers/server';
import { bigStream, readSlowly } from '../helpers/slow-bodies';

const SEND_TIMEOUT = 500;
const SLACK = 1500;

// The kernel reopens a paused loopback reader's window in ~1.5 MB steps (seconds apart at 640 KB/s).
const SLOW_SEND_TIMEOUT = 4000;

let dir: string;
let r: Running;
let slow: Running;
const closedAt: number[] = [];
const slowClosedAt: number[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'krozen-tls-send-'));
  const { key, cert } = selfSignedCert(dir);
  r = await startApp(
    (app) => {
      app.get('/stream', () => ({ body: bigStream() }));
    },
    { tls: { key, cert }, sendTimeout: SEND_TIMEOUT, httpMaxBackpressure: 0 },
  );
  const server = (r.server as unknown as { transport: { server: net.Server } }).transport.server;
  server.on('connection', (socket: net.Socket) => socket.once('close', () => closedAt.push(Date.now())));
  slow = await startApp(
    (app) => {
      app.get('/huge', () => ({ body: Buffer.alloc(64 * 1024 * 1024, 0x63) }));
    },
    { tls: { key, cert }, sendTimeout: SLOW_SEND_TIMEOUT, httpMaxBackpressure: 0 },
  );
  const slowServer = (slow.server as unknown as { transport: { server: net.Server } }).transport.server;
  slowServer.on('connection', (socket: net.Socket) => socket.once('close', () => slowClosedAt.push(Date.now())));
});

afterAll(async () => {
  await r.stop();
  await slow.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A TLS client that sends one request and then reads nothing (paused). */
async function pausedClient(port = r.port, target = '/stream'): Promise<tls.TLSSocket> {
  const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('secureConnect', resolve));
  socket.pause();
  socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
  return socket;
}

test('a TLS client that never reads a streamed 50 MB body is closed within sendTimeout', async () => {
  const before = closedAt.length;
  const start = Date.now();
  const socket = await pausedClient();
  const until = Date.now() + 10_000;
  while (closedAt.length === before && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(closedAt.length).toBeGreaterThan(before);
  const took = closedAt[before] - start;
  console.log(`tls: streamed body to a non-reader closed after ${took} ms (sendTimeout ${SEND_TIMEOUT})`);
  expect(took).toBeLessThan(SEND_TIMEOUT + SLACK);
  socket.destroy();
});

test('a TLS client that reads in bursts (10 ms every 100 ms) is not cut', async () => {
  const before = closedAt.length;
  const socket = await pausedClient();
  let received = 0;
  socket.on('data', (chunk: Buffer) => (received += chunk.length));
  socket.pause();
  // paused-mode read() yields one TLS record per tick: bursts of flowing reads move the window instead.
  const reader = setInterval(() => {
    socket.resume();
    setTimeout(() => socket.pause(), 10);
  }, 100);
  await new Promise((resolve) => setTimeout(resolve, 4 * SEND_TIMEOUT));
  clearInterval(reader);
  expect(closedAt.length).toBe(before);
  expect(received).toBeGreaterThan(1024 * 1024);
  socket.destroy();
});

test('a TLS client slowly reading a 64 MB body sent in one write is not cut', async () => {
  const socket = await pausedClient(slow.port, '/huge');
  // 64 KiB every 100 ms for two timeouts: the one write stays in flight the whole time.
  const received = await readSlowly(socket, 64 * 1024, 2 * SLOW_SEND_TIMEOUT);
  expect(slowClosedAt).toEqual([]);
  expect(received).toBeGreaterThan(2 * 1024 * 1024);
  socket.destroy();
});
