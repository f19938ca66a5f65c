// WebSocket XOR masking kernels (RFC 6455 5.3), with no Node-API: mask.cc is their JS glue, and a
// fuzzer or benchmark can link mask_kernels.cc alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "cpu.h"
#include "dispatch.h"

namespace krozen {

// dst[i] = src[i] ^ key[i & 3] for i < n, where `key` holds the 4 mask bytes in memory order,
// already rotated to the phase of src[0]. dst == src (in place) is allowed; partial overlap is not.
using XorKernel = void (*)(uint8_t* dst, const uint8_t* src, size_t n, uint32_t key);

struct MaskKernels {
  const char* name;  // 'avx2' | 'sse2' | 'neon' | 'scalar': getBackends().mask is 'native-' + name
  XorKernel xor_bytes;
};

// The kernels this CPU can run, best first (process-wide).
KernelTable<MaskKernels>& MaskKernelTable();

// Rotates the memory-order key so that its byte 0 is mask byte `phase` (0..3).
inline uint32_t RotateKey(uint32_t key, size_t phase) {
  const unsigned shift = static_cast<unsigned>(phase & 3) * 8;
  if (shift == 0) return key;
#if KROZEN_LITTLE_ENDIAN
  return (key >> shift) | (key << (32 - shift));  // byte 0 is the low byte
#else
  uint8_t in[4], out[4];
  std::memcpy(in, &key, 4);
  for (size_t i = 0; i < 4; ++i) out[i] = in[(phase + i) & 3];
  uint32_t rotated;
  std::memcpy(&rotated, out, 4);
  return rotated;
#endif
}

}  // namespace krozen
