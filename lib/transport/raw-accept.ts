// Accepting without a net.Socket: the krozen transport's plain TCP listener hands each new connection's TCP
// handle to its own callback instead of Node's, which would build a net.Socket around it (its Readable and
// Writable state, listeners and options: most of what an idle keep-alive connection holds, and on Node 20
// some thirty inline-cache misses per accept). The connection then runs on its handle (raw-socket.ts) from
// the first byte; a WebSocket upgrade keeps it (raw-takeover.ts).
//
// Node's own callback still takes a connection when the transport declines it (over maxConnections, to be
// answered 503; a stop under way) and whenever 'connection' has listeners besides the transport's own:
// code that watches the listener's sockets gets them as before. Off with KROZEN_RAW_SOCKET=0, without direct
// reads (KROZEN_WS_STREAM_READ=1), and where this Node lacks what tcp-handle.ts looks for.
import type { Server } from 'node:net';
import { listenerFault } from '../base/listener-guard';
import { directReadActive } from './direct-read';
import { rawSocketActive } from './raw-takeover';
import { ownerSymbolOf, type TcpHandle } from './tcp-handle';

/** Node's accept callback on a listening handle: `this` is the handle, `clientHandle` the new connection's. */
type OnConnection = (this: ListenHandle, status: number, clientHandle?: TcpHandle) => void;
type ListenHandle = { onconnection?: OnConnection; [key: symbol]: unknown };

/** The transport's side: take `handle` (true), or leave it to Node's callback and a net.Socket (false). */
export type HandleAcceptor = (handle: TcpHandle, ownerSymbol: symbol) => boolean;

/** How accepts went since start (tests check which path ran). */
export const rawAcceptCounts = { raw: 0, stream: 0 };

/**
 * After `server` listens: its connections go to `accept` first. False (nothing changed) when raw sockets are
 * off or this Node's listening handle does not look as expected. `ownListeners`: the 'connection' listeners
 * that are the transport's own (more than these means somebody watches the sockets).
 */
export function acceptOnHandles(server: Server, accept: HandleAcceptor, ownListeners: number): boolean {
  if (!rawSocketActive() || !directReadActive()) return false;
  const listening = (server as unknown as { _handle?: ListenHandle | null })._handle;
  if (listening === null || listening === undefined) return false;
  const nodeOnConnection = listening.onconnection;
  const ownerSymbol = ownerSymbolOf(listening as unknown as TcpHandle);
  if (typeof nodeOnConnection !== 'function' || ownerSymbol === null) return false;
  listening.onconnection = function onconnection(this: ListenHandle, status: number, clientHandle?: TcpHandle): void {
    if (status === 0 && clientHandle !== undefined && server.listenerCount('connection') <= ownListeners) {
      let taken: boolean;
      try {
        taken = accept(clientHandle, ownerSymbol);
      } catch (err) {
        listenerFault('krozen accept', err);
        clientHandle.close(noop);
        return;
      }
      if (taken) {
        rawAcceptCounts.raw++;
        return;
      }
    }
    rawAcceptCounts.stream++;
    nodeOnConnection.call(this, status, clientHandle);
  };
  return true;
}

function noop(): void {}
