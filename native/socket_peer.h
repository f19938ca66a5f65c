#pragma once
#include <napi.h>

namespace krozen {

// Registers peerAddress(fd) on the addon: a connected socket's peer IP address as a string.
void InitSocketPeer(napi_env env, napi_value exports);

}  // namespace krozen
