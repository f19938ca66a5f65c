// The Sec-WebSocket-Accept value of a WebSocket handshake (RFC 6455 §4.2.2): base64(SHA-1(key + GUID)).
// Node's crypto.hash() costs ~6,000 instructions a handshake here (a trip through its crypto binding, an
// EVP context, the base64 string); this is one Node-API call, two SHA-1 blocks (~1,430 instructions each)
// and 28 characters (~3,300 in all).
// SHA-1 is used as the RFC asks, not for security. The JS path (lib/ws/handshake.ts) gives the same text.
#include "ws_accept.h"

#include <cstring>

#include "args.h"

namespace krozen {
namespace {

constexpr const char kGuid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
constexpr size_t kGuidLength = sizeof kGuid - 1;
// A client's key is 24 characters (16 bytes in base64); anything far longer is refused by JS before this.
constexpr size_t kMaxKey = 256;
constexpr const char* kNotKey = "key must be a string of at most 256 Latin-1 characters";
constexpr const char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

inline uint32_t Rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

inline uint32_t LoadBe32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | static_cast<uint32_t>(p[3]);
}

// The round functions (FIPS 180-4 §4.1.1).
inline uint32_t Choose(uint32_t b, uint32_t c, uint32_t d) { return (b & c) | (~b & d); }
inline uint32_t Parity(uint32_t b, uint32_t c, uint32_t d) { return b ^ c ^ d; }
inline uint32_t Majority(uint32_t b, uint32_t c, uint32_t d) { return (b & c) | (b & d) | (c & d); }

// One round with the working variables named as they stand: e takes the new value and b is rotated, so five
// rounds in a row with the names shifted by one make the usual a..e rotation without moving any register.
template <uint32_t (*F)(uint32_t, uint32_t, uint32_t)>
inline void Round(uint32_t a, uint32_t& b, uint32_t c, uint32_t d, uint32_t& e, uint32_t k, uint32_t w) {
  e += Rotl(a, 5) + F(b, c, d) + k + w;
  b = Rotl(b, 30);
}

// W[t] for t >= 16 in a 16-word ring, in place of W[t - 16].
inline uint32_t Schedule(uint32_t w[16], int t) {
  uint32_t v = Rotl(w[(t + 13) & 15] ^ w[(t + 8) & 15] ^ w[(t + 2) & 15] ^ w[t & 15], 1);
  w[t & 15] = v;
  return v;
}

// W[t]: a loaded word for the first sixteen rounds, then the schedule.
inline uint32_t Word(uint32_t w[16], int t) { return t < 16 ? w[t] : Schedule(w, t); }

// Five rounds from round `t` (straight-line code: `t` is a constant at every call, so Word() folds).
template <uint32_t (*F)(uint32_t, uint32_t, uint32_t)>
inline void Five(uint32_t& a, uint32_t& b, uint32_t& c, uint32_t& d, uint32_t& e, uint32_t w[16], int t, uint32_t k) {
  Round<F>(a, b, c, d, e, k, Word(w, t));
  Round<F>(e, a, b, c, d, k, Word(w, t + 1));
  Round<F>(d, e, a, b, c, k, Word(w, t + 2));
  Round<F>(c, d, e, a, b, k, Word(w, t + 3));
  Round<F>(b, c, d, e, a, k, Word(w, t + 4));
}

// Twenty rounds of one function from round `first`.
template <uint32_t (*F)(uint32_t, uint32_t, uint32_t)>
inline void Rounds(uint32_t& a, uint32_t& b, uint32_t& c, uint32_t& d, uint32_t& e, uint32_t w[16], int first,
                   uint32_t k) {
  Five<F>(a, b, c, d, e, w, first, k);
  Five<F>(a, b, c, d, e, w, first + 5, k);
  Five<F>(a, b, c, d, e, w, first + 10, k);
  Five<F>(a, b, c, d, e, w, first + 15, k);
}

// One 64-byte block.
void Sha1Block(uint32_t h[5], const uint8_t block[64]) {
  uint32_t w[16];
  for (int t = 0; t < 16; ++t) w[t] = LoadBe32(block + 4 * t);
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  Rounds<Choose>(a, b, c, d, e, w, 0, 0x5A827999u);
  Rounds<Parity>(a, b, c, d, e, w, 20, 0x6ED9EBA1u);
  Rounds<Majority>(a, b, c, d, e, w, 40, 0x8F1BBCDCu);
  Rounds<Parity>(a, b, c, d, e, w, 60, 0xCA62C1D6u);
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
}

// base64 of 20 bytes: 28 characters, the last one '='.
void Base64Digest(const uint8_t digest[20], char out[28]) {
  size_t o = 0;
  size_t i = 0;
  for (; i + 3 <= 20; i += 3) {
    uint32_t v = (static_cast<uint32_t>(digest[i]) << 16) | (static_cast<uint32_t>(digest[i + 1]) << 8) | digest[i + 2];
    out[o++] = kBase64[(v >> 18) & 63];
    out[o++] = kBase64[(v >> 12) & 63];
    out[o++] = kBase64[(v >> 6) & 63];
    out[o++] = kBase64[v & 63];
  }
  // Two bytes left (20 = 6 * 3 + 2).
  uint32_t v = (static_cast<uint32_t>(digest[i]) << 16) | (static_cast<uint32_t>(digest[i + 1]) << 8);
  out[o++] = kBase64[(v >> 18) & 63];
  out[o++] = kBase64[(v >> 12) & 63];
  out[o++] = kBase64[(v >> 6) & 63];
  out[o++] = '=';
}

// wsAcceptKey(key): base64(SHA-1(key + GUID)), the key's characters taken as Latin-1 bytes.
napi_value WsAcceptKey(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 1 ||
      !args::CheckString(env, argv[0], kNotKey)) {
    if (argc < 1) args::ThrowType(env, kNotKey);
    return nullptr;
  }
  uint8_t input[kMaxKey + kGuidLength + 1];
  size_t keyLength = 0;
  // Node-API writes at most size - 1 units and a NUL: keyLength == kMaxKey + 1 means "longer than allowed".
  if (napi_get_value_string_latin1(env, argv[0], reinterpret_cast<char*>(input), kMaxKey + 2, &keyLength) != napi_ok ||
      keyLength > kMaxKey) {
    args::ThrowRange(env, kNotKey);
    return nullptr;
  }
  std::memcpy(input + keyLength, kGuid, kGuidLength);
  uint8_t digest[20];
  Sha1(input, keyLength + kGuidLength, digest);
  char text[28];
  Base64Digest(digest, text);
  napi_value result = nullptr;
  if (napi_create_string_latin1(env, text, sizeof text, &result) != napi_ok) return nullptr;
  return result;
}

}  // namespace

void Sha1(const uint8_t* data, size_t length, uint8_t digest[20]) {
  uint32_t h[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u};
  size_t whole = length / 64 * 64;
  for (size_t at = 0; at < whole; at += 64) Sha1Block(h, data + at);
  // The tail, 0x80, zeros, and the bit length (big-endian, 64 bits): one block or two.
  uint8_t last[128];
  size_t rest = length - whole;
  std::memset(last, 0, sizeof last);
  if (rest > 0) std::memcpy(last, data + whole, rest);
  last[rest] = 0x80;
  size_t blocks = rest + 1 + 8 <= 64 ? 1 : 2;
  uint64_t bits = static_cast<uint64_t>(length) * 8;
  for (int i = 0; i < 8; ++i) last[blocks * 64 - 1 - i] = static_cast<uint8_t>(bits >> (8 * i));
  for (size_t b = 0; b < blocks; ++b) Sha1Block(h, last + 64 * b);
  for (int i = 0; i < 5; ++i) {
    digest[4 * i] = static_cast<uint8_t>(h[i] >> 24);
    digest[4 * i + 1] = static_cast<uint8_t>(h[i] >> 16);
    digest[4 * i + 2] = static_cast<uint8_t>(h[i] >> 8);
    digest[4 * i + 3] = static_cast<uint8_t>(h[i]);
  }
}

void InitWsAccept(napi_env env, napi_value exports) { args::Export(env, exports, "wsAcceptKey", WsAcceptKey); }

}  // namespace krozen
