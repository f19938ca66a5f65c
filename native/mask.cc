#include "mask.h"

namespace krozen {
void InitMask(Napi::Env, Napi::Object) {}
}  // namespace krozen
