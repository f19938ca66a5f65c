// Direct response writes for the krozen HTTP transport: one Node-API call puts a whole response (head, and
// a body string or bytes) on a TCP socket with one sendmsg(), instead of a trip through the socket's
// Writable stream, a WriteWrap and the after-write ticks per response (measured: a small saving; the syscall
// itself is most of the cost either way). JS calls it only when nothing is queued on the socket, so the bytes cannot
// overtake earlier ones; whatever the kernel does not take now JS hands to socket.write() (which then owns
// ordering until its queue drains). The JS path without the addon writes the same bytes with socket.write.
//
// Platforms without POSIX sockets (Windows: libuv's handles have no fd) write nothing here; JS falls back.
#include "socket_write.h"

#include <cstdint>
#include <cstring>
#include <new>

#include "args.h"

#ifndef _WIN32
#include <errno.h>
#include <sys/socket.h>
#include <sys/uio.h>
#endif

namespace krozen {
namespace {

// The head and a string body are copied out of V8 into this buffer (a response that does not fit is left to
// JS). 64 KiB: a JSON response of that size is already past where a second copy matters.
// Allocated on a thread's first response (worker threads each have their own), never freed.
constexpr size_t kStageBytes = 64 * 1024;
thread_local uint8_t* stage = nullptr;

constexpr const char* kNotFd = "fd must be a non-negative integer";
constexpr const char* kNotHead = "head must be a string";
constexpr const char* kNotBody = "body must be a string, a Uint8Array or null";

#ifndef _WIN32
#ifdef MSG_NOSIGNAL
constexpr int kSendFlags = MSG_NOSIGNAL | MSG_DONTWAIT;
#else
constexpr int kSendFlags = MSG_DONTWAIT;  // macOS: Node ignores SIGPIPE process-wide
#endif

// Sends iov[0..count) until done, the kernel buffer is full (EAGAIN) or an error; returns the bytes sent.
// An error is not reported: JS writes the rest through the socket, which then reports it its own way.
size_t SendAll(int fd, struct iovec* iov, int count) {
  size_t sent = 0;
  while (count > 0) {
    struct msghdr msg;
    std::memset(&msg, 0, sizeof msg);
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<decltype(msg.msg_iovlen)>(count);
    ssize_t n = sendmsg(fd, &msg, kSendFlags);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    size_t left = static_cast<size_t>(n);
    sent += left;
    while (count > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<uint8_t*>(iov->iov_base) + left;
      iov->iov_len -= left;
    }
  }
  return sent;
}
#endif

napi_value Number(napi_env env, double value) {
  napi_value out = nullptr;
  napi_create_double(env, value, &out);
  return out;
}

// writeResponse(fd, head, body): -1 when every byte went out; else how many did (0: nothing, including
// "not handled here": a response too big to stage, or a platform without fds). `head` is written as Latin-1
// (header bytes), a string body as UTF-8 (lone surrogates as U+FFFD, as Buffer.from does), bytes as they are.
napi_value WriteResponse(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 3) {
    args::ThrowType(env, kNotFd);
    return nullptr;
  }
  size_t fd = 0;
  if (!args::GetIndex(env, argv[0], 0, INT32_MAX, kNotFd, kNotFd, &fd)) return nullptr;
  if (!args::CheckString(env, argv[1], kNotHead)) return nullptr;
  napi_valuetype bodyType;
  if (napi_typeof(env, argv[2], &bodyType) != napi_ok) {
    args::ThrowType(env, kNotBody);
    return nullptr;
  }
  args::Bytes bytes{nullptr, 0};
  if (bodyType == napi_object) {
    if (!args::GetBytes(env, argv[2], kNotBody, &bytes)) return nullptr;
  } else if (bodyType != napi_string && bodyType != napi_null && bodyType != napi_undefined) {
    args::ThrowType(env, kNotBody);
    return nullptr;
  }
#ifdef _WIN32
  (void)fd;
  return Number(env, 0);
#else
  if (stage == nullptr) {
    stage = new (std::nothrow) uint8_t[kStageBytes];
    if (stage == nullptr) return Number(env, 0);
  }
  // Node-API writes at most size - 1 units and a NUL: a length below that limit means the whole head fit.
  size_t headLength = 0;
  if (napi_get_value_string_latin1(env, argv[1], reinterpret_cast<char*>(stage), kStageBytes, &headLength) != napi_ok ||
      headLength + 1 >= kStageBytes) {
    return Number(env, 0);
  }
  struct iovec iov[2];
  int count = 1;
  iov[0].iov_base = stage;
  iov[0].iov_len = headLength;
  if (bodyType == napi_string) {
    size_t room = kStageBytes - headLength;
    size_t bodyLength = 0;
    // V8 writes whole characters only: with fewer than 4 bytes (the longest UTF-8 sequence) + the NUL of
    // room left unused, the text may have been cut, and the response is left to JS.
    if (napi_get_value_string_utf8(env, argv[2], reinterpret_cast<char*>(stage + headLength), room, &bodyLength) !=
            napi_ok ||
        bodyLength + 5 > room) {
      return Number(env, 0);
    }
    iov[0].iov_len = headLength + bodyLength;
  } else if (bytes.length > 0) {
    iov[1].iov_base = bytes.data;
    iov[1].iov_len = bytes.length;
    count = 2;
  }
  size_t total = iov[0].iov_len + (count == 2 ? iov[1].iov_len : 0);
  size_t sent = SendAll(static_cast<int>(fd), iov, count);
  return Number(env, sent == total ? -1 : static_cast<double>(sent));
#endif
}

}  // namespace

void InitSocketWrite(napi_env env, napi_value exports) { args::Export(env, exports, "writeResponse", WriteResponse); }

}  // namespace krozen
