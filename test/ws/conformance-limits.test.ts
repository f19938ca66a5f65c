// Modelled on Autobahn|Testsuite sections 9-10 (sizes, limits) plus the opening handshake's errors.
import { randomBytes } from 'node:crypto';
import { RawClient, encodeFrame, exactEcho, handshakeRequest, startWs, sleep, type RunningWs } from './helpers';

const MAX = 64 * 1024;
let srv: RunningWs;
beforeAll(async () => {
  srv = await startWs(exactEcho, { wsMaxPayload: MAX, wsMaxFragments: 8 });
});
afterAll(() => srv.stop());

describe('9/10: limits', () => {
  test('a message of exactly wsMaxPayload passes', async () => {
    const c = await RawClient.open(srv.port);
    const bytes = randomBytes(MAX);
    c.send({ opcode: 2, payload: bytes });
    expect((await c.next()).payload.equals(bytes)).toBe(true);
    c.destroy();
  });

  test('a frame header over wsMaxPayload → 1009 before any payload is sent', async () => {
    const c = await RawClient.open(srv.port);
    c.write(encodeFrame({ opcode: 2, declaredLength: BigInt(MAX + 1) }));
    await c.expectClose(1009);
  });

  test('fragments adding up past wsMaxPayload → 1009 at the header that passes it', async () => {
    const c = await RawClient.open(srv.port);
    c.send({ opcode: 2, payload: Buffer.alloc(MAX / 2), fin: false });
    c.send({ opcode: 0, payload: Buffer.alloc(MAX / 2), fin: false });
    c.write(encodeFrame({ opcode: 0, declaredLength: 1n, fin: true }));
    await c.expectClose(1009);
  });

  test('more than wsMaxFragments fragments → 1008', async () => {
    const c = await RawClient.open(srv.port);
    c.send({ opcode: 1, payload: 'a', fin: false });
    for (let i = 0; i < 7; i++) c.send({ opcode: 0, payload: 'a', fin: false });
    c.send({ opcode: 0, payload: 'a', fin: true }); // the 9th
    await c.expectClose(1008);
  });

  test('exactly wsMaxFragments fragments pass', async () => {
    const c = await RawClient.open(srv.port);
    c.send({ opcode: 1, payload: 'a', fin: false });
    for (let i = 0; i < 6; i++) c.send({ opcode: 0, payload: 'a', fin: false });
    c.send({ opcode: 0, payload: 'a', fin: true });
    expect((await c.next()).payload.toString()).toBe('a'.repeat(8));
    c.destroy();
  });

  test.each([
    ['2^63 (top bit set)', 1n << 63n],
    ['2^53', 1n << 53n],
    ['2^64 - 1', (1n << 64n) - 1n],
  ])('64-bit length %s → 1009', async (_name, length) => {
    const c = await RawClient.open(srv.port);
    c.write(encodeFrame({ opcode: 2, declaredLength: length }));
    await c.expectClose(1009);
  });

  test('a peer that never answers our close is cut after wsCloseTimeout', async () => {
    const c = await RawClient.open(srv.port);
    c.write(encodeFrame({ opcode: 2, declaredLength: BigInt(MAX + 1) }));
    const { code } = await c.closeFrame();
    expect(code).toBe(1009);
    // The server half-closed already; the socket is fully gone within the close timeout (1 s in tests).
    await c.serverClosed(3000);
  });

  test('connections that failed are released', async () => {
    const deadline = Date.now() + 3000;
    while (srv.app.wsHub.size > 0 && Date.now() < deadline) await sleep(20);
    expect(srv.app.wsHub.size).toBe(0);
  });
});

describe('large messages with the default limit', () => {
  let big: RunningWs;
  beforeAll(async () => {
    big = await startWs(exactEcho);
  });
  afterAll(() => big.stop());

  test('4 MiB binary and 1 MiB text in 64 KiB fragments echo exactly', async () => {
    const c = await RawClient.open(big.port);
    const bytes = randomBytes(4 << 20);
    c.send({ opcode: 2, payload: bytes });
    expect((await c.next(10000)).payload.equals(bytes)).toBe(true);
    const text = Buffer.from('ü'.repeat(1 << 19));
    const frames: Buffer[] = [];
    for (let i = 0; i < text.length; i += 65536) {
      frames.push(
        encodeFrame({ opcode: i === 0 ? 1 : 0, payload: text.subarray(i, i + 65536), fin: i + 65536 >= text.length }),
      );
    }
    c.write(Buffer.concat(frames));
    expect((await c.next(10000)).payload.equals(text)).toBe(true);
    c.destroy();
  });
});

describe('opening handshake', () => {
  const parseStatus = (c: RawClient): number => c.response?.status ?? 0;

  test('Sec-WebSocket-Version other than 13 → 426 with Sec-WebSocket-Version: 13', async () => {
    const c = await RawClient.connect(srv.port, handshakeRequest({ headers: { 'Sec-WebSocket-Version': '8' } }));
    expect(parseStatus(c)).toBe(426);
    expect(c.response?.headers['sec-websocket-version']).toBe('13');
    await c.serverClosed();
  });

  test.each([
    ['missing key', { 'Sec-WebSocket-Key': undefined }],
    ['key of 15 bytes', { 'Sec-WebSocket-Key': randomBytes(15).toString('base64') }],
    ['key of 17 bytes', { 'Sec-WebSocket-Key': randomBytes(17).toString('base64') }],
    ['key not base64', { 'Sec-WebSocket-Key': '!!!!!!!!!!!!!!!!!!!!!!==' }],
    ['Upgrade: h2c', { Upgrade: 'h2c' }],
  ])('%s → 400 with a JSON error', async (_name, headers) => {
    const c = await RawClient.connect(srv.port, handshakeRequest({ headers }));
    expect(parseStatus(c)).toBe(400);
    expect(c.response?.raw).toMatch(/\{"error":"[^"]+"\}/);
    await c.serverClosed();
  });

  test('POST → 405', async () => {
    const c = await RawClient.connect(srv.port, handshakeRequest().replace(/^GET/, 'POST'));
    expect(parseStatus(c)).toBe(405);
  });

  test('another path → 404 and the socket is closed', async () => {
    const c = await RawClient.connect(srv.port, handshakeRequest({ path: '/other' }));
    expect(parseStatus(c)).toBe(404);
    await c.serverClosed();
  });

  test('tokens are case-insensitive; Connection may be a list; the query string is ignored', async () => {
    const c = await RawClient.open(srv.port, {
      path: '/ws?token=x&y=1',
      headers: { Upgrade: 'WebSocket', Connection: 'keep-alive, UPGRADE' },
    });
    c.send({ opcode: 1, payload: 'ok' });
    expect((await c.next()).payload.toString()).toBe('ok');
    c.destroy();
  });

  test('frames sent together with the handshake are parsed, not dropped', async () => {
    const extra = Buffer.concat([
      encodeFrame({ opcode: 1, payload: 'early-1' }),
      encodeFrame({ opcode: 2, payload: Buffer.from([7, 8]) }),
      encodeFrame({ opcode: 9, payload: 'p' }),
    ]);
    const c = await RawClient.connect(srv.port, handshakeRequest(), extra);
    expect(parseStatus(c)).toBe(101);
    expect((await c.next()).payload.toString()).toBe('early-1');
    expect([...(await c.next()).payload]).toEqual([7, 8]);
    expect((await c.next()).opcode).toBe(10);
    c.destroy();
  });

  test('permessage-deflate is not negotiated when off (browser-style offer)', async () => {
    const c = await RawClient.open(srv.port, {
      headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits' },
    });
    expect(c.response?.headers['sec-websocket-extensions']).toBeUndefined();
    c.send({ opcode: 1, payload: 'plain' });
    expect((await c.next()).payload.toString()).toBe('plain');
    c.destroy();
  });
});
