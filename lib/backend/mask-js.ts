// The JS twin of native/mask.cc: the same contract, the same argument checks (same order, error
// names and messages) and the same bytes. Long ranges are XORed as aligned 32-bit words through
// an Int32Array view (several times faster than a byte loop); the unaligned edges byte by byte.
import { types } from 'node:util';

// util.types.isUint8Array works across realms (jest hands tests Buffers from the main realm).
const { isUint8Array } = types;

/**
 * Below this many bytes the unrolled byte loop beats building an Int32Array view (~30 ns a view).
 * `node bench/mask.mjs --word-loop` (unmask, ns per call, best of 40): at 80 B bytes 68 vs words 80;
 * at 96 B words 76 vs bytes 83; at 128 B words 84 vs bytes 105.
 */
export const WORD_LOOP_MIN = 96;

// Scratch pair that turns 4 mask bytes into one word in the platform's byte order, so the word
// loop is right on either endianness. Module-level: no allocation per call.
const keyBytes = new Uint8Array(4);
const keyWord = new Int32Array(keyBytes.buffer);

// Views on a SharedArrayBuffer are accepted, as in the addon (see GetBytes in native/mask.cc).
// No `.buffer` look-up here: it costs ~25 ns a call, more than a 16-byte unmask.
function checkBytes(value: unknown, notBytes: string): asserts value is Uint8Array {
  if (!isUint8Array(value)) throw new TypeError(notBytes);
}

function checkMask(maskKey: unknown): asserts maskKey is Uint8Array {
  checkBytes(maskKey, 'mask must be a Uint8Array');
  if (maskKey.length !== 4) throw new RangeError('mask must be exactly 4 bytes long');
}

function checkIndex(value: unknown, lo: number, hi: number, notNumber: string, outOfRange: string): number {
  if (typeof value !== 'number') throw new TypeError(notNumber);
  if (!(value >= lo && value <= hi) || !Number.isInteger(value)) throw new RangeError(outOfRange);
  return value;
}

/** XORs buf[start, end) in place, where buf[start] takes mask byte `phase`. Arguments are trusted. */
function xorInPlace(buf: Uint8Array, maskKey: Uint8Array, phase: number, start: number, end: number): void {
  let i = start;
  if (end - start < WORD_LOOP_MIN) {
    // Four bytes a round with the mask bytes in locals: about 2x ws's `mask[i & 3]` loop.
    const m0 = maskKey[phase & 3];
    const m1 = maskKey[(phase + 1) & 3];
    const m2 = maskKey[(phase + 2) & 3];
    const m3 = maskKey[(phase + 3) & 3];
    for (const rounds = end - ((end - start) & 3); i < rounds; i += 4) {
      buf[i] ^= m0;
      buf[i + 1] ^= m1;
      buf[i + 2] ^= m2;
      buf[i + 3] ^= m3;
    }
    if (i < end) buf[i++] ^= m0;
    if (i < end) buf[i++] ^= m1;
    if (i < end) buf[i] ^= m2;
    return;
  }
  // Head: bytes up to the first 4-byte aligned address of the underlying ArrayBuffer.
  const head = (4 - ((buf.byteOffset + start) & 3)) & 3;
  for (let h = 0; h < head; h++, i++) buf[i] ^= maskKey[(phase + h) & 3];
  const p = (phase + head) & 3;
  keyBytes[0] = maskKey[p];
  keyBytes[1] = maskKey[(p + 1) & 3];
  keyBytes[2] = maskKey[(p + 2) & 3];
  keyBytes[3] = maskKey[(p + 3) & 3];
  const key = keyWord[0];
  const count = (end - i) >>> 2;
  const words = new Int32Array(buf.buffer, buf.byteOffset + i, count);
  let w = 0;
  for (const unrolled = count & ~3; w < unrolled; w += 4) {
    words[w] ^= key;
    words[w + 1] ^= key;
    words[w + 2] ^= key;
    words[w + 3] ^= key;
  }
  for (; w < count; w++) words[w] ^= key;
  // Tail: whole words keep the phase at p.
  i += count * 4;
  for (let t = 0; i < end; i++, t++) buf[i] ^= maskKey[(p + t) & 3];
}

const OVERLAP = 'source and output must not partially overlap';

/** output[offset + i] = source[i] ^ mask[i & 3] for i < length (bufferutil's contract). */
export function mask(
  source: Uint8Array,
  maskKey: Uint8Array,
  output: Uint8Array,
  offset: number,
  length: number,
): void {
  checkBytes(source, 'source must be a Uint8Array');
  checkMask(maskKey);
  checkBytes(output, 'output must be a Uint8Array');
  checkIndex(offset, 0, output.length, 'offset must be a number', 'offset must be an integer from 0 to output.length');
  checkIndex(length, 0, source.length, 'length must be a number', 'length must be an integer from 0 to source.length');
  if (length > output.length - offset) throw new RangeError('offset + length must not exceed output.length');
  if (length === 0) return;
  // Partial overlap is refused, as in the addon (SIMD and word loops would disagree on it); exact
  // in place (the same bytes) is allowed. `.buffer` costs ~25 ns, so the same object skips it.
  let inPlace = false;
  if (source === output) {
    if (offset !== 0 && offset < length) throw new RangeError(OVERLAP);
    inPlace = offset === 0;
  } else if (source.buffer === output.buffer) {
    const s = source.byteOffset;
    const d = output.byteOffset + offset;
    if (s !== d && s < d + length && d < s + length) throw new RangeError(OVERLAP);
    inPlace = s === d;
  }
  if (length < WORD_LOOP_MIN) {
    const m0 = maskKey[0];
    const m1 = maskKey[1];
    const m2 = maskKey[2];
    const m3 = maskKey[3];
    let i = 0;
    for (const rounds = length & ~3; i < rounds; i += 4) {
      output[offset + i] = source[i] ^ m0;
      output[offset + i + 1] = source[i + 1] ^ m1;
      output[offset + i + 2] = source[i + 2] ^ m2;
      output[offset + i + 3] = source[i + 3] ^ m3;
    }
    if (i < length) {
      output[offset + i] = source[i] ^ m0;
      i++;
    }
    if (i < length) {
      output[offset + i] = source[i] ^ m1;
      i++;
    }
    if (i < length) output[offset + i] = source[i] ^ m2;
    return;
  }
  // Copy (memcpy speed), then XOR the output in place: its words align whatever the source's
  // alignment is. Exact in-place masking (same bytes) skips the copy.
  if (!inPlace) {
    output.set(length === source.length ? source : source.subarray(0, length), offset);
  }
  xorInPlace(output, maskKey, 0, offset, offset + length);
}

/** buffer[i] ^= mask[i & 3], in place. */
export function unmask(buffer: Uint8Array, maskKey: Uint8Array): void {
  checkBytes(buffer, 'buffer must be a Uint8Array');
  checkMask(maskKey);
  xorInPlace(buffer, maskKey, 0, 0, buffer.length);
}

/** Unmasks buffer[start, end) in place, where buffer[start] is at mask phase `phase` (0..3). */
export function unmaskFrom(buffer: Uint8Array, maskKey: Uint8Array, phase: number, start?: number, end?: number): void {
  checkBytes(buffer, 'buffer must be a Uint8Array');
  checkMask(maskKey);
  checkIndex(phase, 0, 3, 'phase must be a number', 'phase must be an integer from 0 to 3');
  const from =
    start === undefined
      ? 0
      : checkIndex(
          start,
          0,
          buffer.length,
          'start must be a number',
          'start must be an integer from 0 to buffer.length',
        );
  const to =
    end === undefined
      ? buffer.length
      : checkIndex(
          end,
          from,
          buffer.length,
          'end must be a number',
          'end must be an integer from start to buffer.length',
        );
  xorInPlace(buffer, maskKey, phase, from, to);
}
