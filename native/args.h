// Argument checks and small Node-API helpers shared by the glue files (mask.cc, json.cc).
// Exceptions are off: a check throws the JS error, returns false, and the caller returns at once.
// Every message is passed in, so each entry point keeps the exact words of its JS twin.
#pragma once
#include <napi.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

namespace krozen {
namespace args {

// Throws a TypeError (wrong kind of value) or a RangeError (right kind, bad value). Returns false.
inline bool ThrowType(napi_env env, const char* message) {
  napi_throw_type_error(env, nullptr, message);
  return false;
}
inline bool ThrowRange(napi_env env, const char* message) {
  napi_throw_range_error(env, nullptr, message);
  return false;
}

struct Bytes {
  uint8_t* data;  // nullptr when length is 0
  size_t length;
};

// A Uint8Array (Buffer included), else TypeError(not_bytes). Views on a SharedArrayBuffer are accepted,
// as Node's own Buffer methods accept them: the kernels touch only bytes inside the view, and a
// SharedArrayBuffer can grow but never shrink, so no bound checked here can move during the call.
// A detached buffer reports length 0 (and may report a null data pointer): it is read as empty.
inline bool GetBytes(napi_env env, napi_value value, const char* not_bytes, Bytes* out) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, value, &type, &length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_uint8_array) {
    return ThrowType(env, not_bytes);
  }
  if (length == 0 || data == nullptr) {
    out->data = nullptr;
    out->length = 0;
  } else {
    out->data = static_cast<uint8_t*>(data);
    out->length = length;
  }
  return true;
}

// An integer in [lo, hi]. A non-number is TypeError(not_number); NaN, fractions and out-of-range values
// (negative, huge, > 2^53) are RangeError(out_of_range). Compared as doubles before any conversion.
inline bool GetIndex(napi_env env, napi_value value, size_t lo, size_t hi, const char* not_number,
                     const char* out_of_range, size_t* out) {
  double d;
  if (napi_get_value_double(env, value, &d) != napi_ok) return ThrowType(env, not_number);
  if (!(d >= static_cast<double>(lo) && d <= static_cast<double>(hi)) || d != std::floor(d)) {
    return ThrowRange(env, out_of_range);
  }
  *out = static_cast<size_t>(d);
  return true;
}

inline bool IsUndefined(napi_env env, napi_value value) {
  napi_valuetype type;
  return napi_typeof(env, value, &type) == napi_ok && type == napi_undefined;
}

// An optional flag: undefined is false; a boolean is itself; anything else is TypeError(not_boolean).
inline bool GetOptionalBool(napi_env env, napi_value value, const char* not_boolean, bool* out) {
  *out = false;
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok) return ThrowType(env, not_boolean);
  if (type == napi_undefined) return true;
  if (type != napi_boolean || napi_get_value_bool(env, value, out) != napi_ok) return ThrowType(env, not_boolean);
  return true;
}

// A string argument, else TypeError(not_string). `value` is left as is; the caller reads it.
inline bool CheckString(napi_env env, napi_value value, const char* not_string) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_string) return ThrowType(env, not_string);
  return true;
}

// Adds a plain Node-API function (the cheapest call: no C++ wrapper per call) to `exports`.
inline void Export(napi_env env, napi_value exports, const char* name, napi_callback fn) {
  napi_value function;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, nullptr, &function) == napi_ok) {
    napi_set_named_property(env, exports, name, function);
  }
}

// The names of a KernelTable (dispatch.h), best first, as a JS array.
template <typename Table>
Napi::Value KernelNames(Napi::Env env, const Table& table) {
  Napi::Array names = Napi::Array::New(env, static_cast<size_t>(table.Count()));
  for (int i = 0; i < table.Count(); ++i) {
    names.Set(static_cast<uint32_t>(i), Napi::String::New(env, table.At(i).name));
  }
  return names;
}

// _set<Name>Kernel(name): selects a kernel of a KernelTable by name, process-wide (tests and benchmarks).
// Returns the new name; a non-string is TypeError, a name this CPU has no kernel for RangeError.
template <typename Table>
Napi::Value SelectKernel(const Napi::CallbackInfo& info, Table& table) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    ThrowType(env, "kernel must be a string");
    return env.Undefined();
  }
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  // A name with a NUL inside names no kernel (Select compares C strings).
  if (name.find('\0') != std::string::npos || table.Select(name.c_str()) < 0) {
    ThrowRange(env, "kernel not available on this CPU");
    return env.Undefined();
  }
  return Napi::String::New(env, table.Current().name);
}

}  // namespace args
}  // namespace krozen
