// How far a socket's sending has got, for settings.sendTimeout: a response that makes no progress for that
// long ends its connection (both transports: the krozen transport's sweep, ./send-watch.ts on node:http).
// Progress is bytes the kernel accepted, which grows while a client reads, even in the middle of one large
// write (a 50 MB body is one write: its completion alone would come too late). The kernel sets the pace of
// what is seen: a receiver reopens its TCP window in steps (on loopback about 1.5 MB with autotuned buffers),
// so a client must read about that much per timeout to show progress.
// A TLSSocket's handle (TLSWrap) takes plaintext and hands ciphertext to the TCP handle below it (`_parent`):
// the TLSWrap's writeQueueSize is not updated while one write drains, so its progress is read on the TCP
// handle (ciphertext bytes, which grow as the client reads; a 64 MB write is otherwise one step).
import type { HttpSocket } from './http-socket';

/** A libuv stream handle's counters (StreamBase: bytesWritten; LibuvStreamWrap: writeQueueSize). */
interface HandleCounters {
  bytesWritten?: unknown;
  writeQueueSize?: unknown;
  /** Under a TLSWrap: the stream carrying its ciphertext (the TCP handle). */
  _parent?: HandleCounters | null;
}

interface SendCounters {
  /** Bytes handed to libuv so far (net.Socket's own count). */
  _bytesDispatched?: unknown;
  _handle?: HandleCounters | null;
  encrypted?: unknown;
}

/** The TCP handle under a TLS socket's TLSWrap, when its counters are readable. */
function cipherHandle(s: SendCounters): HandleCounters | undefined {
  if (s.encrypted !== true) return undefined;
  const parent = s._handle?._parent;
  if (parent === null || parent === undefined) return undefined;
  return typeof parent.bytesWritten === 'number' && typeof parent.writeQueueSize === 'number' ? parent : undefined;
}

/** Bytes of `socket`'s writes the kernel took so far: only grows; equal between two looks = no progress. */
export function bytesSent(socket: HttpSocket): number {
  const s = socket as unknown as SendCounters;
  const cipher = cipherHandle(s);
  if (cipher !== undefined) return (cipher.bytesWritten as number) - (cipher.writeQueueSize as number);
  const dispatched = s._bytesDispatched;
  const handle = s._handle;
  const queued = handle === null || handle === undefined ? undefined : handle.writeQueueSize;
  if (typeof dispatched === 'number' && typeof queued === 'number') return dispatched - queued;
  // Without the internals: bytes of whole writes completed (progress shows once per write).
  return socket.bytesWritten - socket.writableLength;
}

/** Whether bytes wait to be sent on `socket` (in the stream or in libuv's queue). */
export function sendPending(socket: HttpSocket): boolean {
  if (socket.writableLength !== 0) return true;
  const s = socket as unknown as SendCounters;
  const handle = s._handle;
  const queued = handle === null || handle === undefined ? undefined : handle.writeQueueSize;
  if (typeof queued === 'number' && queued > 0) return true;
  const cipher = cipherHandle(s);
  return cipher !== undefined && (cipher.writeQueueSize as number) > 0;
}

/**
 * Tracks one connection's send progress across looks by a periodic sweep (no timer or listener per write):
 * `stalled(now, limit)` is true once bytes have waited with none sent for more than `limit` ms.
 */
export class SendProgress {
  private sent = 0;
  private since = 0;

  stalled(socket: HttpSocket, now: number, limit: number): boolean {
    if (!sendPending(socket)) {
      this.since = 0;
      return false;
    }
    const sent = bytesSent(socket);
    if (this.since === 0 || sent !== this.sent) {
      this.sent = sent;
      this.since = now;
      return false;
    }
    return now - this.since > limit;
  }
}
