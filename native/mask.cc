// WebSocket masking, the Node-API side: argument checks (same order, names and messages as
// lib/backend/mask-js.ts), then one call into the kernel in use (mask_kernels.cc). The entry points
// use the plain Node-API C functions: every call is a hot path, and each argument is checked before
// any byte is touched (exceptions are off: throw, then return).
#include "mask.h"

#include <cmath>
#include <cstring>
#include <string>

#include "args.h"
#include "mask_kernels.h"

namespace krozen {
namespace {

using args::Bytes;

inline XorKernel CurrentKernel() { return MaskKernelTable().Current().xor_bytes; }

bool GetMaskKey(napi_env env, napi_value value, uint32_t* key) {
  Bytes mask;
  if (!args::GetBytes(env, value, "mask must be a Uint8Array", &mask)) return false;
  if (mask.length != 4) return args::ThrowRange(env, "mask must be exactly 4 bytes long");
  std::memcpy(key, mask.data, 4);
  return true;
}

// The 4 mask bytes as one number, mask[0] in the low byte (what lib/backend/mask.ts passes to the
// *Word entry points): reading a number costs a few ns, a 4-byte typed array ~30 ns.
bool GetKeyWord(napi_env env, napi_value value, uint32_t* key) {
  double d;
  if (napi_get_value_double(env, value, &d) != napi_ok) return args::ThrowType(env, "key must be a number");
  if (!(d >= 0 && d <= 4294967295.0) || d != std::floor(d)) {
    return args::ThrowRange(env, "key must be an integer from 0 to 2^32 - 1");
  }
  const uint32_t k = static_cast<uint32_t>(d);
  const uint8_t bytes[4] = {static_cast<uint8_t>(k), static_cast<uint8_t>(k >> 8), static_cast<uint8_t>(k >> 16),
                            static_cast<uint8_t>(k >> 24)};
  std::memcpy(key, bytes, 4);
  return true;
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
  if (!args::GetBytes(env, argv[0], "source must be a Uint8Array", &source) || !ReadKey(env, argv[1], &key) ||
      !args::GetBytes(env, argv[2], "output must be a Uint8Array", &output) ||
      !args::GetIndex(env, argv[3], 0, output.length, "offset must be a number",
                      "offset must be an integer from 0 to output.length", &offset) ||
      !args::GetIndex(env, argv[4], 0, source.length, "length must be a number",
                      "length must be an integer from 0 to source.length", &length)) {
    return nullptr;
  }
  if (length > output.length - offset) {
    args::ThrowRange(env, "offset + length must not exceed output.length");
    return nullptr;
  }
  if (length == 0) return nullptr;
  uint8_t* dst = output.data + offset;
  const uintptr_t s = reinterpret_cast<uintptr_t>(source.data);
  const uintptr_t d = reinterpret_cast<uintptr_t>(dst);
  if (s != d && s < d + length && d < s + length) {
    args::ThrowRange(env, "source and output must not partially overlap");
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
  if (!args::GetBytes(env, argv[0], "buffer must be a Uint8Array", &buffer) || !ReadKey(env, argv[1], &key)) {
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
  if (!args::GetBytes(env, argv[0], "buffer must be a Uint8Array", &buffer) || !ReadKey(env, argv[1], &key) ||
      !args::GetIndex(env, argv[2], 0, 3, "phase must be a number", "phase must be an integer from 0 to 3", &phase)) {
    return nullptr;
  }
  if (!args::IsUndefined(env, argv[3]) && !args::GetIndex(env, argv[3], 0, buffer.length, "start must be a number",
                                                          "start must be an integer from 0 to buffer.length", &start)) {
    return nullptr;
  }
  end = buffer.length;
  if (!args::IsUndefined(env, argv[4]) && !args::GetIndex(env, argv[4], start, buffer.length, "end must be a number",
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
  return Napi::String::New(info.Env(), MaskKernelTable().Current().name);
}

Napi::Value MaskKernelNames(const Napi::CallbackInfo& info) { return args::KernelNames(info.Env(), MaskKernelTable()); }

// _setMaskKernel(name): forces one kernel ('avx2' | 'sse2' | 'neon' | 'scalar') so every kernel
// this CPU has can be tested and benchmarked; returns the previous name.
Napi::Value SetMaskKernel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) {
    Napi::TypeError::New(env, "kernel must be a string").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const std::string wanted = info[0].As<Napi::String>().Utf8Value();
  KernelTable<MaskKernels>& table = MaskKernelTable();
  // A name with a NUL inside names no kernel (Select compares C strings).
  const int previous = wanted.find('\0') == std::string::npos ? table.Select(wanted.c_str()) : -1;
  if (previous >= 0) return Napi::String::New(env, table.At(previous).name);
  Napi::RangeError::New(env, "kernel '" + wanted + "' is not available on this CPU").ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace

void InitMask(Napi::Env env, Napi::Object exports) {
  args::Export(env, exports, "mask", Mask<GetMaskKey>);
  args::Export(env, exports, "unmask", Unmask<GetMaskKey>);
  args::Export(env, exports, "unmaskFrom", UnmaskFrom<GetMaskKey>);
  args::Export(env, exports, "maskWord", Mask<GetKeyWord>);
  args::Export(env, exports, "unmaskWord", Unmask<GetKeyWord>);
  args::Export(env, exports, "unmaskFromWord", UnmaskFrom<GetKeyWord>);
  exports.Set("maskKernel", Napi::Function::New(env, MaskKernel, "maskKernel"));
  exports.Set("maskKernels", Napi::Function::New(env, MaskKernelNames, "maskKernels"));
  exports.Set("_setMaskKernel", Napi::Function::New(env, SetMaskKernel, "_setMaskKernel"));
}

}  // namespace krozen
