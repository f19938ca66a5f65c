#pragma once
#include <napi.h>

namespace krozen {
void InitJson(Napi::Env env, Napi::Object exports);
}  // namespace krozen
