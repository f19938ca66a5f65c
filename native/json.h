#pragma once
#include <napi.h>

#include <cstddef>
#include <cstdint>

namespace krozen {

// Registers utf8Prepare, utf8Commit, utf8Write, utf8Kernel(), utf8Kernels() and _setUtf8Kernel on the addon.
void InitJson(Napi::Env env, Napi::Object exports);

// UTF-8 byte length of UTF-16 text, lone surrogates counted as U+FFFD (3 bytes), like Buffer.from.
size_t Utf8LengthOfUtf16(const char16_t* src, size_t n);

// Writes the UTF-8 of src[0, n) into dst[0, cap); lone surrogates become U+FFFD (EF BF BD).
// Never writes at or past dst + cap; returns the bytes written (== Utf8LengthOfUtf16 when cap suffices).
size_t Utf16ToUtf8(const char16_t* src, size_t n, uint8_t* dst, size_t cap);

}  // namespace krozen
