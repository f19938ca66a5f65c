// Property-based fuzzing of the WebSocket frame parser (lib/ws/receiver.ts) against a reference decoder
// written here from RFC 6455 §5: random valid, invalid, fragmented and control-interleaved frame
// sequences, cut into chunks at every point (short streams) and at random points, read through push(),
// the direct-read window (readWindow/pushInPlace) and with reused chunks (copyKept). The receiver must
// deliver exactly the reference's messages and control frames, then stop with the reference's close or
// error code — and never throw.
import fc from 'fast-check';
import { Receiver, type ReceiverSink } from '../../lib/ws/receiver';
import { fuzz, fuzzTimeout } from './config';

const LIMITS = { maxPayload: 300, maxFragments: 4 };

interface FrameSpec {
  fin: boolean;
  rsv: number; // bits 0x40 | 0x20 | 0x10
  opcode: number;
  masked: boolean;
  payload: Buffer;
  /** A 64-bit length at or over 2^53 (no payload follows; the stream ends there). */
  hugeLength: boolean;
}

type Event =
  | { kind: 'message'; binary: boolean; payload: string }
  | { kind: 'ping'; payload: string }
  | { kind: 'pong'; payload: string }
  | { kind: 'close'; code: number; reason: string }
  | { kind: 'error'; code: number };

// ---- the reference ----------------------------------------------------------------------------

/** UTF-8 validity as a DFA (Unicode Table 3-7): 'ok', 'partial' (a valid prefix) or 'bad'. */
function utf8State(bytes: Buffer): 'ok' | 'partial' | 'bad' {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b === 0xe0) {
      need = 2;
      lo = 0xa0;
    } else if (b >= 0xe1 && b <= 0xec) need = 2;
    else if (b === 0xed) {
      need = 2;
      hi = 0x9f;
    } else if (b >= 0xee && b <= 0xef) need = 2;
    else if (b === 0xf0) {
      need = 3;
      lo = 0x90;
    } else if (b >= 0xf1 && b <= 0xf3) need = 3;
    else if (b === 0xf4) {
      need = 3;
      hi = 0x8f;
    } else return 'bad';
    for (let k = 1; k <= need; k++) {
      if (i + k >= bytes.length) return 'partial';
      const c = bytes[i + k];
      if (k === 1 ? c < lo || c > hi : c < 0x80 || c > 0xbf) return 'bad';
    }
    i += need + 1;
  }
  return 'ok';
}

function validCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/** What a conforming receiver (no extension, LIMITS) reports for these frames. */
function reference(frames: FrameSpec[]): Event[] {
  const out: Event[] = [];
  let messageOpcode = 0;
  let fragments: Buffer[] = [];
  let fragmentCount = 0;
  let messageLength = 0;
  const fail = (code: number): Event[] => {
    out.push({ kind: 'error', code });
    return out;
  };
  for (const f of frames) {
    const rsv1 = (f.rsv & 0x40) !== 0;
    if ((f.rsv & 0x30) !== 0) return fail(1002);
    if (!f.masked) return fail(1002);
    if (f.hugeLength) return fail(1009);
    const len = f.payload.length;
    if (f.opcode >= 8) {
      if (f.opcode > 10 || !f.fin || len > 125 || rsv1) return fail(1002);
      if (f.opcode === 9) out.push({ kind: 'ping', payload: f.payload.toString('hex') });
      else if (f.opcode === 10) out.push({ kind: 'pong', payload: f.payload.toString('hex') });
      else {
        if (len === 0) {
          out.push({ kind: 'close', code: 1005, reason: '' });
          return out;
        }
        if (len === 1) return fail(1002);
        const code = f.payload.readUInt16BE(0);
        if (!validCloseCode(code)) return fail(1002);
        const reason = f.payload.subarray(2);
        if (utf8State(reason) !== 'ok') return fail(1007);
        out.push({ kind: 'close', code, reason: reason.toString() });
        return out;
      }
      continue;
    }
    if (f.opcode === 0) {
      if (messageOpcode === 0 || rsv1) return fail(1002);
      if (++fragmentCount > LIMITS.maxFragments) return fail(1008);
      if (messageLength + len > LIMITS.maxPayload) return fail(1009);
    } else if (f.opcode === 1 || f.opcode === 2) {
      if (messageOpcode !== 0 || rsv1) return fail(1002);
      if (len > LIMITS.maxPayload) return fail(1009);
      messageOpcode = f.opcode;
      fragmentCount = 1;
      messageLength = 0;
      fragments = [];
    } else {
      return fail(1002);
    }
    messageLength += len;
    fragments.push(f.payload);
    const whole = Buffer.concat(fragments);
    if (messageOpcode === 1) {
      const state = utf8State(whole);
      // Fail fast: an invalid prefix fails before the message ends.
      if (state === 'bad' || (f.fin && state === 'partial')) return fail(1007);
    }
    if (f.fin) {
      out.push({ kind: 'message', binary: messageOpcode === 2, payload: whole.toString('hex') });
      messageOpcode = 0;
    }
  }
  return out;
}

// ---- encoding and generation ----------------------------------------------------------------

function encode(f: FrameSpec, key: Buffer): Buffer {
  const b0 = (f.fin ? 0x80 : 0) | f.rsv | f.opcode;
  const maskBit = f.masked ? 0x80 : 0;
  let header: Buffer;
  const len = f.payload.length;
  if (f.hugeLength) {
    header = Buffer.alloc(10);
    header[1] = maskBit | 127;
    header.writeUInt32BE(0x200000, 2); // 2^53
  } else if (len < 126) {
    header = Buffer.from([0, maskBit | len]);
  } else if (len < 65536) {
    header = Buffer.alloc(4);
    header[1] = maskBit | 126;
    header.writeUInt16BE(len, 2);
  } else {
    header = Buffer.alloc(10);
    header[1] = maskBit | 127;
    header.writeUInt32BE(len, 6);
  }
  header[0] = b0;
  if (!f.masked) return Buffer.concat([header, f.payload]);
  const body = Buffer.from(f.payload);
  for (let i = 0; i < body.length; i++) body[i] ^= key[i & 3];
  return Buffer.concat([header, key, f.hugeLength ? Buffer.alloc(0) : body]);
}

const utf8Text = fc.string({ unit: 'binary', maxLength: 60 }).map((s) => Buffer.from(s));
const anyBytes = fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a));
const brokenUtf8 = fc
  .tuple(
    utf8Text,
    fc.constantFrom(
      [0xc3],
      [0xe2, 0x82],
      [0xf0, 0x9f, 0x98],
      [0xed, 0xa0, 0x80],
      [0xc0, 0xaf],
      [0xf4, 0x90, 0x80, 0x80],
      [0xff],
      [0x80],
    ),
    utf8Text,
  )
  .map(([a, bad, b]) => Buffer.concat([a, Buffer.from(bad), b]));
/** Valid text split at a random byte: fragments that end inside a character. */
const payload = fc.oneof(
  { weight: 4, arbitrary: utf8Text },
  { weight: 2, arbitrary: anyBytes },
  { weight: 1, arbitrary: brokenUtf8 },
  { weight: 1, arbitrary: fc.integer({ min: 126, max: 400 }).map((n) => Buffer.alloc(n, 0x61)) },
);
const closePayload = fc.oneof(
  fc.constant(Buffer.alloc(0)),
  fc.constant(Buffer.from([3])),
  fc
    .tuple(
      fc.oneof(
        fc.constantFrom(1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000, 4999),
        fc.integer({ min: 0, max: 65535 }),
      ),
      utf8Text,
      fc.boolean(),
    )
    .map(([code, reason, broken]) => {
      const head = Buffer.alloc(2);
      head.writeUInt16BE(code);
      return Buffer.concat([head, reason.subarray(0, 100), broken ? Buffer.from([0xc3]) : Buffer.alloc(0)]);
    }),
);

const frame: fc.Arbitrary<FrameSpec> = fc
  .record({
    fin: fc.boolean(),
    rsv: fc.oneof(
      { weight: 12, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.constantFrom(0x40, 0x20, 0x10) },
    ),
    opcode: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(0, 1, 2) },
      { weight: 3, arbitrary: fc.constantFrom(8, 9, 10) },
      { weight: 1, arbitrary: fc.constantFrom(3, 7, 11, 15) },
    ),
    masked: fc.oneof({ weight: 20, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    payload,
    hugeLength: fc.oneof({ weight: 40, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    closePayload,
  })
  .map(({ closePayload: cp, ...f }) => {
    // Control frames: mostly within the 125-byte limit and final; close frames carry a code.
    if (f.opcode === 8) return { ...f, payload: cp, fin: f.fin || f.payload.length % 5 !== 0 };
    if (f.opcode >= 9)
      return {
        ...f,
        payload: f.payload.subarray(0, f.payload.length % 7 === 0 ? 130 : 125),
        fin: f.fin || f.payload.length % 5 !== 0,
      };
    return f;
  });

/** A mostly well-formed sequence: fragmented messages (text split mid-character too) with control frames between. */
const message: fc.Arbitrary<FrameSpec[]> = fc
  .tuple(
    fc.constantFrom(1, 2),
    utf8Text,
    fc.array(fc.nat({ max: 80 }), { maxLength: 6 }),
    fc.array(fc.constantFrom(9, 10), { maxLength: 2 }),
  )
  .map(([opcode, text, cuts, controls]) => {
    const points = [...new Set(cuts.map((c) => Math.min(c, text.length)))].sort((a, b) => a - b);
    const parts: Buffer[] = [];
    let prev = 0;
    for (const p of [...points, text.length]) {
      parts.push(text.subarray(prev, p));
      prev = p;
    }
    const frames: FrameSpec[] = parts.map((part, i) => ({
      fin: i === parts.length - 1,
      rsv: 0,
      opcode: i === 0 ? opcode : 0,
      masked: true,
      payload: part,
      hugeLength: false,
    }));
    for (const c of controls) {
      frames.splice(1 + (c % Math.max(1, frames.length - 1)), 0, {
        fin: true,
        rsv: 0,
        opcode: c,
        masked: true,
        payload: Buffer.from('ctl'),
        hugeLength: false,
      });
    }
    return frames;
  });

const sequence = fc
  .array(fc.oneof({ weight: 3, arbitrary: message }, { weight: 2, arbitrary: frame.map((f) => [f]) }), {
    minLength: 1,
    maxLength: 8,
  })
  .map((groups) => groups.flat());

// ---- running the receiver ---------------------------------------------------------------------

class Recorder implements ReceiverSink {
  events: Event[] = [];
  done = false;
  onMessage(binary: boolean, payload: Buffer): void {
    this.check();
    this.events.push({ kind: 'message', binary, payload: payload.toString('hex') });
  }
  onPing(payload: Buffer): void {
    this.check();
    this.events.push({ kind: 'ping', payload: payload.toString('hex') });
  }
  onPong(payload: Buffer): void {
    this.check();
    this.events.push({ kind: 'pong', payload: payload.toString('hex') });
  }
  onCloseFrame(code: number, reason: string): void {
    this.check();
    this.done = true;
    this.events.push({ kind: 'close', code, reason });
  }
  onProtocolError(code: number): void {
    this.check();
    this.done = true;
    this.events.push({ kind: 'error', code });
  }
  private check(): void {
    if (this.done) throw new Error('an event after the receiver stopped');
  }
}

/**
 * Feeds `bytes` to a fresh receiver in the chunks `cuts` define. `copyKept`: every chunk is overwritten
 * once push() returns (as the shared read buffer is). `windows`: reads go into readWindow() when offered.
 */
function run(bytes: Buffer, cuts: number[], copyKept: boolean, windows: boolean): Event[] {
  const sink = new Recorder();
  const r = new Receiver(sink, LIMITS, false);
  r.copyKept = copyKept;
  let pos = 0;
  const ends = [...cuts.filter((c) => c > 0 && c < bytes.length), bytes.length].sort((a, b) => a - b);
  for (const end of ends) {
    if (end <= pos) continue;
    while (pos < end && !r.stopped) {
      const window = windows ? r.readWindow() : null;
      if (window !== null) {
        const n = Math.min(window.length, end - pos);
        bytes.copy(window, 0, pos, pos + n);
        r.pushInPlace(n);
        pos += n;
        continue;
      }
      const chunk = Buffer.from(bytes.subarray(pos, end)); // a chunk of its own: parsing may unmask in place
      r.push(chunk);
      if (copyKept) chunk.fill(0xee);
      pos = end;
    }
  }
  return sink.events;
}

const key = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((a) => Buffer.from(a));

/** Outcomes the generated sequences reached: the generators must reach every path, or the fuzz proves little. */
const reached = new Set<string>();

test(
  'receiver = reference, for random frame sequences cut at random points',
  () => {
    fuzz(
      'ws receiver: random cuts',
      fc.property(
        sequence,
        key,
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.boolean(),
        fc.boolean(),
        (frames, k, cutSeeds, copyKept, windows) => {
          const bytes = Buffer.concat(frames.map((f) => encode(f, k)));
          const cuts = cutSeeds.map((c) => c % (bytes.length + 1));
          const expected = reference(frames);
          for (const e of expected) reached.add(e.kind === 'error' ? `error ${e.code}` : e.kind);
          expect(run(bytes, cuts, copyKept, windows)).toEqual(expected);
        },
      ),
      400,
    );
    expect([...reached].sort()).toEqual([
      'close',
      'error 1002',
      'error 1007',
      'error 1008',
      'error 1009',
      'message',
      'ping',
      'pong',
    ]);
  },
  fuzzTimeout(30_000),
);

test(
  'receiver = reference, cut at every single point',
  () =>
    fuzz(
      'ws receiver: every cut',
      fc.property(fc.array(frame, { minLength: 1, maxLength: 3 }), key, fc.boolean(), (frames, k, copyKept) => {
        const bytes = Buffer.concat(frames.map((f) => encode(f, k)));
        const expected = reference(frames);
        const step = Math.max(1, Math.floor(bytes.length / 64)); // long streams: every step-th point
        for (let cut = 0; cut <= bytes.length; cut += step) {
          expect(run(bytes, [cut], copyKept, false)).toEqual(expected);
        }
        expect(
          run(
            bytes,
            Array.from({ length: bytes.length }, (_, i) => i),
            copyKept,
            false,
          ),
        ).toEqual(expected); // byte by byte
      }),
      150,
    ),
  fuzzTimeout(30_000),
);

test('the reference itself: a few known answers', () => {
  const text = (s: string, fin = true, opcode = 1): FrameSpec => ({
    fin,
    rsv: 0,
    opcode,
    masked: true,
    payload: Buffer.from(s),
    hugeLength: false,
  });
  expect(reference([text('hé', false), text('llo', true, 0)])).toEqual([
    { kind: 'message', binary: false, payload: Buffer.from('héllo').toString('hex') },
  ]);
  expect(
    reference([
      { ...text(''), payload: Buffer.from([0xe2, 0x82]), fin: false },
      { ...text('', true, 0), payload: Buffer.from([0xac]) },
    ]),
  ).toEqual([{ kind: 'message', binary: false, payload: 'e282ac' }]);
  expect(reference([{ ...text(''), payload: Buffer.from([0xed, 0xa0]), fin: false }])).toEqual([
    { kind: 'error', code: 1007 },
  ]);
  expect(reference([text('a', true, 0)])).toEqual([{ kind: 'error', code: 1002 }]);
  expect(utf8State(Buffer.from([0xf4, 0x8f]))).toBe('partial');
  expect(utf8State(Buffer.from([0xf4, 0x90]))).toBe('bad');
});
