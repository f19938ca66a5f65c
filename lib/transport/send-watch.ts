// settings.sendTimeout on node:http: a connection whose response bytes wait in its socket while the client
// takes none of them for that long is destroyed. A client that pipelines and never reads, or never reads a
// streamed file, would otherwise hold its answer (and the memory behind it) until the OS gives up.
// One interval timer sweeps every watched socket (no timer per write). Progress is either more bytes whose
// write finished (bytesWritten counts queued bytes too, writableLength the ones not done) or, inside one big
// write (a 10 MB body is one), fewer bytes left in libuv's queue for it (the handle's writeQueueSize): a slow
// but moving download is never cut. Precise to one sweep (a quarter of the timeout, 50 ms–1 s).
// The kernel sets the pace of what is seen: a receiver reopens its TCP window in steps (on loopback about
// 1.5 MB with the buffers autotuned), so a client must read about that much per timeout to show progress.
import type { Socket } from 'node:net';

const kSent = Symbol('krozen.sentBytes');
const kQueued = Symbol('krozen.queuedInLibuv');
const kSince = Symbol('krozen.sendStalledSince');
type WatchedSocket = Socket & {
  [kSent]?: number;
  [kQueued]?: number;
  [kSince]?: number;
  _handle?: { writeQueueSize?: number } | null;
};

export class SendWatch {
  private readonly sockets = new Set<WatchedSocket>();
  private timer: NodeJS.Timeout | undefined;
  private readonly every: number;

  /** `timeout` ms without progress ends a connection; 0 watches nothing. */
  constructor(private readonly timeout: number) {
    this.every = Math.max(50, Math.min(1000, Math.floor(timeout / 4)));
  }

  add(socket: Socket): void {
    if (this.timeout === 0) return;
    this.sockets.add(socket);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.sweep(), this.every);
      this.timer.unref();
    }
  }

  /** The socket closed, or left HTTP (a WebSocket has its own backpressure policy). */
  delete(socket: Socket): void {
    if (!this.sockets.delete(socket)) return;
    if (this.sockets.size === 0) this.stop();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private sweep(): void {
    const now = Date.now();
    for (const socket of this.sockets) {
      const waiting = socket.writableLength;
      if (waiting === 0) {
        socket[kSince] = undefined;
        continue;
      }
      const sent = socket.bytesWritten - waiting;
      const handle = socket._handle;
      const queued = handle == null ? 0 : handle.writeQueueSize ?? 0;
      const since = socket[kSince];
      if (since === undefined || sent !== socket[kSent] || queued < (socket[kQueued] as number)) {
        socket[kSent] = sent;
        socket[kQueued] = queued;
        socket[kSince] = now;
      } else if (now - since >= this.timeout) {
        this.delete(socket);
        socket.destroy();
      }
    }
  }
}
