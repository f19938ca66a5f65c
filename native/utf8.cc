// UTF-16 / Latin-1 text -> UTF-8 bytes: the kernels and their run-time choice, with no Node-API (json.cc
// is the glue; a fuzzer or benchmark can link this file alone). Lone surrogates become U+FFFD, exactly as
// Buffer.from writes them.
//
// Kernels: scalar (portable, also the checked tail of the others), SSE2 (the x86-64 baseline) and AVX2
// (compiled only inside KROZEN_TARGET functions and chosen at run time, never the compile baseline).
#include "utf8.h"

#include <cstring>

#include "cpu.h"

namespace krozen {
namespace {

inline bool IsHigh(char16_t c) { return (c & 0xFC00) == 0xD800; }
inline bool IsLow(char16_t c) { return (c & 0xFC00) == 0xDC00; }

// Length of src[i, n) one code unit (or surrogate pair) at a time.
size_t Utf8LengthScalar(const char16_t* src, size_t i, size_t n) {
  size_t out = 0;
  while (i < n) {
    char16_t c = src[i++];
    if (c < 0x80) {
      out += 1;
    } else if (c < 0x800) {
      out += 2;
    } else if (IsHigh(c) && i < n && IsLow(src[i])) {
      out += 4;
      i++;
    } else {
      out += 3;
    }
  }
  return out;
}

// Encodes the non-ASCII code unit (or pair) at src[*i]; needs 4 bytes of room at d. Returns the new d.
inline uint8_t* EncodeNonAscii(const char16_t* src, size_t n, size_t* i, uint8_t* d) {
  uint32_t c = src[(*i)++];
  if (c < 0x800) {
    d[0] = static_cast<uint8_t>(0xC0 | (c >> 6));
    d[1] = static_cast<uint8_t>(0x80 | (c & 0x3F));
    return d + 2;
  }
  if ((c & 0xF800) == 0xD800) {
    if (IsHigh(static_cast<char16_t>(c)) && *i < n && IsLow(src[*i])) {
      uint32_t cp = 0x10000 + ((c - 0xD800) << 10) + (src[(*i)++] - 0xDC00u);
      d[0] = static_cast<uint8_t>(0xF0 | (cp >> 18));
      d[1] = static_cast<uint8_t>(0x80 | ((cp >> 12) & 0x3F));
      d[2] = static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F));
      d[3] = static_cast<uint8_t>(0x80 | (cp & 0x3F));
      return d + 4;
    }
    c = 0xFFFD;  // a lone surrogate, replaced as Buffer.from does
  }
  d[0] = static_cast<uint8_t>(0xE0 | (c >> 12));
  d[1] = static_cast<uint8_t>(0x80 | ((c >> 6) & 0x3F));
  d[2] = static_cast<uint8_t>(0x80 | (c & 0x3F));
  return d + 3;
}

// Bounds-checked tail: stops before a character that would not fit.
size_t EncodeScalar(const char16_t* src, size_t i, size_t n, uint8_t* d, uint8_t* end) {
  uint8_t* start = d;
  uint8_t tmp[4];
  while (i < n) {
    char16_t c = src[i];
    if (c < 0x80) {
      if (d >= end) break;
      *d++ = static_cast<uint8_t>(c);
      i++;
      continue;
    }
    size_t j = i;
    uint8_t* t = EncodeNonAscii(src, n, &j, tmp);
    size_t len = static_cast<size_t>(t - tmp);
    if (static_cast<size_t>(end - d) < len) break;
    std::memcpy(d, tmp, len);
    d += len;
    i = j;
  }
  return static_cast<size_t>(d - start);
}

size_t Latin1ToUtf8Scalar(const uint8_t* src, size_t i, size_t n, uint8_t* d, uint8_t* end) {
  uint8_t* start = d;
  for (; i < n; i++) {
    uint8_t c = src[i];
    if (c < 0x80) {
      if (d >= end) break;
      *d++ = c;
    } else {
      if (end - d < 2) break;
      d[0] = static_cast<uint8_t>(0xC0 | (c >> 6));
      d[1] = static_cast<uint8_t>(0x80 | (c & 0x3F));
      d += 2;
    }
  }
  return static_cast<size_t>(d - start);
}

#if defined(KROZEN_X64)
// Per 8 code units: 8 + (units >= 0x80) + (units >= 0x800) - 2 * (high surrogates followed by a low one).
// Lane counters are 16-bit, so they are folded into the total every 4096 blocks (at most +2 per block).
size_t Utf8LengthSse2(const char16_t* src, size_t n) {
  size_t total = 0, i = 0;
  const __m128i mAscii = _mm_set1_epi16(static_cast<short>(0xFF80));
  const __m128i mTwo = _mm_set1_epi16(static_cast<short>(0xF800));
  const __m128i mSur = _mm_set1_epi16(static_cast<short>(0xFC00));
  const __m128i high = _mm_set1_epi16(static_cast<short>(0xD800));
  const __m128i low = _mm_set1_epi16(static_cast<short>(0xDC00));
  const __m128i zero = _mm_setzero_si128();
  const __m128i ones = _mm_set1_epi16(1);
  while (i + 9 <= n) {
    __m128i acc = zero;
    size_t blocks = 0;
    for (; i + 9 <= n && blocks < 4096; i += 8, blocks++) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
      __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + 1));
      // cmpeq gives -1 where true: "is ASCII" adds back the lanes that must not count.
      __m128i isAscii = _mm_cmpeq_epi16(_mm_and_si128(v, mAscii), zero);
      __m128i isBelow800 = _mm_cmpeq_epi16(_mm_and_si128(v, mTwo), zero);
      __m128i pair =
          _mm_and_si128(_mm_cmpeq_epi16(_mm_and_si128(v, mSur), high), _mm_cmpeq_epi16(_mm_and_si128(next, mSur), low));
      // per lane: 2 + isAscii + isBelow800 + 2*pair (with true == -1) == extra bytes over 1
      acc = _mm_add_epi16(acc, _mm_add_epi16(_mm_add_epi16(isAscii, isBelow800), _mm_add_epi16(pair, pair)));
      acc = _mm_add_epi16(acc, _mm_add_epi16(ones, ones));
    }
    __m128i sum32 = _mm_madd_epi16(acc, ones);
    sum32 = _mm_add_epi32(sum32, _mm_shuffle_epi32(sum32, _MM_SHUFFLE(1, 0, 3, 2)));
    sum32 = _mm_add_epi32(sum32, _mm_shuffle_epi32(sum32, _MM_SHUFFLE(2, 3, 0, 1)));
    total += blocks * 8 + static_cast<uint32_t>(_mm_cvtsi128_si32(sum32));
  }
  return total + Utf8LengthScalar(src, i, n);
}

// Writes one BMP, non-surrogate unit as 1-3 bytes without branches: always stores 4 bytes (needs the room),
// advances by the real length. Little-endian only (the 4 bytes are built in memory order).
inline uint8_t* EncodeBmpBranchless(uint32_t c, uint8_t* d) {
  uint32_t two = (0xC0 | (c >> 6)) | ((0x80 | (c & 0x3F)) << 8);
  uint32_t three = (0xE0 | (c >> 12)) | ((0x80 | ((c >> 6) & 0x3F)) << 8) | ((0x80 | (c & 0x3F)) << 16);
  uint32_t word = c < 0x80 ? c : (c < 0x800 ? two : three);
  std::memcpy(d, &word, 4);
  return d + 1 + (c >= 0x80) + (c >= 0x800);
}

// ASCII blocks of 8 units are packed to bytes; a block with non-ASCII units and no surrogate is encoded
// unit by unit without branches; a block with a surrogate goes one code point at a time. The loop keeps
// 32 bytes of room (8 units * 3 bytes + the 4-byte store) so every store is in bounds even if the
// caller's size were wrong; the checked scalar loop does the tail.
size_t Utf16ToUtf8Sse2(const char16_t* src, size_t n, uint8_t* dst, size_t cap) {
  uint8_t* d = dst;
  uint8_t* end = dst + cap;
  size_t i = 0;
  const __m128i mAscii = _mm_set1_epi16(static_cast<short>(0xFF80));
  const __m128i mSurrogate = _mm_set1_epi16(static_cast<short>(0xF800));
  const __m128i surrogate = _mm_set1_epi16(static_cast<short>(0xD800));
  const __m128i zero = _mm_setzero_si128();
  while (i + 8 <= n && end - d >= 32) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    unsigned ascii = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi16(_mm_and_si128(v, mAscii), zero)));
    if (ascii == 0xFFFF) {
      _mm_storel_epi64(reinterpret_cast<__m128i*>(d), _mm_packus_epi16(v, v));
      d += 8;
      i += 8;
      continue;
    }
#if KROZEN_LITTLE_ENDIAN
    if (_mm_movemask_epi8(_mm_cmpeq_epi16(_mm_and_si128(v, mSurrogate), surrogate)) == 0) {
      for (int k = 0; k < 8; k++) d = EncodeBmpBranchless(src[i + k], d);
      i += 8;
      continue;
    }
#endif
    size_t stop = i + 8;
    while (i < stop) {  // may end one unit past `stop` when a pair straddles the block
      char16_t c = src[i];
      if (c < 0x80) {
        *d++ = static_cast<uint8_t>(c);
        i++;
      } else {
        d = EncodeNonAscii(src, n, &i, d);
      }
    }
  }
  return static_cast<size_t>(d - dst) + EncodeScalar(src, i, n, d, end);
}

// Latin-1 text (every unit <= 0xFF, copied out one byte per unit): length is n + the bytes >= 0x80.
// Byte counters are folded every 255 blocks.
size_t Utf8LengthOfLatin1Sse2(const uint8_t* src, size_t n) {
  size_t total = n, i = 0;
  const __m128i zero = _mm_setzero_si128();
  while (i + 16 <= n) {
    __m128i acc = zero;
    for (int blocks = 0; i + 16 <= n && blocks < 255; i += 16, blocks++) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
      acc = _mm_sub_epi8(acc, _mm_cmplt_epi8(v, zero));  // signed < 0 means >= 0x80
    }
    __m128i sums = _mm_sad_epu8(acc, zero);
    total += static_cast<size_t>(_mm_cvtsi128_si32(sums)) + static_cast<size_t>(_mm_extract_epi16(sums, 4));
  }
  for (; i < n; i++) total += src[i] >> 7;
  return total;
}

size_t Latin1ToUtf8Sse2(const uint8_t* src, size_t n, uint8_t* dst, size_t cap) {
  uint8_t* d = dst;
  uint8_t* end = dst + cap;
  size_t i = 0;
  while (i + 16 <= n && end - d >= 32) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    if (_mm_movemask_epi8(v) == 0) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(d), v);
      d += 16;
      i += 16;
      continue;
    }
    for (int k = 0; k < 16; k++) {  // two bytes stored always, the real length kept
      uint32_t c = src[i + k];
      uint16_t two = static_cast<uint16_t>((0xC0 | (c >> 6)) | ((0x80 | (c & 0x3F)) << 8));
      uint16_t word = c < 0x80 ? static_cast<uint16_t>(c) : two;
#if KROZEN_LITTLE_ENDIAN
      std::memcpy(d, &word, 2);
#else
      d[0] = static_cast<uint8_t>(word);
      d[1] = static_cast<uint8_t>(word >> 8);
#endif
      d += 1 + (c >> 7);
    }
    i += 16;
  }
  return static_cast<size_t>(d - dst) + Latin1ToUtf8Scalar(src, i, n, d, end);
}

// ---- AVX2 (+ the SSSE3/SSE4.1 it implies), chosen at run time: never the compile baseline ----
// Short non-ASCII blocks are compacted with pshufb tables instead of byte-by-byte:
//  - 8 units all below U+0800: each unit as [lead, trail] (ASCII as [c, -]), the table keyed by the 8-bit mask
//    of 2-byte units keeps lead always and trail where needed;
//  - 8 BMP units (no surrogate) as 32-bit [b0 b1 b2 -] words, each 4 keyed by (>= 0x80 mask) | (>= 0x800 mask) << 4.
// Blocks holding a surrogate go one code point at a time (pairs and lone surrogates are rare in text).
struct CompactTables {
  alignas(16) uint8_t two[256][16];
  uint8_t twoLength[256];
  alignas(16) uint8_t three[256][16];
  uint8_t threeLength[256];
  CompactTables() {
    for (int m = 0; m < 256; m++) {
      int k = 0;
      for (int lane = 0; lane < 8; lane++) {
        two[m][k++] = static_cast<uint8_t>(2 * lane);
        if (m & (1 << lane)) two[m][k++] = static_cast<uint8_t>(2 * lane + 1);
      }
      twoLength[m] = static_cast<uint8_t>(k);
      while (k < 16) two[m][k++] = 0x80;
      k = 0;
      for (int lane = 0; lane < 4; lane++) {
        int length = 1 + ((m >> lane) & 1) + ((m >> (lane + 4)) & 1);
        for (int b = 0; b < length; b++) three[m][k++] = static_cast<uint8_t>(4 * lane + b);
      }
      threeLength[m] = static_cast<uint8_t>(k);
      while (k < 16) three[m][k++] = 0x80;
    }
  }
};
const CompactTables& Tables() {
  static const CompactTables tables;
  return tables;
}

// 8 units, all below U+0800, at least one not ASCII: writes up to 16 bytes at d (needs 16 of room).
KROZEN_TARGET("avx2") inline uint8_t* CompactTwo(__m128i v, uint8_t* d, const CompactTables& t) {
  __m128i isTwo = _mm_cmpgt_epi16(v, _mm_set1_epi16(0x7F));
  __m128i lead = _mm_or_si128(_mm_srli_epi16(v, 6), _mm_set1_epi16(0xC0));
  __m128i trail = _mm_slli_epi16(_mm_or_si128(_mm_and_si128(v, _mm_set1_epi16(0x3F)), _mm_set1_epi16(0x80)), 8);
  __m128i word = _mm_blendv_epi8(v, _mm_or_si128(lead, trail), isTwo);
  unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_packs_epi16(isTwo, _mm_setzero_si128())));
  __m128i out = _mm_shuffle_epi8(word, _mm_load_si128(reinterpret_cast<const __m128i*>(t.two[mask])));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(d), out);
  return d + t.twoLength[mask];
}

// 8 BMP units (no surrogate), widened to 32-bit lanes in one 256-bit register; each 128-bit half is compacted
// with its own table row (pshufb works within halves). Writes up to 32 bytes at d (needs 32 of room).
KROZEN_TARGET("avx2") inline uint8_t* CompactThree8(__m128i v, uint8_t* d, const CompactTables& t) {
  const __m256i six = _mm256_set1_epi32(0x3F);
  const __m256i cont = _mm256_set1_epi32(0x80);
  __m256i c = _mm256_cvtepu16_epi32(v);
  __m256i low6 = _mm256_or_si256(_mm256_and_si256(c, six), cont);
  __m256i mid6 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(c, 6), six), cont);
  __m256i two =
      _mm256_or_si256(_mm256_or_si256(_mm256_srli_epi32(c, 6), _mm256_set1_epi32(0xC0)), _mm256_slli_epi32(low6, 8));
  __m256i three = _mm256_or_si256(_mm256_or_si256(_mm256_srli_epi32(c, 12), _mm256_set1_epi32(0xE0)),
                                  _mm256_or_si256(_mm256_slli_epi32(mid6, 8), _mm256_slli_epi32(low6, 16)));
  __m256i ge80 = _mm256_cmpgt_epi32(c, _mm256_set1_epi32(0x7F));
  __m256i ge800 = _mm256_cmpgt_epi32(c, _mm256_set1_epi32(0x7FF));
  __m256i word = _mm256_blendv_epi8(_mm256_blendv_epi8(c, two, ge80), three, ge800);
  unsigned m1 = static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(ge80)));
  unsigned m2 = static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(ge800)));
  unsigned keyLo = (m1 & 0xF) | ((m2 & 0xF) << 4);
  unsigned keyHi = (m1 >> 4) | (m2 & 0xF0);
  __m256i control =
      _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_load_si128(reinterpret_cast<const __m128i*>(t.three[keyLo]))),
                              _mm_load_si128(reinterpret_cast<const __m128i*>(t.three[keyHi])), 1);
  __m256i out = _mm256_shuffle_epi8(word, control);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(d), _mm256_castsi256_si128(out));
  d += t.threeLength[keyLo];
  _mm_storeu_si128(reinterpret_cast<__m128i*>(d), _mm256_extracti128_si256(out, 1));
  return d + t.threeLength[keyHi];
}

KROZEN_TARGET("avx2,popcnt") size_t Utf8LengthAvx2(const char16_t* src, size_t n) {
  size_t total = 0, i = 0;
  const __m256i mAscii = _mm256_set1_epi16(static_cast<short>(0xFF80));
  const __m256i mTwo = _mm256_set1_epi16(static_cast<short>(0xF800));
  const __m256i mSur = _mm256_set1_epi16(static_cast<short>(0xFC00));
  const __m256i high = _mm256_set1_epi16(static_cast<short>(0xD800));
  const __m256i low = _mm256_set1_epi16(static_cast<short>(0xDC00));
  const __m256i zero = _mm256_setzero_si256();
  const __m256i ones = _mm256_set1_epi16(1);
  while (i + 17 <= n) {
    __m256i accA = zero, accB = zero;  // two chains: the adds of one block do not wait on the other's
    size_t blocks = 0;
    for (; i + 17 <= n && blocks < 4096; i += 16, blocks++) {
      __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
      __m256i next = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 1));
      __m256i isAscii = _mm256_cmpeq_epi16(_mm256_and_si256(v, mAscii), zero);
      __m256i isBelow800 = _mm256_cmpeq_epi16(_mm256_and_si256(v, mTwo), zero);
      __m256i pair = _mm256_and_si256(_mm256_cmpeq_epi16(_mm256_and_si256(v, mSur), high),
                                      _mm256_cmpeq_epi16(_mm256_and_si256(next, mSur), low));
      // extra bytes over 1 per lane = 2 + isAscii + isBelow800 + 2 * pair (true == -1); the 2 is added below
      accA = _mm256_add_epi16(accA, _mm256_add_epi16(isAscii, isBelow800));
      accB = _mm256_add_epi16(accB, _mm256_add_epi16(pair, pair));
    }
    __m256i sum32 = _mm256_add_epi32(_mm256_madd_epi16(accA, ones), _mm256_madd_epi16(accB, ones));
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(sum32), _mm256_extracti128_si256(sum32, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    // each lane's sum is in [-4 * blocks, 0]: signed
    total += blocks * 16 * 3 + static_cast<size_t>(static_cast<int64_t>(_mm_cvtsi128_si32(s)));
  }
  return total + Utf8LengthScalar(src, i, n);
}

// One block of 8 units at src[*i] (8 available, 32 bytes of room at d).
KROZEN_TARGET("avx2")
inline uint8_t* EncodeBlock8(const char16_t* src, size_t n, size_t* i, uint8_t* d, const CompactTables& t) {
  __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + *i));
  if (_mm_testz_si128(v, _mm_set1_epi16(static_cast<short>(0xFF80)))) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(d), _mm_packus_epi16(v, v));
    *i += 8;
    return d + 8;
  }
  __m128i surrogate = _mm_cmpeq_epi16(_mm_and_si128(v, _mm_set1_epi16(static_cast<short>(0xF800))),
                                      _mm_set1_epi16(static_cast<short>(0xD800)));
  if (_mm_testz_si128(surrogate, surrogate)) {
    *i += 8;
    if (_mm_testz_si128(v, _mm_set1_epi16(static_cast<short>(0xF800)))) return CompactTwo(v, d, t);
    return CompactThree8(v, d, t);
  }
  size_t stop = *i + 8;
  while (*i < stop) {  // may end one unit past `stop` when a pair straddles the block
    char16_t c = src[*i];
    if (c < 0x80) {
      *d++ = static_cast<uint8_t>(c);
      (*i)++;
    } else {
      d = EncodeNonAscii(src, n, i, d);
    }
  }
  return d;
}

KROZEN_TARGET("avx2") size_t Utf16ToUtf8Avx2(const char16_t* src, size_t n, uint8_t* dst, size_t cap) {
  const CompactTables& t = Tables();
  uint8_t* d = dst;
  uint8_t* end = dst + cap;
  size_t i = 0;
  const __m256i mAscii = _mm256_set1_epi16(static_cast<short>(0xFF80));
  // Room: 16 units * 3 bytes + a 16-byte store = 64.
  while (i + 16 <= n && end - d >= 64) {
    __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
    if (_mm256_testz_si256(v, mAscii)) {
      __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi16(v, v), _MM_SHUFFLE(3, 1, 2, 0));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(d), _mm256_castsi256_si128(packed));
      d += 16;
      i += 16;
      continue;
    }
    d = EncodeBlock8(src, n, &i, d, t);
    if (i + 8 <= n) d = EncodeBlock8(src, n, &i, d, t);
  }
  while (i + 8 <= n && end - d >= 32) d = EncodeBlock8(src, n, &i, d, t);
  return static_cast<size_t>(d - dst) + EncodeScalar(src, i, n, d, end);
}

KROZEN_TARGET("avx2,popcnt") size_t Utf8LengthOfLatin1Avx2(const uint8_t* src, size_t n) {
  size_t total = n, i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
    total += static_cast<size_t>(_mm_popcnt_u32(static_cast<unsigned>(_mm256_movemask_epi8(v))));
  }
  for (; i < n; i++) total += src[i] >> 7;
  return total;
}

KROZEN_TARGET("avx2") size_t Latin1ToUtf8Avx2(const uint8_t* src, size_t n, uint8_t* dst, size_t cap) {
  const CompactTables& t = Tables();
  uint8_t* d = dst;
  uint8_t* end = dst + cap;
  size_t i = 0;
  // Room: 32 units * 2 bytes.
  while (i + 32 <= n && end - d >= 64) {
    __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
    if (_mm256_movemask_epi8(v) == 0) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(d), v);
      d += 32;
      i += 32;
      continue;
    }
    for (int k = 0; k < 32; k += 8) {
      __m128i units = _mm_cvtepu8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(src + i + k)));
      if (_mm_testz_si128(units, _mm_set1_epi16(0x80))) {
        _mm_storel_epi64(reinterpret_cast<__m128i*>(d), _mm_packus_epi16(units, units));
        d += 8;
      } else {
        d = CompactTwo(units, d, t);
      }
    }
    i += 32;
  }
  return static_cast<size_t>(d - dst) + Latin1ToUtf8Scalar(src, i, n, d, end);
}

#endif

size_t Utf8LengthOfUtf16Scalar(const char16_t* src, size_t n) { return Utf8LengthScalar(src, 0, n); }

size_t Utf16ToUtf8Scalar(const char16_t* src, size_t n, uint8_t* dst, size_t cap) {
  return EncodeScalar(src, 0, n, dst, dst + cap);
}

size_t Utf8LengthOfLatin1Scalar(const uint8_t* src, size_t n) {
  size_t total = n;
  for (size_t i = 0; i < n; i++) total += src[i] >> 7;
  return total;
}

size_t Latin1ToUtf8ScalarAll(const uint8_t* src, size_t n, uint8_t* dst, size_t cap) {
  return Latin1ToUtf8Scalar(src, 0, n, dst, dst + cap);
}

}  // namespace

KernelTable<Utf8Kernels>& Utf8KernelTable() {
  static KernelTable<Utf8Kernels> table([](KernelTable<Utf8Kernels>& t) {
#if defined(KROZEN_X64)
    const cpu::Features& cpu = cpu::Get();
    if (cpu.avx2 && cpu.popcnt) {
      t.Add({"avx2", Utf8LengthAvx2, Utf16ToUtf8Avx2, Utf8LengthOfLatin1Avx2, Latin1ToUtf8Avx2});
    }
    t.Add({"sse2", Utf8LengthSse2, Utf16ToUtf8Sse2, Utf8LengthOfLatin1Sse2, Latin1ToUtf8Sse2});
#endif
    t.Add({"scalar", Utf8LengthOfUtf16Scalar, Utf16ToUtf8Scalar, Utf8LengthOfLatin1Scalar, Latin1ToUtf8ScalarAll});
  });
  return table;
}

size_t Utf8LengthOfUtf16(const char16_t* src, size_t n) { return Utf8KernelTable().Current().length_of_utf16(src, n); }

size_t Utf16ToUtf8(const char16_t* src, size_t n, uint8_t* dst, size_t cap) {
  return Utf8KernelTable().Current().from_utf16(src, n, dst, cap);
}

size_t Utf8LengthOfLatin1(const uint8_t* src, size_t n) { return Utf8KernelTable().Current().length_of_latin1(src, n); }

size_t Latin1ToUtf8(const uint8_t* src, size_t n, uint8_t* dst, size_t cap) {
  return Utf8KernelTable().Current().from_latin1(src, n, dst, cap);
}

}  // namespace krozen
