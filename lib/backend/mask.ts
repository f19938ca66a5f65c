// WebSocket masking: the native kernels for ranges long enough to pay for the Node-API crossing,
// the JS twin (mask-js.ts) below that or when the addon is not loaded. Both throw the same
// TypeError/RangeError messages and give the same bytes.
import { types } from 'node:util';
import { native } from './load';
import * as twin from './mask-js';

const { isUint8Array } = types;

export type MaskBackend = 'native-avx2' | 'native-sse2' | 'native-neon' | 'native-scalar' | 'js';

// The addon's *Word entry points take the mask as one number (mask[0] in the low byte): a number
// crosses Node-API in a few ns, a 4-byte Uint8Array costs ~30 ns more (bench/mask.mjs --crossover).
interface NativeMask {
  maskWord(source: Uint8Array, key: number, output: Uint8Array, offset: number, length: number): void;
  unmaskWord(buffer: Uint8Array, key: number): void;
  unmaskFromWord(buffer: Uint8Array, key: number, phase: number, start?: number, end?: number): void;
  maskKernel(): string;
}

function nativeMask(): NativeMask | null {
  const b = native as Partial<NativeMask> | null;
  if (
    b &&
    typeof b.maskWord === 'function' &&
    typeof b.unmaskWord === 'function' &&
    typeof b.unmaskFromWord === 'function' &&
    typeof b.maskKernel === 'function'
  )
    return b as NativeMask;
  return null;
}

const binding = nativeMask();

/** Which implementation runs masking for long ranges: the kernel the addon picked for this CPU, or 'js'. */
export const maskBackend: MaskBackend = binding ? (`native-${binding.maskKernel()}` as MaskBackend) : 'js';

// Thresholds: below them the JS twin beats the Node-API call (~65 ns with the mask as a number).
// Measured with `node bench/mask.mjs --crossover` (best of 40 interleaved rounds, AVX2 CPU, Node
// 20), JS twin vs the raw native avx2 *Word call, GB/s:
/** mask(): native from this many bytes. Tie at 64 B (twin 0.62, native 0.64); native at 80 B (0.63-0.79 vs 0.58). */
export const MASK_NATIVE_MIN = 80;
/** unmask()/unmaskFrom(): native from this many bytes. Twin wins at 64 B (1.15 vs 1.02); native at 80 B (1.27 vs 1.22), 96 B (1.42 vs 1.20). */
export const UNMASK_NATIVE_MIN = 80;

// Module-level function references: the dispatch below is a few comparisons and one call.
const nativeMaskFn = binding ? binding.maskWord : null;
const nativeUnmaskFn = binding ? binding.unmaskWord : null;
const nativeUnmaskFromFn = binding ? binding.unmaskFromWord : null;

// A bad mask goes to the JS twin, which throws the addon's error for it; so do sizes that are not
// numbers (BigInt, Symbol, objects with valueOf). The buffers themselves are checked natively.
function isMaskKey(maskKey: unknown): maskKey is Uint8Array {
  return isUint8Array(maskKey) && maskKey.length === 4;
}

function keyWord(maskKey: Uint8Array): number {
  return (maskKey[0] | (maskKey[1] << 8) | (maskKey[2] << 16) | (maskKey[3] << 24)) >>> 0;
}

/** output[offset + i] = source[i] ^ maskKey[i & 3] for i < length (bufferutil's contract). */
export function mask(
  source: Uint8Array,
  maskKey: Uint8Array,
  output: Uint8Array,
  offset: number,
  length: number,
): void {
  if (nativeMaskFn !== null && typeof length === 'number' && length >= MASK_NATIVE_MIN && isMaskKey(maskKey)) {
    nativeMaskFn(source, keyWord(maskKey), output, offset, length);
  } else {
    twin.mask(source, maskKey, output, offset, length);
  }
}

/** buffer[i] ^= maskKey[i & 3], in place. */
export function unmask(buffer: Uint8Array, maskKey: Uint8Array): void {
  const n: unknown = buffer?.length; // `?.`: null/undefined must reach the argument checks
  if (nativeUnmaskFn !== null && typeof n === 'number' && n >= UNMASK_NATIVE_MIN && isMaskKey(maskKey)) {
    nativeUnmaskFn(buffer, keyWord(maskKey));
  } else {
    twin.unmask(buffer, maskKey);
  }
}

/** Unmasks buffer[start, end) in place, where buffer[start] is at mask phase `phase` (0..3). */
export function unmaskFrom(buffer: Uint8Array, maskKey: Uint8Array, phase: number, start?: number, end?: number): void {
  const to: unknown = end === undefined ? buffer?.length : end;
  const from: unknown = start === undefined ? 0 : start;
  if (
    nativeUnmaskFromFn !== null &&
    typeof to === 'number' &&
    typeof from === 'number' &&
    to - from >= UNMASK_NATIVE_MIN &&
    isMaskKey(maskKey)
  ) {
    nativeUnmaskFromFn(buffer, keyWord(maskKey), phase, start, end);
  } else {
    twin.unmaskFrom(buffer, maskKey, phase, start, end);
  }
}
