// Differential tests: the dispatcher, the JS twin and every native kernel this CPU has, each
// against the naive byte-by-byte reference, for every length 0..4096 x offsets 0..15 with seeded
// random masks, a few large sizes, and unmaskFrom at every phase and split point.
import { getBackends } from '../../lib/diagnostics';
import { maskBackend, MASK_NATIVE_MIN, UNMASK_NATIVE_MIN } from '../../lib/backend/mask';
import { WORD_LOOP_MIN } from '../../lib/backend/mask-js';
import {
  cpuHasAvx2,
  implementations,
  nativeExpected,
  nativeMask,
  prng,
  randomBytes,
  reference,
  thrown,
} from './mask-helpers';

const impls = implementations();

describe('mask backend', () => {
  test('reports the implementation that runs', () => {
    expect(getBackends().mask).toBe(maskBackend);
    if (!nativeExpected) {
      expect(maskBackend).toBe('js');
      expect(nativeMask).toBeNull();
      return;
    }
    expect(nativeMask).not.toBeNull();
    expect(maskBackend).not.toBe('js');
    if (cpuHasAvx2) expect(maskBackend).toBe('native-avx2');
    expect(maskBackend).toBe(`native-${nativeMask!.maskKernel()}`);
  });

  test('lists every kernel this CPU can run, best first', () => {
    if (!nativeMask) return expect(nativeExpected).toBe(false);
    const kernels = nativeMask.maskKernels();
    expect(kernels[kernels.length - 1]).toBe('scalar');
    if (process.arch === 'x64') expect(kernels).toContain('sse2');
    if (cpuHasAvx2) expect(kernels[0]).toBe('avx2');
    expect(impls.map((i) => i.name)).toEqual(['dispatcher', 'js twin', ...kernels.map((k) => `native ${k}`)]);
  });

  test('_setMaskKernel refuses unknown kernels and non-strings, and keeps the current one', () => {
    if (!nativeMask) return expect(nativeExpected).toBe(false);
    const before = nativeMask.maskKernel();
    expect(thrown(() => nativeMask!._setMaskKernel('mmx'))).toEqual({
      name: 'RangeError',
      message: "kernel 'mmx' is not available on this CPU",
    });
    expect(thrown(() => nativeMask!._setMaskKernel(1))).toEqual({
      name: 'TypeError',
      message: 'kernel must be a string',
    });
    expect(nativeMask.maskKernel()).toBe(before);
    expect(nativeMask._setMaskKernel('scalar')).toBe(before);
    expect(nativeMask.maskKernel()).toBe('scalar');
    expect(nativeMask._setMaskKernel(before)).toBe('scalar');
  });

  test('thresholds are sane', () => {
    expect(WORD_LOOP_MIN).toBeGreaterThanOrEqual(8);
    expect(MASK_NATIVE_MIN).toBeGreaterThan(0);
    expect(UNMASK_NATIVE_MIN).toBeGreaterThan(0);
  });
});

// Cases run in the outer loop and implementations in the inner one, so the (slow, naive)
// reference is computed once per case. Failures are counted per implementation.
const MAX_LEN = 4096;
const OFFSETS = 16;
const GUARD = 8;

function noFailures(): Record<string, number> {
  return Object.fromEntries(impls.map((impl) => [impl.name, 0]));
}

describe('differential: every implementation against the byte-by-byte reference', () => {
  test('unmask: every length 0..4096 x offsets 0..15, random masks', () => {
    const random = prng(0x5eed);
    const pool = randomBytes(random, MAX_LEN + OFFSETS + GUARD);
    const work = Buffer.alloc(pool.length);
    const key = Buffer.alloc(4);
    const failures = noFailures();
    for (let len = 0; len <= MAX_LEN; len++) {
      for (let off = 0; off < OFFSETS; off++) {
        key.writeUInt32LE((random() * 2 ** 32) >>> 0);
        const expected = reference(pool.subarray(off, off + len), key);
        for (const impl of impls) {
          pool.copy(work, off, off, off + len + GUARD);
          const view = work.subarray(off, off + len);
          impl.using(() => impl.unmask(view, key));
          // The window is right and the bytes after it are untouched.
          if (
            !view.equals(expected) ||
            work.compare(pool, off + len, off + len + GUARD, off + len, off + len + GUARD) !== 0
          ) {
            failures[impl.name]++;
          }
        }
      }
    }
    expect(failures).toEqual(noFailures());
  });

  test('mask: every length 0..4096 x source offsets 0..15 x another output offset', () => {
    const random = prng(0xfeed);
    const pool = randomBytes(random, MAX_LEN + OFFSETS);
    const out = Buffer.alloc(MAX_LEN + OFFSETS + GUARD);
    const fill = Buffer.alloc(out.length, 0xa5);
    const key = Buffer.alloc(4);
    const failures = noFailures();
    for (let len = 0; len <= MAX_LEN; len++) {
      for (let off = 0; off < OFFSETS; off++) {
        key.writeUInt32LE((random() * 2 ** 32) >>> 0);
        const outOffset = (off * 7 + len) % OFFSETS; // another alignment than the source's
        const src = pool.subarray(off, off + len);
        const expected = reference(src, key);
        for (const impl of impls) {
          fill.copy(out, 0, 0, outOffset + len + GUARD);
          impl.using(() => impl.mask(src, key, out, outOffset, len));
          // Right bytes in the window, the guard bytes on both sides untouched.
          const ok =
            out.compare(expected, 0, len, outOffset, outOffset + len) === 0 &&
            out.compare(fill, 0, outOffset, 0, outOffset) === 0 &&
            out.compare(fill, 0, GUARD, outOffset + len, outOffset + len + GUARD) === 0;
          if (!ok) failures[impl.name]++;
        }
      }
    }
    expect(failures).toEqual(noFailures());
  });

  test("every address alignment mod 64 around the kernels' store-alignment step (128 B)", () => {
    // 64 consecutive offsets reach every address residue mod 64, whatever malloc's alignment:
    // each head length the SSE2 (16 B) and AVX2 (32 B) kernels can take.
    const random = prng(0xa11);
    const backing = Buffer.alloc(8192 + 256);
    const base = 0;
    const key = randomBytes(random, 4);
    const failures = noFailures();
    for (const len of [100, 127, 128, 129, 131, 160, 255, 256, 257, 1000, 4103]) {
      const src = randomBytes(random, len);
      const expected = reference(src, key);
      for (let off = 0; off < 64; off++) {
        for (const impl of impls) {
          const view = backing.subarray(base + off, base + off + len);
          src.copy(view);
          impl.using(() => impl.unmask(view, key));
          let ok = view.equals(expected);
          const outOffset = base + ((off * 5 + 3) & 63);
          impl.using(() => impl.mask(src, key, backing, outOffset, len));
          ok = ok && backing.subarray(outOffset, outOffset + len).equals(expected);
          if (!ok) failures[impl.name]++;
        }
      }
    }
    expect(failures).toEqual(noFailures());
  });

  test.each([1 << 20, (16 << 20) + 3])('large: %i bytes at offsets 0, 1, 3', (size) => {
    const random = prng(size);
    const data = randomBytes(random, size + 3);
    const key = randomBytes(random, 4);
    const failures = noFailures();
    for (const off of [0, 1, 3]) {
      const src = data.subarray(off, off + size);
      const expected = reference(src, key);
      for (const impl of impls) {
        const copy = Buffer.from(src);
        impl.using(() => impl.unmask(copy, key));
        const out = Buffer.alloc(src.length + 2);
        impl.using(() => impl.mask(src, key, out, 2, src.length));
        if (!copy.equals(expected) || !out.subarray(2).equals(expected)) failures[impl.name]++;
      }
    }
    expect(failures).toEqual(noFailures());
  });

  test('unmaskFrom: a payload split in two chunks, every phase and split point', () => {
    const random = prng(0xc0ffee);
    const failures = noFailures();
    for (const len of [0, 1, 2, 3, 4, 5, 7, 15, 31, 33, 63, 64, 65, 127, 129, 255, 257, 300]) {
      const payload = randomBytes(random, len);
      const key = randomBytes(random, 4);
      const expected = reference(payload, key);
      for (let split = 0; split <= len; split++) {
        for (const impl of impls) {
          // Chunks at odd offsets inside bigger buffers, as a receiver sees them.
          const first = Buffer.concat([Buffer.from([1]), payload.subarray(0, split)]).subarray(1);
          const second = Buffer.concat([Buffer.from([1, 2, 3]), payload.subarray(split)]).subarray(3);
          impl.using(() => {
            impl.unmaskFrom(first, key, 0);
            impl.unmaskFrom(second, key, split & 3);
          });
          if (!Buffer.concat([first, second]).equals(expected)) failures[impl.name]++;
        }
      }
    }
    expect(failures).toEqual(noFailures());
  });

  test('unmaskFrom: every phase x start x end on one buffer, nothing outside [start, end) changes', () => {
    const random = prng(0xabc);
    const data = randomBytes(random, 600);
    const key = randomBytes(random, 4);
    const failures = noFailures();
    for (let phase = 0; phase < 4; phase++) {
      for (const start of [0, 1, 2, 3, 5, 17, 100, 299]) {
        for (const end of [start, start + 1, start + 3, start + 64, start + 127, start + 128, start + 300, 600]) {
          if (end > 600) continue;
          const expected = Buffer.concat([
            data.subarray(0, start),
            reference(data.subarray(start, end), key, phase),
            data.subarray(end),
          ]);
          for (const impl of impls) {
            const buf = Buffer.from(data);
            impl.using(() => impl.unmaskFrom(buf, key, phase, start, end));
            if (!buf.equals(expected)) failures[impl.name]++;
          }
        }
      }
    }
    for (const impl of impls) {
      // Defaults: start 0, end buffer.length; and an explicit end with start left undefined.
      const whole = Buffer.from(data);
      impl.using(() => impl.unmaskFrom(whole, key, 2));
      if (!whole.equals(reference(data, key, 2))) failures[impl.name]++;
      const head = Buffer.from(data);
      impl.using(() => impl.unmaskFrom(head, key, 1, undefined, 200));
      if (!head.equals(Buffer.concat([reference(data.subarray(0, 200), key, 1), data.subarray(200)])))
        failures[impl.name]++;
    }
    expect(failures).toEqual(noFailures());
  });

  test.each(impls.map((impl) => [impl.name, impl] as const))(
    '%s: unmask is its own inverse and takes plain Uint8Arrays (not only Buffers)',
    (_name, impl) => {
      const random = prng(7);
      const key = new Uint8Array(randomBytes(random, 4));
      impl.using(() => {
        for (const len of [3, 64, 200, 5000]) {
          const original = new Uint8Array(randomBytes(random, len));
          const data = original.slice();
          impl.unmask(data, key);
          expect(Buffer.from(data).equals(reference(original, key))).toBe(true);
          impl.unmask(data, key);
          expect(Buffer.from(data).equals(Buffer.from(original))).toBe(true);
        }
      });
    },
  );
});
