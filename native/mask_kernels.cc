// WebSocket XOR masking kernels (RFC 6455 5.3): byte i of a payload is XORed with mask byte (i & 3).
// Kernels: scalar (portable), SSE2 (x86-64 baseline), AVX2 (picked at run time, compiled only inside
// KROZEN_TARGET("avx2") functions so the addon still loads on any x86-64), NEON (arm64).
// No Node-API here: mask.cc checks the arguments and calls MaskKernelTable().Current().
#include "mask_kernels.h"

#include <cstring>

#include "cpu.h"

#if defined(KROZEN_NEON)
#include <arm_neon.h>
#endif

namespace krozen {

namespace {

// ---- kernels ------------------------------------------------------------------------------
// `key` is the 4 mask bytes as they lie in memory (memcpy'd), so a broadcast keeps byte order
// on any endianness. Every kernel consumes whole multiples of 4 bytes before handing the rest
// on, so the phase of what remains is unchanged.

#if defined(__GNUC__) && !defined(__clang__)
// Keep the scalar kernel scalar: it is the portable reference the SIMD kernels are checked against.
#define KROZEN_NO_VECTORIZE __attribute__((optimize("no-tree-vectorize")))
#else
#define KROZEN_NO_VECTORIZE
#endif

KROZEN_NO_VECTORIZE void XorScalar(uint8_t* dst, const uint8_t* src, size_t n, uint32_t key) {
  const uint64_t key64 = (static_cast<uint64_t>(key) << 32) | key;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, src + i, 8);
    word ^= key64;
    std::memcpy(dst + i, &word, 8);
  }
  uint8_t key_bytes[4];
  std::memcpy(key_bytes, &key, 4);
  for (; i < n; ++i) dst[i] = src[i] ^ key_bytes[i & 3];
}

// Below this many bytes the vector kernels skip aligning their stores (see XorSse2/XorAvx2).
constexpr size_t kAlignFrom = 128;

#if defined(KROZEN_X64)
void XorSse2Body(uint8_t* dst, const uint8_t* src, size_t n, uint32_t key);

// Long ranges: the first 16 bytes are loaded up front, the body runs from dst's next 16-byte
// boundary (every store then stays inside one cache line), and the first 16 bytes are stored
// last. They overlap the body's first bytes with identical values, both computed from the
// original source, which was read before anything was written.
void XorSse2(uint8_t* dst, const uint8_t* src, size_t n, uint32_t key) {
  const size_t head = (16 - (reinterpret_cast<uintptr_t>(dst) & 15)) & 15;
  if (n < kAlignFrom || head == 0) return XorSse2Body(dst, src, n, key);
  const __m128i first = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src));
  XorSse2Body(dst + head, src + head, n - head, RotateKey(key, head));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), _mm_xor_si128(first, _mm_set1_epi32(static_cast<int>(key))));
}

void XorSse2Body(uint8_t* dst, const uint8_t* src, size_t n, uint32_t key) {
  const __m128i k = _mm_set1_epi32(static_cast<int>(key));
  size_t i = 0;
  // Four vectors per round: all loads before the stores, so in-place (dst == src) stays correct.
  for (; i + 64 <= n; i += 64) {
    __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + 16));
    __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + 32));
    __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + 48));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), _mm_xor_si128(a, k));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i + 16), _mm_xor_si128(b, k));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i + 32), _mm_xor_si128(c, k));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i + 48), _mm_xor_si128(d, k));
  }
  for (; i + 16 <= n; i += 16) {
    __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), _mm_xor_si128(a, k));
  }
  XorScalar(dst + i, src + i, n - i, key);
}

KROZEN_TARGET("avx2") void XorAvx2Body(uint8_t* dst, const uint8_t* src, size_t n, uint32_t key);

// As XorSse2, with 32-byte stores: at 16 KiB in place, stores that straddle cache lines cost
// ~40% (bench/mask.mjs: a payload at +1 of a 64-byte aligned block, 48 -> 80 GB/s aligned).
KROZEN_TARGET("avx2") void XorAvx2(uint8_t* dst, const uint8_t* src, size_t n, uint32_t key) {
  const size_t head = (32 - (reinterpret_cast<uintptr_t>(dst) & 31)) & 31;
  if (n < kAlignFrom || head == 0) return XorAvx2Body(dst, src, n, key);
  const __m256i first = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src));
  XorAvx2Body(dst + head, src + head, n - head, RotateKey(key, head));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst),
                      _mm256_xor_si256(first, _mm256_set1_epi32(static_cast<int>(key))));
}

KROZEN_TARGET("avx2") void XorAvx2Body(uint8_t* dst, const uint8_t* src, size_t n, uint32_t key) {
  const __m256i k = _mm256_set1_epi32(static_cast<int>(key));
  size_t i = 0;
  for (; i + 128 <= n; i += 128) {
    __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
    __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 32));
    __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 64));
    __m256i d = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 96));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), _mm256_xor_si256(a, k));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i + 32), _mm256_xor_si256(b, k));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i + 64), _mm256_xor_si256(c, k));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i + 96), _mm256_xor_si256(d, k));
  }
  for (; i + 32 <= n; i += 32) {
    __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), _mm256_xor_si256(a, k));
  }
  if (i + 16 <= n) {
    __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), _mm_xor_si128(a, _mm256_castsi256_si128(k)));
    i += 16;
  }
  uint64_t key64 = (static_cast<uint64_t>(key) << 32) | key;
  if (i + 8 <= n) {
    uint64_t word;
    std::memcpy(&word, src + i, 8);
    word ^= key64;
    std::memcpy(dst + i, &word, 8);
    i += 8;
  }
  uint8_t key_bytes[4];
  std::memcpy(key_bytes, &key, 4);
  for (; i < n; ++i) dst[i] = src[i] ^ key_bytes[i & 3];
}

#endif  // KROZEN_X64

#if defined(KROZEN_NEON)
void XorNeon(uint8_t* dst, const uint8_t* src, size_t n, uint32_t key) {
  const uint8x16_t k = vreinterpretq_u8_u32(vdupq_n_u32(key));
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    uint8x16_t a = vld1q_u8(src + i);
    uint8x16_t b = vld1q_u8(src + i + 16);
    uint8x16_t c = vld1q_u8(src + i + 32);
    uint8x16_t d = vld1q_u8(src + i + 48);
    vst1q_u8(dst + i, veorq_u8(a, k));
    vst1q_u8(dst + i + 16, veorq_u8(b, k));
    vst1q_u8(dst + i + 32, veorq_u8(c, k));
    vst1q_u8(dst + i + 48, veorq_u8(d, k));
  }
  for (; i + 16 <= n; i += 16) vst1q_u8(dst + i, veorq_u8(vld1q_u8(src + i), k));
  XorScalar(dst + i, src + i, n - i, key);
}
#endif  // KROZEN_NEON

}  // namespace

KernelTable<MaskKernels>& MaskKernelTable() {
  static KernelTable<MaskKernels> table([](KernelTable<MaskKernels>& t) {
#if defined(KROZEN_X64)
    if (cpu::Get().avx2) t.Add({"avx2", XorAvx2});
    t.Add({"sse2", XorSse2});
#endif
#if defined(KROZEN_NEON)
    t.Add({"neon", XorNeon});
#endif
    t.Add({"scalar", XorScalar});
  });
  return table;
}

}  // namespace krozen
