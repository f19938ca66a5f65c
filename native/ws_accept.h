#pragma once
#include <napi.h>

#include <cstddef>
#include <cstdint>

namespace krozen {

// SHA-1 (FIPS 180-4) of data[0, length) into digest[20].
void Sha1(const uint8_t* data, size_t length, uint8_t digest[20]);

// Registers wsAcceptKey(key) on the addon: the Sec-WebSocket-Accept value for a client's key (RFC 6455 §4.2.2).
void InitWsAccept(napi_env env, napi_value exports);

}  // namespace krozen
