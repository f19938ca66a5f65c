// Property-based fuzzing of the byte kernels: encodeJson / utf8WithHeadroom (the dispatcher, the JS twin
// and every native UTF-8 kernel this CPU has) against Buffer.from(JSON.stringify(x)) / Buffer.from(s) on
// generated values with lone surrogates, astral characters and long Latin-1 and two-byte runs that cross
// the kernels' block edges; and mask/unmask/unmaskFrom (every implementation) against the byte-by-byte
// definition at every length and alignment up to a few KiB.
import fc from 'fast-check';
import {
  encodeJson,
  encodeJsonJs,
  encodeJsonWithHeadroom,
  jsonNative,
  utf8WithHeadroom,
  utf8WithHeadroomJs,
} from '../../lib/backend/json';
import { implementations, reference as maskReference } from '../backend/mask-helpers';
import { fuzz, fuzzTimeout } from './config';

/** Kernel names to run each property under ('' = whatever is selected: the dispatcher's choice). */
const utf8Kernels = jsonNative === null ? [''] : ['', ...jsonNative.utf8Kernels()];

function withUtf8Kernel<T>(kernel: string, fn: () => T): T {
  if (kernel === '' || jsonNative === null) return fn();
  const previous = jsonNative.utf8Kernel();
  jsonNative._setUtf8Kernel(kernel);
  try {
    return fn();
  } finally {
    jsonNative._setUtf8Kernel(previous);
  }
}

// Runs of one kind of character, long enough to reach the native paths (4 Ki Latin-1, 1 Ki two-byte) and
// to end anywhere inside a 16/32-byte SIMD block.
const run = fc
  .tuple(
    fc.constantFrom('ascii', 'latin1', 'two-byte', 'cjk', 'astral', 'lone-high', 'lone-low', 'control'),
    fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1000, max: 5000 })),
  )
  .map(([kind, n]) => {
    switch (kind) {
      case 'ascii':
        return 'a'.repeat(n);
      case 'latin1':
        return 'é'.repeat(n);
      case 'two-byte':
        return 'ж'.repeat(n);
      case 'cjk':
        return '中'.repeat(n);
      case 'astral':
        return '😀'.repeat(Math.min(n, 500));
      case 'lone-high':
        return '\ud83d'.repeat(Math.min(n, 3));
      case 'lone-low':
        return '\ude00'.repeat(Math.min(n, 3));
      default:
        return '\u0000"\\\n\u001f\u007f'.repeat(Math.min(n, 20));
    }
  });
const text = fc.oneof(
  fc.array(run, { maxLength: 4 }).map((parts) => parts.join('')),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 200 }),
);
const value = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(text, tie('value'), { maxKeys: 4 }),
  ),
})).value;

test(
  'encodeJson = Buffer.from(JSON.stringify(x)), every UTF-8 kernel and the JS twin',
  () =>
    fuzz(
      'encodeJson',
      fc.property(value, fc.constantFrom(...utf8Kernels), fc.integer({ min: 0, max: 14 }), (x, kernel, headroom) => {
        const want = Buffer.from(JSON.stringify(x));
        withUtf8Kernel(kernel, () => {
          expect(encodeJson(x).equals(want)).toBe(true);
          expect(encodeJsonWithHeadroom(x, headroom).subarray(headroom).equals(want)).toBe(true);
        });
        expect(encodeJsonJs(x).equals(want)).toBe(true);
      }),
      200,
    ),
  fuzzTimeout(30_000),
);

test(
  'utf8WithHeadroom = Buffer.from(s) (lone surrogates → U+FFFD), every UTF-8 kernel and the JS twin',
  () =>
    fuzz(
      'utf8',
      fc.property(text, fc.constantFrom(...utf8Kernels), fc.integer({ min: 0, max: 14 }), (s, kernel, headroom) => {
        const want = Buffer.from(s);
        withUtf8Kernel(kernel, () => {
          expect(utf8WithHeadroom(s, headroom).subarray(headroom).equals(want)).toBe(true);
        });
        expect(utf8WithHeadroomJs(s, headroom).subarray(headroom).equals(want)).toBe(true);
      }),
      300,
    ),
  fuzzTimeout(30_000),
);

const impls = implementations();
const key = fc.uint8Array({ minLength: 4, maxLength: 4 });
const sizes = fc.record({
  length: fc.oneof(fc.integer({ min: 0, max: 130 }), fc.integer({ min: 0, max: 4096 })),
  srcAlign: fc.integer({ min: 0, max: 63 }),
  dstAlign: fc.integer({ min: 0, max: 63 }),
});

test(
  'mask() = the definition, every implementation, length and alignment',
  () =>
    fuzz(
      'mask',
      fc.property(
        fc.constantFrom(...impls.map((_, i) => i)),
        key,
        sizes,
        fc.integer({ min: 0, max: 0xffffffff }),
        (which, k, { length, srcAlign, dstAlign }, seed) => {
          const impl = impls[which];
          const src = Buffer.alloc(srcAlign + length + 8);
          for (let i = 0; i < src.length; i++) src[i] = (seed >>> (i % 24)) + i * 31;
          const source = src.subarray(srcAlign, srcAlign + length);
          const out = Buffer.alloc(dstAlign + length + 8, 0xa5);
          impl.using(() => impl.mask(source, k, out, dstAlign, length));
          expect(out.subarray(dstAlign, dstAlign + length).equals(maskReference(source, k))).toBe(true);
          // Not one byte outside the range is touched.
          expect(out.subarray(0, dstAlign).every((b) => b === 0xa5)).toBe(true);
          expect(out.subarray(dstAlign + length).every((b) => b === 0xa5)).toBe(true);
        },
      ),
      500,
    ),
  fuzzTimeout(30_000),
);

test(
  'unmask() and unmaskFrom() = the definition, every implementation, range and phase',
  () =>
    fuzz(
      'unmask',
      fc.property(
        fc.constantFrom(...impls.map((_, i) => i)),
        key,
        sizes,
        fc.integer({ min: 0, max: 3 }),
        fc.nat(),
        fc.nat(),
        (which, k, { length, srcAlign }, phase, a, b) => {
          const impl = impls[which];
          const whole = Buffer.alloc(srcAlign + length + 8);
          for (let i = 0; i < whole.length; i++) whole[i] = i * 7 + 3;
          const buf = whole.subarray(srcAlign, srcAlign + length);
          const original = Buffer.from(buf);
          const guard = Buffer.from(whole.subarray(srcAlign + length));
          impl.using(() => impl.unmask(buf, k));
          expect(buf.equals(maskReference(original, k))).toBe(true);
          expect(whole.subarray(srcAlign + length).equals(guard)).toBe(true);
          // unmaskFrom over [start, end) with the key at `phase`.
          const start = length === 0 ? 0 : a % (length + 1);
          const end = start + (length - start === 0 ? 0 : b % (length - start + 1));
          const again = Buffer.from(original);
          impl.using(() => impl.unmaskFrom(again, k, phase, start, end));
          const want = Buffer.concat([
            original.subarray(0, start),
            maskReference(original.subarray(start, end), k, phase),
            original.subarray(end),
          ]);
          expect(again.equals(want)).toBe(true);
        },
      ),
      500,
    ),
  fuzzTimeout(30_000),
);
