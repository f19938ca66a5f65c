// HTTP/1.1 request-head scanning (RFC 9112 §3, §5), with no Node-API: http_head.cc is its JS glue, and a
// fuzzer or benchmark can link http_head_kernels.cc alone. The scan finds the delimiters of one complete
// head and checks every byte class exactly as lib/transport/krozen/parser.ts does; the framing rules
// (Host, Content-Length, Transfer-Encoding, Connection, Expect, target forms) stay in JS, shared by both
// parsers (lib/transport/krozen/head-rules.ts).
#pragma once

#include <cstddef>
#include <cstdint>

#include "cpu.h"
#include "dispatch.h"

namespace krozen {

// First index in [i, n) whose byte is not in the class, or n. One per byte class:
//   token  = tchar (RFC 9110 §5.6.2): method and field names;
//   target = visible ASCII 0x21..0x7E: the request-target;
//   value  = field-value bytes: HTAB, SP, VCHAR, obs-text (0x80..0xFF); DEL and other CTLs are not.
using ClassScan = size_t (*)(const uint8_t* d, size_t i, size_t n);

struct HttpHeadKernels {
  const char* name;  // 'avx2' | 'sse2' | 'neon' | 'scalar'
  ClassScan token;
  ClassScan target;
  ClassScan value;
};

// The kernels this CPU can run, best first (process-wide).
KernelTable<HttpHeadKernels>& HttpHeadKernelTable();

// Result codes of ScanHead below 0. The request-line codes leave `out` unwritten; the field-line codes
// come with out[0..3] (the request line) written, because parser.ts judges the request-target's form
// (JS) before any field line. Each maps to one HeadError of parser.ts (parser-native.ts has the table).
enum HttpHeadError : int32_t {
  kHeadBadRequestLine = -1,
  kHeadBadMethod = -2,
  kHeadUriTooLong = -3,
  kHeadBadTarget = -4,
  kHeadBadVersion = -5,
  kHeadVersionNotSupported = -6,
  kHeadBadHeader = -10,
  kHeadObsFold = -11,
  kHeadBadHeaderName = -12,
  kHeadTooManyHeaders = -13,
  kHeadBadHeaderValue = -14,
  kHeadOutTooSmall = -20,  // `out` has fewer than HttpHeadOutLength(max_fields) slots
  kHeadBadRange = -21,     // the glue's: start/end outside the buffer, or offsets past 2^32 - 1
};

// Slots `out` needs: sp1, sp2, line end, minor version, then 4 per field.
constexpr size_t kHeadLineSlots = 4;
constexpr size_t kHeadFieldSlots = 4;
inline size_t HttpHeadOutLength(size_t max_fields) { return kHeadLineSlots + kHeadFieldSlots * max_fields; }

// Scans d[0, n): the request line and field lines, each ending CRLF, the blank line excluded (what
// parser.ts's parseHead is given). Offsets written to `out` are base + index into d:
//   out[0] = first SP, out[1] = second SP, out[2] = the request line's CR, out[3] = minor version (0 | 1),
//   then per field f: out[4+4f] name start, [5+4f] name end, [6+4f] value start, [7+4f] value end
//   (value with OWS trimmed). Returns the field count, or an HttpHeadError.
// A target longer than max_url bytes is kHeadUriTooLong; field max_fields + 1 is kHeadTooManyHeaders.
int32_t ScanHead(const HttpHeadKernels& kernels, const uint8_t* d, size_t n, uint32_t base, size_t max_url,
                 size_t max_fields, uint32_t* out, size_t out_length);

}  // namespace krozen
