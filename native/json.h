#pragma once
#include <napi.h>

namespace krozen {

// Registers utf8Prepare, utf8Commit, utf8Write, utf8Kernel(), utf8Kernels() and _setUtf8Kernel on the addon.
void InitJson(Napi::Env env, Napi::Object exports);

}  // namespace krozen
