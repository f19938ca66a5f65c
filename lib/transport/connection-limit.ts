// settings.maxConnections, for either transport: past the cap a new connection gets a 503 with a JSON body
// and is closed; the ones already open are not disturbed. Upgraded (WebSocket) connections count too.
import type { Socket } from 'node:net';
import { errorResponse } from './error-response';

const REFUSAL = errorResponse(503, 'Service Unavailable: too many connections', { 'retry-after': '1' });

/** How long a refused connection may linger before it is destroyed. */
const REFUSED_LINGER_MS = 2000;

export class ConnectionLimit {
  private open = 0;

  /** `max` <= 0: no cap. */
  constructor(readonly max: number) {}

  get count(): number {
    return this.open;
  }

  /**
   * Counts `socket` while it stays open; or answers 503, closes it and returns false. `counted`: the caller
   * calls closed() from its own 'close' listener (one listener per socket, not two: memory per connection).
   */
  admit(socket: Socket, counted = false): boolean {
    if (this.max > 0 && this.open >= this.max) {
      // Read and drop what the client sends, so the close is a FIN after the answer, not a reset before it.
      socket.on('error', ignore);
      socket.on('end', () => socket.destroy());
      socket.resume();
      socket.end(REFUSAL, 'latin1');
      setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
      return false;
    }
    if (counted) this.open++;
    else this.count1(socket);
    return true;
  }

  /** Counts one connection (its owner calls closed() when it closes), or false when the cap is reached. */
  admitCounted(): boolean {
    if (this.max > 0 && this.open >= this.max) return false;
    this.open++;
    return true;
  }

  /** A socket admitted with `counted` closed. */
  closed(): void {
    this.open--;
  }

  /**
   * For a TLS listener, before the handshake (which then counts too): past the cap the TCP connection is
   * closed with no answer, since a TLS client cannot read a plaintext 503.
   */
  admitSilently(socket: Socket): boolean {
    if (this.max > 0 && this.open >= this.max) {
      socket.destroy();
      return false;
    }
    this.count1(socket);
    return true;
  }

  private count1(socket: Socket): void {
    this.open++;
    socket.once('close', () => this.open--);
  }
}

function ignore(): void {}
