#pragma once
#include <napi.h>

namespace krozen {
void InitMask(Napi::Env env, Napi::Object exports);
}  // namespace krozen
