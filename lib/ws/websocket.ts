// The `ws` handlers see: one WebSocket connection's public API and nothing else. Everything that runs the
// connection (socket events, the receiver's sink, the outbox's owner, direct reads, the idle sweep, the
// order of messages) is its session's (session.ts), held in a private field no caller can reach.
import { EventEmitter } from 'node:events';
import { CloseCode, assertCloseArgs } from './close-codes';
import type { WsConnectionInfo } from './connection-config';
import { EMPTY, Length } from './frame';
import { ErrorCode, KrozenRangeError } from '../base/errors';

export type ReadyState = 0 | 1 | 2 | 3;

/**
 * @internal What the public API asks of the session that runs the connection (session.ts implements it;
 * declared here so this file needs nothing of session.ts).
 */
export interface ConnectionControl {
  readonly bufferedAmount: number;
  readonly extensions: string;
  send(value: unknown): boolean;
  close(code: number, reason: string): void;
  ping(payload: Uint8Array): boolean;
  terminate(): void;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  isSubscribed(topic: string): boolean;
  topics(): string[];
}

let sessionOfWs: (ws: WebSocket) => ConnectionControl;

/**
 * One WebSocket connection. `Data` is the type of `ws.data` (what the endpoint's upgrade() returned as
 * `{ data }`), `Params` the endpoint's route parameters: app.ws() fills both in.
 */
export class WebSocket<Data = Record<string, unknown>, Params = Readonly<Record<string, string>>> extends EventEmitter {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  #data: Data | undefined;
  readyState: ReadyState = 1;
  /** The TCP peer (behind a proxy, the proxy: see `ip`). */
  readonly remoteAddress: string | undefined;
  /** The client's address: remoteAddress, or what proxies trusted by settings.trustProxy say. */
  readonly ip: string | undefined;
  /** The upgrade's request id (settings.requestId; sent in the 101), else undefined. */
  readonly id: string | undefined;
  /** The request target of the upgrade (path and query), e.g. `/ws?room=lobby`. */
  readonly url: string;
  /** The endpoint's route parameters (`/chat/:room` → `{ room }`). */
  readonly params: Params;
  /** The upgrade request's headers (lower-case names). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The subprotocol agreed in the handshake ('' for none). */
  readonly protocol: string;

  readonly #session: ConnectionControl;

  static {
    sessionOfWs = (ws) => ws.#session;
  }

  /** @internal Made by its session (session.ts) when an upgrade succeeds. */
  constructor(session: ConnectionControl, info: WsConnectionInfo) {
    super();
    // EventEmitter makes its listener table on the first on(): an idle connection without listeners keeps
    // none (an empty null-prototype table is ~150 B of heap per connection).
    (this as unknown as { _events: unknown })._events = undefined;
    this.#session = session;
    this.remoteAddress = info.remoteAddress;
    this.ip = info.ip;
    this.id = info.id;
    this.url = info.url;
    this.params = info.params as Params;
    this.headers = info.headers;
    this.protocol = info.protocol;
    // The type is the endpoint's promise (upgrade()'s `{ data }`); the run-time value is that object.
    this.#data = info.data as Data | undefined;
  }

  /** Per-connection state for handlers (pykrozen's ws.data); upgrade()'s `{ data }` when it returned one. */
  get data(): Data {
    // Made on first use: most connections never touch it.
    return (this.#data ??= {} as Data);
  }

  set data(value: Data) {
    this.#data = value;
  }

  /** Bytes queued for this connection and not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.#session.bufferedAmount;
  }

  /** The extension in use ('permessage-deflate' or ''). */
  get extensions(): string {
    return this.#session.extensions;
  }

  /**
   * string → text frame, Buffer/Uint8Array → binary frame, anything else → JSON text.
   * False when the connection is closing or the message was dropped by the backpressure policy.
   */
  send(value: unknown): boolean {
    return this.#session.send(value);
  }

  /** Starts the close handshake. code: 1000, 1001-1003, 1007-1014 or 3000-4999; reason: <= 123 bytes. */
  close(code: number = CloseCode.NORMAL, reason = ''): void {
    assertCloseArgs(code, reason);
    this.#session.close(code, reason);
  }

  /** Sends a ping (payload <= 125 bytes). False when closing. */
  ping(payload: string | Uint8Array = EMPTY): boolean {
    const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
    if (bytes.length > Length.MAX_CONTROL_PAYLOAD)
      throw new KrozenRangeError(
        ErrorCode.INVALID_ARGUMENT,
        `Ping payload must be at most ${Length.MAX_CONTROL_PAYLOAD} bytes`,
      );
    return this.#session.ping(bytes);
  }

  /** Destroys the socket at once, without a close handshake. */
  terminate(): void {
    this.#session.terminate();
  }

  subscribe(topic: string): void {
    this.#session.subscribe(topic);
  }

  unsubscribe(topic: string): void {
    this.#session.unsubscribe(topic);
  }

  isSubscribed(topic: string): boolean {
    return this.#session.isSubscribed(topic);
  }

  get topics(): string[] {
    return this.#session.topics();
  }
}

/** @internal The session behind `ws` (publish writes through it; the idle sweep and tests reach it). */
export function sessionOf(ws: WebSocket): ConnectionControl {
  return sessionOfWs(ws);
}
