// The krozen transport's deadlines: where each connection is (Phase, and since when) and the one periodic
// sweep that ends, or answers with 408, the connections past their phase's limit (settings.headersTimeout,
// requestTimeout, keepAliveTimeout, sendTimeout), as node:http's connectionsCheckingInterval does. One timer
// for every connection: nothing is armed per request or per write on the hot path.
import type { HttpSocket } from '../http-socket';
import type { Settings } from '../../settings';
import { listenerFault } from '../../base/listener-guard';

/** Where a connection is, for the timeout sweep. */
export const enum Phase {
  /** Waiting for the first byte of a request (keep-alive idle). */
  Idle,
  /** Receiving a request head. */
  Head,
  /** Receiving a request body. */
  Body,
  /**
   * Request received; the pipeline and the writes are under way. No receive timeout: the response is ours;
   * what bounds it is the send deadline (settings.sendTimeout), in every phase.
   */
  Busy,
  /** The response that ends the connection went out; waiting for the client's FIN. */
  Closing,
}

/** What the sweep reads of a connection and does to it. */
export interface TimedConnection {
  readonly socket: HttpSocket;
  phase: Phase;
  /** Date.now() when the current phase began. */
  since: number;
  /** Nothing waits on the socket. */
  readonly flushed: boolean;
  /** Bytes have waited on the socket with none taken for `limit` ms. */
  sendStalled(now: number, limit: number): boolean;
  /** A request still being received is out of time (Head, Body). */
  timedOut(): void;
  destroy(): void;
}

export type TimeoutSettings = Pick<Settings, 'headersTimeout' | 'requestTimeout' | 'keepAliveTimeout' | 'sendTimeout'>;

/** A connection that sent its last response waits this long for the client's FIN, ms. */
const CLOSE_LINGER_MS = 2000;

/** Starts the sweep over `connections` (a live set): a quarter of the shortest limit, 50 ms to 1 s. Unref'd. */
export function startSweep(s: TimeoutSettings, connections: Iterable<TimedConnection>): NodeJS.Timeout {
  const shortest = Math.min(
    s.headersTimeout || Infinity,
    s.requestTimeout || Infinity,
    s.keepAliveTimeout || Infinity,
    s.sendTimeout || Infinity,
  );
  const interval = Math.max(50, Math.min(1000, Number.isFinite(shortest) ? Math.floor(shortest / 4) : 1000));
  const sweeper = setInterval(() => sweep(s, connections), interval);
  sweeper.unref();
  return sweeper;
}

function sweep(s: TimeoutSettings, connections: Iterable<TimedConnection>): void {
  const now = Date.now();
  const sendTimeout = s.sendTimeout;
  for (const conn of connections) {
    // The send deadline holds in every phase: a client that takes none of what waits for it is dropped.
    if (sendTimeout > 0 && conn.sendStalled(now, sendTimeout)) {
      conn.destroy();
      continue;
    }
    const age = now - conn.since;
    let expired = false;
    switch (conn.phase) {
      case Phase.Idle:
        // Idle means no request; the last answer may still be going out to a slow reader: the keep-alive
        // clock starts once it is out (sendTimeout watches it meanwhile).
        if (!conn.flushed) conn.since = now;
        else expired = s.keepAliveTimeout > 0 && age > s.keepAliveTimeout;
        break;
      case Phase.Head:
        expired = (s.headersTimeout > 0 && age > s.headersTimeout) || (s.requestTimeout > 0 && age > s.requestTimeout);
        break;
      case Phase.Body:
        expired = s.requestTimeout > 0 && age > s.requestTimeout;
        break;
      case Phase.Closing:
        // The linger for the client's FIN starts once the last response is out (a big one may take long).
        if (!conn.flushed) conn.since = now;
        else expired = age > CLOSE_LINGER_MS;
        break;
      default:
        break;
    }
    if (!expired) continue;
    try {
      if (conn.phase === Phase.Idle || conn.phase === Phase.Closing) conn.destroy();
      else conn.timedOut();
    } catch (err) {
      listenerFault('krozen timeout sweep', err, conn.socket);
    }
  }
}
