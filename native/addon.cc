// Registers the addon's exports; each hot path lives in its own file.
#include <napi.h>

#include "json.h"
#include "mask.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  krozen::InitMask(env, exports);
  krozen::InitJson(env, exports);
  return exports;
}

NODE_API_MODULE(krozen, Init)
