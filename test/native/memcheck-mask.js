// Every native mask entry point, with every kernel this CPU has, on odd sizes and offsets and on
// bad input, for valgrind/ASan to watch (run by test/native/memcheck.js, plain node --jitless).
// Each buffer is its own exact-size allocation (Buffer.alloc, never the 8 KiB pool) and every
// view ends at the end of its allocation, so a one-byte overrun lands outside it.
'use strict';

const SIZES = [0, 1, 3, 4, 5, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 257, 1000, 4097, 65536 + 3];
const KEY = Buffer.from([0x9a, 0x01, 0xfe, 0x37]);

function reference(src, key, phase) {
  const out = Buffer.alloc(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i] ^ key[(phase + i) & 3];
  return out;
}

function filled(n, seed) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 167 + seed) & 255;
  return b;
}

function check(ok, what) {
  if (!ok) throw new Error(`memcheck-mask: ${what}`);
}

function expectThrow(name, fn, what) {
  try {
    fn();
  } catch (err) {
    check(err.name === name, `${what}: threw ${err.name} (${err.message}), expected ${name}`);
    return;
  }
  throw new Error(`memcheck-mask: ${what}: did not throw`);
}

function exerciseKernel(native, kernel) {
  for (const size of SIZES) {
    for (const off of [0, 1, 3]) {
      // unmask: a view that ends exactly at the end of its allocation.
      const data = filled(off + size, size + off);
      const view = data.subarray(off);
      const expected = reference(view, KEY, 0);
      native.unmask(view, KEY);
      check(view.equals(expected), `${kernel} unmask size ${size} offset ${off}`);

      // mask: source and output both end at their allocation's end.
      const out = Buffer.alloc(2 + size);
      native.mask(data.subarray(off), KEY, out, 2, size);
      check(out.subarray(2).equals(reference(expected, KEY, 0)), `${kernel} mask size ${size} offset ${off}`);

      // unmaskFrom: every phase, a range that ends at the end of the buffer.
      for (let phase = 0; phase < 4; phase++) {
        const buf = filled(off + size, phase);
        const original = Buffer.from(buf);
        native.unmaskFrom(buf, KEY, phase, off, off + size);
        check(buf.subarray(off).equals(reference(original.subarray(off), KEY, phase))
          && buf.subarray(0, off).equals(original.subarray(0, off)), `${kernel} unmaskFrom size ${size} phase ${phase}`);
      }
    }
  }
  // The *Word entry points (mask as one number), as the dispatcher calls them.
  const word = KEY.readUInt32LE(0);
  for (const size of [1, 7, 33, 129, 4097]) {
    const data = filled(size, 3);
    const out = Buffer.alloc(size);
    native.maskWord(data, word, out, 0, size);
    native.unmaskWord(data, word);
    check(data.equals(out), `${kernel} maskWord/unmaskWord size ${size}`);
    native.unmaskFromWord(data, word, 2, size - 1, size);
    native.unmaskFromWord(out, word, 2, size - 1);
    check(data.equals(out), `${kernel} unmaskFromWord size ${size}`);
  }

  // Plain Uint8Arrays too (small ones start on V8's heap; the addon's look-up moves them off).
  const small = new Uint8Array(13).fill(5);
  native.unmask(small, KEY);
  check(Buffer.from(small).equals(reference(Buffer.alloc(13, 5), KEY, 0)), `${kernel} unmask Uint8Array`);
}

function exerciseBadInput(native) {
  const buf = Buffer.alloc(100);
  const out = Buffer.alloc(100);
  const bads = [
    ['TypeError', () => native.unmask('x', KEY), 'unmask string'],
    ['TypeError', () => native.unmask(buf, null), 'unmask null mask'],
    ['TypeError', () => native.unmask(new Uint16Array(8), KEY), 'unmask Uint16Array'],
    ['RangeError', () => native.unmask(buf, Buffer.alloc(3)), 'unmask 3-byte mask'],
    ['TypeError', () => native.mask(buf, KEY, out, '0', 10), 'mask string offset'],
    ['RangeError', () => native.mask(buf, KEY, out, -1, 10), 'mask negative offset'],
    ['RangeError', () => native.mask(buf, KEY, out, 0.5, 10), 'mask fractional offset'],
    ['RangeError', () => native.mask(buf, KEY, out, 2 ** 53, 10), 'mask huge offset'],
    ['RangeError', () => native.mask(buf, KEY, out, 0, 101), 'mask length past source'],
    ['RangeError', () => native.mask(buf, KEY, out, 1, 100), 'mask past output'],
    ['RangeError', () => native.mask(buf, KEY, buf, 1, 50), 'mask partial overlap'],
    ['RangeError', () => native.unmaskFrom(buf, KEY, 4), 'unmaskFrom phase 4'],
    ['RangeError', () => native.unmaskFrom(buf, KEY, 0, 0, 101), 'unmaskFrom end past buffer'],
    ['RangeError', () => native.unmaskFrom(buf, KEY, 0, 50, 49), 'unmaskFrom end before start'],
    ['TypeError', () => native.unmaskFrom(buf, KEY, 0, null), 'unmaskFrom null start'],
    ['RangeError', () => native._setMaskKernel('nope'), '_setMaskKernel unknown'],
    ['TypeError', () => native.unmaskWord(buf, '1'), 'unmaskWord string key'],
    ['RangeError', () => native.unmaskWord(buf, 2 ** 32), 'unmaskWord key 2^32'],
    ['RangeError', () => native.maskWord(buf, 1, out, 0, 101), 'maskWord length past source'],
    ['RangeError', () => native.unmaskFromWord(buf, 1, 0, 101), 'unmaskFromWord start past buffer'],
  ];
  for (const [name, fn, what] of bads) expectThrow(name, fn, what);
  check(buf.every((b) => b === 0) && out.every((b) => b === 0), 'bad input changed a byte');

  // Detached buffers: length 0, a null data pointer inside the addon.
  const detached = new Uint8Array(64);
  structuredClone(detached.buffer, { transfer: [detached.buffer] });
  native.unmask(detached, KEY);
  native.unmaskFrom(detached, KEY, 2);
  native.mask(detached, KEY, out, 0, 0);
  expectThrow('RangeError', () => native.mask(detached, KEY, out, 0, 1), 'mask from detached');
  expectThrow('RangeError', () => native.mask(buf, KEY, detached, 0, 1), 'mask into detached');
}

module.exports = (native) => {
  const kernels = native.maskKernels();
  const initial = native.maskKernel();
  try {
    for (const kernel of kernels) {
      native._setMaskKernel(kernel);
      exerciseKernel(native, kernel);
    }
  } finally {
    native._setMaskKernel(initial);
  }
  exerciseBadInput(native);
  console.log(`memcheck-mask: kernels ${kernels.join(', ')}; ${SIZES.length} sizes x 3 offsets x (mask, unmask, 4 phases)`);
};
