// Registers the addon's exports; each hot path lives in its own file.
#include <napi.h>

#include "http_head.h"
#include "json.h"
#include "mask.h"
#include "socket_peer.h"
#include "socket_write.h"
#include "ws_accept.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  krozen::InitMask(env, exports);
  krozen::InitJson(env, exports);
  krozen::InitHttpHead(env, exports);
  krozen::InitSocketWrite(env, exports);
  krozen::InitSocketPeer(env, exports);
  krozen::InitWsAccept(env, exports);
  return exports;
}

NODE_API_MODULE(krozen, Init)
