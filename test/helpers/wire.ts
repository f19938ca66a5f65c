// One raw client TCP connection for the attackers: everything received kept in order, when it closed,
// and waits on "something arrived or it closed" bounded in time. Reading can be paused from the start
// (a client that never reads: the kernel buffers fill and the server is left holding the rest).
import type * as net from 'node:net';
import { connectRaw } from './tls-lane';

export class Wire {
  readonly socket: net.Socket;
  private chunks: Buffer[] = [];
  private joined: Buffer | null = null;
  /** Bytes received. */
  received = 0;
  /** performance.now() when the connection closed (FIN, reset or error), else null. */
  closedAt: number | null = null;
  /** The socket error that closed it, if any (ECONNRESET...). */
  error: string | null = null;
  private waiters: Array<() => void> = [];

  constructor(port: number, paused = false) {
    this.socket = connectRaw(port);
    if (paused) this.socket.pause();
    this.socket.on('data', (c: Buffer) => {
      this.chunks.push(c);
      this.joined = null;
      this.received += c.length;
      this.wake();
    });
    this.socket.on('error', (err: NodeJS.ErrnoException) => {
      this.error = err.code ?? err.message;
    });
    this.socket.on('close', () => {
      this.closedAt = performance.now();
      this.wake();
    });
  }

  get closed(): boolean {
    return this.closedAt !== null;
  }

  /** Everything received so far. */
  bytes(): Buffer {
    if (this.joined === null) {
      this.joined = Buffer.concat(this.chunks);
      this.chunks = [this.joined];
    }
    return this.joined;
  }

  /** Writes unless closed; resolves once the socket takes more (drain), it closed, or `ms` passed. */
  async write(data: string | Buffer, ms = 5000): Promise<void> {
    if (this.closed || this.socket.destroyed) return;
    if (this.socket.write(data)) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  /** Resolves true as soon as `ready()` holds (checked now and on every arrival or close), false after `ms`. */
  until(ready: () => boolean, ms: number): Promise<boolean> {
    const deadline = performance.now() + ms;
    return new Promise((resolve) => {
      const check = (): void => {
        if (ready()) {
          clearTimeout(timer);
          resolve(true);
        } else if (performance.now() >= deadline || this.closed) {
          // Closed and not ready: nothing more will come.
          clearTimeout(timer);
          resolve(ready());
        } else {
          this.waiters.push(check);
        }
      };
      const timer = setTimeout(
        () => {
          this.waiters = this.waiters.filter((w) => w !== check);
          resolve(ready());
        },
        Math.max(0, ms),
      );
      check();
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
