// UTF-16 / Latin-1 text -> UTF-8 bytes, with no Node-API (json.cc is the glue). Every function writes
// exactly what Buffer.from(text) writes: lone surrogates become U+FFFD (EF BF BD).
#pragma once

#include <cstddef>
#include <cstdint>

#include "dispatch.h"

namespace krozen {

// One kernel set; every function of it gives the same bytes as the scalar one.
struct Utf8Kernels {
  const char* name;  // 'avx2' | 'sse2' | 'scalar'
  size_t (*length_of_utf16)(const char16_t* src, size_t n);
  size_t (*from_utf16)(const char16_t* src, size_t n, uint8_t* dst, size_t cap);
  size_t (*length_of_latin1)(const uint8_t* src, size_t n);
  size_t (*from_latin1)(const uint8_t* src, size_t n, uint8_t* dst, size_t cap);
};

// The kernel sets this CPU can run, best first (process-wide).
KernelTable<Utf8Kernels>& Utf8KernelTable();

// With the kernel set in use:
// UTF-8 byte length of UTF-16 text, lone surrogates counted as U+FFFD (3 bytes), like Buffer.from.
size_t Utf8LengthOfUtf16(const char16_t* src, size_t n);
// Writes the UTF-8 of src[0, n) into dst[0, cap). Never writes at or past dst + cap; returns the bytes
// written (== Utf8LengthOfUtf16 when cap suffices; a character that would not fit is not started).
size_t Utf16ToUtf8(const char16_t* src, size_t n, uint8_t* dst, size_t cap);
// The same for Latin-1 text (one byte per character, every character <= U+00FF).
size_t Utf8LengthOfLatin1(const uint8_t* src, size_t n);
size_t Latin1ToUtf8(const uint8_t* src, size_t n, uint8_t* dst, size_t cap);

}  // namespace krozen
