// The peer address of an accepted TCP connection, for a connection on its raw handle
// (lib/transport/raw-socket.ts). Node's handle.getpeername() builds an { address, family, port } object and
// formats IPv4 through glibc's inet_ntop (a printf): ~6,800 instructions of a WebSocket handshake's ~106,000.
// Here: one getpeername() and the text written by hand (IPv4) or by inet_ntop (IPv6), the same text Node
// gives. Anything else (no fd, a scoped IPv6 address, Windows) returns undefined and JS asks the handle.
#include "socket_peer.h"

#include <cstdint>
#include <cstring>

#include "args.h"

#ifndef _WIN32
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#endif

namespace krozen {
namespace {

constexpr const char* kNotFd = "fd must be a non-negative integer";

#ifndef _WIN32
// "a.b.c.d" for the 4 bytes at `octets`; returns the length written (at most 15).
size_t FormatIpv4(const uint8_t* octets, char* out) {
  size_t n = 0;
  for (int i = 0; i < 4; ++i) {
    unsigned v = octets[i];
    if (i > 0) out[n++] = '.';
    if (v >= 100) {
      out[n++] = static_cast<char>('0' + v / 100);
      v %= 100;
      out[n++] = static_cast<char>('0' + v / 10);
      out[n++] = static_cast<char>('0' + v % 10);
    } else if (v >= 10) {
      out[n++] = static_cast<char>('0' + v / 10);
      out[n++] = static_cast<char>('0' + v % 10);
    } else {
      out[n++] = static_cast<char>('0' + v);
    }
  }
  return n;
}
#endif

// peerAddress(fd): the peer's IP address, or undefined when this cannot say (see the file's head).
napi_value PeerAddress(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 1) {
    args::ThrowType(env, kNotFd);
    return nullptr;
  }
  size_t fd = 0;
  if (!args::GetIndex(env, argv[0], 0, INT32_MAX, kNotFd, kNotFd, &fd)) return nullptr;
  napi_value result = nullptr;
#ifdef _WIN32
  (void)fd;
  napi_get_undefined(env, &result);
  return result;
#else
  struct sockaddr_storage address;
  socklen_t length = sizeof address;
  std::memset(&address, 0, sizeof address);
  char text[INET6_ADDRSTRLEN + 1];
  size_t textLength = 0;
  if (getpeername(static_cast<int>(fd), reinterpret_cast<struct sockaddr*>(&address), &length) == 0) {
    if (address.ss_family == AF_INET && length >= sizeof(struct sockaddr_in)) {
      const auto* v4 = reinterpret_cast<const struct sockaddr_in*>(&address);
      textLength = FormatIpv4(reinterpret_cast<const uint8_t*>(&v4->sin_addr.s_addr), text);
    } else if (address.ss_family == AF_INET6 && length >= sizeof(struct sockaddr_in6)) {
      const auto* v6 = reinterpret_cast<const struct sockaddr_in6*>(&address);
      // Node appends "%<scope>" to a scoped address; that case is left to the handle.
      if (v6->sin6_scope_id == 0 && inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text) != nullptr) {
        textLength = std::strlen(text);
      }
    }
  }
  if (textLength == 0 || napi_create_string_latin1(env, text, textLength, &result) != napi_ok) {
    napi_get_undefined(env, &result);
  }
  return result;
#endif
}

}  // namespace

void InitSocketPeer(napi_env env, napi_value exports) { args::Export(env, exports, "peerAddress", PeerAddress); }

}  // namespace krozen
