// pykrozen's WebSocket behaviours and the hooks, through the `ws` npm client.
import WsClient from 'ws';
import { Inbox, RawClient, closed, encodeFrame, openWs, sleep, startWs, type RunningWs } from './helpers';
import type { WebSocket } from '../../lib/ws';

describe('default echo server (pykrozen behaviours)', () => {
  let srv: RunningWs;
  beforeAll(async () => {
    srv = await startWs(() => {});
  });
  afterAll(() => srv.stop());

  test('100 rapid pings → 100 pongs in order', async () => {
    const ws = await openWs(srv.url);
    const pongs: string[] = [];
    const done = new Promise<void>((resolve) =>
      ws.on('pong', (d: Buffer) => {
        pongs.push(d.toString());
        if (pongs.length === 100) resolve();
      }),
    );
    for (let i = 0; i < 100; i++) ws.ping(String(i));
    await done;
    expect(pongs).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
    ws.close();
    await closed(ws);
  });

  test('1000 pings with payloads come back', async () => {
    const ws = await openWs(srv.url);
    let n = 0;
    let ok = true;
    const done = new Promise<void>((resolve) =>
      ws.on('pong', (d: Buffer) => {
        if (d.toString() !== `ping-${n}`) ok = false;
        if (++n === 1000) resolve();
      }),
    );
    for (let i = 0; i < 1000; i++) ws.ping(`ping-${i}`);
    await done;
    expect(ok).toBe(true);
    ws.terminate();
  });

  test('5 clients × 50 messages concurrently, no cross-talk', async () => {
    const clients = await Promise.all(Array.from({ length: 5 }, () => openWs(srv.url)));
    await Promise.all(
      clients.map(async (ws, c) => {
        const inbox = new Inbox(ws);
        for (let i = 0; i < 50; i++) ws.send(JSON.stringify({ c, i }));
        for (let i = 0; i < 50; i++) expect(await inbox.json()).toEqual({ echo: { c, i } });
      }),
    );
    for (const ws of clients) ws.close();
    await Promise.all(clients.map(closed));
  });

  test.each([126, 127, 200, 1000, 10000, 65535, 65536, 100000, 500000])(
    'echo of a %i-byte JSON string',
    async (size) => {
      const ws = await openWs(srv.url);
      const inbox = new Inbox(ws);
      const value = 'x'.repeat(size - 2); // JSON.stringify adds the quotes: `size` bytes on the wire
      const text = JSON.stringify(value);
      expect(Buffer.byteLength(text)).toBe(size);
      ws.send(text);
      expect(await inbox.json(5000)).toEqual({ echo: value });
      ws.terminate();
    },
  );

  test('malformed JSON texts each get an error reply and the connection lives on', async () => {
    const ws = await openWs(srv.url);
    const inbox = new Inbox(ws);
    const bad = ['{', 'not json', '{"a":}', '[1,2', "{'single':1}", 'undefined', ''];
    for (const b of bad) ws.send(b);
    for (let i = 0; i < bad.length; i++) expect(await inbox.json()).toEqual({ error: 'invalid json' });
    ws.send('{"fine":true}');
    expect(await inbox.json()).toEqual({ echo: { fine: true } });
    ws.terminate();
  });

  test('unicode, emoji and NUL round trip', async () => {
    const ws = await openWs(srv.url);
    const inbox = new Inbox(ws);
    const value = { s: 'héllo wörld — 日本語 😀🎉 \u0000 end', n: ['\u0000', '\u{1F600}'] };
    ws.send(JSON.stringify(value));
    expect(await inbox.json()).toEqual({ echo: value });
    ws.terminate();
  });

  test('ping → pong with the same payload', async () => {
    const ws = await openWs(srv.url);
    const payload = Buffer.from([0, 1, 2, 0xfe, 0xff]);
    const pong = new Promise<Buffer>((resolve) => ws.once('pong', resolve));
    ws.ping(payload);
    expect((await pong).equals(payload)).toBe(true);
    ws.terminate();
  });

  test('close(1000) → a close frame back with 1000', async () => {
    const ws = await openWs(srv.url);
    ws.close(1000, 'done');
    const { code } = await closed(ws);
    expect(code).toBe(1000);
  });

  test('abrupt disconnects do not hurt the next client', async () => {
    for (let i = 0; i < 5; i++) {
      const ws = await openWs(srv.url);
      ws.send('{"half":');
      ws.terminate();
    }
    const ws = await openWs(srv.url);
    const inbox = new Inbox(ws);
    ws.send('1');
    expect(await inbox.json()).toEqual({ echo: 1 });
    ws.terminate();
  });

  test('an empty text frame gets the invalid-json reply', async () => {
    const ws = await openWs(srv.url);
    const inbox = new Inbox(ws);
    ws.send('');
    expect(await inbox.json()).toEqual({ error: 'invalid json' });
    ws.terminate();
  });

  test('a frame sent one byte per 10 ms', async () => {
    const c = await RawClient.open(srv.port);
    await c.writeChopped(encodeFrame({ opcode: 1, payload: '{"slow":1}' }), 1, 10);
    expect(JSON.parse((await c.next()).payload.toString())).toEqual({ echo: { slow: 1 } });
    c.destroy();
  });

  test('binary is echoed as binary', async () => {
    const ws = await openWs(srv.url);
    const inbox = new Inbox(ws);
    ws.send(Buffer.from([9, 8, 7]));
    const m = await inbox.next();
    expect(m.binary).toBe(true);
    expect([...m.data]).toEqual([9, 8, 7]);
    ws.terminate();
  });
});

describe('hooks', () => {
  let srv: RunningWs;
  const events: string[] = [];
  const disconnects = new Map<string, number>();
  let lastWs: WebSocket | undefined;
  beforeAll(async () => {
    jest.spyOn(console, 'error').mockImplementation(() => {});
    srv = await startWs(
      (app) => {
        app.on('ws:connect', ({ ws }) => {
          ws.data.id = `c${events.length}`;
          ws.data.count = 0;
          lastWs = ws;
          events.push('connect');
          ws.send({ hello: ws.data.id });
        });
        app.on('ws:message', async (ctx) => {
          const raw = ctx.raw;
          if (ctx.binary) {
            ctx.reply = Buffer.concat([Buffer.from('bin:'), raw as Buffer]);
            ctx.stop = true;
            return;
          }
          const data = ctx.data as { cmd?: string; delay?: number; n?: number } | undefined;
          if (data?.cmd === 'throw') throw new Error('sync-ish throw');
          if (data?.cmd === 'reject') {
            await sleep(5);
            throw new Error('async throw');
          }
          if (data?.cmd === 'close') {
            ctx.ws.close(4001, 'asked');
            ctx.stop = true;
            return;
          }
          if (data?.cmd === 'bad-close') {
            try {
              ctx.ws.close(1005);
            } catch (err) {
              ctx.reply = { error: (err as Error).name };
            }
            ctx.stop = true;
            return;
          }
          if (data?.delay !== undefined) {
            await sleep(data.delay);
            ctx.reply = { n: data.n, count: (ctx.ws.data.count as number)++ };
            ctx.stop = true;
          }
        });
        app.on('ws:message', (ctx) => {
          if ((ctx.data as { cmd?: string } | undefined)?.cmd === 'sync-throw-2') throw new Error('second hook throws');
        });
        app.on('ws:disconnect', ({ ws, code }) => {
          const id = ws.data.id as string;
          disconnects.set(id, (disconnects.get(id) ?? 0) + 1);
          events.push(`disconnect:${code}`);
        });
      },
      { wsCloseTimeout: 300 },
    );
  });
  afterAll(async () => {
    await srv.stop();
    (console.error as jest.Mock).mockRestore();
  });

  async function connect(): Promise<{ ws: WsClient; inbox: Inbox; id: string }> {
    const ws = new WsClient(srv.url);
    const inbox = new Inbox(ws);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const hello = (await inbox.json()) as { hello: string };
    return { ws, inbox, id: hello.hello };
  }

  test('ws:connect runs after the 101 and can set ws.data and send', async () => {
    const { ws, id } = await connect();
    expect(id).toMatch(/^c\d+$/);
    expect(lastWs?.data.id).toBe(id);
    expect(lastWs?.readyState).toBe(1);
    expect(lastWs?.remoteAddress).toBe('127.0.0.1');
    ws.close();
    await closed(ws);
  });

  test('async hooks: messages of one connection are handled in order', async () => {
    const { ws, inbox } = await connect();
    const delays = [30, 1, 20, 0, 10, 5, 1, 0];
    delays.forEach((delay, n) => ws.send(JSON.stringify({ delay, n })));
    for (let n = 0; n < delays.length; n++) expect(await inbox.json()).toEqual({ n, count: n });
    ws.close();
    await closed(ws);
  });

  test('binary messages reach the hooks as Buffers', async () => {
    const { ws, inbox } = await connect();
    ws.send(Buffer.from([1, 2, 3]));
    const m = await inbox.next();
    expect(m.binary).toBe(true);
    expect(m.data.equals(Buffer.from([...Buffer.from('bin:'), 1, 2, 3]))).toBe(true);
    ws.close();
    await closed(ws);
  });

  test.each(['throw', 'reject', 'sync-throw-2'])(
    'a hook that fails (%s) → close 1011; the server lives',
    async (cmd) => {
      const { ws } = await connect();
      ws.send(JSON.stringify({ cmd }));
      expect((await closed(ws)).code).toBe(1011);
      const next = await connect();
      next.ws.send(JSON.stringify({ delay: 0, n: 1 }));
      expect(await next.inbox.json()).toEqual({ n: 1, count: 0 });
      next.ws.close();
      await closed(next.ws);
    },
  );

  test('ws.close(code, reason) from a hook; invalid codes are refused', async () => {
    const { ws, inbox } = await connect();
    ws.send(JSON.stringify({ cmd: 'bad-close' }));
    expect(await inbox.json()).toEqual({ error: 'RangeError' });
    ws.send(JSON.stringify({ cmd: 'close' }));
    const got = await closed(ws);
    expect(got).toEqual({ code: 4001, reason: 'asked' });
  });

  test('ws.close() validation', () => {
    const ws = lastWs as WebSocket;
    expect(() => ws.close(999)).toThrow(/Invalid close code/);
    expect(() => ws.close(1006)).toThrow(/Invalid close code/);
    expect(() => ws.close(1000, 'x'.repeat(124))).toThrow(/at most 123 bytes/);
    expect(() => ws.ping(Buffer.alloc(126))).toThrow(/at most 125/);
  });

  test('ws:disconnect runs exactly once for each way a connection ends', async () => {
    const ids: string[] = [];
    // 1: the client closes.
    let c = await connect();
    ids.push(c.id);
    c.ws.close(1000);
    await closed(c.ws);
    // 2: the client vanishes.
    c = await connect();
    ids.push(c.id);
    c.ws.terminate();
    // 3: a protocol error.
    const raw = await RawClient.open(srv.port);
    const hello = await raw.next();
    ids.push(JSON.parse(hello.payload.toString()).hello);
    raw.send({ opcode: 7 });
    await raw.expectClose(1002);
    // 4: the server closes and the peer never answers (close timer).
    const silent = await RawClient.open(srv.port);
    ids.push(JSON.parse((await silent.next()).payload.toString()).hello);
    silent.send({ opcode: 1, payload: JSON.stringify({ cmd: 'close' }) });
    const started = Date.now();
    const { code } = await silent.closeFrame();
    expect(code).toBe(4001);
    await silent.serverClosed(2000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250); // waited for wsCloseTimeout (300 ms)
    await sleep(50);
    for (const id of ids) expect(disconnects.get(id)).toBe(1);
    await sleep(100);
    for (const id of ids) expect(disconnects.get(id)).toBe(1);
  });

  test('console.error was told about the failing hooks', () => {
    expect((console.error as jest.Mock).mock.calls.some((args) => String(args[0]).includes('1011'))).toBe(true);
  });
});
