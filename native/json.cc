// JSON byte work, the Node-API side: UTF-16 JS text -> UTF-8 bytes in a Buffer that JS allocated. The
// kernels are in utf8.cc; here: argument checks, the copy out of V8, and the two-call protocol.
//
// Why this shape (bench/json.mjs): V8's own UTF-8 writer (Buffer.from, napi_get_value_string_utf8) walks
// the string one character at a time and Buffer.from walks it twice (length, then write). Here the text is
// copied out once (napi_get_value_string_latin1 when JS vouches every unit is <= 0xFF: a memcpy for V8's
// one-byte strings; else napi_get_value_string_utf16: a memcpy for two-byte strings), then counted and
// transcoded with SIMD (utf8.cc). JS needs the exact size before it allocates, so the work is two calls:
// utf8Prepare (copy + count) and utf8Commit (transcode into the Buffer). Walking JS objects natively was
// measured 3-5x slower than JSON.stringify, so objects stay in JS.
#include "json.h"

#include <new>
#include <string>

#include "args.h"
#include "utf8.h"

namespace krozen {
namespace {

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

// Above this size the copy is freed after each commit instead of kept for the next call, so one huge message
// does not pin memory per thread. A fresh allocation costs page faults (bench/json.mjs, ASCII 16 Mi units:
// 0.44x Buffer.from with a fresh 16 MB copy each call, 0.9x with it kept), so texts up to 8 MB keep it.
constexpr size_t kKeepScratchBytes = size_t{8} << 20;

void ReleaseLargeScratch() {
  scratch.prepared = false;
  if (scratch.capacityBytes > kKeepScratchBytes) {
    delete[] scratch.units;
    scratch.units = nullptr;
    scratch.capacityBytes = 0;
  }
}

size_t TranscodeScratch(uint8_t* dst, size_t cap) {
  if (scratch.latin1) return Latin1ToUtf8(reinterpret_cast<const uint8_t*>(scratch.units), scratch.length, dst, cap);
  return Utf16ToUtf8(scratch.units, scratch.length, dst, cap);
}

constexpr const char* kNotText = "text must be a string";
constexpr const char* kNotOut = "out must be a Buffer or Uint8Array";
constexpr const char* kNotLatin1Flag = "latin1 must be a boolean";

// An integer in [0, max] (the byte offset into `out`).
bool GetOffset(napi_env env, napi_value value, size_t max, size_t* out) {
  return args::GetIndex(env, value, 0, max, "offset must be a number", "offset must be an integer within the buffer",
                        out);
}

// Copies `value` (a string) into the scratch, as Latin-1 when `latin1`. False (JS exception pending) on failure.
bool CopyToScratch(napi_env env, napi_value value, bool latin1) {
  scratch.prepared = false;
  if (!args::CheckString(env, value, kNotText)) return false;
  size_t units = 0;
  if (napi_get_value_string_utf16(env, value, nullptr, 0, &units) != napi_ok) return args::ThrowType(env, kNotText);
  // +1: Node-API always writes a terminating NUL.
  size_t need = (units + 1) * (latin1 ? 1 : 2);
  if (need > scratch.capacityBytes) {
    delete[] scratch.units;
    scratch.capacityBytes = 0;
    size_t want = need > 4096 ? need : 4096;
    scratch.units = new (std::nothrow) char16_t[(want + 1) / 2];
    if (scratch.units == nullptr) return args::ThrowRange(env, "out of memory for the copy of the text");
    scratch.capacityBytes = (want + 1) / 2 * 2;
  }
  size_t copied = 0;
  napi_status status =
      latin1 ? napi_get_value_string_latin1(env, value, reinterpret_cast<char*>(scratch.units), units + 1, &copied)
             : napi_get_value_string_utf16(env, value, scratch.units, units + 1, &copied);
  if (status != napi_ok || copied != units) return args::ThrowType(env, "could not read the string");
  scratch.length = units;
  scratch.latin1 = latin1;
  scratch.utf8Length = latin1 ? Utf8LengthOfLatin1(reinterpret_cast<const uint8_t*>(scratch.units), units)
                              : Utf8LengthOfUtf16(scratch.units, units);
  return true;
}

Napi::Value Number(Napi::Env env, size_t n) { return Napi::Number::New(env, static_cast<double>(n)); }

// utf8Prepare(text, latin1?) -> UTF-8 byte length of text. latin1 === true promises every unit is <= 0xFF
// (a wrong promise gives wrong bytes, never a bad memory access). Keeps a copy for the utf8Commit that follows.
Napi::Value Utf8Prepare(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool latin1 = false;
  if (info.Length() < 1) {
    args::ThrowType(env, kNotText);
    return env.Undefined();
  }
  if (!args::GetOptionalBool(env, info[1], kNotLatin1Flag, &latin1) || !CopyToScratch(env, info[0], latin1)) {
    return env.Undefined();
  }
  scratch.prepared = true;
  return Number(env, scratch.utf8Length);
}

// utf8Commit(out, offset) -> bytes written. Writes the prepared text at out[offset..]; the bytes after
// offset must be exactly the length utf8Prepare returned, so nothing of `out` is left unwritten.
Napi::Value Utf8Commit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  args::Bytes out;
  size_t offset = 0;
  if (!args::GetBytes(env, info[0], kNotOut, &out) || !GetOffset(env, info[1], out.length, &offset)) {
    return env.Undefined();
  }
  if (!scratch.prepared) {
    args::ThrowRange(env, "utf8Commit without a utf8Prepare before it");
    return env.Undefined();
  }
  if (out.length - offset != scratch.utf8Length) {
    scratch.prepared = false;
    args::ThrowRange(env, "out must have exactly the prepared length after offset");
    return env.Undefined();
  }
  size_t written = TranscodeScratch(out.data + offset, out.length - offset);
  ReleaseLargeScratch();
  if (written != out.length - offset) {
    args::ThrowRange(env, "internal: UTF-8 length mismatch");
    return env.Undefined();
  }
  return Number(env, written);
}

// utf8Write(text, out, offset, latin1?) -> bytes written. One call for callers whose buffer is already big enough;
// throws a RangeError (writing nothing) when the UTF-8 of text does not fit at out[offset..].
Napi::Value Utf8Write(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  args::Bytes out;
  size_t offset = 0;
  bool latin1 = false;
  if (info.Length() < 1) {
    args::ThrowType(env, kNotText);
    return env.Undefined();
  }
  if (!args::CheckString(env, info[0], kNotText) || !args::GetBytes(env, info[1], kNotOut, &out) ||
      !GetOffset(env, info[2], out.length, &offset) || !args::GetOptionalBool(env, info[3], kNotLatin1Flag, &latin1) ||
      !CopyToScratch(env, info[0], latin1)) {
    return env.Undefined();
  }
  if (scratch.utf8Length > out.length - offset) {
    ReleaseLargeScratch();
    args::ThrowRange(env, "out is too small for the UTF-8 of text");
    return env.Undefined();
  }
  size_t written = TranscodeScratch(out.data + offset, out.length - offset);
  ReleaseLargeScratch();
  return Number(env, written);
}

// ---- kernel introspection (tests and benchmarks) ------------------------------------------

// utf8Kernels() -> the kernels this CPU can run, best first.
Napi::Value Utf8KernelNames(const Napi::CallbackInfo& info) { return args::KernelNames(info.Env(), Utf8KernelTable()); }

Napi::Value Utf8Kernel(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), Utf8KernelTable().Current().name);
}

// _setUtf8Kernel(name): for tests and benchmarks, so every kernel is checked on a CPU that has them all.
// The kernel is process-wide (read by every thread): set it only while no worker encodes. Returns the new name.
Napi::Value SetUtf8Kernel(const Napi::CallbackInfo& info) { return args::SelectKernel(info, Utf8KernelTable()); }

}  // namespace

void InitJson(Napi::Env env, Napi::Object exports) {
  exports.Set("utf8Prepare", Napi::Function::New(env, Utf8Prepare, "utf8Prepare"));
  exports.Set("utf8Commit", Napi::Function::New(env, Utf8Commit, "utf8Commit"));
  exports.Set("utf8Write", Napi::Function::New(env, Utf8Write, "utf8Write"));
  exports.Set("utf8Kernel", Napi::Function::New(env, Utf8Kernel, "utf8Kernel"));
  exports.Set("utf8Kernels", Napi::Function::New(env, Utf8KernelNames, "utf8Kernels"));
  exports.Set("_setUtf8Kernel", Napi::Function::New(env, SetUtf8Kernel, "_setUtf8Kernel"));
}

}  // namespace krozen
