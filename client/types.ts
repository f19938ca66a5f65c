import type { ReconnectOptions } from './backoff';
import type { WebSocketConstructor } from './socket';

/** Options of `connect()` (docs/client.md). */
export interface ClientOptions {
  /** The WebSocket class to use. Default: `globalThis.WebSocket`, else the `ws` package (Node 20). */
  WebSocket?: WebSocketConstructor;
  /** Reconnection with exponential backoff and full jitter, or `false` for none. Default `{}` (on). */
  reconnect?: ReconnectOptions | false;
  /** Default timeout of `request()` and `publish()`, ms, counted from the call; 0 = none. Default 10000. */
  timeout?: number;
  /** Sends (publish, request, emit) held while offline; past it they fail with `limit`. Default 100. */
  maxBuffered?: number;
  /** Send requests still waiting at a disconnect again after the reconnect instead of rejecting `closed`. Default false. */
  retryRequests?: boolean;
  /** `["ping"]` every this many ms (browsers cannot see WebSocket pings); 0 = off. Default 25000. */
  pingInterval?: number;
  /** No message within this many ms after a ping: the connection is dead, closed and reconnected. Default 10000. */
  pingTimeout?: number;
}

/** Connection states: `connecting` (first attempt), `open`, `reconnecting` (waiting or retrying), `closed` (final). */
export type ClientState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** The client's own events, for `on()` / `off()`. */
export interface ClientEvents {
  /** A connection opened; `reconnected` after the first. */
  open: { reconnected: boolean };
  /** An open connection closed, or the client stopped (`willReconnect` false). */
  close: { code: number; reason: string; willReconnect: boolean };
  /** A reconnection attempt is scheduled `delay` ms from now. */
  reconnecting: { attempt: number; delay: number };
  /** A resubscription recovered missed messages; `count` of them reached the handlers (before this event). */
  recovered: { topic: string; count: number };
  /** Recovery was impossible; `missed` messages were lost (null: unknown). Live messages follow. */
  lost: { topic: string; missed: number | null };
  /** A handler threw, a resubscription failed, the server broke the protocol, or no WebSocket exists. */
  error: unknown;
}

/** Metadata of a message: its topic and, on recovery-enabled topics, its id. */
export interface MessageMeta<T extends string = string> {
  topic: T;
  id: string | undefined;
}

/** What `subscribe()` returns. */
export interface Subscription {
  readonly topic: string;
  /** Resolves on the server's `ok`, rejects with a `RealtimeError` on its `err` (e.g. `forbidden`). */
  readonly ready: Promise<void>;
  /** Removes this handler; the last handler of a topic unsubscribes from it. */
  unsubscribe(): void;
}

/** Options of one `request()`. */
export interface RequestOptions {
  /** ms from the call; 0 = none. Default: the client's `timeout`. */
  timeout?: number;
}
