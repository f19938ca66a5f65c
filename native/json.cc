// The byte work of JSON encoding: UTF-16 JS text -> UTF-8 bytes in a Buffer that JS allocated.
//
// Why this shape (bench/json.mjs): V8's own UTF-8 writer (Buffer.from, napi_get_value_string_utf8) walks
// the string one character at a time and Buffer.from walks it twice (length, then write). Here the text is
// copied out once with napi_get_value_string_utf16 (a memcpy for two-byte strings, a widening copy for
// one-byte ones), then counted and transcoded with SIMD. JS needs the exact size before it allocates, so
// the work is split in two calls: utf8Prepare (copy + count) and utf8Commit (transcode into the Buffer).
// Walking JS objects natively was measured 3-5x slower than JSON.stringify, so objects stay in JS.
#include "json.h"

#include <cmath>
#include <cstring>
#include <new>

#if defined(__x86_64__) || defined(_M_X64)
#include <emmintrin.h>
#include <immintrin.h>
#define KROZEN_JSON_X64 1
#elif defined(__aarch64__)
#include <arm_neon.h>
#define KROZEN_JSON_NEON 1
#endif

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

#if KROZEN_JSON_X64
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
      __m128i pair = _mm_and_si128(_mm_cmpeq_epi16(_mm_and_si128(v, mSur), high),
                                   _mm_cmpeq_epi16(_mm_and_si128(next, mSur), low));
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
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
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
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
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
#endif

// The text copied out of the JS string between utf8Prepare and utf8Commit: UTF-16 units, or one byte per
// unit when the caller vouched that every unit is <= 0xFF (Latin-1 content; napi_get_value_string_latin1
// is then a plain copy for V8's one-byte strings).
thread_local struct Scratch {
  char16_t* units = nullptr;  // storage; viewed as bytes in Latin-1 mode
  size_t capacityBytes = 0;
  size_t length = 0;  // units
  bool latin1 = false;
  size_t utf8Length = 0;
  bool prepared = false;
  ~Scratch() { delete[] units; }
} scratch;

// Above this size the copy is freed after each commit instead of kept for the next call,
// so one huge message does not pin memory per thread.
constexpr size_t kKeepScratchBytes = size_t{4} << 20;

void ReleaseLargeScratch() {
  scratch.prepared = false;
  if (scratch.capacityBytes > kKeepScratchBytes) {
    delete[] scratch.units;
    scratch.units = nullptr;
    scratch.capacityBytes = 0;
  }
}

size_t Utf8LengthOfLatin1(const uint8_t* src, size_t n) {
#if KROZEN_JSON_X64
  return Utf8LengthOfLatin1Sse2(src, n);
#else
  size_t total = n;
  for (size_t i = 0; i < n; i++) total += src[i] >> 7;
  return total;
#endif
}

size_t Latin1ToUtf8(const uint8_t* src, size_t n, uint8_t* dst, size_t cap) {
#if KROZEN_JSON_X64
  return Latin1ToUtf8Sse2(src, n, dst, cap);
#else
  return Latin1ToUtf8Scalar(src, 0, n, dst, dst + cap);
#endif
}

size_t TranscodeScratch(uint8_t* dst, size_t cap) {
  if (scratch.latin1) return Latin1ToUtf8(reinterpret_cast<const uint8_t*>(scratch.units), scratch.length, dst, cap);
  return Utf16ToUtf8(scratch.units, scratch.length, dst, cap);
}

Napi::Value ThrowType(Napi::Env env, const char* msg) {
  Napi::TypeError::New(env, msg).ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value ThrowRange(Napi::Env env, const char* msg) {
  Napi::RangeError::New(env, msg).ThrowAsJavaScriptException();
  return env.Undefined();
}

// Copies `value` (a string) into the scratch, as Latin-1 when `latin1`. False (JS exception pending) on failure.
bool CopyToScratch(Napi::Env env, napi_value value, bool latin1) {
  scratch.prepared = false;
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_string) {
    ThrowType(env, "text must be a string");
    return false;
  }
  size_t units = 0;
  if (napi_get_value_string_utf16(env, value, nullptr, 0, &units) != napi_ok) {
    ThrowType(env, "text must be a string");
    return false;
  }
  // +1: Node-API always writes a terminating NUL.
  size_t need = (units + 1) * (latin1 ? 1 : 2);
  if (need > scratch.capacityBytes) {
    delete[] scratch.units;
    scratch.capacityBytes = 0;
    size_t want = need > 4096 ? need : 4096;
    scratch.units = new (std::nothrow) char16_t[(want + 1) / 2];
    if (scratch.units == nullptr) {
      ThrowRange(env, "out of memory for the copy of the text");
      return false;
    }
    scratch.capacityBytes = (want + 1) / 2 * 2;
  }
  size_t copied = 0;
  napi_status status =
      latin1 ? napi_get_value_string_latin1(env, value, reinterpret_cast<char*>(scratch.units), units + 1, &copied)
             : napi_get_value_string_utf16(env, value, scratch.units, units + 1, &copied);
  if (status != napi_ok || copied != units) {
    ThrowType(env, "could not read the string");
    return false;
  }
  scratch.length = units;
  scratch.latin1 = latin1;
  scratch.utf8Length = latin1 ? Utf8LengthOfLatin1(reinterpret_cast<const uint8_t*>(scratch.units), units)
                              : Utf8LengthOfUtf16(scratch.units, units);
  return true;
}

// The optional "Latin-1 content" flag: undefined/false or true; anything else is a TypeError.
bool GetLatin1Flag(Napi::Env env, const Napi::CallbackInfo& info, size_t index, bool* out) {
  *out = false;
  if (info.Length() <= index) return true;
  napi_valuetype type;
  napi_typeof(env, info[index], &type);
  if (type == napi_undefined) return true;
  if (type != napi_boolean) {
    ThrowType(env, "latin1 must be a boolean");
    return false;
  }
  *out = info[index].As<Napi::Boolean>().Value();
  return true;
}

// A Uint8Array (Buffer) view: its bytes and length. False (with a TypeError pending) otherwise.
bool GetBytes(Napi::Env env, napi_value value, const char* what, uint8_t** data, size_t* length) {
  bool isTyped = false;
  if (napi_is_typedarray(env, value, &isTyped) != napi_ok || !isTyped) {
    Napi::TypeError::New(env, std::string(what) + " must be a Buffer or Uint8Array").ThrowAsJavaScriptException();
    return false;
  }
  napi_typedarray_type type;
  void* raw = nullptr;
  if (napi_get_typedarray_info(env, value, &type, length, &raw, nullptr, nullptr) != napi_ok ||
      type != napi_uint8_array) {
    Napi::TypeError::New(env, std::string(what) + " must be a Buffer or Uint8Array").ThrowAsJavaScriptException();
    return false;
  }
  if (raw == nullptr) *length = 0;  // detached: nothing may be written
  *data = static_cast<uint8_t*>(raw);
  return true;
}

// An integer in [0, max]. False (with a TypeError/RangeError pending) otherwise.
bool GetOffset(Napi::Env env, napi_value value, size_t max, size_t* out) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_number) {
    ThrowType(env, "offset must be a number");
    return false;
  }
  double d = 0;
  napi_get_value_double(env, value, &d);
  if (!std::isfinite(d) || d != std::floor(d) || d < 0 || d > static_cast<double>(max)) {
    ThrowRange(env, "offset must be an integer within the buffer");
    return false;
  }
  *out = static_cast<size_t>(d);
  return true;
}

// utf8Prepare(text, latin1?) -> UTF-8 byte length of text. latin1 === true promises every unit is <= 0xFF
// (a wrong promise gives wrong bytes, never a bad memory access). Keeps a copy for the utf8Commit that follows.
Napi::Value Utf8Prepare(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool latin1 = false;
  if (info.Length() < 1) return ThrowType(env, "text must be a string");
  if (!GetLatin1Flag(env, info, 1, &latin1)) return env.Undefined();
  if (!CopyToScratch(env, info[0], latin1)) return env.Undefined();
  scratch.prepared = true;
  return Napi::Number::New(env, static_cast<double>(scratch.utf8Length));
}

// utf8Commit(out, offset) -> bytes written. Writes the prepared text at out[offset..]; the bytes after
// offset must be exactly the length utf8Prepare returned, so nothing of `out` is left unwritten.
Napi::Value Utf8Commit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint8_t* data = nullptr;
  size_t length = 0, offset = 0;
  if (!GetBytes(env, info[0], "out", &data, &length)) return env.Undefined();
  if (!GetOffset(env, info[1], length, &offset)) return env.Undefined();
  if (!scratch.prepared) return ThrowRange(env, "utf8Commit without a utf8Prepare before it");
  if (length - offset != scratch.utf8Length) {
    scratch.prepared = false;
    return ThrowRange(env, "out must have exactly the prepared length after offset");
  }
  size_t written = TranscodeScratch(data + offset, length - offset);
  ReleaseLargeScratch();
  if (written != length - offset) return ThrowRange(env, "internal: UTF-8 length mismatch");
  return Napi::Number::New(env, static_cast<double>(written));
}

// utf8Write(text, out, offset, latin1?) -> bytes written. One call for callers whose buffer is already big enough;
// throws a RangeError (writing nothing) when the UTF-8 of text does not fit at out[offset..].
Napi::Value Utf8Write(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint8_t* data = nullptr;
  size_t length = 0, offset = 0;
  if (info.Length() < 1) return ThrowType(env, "text must be a string");
  napi_valuetype type;
  if (napi_typeof(env, info[0], &type) != napi_ok || type != napi_string) {
    return ThrowType(env, "text must be a string");
  }
  if (!GetBytes(env, info[1], "out", &data, &length)) return env.Undefined();
  if (!GetOffset(env, info[2], length, &offset)) return env.Undefined();
  bool latin1 = false;
  if (!GetLatin1Flag(env, info, 3, &latin1)) return env.Undefined();
  if (!CopyToScratch(env, info[0], latin1)) return env.Undefined();
  if (scratch.utf8Length > length - offset) {
    ReleaseLargeScratch();
    return ThrowRange(env, "out is too small for the UTF-8 of text");
  }
  size_t written = TranscodeScratch(data + offset, length - offset);
  ReleaseLargeScratch();
  return Napi::Number::New(env, static_cast<double>(written));
}

}  // namespace

size_t Utf8LengthOfUtf16(const char16_t* src, size_t n) {
#if KROZEN_JSON_X64
  return Utf8LengthSse2(src, n);
#else
  return Utf8LengthScalar(src, 0, n);
#endif
}

size_t Utf16ToUtf8(const char16_t* src, size_t n, uint8_t* dst, size_t cap) {
#if KROZEN_JSON_X64
  return Utf16ToUtf8Sse2(src, n, dst, cap);
#else
  return EncodeScalar(src, 0, n, dst, dst + cap);
#endif
}

void InitJson(Napi::Env env, Napi::Object exports) {
  exports.Set("utf8Prepare", Napi::Function::New(env, Utf8Prepare, "utf8Prepare"));
  exports.Set("utf8Commit", Napi::Function::New(env, Utf8Commit, "utf8Commit"));
  exports.Set("utf8Write", Napi::Function::New(env, Utf8Write, "utf8Write"));
#if KROZEN_JSON_X64
  exports.Set("utf8Kernel", Napi::String::New(env, "sse2"));
#else
  exports.Set("utf8Kernel", Napi::String::New(env, "scalar"));
#endif
}

}  // namespace krozen
