// Which connections run on their TCP handle (raw-socket.ts) and how they get there: a WebSocket session takes
// an upgraded net.Socket's handle over (takeOverSocket), or the krozen transport accepts a plain TCP
// connection without a net.Socket at all (raw-accept.ts: openRawSocket), in which case the session only
// becomes the owner of the RawSocket its upgrade request came on.
//
// Off with KROZEN_RAW_SOCKET=0 (or setRawSocket(false)), where this Node lacks what tcp-handle.ts looks for,
// for TLS sockets, and for sockets not read directly (KROZEN_WS_STREAM_READ=1): those keep their net.Socket.
import { Socket } from 'node:net';
import { redirectDirectRead } from './direct-read';
import { RawSocket, rawSocketCounts, type RawSocketOwner, type TakeoverHost } from './raw-socket';
import { handleBindings, ownerSymbolOf, tcpHandleOf, type TcpHandle } from './tcp-handle';

const kHost = Symbol('krozen.takeoverHost');

let enabled = process.env.KROZEN_RAW_SOCKET !== '0';

/** Turns raw sockets on or off for connections and upgrades from now on (tests run both paths). */
export function setRawSocket(on: boolean): void {
  enabled = on;
}

/** Whether connections and upgrades now run on their handles (enabled, and this Node has what it needs). */
export function rawSocketActive(): boolean {
  return enabled && handleBindings() !== null;
}

/** The transport lets the WebSocket layer take `socket` over (its own, plain TCP sockets only). */
export function allowTakeover(socket: Socket, host: TakeoverHost): void {
  (socket as Socket & { [kHost]?: TakeoverHost })[kHost] = host;
}

/**
 * Takes `socket`'s TCP handle over for `owner` and lets the net.Socket go; null (nothing changed) when this
 * socket, this Node or the settings do not allow it. Call it when nothing is queued on the socket.
 */
export function takeOverSocket(socket: unknown, owner: RawSocketOwner): RawSocket | null {
  // Accepted without a net.Socket (raw-accept.ts): the handle is driven already, only its owner changes.
  if (socket instanceof RawSocket) {
    socket.adopt(owner);
    rawSocketCounts.taken++;
    return socket;
  }
  if (!enabled || !(socket instanceof Socket) || socket.constructor !== Socket) return null;
  const host = (socket as Socket & { [kHost]?: TakeoverHost })[kHost];
  const b = handleBindings();
  if (host === undefined || b === null) return null;
  const handle = tcpHandleOf(socket);
  if (
    handle === null ||
    socket.destroyed ||
    !socket.readable ||
    !socket.writable ||
    socket.writableLength !== 0 ||
    socket.writableCorked !== 0 ||
    socket.readableLength !== 0
  ) {
    rawSocketCounts.declined++;
    return null;
  }
  const ownerSymbol = ownerSymbolOf(handle);
  const raw = new RawSocket(handle, owner, host, b);
  const current = ownerSymbol === null ? null : redirectDirectRead(socket, raw);
  if (current === null) {
    rawSocketCounts.declined++;
    return null;
  }
  raw.attach(ownerSymbol as symbol, current);
  // The net.Socket without its handle: destroying it closes nothing, and it is garbage from here on.
  (socket as unknown as { _handle: unknown })._handle = null;
  host.takenOver(socket, raw);
  socket.removeAllListeners();
  socket.on('error', ignore);
  socket.destroy();
  rawSocketCounts.taken++;
  return raw;
}

/**
 * A connection accepted by raw-accept.ts, to be driven through its handle from the start (no net.Socket at
 * all). Reading begins at RawSocket.start(owner). Null when this Node lacks what it needs.
 */
export function openRawSocket(handle: TcpHandle, host: TakeoverHost, ownerSymbol: symbol): RawSocket | null {
  const b = handleBindings();
  if (b === null || typeof handle.useUserBuffer !== 'function') return null;
  const raw = new RawSocket(handle, NO_OWNER, host, b);
  raw.attach(ownerSymbol, null);
  return raw;
}

/** The owner of a RawSocket between its creation and start(): it reads nothing yet. */
const NO_OWNER: RawSocketOwner = {
  onDirectRead() {},
  nextReadBuffer: () => {
    throw new Error('a raw socket read before it was started');
  },
  onEnd() {},
  onDrain() {},
  onSocketClose() {},
};

function ignore(): void {}
