import type {
  EventData,
  EventName,
  RealtimeApi,
  RequestData,
  RequestName,
  RequestResult,
  ServerEventData,
  ServerEventName,
  ServerRequestData,
  ServerRequestName,
  ServerRequestResult,
  TopicData,
  TopicName,
  UntypedApi,
} from '../lib/realtime/api-types';
import { backoffDelay, backoffOptions, type Backoff } from './backoff';
import { Emitter } from './emitter';
import { RealtimeError } from './errors';
import { Keepalive } from './keepalive';
import { RequestTable } from './requests';
import { SendBuffer, type Buffered } from './send-buffer';
import { OPEN, webSocketClass, type WebSocketLike } from './socket';
import { Subscriptions, type MessageHandler } from './subscriptions';
import type { ClientEvents, ClientOptions, ClientState, MessageMeta, RequestOptions, Subscription } from './types';

export const SUBPROTOCOL = 'krozen.v1';
/** A connection that stayed up this long resets the backoff: a server that accepts then drops keeps backing off. */
const STABLE_MS = 5000;

type Timer = ReturnType<typeof setTimeout>;
type Awaitable<T> = T | Promise<T>;

/** A krozen.v1 client (docs/client.md): created by `connect()`, reconnects until `close()`. */
export class RealtimeClient<Api extends RealtimeApi = UntypedApi> {
  private current: WebSocketLike | null = null;
  private status: ClientState = 'connecting';
  private flushed = false; // open, resubscribed and the buffer written: sends go straight out
  private attempt = 0;
  private opens = 0;
  private retryTimer: Timer | undefined;
  private stableTimer: Timer | undefined;
  private readonly backoff: Backoff | null;
  private readonly timeout: number;
  private readonly events = new Emitter<ClientEvents>();
  private readonly serverEvents = new Emitter<Record<string, unknown>>();
  private readonly handlers = new Map<string, (data: unknown) => unknown>();
  private readonly requests = new RequestTable();
  private readonly buffer: SendBuffer;
  private readonly subs = new Subscriptions((err) => this.report(err));
  private readonly keepalive: Keepalive;

  constructor(
    readonly url: string,
    private readonly options: ClientOptions = {},
  ) {
    this.backoff = options.reconnect === false ? null : backoffOptions(options.reconnect);
    this.timeout = options.timeout ?? 10_000;
    this.buffer = new SendBuffer(options.maxBuffered ?? 100);
    this.keepalive = new Keepalive(options.pingInterval ?? 25_000, options.pingTimeout ?? 10_000);
    void this.dial();
  }

  get state(): ClientState {
    return this.status;
  }

  // ---- API ------------------------------------------------------------------------------------------------

  /** Calls `handler` for every message on `topic`; resubscribes (and recovers) after every reconnect. */
  subscribe<T extends TopicName<Api>>(
    topic: T,
    handler: (data: TopicData<Api, T>, meta: MessageMeta<T>) => void,
  ): Subscription {
    if (this.status === 'closed') throw new RealtimeError('closed', 'the client is closed');
    const h = handler as MessageHandler;
    const { ready, isNew } = this.subs.add(topic, h);
    if (isNew && this.current?.readyState === OPEN) this.sendSub(topic, false);
    let done = false;
    return {
      topic,
      ready,
      unsubscribe: () => {
        if (done) return;
        done = true;
        if (this.subs.remove(topic, h) && this.current?.readyState === OPEN) {
          const { ref, promise } = this.requests.open();
          promise.catch(() => {}); // nothing to do with the answer
          this.write(['unsub', ref, topic]);
        }
      },
    };
  }

  /** Publishes to `topic`; resolves on the server's `ok` (client publish is denied unless the server allows it). */
  publish<T extends TopicName<Api>>(topic: T, data: TopicData<Api, T>): Promise<void> {
    return this.call((ref) => ['pub', ref, topic, data], this.timeout, `publish ${topic}`).then(() => undefined);
  }

  /** A request to the server; resolves with its result, rejects with a `RealtimeError` (`.code`). */
  request<E extends RequestName<Api>>(
    event: E,
    data: RequestData<Api, E>,
    options: RequestOptions = {},
  ): Promise<RequestResult<Api, E>> {
    const timeout = options.timeout ?? this.timeout;
    const once = (): Promise<unknown> =>
      this.call((ref) => ['req', ref, event, data], timeout, `request ${event}`).catch((err: RealtimeError) =>
        err.code === 'closed' && this.options.retryRequests && this.status !== 'closed' ? once() : Promise.reject(err),
      );
    return once() as Promise<RequestResult<Api, E>>;
  }

  /** An event to the server, no answer. False when it cannot be sent: the send buffer is full, or the client closed. */
  emit<E extends EventName<Api>>(event: E, data: EventData<Api, E>): boolean {
    if (this.status === 'closed') return false;
    return this.enqueue({ frame: () => ['evt', event, data], fail: (err) => this.report(err) });
  }

  /** Answers the server's requests named `event` (its `ok` is the return value; a throw answers `err`). */
  handle<E extends ServerRequestName<Api>>(
    event: E,
    handler: (data: ServerRequestData<Api, E>) => Awaitable<ServerRequestResult<Api, E>>,
  ): () => void {
    this.handlers.set(event, handler as (data: unknown) => unknown);
    return () => {
      if (this.handlers.get(event) === handler) this.handlers.delete(event);
    };
  }

  /** Listens to the server's events named `event`; returns the function that stops listening. */
  onEvent<E extends ServerEventName<Api>>(event: E, handler: (data: ServerEventData<Api, E>) => void): () => void {
    return this.serverEvents.on(event, handler as (data: unknown) => void);
  }

  /** Listens to the client's own events (open, close, reconnecting, recovered, lost, error). */
  on<K extends keyof ClientEvents>(event: K, handler: (e: ClientEvents[K]) => void): () => void {
    return this.events.on(event, handler);
  }

  off<K extends keyof ClientEvents>(event: K, handler: (e: ClientEvents[K]) => void): void {
    this.events.off(event, handler);
  }

  /** Closes for good: pending and buffered sends reject with `closed`, subscriptions end. */
  close(): void {
    if (this.status === 'closed') return;
    const ws = this.current;
    this.detach();
    ws?.close(1000, 'client closed');
    this.stop('client closed');
    this.events.emit('close', { code: 1000, reason: 'client closed', willReconnect: false });
  }

  // ---- connection -----------------------------------------------------------------------------------------

  private async dial(): Promise<void> {
    let ws: WebSocketLike;
    try {
      const Ctor = await webSocketClass(this.options.WebSocket);
      if (this.status === 'closed') return;
      ws = new Ctor(this.url, SUBPROTOCOL) as WebSocketLike;
    } catch (err) {
      // No WebSocket class, or a URL the constructor refuses: retrying cannot help.
      this.report(err);
      this.stop(err instanceof Error ? err.message : String(err));
      this.events.emit('close', { code: 1006, reason: 'no connection', willReconnect: false });
      return;
    }
    this.current = ws;
    ws.onopen = () => this.opened(ws);
    ws.onmessage = (ev) => this.received(ws, ev.data);
    ws.onclose = (ev) => this.dropped(ws, ev.code, ev.reason);
    ws.onerror = () => {}; // a close follows; ws (Node) throws on an error event nobody listens to
  }

  private opened(ws: WebSocketLike): void {
    if (ws !== this.current) return;
    this.status = 'open';
    this.stableTimer = setTimeout(() => (this.attempt = 0), STABLE_MS);
    this.keepalive.start(
      () => this.write(['ping']),
      () => this.dropped(ws, 1006, 'no pong'),
    );
    this.events.emit('open', { reconnected: this.opens++ > 0 }, (err) => this.report(err));
    // Resubscribe first, then write what was buffered: a buffered publish comes after the subscriptions.
    const subs = this.subs.names().map((topic) => this.sendSub(topic, true));
    void Promise.allSettled(subs).then(() => {
      if (ws !== this.current || this.status !== 'open') return;
      this.flushed = true;
      for (const item of this.buffer.drain()) this.writeItem(item);
    });
  }

  private sendSub(topic: string, again: boolean): Promise<unknown> {
    const after = this.subs.resubscribing(topic);
    const { ref, promise } = this.requests.open();
    this.write(after ? ['sub', ref, topic, after] : ['sub', ref, topic]);
    return promise.then(
      (answer) => {
        const r = this.subs.subscribed(topic, answer);
        if (r && r.recovered > 0) this.events.emit('recovered', { topic, count: r.delivered });
      },
      (err: RealtimeError) => {
        if (err.code === 'closed') return; // resubscribed on the next connection
        if (this.subs.failed(topic, err) && again) this.report(err);
      },
    );
  }

  private received(ws: WebSocketLike, raw: unknown): void {
    if (ws !== this.current) return;
    this.keepalive.alive();
    let msg: unknown;
    try {
      msg = typeof raw === 'string' ? JSON.parse(raw) : undefined;
    } catch {
      msg = undefined;
    }
    if (!Array.isArray(msg) || typeof msg[0] !== 'string') return this.violation(ws, 'not a JSON array');
    switch (msg[0]) {
      case 'm':
        if (typeof msg[1] !== 'string') return this.violation(ws, 'bad m');
        return this.subs.message(msg[1], msg[2], msg[3]);
      case 'ok':
        this.requests.settle(msg[1], true, msg[2]);
        return;
      case 'err':
        this.requests.settle(msg[1], false, msg[2], msg[3]);
        return;
      case 'evt':
        if (typeof msg[1] !== 'string') return this.violation(ws, 'bad evt');
        this.serverEvents.emit(msg[1], msg[2], (err) => this.report(err));
        return;
      case 'req':
        if (typeof msg[1] !== 'number' || typeof msg[2] !== 'string') return this.violation(ws, 'bad req');
        return void this.answer(ws, msg[1], msg[2], msg[3]);
      case 'lost':
        if (typeof msg[1] !== 'string') return this.violation(ws, 'bad lost');
        this.subs.lost(msg[1]);
        this.events.emit('lost', { topic: msg[1], missed: typeof msg[2] === 'number' ? msg[2] : null });
        return;
      case 'pong':
        return;
      default:
        return this.violation(ws, `unknown message type ${msg[0]}`);
    }
  }

  /** A server `req`: the handler's result, `not_found` without one, `internal` (or a RealtimeError's code) on a throw. */
  private async answer(ws: WebSocketLike, ref: number, event: string, data: unknown): Promise<void> {
    const handler = this.handlers.get(event);
    let reply: unknown[];
    if (!handler) reply = ['err', ref, 'not_found', `no handler for ${event}`];
    else {
      try {
        reply = ['ok', ref, (await handler(data)) ?? null];
      } catch (err) {
        const code = err instanceof RealtimeError ? err.code : 'internal';
        reply = ['err', ref, code, err instanceof Error ? err.message : 'internal error'];
      }
    }
    if (ws === this.current && ws.readyState === OPEN) this.write(reply); // the ref belongs to that connection
  }

  /** The server broke the protocol: close with 1008 as the protocol says, and reconnect. */
  private violation(ws: WebSocketLike, why: string): void {
    this.report(new Error(`krozen/client: protocol violation: ${why}`));
    try {
      ws.close(1008, why.slice(0, 100));
    } catch {
      ws.close(1000); // browsers let a page send only 1000 and 3000-4999
    }
    this.dropped(ws, 1008, why);
  }

  private dropped(ws: WebSocketLike, code: number, reason: string): void {
    if (ws !== this.current) return;
    const wasOpen = this.status === 'open';
    this.detach();
    if (ws.readyState === OPEN) ws.close(4000, reason); // dead (no pong) or broken: do not wait for its close
    this.requests.rejectAll(new RealtimeError('closed', `connection closed (${code}${reason ? ` ${reason}` : ''})`));
    const b = this.backoff;
    const willReconnect = b !== null && this.attempt < b.maxAttempts;
    if (wasOpen || !willReconnect) this.events.emit('close', { code, reason, willReconnect });
    if (!b || !willReconnect) return this.stop(`connection closed (${code})`);
    this.status = 'reconnecting';
    const delay = backoffDelay(this.attempt, b);
    this.attempt++;
    this.events.emit('reconnecting', { attempt: this.attempt, delay });
    this.retryTimer = setTimeout(() => void this.dial(), delay);
  }

  /** Forgets the socket: its late events are ignored (every handler checks `ws === this.current`). */
  private detach(): void {
    const ws = this.current;
    if (ws) ws.onopen = ws.onmessage = ws.onclose = null;
    this.current = null;
    this.flushed = false;
    this.keepalive.stop();
    clearTimeout(this.stableTimer);
  }

  private stop(why: string): void {
    this.status = 'closed';
    clearTimeout(this.retryTimer);
    const err = new RealtimeError('closed', why);
    this.requests.rejectAll(err);
    this.buffer.failAll(err);
    this.subs.clear(err);
  }

  // ---- sending --------------------------------------------------------------------------------------------

  /** A message with an answer: a ref, a timeout from the call (buffer time included), `limit` when the buffer is full. */
  private call(build: (ref: number) => unknown[], timeout: number, what: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      let ref = 0;
      let done = false;
      const finish = (ok: boolean, value: unknown): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (ok) resolve(value);
        else reject(value);
      };
      const timer =
        timeout > 0
          ? setTimeout(() => {
              if (ref) this.requests.cancel(ref);
              finish(false, new RealtimeError('timeout', `${what}: no answer in ${timeout} ms`));
            }, timeout)
          : undefined;
      if (this.status === 'closed') return finish(false, new RealtimeError('closed', 'the client is closed'));
      const item: Buffered = {
        frame: () => {
          if (done) return null; // timed out while buffered
          const open = this.requests.open();
          ref = open.ref;
          open.promise.then(
            (v) => finish(true, v),
            (e) => finish(false, e),
          );
          return build(ref);
        },
        fail: (err) => finish(false, err),
      };
      if (!this.enqueue(item)) finish(false, new RealtimeError('limit', `${what}: ${this.buffer.max} sends buffered`));
    });
  }

  /** Writes now when connected and resubscribed, else buffers; false when the buffer is full. */
  private enqueue(item: Buffered): boolean {
    if (this.flushed && this.current?.readyState === OPEN) {
      this.writeItem(item);
      return true;
    }
    return this.buffer.push(item);
  }

  private writeItem(item: Buffered): void {
    try {
      const frame = item.frame();
      if (frame) this.write(frame);
    } catch (err) {
      item.fail?.(err); // data JSON cannot encode (a cycle, a BigInt)
    }
  }

  private write(frame: unknown[]): void {
    this.current?.send(JSON.stringify(frame));
  }

  private report(err: unknown): void {
    this.events.emit('error', err);
  }
}
