// Topics and publish, backpressure, idle timeout, graceful stop.
import { Inbox, RawClient, closed, encodeFrame, openWs, sleep, startWs, type RunningWs } from './helpers';
import type { WebSocket } from '../../lib/ws';

describe('topics and publish', () => {
  let srv: RunningWs;
  beforeAll(async () => {
    srv = await startWs((app) => {
      app.on('ws:message', (ctx) => {
        const d = ctx.data as { sub?: string; unsub?: string; pub?: string; value?: unknown } | undefined;
        if (d?.sub !== undefined) {
          ctx.ws.subscribe(d.sub);
          ctx.reply = { subscribed: ctx.ws.topics };
        } else if (d?.unsub !== undefined) {
          ctx.ws.unsubscribe(d.unsub);
          ctx.reply = { subscribed: ctx.ws.topics };
        } else if (d?.pub !== undefined) {
          ctx.reply = { receivers: app.publish(d.pub, d.value) };
        }
        ctx.stop = true;
      });
    });
  });
  afterAll(() => srv.stop());

  test('publish reaches every subscriber with the same bytes and returns the count', async () => {
    const clients = await Promise.all(Array.from({ length: 4 }, () => openWs(srv.url)));
    const inboxes = clients.map((ws) => new Inbox(ws));
    for (let i = 0; i < 3; i++) {
      clients[i].send(JSON.stringify({ sub: 'news' }));
      expect(await inboxes[i].json()).toEqual({ subscribed: ['news'] });
    }
    expect(srv.app.wsHub.topics()).toEqual(['news']);
    // From the app (outside any connection's read).
    expect(srv.app.publish('news', { headline: 'ünïcode 😀' })).toBe(3);
    const got = await Promise.all(inboxes.slice(0, 3).map((box) => box.next()));
    for (const m of got) {
      expect(m.binary).toBe(false);
      expect(m.data.equals(Buffer.from(JSON.stringify({ headline: 'ünïcode 😀' })))).toBe(true);
    }
    // Binary and text publishes, from inside a hook of the non-subscriber.
    expect(srv.app.wsHub.publish('news', Buffer.from([1, 2, 3]))).toBe(3);
    expect(srv.app.wsHub.publish('news', 'plain text')).toBe(3);
    for (let i = 0; i < 3; i++) {
      const b = await inboxes[i].next();
      expect(b.binary).toBe(true);
      expect([...b.data]).toEqual([1, 2, 3]);
      const t = await inboxes[i].next();
      expect(t.text).toBe('plain text');
    }
    clients[3].send(JSON.stringify({ pub: 'news', value: 42 }));
    expect(await inboxes[3].json()).toEqual({ receivers: 3 });
    for (let i = 0; i < 3; i++) expect(await inboxes[i].json()).toBe(42);
    expect(inboxes[3].length).toBe(0);
    // Unsubscribe one; close another: both stop counting.
    clients[0].send(JSON.stringify({ unsub: 'news' }));
    expect(await inboxes[0].json()).toEqual({ subscribed: [] });
    clients[1].close();
    await closed(clients[1]);
    await sleep(20);
    expect(srv.app.publish('news', 'last')).toBe(1);
    expect((await inboxes[2].next()).text).toBe('last');
    expect(srv.app.publish('nobody', 'x')).toBe(0);
    clients[2].close();
    await closed(clients[2]);
    await sleep(20);
    expect(srv.app.wsHub.topics()).toEqual([]);
    for (const ws of clients) ws.terminate();
  });
});

describe('backpressure', () => {
  const LIMIT = 256 * 1024;
  const CHUNK = Buffer.alloc(64 * 1024, 0x61);

  async function setup(policy: 'drop' | 'close'): Promise<{ srv: RunningWs; server: () => WebSocket }> {
    let last: WebSocket | undefined;
    const srv = await startWs(
      (app) => {
        app.on('ws:connect', ({ ws }) => {
          last = ws;
        });
      },
      { wsMaxBackpressure: LIMIT, wsBackpressurePolicy: policy },
    );
    return { srv, server: () => last as WebSocket };
  }

  test("'drop': send returns false past the limit, bufferedAmount stays bounded, drain fires", async () => {
    const { srv, server } = await setup('drop');
    const c = await RawClient.open(srv.port);
    c.socket.pause(); // a client that does not read
    const ws = server();
    let accepted = 0;
    let dropped = 0;
    for (let i = 0; i < 200; i++) {
      if (ws.send(CHUNK)) accepted++;
      else dropped++;
    }
    expect(dropped).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(200);
    expect(ws.bufferedAmount).toBeLessThanOrEqual(LIMIT + CHUNK.length + 16);
    expect(ws.readyState).toBe(1);
    const drained = new Promise<void>((resolve) => ws.once('drain', () => resolve()));
    c.socket.resume();
    await drained;
    for (let i = 0; i < accepted; i++) expect((await c.next()).payload.length).toBe(CHUNK.length);
    await sleep(20);
    expect(c.pending).toBe(0);
    expect(ws.send('after drain')).toBe(true);
    expect((await c.next()).payload.toString()).toBe('after drain');
    c.destroy();
    await srv.stop();
  });

  test("'close': past the limit the connection is closed with 1008", async () => {
    const { srv, server } = await setup('close');
    const c = await RawClient.open(srv.port);
    c.socket.pause();
    const ws = server();
    let accepted = 0;
    for (let i = 0; i < 200 && ws.send(CHUNK); i++) accepted++;
    expect(accepted).toBeLessThan(200);
    expect(ws.readyState).toBe(2);
    expect(ws.send('more')).toBe(false);
    c.socket.resume();
    const { code, before } = await c.closeFrame(5000);
    expect(code).toBe(1008);
    expect(before.length).toBe(accepted);
    await c.serverClosed();
    await srv.stop();
  });

  test('a slow reader with async hooks: reading pauses while many messages wait, all are answered', async () => {
    const srv = await startWs((app) => {
      app.on('ws:message', async (ctx) => {
        await new Promise((resolve) => setImmediate(resolve));
        ctx.reply = ctx.raw;
        ctx.stop = true;
      });
    });
    const c = await RawClient.open(srv.port);
    const frames = Array.from({ length: 2000 }, (_, i) => encodeFrame({ opcode: 1, payload: `n${i}` }));
    c.write(Buffer.concat(frames));
    for (let i = 0; i < 2000; i++) expect((await c.next()).payload.toString()).toBe(`n${i}`);
    c.destroy();
    await srv.stop();
  });
});

describe('idle timeout', () => {
  let srv: RunningWs;
  beforeAll(async () => {
    srv = await startWs(() => {}, { wsIdleTimeout: 100 });
  });
  afterAll(() => srv.stop());

  test('a silent peer is pinged, then closed with 1001', async () => {
    const c = await RawClient.open(srv.port);
    const started = Date.now();
    const ping = await c.next(1000);
    expect(ping.opcode).toBe(9);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    const { code } = await c.closeFrame(1000);
    expect(code).toBe(1001);
    await c.serverClosed();
    expect(Date.now() - started).toBeLessThan(700);
  });

  test('a peer that answers pings (the ws client does) stays open', async () => {
    const ws = await openWs(srv.url);
    const inbox = new Inbox(ws);
    let pings = 0;
    ws.on('ping', () => pings++);
    await sleep(550);
    expect(pings).toBeGreaterThan(0);
    expect(ws.readyState).toBe(ws.OPEN);
    ws.send('1');
    expect(await inbox.json()).toEqual({ echo: 1 });
    ws.close();
    await closed(ws);
  });
});

describe('graceful stop', () => {
  test('Server.stop() closes WebSockets with 1001', async () => {
    const srv = await startWs(() => {});
    const clients = await Promise.all([openWs(srv.url), openWs(srv.url)]);
    const codes = Promise.all(clients.map(closed));
    await srv.stop();
    expect((await codes).map((c) => c.code)).toEqual([1001, 1001]);
    expect(srv.app.wsHub.size).toBe(0);
  });
});

describe('the connection knows its request', () => {
  test('ws.url is the upgrade target with its query; ws:connect can read it', async () => {
    const seen: string[] = [];
    const srv = await startWs((app) => {
      app.on('ws:connect', ({ ws }) => {
        seen.push(ws.url);
        ws.data.room = new URLSearchParams(ws.url.split('?')[1] ?? '').get('room');
      });
      app.on('ws:message', (ctx) => {
        ctx.reply = { room: (ctx.ws as WebSocket).data.room };
        ctx.stop = true;
      });
    });
    try {
      const ws = await openWs(`${srv.url}?room=dev&x=1`);
      const inbox = new Inbox(ws);
      ws.send('{}');
      expect(await inbox.json()).toEqual({ room: 'dev' });
      expect(seen).toEqual(['/ws?room=dev&x=1']);
      ws.close();
    } finally {
      await srv.stop();
    }
  });
});
