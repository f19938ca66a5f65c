// libFuzzer target: every HTTP head scan kernel this CPU has (http_head_kernels.cc, no Node-API) must
// give the scalar kernel's answer — the count or error code and every offset written — on the input's
// bytes, with limits the input picks. The head is a heap block of exactly its bytes and `out` of exactly
// the slots allowed, so ASan reports any read past the head or write past `out`. Built and run by
// scripts/native-fuzz.sh.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "../http_head_kernels.h"

using krozen::HttpHeadKernelTable;
using krozen::HttpHeadOutLength;
using krozen::ScanHead;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const size_t max_url = data[0];                       // 0..255: the 414 check at every length
  const size_t max_fields = data[1] & 31;               // 0..31: the 431 check
  const uint32_t base = data[2] & 1 ? 0xfffff000u : 0;  // offsets near 2^32 (the range check)
  data += 3;
  size -= 3;

  auto& table = HttpHeadKernelTable();
  const size_t slots = HttpHeadOutLength(max_fields);
  std::vector<uint32_t> want(slots, 0xdeadbeef);
  int32_t want_count = 0;
  for (int k = table.Count() - 1; k >= 0; --k) {  // the scalar kernel (listed last) first
    uint8_t* head = static_cast<uint8_t*>(std::malloc(size == 0 ? 1 : size));
    if (size > 0) std::memcpy(head, data, size);
    uint32_t* out = static_cast<uint32_t*>(std::malloc(slots * sizeof(uint32_t)));
    for (size_t i = 0; i < slots; ++i) out[i] = 0xdeadbeef;
    const int32_t count = ScanHead(table.At(k), head, size, base, max_url, max_fields, out, slots);
    if (count > static_cast<int32_t>(max_fields)) std::abort();
    if (k == table.Count() - 1) {
      want_count = count;
      std::memcpy(want.data(), out, slots * sizeof(uint32_t));
    } else if (count != want_count || std::memcmp(want.data(), out, slots * sizeof(uint32_t)) != 0) {
      std::abort();
    }
    // Every offset written lies inside the head, in order.
    if (count >= 0) {
      const size_t used = 4 + 4 * static_cast<size_t>(count);
      for (size_t i = 0; i < used; ++i) {
        if (i == 3) continue;  // the minor version
        if (out[i] < base || out[i] - base > size) std::abort();
        if (i > 0 && out[i] < out[i == 4 ? 2 : i - 1]) std::abort();
      }
    }
    // A short `out` is refused before anything is written.
    if (slots > 0) {
      const int32_t short_result = ScanHead(table.At(k), head, size, base, max_url, max_fields, out, slots - 1);
      if (short_result != krozen::kHeadOutTooSmall) std::abort();
    }
    std::free(out);
    std::free(head);
  }
  return 0;
}
