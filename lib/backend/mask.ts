// PLACEHOLDER (replaced by the native-mask work): byte-loop JS only.
export type MaskBackend = 'native-avx2' | 'native-sse2' | 'native-neon' | 'native-scalar' | 'js';
export const maskBackend: MaskBackend = 'js';

export function mask(source: Uint8Array, maskKey: Uint8Array, output: Uint8Array, offset: number, length: number): void {
  for (let i = 0; i < length; i++) output[offset + i] = source[i] ^ maskKey[i & 3];
}

export function unmask(buffer: Uint8Array, maskKey: Uint8Array): void {
  for (let i = 0; i < buffer.length; i++) buffer[i] ^= maskKey[i & 3];
}

/** Unmasks buffer[start, end) in place, where buffer[start] is at mask phase `phase` (0..3). */
export function unmaskFrom(buffer: Uint8Array, maskKey: Uint8Array, phase: number, start = 0, end = buffer.length): void {
  for (let i = start; i < end; i++) buffer[i] ^= maskKey[(phase + i - start) & 3];
}
