// Bad input: every entry point of every implementation throws the same TypeError/RangeError
// (same name, same message), touches no byte, and the module keeps working afterwards.
import { implementations, nativeExpected, nativeMask, reference, thrown, type Impl } from './mask-helpers';

const impls = implementations();

type Call = (impl: Impl) => void;
interface Case {
  what: string;
  call: Call;
  error: { name: 'TypeError' | 'RangeError'; message: string };
}

const typeError = (message: string) => ({ name: 'TypeError' as const, message });
const rangeError = (message: string) => ({ name: 'RangeError' as const, message });

const KEY = Buffer.from([1, 2, 3, 4]);
// Two sizes so the dispatcher takes both its JS and its native path.
const SIZES = [8, 4096];

const notBytes: [string, unknown][] = [
  ['a string', 'abcdefgh'],
  ['null', null],
  ['undefined', undefined],
  ['a number', 8],
  ['a plain object', { length: 8 }],
  ['an array', [1, 2, 3, 4]],
  ['a Uint16Array', new Uint16Array(4)],
  ['a Uint8ClampedArray', new Uint8ClampedArray(4)],
  ['a DataView', new DataView(new ArrayBuffer(8))],
  ['an ArrayBuffer', new ArrayBuffer(8)],
  ['an object with a Symbol length', { length: Symbol('n') }],
  ['an object with a huge length', { length: 2 ** 40 }],
];
const notNumbers: [string, unknown][] = [
  ['a string', '1'],
  ['null', null],
  ['a BigInt', 1n],
  ['a huge BigInt', 2n ** 70n],
  ['a Number object', Object(1)],
  ['an object', {}],
  ['a Symbol', Symbol('n')],
  ['an object with valueOf', { valueOf: () => 4096 }],
];
const badIntegers: [string, number][] = [
  ['negative', -1],
  ['fractional', 0.5],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['huge', 2 ** 53],
  ['> 2^32', 2 ** 32 + 1],
  ['tiny fraction', 1e-300],
];

function cases(size: number): Case[] {
  const src = () => Buffer.alloc(size, 7);
  const out = () => Buffer.alloc(size + 4);
  const list: Case[] = [];
  for (const [what, value] of notBytes) {
    list.push({
      what: `mask: source is ${what}`,
      call: (i) => i.mask(value as Uint8Array, KEY, out(), 0, size),
      error: typeError('source must be a Uint8Array'),
    });
    list.push({
      what: `mask: mask is ${what}`,
      call: (i) => i.mask(src(), value as Uint8Array, out(), 0, size),
      error: typeError('mask must be a Uint8Array'),
    });
    list.push({
      what: `mask: output is ${what}`,
      call: (i) => i.mask(src(), KEY, value as Uint8Array, 0, size),
      error: typeError('output must be a Uint8Array'),
    });
    list.push({
      what: `unmask: buffer is ${what}`,
      call: (i) => i.unmask(value as Uint8Array, KEY),
      error: typeError('buffer must be a Uint8Array'),
    });
    list.push({
      what: `unmask: mask is ${what}`,
      call: (i) => i.unmask(src(), value as Uint8Array),
      error: typeError('mask must be a Uint8Array'),
    });
    list.push({
      what: `unmaskFrom: buffer is ${what}`,
      call: (i) => i.unmaskFrom(value as Uint8Array, KEY, 0),
      error: typeError('buffer must be a Uint8Array'),
    });
    list.push({
      what: `unmaskFrom: mask is ${what}`,
      call: (i) => i.unmaskFrom(src(), value as Uint8Array, 0),
      error: typeError('mask must be a Uint8Array'),
    });
  }
  for (const keyLength of [0, 3, 5, 16]) {
    const key = Buffer.alloc(keyLength, 1);
    const error = rangeError('mask must be exactly 4 bytes long');
    list.push({ what: `mask: ${keyLength}-byte mask`, call: (i) => i.mask(src(), key, out(), 0, size), error });
    list.push({ what: `unmask: ${keyLength}-byte mask`, call: (i) => i.unmask(src(), key), error });
    list.push({ what: `unmaskFrom: ${keyLength}-byte mask`, call: (i) => i.unmaskFrom(src(), key, 0), error });
  }
  for (const [what, value] of notNumbers) {
    const n = value as number;
    list.push({
      what: `mask: offset is ${what}`,
      call: (i) => i.mask(src(), KEY, out(), n, size),
      error: typeError('offset must be a number'),
    });
    list.push({
      what: `mask: length is ${what}`,
      call: (i) => i.mask(src(), KEY, out(), 0, n),
      error: typeError('length must be a number'),
    });
    list.push({
      what: `unmaskFrom: phase is ${what}`,
      call: (i) => i.unmaskFrom(src(), KEY, n),
      error: typeError('phase must be a number'),
    });
    list.push({
      what: `unmaskFrom: start is ${what}`,
      call: (i) => i.unmaskFrom(src(), KEY, 0, n),
      error: typeError('start must be a number'),
    });
    list.push({
      what: `unmaskFrom: end is ${what}`,
      call: (i) => i.unmaskFrom(src(), KEY, 0, 0, n),
      error: typeError('end must be a number'),
    });
  }
  list.push({
    what: 'mask: offset missing',
    call: (i) => (i.mask as (...a: unknown[]) => void)(src(), KEY, out()),
    error: typeError('offset must be a number'),
  });
  list.push({
    what: 'unmaskFrom: phase missing',
    call: (i) => (i.unmaskFrom as (...a: unknown[]) => void)(src(), KEY),
    error: typeError('phase must be a number'),
  });
  for (const [what, n] of badIntegers) {
    list.push({
      what: `mask: offset ${what}`,
      call: (i) => i.mask(src(), KEY, out(), n, size),
      error: rangeError('offset must be an integer from 0 to output.length'),
    });
    list.push({
      what: `mask: length ${what}`,
      call: (i) => i.mask(src(), KEY, out(), 0, n),
      error: rangeError('length must be an integer from 0 to source.length'),
    });
    list.push({
      what: `unmaskFrom: start ${what}`,
      call: (i) => i.unmaskFrom(src(), KEY, 0, n),
      error: rangeError('start must be an integer from 0 to buffer.length'),
    });
    list.push({
      what: `unmaskFrom: end ${what}`,
      call: (i) => i.unmaskFrom(src(), KEY, 0, 0, n),
      error: rangeError('end must be an integer from start to buffer.length'),
    });
    list.push({
      what: `unmaskFrom: phase ${what}`,
      call: (i) => i.unmaskFrom(src(), KEY, n),
      error: rangeError('phase must be an integer from 0 to 3'),
    });
  }
  list.push(
    {
      what: 'mask: offset past output',
      call: (i) => i.mask(src(), KEY, out(), size + 5, 0),
      error: rangeError('offset must be an integer from 0 to output.length'),
    },
    {
      what: 'mask: length past source',
      call: (i) => i.mask(src(), KEY, out(), 0, size + 1),
      error: rangeError('length must be an integer from 0 to source.length'),
    },
    {
      what: 'mask: offset + length past output',
      call: (i) => i.mask(src(), KEY, out(), 5, size),
      error: rangeError('offset + length must not exceed output.length'),
    },
    {
      what: 'mask: output too small',
      call: (i) => i.mask(src(), KEY, Buffer.alloc(size - 1), 0, size),
      error: rangeError('offset + length must not exceed output.length'),
    },
    {
      what: 'unmaskFrom: phase 4',
      call: (i) => i.unmaskFrom(src(), KEY, 4),
      error: rangeError('phase must be an integer from 0 to 3'),
    },
    {
      what: 'unmaskFrom: start past the end',
      call: (i) => i.unmaskFrom(src(), KEY, 0, size + 1),
      error: rangeError('start must be an integer from 0 to buffer.length'),
    },
    {
      what: 'unmaskFrom: end before start',
      call: (i) => i.unmaskFrom(src(), KEY, 0, 5, 4),
      error: rangeError('end must be an integer from start to buffer.length'),
    },
    {
      what: 'unmaskFrom: end past the end',
      call: (i) => i.unmaskFrom(src(), KEY, 0, 0, size + 1),
      error: rangeError('end must be an integer from start to buffer.length'),
    },
  );
  // The first bad argument wins, in argument order, on every backend.
  list.push({
    what: 'mask: bad source and bad length',
    call: (i) => i.mask(null as unknown as Uint8Array, KEY, out(), 0, -1),
    error: typeError('source must be a Uint8Array'),
  });
  list.push({
    what: 'unmaskFrom: bad phase and bad end',
    call: (i) => i.unmaskFrom(src(), KEY, 9, 0, -1),
    error: rangeError('phase must be an integer from 0 to 3'),
  });
  return list;
}

function overlapCases(size: number): Case[] {
  const error = rangeError('source and output must not partially overlap');
  const mem = () => Buffer.alloc(2 * size + 8, 9);
  return [
    {
      what: 'mask: output starts inside source',
      call: (i) => {
        const b = mem();
        i.mask(b.subarray(0, size), KEY, b, 1, size);
      },
      error,
    },
    {
      what: 'mask: source starts inside output window',
      call: (i) => {
        const b = mem();
        i.mask(b.subarray(3, 3 + size), KEY, b.subarray(0, size + 3), 0, size);
      },
      error,
    },
    {
      what: 'mask: same object, offset inside',
      call: (i) => {
        const b = mem();
        i.mask(b, KEY, b, size - 1, size);
      },
      error,
    },
    {
      what: 'mask: views of one ArrayBuffer, one byte shared',
      call: (i) => {
        const b = mem();
        i.mask(b.subarray(0, size), KEY, b.subarray(size - 1), 0, size);
      },
      error,
    },
  ];
}

describe.each(SIZES)('bad input, %i-byte buffers', (size) => {
  const all = [...cases(size), ...overlapCases(size)];
  test.each(all.map((c) => [c.what, c] as const))('%s', (_what, c) => {
    for (const impl of impls) {
      expect({ impl: impl.name, error: impl.using(() => thrown(() => c.call(impl))) }).toEqual({
        impl: impl.name,
        error: c.error,
      });
    }
  });
});

describe('bad input touches no byte', () => {
  test.each(SIZES)('%i bytes: rejected calls leave source, output and buffer as they were', (size) => {
    for (const impl of impls) {
      const src = Buffer.alloc(size, 0x11);
      const out = Buffer.alloc(size + 4, 0x22);
      impl.using(() => {
        expect(thrown(() => impl.mask(src, KEY, out, 5, size))).not.toBeNull();
        expect(thrown(() => impl.mask(src, Buffer.alloc(3), out, 0, size))).not.toBeNull();
        expect(thrown(() => impl.unmask(src, Buffer.alloc(5)))).not.toBeNull();
        expect(thrown(() => impl.unmaskFrom(src, KEY, 0, 0, size + 1))).not.toBeNull();
        expect(thrown(() => impl.unmaskFrom(src, KEY, 4))).not.toBeNull();
      });
      expect(src.every((b) => b === 0x11)).toBe(true);
      expect(out.every((b) => b === 0x22)).toBe(true);
    }
  });
});

describe('edge inputs that are valid', () => {
  test.each(SIZES)('%i bytes: zero lengths are no-ops, offset may equal output.length', (size) => {
    for (const impl of impls) {
      const src = Buffer.alloc(size, 0x11);
      const out = Buffer.alloc(size, 0x22);
      impl.using(() => {
        impl.mask(src, KEY, out, size, 0);
        impl.mask(src, KEY, out, 0, 0);
        impl.mask(Buffer.alloc(0), KEY, Buffer.alloc(0), 0, 0);
        impl.unmask(Buffer.alloc(0), KEY);
        impl.unmaskFrom(src, KEY, 3, size, size);
        impl.unmaskFrom(src, KEY, 3, 2, 2);
        impl.mask(src, KEY, out, -0, 0); // -0 is the integer 0
      });
      expect(src.every((b) => b === 0x11) && out.every((b) => b === 0x22)).toBe(true);
    }
  });

  test.each(SIZES)('%i bytes: exact in place and disjoint views of one ArrayBuffer are allowed', (size) => {
    for (const impl of impls) {
      const mem = Buffer.alloc(2 * size + 3);
      for (let i = 0; i < mem.length; i++) mem[i] = i * 31;
      const original = Buffer.from(mem);
      impl.using(() => {
        impl.mask(mem, KEY, mem, 0, size); // the same object, offset 0
        const a = mem.subarray(size + 3);
        impl.mask(a, KEY, mem.subarray(size + 3), 0, size); // two views of the same bytes
        impl.mask(mem.subarray(0, size), KEY, mem, size + 1, size - 2); // disjoint, same ArrayBuffer
      });
      const expected = Buffer.from(original);
      reference(original.subarray(0, size), KEY).copy(expected, 0);
      reference(original.subarray(size + 3), KEY).copy(expected, size + 3);
      reference(expected.subarray(0, size - 2), KEY).copy(expected, size + 1);
      expect({ impl: impl.name, equal: mem.equals(expected) }).toEqual({ impl: impl.name, equal: true });
    }
  });

  test('detached buffers have length 0: no-ops where length 0 is valid, RangeError past it', () => {
    for (const impl of impls) {
      const detached = new Uint8Array(64);
      structuredClone(detached.buffer, { transfer: [detached.buffer] });
      expect(detached.length).toBe(0);
      const detachedKey = new Uint8Array(4);
      structuredClone(detachedKey.buffer, { transfer: [detachedKey.buffer] });
      impl.using(() => {
        impl.unmask(detached, KEY);
        impl.unmaskFrom(detached, KEY, 1);
        impl.mask(detached, KEY, Buffer.alloc(4), 0, 0);
        impl.mask(Buffer.alloc(200), KEY, detached, 0, 0);
        expect(thrown(() => impl.mask(detached, KEY, Buffer.alloc(200), 0, 200))).toEqual(
          rangeError('length must be an integer from 0 to source.length'),
        );
        expect(thrown(() => impl.mask(Buffer.alloc(200), KEY, detached, 0, 200))).toEqual(
          rangeError('offset + length must not exceed output.length'),
        );
        expect(thrown(() => impl.unmaskFrom(detached, KEY, 0, 0, 1))).toEqual(
          rangeError('end must be an integer from start to buffer.length'),
        );
        expect(thrown(() => impl.unmask(Buffer.alloc(200), detachedKey))).toEqual(
          rangeError('mask must be exactly 4 bytes long'),
        );
      });
    }
  });

  test('views on a SharedArrayBuffer are accepted and give the same bytes', () => {
    for (const impl of impls) {
      for (const size of [5, 300]) {
        const shared = new Uint8Array(new SharedArrayBuffer(size + 1)).subarray(1);
        for (let i = 0; i < size; i++) shared[i] = i;
        const original = Buffer.from(shared);
        const sharedKey = new Uint8Array(new SharedArrayBuffer(4));
        sharedKey.set(KEY);
        const out = new Uint8Array(new SharedArrayBuffer(size));
        impl.using(() => {
          impl.mask(shared, sharedKey, out, 0, size);
          impl.unmask(shared, KEY);
        });
        expect(Buffer.from(out).equals(reference(original, KEY))).toBe(true);
        expect(Buffer.from(shared).equals(reference(original, KEY))).toBe(true);
      }
    }
  });

  test('a length-tracking view of a resizable ArrayBuffer is masked at its current length', () => {
    for (const impl of impls) {
      const Resizable = ArrayBuffer as unknown as new (
        n: number,
        o: { maxByteLength: number },
      ) => ArrayBuffer & { resize(n: number): void };
      const rab = new Resizable(400, { maxByteLength: 800 });
      const view = new Uint8Array(rab);
      view.fill(5);
      rab.resize(300);
      impl.using(() => impl.unmask(view, KEY));
      rab.resize(400);
      expect(Buffer.from(view.subarray(0, 300)).equals(reference(Buffer.alloc(300, 5), KEY))).toBe(true);
      expect(view.subarray(300).every((b) => b === 0)).toBe(true); // shrinking zeroed them; never touched
    }
  });

  test('the addon is in use exactly when expected, so native cases above really ran', () => {
    expect(nativeMask !== null).toBe(nativeExpected);
    expect(impls.length).toBe(nativeExpected ? 2 + nativeMask!.maskKernels().length : 2);
  });
});

// The dispatcher's fast entry points: the mask as one number, mask[0] in the low byte.
describe('native *Word entry points', () => {
  const binding = nativeMask as
    | (typeof nativeMask & {
        maskWord(s: unknown, k: unknown, o: unknown, off: unknown, len: unknown): void;
        unmaskWord(b: unknown, k: unknown): void;
        unmaskFromWord(b: unknown, k: unknown, p: unknown, s?: unknown, e?: unknown): void;
      })
    | null;

  test('give the bytes of the Uint8Array-mask entry points, on every kernel', () => {
    if (!binding) return expect(nativeExpected).toBe(false);
    for (const impl of impls.filter((i) => i.name.startsWith('native'))) {
      impl.using(() => {
        for (const size of [0, 1, 5, 33, 200, 4099]) {
          const src = Buffer.alloc(size);
          for (let i = 0; i < size; i++) src[i] = i * 13;
          const word = KEY.readUInt32LE(0);
          const a = Buffer.from(src);
          binding.unmaskWord(a, word);
          const b = Buffer.alloc(size + 1);
          binding.maskWord(src, word, b, 1, size);
          const c = Buffer.from(src);
          const start = Math.min(1, size);
          binding.unmaskFromWord(c, word, 3, start);
          expect(a.equals(reference(src, KEY))).toBe(true);
          expect(b.subarray(1).equals(reference(src, KEY))).toBe(true);
          expect(c.equals(Buffer.concat([src.subarray(0, start), reference(src.subarray(start), KEY, 3)]))).toBe(true);
        }
      });
    }
  });

  test('check the key: a number, an integer from 0 to 2^32 - 1', () => {
    if (!binding) return expect(nativeExpected).toBe(false);
    const buf = Buffer.alloc(100, 3);
    const calls = [
      (k: unknown) => binding.unmaskWord(buf, k),
      (k: unknown) => binding.maskWord(buf, k, Buffer.alloc(100), 0, 100),
      (k: unknown) => binding.unmaskFromWord(buf, k, 0),
    ];
    for (const call of calls) {
      for (const k of ['1', null, undefined, 1n, KEY]) {
        expect(thrown(() => call(k))).toEqual(typeError('key must be a number'));
      }
      for (const k of [-1, 0.5, NaN, Infinity, 2 ** 32, 2 ** 53]) {
        expect(thrown(() => call(k))).toEqual(rangeError('key must be an integer from 0 to 2^32 - 1'));
      }
      call(0);
      call(2 ** 32 - 1);
      call(2 ** 32 - 1);
    }
    // Bad buffers are still checked first, with the same messages.
    expect(thrown(() => binding.unmaskWord('x', 1))).toEqual(typeError('buffer must be a Uint8Array'));
    expect(thrown(() => binding.maskWord(buf, 1, buf, 1, 50))).toEqual(
      rangeError('source and output must not partially overlap'),
    );
    expect(buf.every((b) => b === 3)).toBe(true); // each valid call ran twice (or was XOR with 0)
  });
});
