// Modelled on Autobahn|Testsuite sections 1-4: framing at every length boundary, chopped delivery,
// ping/pong, reserved bits, reserved opcodes. Raw TCP client against the exact-echo server.
import { randomBytes } from 'node:crypto';
import { RawClient, encodeFrame, exactEcho, startWs, sleep, type RunningWs } from './helpers';

let srv: RunningWs;
beforeAll(async () => {
  srv = await startWs(exactEcho);
});
afterAll(() => srv.stop());

const SIZES = [0, 1, 125, 126, 127, 128, 65535, 65536, 65537, 131072, 1 << 20];

function textOf(size: number): string {
  let s = '';
  while (s.length < size) s += 'abcdefghijklmnopqrstuvwxyz0123456789*';
  return s.slice(0, size);
}

describe('1: framing (text and binary at length boundaries)', () => {
  test.each(SIZES)('text of %i bytes echoes exactly', async (size) => {
    const c = await RawClient.open(srv.port);
    const text = textOf(size);
    c.send({ opcode: 1, payload: text });
    const f = await c.next();
    expect(f.opcode).toBe(1);
    expect(f.fin).toBe(true);
    expect(f.masked).toBe(false);
    expect(f.payload.length).toBe(size);
    expect(f.payload.toString()).toBe(text);
    c.destroy();
  });

  test.each(SIZES)('binary of %i bytes echoes exactly', async (size) => {
    const c = await RawClient.open(srv.port);
    const bytes = randomBytes(size);
    c.send({ opcode: 2, payload: bytes });
    const f = await c.next();
    expect(f.opcode).toBe(2);
    expect(f.payload.equals(bytes)).toBe(true);
    c.destroy();
  });

  test('frames chopped into 1-byte writes', async () => {
    const c = await RawClient.open(srv.port);
    for (const size of [0, 5, 126, 300]) {
      const bytes = randomBytes(size);
      await c.writeChopped(encodeFrame({ opcode: 2, payload: bytes }), 1, 0);
      const f = await c.next();
      expect(f.payload.equals(bytes)).toBe(true);
    }
    // One byte per 10 ms, each in its own TCP segment.
    await c.writeChopped(encodeFrame({ opcode: 1, payload: 'slow' }), 1, 10);
    expect((await c.next()).payload.toString()).toBe('slow');
    c.destroy();
  });

  test('frames in random chunks, several frames per chunk', async () => {
    const c = await RawClient.open(srv.port);
    const messages = Array.from({ length: 60 }, (_, i) => randomBytes((i * 977) % 70000));
    const stream = Buffer.concat(
      messages.map((m, i) =>
        encodeFrame({ opcode: i % 2 ? 2 : 1, payload: i % 2 ? m : m.toString('hex').slice(0, m.length) }),
      ),
    );
    let pos = 0;
    let seed = 7;
    while (pos < stream.length) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const n = 1 + (seed % 9000);
      c.write(stream.subarray(pos, pos + n));
      pos += n;
      if (seed % 3 === 0) await sleep(0);
    }
    for (let i = 0; i < messages.length; i++) {
      const f = await c.next();
      const m = messages[i];
      if (i % 2) expect(f.payload.equals(m)).toBe(true);
      else expect(f.payload.toString()).toBe(m.toString('hex').slice(0, m.length));
    }
    c.destroy();
  });

  test('1000 small messages in one write come back in order, batched', async () => {
    const c = await RawClient.open(srv.port);
    const frames: Buffer[] = [];
    for (let i = 0; i < 1000; i++) frames.push(encodeFrame({ opcode: 1, payload: `m${i}` }));
    c.write(Buffer.concat(frames));
    for (let i = 0; i < 1000; i++) expect((await c.next()).payload.toString()).toBe(`m${i}`);
    c.destroy();
  });
});

describe('2: ping and pong', () => {
  test.each([0, 1, 10, 125])('ping with %i bytes → pong with the same payload', async (size) => {
    const c = await RawClient.open(srv.port);
    const payload = randomBytes(size);
    c.send({ opcode: 9, payload });
    const f = await c.next();
    expect(f.opcode).toBe(10);
    expect(f.payload.equals(payload)).toBe(true);
    c.destroy();
  });

  test('ping with 126 bytes → 1002', async () => {
    const c = await RawClient.open(srv.port);
    c.send({ opcode: 9, payload: randomBytes(126) });
    await c.expectClose(1002);
  });

  test('chopped ping, then unsolicited pongs are ignored', async () => {
    const c = await RawClient.open(srv.port);
    await c.writeChopped(encodeFrame({ opcode: 9, payload: 'abc' }), 1, 1);
    const pong = await c.next();
    expect(pong.opcode).toBe(10);
    expect(pong.payload.toString()).toBe('abc');
    c.send({ opcode: 10, payload: 'unsolicited' });
    c.send({ opcode: 10 });
    c.send({ opcode: 1, payload: 'still here' });
    const f = await c.next();
    expect(f.opcode).toBe(1);
    expect(f.payload.toString()).toBe('still here');
    c.destroy();
  });

  test('10 pings in one write → 10 pongs in order', async () => {
    const c = await RawClient.open(srv.port);
    c.write(Buffer.concat(Array.from({ length: 10 }, (_, i) => encodeFrame({ opcode: 9, payload: `p${i}` }))));
    for (let i = 0; i < 10; i++) {
      const f = await c.next();
      expect(f.opcode).toBe(10);
      expect(f.payload.toString()).toBe(`p${i}`);
    }
    c.destroy();
  });
});

describe('3: reserved bits', () => {
  test.each([
    ['RSV1 on text', { opcode: 1, payload: 'x', rsv1: true }],
    ['RSV2 on text', { opcode: 1, payload: 'x', rsv2: true }],
    ['RSV3 on binary', { opcode: 2, payload: 'x', rsv3: true }],
    ['RSV1+2+3 on ping', { opcode: 9, payload: 'x', rsv1: true, rsv2: true, rsv3: true }],
    ['RSV2 on close', { opcode: 8, payload: Buffer.from([3, 232]), rsv2: true }],
  ])('%s → 1002 after the messages before it', async (_name, spec) => {
    const c = await RawClient.open(srv.port);
    c.write(
      Buffer.concat([encodeFrame({ opcode: 1, payload: 'before' }), encodeFrame(spec), encodeFrame({ opcode: 9 })]),
    );
    const { code, before } = await c.closeFrame();
    expect(code).toBe(1002);
    expect(before.map((f) => f.payload.toString())).toEqual(['before']); // nothing after the bad frame
    await c.serverClosed();
  });
});

describe('4: opcodes', () => {
  test.each([3, 4, 5, 6, 7, 11, 12, 13, 14, 15])('reserved opcode %i → 1002', async (opcode) => {
    const c = await RawClient.open(srv.port);
    c.send({ opcode, payload: 'reserved' });
    await c.expectClose(1002);
  });

  test('unmasked client frame → 1002', async () => {
    const c = await RawClient.open(srv.port);
    c.send({ opcode: 1, payload: 'plain', mask: false });
    await c.expectClose(1002);
  });

  test('the server keeps serving after all of that, and holds no dead connections', async () => {
    const c = await RawClient.open(srv.port);
    c.send({ opcode: 1, payload: 'alive' });
    expect((await c.next()).payload.toString()).toBe('alive');
    c.destroy();
    await c.closedSignal();
    const deadline = Date.now() + 2000;
    while (srv.app.wsHub.size > 0 && Date.now() < deadline) await sleep(10);
    expect(srv.app.wsHub.size).toBe(0);
  });
});
