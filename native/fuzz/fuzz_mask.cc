// libFuzzer target: every mask kernel this CPU has (mask_kernels.cc, no Node-API) against the definition
// dst[i] = src[i] ^ key[(phase + i) & 3], at the input's length and at every alignment the input picks,
// out of place and in place. Buffers are heap blocks of exactly the bytes a kernel may touch, so ASan
// reports any read or write one byte past them. Built and run by scripts/native-fuzz.sh.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "../mask_kernels.h"

using krozen::MaskKernelTable;
using krozen::RotateKey;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 6) return 0;
  uint8_t key_bytes[4];
  std::memcpy(key_bytes, data, 4);
  const size_t phase = data[4] & 3;
  const size_t align = (data[5] >> 2) & 63;  // where the range starts inside its block
  data += 6;
  size -= 6;

  uint32_t key;
  std::memcpy(&key, key_bytes, 4);  // memory order, as the glue passes it
  const uint32_t rotated = RotateKey(key, phase);

  std::vector<uint8_t> want(size);
  for (size_t i = 0; i < size; ++i) want[i] = data[i] ^ key_bytes[(phase + i) & 3];

  auto& table = MaskKernelTable();
  for (int k = 0; k < table.Count(); ++k) {
    const auto& kernels = table.At(k);
    // Exact-size blocks: the range ends at the block's end.
    uint8_t* src = static_cast<uint8_t*>(std::malloc(align + size + 1));
    uint8_t* dst = static_cast<uint8_t*>(std::malloc(align + size + 1));
    std::memcpy(src + align, data, size);
    kernels.xor_bytes(dst + align, src + align, size, rotated);
    if (size > 0 && std::memcmp(dst + align, want.data(), size) != 0) std::abort();
    kernels.xor_bytes(src + align, src + align, size, rotated);  // in place
    if (size > 0 && std::memcmp(src + align, want.data(), size) != 0) std::abort();
    std::free(src);
    std::free(dst);
    // And with the block ending exactly at the range (no spare byte).
    uint8_t* tight = static_cast<uint8_t*>(std::malloc(size == 0 ? 1 : size));
    std::memcpy(tight, data, size);
    kernels.xor_bytes(tight, tight, size, rotated);
    if (size > 0 && std::memcmp(tight, want.data(), size) != 0) std::abort();
    std::free(tight);
  }
  return 0;
}
