// settings.maxConnections (a cap on open connections, lib/transport/connection-limit.ts) and
// settings.httpMaxBackpressure (a cap on responses queued on one connection, lib/transport/response-backlog.ts).
import * as net from 'node:net';
import { RawConnection } from './helpers/raw-connection';
import { request, startApp, type Running } from './helpers/server';
import { openWs, closed } from './ws/helpers';
import { wsBase } from './helpers/tls-lane';

const GET = 'GET /json HTTP/1.1\r\nHost: x\r\n\r\n';

describe('maxConnections: 2', () => {
  let r: Running;
  beforeAll(async () => {
    r = await startApp(
      (app) => {
        app.get('/json', () => ({ body: { ok: true } }));
      },
      { maxConnections: 2, wsEndpoint: 'on' },
    );
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
    const ws = await openWs(`${wsBase(r.port)}/ws`);
    const a = await kept();
    await expect(openWs(`${wsBase(r.port)}/ws`)).rejects.toThrow(/503/);
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

describe.each(['node', 'krozen'] as const)('httpMaxBackpressure on the %s transport', (transport) => {
  let r: Running;
  const big = Buffer.alloc(1024 * 1024, 0x78);
  beforeAll(async () => {
    r = await startApp(
      (app) => {
        app.get('/big', () => ({ body: big }));
        app.get('/slow', async () => {
          await new Promise((resolve) => setTimeout(resolve, 100));
          return { body: { slow: true } };
        });
      },
      { transport, httpMaxBackpressure: 4 * 1024 * 1024 },
    );
  });
  afterAll(() => r.stop());

  /** The server's side of the next connection: the client below never reads, so it would not see a close. */
  function nextServerSocket(): Promise<net.Socket> {
    // Both transports keep their listening net.Server (http.Server is one) as transport.server.
    const listening = (r.server as unknown as { transport: { server: net.Server } }).transport.server;
    return new Promise((resolve) => listening.once('connection', resolve));
  }

  test('2,000 pipelined requests for 1 MiB from a client that never reads: memory bounded, others served', async () => {
    const before = process.memoryUsage().rss;
    const serverSide = nextServerSocket();
    const socket = net.connect(r.port, '127.0.0.1');
    socket.pause(); // never reads
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(2000));
    const server = await serverSide;
    if (transport === 'node') {
      // node:http runs every handler in the chunk: the queue passes the cap and the connection is closed.
      await new Promise((resolve) => server.once('close', resolve));
    } else {
      // The krozen transport stops reading while a response waits to be sent: the rest are never parsed.
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const grew = process.memoryUsage().rss - before;
    expect(grew).toBeLessThan(300 * 1024 * 1024); // was 2 GB on node:http without the cap
    expect((await request(r.port, { path: '/big' })).body.length).toBe(big.length);
    socket.destroy();
  });

  test('answers ready behind a slow one pass the cap: the connection is closed, the server serves others', async () => {
    const serverSide = nextServerSocket();
    const c = await RawConnection.open(r.port);
    const server = await serverSide;
    const closedAt = new Promise((resolve) => server.once('close', resolve));
    // /slow is answered last, so the 1 MiB answers behind it wait: the 5th would take them past 4 MiB.
    c.send('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n' + 'GET /big HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(8));
    const t0 = Date.now();
    await closedAt;
    await c.closed;
    // Closed at the cap, before /slow (the first answer) was ready: nothing was sent.
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(c.rest).toBe('');
    expect((await request(r.port, { path: '/big' })).body.length).toBe(big.length);
  });

  test('a client that pipelines a few and reads gets every answer', async () => {
    const c = await RawConnection.open(r.port);
    c.send('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n' + 'GET /big HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(3));
    expect((await c.response(10_000))?.status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const res = await c.response(10_000);
      expect(res?.status).toBe(200);
      expect(res?.body.length).toBe(big.length);
    }
    c.destroy();
  });
});
