// libFuzzer target: every UTF-8 kernel set this CPU has (utf8.cc, no Node-API) against a reference
// encoder written here (the bytes Buffer.from writes: lone surrogates become EF BF BD). The input is read
// both as UTF-16 units and as Latin-1 bytes; outputs go into exact-size heap blocks, and into blocks cut
// short at a size the input picks (a kernel must stop before the end and write a prefix), so ASan catches
// any access past them. Built and run by scripts/native-fuzz.sh.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "../utf8.h"

using krozen::Utf8KernelTable;

namespace {

void Put(std::vector<uint8_t>& out, uint32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<uint8_t>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<uint8_t>(0xC0 | (c >> 6)));
    out.push_back(static_cast<uint8_t>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<uint8_t>(0xE0 | (c >> 12)));
    out.push_back(static_cast<uint8_t>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<uint8_t>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<uint8_t>(0xF0 | (c >> 18)));
    out.push_back(static_cast<uint8_t>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<uint8_t>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<uint8_t>(0x80 | (c & 0x3F)));
  }
}

std::vector<uint8_t> FromUtf16(const std::vector<char16_t>& s) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i < s.size(); ++i) {
    const uint32_t c = s[i];
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.size() && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) {
      Put(out, 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00));
      ++i;
    } else if (c >= 0xD800 && c <= 0xDFFF) {
      Put(out, 0xFFFD);
    } else {
      Put(out, c);
    }
  }
  return out;
}

// Writes with `cap` bytes of room (an exact heap block) and checks the result is a prefix of `want`
// made of whole characters: the bytes written, and never more than cap.
template <typename Fn>
void CheckCut(Fn write, const std::vector<uint8_t>& want, size_t cap) {
  uint8_t* block = static_cast<uint8_t*>(std::malloc(cap == 0 ? 1 : cap));
  const size_t n = write(block, cap);
  if (n > cap || n > want.size()) std::abort();
  if (n > 0 && std::memcmp(block, want.data(), n) != 0) std::abort();
  if (cap >= want.size() && n != want.size()) std::abort();
  // A cut lands between characters: the next byte, if any, starts one.
  if (n < want.size() && (want[n] & 0xC0) == 0x80) std::abort();
  std::free(block);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t cut_seed = data[0] | (static_cast<size_t>(data[1]) << 8);
  data += 2;
  size -= 2;

  // Units from pairs of bytes; the input's runs give surrogates and BMP/ASCII mixes.
  std::vector<char16_t> units(size / 2);
  for (size_t i = 0; i < units.size(); ++i) units[i] = static_cast<char16_t>(data[2 * i] | (data[2 * i + 1] << 8));
  const std::vector<uint8_t> want16 = FromUtf16(units);
  std::vector<uint8_t> want1;
  for (size_t i = 0; i < size; ++i) Put(want1, data[i]);

  auto& table = Utf8KernelTable();
  for (int k = 0; k < table.Count(); ++k) {
    const auto& kernels = table.At(k);
    // Exact-size input blocks (a kernel must not read past the text either).
    char16_t* text16 = static_cast<char16_t*>(std::malloc((units.size() + 1) * sizeof(char16_t)));
    if (!units.empty()) std::memcpy(text16, units.data(), units.size() * sizeof(char16_t));
    uint8_t* text1 = static_cast<uint8_t*>(std::malloc(size + 1));
    std::memcpy(text1, data, size);

    if (kernels.length_of_utf16(text16, units.size()) != want16.size()) std::abort();
    if (kernels.length_of_latin1(text1, size) != want1.size()) std::abort();
    auto w16 = [&](uint8_t* dst, size_t cap) { return kernels.from_utf16(text16, units.size(), dst, cap); };
    auto w1 = [&](uint8_t* dst, size_t cap) { return kernels.from_latin1(text1, size, dst, cap); };
    CheckCut(w16, want16, want16.size());
    CheckCut(w1, want1, want1.size());
    if (!want16.empty()) CheckCut(w16, want16, cut_seed % want16.size());
    if (!want1.empty()) CheckCut(w1, want1, cut_seed % want1.size());
    std::free(text16);
    std::free(text1);
  }
  return 0;
}
