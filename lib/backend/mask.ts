// WebSocket masking: the native kernels for ranges long enough to pay for the Node-API crossing,
// the JS twin (mask-js.ts) below that or when the addon is not loaded. Both throw the same
// TypeError/RangeError messages and give the same bytes.
import { native } from './load';
import * as twin from './mask-js';

export type MaskBackend = 'native-avx2' | 'native-sse2' | 'native-neon' | 'native-scalar' | 'js';

type MaskFn = (source: Uint8Array, maskKey: Uint8Array, output: Uint8Array, offset: number, length: number) => void;
type UnmaskFn = (buffer: Uint8Array, maskKey: Uint8Array) => void;
type UnmaskFromFn = (buffer: Uint8Array, maskKey: Uint8Array, phase: number, start?: number, end?: number) => void;

interface NativeMask {
  mask: MaskFn;
  unmask: UnmaskFn;
  unmaskFrom: UnmaskFromFn;
  maskKernel(): string;
}

function nativeMask(): NativeMask | null {
  const b = native as Partial<NativeMask> | null;
  if (b && typeof b.mask === 'function' && typeof b.unmask === 'function'
    && typeof b.unmaskFrom === 'function' && typeof b.maskKernel === 'function') return b as NativeMask;
  return null;
}

const binding = nativeMask();

/** Which implementation runs masking for long ranges: the kernel the addon picked for this CPU, or 'js'. */
export const maskBackend: MaskBackend = binding ? (`native-${binding.maskKernel()}` as MaskBackend) : 'js';

// Thresholds: below them the JS twin beats the Node-API call (~85 ns) it would save. Measured with
// `node bench/mask.mjs --crossover` (best of 40 interleaved rounds, AVX2 CPU, Node 20; JS twin vs
// the raw native avx2 call, GB/s):
/** mask(): native from this many bytes. Twin wins at 64 B (0.57 vs 0.49), native at 96 B (0.75 vs 0.66). */
export const MASK_NATIVE_MIN = 80;
/** unmask()/unmaskFrom(): native from this many bytes. Tie at 96 B (1.17 vs 1.10), native at 128 B (1.59 vs 1.21). */
export const UNMASK_NATIVE_MIN = 128;

// Module-level function references: the dispatch below is one comparison and one call.
const nativeMaskFn: MaskFn | null = binding ? binding.mask : null;
const nativeUnmaskFn: UnmaskFn | null = binding ? binding.unmask : null;
const nativeUnmaskFromFn: UnmaskFromFn | null = binding ? binding.unmaskFrom : null;

// The size tests below read only numbers: anything else (BigInt, Symbol, objects with valueOf)
// goes to the JS twin, whose checks throw the same errors as the addon's.

/** output[offset + i] = source[i] ^ maskKey[i & 3] for i < length (bufferutil's contract). */
export function mask(source: Uint8Array, maskKey: Uint8Array, output: Uint8Array, offset: number, length: number): void {
  if (nativeMaskFn !== null && typeof length === 'number' && length >= MASK_NATIVE_MIN) {
    nativeMaskFn(source, maskKey, output, offset, length);
  } else {
    twin.mask(source, maskKey, output, offset, length);
  }
}

/** buffer[i] ^= maskKey[i & 3], in place. */
export function unmask(buffer: Uint8Array, maskKey: Uint8Array): void {
  const n: unknown = buffer?.length; // `?.`: null/undefined must reach the argument checks
  if (nativeUnmaskFn !== null && typeof n === 'number' && n >= UNMASK_NATIVE_MIN) nativeUnmaskFn(buffer, maskKey);
  else twin.unmask(buffer, maskKey);
}

/** Unmasks buffer[start, end) in place, where buffer[start] is at mask phase `phase` (0..3). */
export function unmaskFrom(buffer: Uint8Array, maskKey: Uint8Array, phase: number, start?: number, end?: number): void {
  const to: unknown = end === undefined ? buffer?.length : end;
  const from: unknown = start === undefined ? 0 : start;
  if (nativeUnmaskFromFn !== null && typeof to === 'number' && typeof from === 'number' && to - from >= UNMASK_NATIVE_MIN) {
    nativeUnmaskFromFn(buffer, maskKey, phase, start, end);
  } else {
    twin.unmaskFrom(buffer, maskKey, phase, start, end);
  }
}
