// WebSocket XOR masking (RFC 6455 5.3): byte i of a payload is XORed with mask byte (i & 3).
// Kernels: scalar (portable), SSE2 (x86-64 baseline), AVX2 (picked at run time, compiled only
// inside a target("avx2") function so the addon still loads on any x86-64), NEON (arm64).
// The entry points use the plain Node-API C functions: every call is a hot path, and each
// argument is checked before any byte is touched (exceptions are off: throw, then return).
#include "mask.h"

#include <atomic>
#include <cmath>
#include <cstring>
#include <string>

#if defined(__x86_64__) || defined(_M_X64)
#define KROZEN_MASK_X64 1
#include <immintrin.h>
#endif
#if defined(__aarch64__) && defined(__ARM_NEON) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define KROZEN_MASK_NEON 1
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

// Rotates the memory-order key so that its byte 0 is mask byte `phase` (0..3).
inline uint32_t RotateKey(uint32_t key, size_t phase) {
  const unsigned shift = static_cast<unsigned>(phase & 3) * 8;
  if (shift == 0) return key;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return (key >> shift) | (key << (32 - shift));  // byte 0 is the low byte
#else
  uint8_t in[4], out[4];
  std::memcpy(in, &key, 4);
  for (size_t i = 0; i < 4; ++i) out[i] = in[(phase + i) & 3];
  uint32_t rotated;
  std::memcpy(&rotated, out, 4);
  return rotated;
#endif
}

// Below this many bytes the vector kernels skip aligning their stores (see XorSse2/XorAvx2).
constexpr size_t kAlignFrom = 128;

#if defined(KROZEN_MASK_X64)
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
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst),
                   _mm_xor_si128(first, _mm_set1_epi32(static_cast<int>(key))));
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

__attribute__((target("avx2"))) void XorAvx2Body(uint8_t* dst, const uint8_t* src, size_t n,
                                                 uint32_t key);

// As XorSse2, with 32-byte stores: at 16 KiB in place, stores that straddle cache lines cost
// ~40% (bench/mask.mjs: a payload at +1 of a 64-byte aligned block, 48 -> 80 GB/s aligned).
__attribute__((target("avx2"))) void XorAvx2(uint8_t* dst, const uint8_t* src, size_t n,
                                             uint32_t key) {
  const size_t head = (32 - (reinterpret_cast<uintptr_t>(dst) & 31)) & 31;
  if (n < kAlignFrom || head == 0) return XorAvx2Body(dst, src, n, key);
  const __m256i first = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src));
  XorAvx2Body(dst + head, src + head, n - head, RotateKey(key, head));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst),
                      _mm256_xor_si256(first, _mm256_set1_epi32(static_cast<int>(key))));
}

__attribute__((target("avx2"))) void XorAvx2Body(uint8_t* dst, const uint8_t* src, size_t n,
                                                 uint32_t key) {
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
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i),
                     _mm_xor_si128(a, _mm256_castsi256_si128(k)));
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

bool CpuHasAvx2() {
  // libgcc's check also confirms the OS saves the YMM registers (XGETBV).
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
}
#endif  // KROZEN_MASK_X64

#if defined(KROZEN_MASK_NEON)
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
#endif  // KROZEN_MASK_NEON

// ---- kernel choice ------------------------------------------------------------------------

struct Kernel {
  const char* name;  // as reported to JS: getBackends().mask is 'native-' + name
  XorKernel fn;
};

// Best first; only kernels this CPU can run are listed.
struct KernelTable {
  Kernel items[4];
  int count = 0;
};

const KernelTable& Kernels() {
  static const KernelTable table = [] {
    KernelTable t;
#if defined(KROZEN_MASK_X64)
    if (CpuHasAvx2()) t.items[t.count++] = {"avx2", XorAvx2};
    t.items[t.count++] = {"sse2", XorSse2};
#endif
#if defined(KROZEN_MASK_NEON)
    t.items[t.count++] = {"neon", XorNeon};
#endif
    t.items[t.count++] = {"scalar", XorScalar};
    return t;
  }();
  return table;
}

// Index into Kernels(); process-wide, so _setMaskKernel in one worker affects all (a test hook).
std::atomic<int> g_kernel{0};

inline XorKernel CurrentKernel() {
  return Kernels().items[g_kernel.load(std::memory_order_relaxed)].fn;
}

// ---- argument checks (same order, names and messages as lib/backend/mask-js.ts) ----------

struct Bytes {
  uint8_t* data;
  size_t length;
};

bool Fail(napi_env env, bool range, const char* message) {
  if (range) {
    napi_throw_range_error(env, nullptr, message);
  } else {
    napi_throw_type_error(env, nullptr, message);
  }
  return false;
}

// A Uint8Array (Buffer included). Views on a SharedArrayBuffer are accepted, as Node's own Buffer
// methods accept them: the kernels touch only bytes inside the view, and a SharedArrayBuffer can
// grow but never shrink, so no bound checked here can move during the call. (Another thread
// writing the same bytes meanwhile races, exactly as it would with a JS write.)
bool GetBytes(napi_env env, napi_value value, const char* not_bytes, Bytes* out) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, value, &type, &length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_uint8_array) {
    return Fail(env, false, not_bytes);
  }
  // A detached buffer reports length 0 (and may report a null data pointer).
  out->data = length == 0 ? nullptr : static_cast<uint8_t*>(data);
  out->length = length;
  return true;
}

bool GetMaskKey(napi_env env, napi_value value, uint32_t* key) {
  Bytes mask;
  if (!GetBytes(env, value, "mask must be a Uint8Array", &mask)) {
    return false;
  }
  if (mask.length != 4) return Fail(env, true, "mask must be exactly 4 bytes long");
  std::memcpy(key, mask.data, 4);
  return true;
}

// The 4 mask bytes as one number, mask[0] in the low byte (what lib/backend/mask.ts passes to the
// *Word entry points): reading a number costs a few ns, a 4-byte typed array ~30 ns.
bool GetKeyWord(napi_env env, napi_value value, uint32_t* key) {
  double d;
  if (napi_get_value_double(env, value, &d) != napi_ok) return Fail(env, false, "key must be a number");
  if (!(d >= 0 && d <= 4294967295.0) || d != std::floor(d)) {
    return Fail(env, true, "key must be an integer from 0 to 2^32 - 1");
  }
  const uint32_t k = static_cast<uint32_t>(d);
  const uint8_t bytes[4] = {static_cast<uint8_t>(k), static_cast<uint8_t>(k >> 8),
                            static_cast<uint8_t>(k >> 16), static_cast<uint8_t>(k >> 24)};
  std::memcpy(key, bytes, 4);
  return true;
}

// An integer in [lo, hi]. Non-numbers are a TypeError; NaN, fractions and out-of-range values
// (negative, huge, > 2^32) a RangeError. Compared as doubles before any conversion.
bool GetIndex(napi_env env, napi_value value, size_t lo, size_t hi, const char* not_number,
              const char* out_of_range, size_t* out) {
  double d;
  if (napi_get_value_double(env, value, &d) != napi_ok) return Fail(env, false, not_number);
  if (!(d >= static_cast<double>(lo) && d <= static_cast<double>(hi)) || d != std::floor(d)) {
    return Fail(env, true, out_of_range);
  }
  *out = static_cast<size_t>(d);
  return true;
}

bool IsUndefined(napi_env env, napi_value value) {
  napi_valuetype type;
  return napi_typeof(env, value, &type) == napi_ok && type == napi_undefined;
}

// ---- entry points -------------------------------------------------------------------------
// Each comes twice: with the mask as a 4-byte Uint8Array (bufferutil's contract, the public raw
// API) and with it as a number (`*Word`, the dispatcher's fast path). Same checks otherwise.

using KeyReader = bool (*)(napi_env, napi_value, uint32_t*);

// mask(source, mask, output, offset, length): output[offset + i] = source[i] ^ mask[i & 3].
template <KeyReader ReadKey>
napi_value Mask(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return nullptr;
  Bytes source, output;
  uint32_t key;
  size_t offset, length;
  if (!GetBytes(env, argv[0], "source must be a Uint8Array", &source) ||
      !ReadKey(env, argv[1], &key) ||
      !GetBytes(env, argv[2], "output must be a Uint8Array", &output) ||
      !GetIndex(env, argv[3], 0, output.length, "offset must be a number",
                "offset must be an integer from 0 to output.length", &offset) ||
      !GetIndex(env, argv[4], 0, source.length, "length must be a number",
                "length must be an integer from 0 to source.length", &length)) {
    return nullptr;
  }
  if (length > output.length - offset) {
    Fail(env, true, "offset + length must not exceed output.length");
    return nullptr;
  }
  if (length == 0) return nullptr;
  uint8_t* dst = output.data + offset;
  const uintptr_t s = reinterpret_cast<uintptr_t>(source.data);
  const uintptr_t d = reinterpret_cast<uintptr_t>(dst);
  if (s != d && s < d + length && d < s + length) {
    Fail(env, true, "source and output must not partially overlap");
    return nullptr;
  }
  CurrentKernel()(dst, source.data, length, key);
  return nullptr;
}

// unmask(buffer, mask): buffer[i] ^= mask[i & 3], in place.
template <KeyReader ReadKey>
napi_value Unmask(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return nullptr;
  Bytes buffer;
  uint32_t key;
  if (!GetBytes(env, argv[0], "buffer must be a Uint8Array", &buffer) ||
      !ReadKey(env, argv[1], &key)) {
    return nullptr;
  }
  if (buffer.length != 0) CurrentKernel()(buffer.data, buffer.data, buffer.length, key);
  return nullptr;
}

// unmaskFrom(buffer, mask, phase, start = 0, end = buffer.length): buffer[start + i] ^=
// mask[(phase + i) & 3], for a payload whose earlier bytes arrived in an earlier chunk.
template <KeyReader ReadKey>
napi_value UnmaskFrom(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return nullptr;
  Bytes buffer;
  uint32_t key;
  size_t phase, start = 0, end;
  if (!GetBytes(env, argv[0], "buffer must be a Uint8Array", &buffer) ||
      !ReadKey(env, argv[1], &key) ||
      !GetIndex(env, argv[2], 0, 3, "phase must be a number",
                "phase must be an integer from 0 to 3", &phase)) {
    return nullptr;
  }
  if (!IsUndefined(env, argv[3]) &&
      !GetIndex(env, argv[3], 0, buffer.length, "start must be a number",
                "start must be an integer from 0 to buffer.length", &start)) {
    return nullptr;
  }
  end = buffer.length;
  if (!IsUndefined(env, argv[4]) &&
      !GetIndex(env, argv[4], start, buffer.length, "end must be a number",
                "end must be an integer from start to buffer.length", &end)) {
    return nullptr;
  }
  if (end > start) {
    CurrentKernel()(buffer.data + start, buffer.data + start, end - start, RotateKey(key, phase));
  }
  return nullptr;
}

// ---- kernel introspection (tests and benchmarks) ------------------------------------------

Napi::Value MaskKernel(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), Kernels().items[g_kernel.load()].name);
}

Napi::Value MaskKernels(const Napi::CallbackInfo& info) {
  const KernelTable& table = Kernels();
  Napi::Array names = Napi::Array::New(info.Env(), table.count);
  for (int i = 0; i < table.count; ++i) names.Set(i, Napi::String::New(info.Env(), table.items[i].name));
  return names;
}

// _setMaskKernel(name): forces one kernel ('avx2' | 'sse2' | 'neon' | 'scalar') so every kernel
// this CPU has can be tested and benchmarked; returns the previous name.
Napi::Value SetMaskKernel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) {
    Napi::TypeError::New(env, "kernel must be a string").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const std::string wanted = info[0].As<Napi::String>().Utf8Value();
  const KernelTable& table = Kernels();
  for (int i = 0; i < table.count; ++i) {
    if (wanted == table.items[i].name) {
      const int previous = g_kernel.exchange(i);
      return Napi::String::New(env, table.items[previous].name);
    }
  }
  Napi::RangeError::New(env, "kernel '" + wanted + "' is not available on this CPU")
      .ThrowAsJavaScriptException();
  return env.Undefined();
}

void Export(Napi::Env env, Napi::Object exports, const char* name, napi_callback fn) {
  napi_value function;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, nullptr, &function) == napi_ok) {
    exports.Set(name, Napi::Value(env, function));
  }
}

}  // namespace

void InitMask(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "mask", Mask<GetMaskKey>);
  Export(env, exports, "unmask", Unmask<GetMaskKey>);
  Export(env, exports, "unmaskFrom", UnmaskFrom<GetMaskKey>);
  Export(env, exports, "maskWord", Mask<GetKeyWord>);
  Export(env, exports, "unmaskWord", Unmask<GetKeyWord>);
  Export(env, exports, "unmaskFromWord", UnmaskFrom<GetKeyWord>);
  exports.Set("maskKernel", Napi::Function::New(env, MaskKernel, "maskKernel"));
  exports.Set("maskKernels", Napi::Function::New(env, MaskKernels, "maskKernels"));
  exports.Set("_setMaskKernel", Napi::Function::New(env, SetMaskKernel, "_setMaskKernel"));
}

}  // namespace krozen
