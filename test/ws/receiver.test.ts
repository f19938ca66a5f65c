// The frame parser and the streaming UTF-8 check in isolation: every way of cutting the input into
// chunks must give the same events.
import { randomBytes } from 'node:crypto';
import { Receiver, type ReceiverSink } from '../../lib/ws/receiver';
import { Utf8Stream } from '../../lib/ws/utf8';
import { headerLength, Opcode } from '../../lib/ws/frame';
import { frameCopy, frameText } from '../../lib/ws/sender';
import { encodeFrame } from './helpers';

class Recorder implements ReceiverSink {
  events: string[] = [];
  onMessage(binary: boolean, payload: Buffer, compressed: boolean): void {
    this.events.push(
      `${binary ? 'bin' : 'text'}${compressed ? '+z' : ''}:${binary ? payload.toString('hex') : payload.toString()}`,
    );
  }
  onPing(payload: Buffer): void {
    this.events.push(`ping:${payload.toString()}`);
  }
  onPong(payload: Buffer): void {
    this.events.push(`pong:${payload.toString()}`);
  }
  onCloseFrame(code: number, reason: string): void {
    this.events.push(`close:${code}:${reason}`);
  }
  onProtocolError(code: number, message: string): void {
    this.events.push(`error:${code}:${message}`);
  }
}

const LIMITS = { maxPayload: 1 << 20, maxFragments: 100 };

function run(chunks: Buffer[], limits = LIMITS, deflate = false): string[] {
  const sink = new Recorder();
  const r = new Receiver(sink, limits, deflate);
  // The receiver unmasks in place: give it copies so every run sees the original bytes.
  for (const c of chunks) r.push(Buffer.from(c));
  return sink.events;
}

const close1000 = Buffer.from([0x03, 0xe8, 0x62, 0x79, 0x65]);
const stream = Buffer.concat([
  encodeFrame({ opcode: 1, payload: 'héllo' }),
  encodeFrame({ opcode: 2, payload: Buffer.from([0, 1, 2]) }),
  encodeFrame({ opcode: 1, payload: 'κό', fin: false }),
  encodeFrame({ opcode: 9, payload: 'mid' }),
  encodeFrame({ opcode: 0, payload: Buffer.from('σμε').subarray(0, 3), fin: false }),
  encodeFrame({ opcode: 10, payload: '' }),
  encodeFrame({ opcode: 0, payload: Buffer.from('σμε').subarray(3), fin: true }),
  encodeFrame({ opcode: 1, payload: 'x'.repeat(300) }),
  encodeFrame({ opcode: 2, payload: Buffer.alloc(70000, 0xab) }),
  encodeFrame({ opcode: 1, payload: '' }),
  encodeFrame({ opcode: 8, payload: close1000 }),
  encodeFrame({ opcode: 1, payload: 'ignored after close' }),
]);
const expected = [
  'text:héllo',
  'bin:000102',
  'ping:mid',
  'pong:',
  'text:κόσμε',
  `text:${'x'.repeat(300)}`,
  `bin:${'ab'.repeat(70000)}`,
  'text:',
  'close:1000:bye',
];

describe('Receiver', () => {
  test('one chunk', () => {
    expect(run([stream])).toEqual(expected);
  });

  test('every single cut point (the large frame excluded for speed: cut in its header and edges)', () => {
    for (let cut = 1; cut < stream.length; cut += cut < 600 || cut > stream.length - 300 ? 1 : 997) {
      expect(run([stream.subarray(0, cut), stream.subarray(cut)])).toEqual(expected);
    }
  });

  test('1-byte chunks and random chunkings', () => {
    const head = stream.subarray(0, 700);
    const bytes: Buffer[] = [];
    for (let i = 0; i < head.length; i++) bytes.push(head.subarray(i, i + 1));
    bytes.push(stream.subarray(700));
    expect(run(bytes)).toEqual(expected);
    for (let round = 0; round < 20; round++) {
      const chunks: Buffer[] = [];
      let pos = 0;
      while (pos < stream.length) {
        const n = 1 + (randomBytes(2).readUInt16BE(0) % 5000);
        chunks.push(stream.subarray(pos, pos + n));
        pos += n;
      }
      expect(run(chunks)).toEqual(expected);
    }
  });

  test('errors stop parsing and drop buffered state', () => {
    const bad = Buffer.concat([
      encodeFrame({ opcode: 1, payload: 'ok' }),
      encodeFrame({ opcode: 3 }),
      encodeFrame({ opcode: 1, payload: 'never' }),
    ]);
    expect(run([bad])).toEqual(['text:ok', 'error:1002:Reserved opcode 3']);
    expect(run([encodeFrame({ opcode: 1, payload: 'x', rsv1: true })])).toEqual([
      'error:1002:RSV1 set without a negotiated extension',
    ]);
    expect(run([encodeFrame({ opcode: 1, payload: 'x', rsv1: true })], LIMITS, true)).toEqual(['text+z:x']);
    expect(run([encodeFrame({ opcode: 2, declaredLength: BigInt(LIMITS.maxPayload + 1) })])).toEqual([
      'error:1009:Message too big',
    ]);
    expect(run([encodeFrame({ opcode: 8, payload: Buffer.from([0x03, 0xe8, 0xff]) })])).toEqual([
      'error:1007:Invalid UTF-8 in close reason',
    ]);
  });
});

describe('Utf8Stream', () => {
  const valid = Buffer.from('aé€😀κόσμε\u{10FFFF}\u0800z');

  test('valid text split anywhere, in any number of pieces', () => {
    for (let a = 0; a <= valid.length; a++) {
      for (let b = a; b <= valid.length; b++) {
        const s = new Utf8Stream();
        expect(s.push(valid, 0, a) && s.push(valid, a, b) && s.push(valid, b, valid.length) && s.end()).toBe(true);
      }
    }
  });

  test.each([
    [[0xc0, 0x80]],
    [[0xc1, 0xbf]],
    [[0xe0, 0x9f, 0x80]],
    [[0xed, 0xa0, 0x80]],
    [[0xf0, 0x8f, 0x80, 0x80]],
    [[0xf4, 0x90, 0x80, 0x80]],
    [[0xf5, 0x80, 0x80, 0x80]],
    [[0x80]],
    [[0xe2, 0x82, 0x41]],
    [[0xff]],
  ])('invalid %j is refused at every split, and not later than its last byte', (bad) => {
    const bytes = Buffer.concat([Buffer.from('ab'), Buffer.from(bad)]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const s = new Utf8Stream();
      const ok = s.push(bytes, 0, cut) && s.push(bytes, cut, bytes.length);
      expect(ok).toBe(false);
    }
  });

  test('fail fast: an impossible second byte fails before the sequence is complete', () => {
    const s = new Utf8Stream();
    expect(s.push(Buffer.from([0x61, 0xf4]), 0, 2)).toBe(true);
    expect(s.push(Buffer.from([0x90]), 0, 1)).toBe(false);
  });

  test('a truncated sequence fails only at the end', () => {
    const s = new Utf8Stream();
    expect(s.push(Buffer.from([0xe2, 0x82]), 0, 2)).toBe(true);
    expect(s.end()).toBe(false);
  });
});

describe('sender', () => {
  test.each([0, 125, 126, 65535, 65536, 70000])('a %i-byte frame has the right header', (n) => {
    const f = frameCopy(Opcode.BINARY, Buffer.alloc(n, 1));
    expect(f.length).toBe(n + headerLength(n));
    expect(f[0]).toBe(0x82);
    if (n < 126) expect(f[1]).toBe(n);
    else if (n < 65536) expect([f[1], f.readUInt16BE(2)]).toEqual([126, n]);
    else expect([f[1], Number(f.readBigUInt64BE(2))]).toEqual([127, n]);
  });

  test('text frames are built in the headroom of one Buffer', () => {
    const f = frameText('héllo');
    expect(f[0]).toBe(0x81);
    expect(f[1]).toBe(6);
    expect(f.subarray(2).toString()).toBe('héllo');
  });
});
