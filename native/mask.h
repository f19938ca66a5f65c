#pragma once
#include <napi.h>

#include <cstddef>
#include <cstdint>

namespace krozen {

// Registers on the addon: mask, unmask, unmaskFrom (mask as a 4-byte Uint8Array, bufferutil's
// contract); maskWord, unmaskWord, unmaskFromWord (the same with the mask as one number, mask[0]
// in the low byte: the dispatcher's cheaper call); maskKernel, maskKernels, _setMaskKernel.
void InitMask(Napi::Env env, Napi::Object exports);

// dst[i] = src[i] ^ key[i & 3] for i < n, where `key` holds the 4 mask bytes in memory order,
// already rotated to the phase of src[0]. dst == src (in place) is allowed; partial overlap is not.
using XorKernel = void (*)(uint8_t* dst, const uint8_t* src, size_t n, uint32_t key);

}  // namespace krozen
