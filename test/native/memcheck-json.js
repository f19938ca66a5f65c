// Native JSON entry points under valgrind (plain node, see memcheck.js): odd sizes around the SIMD block
// widths, Latin-1 and two-byte text, lone surrogates, and every kind of bad argument. Throws on mismatch.
'use strict';

function rngFrom(seed) {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// mode: 'latin1' (units <= 0xFF), 'bmp' (no surrogates: the table-driven SIMD blocks), 'all'.
function randomText(rng, length, mode) {
  let s = '';
  while (s.length < length) {
    const r = mode === 'bmp' ? rng() * 0.7 : rng();
    if (mode === 'latin1') s += String.fromCharCode(r < 0.7 ? 0x20 + Math.floor(rng() * 0x5f) : Math.floor(rng() * 256));
    else if (r < 0.5) s += 'abcdefghij'.slice(0, 1 + Math.floor(rng() * 10));
    else if (r < 0.6) s += String.fromCharCode(0x80 + Math.floor(rng() * 0x780));
    else if (r < 0.7) s += String.fromCharCode(0x800 + Math.floor(rng() * 0xd000));
    else if (r < 0.8) s += '\ud83d\ude00';
    else if (r < 0.9) s += String.fromCharCode(0xd800 + Math.floor(rng() * 0x800)); // lone (mostly)
    else s += String.fromCharCode(Math.floor(rng() * 0x20));
  }
  return s.slice(0, length);
}

function expectThrow(fn, name, what) {
  try {
    fn();
  } catch (err) {
    if (err.name !== name) throw new Error(`${what}: expected ${name}, got ${err.name}: ${err.message}`, { cause: err });
    return;
  }
  throw new Error(`${what}: did not throw`);
}

module.exports = (native) => {
  for (const kernel of native.utf8Kernels()) {
    native._setUtf8Kernel(kernel);
    checkKernel(native, rngFrom(2024));
  }
  native._setUtf8Kernel(native.utf8Kernels()[0]);
  checkBadInput(native);
};

function checkKernel(native, rng) {
  const lengths = [];
  for (let n = 0; n <= 70; n++) lengths.push(n);
  lengths.push(127, 128, 129, 255, 256, 257, 1000, 4095, 4097, 65537);
  for (const length of lengths) {
    for (const mode of ['all', 'bmp', 'latin1']) {
      const latin1 = mode === 'latin1';
      const text = randomText(rng, length, mode);
      const want = Buffer.from(text);
      for (const headroom of [0, 1, 14]) {
        // allocUnsafeSlow: an exact-size allocation of its own, so an overrun is visible to valgrind.
        const out = Buffer.allocUnsafeSlow(headroom + native.utf8Prepare(text, latin1));
        out.fill(0, 0, headroom);
        if (native.utf8Commit(out, headroom) !== want.length) throw new Error(`commit length ${length}`);
        if (!out.subarray(headroom).equals(want)) throw new Error(`commit bytes ${length} latin1=${latin1}`);
      }
      const into = Buffer.allocUnsafeSlow(want.length + 3).fill(0);
      if (native.utf8Write(text, into, 3, latin1) !== want.length) throw new Error(`write length ${length}`);
      if (!into.subarray(3).equals(want)) throw new Error(`write bytes ${length}`);
      if (want.length > 0) {
        expectThrow(() => native.utf8Write(text, Buffer.allocUnsafeSlow(want.length - 1), 0, latin1), 'RangeError', 'write too small');
        native.utf8Prepare(text, latin1);
        expectThrow(() => native.utf8Commit(Buffer.allocUnsafeSlow(want.length - 1), 0), 'RangeError', 'commit too small');
      }
    }
  }
  // A wrong Latin-1 promise gives wrong bytes but stays in bounds.
  const liar = '\u4e2d'.repeat(100);
  const wrong = Buffer.allocUnsafeSlow(native.utf8Prepare(liar, true));
  native.utf8Commit(wrong, 0);
}

function checkBadInput(native) {
  expectThrow(() => native.utf8Prepare(), 'TypeError', 'prepare no args');
  expectThrow(() => native.utf8Prepare(5), 'TypeError', 'prepare number');
  expectThrow(() => native.utf8Prepare('x', 1), 'TypeError', 'prepare flag');
  native.utf8Prepare('abc');
  expectThrow(() => native.utf8Commit(new Uint16Array(3), 0), 'TypeError', 'commit Uint16Array');
  expectThrow(() => native.utf8Commit({}, 0), 'TypeError', 'commit object');
  for (const offset of [-1, 0.5, NaN, 4, 2 ** 53]) {
    expectThrow(() => native.utf8Commit(Buffer.alloc(3), offset), 'RangeError', `commit offset ${offset}`);
  }
  expectThrow(() => native.utf8Commit(Buffer.alloc(3), '0'), 'TypeError', 'commit offset string');
  // Argument errors keep the prepared text; a commit uses it once.
  if (native.utf8Commit(Buffer.alloc(3), 0) !== 3) throw new Error('commit after argument errors');
  expectThrow(() => native.utf8Commit(Buffer.alloc(3), 0), 'RangeError', 'second commit');
  const ab = new ArrayBuffer(16);
  const detached = new Uint8Array(ab);
  structuredClone(ab, { transfer: [ab] });
  native.utf8Prepare('0123456789abcdef');
  expectThrow(() => native.utf8Commit(detached, 0), 'RangeError', 'commit detached');
  expectThrow(() => native.utf8Write('x', detached, 0), 'RangeError', 'write detached');
  expectThrow(() => native.utf8Write('x', Buffer.alloc(4), 5), 'RangeError', 'write offset');
  expectThrow(() => native._setUtf8Kernel('neon-on-x86'), 'RangeError', 'unknown kernel');
  expectThrow(() => native._setUtf8Kernel(2), 'TypeError', 'kernel name type');
}
