// settings.maxConnections (a cap on open connections, lib/transport/connection-limit.ts) and
// settings.httpMaxBackpressure (a cap on responses queued on one connection, lib/transport/response-backlog.ts).
import * as net from 'node:net';
import { RawConnection } from './helpers/raw-connection';
import { request, startApp, type Running } from './helpers/server';
import { openWs, closed } from './ws/helpers';

const GET = 'GET /json HTTP/1.1\r\nHost: x\r\n\r\n';

describe('maxConnections: 2', () => {
  let r: Running;
  beforeAll(async () => {
    r = await startApp((app) => {
      app.get('/json', () => ({ body: { ok: true } }));
    }, { maxConnections: 2, wsEndpoint: 'on' });
  });
  afterAll(() => r.stop());

  async function kept(): Promise<RawConnection> {
    const c = await RawConnection.open(r.port);
    c.send(GET);
    expect((await c.response())?.status).toBe(200);
    return c;
  }

  test('a third connection gets 503 JSON and is closed; once one closes, a new one is served', async () => {
    const a = await kept();
    const b = await kept();
    const c = await RawConnection.open(r.port);
    c.send(GET);
    const res = await c.response();
    expect(res?.status).toBe(503);
    expect(res?.headers.connection).toBe('close');
    expect(JSON.parse(res!.body).error).toMatch(/^Service Unavailable/);
    await c.closed;
    // Still two open and kept alive: they keep working.
    a.send(GET);
    expect((await a.response())?.status).toBe(200);
    b.destroy();
    await b.closed;
    await new Promise((resolve) => setTimeout(resolve, 50));
    const d = await kept();
    a.destroy();
    d.destroy();
    await Promise.all([a.closed, d.closed]);
    await new Promise((resolve) => setTimeout(resolve, 50));
  });

  test('a WebSocket counts as a connection; an upgrade over the cap is refused with 503', async () => {
    const ws = await openWs(`ws://127.0.0.1:${r.port}/ws`);
    const a = await kept();
    await expect(openWs(`ws://127.0.0.1:${r.port}/ws`)).rejects.toThrow(/503/);
    const c = await RawConnection.open(r.port);
    c.send(GET);
    expect((await c.response())?.status).toBe(503);
    ws.close();
    await closed(ws);
    a.destroy();
    await a.closed;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await request(r.port, { path: '/json' })).status).toBe(200);
  });
});

test('maxConnections: 0 (the default) admits many', async () => {
  const r = await startApp((app) => {
    app.get('/json', () => ({ body: { ok: true } }));
  });
  try {
    expect(r.app.settings.maxConnections).toBe(0);
    const conns = await Promise.all(Array.from({ length: 60 }, () => RawConnection.open(r.port)));
    for (const c of conns) c.send(GET);
    for (const c of conns) expect((await c.response())?.status).toBe(200);
    for (const c of conns) c.destroy();
  } finally {
    await r.stop();
  }
});

describe('httpMaxBackpressure: responses queued on one connection', () => {
  let r: Running;
  const big = Buffer.alloc(1024 * 1024, 0x78);
  beforeAll(async () => {
    r = await startApp((app) => {
      app.get('/big', () => ({ body: big }));
    }, { transport: 'node' }); // httpMaxBackpressure is enforced by the node:http transport (not yet the krozen one)
  });
  afterAll(() => r.stop());

  test('2,000 pipelined requests for 1 MiB from a client that never reads: closed, memory bounded', async () => {
    const before = process.memoryUsage().rss;
    // The client never reads, so it would not see the close: watch the server's side of the connection.
    const serverSide = new Promise<net.Socket>((resolve) => {
      (r.server.http as import('node:http').Server).once('connection', resolve);
    });
    const socket = net.connect(r.port, '127.0.0.1');
    socket.pause(); // never reads
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    const closedAt = new Promise((resolve) => void serverSide.then((s) => s.once('close', resolve)));
    socket.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(2000));
    await closedAt;
    const grew = process.memoryUsage().rss - before;
    expect(grew).toBeLessThan(300 * 1024 * 1024); // was 2 GB
    expect((await request(r.port, { path: '/big' })).body.length).toBe(big.length);
  });

  test('a client that pipelines a few and reads gets every answer', async () => {
    const c = await RawConnection.open(r.port);
    c.send('GET /big HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(5));
    for (let i = 0; i < 5; i++) {
      const res = await c.response(10_000);
      expect(res?.status).toBe(200);
      expect(res?.body.length).toBe(big.length);
    }
    c.destroy();
  });
});
