#pragma once
#include <napi.h>

namespace krozen {

// Registers scanHead (one call per request head), httpHeadKernel(), httpHeadKernels() and
// _setHttpHeadKernel on the addon.
void InitHttpHead(Napi::Env env, Napi::Object exports);

}  // namespace krozen
