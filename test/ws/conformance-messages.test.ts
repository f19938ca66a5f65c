// Modelled on Autobahn|Testsuite sections 5-7: fragmentation (with interleaved control frames),
// UTF-8 handling (incl. fail-fast on an invalid prefix), and the close handshake.
import { RawClient, encodeFrame, exactEcho, startWs, sleep, type RunningWs } from './helpers';

let srv: RunningWs;
beforeAll(async () => {
  srv = await startWs(exactEcho);
});
afterAll(() => srv.stop());

const closePayload = (code: number, reason: Buffer | string = ''): Buffer => {
  const r = typeof reason === 'string' ? Buffer.from(reason) : reason;
  const b = Buffer.alloc(2 + r.length);
  b.writeUInt16BE(code, 0);
  r.copy(b, 2);
  return b;
};

describe('5: fragmentation', () => {
  test('text in 2 fragments, and binary in 3', async () => {
    const c = await RawClient.open(srv.port);
    c.send({ opcode: 1, payload: 'frag', fin: false });
    c.send({ opcode: 0, payload: 'ment', fin: true });
    const t = await c.next();
    expect(t.opcode).toBe(1);
    expect(t.payload.toString()).toBe('fragment');
    c.send({ opcode: 2, payload: Buffer.from([1]), fin: false });
    c.send({ opcode: 0, payload: Buffer.from([2]), fin: false });
    c.send({ opcode: 0, payload: Buffer.from([3]), fin: true });
    const b = await c.next();
    expect(b.opcode).toBe(2);
    expect([...b.payload]).toEqual([1, 2, 3]);
    c.destroy();
  });

  test('ping between fragments is answered first, the message still completes', async () => {
    const c = await RawClient.open(srv.port);
    c.send({ opcode: 1, payload: 'one', fin: false });
    c.send({ opcode: 9, payload: 'ping!' });
    await sleep(5);
    c.send({ opcode: 10, payload: 'unsolicited pong' });
    c.send({ opcode: 0, payload: 'two', fin: true });
    const pong = await c.next();
    expect(pong.opcode).toBe(10);
    expect(pong.payload.toString()).toBe('ping!');
    const msg = await c.next();
    expect(msg.payload.toString()).toBe('onetwo');
    c.destroy();
  });

  test('empty fragments, and 100 one-byte fragments chopped byte by byte', async () => {
    const c = await RawClient.open(srv.port);
    c.send({ opcode: 1, payload: '', fin: false });
    c.send({ opcode: 0, payload: '', fin: false });
    c.send({ opcode: 0, payload: '', fin: true });
    expect((await c.next()).payload.length).toBe(0);
    const frames = [encodeFrame({ opcode: 1, payload: 'a', fin: false })];
    for (let i = 1; i < 99; i++) frames.push(encodeFrame({ opcode: 0, payload: 'a', fin: false }));
    frames.push(encodeFrame({ opcode: 0, payload: 'a', fin: true }));
    await c.writeChopped(Buffer.concat(frames), 3, 0);
    expect((await c.next()).payload.toString()).toBe('a'.repeat(100));
    c.destroy();
  });

  test('continuation without a started message → 1002', async () => {
    const c = await RawClient.open(srv.port);
    c.send({ opcode: 0, payload: 'orphan', fin: true });
    await c.expectClose(1002);
  });

  test('non-final continuation without a started message → 1002', async () => {
    const c = await RawClient.open(srv.port);
    c.send({ opcode: 0, payload: 'orphan', fin: false });
    await c.expectClose(1002);
  });

  test('a new text frame inside a fragmented message → 1002', async () => {
    const c = await RawClient.open(srv.port);
    c.send({ opcode: 1, payload: 'start', fin: false });
    c.send({ opcode: 1, payload: 'again', fin: true });
    await c.expectClose(1002);
  });

  test('a fragmented ping → 1002', async () => {
    const c = await RawClient.open(srv.port);
    c.send({ opcode: 9, payload: 'a', fin: false });
    c.send({ opcode: 0, payload: 'b', fin: true });
    await c.expectClose(1002);
  });

  test('a fragmented close → 1002', async () => {
    const c = await RawClient.open(srv.port);
    c.send({ opcode: 8, payload: closePayload(1000), fin: false });
    await c.expectClose(1002);
  });
});

describe('6: UTF-8', () => {
  const samples = [
    'κόσμε',
    'Hello-µ@ßöäüàá-UTF-8!!',
    '😀🎉 emoji',
    'NUL\u0000inside',
    '\u{10FFFF}\u{10000}\u0800\u07FF\u0080\u007F',
  ];

  test.each(samples)('valid text %j echoes, whole and split into fragments at every byte', async (text) => {
    const c = await RawClient.open(srv.port);
    const bytes = Buffer.from(text);
    c.send({ opcode: 1, payload: bytes });
    expect((await c.next()).payload.toString()).toBe(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      c.send({ opcode: 1, payload: bytes.subarray(0, cut), fin: false });
      c.send({ opcode: 0, payload: bytes.subarray(cut), fin: true });
      expect((await c.next()).payload.equals(bytes)).toBe(true);
    }
    // One frame delivered byte by byte (the streaming validator sees every split).
    await c.writeChopped(encodeFrame({ opcode: 1, payload: bytes }), 1, 0);
    expect((await c.next()).payload.equals(bytes)).toBe(true);
    c.destroy();
  });

  const invalid: Array<[string, number[]]> = [
    ['lone continuation', [0x80]],
    ['overlong NUL', [0xc0, 0x80]],
    ['overlong 3-byte', [0xe0, 0x80, 0xaf]],
    ['surrogate', [0xed, 0xa0, 0x80]],
    ['beyond U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['0xFF', [0xff]],
    ['truncated at the end', [0xce, 0xba, 0xe1, 0xbd]],
  ];

  test.each(invalid)('invalid (%s) in one frame → 1007', async (_name, bad) => {
    const c = await RawClient.open(srv.port);
    c.send({ opcode: 1, payload: Buffer.concat([Buffer.from('κόσμε'), Buffer.from(bad)]) });
    await c.expectClose(1007);
  });

  test.each(invalid)('invalid (%s) across fragments → 1007', async (_name, bad) => {
    const c = await RawClient.open(srv.port);
    const bytes = Buffer.concat([Buffer.from('ab'), Buffer.from(bad), Buffer.from('cd')]);
    c.send({ opcode: 1, payload: bytes.subarray(0, 3), fin: false });
    c.send({ opcode: 0, payload: bytes.subarray(3), fin: true });
    await c.expectClose(1007);
  });

  test('fail fast: an invalid first fragment closes before the message ends', async () => {
    const c = await RawClient.open(srv.port);
    c.send({ opcode: 1, payload: Buffer.from([0x61, 0xf4, 0x90, 0x80, 0x80]), fin: false });
    await c.expectClose(1007); // no further fragment was sent
  });

  test('fail fast: an invalid prefix of one frame closes before its payload ends', async () => {
    const c = await RawClient.open(srv.port);
    const frame = encodeFrame({
      opcode: 1,
      payload: Buffer.concat([Buffer.from([0x61, 0xed, 0xa0]), Buffer.alloc(1000, 0x61)]),
    });
    c.write(frame.subarray(0, 20)); // header + 12 payload bytes, invalid already
    await c.expectClose(1007);
  });

  test('fail fast: a cut sequence that cannot become valid fails at its second byte', async () => {
    const c = await RawClient.open(srv.port);
    c.send({ opcode: 1, payload: Buffer.from([0x61, 0xf4]), fin: false });
    await sleep(20);
    expect(c.pending).toBe(0);
    c.send({ opcode: 0, payload: Buffer.from([0x90]), fin: false });
    await c.expectClose(1007);
  });
});

describe('7: close handshake', () => {
  test('close without payload → an empty close back, then TCP closed by the server', async () => {
    const c = await RawClient.open(srv.port);
    c.send({ opcode: 8 });
    const { code } = await c.closeFrame();
    expect(code).toBe(1005);
    await c.serverClosed();
  });

  test.each([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999])(
    'close %i is echoed',
    async (code) => {
      const c = await RawClient.open(srv.port);
      c.send({ opcode: 8, payload: closePayload(code, 'bye') });
      await c.expectClose(code);
    },
  );

  test.each([0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535])(
    'invalid close code %i → 1002',
    async (code) => {
      const c = await RawClient.open(srv.port);
      c.send({ opcode: 8, payload: closePayload(code) });
      await c.expectClose(1002);
    },
  );

  test('1-byte close payload → 1002', async () => {
    const c = await RawClient.open(srv.port);
    c.send({ opcode: 8, payload: Buffer.from([0x03]) });
    await c.expectClose(1002);
  });

  test('close reason with invalid UTF-8 → 1007', async () => {
    const c = await RawClient.open(srv.port);
    c.send({ opcode: 8, payload: closePayload(1000, Buffer.from([0xce, 0xba, 0xed, 0xa0, 0x80])) });
    await c.expectClose(1007);
  });

  test('close with a 123-byte reason is fine; a 124-byte reason (126-byte frame) → 1002', async () => {
    const a = await RawClient.open(srv.port);
    a.send({ opcode: 8, payload: closePayload(1000, 'r'.repeat(123)) });
    await a.expectClose(1000);
    const b = await RawClient.open(srv.port);
    b.send({ opcode: 8, payload: closePayload(1000, 'r'.repeat(124)) });
    await b.expectClose(1002);
  });

  test('frames after the close frame are ignored', async () => {
    const c = await RawClient.open(srv.port);
    c.write(
      Buffer.concat([
        encodeFrame({ opcode: 1, payload: 'before' }),
        encodeFrame({ opcode: 8, payload: closePayload(1000) }),
        encodeFrame({ opcode: 1, payload: 'after' }),
        encodeFrame({ opcode: 9, payload: 'ping after' }),
      ]),
    );
    const { code, before } = await c.closeFrame();
    expect(code).toBe(1000);
    expect(before.map((f) => f.payload.toString())).toEqual(['before']);
    await c.serverClosed();
    expect(c.pending).toBe(0);
  });

  test('close in the middle of a fragmented message is answered', async () => {
    const c = await RawClient.open(srv.port);
    c.send({ opcode: 1, payload: 'part', fin: false });
    c.send({ opcode: 8, payload: closePayload(1000) });
    await c.expectClose(1000);
  });

  test('abrupt disconnect mid-frame does not disturb the next client', async () => {
    const a = await RawClient.open(srv.port);
    a.write(encodeFrame({ opcode: 2, payload: Buffer.alloc(5000) }).subarray(0, 100));
    await sleep(5);
    a.destroy();
    const b = await RawClient.open(srv.port);
    b.send({ opcode: 1, payload: 'next' });
    expect((await b.next()).payload.toString()).toBe('next');
    b.destroy();
  });
});
