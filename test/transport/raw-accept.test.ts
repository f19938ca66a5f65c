// HTTP connections accepted on their TCP handles (lib/transport/raw-accept.ts): no net.Socket from the accept on,
// the same HTTP/1.1 on the wire as a net.Socket connection — keep-alive, pipelining, a client's FIN after its
// request (answered, then closed), a streamed body to a slow reader, a WebSocket upgrade that keeps the handle —
// and a net.Socket where one is needed: maxConnections' 503, a 'connection' listener somebody added. Every
// other HTTP suite runs on whichever path getBackends().httpSocket names; this one checks the path itself.
// Plain TCP by nature (its clients speak cleartext HTTP/1.1): the TLS lane leaves it out (.ci/run).
import * as net from 'node:net';
import { Readable } from 'node:stream';
import WebSocket from 'ws';
import { getBackends } from '../../lib/diagnostics';
import { rawAcceptCounts } from '../../lib/transport/raw-accept';
import { rawSocketCounts } from '../../lib/transport/raw-socket';
import { setRawSocket } from '../../lib/transport/raw-takeover';
import { startApp, rawRequest, parseResponses, type Running } from '../helpers/server';

const onHandles = getBackends('krozen').httpSocket === 'handle' && process.env.KROZEN_TEST_TLS !== '1';
const rawByDefault = process.env.KROZEN_RAW_SOCKET !== '0';

/** The transport's listening net.Server (both transports keep theirs as transport.server). */
function listenerOf(r: Running): net.Server {
  return (r.server as unknown as { transport: { server: net.Server } }).transport.server;
}

/** A body of `count` 64 KiB pieces, made as read; piece k (counting down from count - 1) is filled with byteOf(k). */
function pieces(count: number, byteOf: (left: number) => number): Readable {
  let left = count;
  return new Readable({
    read(): void {
      this.push(left-- > 0 ? Buffer.alloc(64 * 1024, byteOf(left)) : null);
    },
  });
}

/** Client sockets of the running test: destroyed after it, passed or failed (none may keep jest alive). */
const clients: net.Socket[] = [];
function connect(port: number): net.Socket {
  const socket = net.connect(port, '127.0.0.1');
  clients.push(socket);
  return socket;
}
/** Servers a test starts besides the shared one: stopped after it even when it timed out mid-way. */
const started: Running[] = [];
async function start(...args: Parameters<typeof startApp>): Promise<Running> {
  const running = await startApp(...args);
  started.push(running);
  return running;
}
afterEach(async () => {
  for (const socket of clients.splice(0)) socket.destroy();
  await Promise.all(started.splice(0).map((s) => s.stop().catch(() => undefined)));
});

let r: Running;
beforeAll(async () => {
  r = await startApp(
    (app) => {
      app.get('/json', () => ({ body: { ok: true } }));
      app.get('/slow', async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return { body: { slow: true } };
      });
      // 8 MiB streamed in 64 KiB pieces: more than the socket buffers hold, so a slow reader backs it up.
      app.get('/stream', () => {
        const body = pieces(128, (left) => 0x61 + (left % 26));
        return { status: 200, headers: { 'content-type': 'application/octet-stream' }, body };
      });
      app.ws('/echo', { message: (ctx) => void (ctx.reply = ctx.raw) });
    },
    { transport: 'krozen', maxConnections: 0 },
  );
});
afterAll(async () => {
  setRawSocket(rawByDefault);
  await r.stop();
});

test(`getBackends('krozen').httpSocket says which path runs (${onHandles ? 'handle' : 'stream'} here)`, async () => {
  const before = { ...rawAcceptCounts };
  expect(
    (await rawRequest(r.port, 'GET /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).split('\r\n')[0],
  ).toBe('HTTP/1.1 200 OK');
  expect(rawAcceptCounts.raw - before.raw).toBe(onHandles ? 1 : 0);
  expect(getBackends('node').httpSocket).toBe('stream');
  expect(getBackends('krozen', true).httpSocket).toBe('stream');
});

test('keep-alive and pipelining: ten requests in one write get ten answers in order on one connection', async () => {
  const paths = ['/json', '/slow', '/json', '/slow', '/json', '/json', '/slow', '/json', '/json', '/json'];
  const raw = await rawRequest(r.port, paths.map((p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''), 600);
  const answers = parseResponses(raw);
  expect(answers.map((a) => a.status)).toEqual(paths.map(() => 200));
  expect(answers.map((a) => JSON.parse(a.body))).toEqual(
    paths.map((p) => (p === '/slow' ? { slow: true } : { ok: true })),
  );
});

test("a client's FIN right after its request: the answer still comes, then the server's FIN", async () => {
  const socket = connect(r.port);
  await new Promise((resolve) => socket.once('connect', resolve));
  const chunks: Buffer[] = [];
  socket.on('data', (c) => chunks.push(c));
  socket.end('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n'); // half-close: nothing more from this client
  await new Promise((resolve) => socket.once('end', resolve));
  const [answer] = parseResponses(Buffer.concat(chunks).toString('latin1'));
  expect(answer.status).toBe(200);
  expect(JSON.parse(answer.body)).toEqual({ slow: true });
  socket.destroy();
});

test('a streamed 8 MiB body reaches a client that reads slowly, byte for byte (backpressure and drain)', async () => {
  const socket = connect(r.port);
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write('GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  socket.pause();
  await new Promise((resolve) => setTimeout(resolve, 300)); // the server's writes back up meanwhile
  const chunks: Buffer[] = [];
  socket.on('data', (c) => chunks.push(c));
  socket.resume();
  await new Promise((resolve) => socket.once('end', resolve));
  const all = Buffer.concat(chunks);
  const headEnd = all.indexOf('\r\n\r\n') + 4;
  const head = all.subarray(0, headEnd).toString('latin1');
  expect(head.startsWith('HTTP/1.1 200')).toBe(true);
  // Chunked framing: strip it and compare the payload.
  let pos = headEnd;
  const body: Buffer[] = [];
  for (;;) {
    const lineEnd = all.indexOf('\r\n', pos);
    const size = parseInt(all.subarray(pos, lineEnd).toString('latin1'), 16);
    if (size === 0) break;
    body.push(all.subarray(lineEnd + 2, lineEnd + 2 + size));
    pos = lineEnd + 2 + size + 2;
  }
  const payload = Buffer.concat(body);
  expect(payload.length).toBe(128 * 64 * 1024);
  for (let piece = 0; piece < 128; piece++) {
    const expected = 0x61 + ((127 - piece) % 26);
    expect(payload[piece * 64 * 1024]).toBe(expected);
    expect(payload[piece * 64 * 1024 + 65535]).toBe(expected);
  }
  socket.destroy();
});

test('a WebSocket upgrade keeps the handle: the session becomes its owner, echoes, closes cleanly', async () => {
  const taken = rawSocketCounts.taken;
  const ws = new WebSocket(`ws://127.0.0.1:${r.port}/echo`);
  try {
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const got = new Promise<string>((resolve) => ws.once('message', (m) => resolve(m.toString())));
    ws.send('over the raw handle');
    expect(await got).toBe('over the raw handle');
    expect(rawSocketCounts.taken - taken).toBe(onHandles ? 1 : 0);
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    ws.close(1000);
    expect(await closed).toBe(1000);
  } finally {
    ws.terminate();
  }
});

test("a 'connection' listener on the listener gets its net.Socket: such connections take Node's path", async () => {
  const listener = listenerOf(r);
  const seen: net.Socket[] = [];
  const watch = (s: net.Socket): void => void seen.push(s);
  listener.on('connection', watch);
  const before = { ...rawAcceptCounts };
  try {
    const raw = await rawRequest(r.port, 'GET /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(raw.startsWith('HTTP/1.1 200 OK')).toBe(true);
  } finally {
    listener.off('connection', watch);
  }
  expect(seen.length).toBe(1);
  expect(seen[0]).toBeInstanceOf(net.Socket);
  expect(rawAcceptCounts.raw - before.raw).toBe(0);
  if (onHandles) expect(rawAcceptCounts.stream - before.stream).toBe(1);
});

test('with raw sockets off (KROZEN_RAW_SOCKET=0 / setRawSocket(false)) a new server accepts through net.Socket', async () => {
  setRawSocket(false);
  const off = await start((app) => app.get('/json', () => ({ body: { ok: true } })), { transport: 'krozen' });
  try {
    const before = { ...rawAcceptCounts };
    const raw = await rawRequest(off.port, 'GET /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(raw.startsWith('HTTP/1.1 200 OK')).toBe(true);
    expect(rawAcceptCounts.raw - before.raw).toBe(0);
  } finally {
    setRawSocket(rawByDefault);
    await off.stop();
  }
});

test('maxConnections: the connection over the cap gets its 503 (through a net.Socket); the others keep working', async () => {
  const capped = await start((app) => app.get('/json', () => ({ body: { ok: true } })), {
    transport: 'krozen',
    maxConnections: 1,
  });
  try {
    const first = connect(capped.port);
    await new Promise((resolve) => first.once('connect', resolve));
    first.write('GET /json HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => first.once('data', resolve));
    const refused = await rawRequest(capped.port, 'GET /json HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(refused.split('\r\n')[0]).toBe('HTTP/1.1 503 Service Unavailable');
    const again = new Promise<Buffer>((resolve) => first.once('data', resolve));
    first.write('GET /json HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await again).toString('latin1').startsWith('HTTP/1.1 200 OK')).toBe(true);
    first.destroy();
  } finally {
    await capped.stop();
  }
});

test('sendTimeout on the handle: a client that never reads a streamed body is closed; the send progress is read there', async () => {
  const stalled = await start(
    (app) =>
      app.get('/big', () => {
        const body = pieces(256, () => 0x62); // 16 MiB: far more than the socket buffers hold
        return { status: 200, body };
      }),
    { transport: 'krozen', sendTimeout: 400 },
  );
  const open = (): number =>
    (stalled.server as unknown as { transport: { openConnections: number } }).transport.openConnections;
  try {
    const before = rawAcceptCounts.raw;
    const client = connect(stalled.port);
    await new Promise((resolve) => client.once('connect', resolve));
    client.pause(); // never reads
    client.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
    const t0 = Date.now();
    while (open() === 0 && Date.now() - t0 < 2000) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(open()).toBe(1);
    expect(rawAcceptCounts.raw - before).toBe(onHandles ? 1 : 0);
    while (open() !== 0 && Date.now() - t0 < 6000) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(open()).toBe(0); // closed by the sweep: no progress for sendTimeout
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    client.destroy();
  } finally {
    await stalled.stop();
  }
});

test('a slow reader of a streamed body is not cut by sendTimeout while it keeps reading (progress counted on the handle)', async () => {
  const served = await start(
    (app) =>
      app.get('/big', () => {
        const body = pieces(64, () => 0x63); // 4 MiB
        return { status: 200, headers: { connection: 'close' }, body };
      }),
    { transport: 'krozen', sendTimeout: 300 },
  );
  try {
    const client = connect(served.port);
    await new Promise((resolve) => client.once('connect', resolve));
    client.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
    let received = 0;
    // About 1 MiB every 150 ms: slower than the server writes, faster than sendTimeout allows stalls.
    const done = new Promise<void>((resolve) => client.once('end', () => resolve()));
    client.on('data', (c: Buffer) => {
      received += c.length;
      client.pause();
      setTimeout(() => client.resume(), received % (1024 * 1024) < c.length ? 150 : 0);
    });
    await done;
    expect(received).toBeGreaterThan(4 * 1024 * 1024);
    client.destroy();
  } finally {
    await served.stop();
  }
});
