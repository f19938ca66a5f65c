// A WebSocket session's socket listeners: functions shared by every connection (no closures per connection),
// which find their session in a symbol on the socket. They run inside Node's event emission, where a throw
// would end the process: a fault ends this socket only.
import type { Duplex } from 'node:stream';
import { listenerFault } from '../base/listener-guard';

/** What a WebSocket session calls on its socket: a net.Socket's stream, or its handle taken over (RawSocket). */
export interface WsSocket {
  write(chunk: Uint8Array): boolean;
  /** A string of header bytes (the 101), without a Buffer made for it first. */
  write(text: string, encoding: 'latin1'): boolean;
  /**
   * Closes at once when every byte written is in the kernel (which still sends them, then FIN); true if it
   * did. Only where that loses nothing: a plain TCP handle (RawSocket). A TLS socket ends with close_notify.
   */
  closeNow?(): boolean;
  cork(): void;
  uncork(): void;
  end(): void;
  destroy(): void;
  pause(): void;
  resume(): void;
  readonly writable: boolean;
  readonly readable: boolean;
  readonly destroyed: boolean;
  readonly writableLength: number;
}

/** What the socket's events reach (session.ts). */
export interface SocketSession {
  onData(chunk: Buffer): void;
  onEnd(): void;
  onSocketClose(): void;
  onDrain(): void;
}

const kSession = Symbol('krozen.wsSession');
type SocketWithSession = Duplex & { [kSession]: SocketSession };

/** Routes `socket`'s data, end, close and drain to `session`. */
export function listenToSocket(socket: Duplex, session: SocketSession): void {
  (socket as SocketWithSession)[kSession] = session;
  socket.on('data', socketOnData);
  socket.on('end', socketOnEnd);
  socket.on('close', socketOnClose);
  // 'close' follows an error: one no-op listener is enough (the transport's, if it left one).
  if (socket.listenerCount('error') === 0) socket.on('error', socketOnError);
  socket.on('drain', socketOnDrain);
}

function socketListener(
  where: string,
  call: (session: SocketSession, chunk: Buffer) => void,
): (this: SocketWithSession, chunk: Buffer) => void {
  return function (this: SocketWithSession, chunk: Buffer): void {
    try {
      call(this[kSession], chunk);
    } catch (err) {
      listenerFault(where, err, this);
    }
  };
}

// 'data' is not emitted once direct reads are on (Node no longer pushes to the stream).
const socketOnData = socketListener('WebSocket data', (s, chunk) => s.onData(chunk));
const socketOnEnd = socketListener('WebSocket end', (s) => s.onEnd());
const socketOnClose = socketListener('WebSocket close', (s) => s.onSocketClose());
const socketOnDrain = socketListener('WebSocket drain', (s) => s.onDrain());
function socketOnError(): void {}
