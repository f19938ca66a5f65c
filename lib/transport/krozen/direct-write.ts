// Direct response writes: with the addon, a whole response (head and body) goes onto the socket's file
// descriptor in one native call (native/socket_write.cc) instead of through the socket's Writable stream
// (a WriteWrap and after-write ticks per response). Measured, the saving is small: the send syscall itself
// is most of a response's write cost either way. Only when nothing is queued on the socket (so nothing can
// be overtaken); what the kernel does not take at once goes through socket.write(), which from then on
// keeps the order. Without the addon, on platforms whose sockets have no fd (Windows), or with
// KROZEN_DIRECT_WRITE=0, responses go through socket.write() as before: the same bytes.
import type { HttpSocket } from '../http-socket';
import { TLSSocket } from 'node:tls';
import { native } from '../../backend/load';

type WriteResponse = (fd: number, head: string, body: string | Uint8Array | null) => number;

/** The addon's writer, where this platform's sockets have fds. */
const nativeWrite: WriteResponse | null =
  native !== null && typeof native.writeResponse === 'function' && process.platform !== 'win32'
    ? (native.writeResponse as WriteResponse)
    : null;
let writeResponse: WriteResponse | null = process.env.KROZEN_DIRECT_WRITE === '0' ? null : nativeWrite;

/** How direct writes went since start (tests check that each path ran). */
export const directWriteCounts = { whole: 0, partial: 0, declined: 0 };

/** Whether connections opened now write directly (tests compare both paths). */
export function directWriteActive(): boolean {
  return writeResponse !== null;
}

/** The addon's fd writer as it stands now (null: off, no addon, or no fds here): raw-socket.ts sends frames with it. */
export function fdWriter(): WriteResponse | null {
  return writeResponse;
}

/** Turns direct writes off (or back on, when the addon has them) for connections opened from now on. */
export function setDirectWrite(on: boolean): void {
  writeResponse = on ? nativeWrite : null;
}

/**
 * Whether `socket` can be written directly at all (a plain TCP socket with an fd, the addon loaded). Never a
 * TLSSocket: its handle has the TCP fd too, and plaintext written there would bypass the encryption.
 */
export function canWriteDirect(socket: HttpSocket): boolean {
  return writeResponse !== null && !(socket instanceof TLSSocket) && fdOf(socket) !== -1;
}

/**
 * The socket's descriptor now, or -1. Read at every write, never kept: destroy() closes the fd at once (its
 * 'close' event comes later), and the number can be reused by the next accepted connection before that
 * event, so a kept number could write one client's response to another.
 */
function fdOf(socket: HttpSocket): number {
  if (socket.destroyed) return -1;
  const handle = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle;
  if (handle === null || typeof handle !== 'object') return -1;
  const fd = handle.fd;
  return typeof fd === 'number' && Number.isInteger(fd) && fd >= 0 ? fd : -1;
}

/**
 * Writes `head` (Latin-1) and `body` on `socket` through its fd when nothing is queued there; true when it did
 * (whole, or the rest handed to socket.write), false when the caller must write it the ordinary way.
 */
export function writeDirect(socket: HttpSocket, head: string, body: string | Uint8Array | null): boolean {
  const write = writeResponse;
  if (write === null || socket.writableLength !== 0 || socket.writableCorked !== 0 || socket.writableEnded)
    return false;
  const fd = fdOf(socket);
  if (fd === -1) return false;
  const sent = write(fd, head, body);
  if (sent === -1) {
    directWriteCounts.whole++;
    return true;
  }
  if (sent === 0) {
    directWriteCounts.declined++;
    return false;
  }
  directWriteCounts.partial++;
  // The kernel took part of it: the rest goes behind it through the stream (rare: a full socket buffer).
  const headBytes = Buffer.from(head, 'latin1');
  const all =
    body === null ? headBytes : Buffer.concat([headBytes, typeof body === 'string' ? Buffer.from(body) : body]);
  socket.write(all.subarray(sent));
  return true;
}
