// Shared by the mask tests: a seeded PRNG, the naive reference and the implementations under test.
import * as fs from 'node:fs';
import { native } from '../../lib/backend/load';
import * as dispatcher from '../../lib/backend/mask';
import * as twin from '../../lib/backend/mask-js';

export type MaskFn = (
  source: Uint8Array,
  maskKey: Uint8Array,
  output: Uint8Array,
  offset: number,
  length: number,
) => void;
export type UnmaskFn = (buffer: Uint8Array, maskKey: Uint8Array) => void;
export type UnmaskFromFn = (
  buffer: Uint8Array,
  maskKey: Uint8Array,
  phase: number,
  start?: number,
  end?: number,
) => void;

export interface NativeMaskBinding {
  mask: MaskFn;
  unmask: UnmaskFn;
  unmaskFrom: UnmaskFromFn;
  maskKernel(): string;
  maskKernels(): string[];
  _setMaskKernel(name: unknown): string;
}

export const nativeMask = native as unknown as NativeMaskBinding | null;
export const nativeExpected = process.env.KROZEN_NO_NATIVE !== '1';
// Linux x64 only: other systems have no /proc/cpuinfo, and under qemu-user an arm64 Node reads the x64 host's.
export const cpuHasAvx2 =
  process.platform === 'linux' && process.arch === 'x64' && /\bavx2\b/.test(fs.readFileSync('/proc/cpuinfo', 'utf8'));

/** One implementation of the three entry points. */
export interface Impl {
  name: string;
  mask: MaskFn;
  unmask: UnmaskFn;
  unmaskFrom: UnmaskFromFn;
  /** Runs fn with this implementation selected (forces a native kernel for the raw kernels). */
  using<T>(fn: () => T): T;
}

const plain = <T>(fn: () => T): T => fn();

/** The dispatcher, the JS twin, and the raw addon once per kernel this CPU has. */
export function implementations(): Impl[] {
  const list: Impl[] = [
    {
      name: 'dispatcher',
      mask: dispatcher.mask,
      unmask: dispatcher.unmask,
      unmaskFrom: dispatcher.unmaskFrom,
      using: plain,
    },
    { name: 'js twin', mask: twin.mask, unmask: twin.unmask, unmaskFrom: twin.unmaskFrom, using: plain },
  ];
  const binding = nativeMask;
  if (binding) {
    for (const kernel of binding.maskKernels()) {
      list.push({
        name: `native ${kernel}`,
        mask: binding.mask,
        unmask: binding.unmask,
        unmaskFrom: binding.unmaskFrom,
        using<T>(fn: () => T): T {
          const previous = binding._setMaskKernel(kernel);
          try {
            return fn();
          } finally {
            binding._setMaskKernel(previous);
          }
        },
      });
    }
  }
  return list;
}

// Global look-ups inside jest's vm context go through interceptors (~1 µs each): bind once.
const imul = Math.imul;

/** mulberry32: small, seeded, good enough for test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(random: () => number, n: number): Buffer {
  // Four bytes per draw, written as words: 16 MiB takes ~0.1 s instead of seconds.
  const words = new Uint32Array((n + 3) >>> 2);
  for (let i = 0; i < words.length; i++) words[i] = random() * 4294967296;
  return Buffer.from(words.buffer, 0, n);
}

/** The definition, byte by byte: out[i] = src[i] ^ mask[(phase + i) & 3]. */
export function reference(src: Uint8Array, maskKey: Uint8Array, phase = 0): Buffer {
  const out = Buffer.allocUnsafe(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i] ^ maskKey[(phase + i) & 3];
  return out;
}

/** The error fn throws, as comparable data (addon errors come from another realm: no instanceof). */
export function thrown(fn: () => void): { name: string; message: string } | null {
  try {
    fn();
    return null;
  } catch (err) {
    return { name: (err as Error).name, message: (err as Error).message };
  }
}
