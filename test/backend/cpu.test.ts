// Run-time CPU dispatch (native/cpu.h): the addon offers a kernel exactly when the CPU (and the OS, which
// must save the YMM registers for AVX2) can run it. Linux's /proc/cpuinfo flags are the independent
// witness: the kernel there hides avx/avx2 when XSAVE is off.
import * as fs from 'node:fs';
import { getBackends } from '../../lib/diagnostics';
import { native } from '../../lib/backend/load';

interface KernelLists {
  maskKernels(): string[];
  utf8Kernels(): string[];
}

const binding = native as unknown as KernelLists | null;
const nativeExpected = process.env.KROZEN_NO_NATIVE !== '1';
/** The CPU flags Linux reports (x64 only: under qemu-user an arm64 Node sees the x64 host's), else null. */
function linuxX64Flags(): Set<string> | null {
  if (process.platform !== 'linux' || process.arch !== 'x64') return null;
  return new Set((/^flags\s*:(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '').trim().split(/\s+/));
}

test('the addon is loaded exactly when expected', () => {
  expect(binding !== null).toBe(nativeExpected);
});

if (nativeExpected && process.arch === 'x64') {
  test('x64: AVX2 kernels exactly when the CPU flags have avx2 (and popcnt for UTF-8); SSE2 always', () => {
    const mask = binding!.maskKernels();
    const utf8 = binding!.utf8Kernels();
    const flags = linuxX64Flags();
    if (flags !== null) {
      expect(mask).toEqual([...(flags.has('avx2') ? ['avx2'] : []), 'sse2', 'scalar']);
      expect(utf8).toEqual([...(flags.has('avx2') && flags.has('popcnt') ? ['avx2'] : []), 'sse2', 'scalar']);
    } else {
      // macOS, Windows: no independent witness here; the lists still have their shape.
      expect(mask.slice(-2)).toEqual(['sse2', 'scalar']);
      expect(utf8.slice(-2)).toEqual(['sse2', 'scalar']);
    }
    expect(getBackends().mask).toBe(`native-${mask[0]}`);
  });
}

if (nativeExpected && process.arch === 'arm64') {
  test('arm64: NEON masking (every AArch64 CPU has it), scalar UTF-8', () => {
    expect(binding!.maskKernels()).toEqual(['neon', 'scalar']);
    expect(binding!.utf8Kernels()).toEqual(['scalar']);
    expect(getBackends().mask).toBe('native-neon');
  });
}
