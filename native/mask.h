#pragma once
#include <napi.h>

namespace krozen {

// Registers on the addon: mask, unmask, unmaskFrom (mask as a 4-byte Uint8Array, bufferutil's
// contract); maskWord, unmaskWord, unmaskFromWord (the same with the mask as one number, mask[0]
// in the low byte: the dispatcher's cheaper call); maskKernel, maskKernels, _setMaskKernel.
void InitMask(Napi::Env env, Napi::Object exports);

}  // namespace krozen
