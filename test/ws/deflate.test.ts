// permessage-deflate: negotiation (unit) and compressed traffic both ways (ws client and raw frames).
import type { IncomingMessage } from 'node:http';
import * as zlib from 'node:zlib';
import WsClient from 'ws';
import { negotiateDeflate, parseExtensions } from '../../lib/ws/deflate';
import {
  Inbox,
  inflateMessage,
  RawClient,
  closed,
  encodeFrame,
  exactEcho,
  openWs,
  startWs,
  type RunningWs,
} from './helpers';

describe('negotiation', () => {
  test('a browser offer gets a plain permessage-deflate answer', () => {
    const r = negotiateDeflate('permessage-deflate; client_max_window_bits', {});
    expect(r?.response).toBe('permessage-deflate');
    expect(r?.params.serverMaxWindowBits).toBe(15);
  });

  test('parameters are answered per RFC 7692', () => {
    expect(
      negotiateDeflate('permessage-deflate; server_no_context_takeover; client_no_context_takeover', {})?.response,
    ).toBe('permessage-deflate; server_no_context_takeover; client_no_context_takeover');
    expect(negotiateDeflate('permessage-deflate; server_max_window_bits=10', {})?.response).toBe(
      'permessage-deflate; server_max_window_bits=10',
    );
    expect(negotiateDeflate('permessage-deflate; client_max_window_bits', { clientMaxWindowBits: 12 })?.response).toBe(
      'permessage-deflate; client_max_window_bits=12',
    );
    // Not offered: client_max_window_bits must not be answered.
    expect(negotiateDeflate('permessage-deflate', { clientMaxWindowBits: 12 })?.response).toBe('permessage-deflate');
    expect(negotiateDeflate('permessage-deflate', { serverNoContextTakeover: true })?.response).toBe(
      'permessage-deflate; server_no_context_takeover',
    );
  });

  test('invalid offers are declined; a later valid offer is taken', () => {
    expect(negotiateDeflate('permessage-deflate; server_max_window_bits=16', {})).toBeNull();
    expect(negotiateDeflate('permessage-deflate; server_max_window_bits=8', {})).toBeNull(); // zlib cannot do 8
    expect(negotiateDeflate('permessage-deflate; unknown=1', {})).toBeNull();
    expect(negotiateDeflate('permessage-deflate; server_no_context_takeover=1', {})).toBeNull();
    expect(negotiateDeflate('permessage-deflate; client_max_window_bits; client_max_window_bits', {})).toBeNull();
    expect(negotiateDeflate('x-webkit-deflate-frame', {})).toBeNull();
    expect(
      negotiateDeflate(
        'permessage-deflate; server_max_window_bits=99, permessage-deflate; server_max_window_bits="11"',
        {},
      )?.response,
    ).toBe('permessage-deflate; server_max_window_bits=11');
    expect(parseExtensions('a; b=1, c')).toEqual([
      ['a', { b: '1' }],
      ['c', {}],
    ]);
  });
});

describe('compression on', () => {
  let srv: RunningWs;
  beforeAll(async () => {
    srv = await startWs(exactEcho, { wsPerMessageDeflate: { threshold: 64 }, wsMaxPayload: 256 * 1024 });
  });
  afterAll(() => srv.stop());

  test('ws client with perMessageDeflate: messages flow both ways, small and large', async () => {
    const ws = await openWs(srv.url, { perMessageDeflate: { threshold: 0 } });
    expect(ws.extensions).toContain('permessage-deflate');
    const inbox = new Inbox(ws);
    const big = 'compress me please '.repeat(2000);
    const texts = ['tiny', big, 'ü'.repeat(100), big + '!'];
    for (const t of texts) ws.send(t);
    for (const t of texts) expect((await inbox.next()).text).toBe(t);
    const bin = Buffer.alloc(100000, 7);
    ws.send(bin);
    const m = await inbox.next();
    expect(m.binary).toBe(true);
    expect(m.data.equals(bin)).toBe(true);
    ws.close();
    await closed(ws);
  });

  test('with server_no_context_takeover and client_no_context_takeover', async () => {
    const ws = new WsClient(srv.url, {
      perMessageDeflate: { threshold: 0, serverNoContextTakeover: true, clientNoContextTakeover: true },
    });
    const upgrade = new Promise<IncomingMessage>((resolve) => ws.once('upgrade', resolve));
    const open = new Promise((resolve) => ws.once('open', resolve));
    const response = await upgrade;
    await open;
    expect(response.headers['sec-websocket-extensions']).toBe(
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover',
    );
    const inbox = new Inbox(ws);
    for (let i = 0; i < 5; i++) ws.send(`repeated text ${i} `.repeat(50));
    for (let i = 0; i < 5; i++) expect((await inbox.next()).text).toBe(`repeated text ${i} `.repeat(50));
    ws.close();
    await closed(ws);
  });

  test('a raw browser-style handshake: compressed frames in, compressed frames out', async () => {
    const c = await RawClient.open(srv.port, {
      headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits' },
    });
    expect(c.response?.headers['sec-websocket-extensions']).toBe('permessage-deflate');
    const text = 'hello hello hello hello hello hello hello hello hello hello hello hello';
    const deflated = zlib.deflateRawSync(Buffer.from(text), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    c.send({ opcode: 1, rsv1: true, payload: deflated.subarray(0, deflated.length - 4) });
    const f = await c.next();
    expect(f.rsv1).toBe(true);
    const inflated = inflateMessage(f.payload);
    expect(inflated.toString()).toBe(text);
    // Uncompressed frames still work; a short echo stays uncompressed (threshold).
    c.send({ opcode: 1, payload: 'short' });
    const s = await c.next();
    expect(s.rsv1).toBe(false);
    expect(s.payload.toString()).toBe('short');
    // RSV1 on a continuation frame is a protocol error.
    c.send({ opcode: 1, rsv1: true, payload: deflated.subarray(0, 5), fin: false });
    c.send({ opcode: 0, rsv1: true, payload: deflated.subarray(5, deflated.length - 4), fin: true });
    await c.expectClose(1002);
  });

  test('inflate is capped by wsMaxPayload → 1009 (a small frame that inflates to 1 MiB)', async () => {
    const c = await RawClient.open(srv.port, { headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate' } });
    const bomb = zlib.deflateRawSync(Buffer.alloc(1 << 20), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    expect(bomb.length).toBeLessThan(4096);
    c.send({ opcode: 2, rsv1: true, payload: bomb.subarray(0, bomb.length - 4) });
    await c.expectClose(1009);
  });

  test('corrupt compressed data → 1007; invalid UTF-8 after inflate → 1007', async () => {
    const a = await RawClient.open(srv.port, { headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate' } });
    a.send({ opcode: 2, rsv1: true, payload: Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00]) });
    await a.expectClose(1007);
    const b = await RawClient.open(srv.port, { headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate' } });
    const bad = zlib.deflateRawSync(Buffer.from([0x61, 0xed, 0xa0, 0x80]), {
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
    });
    b.write(encodeFrame({ opcode: 1, rsv1: true, payload: bad.subarray(0, bad.length - 4) }));
    await b.expectClose(1007);
  });

  test('a client without the offer gets no extension and plain frames', async () => {
    const ws = await openWs(srv.url, { perMessageDeflate: false });
    expect(ws.extensions).toBe('');
    const inbox = new Inbox(ws);
    ws.send('x'.repeat(5000));
    expect((await inbox.next()).text).toBe('x'.repeat(5000));
    ws.close();
    await closed(ws);
  });
});

describe('compression off (the default)', () => {
  let srv: RunningWs;
  beforeAll(async () => {
    srv = await startWs(exactEcho);
  });
  afterAll(() => srv.stop());

  test('a ws client offering deflate talks uncompressed', async () => {
    const ws = await openWs(srv.url, { perMessageDeflate: true });
    expect(ws.extensions).toBe('');
    const inbox = new Inbox(ws);
    ws.send('y'.repeat(3000));
    expect((await inbox.next()).text).toBe('y'.repeat(3000));
    ws.close();
    await closed(ws);
  });
});
