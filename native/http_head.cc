// HTTP request heads, the Node-API side: one call per head scans buf[start, end) into a Uint32Array the
// caller reuses (http_head_kernels.cc does the work; lib/transport/krozen/parser-native.ts builds the
// head from the offsets). Every range is checked here and answered with a code, never a throw: the
// caller is the transport's read path, which has no use for an exception. Only a wrong argument type
// (a programming error) throws a TypeError.
#include "http_head.h"

#include <cmath>

#include "args.h"
#include "http_head_kernels.h"

namespace krozen {
namespace {

// A non-negative integer up to `hi`, else false (NaN, fractions, negatives, non-numbers).
bool GetCount(napi_env env, napi_value value, double hi, size_t* out) {
  double d;
  if (napi_get_value_double(env, value, &d) != napi_ok) return false;
  if (!(d >= 0 && d <= hi) || d != std::floor(d)) return false;
  *out = static_cast<size_t>(d);
  return true;
}

napi_value Number(napi_env env, int32_t n) {
  napi_value result;
  return napi_create_int32(env, n, &result) == napi_ok ? result : nullptr;
}

// The arguments both entry points take: (buf, start, end, out, maxUrlLength, maxHeaderCount).
struct ScanArgs {
  const uint8_t* data;  // buf + start
  size_t length;        // end - start
  size_t start;
  size_t max_url;
  size_t max_fields;
  uint32_t* out;  // null when detached
  size_t out_length;
};

constexpr int32_t kArgsThrown = 1;  // a TypeError is pending (a programming error)

// Reads the arguments into `a`: 0, kArgsThrown, or kHeadBadRange (start/end outside the buffer, a limit that is
// not a count). `out` is read before the ranges are judged, so a.out / a.out_length are set unless thrown.
int32_t ReadScanArgs(napi_env env, napi_callback_info info, ScanArgs* a) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return kArgsThrown;
  args::Bytes buf;
  if (!args::GetBytes(env, argv[0], "buf must be a Uint8Array", &buf)) return kArgsThrown;
  napi_typedarray_type type;
  void* out_data = nullptr;
  a->out_length = 0;
  if (napi_get_typedarray_info(env, argv[3], &type, &a->out_length, &out_data, nullptr, nullptr) != napi_ok ||
      type != napi_uint32_array) {
    args::ThrowType(env, "out must be a Uint32Array");
    return kArgsThrown;
  }
  if (out_data == nullptr) a->out_length = 0;  // detached
  a->out = static_cast<uint32_t*>(out_data);
  size_t end;
  if (!GetCount(env, argv[1], UINT32_MAX, &a->start) || !GetCount(env, argv[2], UINT32_MAX, &end) || a->start > end ||
      end > buf.length) {
    return kHeadBadRange;
  }
  if (!GetCount(env, argv[4], 9007199254740991.0, &a->max_url) ||
      !GetCount(env, argv[5], 9007199254740991.0, &a->max_fields)) {
    return kHeadBadRange;
  }
  a->data = buf.data == nullptr ? reinterpret_cast<const uint8_t*>("") : buf.data + a->start;
  a->length = end - a->start;
  return 0;
}

int32_t Scan(const ScanArgs& a, uint32_t* out, size_t out_length) {
  return ScanHead(HttpHeadKernelTable().Current(), a.data, a.length, static_cast<uint32_t>(a.start), a.max_url,
                  a.max_fields, out, out_length);
}

// scanHead(buf, start, end, out, maxUrlLength, maxHeaderCount) -> field count, or a negative code
// (http_head_kernels.h: HttpHeadError). Offsets in `out` index `buf`.
napi_value ScanHeadEntry(napi_env env, napi_callback_info info) {
  ScanArgs a;
  int32_t status = ReadScanArgs(env, info, &a);
  if (status == kArgsThrown) return nullptr;
  if (status != 0) return Number(env, status);
  return Number(env, Scan(a, a.out, a.out_length));
}

// scanHeadText(buf, start, end, out, maxUrlLength, maxHeaderCount) -> buf[start, end) as a Latin-1 string,
// with the scan's result in out[0] (the field count, or a field-line code <= -10) and the offsets from out[1];
// or a negative number (a request-line code, or kHeadOutTooSmall / kHeadBadRange) and no string. One call
// where scanHead and Buffer#latin1Slice were two (a Node-API call is ~1,600 instructions a request).
napi_value ScanHeadTextEntry(napi_env env, napi_callback_info info) {
  ScanArgs a;
  int32_t status = ReadScanArgs(env, info, &a);
  if (status == kArgsThrown) return nullptr;
  if (a.out_length == 0) return Number(env, kHeadOutTooSmall);  // no room for the count
  if (status != 0) return Number(env, status);
  int32_t count = Scan(a, a.out + 1, a.out_length - 1);
  if (count < 0 && count > kHeadBadHeader) return Number(env, count);
  if (count == kHeadOutTooSmall || count == kHeadBadRange) return Number(env, count);
  a.out[0] = static_cast<uint32_t>(count);
  napi_value text;
  if (napi_create_string_latin1(env, reinterpret_cast<const char*>(a.data), a.length, &text) != napi_ok) return nullptr;
  return text;
}

// ---- kernel introspection (tests and benchmarks) ------------------------------------------

Napi::Value HttpHeadKernel(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), HttpHeadKernelTable().Current().name);
}

Napi::Value HttpHeadKernelNames(const Napi::CallbackInfo& info) {
  return args::KernelNames(info.Env(), HttpHeadKernelTable());
}

// _setHttpHeadKernel(name): forces one scan kernel process-wide; returns its name.
Napi::Value SetHttpHeadKernel(const Napi::CallbackInfo& info) {
  return args::SelectKernel(info, HttpHeadKernelTable());
}

}  // namespace

void InitHttpHead(Napi::Env env, Napi::Object exports) {
  args::Export(env, exports, "scanHead", ScanHeadEntry);
  args::Export(env, exports, "scanHeadText", ScanHeadTextEntry);
  exports.Set("httpHeadKernel", Napi::Function::New(env, HttpHeadKernel, "httpHeadKernel"));
  exports.Set("httpHeadKernels", Napi::Function::New(env, HttpHeadKernelNames, "httpHeadKernels"));
  exports.Set("_setHttpHeadKernel", Napi::Function::New(env, SetHttpHeadKernel, "_setHttpHeadKernel"));
}

}  // namespace krozen
