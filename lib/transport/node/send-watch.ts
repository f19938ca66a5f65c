// settings.sendTimeout on node:http: a connection whose response bytes wait in its socket while the client
// takes none of them for that long is destroyed. A client that pipelines and never reads, or never reads a
// streamed file, would otherwise hold its answer (and the memory behind it) until the OS gives up.
// One interval timer sweeps every watched socket (no timer per write); progress is measured as
// ./send-progress.ts says (the krozen transport's own sweep uses the same rule). Precise to one sweep (a
// quarter of the timeout, 50 ms–1 s).
import type { Socket } from 'node:net';
import { SendProgress } from '../send-progress';

export class SendWatch {
  private readonly sockets = new Map<Socket, SendProgress>();
  private timer: NodeJS.Timeout | undefined;
  private readonly every: number;

  /** `timeout` ms without progress ends a connection; 0 watches nothing. */
  constructor(private readonly timeout: number) {
    this.every = Math.max(50, Math.min(1000, Math.floor(timeout / 4)));
  }

  add(socket: Socket): void {
    if (this.timeout === 0) return;
    this.sockets.set(socket, new SendProgress());
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
    for (const [socket, progress] of this.sockets) {
      if (progress.stalled(socket, now, this.timeout)) {
        this.delete(socket);
        socket.destroy();
      }
    }
  }
}
