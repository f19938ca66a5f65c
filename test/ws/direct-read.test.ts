// Direct reads (lib/transport/direct-read.ts, lib/ws/direct-read.ts): sockets read into one shared buffer, and long payloads get their
// remaining bytes read straight into their own Buffer. Whatever outlives a read must be copied out, so
// these tests keep messages, await in hooks and queue messages, then check the bytes after many more reads.
// Every server test runs twice: with direct reads and on the ordinary 'data' path (the fallback).
import { randomBytes } from 'node:crypto';
import type { WebSocket } from '../../lib/ws';
import { WsMessageContext } from '../../lib/ws';
import { directReadSupported, setDirectRead } from '../../lib/transport/direct-read';
import { setMaxOwnSlabs } from '../../lib/ws/direct-read';
import { Receiver, type ReceiverSink } from '../../lib/ws/receiver';
import { sessionOf } from '../../lib/ws/websocket';
import { unmaskAscii } from '../../lib/ws/utf8';
import {
  Inbox,
  inflateMessage,
  RawClient,
  encodeFrame,
  exactEcho,
  openWs,
  sleep,
  startWs,
  type RunningWs,
} from './helpers';
import { wsBase } from '../helpers/tls-lane';

function textOf(size: number): string {
  let s = '';
  while (s.length < size) s += 'abcdefghij-é€😀-0123456789 ';
  return Buffer.from(s)
    .subarray(0, size)
    .toString()
    .replace(/\uFFFD/g, 'x');
}

function isDirect(ws: WebSocket): boolean {
  return (sessionOf(ws) as unknown as { reads: unknown }).reads !== null;
}

function hasOwnSlab(ws: WebSocket): boolean {
  const reads = (sessionOf(ws) as unknown as { reads: { slab: Buffer | null } | null }).reads;
  return reads !== null && reads.slab !== null;
}

test('this Node supports direct reads (else the fast path would be silently off)', () => {
  expect(directReadSupported()).toBe(true);
});

describe.each([
  ['direct reads', true, 64],
  ['direct reads, shared buffer only (no own slabs)', true, 0],
  ['stream reads (fallback)', false, 64],
])('%s', (_name, direct, ownSlabs) => {
  let srv: RunningWs;
  // Messages kept by the hook, by reference, to be checked after later reads.
  let kept: Array<{ payload: Buffer; raw: string | Buffer; ctx: WsMessageContext }> = [];

  beforeAll(async () => {
    setDirectRead(direct);
    setMaxOwnSlabs(ownSlabs);
    srv = await startWs((app) => {
      // Synchronous unless the message asks for an await (a sync hook's messages are not queued).
      app.on('ws:message', (ctx) => {
        ctx.stop = true;
        const text = ctx.binary ? '' : (ctx.raw as string);
        if (text.startsWith('keep-payload')) {
          kept.push({ payload: ctx.payload, raw: ctx.raw, ctx });
          ctx.reply = 'ok';
        } else if (text.startsWith('keep-ctx')) {
          kept.push({ payload: Buffer.alloc(0), raw: '', ctx }); // raw and payload read later, after other reads
          ctx.reply = 'ok';
        } else if (ctx.binary && ctx.payload[0] === 0xfe) {
          kept.push({ payload: ctx.payload, raw: ctx.raw, ctx });
          ctx.reply = ctx.raw;
        } else if (text.startsWith('async') || (ctx.binary && ctx.payload[0] === 0xaa)) {
          // The reply is decoded after the await: the bytes must have been kept.
          return sleep(1).then(() => {
            ctx.reply = ctx.raw;
          });
        } else {
          ctx.reply = ctx.raw;
        }
        return undefined;
      });
    });
  });
  afterAll(async () => {
    await srv.stop();
    setDirectRead(true);
    setMaxOwnSlabs(64);
  });
  beforeEach(() => {
    kept = [];
  });

  test(`connections use ${direct ? 'direct' : 'stream'} reads; big reads ${direct && ownSlabs > 0 ? 'move to an own slab' : 'stay'}`, async () => {
    const c = await RawClient.open(srv.port);
    c.send({ opcode: 1, payload: 'x' });
    await c.next();
    const conns = srv.app.wsHub.connections;
    expect(conns.length).toBe(1);
    expect(isDirect(conns[0])).toBe(direct);
    expect(hasOwnSlab(conns[0])).toBe(false);
    const big = randomBytes(100_000);
    big[0] = 1;
    c.send({ opcode: 2, payload: big });
    expect((await c.next()).payload.equals(big)).toBe(true);
    expect(hasOwnSlab(conns[0])).toBe(direct && ownSlabs > 0);
    c.destroy();
    await c.closedSignal();
  });

  test('large frames cut at many places after the connection reads big (placed payloads, in-place echo)', async () => {
    const c = await RawClient.open(srv.port);
    const warm = randomBytes(70_000);
    warm[0] = 1;
    c.send({ opcode: 2, payload: warm });
    await c.next();
    for (let i = 0; i < 24; i++) {
      const size = 20_000 + i * 7_919;
      const payload = randomBytes(size);
      payload[0] = 1;
      const text = textOf(size);
      const frames = Buffer.concat([encodeFrame({ opcode: 2, payload }), encodeFrame({ opcode: 1, payload: text })]);
      const cut = 3 + ((i * 10_007) % (frames.length - 6));
      c.write(frames.subarray(0, cut));
      await sleep(2);
      c.write(frames.subarray(cut));
      const b = await c.next(5000);
      const t = await c.next(5000);
      expect(b.opcode).toBe(2);
      expect(b.payload.equals(payload)).toBe(true);
      expect(t.opcode).toBe(1);
      expect(t.payload.toString() === text).toBe(true);
    }
    c.destroy();
  });

  test.each([0, 1, 125, 126, 16383, 16384, 65535, 65536, 65550, 262144, 262145, 600000, 1 << 21])(
    'binary and text of %i bytes echo exactly',
    async (size) => {
      const ws = await openWs(`${wsBase(srv.port)}/ws`);
      const inbox = new Inbox(ws);
      const bytes = randomBytes(size);
      if (size > 0) bytes[0] = 0x01;
      const text = textOf(size);
      ws.send(bytes);
      ws.send(text);
      const b = await inbox.next(5000);
      const t = await inbox.next(5000);
      expect(b.binary).toBe(true);
      expect(b.data.equals(bytes)).toBe(true);
      expect(t.binary).toBe(false);
      expect(t.text).toBe(text);
      ws.close();
    },
  );

  test('a long frame arriving in many reads (read windows) echoes exactly, text cut inside characters', async () => {
    const c = await RawClient.open(srv.port);
    const text = textOf(200_000);
    const bytes = randomBytes(150_000);
    bytes[0] = 0x01;
    const stream = Buffer.concat([
      encodeFrame({ opcode: 2, payload: bytes }),
      encodeFrame({ opcode: 1, payload: text }),
      encodeFrame({ opcode: 1, payload: 'after' }),
    ]);
    // Uneven pieces with pauses: headers, payload starts and ends fall at many read boundaries.
    const sizes = [3, 5000, 20000, 7, 40000, 1, 65536, 33333];
    let pos = 0;
    for (let i = 0; pos < stream.length; i++) {
      const n = sizes[i % sizes.length];
      c.write(stream.subarray(pos, pos + n));
      pos += n;
      await sleep(2);
    }
    const f1 = await c.next(5000);
    const f2 = await c.next(5000);
    const f3 = await c.next(5000);
    expect(f1.opcode).toBe(2);
    expect(f1.payload.equals(bytes)).toBe(true);
    expect(f2.opcode).toBe(1);
    expect(f2.payload.toString()).toBe(text);
    expect(f3.payload.toString()).toBe('after');
    c.destroy();
  });

  test('invalid UTF-8 in a long text frame read in pieces fails fast with 1007', async () => {
    const c = await RawClient.open(srv.port);
    const payload = Buffer.concat([Buffer.alloc(40_000, 0x61), Buffer.from([0xc3, 0x28]), Buffer.alloc(100_000, 0x61)]);
    const frame = encodeFrame({ opcode: 1, payload });
    c.write(frame.subarray(0, 20_000));
    await sleep(5);
    c.write(frame.subarray(20_000, 45_000)); // the invalid pair, well before the end of the frame
    await c.expectClose(1007);
  });

  test('payloads and ctx kept by a hook keep their bytes across later reads', async () => {
    const c = await RawClient.open(srv.port);
    const texts = Array.from({ length: 20 }, (_, i) => `keep-payload ${i} ${textOf(50 + i * 997)}`);
    const ctxTexts = Array.from({ length: 20 }, (_, i) => `keep-ctx ${i} ${textOf(10 + i * 31)}`);
    const blobs = Array.from({ length: 20 }, (_, i) => {
      const b = randomBytes(30 + i * 1500);
      b[0] = 0xfe;
      return b;
    });
    for (let i = 0; i < 20; i++) {
      c.send({ opcode: 1, payload: texts[i] });
      c.send({ opcode: 1, payload: ctxTexts[i] });
      c.send({ opcode: 2, payload: blobs[i] });
      await sleep(1);
    }
    for (let i = 0; i < 60; i++) await c.next();
    // Many more reads through the same buffers.
    for (let i = 0; i < 200; i++) c.send({ opcode: 1, payload: `filler ${i} ${'z'.repeat(i * 7)}` });
    for (let i = 0; i < 200; i++) await c.next();
    expect(kept.length).toBe(60);
    for (let i = 0; i < 20; i++) {
      const t = kept[i * 3];
      expect(t.payload.toString()).toBe(texts[i]);
      expect(t.raw).toBe(texts[i]);
      const k = kept[i * 3 + 1];
      expect(k.ctx.raw).toBe(ctxTexts[i]);
      expect(k.ctx.payload.toString()).toBe(ctxTexts[i]);
      const b = kept[i * 3 + 2];
      expect(b.payload.equals(blobs[i])).toBe(true);
      expect((b.raw as Buffer).equals(blobs[i])).toBe(true);
      expect(b.ctx.payload.equals(blobs[i])).toBe(true);
    }
    c.destroy();
  });

  test('echoes waiting in the socket queue (a peer that does not read) keep their bytes', async () => {
    const c = await RawClient.open(srv.port);
    c.socket.pause(); // the server's writes back up: frames wait in Node's queue, not the kernel
    const conn = srv.app.wsHub.connections[0];
    const texts: string[] = [];
    let queuedAt = -1;
    for (let i = 0; i < 2000 && (queuedAt < 0 || i < queuedAt + 30); i++) {
      const t = `${i} ${textOf(100_000 + i)}`; // inside one read: echoed from the shared buffer
      texts.push(t);
      c.send({ opcode: 1, payload: t });
      if (i % 10 === 9) await sleep(5);
      if (queuedAt < 0 && conn.bufferedAmount > 0) queuedAt = i;
    }
    expect(queuedAt).toBeGreaterThanOrEqual(0);
    await sleep(50);
    c.socket.resume();
    for (const t of texts) {
      const f = await c.next(5000);
      expect(f.payload.length).toBe(Buffer.byteLength(t));
      expect(f.payload.toString() === t).toBe(true);
    }
    c.destroy();
  }, 20000);

  test('async hooks: messages queued behind them (many per read, past the pause limit) echo in order', async () => {
    const c = await RawClient.open(srv.port);
    const frames: Buffer[] = [];
    const expected: Array<{ opcode: number; payload: Buffer }> = [];
    for (let i = 0; i < 400; i++) {
      if (i % 3 === 2) {
        const b = randomBytes(20 + (i % 50) * 40);
        b[0] = 0xaa;
        frames.push(encodeFrame({ opcode: 2, payload: b }));
        expected.push({ opcode: 2, payload: b });
      } else {
        const t = `async ${i} ${textOf(i * 13)}`;
        frames.push(encodeFrame({ opcode: 1, payload: t }));
        expected.push({ opcode: 1, payload: Buffer.from(t) });
      }
    }
    c.write(Buffer.concat(frames));
    for (let i = 0; i < expected.length; i++) {
      const f = await c.next(5000);
      expect(f.opcode).toBe(expected[i].opcode);
      expect(f.payload.equals(expected[i].payload)).toBe(true);
    }
    c.destroy();
  });

  test('fragmented messages with pings between fragments, in one write and chopped', async () => {
    const text = textOf(3000);
    const tb = Buffer.from(text);
    const bin = randomBytes(70_000);
    bin[0] = 0x01;
    const stream = Buffer.concat([
      encodeFrame({ opcode: 1, payload: tb.subarray(0, 1001), fin: false }),
      encodeFrame({ opcode: 9, payload: 'p1' }),
      encodeFrame({ opcode: 0, payload: tb.subarray(1001, 2002), fin: false }),
      encodeFrame({ opcode: 0, payload: tb.subarray(2002), fin: true }),
      encodeFrame({ opcode: 2, payload: bin.subarray(0, 30_000), fin: false }),
      encodeFrame({ opcode: 9, payload: 'p2' }),
      encodeFrame({ opcode: 0, payload: bin.subarray(30_000), fin: true }),
    ]);
    for (const chop of [0, 997]) {
      const c = await RawClient.open(srv.port);
      if (chop === 0) c.write(stream);
      else await c.writeChopped(stream, chop, 1);
      const got = [await c.next(5000), await c.next(5000), await c.next(5000), await c.next(5000)];
      // Pongs go out at once; the (async) hook's replies follow in message order.
      const pongs = got.filter((f) => f.opcode === 10);
      const echoes = got.filter((f) => f.opcode !== 10);
      expect(pongs.map((f) => f.payload.toString())).toEqual(['p1', 'p2']);
      expect(echoes.map((f) => f.opcode)).toEqual([1, 2]);
      expect(echoes[0].payload.toString()).toBe(text);
      expect(echoes[1].payload.equals(bin)).toBe(true);
      c.destroy();
    }
  });
});

describe('own read slabs: the cap, and giving them back', () => {
  let srv: RunningWs;
  beforeAll(async () => {
    setDirectRead(true);
    setMaxOwnSlabs(1);
    srv = await startWs(exactEcho);
  });
  afterAll(async () => {
    await srv.stop();
    setMaxOwnSlabs(64);
  });

  test('past the cap a connection reads into the shared buffer; a slab is given back after small reads', async () => {
    const a = await RawClient.open(srv.port);
    const b = await RawClient.open(srv.port);
    const big = randomBytes(80_000);
    const echo = async (c: RawClient, payload: Buffer): Promise<void> => {
      c.send({ opcode: 2, payload });
      const f = await c.next(5000);
      expect(f.payload.equals(payload)).toBe(true);
    };
    await echo(a, big);
    await echo(b, big);
    const [ca, cb] = srv.app.wsHub.connections;
    expect([hasOwnSlab(ca), hasOwnSlab(cb)].sort()).toEqual([false, true]);
    const [owner, other] = hasOwnSlab(ca) ? [a, b] : [b, a];
    for (let i = 0; i < 5; i++) await echo(other, randomBytes(70_000 + i)); // still correct on the shared buffer
    for (let i = 0; i < 8; i++) await echo(owner, Buffer.from(`small ${i}`));
    expect(hasOwnSlab(ca) || hasOwnSlab(cb)).toBe(false); // given back after 8 small reads...
    await echo(other, big);
    expect(hasOwnSlab(owner === a ? cb : ca)).toBe(true); // ...and taken by the other connection
    a.destroy();
    b.destroy();
  });
});

describe.each([
  ['direct reads', true],
  ['stream reads (fallback)', false],
])('permessage-deflate with %s', (_name, direct) => {
  let srv: RunningWs;
  beforeAll(async () => {
    setDirectRead(direct);
    srv = await startWs(exactEcho, { wsPerMessageDeflate: { threshold: 64 } });
  });
  afterAll(async () => {
    await srv.stop();
    setDirectRead(true);
  });

  test('an uncompressed text message over the threshold is echoed compressed; a short one is not', async () => {
    const c = await RawClient.open(srv.port, { headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate' } });
    expect(c.response?.headers['sec-websocket-extensions']).toBe('permessage-deflate');
    const text = `uncompressed ${textOf(5000)}`;
    c.send({ opcode: 1, payload: text });
    const f = await c.next();
    expect(f.rsv1).toBe(true);
    const inflated = inflateMessage(f.payload);
    expect(inflated.toString()).toBe(text);
    c.send({ opcode: 1, payload: 'short' });
    const s = await c.next();
    expect(s.rsv1).toBe(false);
    expect(s.payload.toString()).toBe('short');
    c.destroy();
  });
});

// ---- the receiver with reused chunks and read windows ------------------------------------------

class Keeper implements ReceiverSink {
  events: Array<{ kind: string; binary?: boolean; payload?: Buffer; copy?: Buffer }> = [];
  onMessage(binary: boolean, payload: Buffer): void {
    // `copy`: the bytes at delivery; `payload` is checked again later for messages that may be kept.
    this.events.push({ kind: 'message', binary, payload, copy: Buffer.from(payload) });
  }
  onPing(payload: Buffer): void {
    this.events.push({ kind: 'ping', copy: Buffer.from(payload) });
  }
  onPong(): void {}
  onCloseFrame(code: number, reason: string): void {
    this.events.push({ kind: `close ${code} ${reason}` });
  }
  onProtocolError(code: number, message: string): void {
    this.events.push({ kind: `error ${code} ${message}` });
  }
}

/** Feeds `stream` like direct reads do: into one reused scratch Buffer, or into the receiver's read window. */
function feedDirect(receiver: Receiver, stream: Buffer, sizes: number[]): void {
  const scratch = Buffer.alloc(64 * 1024);
  let pos = 0;
  for (let i = 0; pos < stream.length && !receiver.stopped; i++) {
    const window = receiver.readWindow();
    const target = window ?? scratch;
    const n = Math.min(sizes[i % sizes.length], target.length, stream.length - pos);
    stream.copy(target, 0, pos, pos + n);
    pos += n;
    if (window !== null) {
      receiver.pushInPlace(n);
    } else {
      receiver.push(scratch, n);
      scratch.fill(0xee); // the next read overwrites it
    }
  }
}

describe('Receiver with copyKept and read windows', () => {
  const LIMITS = { maxPayload: 1 << 22, maxFragments: 100 };
  const big = randomBytes(300_000);
  const bigText = textOf(100_000);
  const stream = Buffer.concat([
    encodeFrame({ opcode: 1, payload: 'hello' }),
    encodeFrame({ opcode: 2, payload: big }),
    encodeFrame({ opcode: 1, payload: bigText.slice(0, 999), fin: false }),
    encodeFrame({ opcode: 9, payload: 'ping' }),
    encodeFrame({ opcode: 0, payload: bigText.slice(999), fin: true }),
    encodeFrame({ opcode: 2, payload: Buffer.from([1, 2, 3]) }),
    encodeFrame({ opcode: 1, payload: '' }),
    encodeFrame({ opcode: 8, payload: Buffer.from([0x03, 0xe8, 0x6f, 0x6b]) }),
  ]);

  test.each([[[stream.length]], [[1]], [[7, 65536, 3, 20000]], [[16384, 16383, 1, 40000]], [[100, 200_000, 5]]])(
    'same events and intact kept payloads for read sizes %j',
    (sizes) => {
      const reference = new Keeper();
      new Receiver(reference, LIMITS, false).push(Buffer.from(stream));
      const sink = new Keeper();
      const receiver = new Receiver(sink, LIMITS, false);
      receiver.copyKept = true;
      feedDirect(receiver, Buffer.from(stream), sizes.length === 1 && sizes[0] === 1 ? [1, 1, 1, 70_000] : sizes);
      expect(sink.events.map((e) => [e.kind, e.binary, e.copy?.toString('base64')])).toEqual(
        reference.events.map((e) => [e.kind, e.binary, e.copy?.toString('base64')]),
      );
      // Binary messages and fragmented ones were copied out of the scratch buffer: still intact.
      const messages = sink.events.filter((e) => e.kind === 'message');
      expect(messages[1].payload!.equals(big)).toBe(true);
      expect(messages[2].payload!.toString()).toBe(bigText);
      expect(messages[3].payload!.equals(Buffer.from([1, 2, 3]))).toBe(true);
    },
  );

  test('payloads placed by the sink continue in place over contiguous reads', () => {
    const reference = new Keeper();
    new Receiver(reference, LIMITS, false).push(Buffer.from(stream));
    // A slab read front to back, like an own slab: each read continues where the last ended.
    const slab = Buffer.alloc(stream.length + 64);
    let current: Buffer | null = null;
    let placed = 0;
    class Placer extends Keeper {
      placePayload(chunk: Buffer, pos: number, total: number): Buffer | null {
        if (chunk !== current) return null;
        const start = chunk.byteOffset - slab.byteOffset + pos;
        placed++;
        return slab.subarray(start, start + total);
      }
    }
    const sink = new Placer();
    const receiver = new Receiver(sink, LIMITS, false);
    const sizes = [10, 70_000, 3, 50_000, 99_999];
    let pos = 0;
    for (let i = 0; pos < stream.length; i++) {
      const n = Math.min(sizes[i % sizes.length], stream.length - pos);
      stream.copy(slab, pos, pos, pos + n);
      current = slab.subarray(pos, pos + n);
      expect(receiver.readWindow()).toBeNull();
      receiver.push(current);
      pos += n;
    }
    expect(placed).toBeGreaterThan(0);
    expect(sink.events.map((e) => [e.kind, e.binary, e.copy?.toString('base64')])).toEqual(
      reference.events.map((e) => [e.kind, e.binary, e.copy?.toString('base64')]),
    );
    const big0 = sink.events.filter((e) => e.kind === 'message')[1].payload!;
    expect(big0.buffer).toBe(slab.buffer); // not copied
  });

  test('readWindow() only for a long missing part; pushInPlace without one throws', () => {
    const receiver = new Receiver(new Keeper(), LIMITS, false);
    expect(receiver.readWindow()).toBeNull();
    expect(() => receiver.pushInPlace(1)).toThrow('pushInPlace without a read window');
    const frame = encodeFrame({ opcode: 2, payload: randomBytes(100_000) });
    receiver.push(frame.subarray(0, 30_000));
    // A window into the part of the payload's Buffer reserved so far (it grows as bytes arrive).
    const window = receiver.readWindow();
    expect(window?.length).toBeGreaterThanOrEqual(16 * 1024);
    expect(window?.length).toBeLessThanOrEqual(frame.length - 30_000);
    receiver.push(frame.subarray(30_000, frame.length - 100));
    expect(receiver.readWindow()).toBeNull(); // 100 bytes: cheaper to copy than a read of their own
  });
});

describe('WsMessageContext over the shared read buffer', () => {
  const ws = {} as WebSocket;

  test('payload read during the hook is a copy; release() after raw keeps the text only', () => {
    const scratch = Buffer.from('hello world');
    const ctx = new WsMessageContext(ws, false, scratch, true, true);
    expect(ctx.raw).toBe('hello world');
    const p = ctx.payload;
    expect(p).not.toBe(scratch);
    scratch.fill(0x21);
    expect(p.toString()).toBe('hello world');
    expect(ctx.payload).toBe(p);

    const scratch2 = Buffer.from('second');
    const ctx2 = new WsMessageContext(ws, false, scratch2, true, true);
    expect(ctx2.raw).toBe('second');
    ctx2.release();
    scratch2.fill(0x21);
    expect(ctx2.payload.toString()).toBe('second');
    expect(ctx2.raw).toBe('second');
  });

  test('release() without raw copies the bytes; binary raw is the (copied) payload', () => {
    const scratch = Buffer.from('untouched');
    const ctx = new WsMessageContext(ws, false, scratch, true, true);
    ctx.release();
    scratch.fill(0x21);
    expect(ctx.raw).toBe('untouched');
    const bin = Buffer.from([1, 2, 3]);
    const ctxb = new WsMessageContext(ws, true, bin, true, false);
    const raw = ctxb.raw as Buffer;
    bin.fill(0);
    expect([...raw]).toEqual([1, 2, 3]);
    expect(ctxb.payload).toBe(raw);
  });

  test('outside the read buffer the payload is the Buffer given (no copy)', () => {
    const b = Buffer.from('abc');
    const ctx = new WsMessageContext(ws, true, b);
    expect(ctx.payload).toBe(b);
    ctx.release();
    expect(ctx.payload).toBe(b);
  });
});

describe('unmaskAscii (short text frames: unmask and ASCII check in one pass)', () => {
  test.each([0, 1, 2, 3, 4, 5, 63, 64, 65, 125, 127])('%i bytes at every offset, ASCII or not', (length) => {
    const key = Buffer.from([0x12, 0x9a, 0x00, 0xff]);
    for (const offset of [0, 1, 2, 3, 6]) {
      for (const highAt of [-1, 0, length - 1, length >> 1]) {
        if (highAt >= length) continue;
        const plain = Buffer.alloc(length, 0x61);
        for (let i = 0; i < length; i++) plain[i] = 0x20 + ((i * 7) % 90);
        if (highAt >= 0) plain[highAt] = 0xc3;
        const buf = Buffer.alloc(offset + length + 3, 0x55);
        for (let i = 0; i < length; i++) buf[offset + i] = plain[i] ^ key[i & 3];
        const ascii = unmaskAscii(buf, key, offset, offset + length);
        expect(buf.subarray(offset, offset + length).equals(plain)).toBe(true);
        expect(buf[offset + length]).toBe(0x55); // nothing past the end
        expect(offset === 0 || buf[offset - 1] === 0x55).toBe(true);
        expect(ascii).toBe(highAt < 0);
      }
    }
  });
});
