// First slice: handshake, echo (default and exact), close handshake, hooks order.
import { getBackends } from '../../lib/diagnostics';
import { RawClient, startWs, exactEcho, openWs, Inbox, closed, type RunningWs } from './helpers';

describe('WebSocket basics', () => {
  let srv: RunningWs;
  beforeAll(async () => {
    srv = await startWs(exactEcho);
  });
  afterAll(() => srv.stop());

  test('runs on the expected mask backend', () => {
    const mask = getBackends().mask;
    if (process.env.KROZEN_NO_NATIVE === '1') expect(mask).toBe('js');
    else expect(typeof mask).toBe('string');
  });

  test('handshake answers 101 with the RFC accept key', async () => {
    const c = await RawClient.open(srv.port, { key: 'dGhlIHNhbXBsZSBub25jZQ==' });
    expect(c.response?.headers['sec-websocket-accept']).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(c.response?.headers['sec-websocket-extensions']).toBeUndefined();
    c.send({ opcode: 1, payload: 'hello' });
    const f = await c.next();
    expect(f.opcode).toBe(1);
    expect(f.masked).toBe(false);
    expect(f.payload.toString()).toBe('hello');
    c.send({ opcode: 8, payload: Buffer.from([0x03, 0xe8]) });
    await c.expectClose(1000);
  });

  test('ws client: text and binary exact echo', async () => {
    const ws = await openWs(srv.url);
    const inbox = new Inbox(ws);
    ws.send('héllo 😀');
    ws.send(Buffer.from([0, 1, 2, 255]));
    const a = await inbox.next();
    expect(a.binary).toBe(false);
    expect(a.text).toBe('héllo 😀');
    const b = await inbox.next();
    expect(b.binary).toBe(true);
    expect([...b.data]).toEqual([0, 1, 2, 255]);
    ws.close(1000);
    expect((await closed(ws)).code).toBe(1000);
  });
});

describe('default replies', () => {
  let srv: RunningWs;
  beforeAll(async () => {
    srv = await startWs(() => {});
  });
  afterAll(() => srv.stop());

  test('{"echo": data}, invalid json, binary echo', async () => {
    const ws = await openWs(srv.url);
    const inbox = new Inbox(ws);
    ws.send(JSON.stringify({ a: 1 }));
    expect(await inbox.json()).toEqual({ echo: { a: 1 } });
    ws.send('not json');
    expect(await inbox.json()).toEqual({ error: 'invalid json' });
    ws.send(Buffer.from('bin'));
    const b = await inbox.next();
    expect(b.binary).toBe(true);
    expect(b.text).toBe('bin');
    ws.close();
    await closed(ws);
  });
});

describe('reply with stop', () => {
  let srv: RunningWs;
  const seen: string[] = [];
  beforeAll(async () => {
    srv = await startWs((app) => {
      app.on('ws:message', (ctx) => {
        seen.push('first');
        ctx.reply = { got: ctx.data };
        ctx.stop = true;
      });
      app.on('ws:message', () => {
        seen.push('second');
      });
    });
  });
  afterAll(() => srv.stop());

  test('reply is sent even when stop is set, later hooks skipped', async () => {
    const ws = await openWs(srv.url);
    const inbox = new Inbox(ws);
    ws.send('[1,2]');
    expect(await inbox.json()).toEqual({ got: [1, 2] });
    expect(seen).toEqual(['first']);
    ws.terminate();
  });
});
