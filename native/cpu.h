// What this build and this CPU can run, for GCC, Clang and MSVC alike. No Node-API here: the kernel
// files (mask_kernels.cc, utf8.cc) include this and nothing of Node, so fuzzers and benchmarks can
// link them alone.
//
// x86-64: SSE2 is the baseline of every x86-64 compiler, so SSE2 kernels need no check. AVX2 is never
// the compile baseline: its kernels are compiled per function (KROZEN_TARGET below) and chosen at run
// time from CPUID, after XGETBV confirms the OS saves the YMM registers (without that, AVX2
// instructions fault even on a CPU that has them).
#pragma once

#include <cstdint>

#if defined(__x86_64__) || defined(_M_X64)
#define KROZEN_X64 1
#endif

#if defined(__BYTE_ORDER__)
#define KROZEN_LITTLE_ENDIAN (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
#elif defined(_MSC_VER)
#define KROZEN_LITTLE_ENDIAN 1  // every Windows target (x86, x64, ARM64) is little-endian
#else
#define KROZEN_LITTLE_ENDIAN 0  // unknown: the portable byte-by-byte paths
#endif

// NEON is part of every AArch64 CPU (the ABI requires it), so it needs no run-time check.
#if (defined(__aarch64__) || defined(_M_ARM64)) && KROZEN_LITTLE_ENDIAN
#define KROZEN_NEON 1
#endif

// Compiles one function for extra instruction sets. GCC and Clang (clang-cl included) only emit AVX2
// inside functions marked so; MSVC accepts AVX2 intrinsics in any function without /arch:AVX2, and
// has no such attribute.
#if defined(_MSC_VER) && !defined(__clang__)
#define KROZEN_TARGET(features)
#else
#define KROZEN_TARGET(features) __attribute__((target(features)))
#endif

#if defined(KROZEN_X64)
#include <immintrin.h>  // every x86 intrinsic the kernels use (SSE2 ... AVX2, POPCNT)
#if defined(_MSC_VER) && defined(__clang__) && !defined(__AVX2__)
// clang-cl's immintrin.h (through LLVM 18) declares the AVX/AVX2/SSSE3/SSE4.1/POPCNT intrinsics only when
// the whole file is built for them (/arch:AVX2), which per-function dispatch must not do. Its sub-headers
// may be included after immintrin.h, in this order; the functions carry their own target attributes.
// clang-format off
#include <tmmintrin.h>
#include <smmintrin.h>
#include <popcntintrin.h>
#include <avxintrin.h>
#include <avx2intrin.h>
// clang-format on
#endif
#if defined(_MSC_VER)
#include <intrin.h>  // __cpuidex, _xgetbv
#else
#include <cpuid.h>  // __cpuid_count
#endif
#endif

namespace krozen {
namespace cpu {

struct Features {
  bool avx2 = false;    // AVX2 instructions, and the OS saves YMM state
  bool popcnt = false;  // POPCNT
};

#if defined(KROZEN_X64)
// regs = EAX, EBX, ECX, EDX of CPUID(leaf, subleaf).
inline void Cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]) {
#if defined(_MSC_VER)
  int r[4];
  __cpuidex(r, static_cast<int>(leaf), static_cast<int>(subleaf));
  for (int i = 0; i < 4; ++i) regs[i] = static_cast<uint32_t>(r[i]);
#else
  __cpuid_count(leaf, subleaf, regs[0], regs[1], regs[2], regs[3]);
#endif
}

// XCR0: which register states the OS saves on a context switch. Only valid when CPUID says OSXSAVE.
inline uint64_t Xcr0() {
#if defined(_MSC_VER)
  return _xgetbv(0);
#else
  // The raw instruction: GCC's _xgetbv needs the whole translation unit built with -mxsave.
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
#endif
}

inline Features Detect() {
  Features f;
  uint32_t r[4];
  Cpuid(0, 0, r);
  const uint32_t max_leaf = r[0];
  if (max_leaf < 1) return f;
  Cpuid(1, 0, r);
  const uint32_t ecx1 = r[2];
  f.popcnt = (ecx1 >> 23) & 1;
  const bool osxsave = (ecx1 >> 27) & 1;
  const bool avx = (ecx1 >> 28) & 1;
  const bool ymm_saved = osxsave && avx && (Xcr0() & 0x6) == 0x6;  // XMM (bit 1) and YMM (bit 2)
  if (ymm_saved && max_leaf >= 7) {
    Cpuid(7, 0, r);
    f.avx2 = (r[1] >> 5) & 1;  // EBX bit 5
  }
  return f;
}
#else
inline Features Detect() { return Features{}; }
#endif

// Detected once per process (a thread-safe static), then a plain read.
inline const Features& Get() {
  static const Features features = Detect();
  return features;
}

}  // namespace cpu
}  // namespace krozen
