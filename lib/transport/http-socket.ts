// What krozen's HTTP connection calls on its socket: a net.Socket (over TLS, or with raw sockets off) or a
// RawSocket (./raw-socket.ts, a plain TCP connection on its handle). Both have these with the same meaning.

export interface HttpSocket {
  /** False once past the high-water mark (stop writing until the connection's drain). */
  write(data: string | Uint8Array, encoding?: BufferEncoding): boolean;
  /** FIN after what is queued (and `data`). */
  end(data?: string | Uint8Array, encoding?: BufferEncoding): void;
  cork(): void;
  uncork(): void;
  pause(): void;
  resume(): void;
  destroy(): void;
  readonly destroyed: boolean;
  readonly writable: boolean;
  /** Bytes written and not yet taken by the kernel. */
  readonly writableLength: number;
  readonly writableCorked: number;
  readonly writableEnded: boolean;
  readonly remoteAddress?: string | undefined;
  readonly bytesWritten: number;
}
