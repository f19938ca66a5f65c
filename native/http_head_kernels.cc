// HTTP/1.1 request-head scanning: byte-class scans (scalar, SSE2, AVX2 chosen at run time, NEON) and
// the line walk that uses them. No Node-API here (http_head.cc is the glue).
//
// Two paths, one answer. The fast path accepts a line only when its shape is the common valid one
// (token SP target SP "HTTP/1.x" CRLF; token ":" value CRLF), found with the class scans, which stop at
// the first byte outside a class anywhere up to the head's end, so one vector load covers several short
// tokens. Anything else goes to the exact path: a byte-for-byte copy of parser.ts's order of checks,
// so the error code is the one parseHead returns for the same input. Both kernels sets share the exact
// path; they differ only in the scans, which the fuzzer and the tests compare.
#include "http_head_kernels.h"

#include <cstring>

#include "cpu.h"

#if defined(KROZEN_NEON)
#include <arm_neon.h>
#endif

namespace krozen {

namespace {

// ---- byte classes -------------------------------------------------------------------------

constexpr uint8_t kToken = 1;
constexpr uint8_t kTarget = 2;
constexpr uint8_t kValue = 4;

constexpr bool IsDelimiter(int c) {
  // RFC 9110 §5.6.2: the visible characters that are not tchar.
  return c == '"' || c == '(' || c == ')' || c == ',' || c == '/' || (c >= ':' && c <= '@') || (c >= '[' && c <= ']') ||
         c == '{' || c == '}';
}

struct ClassTable {
  uint8_t bits[256];
  constexpr ClassTable() : bits() {
    for (int c = 0; c < 256; ++c) {
      uint8_t b = 0;
      if (c >= 0x21 && c <= 0x7e) b |= kTarget;
      if (c >= 0x21 && c <= 0x7e && !IsDelimiter(c)) b |= kToken;
      if (c == 0x09 || (c >= 0x20 && c != 0x7f)) b |= kValue;
      bits[c] = b;
    }
  }
};
constexpr ClassTable kClasses;

#if defined(__GNUC__) && !defined(__clang__)
// Keep the scalar kernel scalar: it is the reference the SIMD kernels are checked against.
#define KROZEN_NO_VECTORIZE __attribute__((optimize("no-tree-vectorize")))
#else
#define KROZEN_NO_VECTORIZE
#endif

template <uint8_t Class>
KROZEN_NO_VECTORIZE size_t ScanScalar(const uint8_t* d, size_t i, size_t n) {
  while (i < n && (kClasses.bits[d[i]] & Class) != 0) ++i;
  return i;
}

#if defined(KROZEN_X64)
// ---- SSE2 (x86-64 baseline) ---------------------------------------------------------------
inline unsigned Ctz32(uint32_t m) {
#if defined(_MSC_VER) && !defined(__clang__)
  unsigned long index;
  _BitScanForward(&index, m);
  return static_cast<unsigned>(index);
#else
  return static_cast<unsigned>(__builtin_ctz(m));
#endif
}

// Each returns the lanes NOT in the class as a 16-bit mask. Signed compares: obs-text (>= 0x80) is
// negative, so it falls outside 0x21..0x7E on its own.

inline uint32_t BadTargetSse2(__m128i x) {
  const __m128i ok = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(0x20)), _mm_cmplt_epi8(x, _mm_set1_epi8(0x7f)));
  return ~static_cast<uint32_t>(_mm_movemask_epi8(ok)) & 0xffff;
}

inline __m128i InRangeSse2(__m128i x, char lo, char hi) {
  return _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(static_cast<char>(lo - 1))),
                       _mm_cmplt_epi8(x, _mm_set1_epi8(static_cast<char>(hi + 1))));
}

inline uint32_t BadTokenSse2(__m128i x) {
  __m128i delim = _mm_or_si128(InRangeSse2(x, ':', '@'), InRangeSse2(x, '[', ']'));
  delim = _mm_or_si128(delim, InRangeSse2(x, '(', ')'));
  delim = _mm_or_si128(delim, _mm_cmpeq_epi8(x, _mm_set1_epi8('"')));
  delim = _mm_or_si128(delim, _mm_cmpeq_epi8(x, _mm_set1_epi8(',')));
  delim = _mm_or_si128(delim, _mm_cmpeq_epi8(x, _mm_set1_epi8('/')));
  delim = _mm_or_si128(delim, _mm_cmpeq_epi8(x, _mm_set1_epi8('{')));
  delim = _mm_or_si128(delim, _mm_cmpeq_epi8(x, _mm_set1_epi8('}')));
  return BadTargetSse2(x) | static_cast<uint32_t>(_mm_movemask_epi8(delim));
}

inline uint32_t BadValueSse2(__m128i x) {
  // x >= 0x20 unsigned, or HTAB; DEL is out.
  const __m128i ge20 = _mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8(0x20)), x);
  const __m128i ok = _mm_or_si128(ge20, _mm_cmpeq_epi8(x, _mm_set1_epi8(0x09)));
  const uint32_t del = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f))));
  return (~static_cast<uint32_t>(_mm_movemask_epi8(ok)) & 0xffff) | del;
}

template <uint32_t (*Bad)(__m128i), uint8_t Class>
size_t ScanSse2(const uint8_t* d, size_t i, size_t n) {
  for (; i + 16 <= n; i += 16) {
    const uint32_t bad = Bad(_mm_loadu_si128(reinterpret_cast<const __m128i*>(d + i)));
    if (bad != 0) return i + Ctz32(bad);
  }
  return ScanScalar<Class>(d, i, n);
}

// ---- AVX2 (run-time choice) ---------------------------------------------------------------
// 32-byte blocks, then the SSE2 scan for what is left (a 16-byte block and the scalar tail).

KROZEN_TARGET("avx2") inline __m256i InRangeAvx2(__m256i x, char lo, char hi) {
  return _mm256_and_si256(_mm256_cmpgt_epi8(x, _mm256_set1_epi8(static_cast<char>(lo - 1))),
                          _mm256_cmpgt_epi8(_mm256_set1_epi8(static_cast<char>(hi + 1)), x));
}

KROZEN_TARGET("avx2") inline uint32_t BadTargetAvx2(__m256i x) {
  return ~static_cast<uint32_t>(_mm256_movemask_epi8(InRangeAvx2(x, 0x21, 0x7e)));
}

KROZEN_TARGET("avx2") inline uint32_t BadTokenAvx2(__m256i x) {
  __m256i delim = _mm256_or_si256(InRangeAvx2(x, ':', '@'), InRangeAvx2(x, '[', ']'));
  delim = _mm256_or_si256(delim, InRangeAvx2(x, '(', ')'));
  delim = _mm256_or_si256(delim, _mm256_cmpeq_epi8(x, _mm256_set1_epi8('"')));
  delim = _mm256_or_si256(delim, _mm256_cmpeq_epi8(x, _mm256_set1_epi8(',')));
  delim = _mm256_or_si256(delim, _mm256_cmpeq_epi8(x, _mm256_set1_epi8('/')));
  delim = _mm256_or_si256(delim, _mm256_cmpeq_epi8(x, _mm256_set1_epi8('{')));
  delim = _mm256_or_si256(delim, _mm256_cmpeq_epi8(x, _mm256_set1_epi8('}')));
  return BadTargetAvx2(x) | static_cast<uint32_t>(_mm256_movemask_epi8(delim));
}

KROZEN_TARGET("avx2") inline uint32_t BadValueAvx2(__m256i x) {
  const __m256i ge20 = _mm256_cmpeq_epi8(_mm256_max_epu8(x, _mm256_set1_epi8(0x20)), x);
  const __m256i ok = _mm256_or_si256(ge20, _mm256_cmpeq_epi8(x, _mm256_set1_epi8(0x09)));
  const uint32_t del = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, _mm256_set1_epi8(0x7f))));
  return ~static_cast<uint32_t>(_mm256_movemask_epi8(ok)) | del;
}

template <uint32_t (*Bad)(__m256i), uint32_t (*BadSse2)(__m128i), uint8_t Class>
KROZEN_TARGET("avx2")
size_t ScanAvx2(const uint8_t* d, size_t i, size_t n) {
  for (; i + 32 <= n; i += 32) {
    const uint32_t bad = Bad(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(d + i)));
    if (bad != 0) return i + Ctz32(bad);
  }
  return ScanSse2<BadSse2, Class>(d, i, n);
}
#endif  // KROZEN_X64

#if defined(KROZEN_NEON)
// ---- NEON (arm64) -------------------------------------------------------------------------
// Lanes in the class are 0xFF; the first lane that is not is found from a 64-bit narrowed mask
// (4 bits per lane).

inline unsigned Ctz64(uint64_t m) {
#if defined(_MSC_VER) && !defined(__clang__)
  unsigned long index;
  _BitScanForward64(&index, m);
  return static_cast<unsigned>(index);
#else
  return static_cast<unsigned>(__builtin_ctzll(m));
#endif
}

inline uint8x16_t InRangeNeon(uint8x16_t x, uint8_t lo, uint8_t hi) {
  return vandq_u8(vcgeq_u8(x, vdupq_n_u8(lo)), vcleq_u8(x, vdupq_n_u8(hi)));
}

inline uint8x16_t OkTargetNeon(uint8x16_t x) { return InRangeNeon(x, 0x21, 0x7e); }

inline uint8x16_t OkTokenNeon(uint8x16_t x) {
  uint8x16_t delim = vorrq_u8(InRangeNeon(x, ':', '@'), InRangeNeon(x, '[', ']'));
  delim = vorrq_u8(delim, InRangeNeon(x, '(', ')'));
  delim = vorrq_u8(delim, vceqq_u8(x, vdupq_n_u8('"')));
  delim = vorrq_u8(delim, vceqq_u8(x, vdupq_n_u8(',')));
  delim = vorrq_u8(delim, vceqq_u8(x, vdupq_n_u8('/')));
  delim = vorrq_u8(delim, vceqq_u8(x, vdupq_n_u8('{')));
  delim = vorrq_u8(delim, vceqq_u8(x, vdupq_n_u8('}')));
  return vbicq_u8(OkTargetNeon(x), delim);
}

inline uint8x16_t OkValueNeon(uint8x16_t x) {
  const uint8x16_t ok = vorrq_u8(vcgeq_u8(x, vdupq_n_u8(0x20)), vceqq_u8(x, vdupq_n_u8(0x09)));
  return vbicq_u8(ok, vceqq_u8(x, vdupq_n_u8(0x7f)));
}

template <uint8x16_t (*Ok)(uint8x16_t), uint8_t Class>
size_t ScanNeon(const uint8_t* d, size_t i, size_t n) {
  for (; i + 16 <= n; i += 16) {
    const uint8x16_t bad = vmvnq_u8(Ok(vld1q_u8(d + i)));
    const uint64_t nibbles = vget_lane_u64(vreinterpret_u64_u8(vshrn_n_u16(vreinterpretq_u16_u8(bad), 4)), 0);
    if (nibbles != 0) return i + (Ctz64(nibbles) >> 2);
  }
  return ScanScalar<Class>(d, i, n);
}
#endif  // KROZEN_NEON

// ---- the line walk ------------------------------------------------------------------------

inline bool IsOws(uint8_t c) { return c == 0x20 || c == 0x09; }

// parser.ts's s.indexOf(...) on bytes: the first match at or after `from`, or n.
size_t IndexOfByte(const uint8_t* d, size_t from, size_t n, uint8_t c) {
  if (from >= n) return n;
  const void* p = std::memchr(d + from, c, n - from);
  return p == nullptr ? n : static_cast<size_t>(static_cast<const uint8_t*>(p) - d);
}

size_t IndexOfCrlf(const uint8_t* d, size_t from, size_t n) {
  for (size_t i = IndexOfByte(d, from, n, '\r'); i < n; i = IndexOfByte(d, i + 1, n, '\r')) {
    if (i + 1 < n && d[i + 1] == '\n') return i;
  }
  return n;
}

bool AllInClass(const uint8_t* d, size_t from, size_t to, uint8_t cls) {
  for (size_t i = from; i < to; ++i) {
    if ((kClasses.bits[d[i]] & cls) == 0) return false;
  }
  return true;
}

// 'HTTP/' DIGIT '.' DIGIT, exactly 8 bytes.
bool IsVersionShape(const uint8_t* d, size_t from, size_t to) {
  if (to - from != 8 || std::memcmp(d + from, "HTTP/", 5) != 0) return false;
  const uint8_t a = d[from + 5], b = d[from + 7];
  return a >= '0' && a <= '9' && d[from + 6] == '.' && b >= '0' && b <= '9';
}

struct RequestLine {
  size_t sp1, sp2, line_end;
  uint32_t minor;
};

// The exact path: parser.ts's request-line checks, in its order. Returns 0 or an HttpHeadError.
int32_t RequestLineExact(const uint8_t* d, size_t n, size_t max_url, RequestLine* line) {
  const size_t line_end = IndexOfCrlf(d, 0, n);
  if (line_end == n) return kHeadBadRequestLine;
  const size_t sp1 = IndexOfByte(d, 0, n, ' ');
  if (sp1 == 0) return kHeadBadMethod;
  if (sp1 == n || sp1 > line_end) return kHeadBadRequestLine;
  if (!AllInClass(d, 0, sp1, kToken)) return kHeadBadMethod;
  const size_t sp2 = IndexOfByte(d, sp1 + 1, n, ' ');
  if (sp2 == n || sp2 > line_end) return kHeadBadRequestLine;
  if (sp2 - sp1 - 1 > max_url) return kHeadUriTooLong;
  if (sp2 == sp1 + 1 || !AllInClass(d, sp1 + 1, sp2, kTarget)) return kHeadBadTarget;
  const int32_t version_error = IsVersionShape(d, sp2 + 1, line_end) ? kHeadVersionNotSupported : kHeadBadVersion;
  if (line_end - sp2 - 1 != 8 || std::memcmp(d + sp2 + 1, "HTTP/1.", 7) != 0) return version_error;
  const uint8_t m = d[line_end - 1];
  if (m != '0' && m != '1') return version_error;
  *line = {sp1, sp2, line_end, static_cast<uint32_t>(m - '0')};
  return 0;
}

// The fast path: true with `line` set only when the exact path would accept with the same offsets.
bool RequestLineFast(const HttpHeadKernels& k, const uint8_t* d, size_t n, size_t max_url, RequestLine* line) {
  const size_t sp1 = k.token(d, 0, n);
  if (sp1 == 0 || sp1 >= n || d[sp1] != ' ') return false;
  const size_t sp2 = k.target(d, sp1 + 1, n);
  if (sp2 == sp1 + 1 || sp2 >= n || d[sp2] != ' ' || sp2 - sp1 - 1 > max_url) return false;
  // No CR before sp2 (neither class has it), so the line's CRLF is the one after "HTTP/1.x".
  if (n - sp2 < 11 || std::memcmp(d + sp2 + 1, "HTTP/1.", 7) != 0) return false;
  const uint8_t m = d[sp2 + 8];
  if ((m != '0' && m != '1') || d[sp2 + 9] != '\r' || d[sp2 + 10] != '\n') return false;
  *line = {sp1, sp2, sp2 + 9, static_cast<uint32_t>(m - '0')};
  return true;
}

struct FieldLine {
  size_t name_end, value_start, value_end, next;
};

// The exact path for the field line at `pos` (the count-th field, 1-based). 0 or an HttpHeadError.
int32_t FieldLineExact(const uint8_t* d, size_t n, size_t pos, size_t count, size_t max_fields, FieldLine* f) {
  const size_t eol = IndexOfCrlf(d, pos, n);
  if (eol == n) return kHeadBadHeader;
  if (IsOws(d[pos])) return kHeadObsFold;
  const size_t colon = IndexOfByte(d, pos, n, ':');
  if (colon == n || colon > eol) return kHeadBadHeader;
  if (colon == pos || !AllInClass(d, pos, colon, kToken)) return kHeadBadHeaderName;
  if (count > max_fields) return kHeadTooManyHeaders;
  size_t vs = colon + 1, ve = eol;
  while (vs < ve && IsOws(d[vs])) ++vs;
  while (ve > vs && IsOws(d[ve - 1])) --ve;
  if (!AllInClass(d, vs, ve, kValue)) return kHeadBadHeaderValue;
  *f = {colon, vs, ve, eol + 2};
  return 0;
}

bool FieldLineFast(const HttpHeadKernels& k, const uint8_t* d, size_t n, size_t pos, size_t count, size_t max_fields,
                   FieldLine* f) {
  const size_t colon = k.token(d, pos, n);
  if (colon == pos || colon >= n || d[colon] != ':') return false;
  // The value class has no CR: the first byte out of it ends the line when it starts a CRLF.
  const size_t eol = k.value(d, colon + 1, n);
  if (n - eol < 2 || d[eol] != '\r' || d[eol + 1] != '\n' || count > max_fields) return false;
  size_t vs = colon + 1, ve = eol;
  while (vs < ve && IsOws(d[vs])) ++vs;
  while (ve > vs && IsOws(d[ve - 1])) --ve;
  *f = {colon, vs, ve, eol + 2};
  return true;
}

}  // namespace

int32_t ScanHead(const HttpHeadKernels& kernels, const uint8_t* d, size_t n, uint32_t base, size_t max_url,
                 size_t max_fields, uint32_t* out, size_t out_length) {
  if (out_length < kHeadLineSlots || (out_length - kHeadLineSlots) / kHeadFieldSlots < max_fields) {
    return kHeadOutTooSmall;
  }
  if (n > UINT32_MAX - static_cast<size_t>(base)) return kHeadBadRange;
  RequestLine line;
  if (!RequestLineFast(kernels, d, n, max_url, &line)) {
    const int32_t error = RequestLineExact(d, n, max_url, &line);
    if (error != 0) return error;
  }
  out[0] = base + static_cast<uint32_t>(line.sp1);
  out[1] = base + static_cast<uint32_t>(line.sp2);
  out[2] = base + static_cast<uint32_t>(line.line_end);
  out[3] = line.minor;
  size_t pos = line.line_end + 2;
  size_t count = 0;
  uint32_t* slot = out + kHeadLineSlots;
  while (pos < n) {
    FieldLine f;
    ++count;
    if (!FieldLineFast(kernels, d, n, pos, count, max_fields, &f)) {
      const int32_t error = FieldLineExact(d, n, pos, count, max_fields, &f);
      if (error != 0) return error;
    }
    slot[0] = base + static_cast<uint32_t>(pos);
    slot[1] = base + static_cast<uint32_t>(f.name_end);
    slot[2] = base + static_cast<uint32_t>(f.value_start);
    slot[3] = base + static_cast<uint32_t>(f.value_end);
    slot += kHeadFieldSlots;
    pos = f.next;
  }
  return static_cast<int32_t>(count);
}

KernelTable<HttpHeadKernels>& HttpHeadKernelTable() {
  static KernelTable<HttpHeadKernels> table([](KernelTable<HttpHeadKernels>& t) {
#if defined(KROZEN_X64)
    if (cpu::Get().avx2)
      t.Add({"avx2", ScanAvx2<BadTokenAvx2, BadTokenSse2, kToken>, ScanAvx2<BadTargetAvx2, BadTargetSse2, kTarget>,
             ScanAvx2<BadValueAvx2, BadValueSse2, kValue>});
    t.Add({"sse2", ScanSse2<BadTokenSse2, kToken>, ScanSse2<BadTargetSse2, kTarget>, ScanSse2<BadValueSse2, kValue>});
#endif
#if defined(KROZEN_NEON)
    t.Add({"neon", ScanNeon<OkTokenNeon, kToken>, ScanNeon<OkTargetNeon, kTarget>, ScanNeon<OkValueNeon, kValue>});
#endif
    t.Add({"scalar", ScanScalar<kToken>, ScanScalar<kTarget>, ScanScalar<kValue>});
  });
  return table;
}

}  // namespace krozen
