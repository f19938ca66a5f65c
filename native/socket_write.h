#pragma once
#include <napi.h>

namespace krozen {

// Registers writeResponse(fd, head, body) on the addon: a whole HTTP response onto a socket in one call.
void InitSocketWrite(napi_env env, napi_value exports);

}  // namespace krozen
