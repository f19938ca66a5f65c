// app.realtime(path, options): a krozen.v1 endpoint (docs/realtime.md) built on app.ws()'s machinery, and the
// controller it returns: publish, emit, request, broadcast. One message at a time is read (the WebSocket
// order); requests, subscriptions and publishes run on, so a slow handler does not stall the connection.
import type { Settings } from '../settings/index';
import type { JsonSchemaCompiler } from '../schema/ajv';
import type { Schema } from '../schema/infer';
import { compileValidator, type Validator } from '../schema/validator';
import { HttpError } from '../http/http-error';
import { logError } from '../base/logger';
import type { WebSocket } from '../ws/websocket';
import type { WsBehaviour } from '../ws/endpoint';
import type { WsMessageContext } from '../ws/context';
import { sessionOfWs } from '../ws/session';
import { frameValue } from '../ws/message-encoding';
import type {
  ServerEventData,
  ServerEventName,
  ServerRequestData,
  ServerRequestName,
  ServerRequestResult,
  TopicData,
  TopicName,
  UntypedApi,
} from './api-types';
import { RealtimeConnection } from './connection';
import { readMessage, SUBPROTOCOL, type ClientMessage } from './protocol';
import { RealtimeError } from './realtime-error';
import { recoveryTest, wsLimits, type RealtimeOptions, type RealtimeSocket } from './options';
import { subscribe, unsubscribe, unsubscribeAll, type SubscriptionHost } from './subscriptions';
import { errAnswer, validated } from './answers';
import type { HubEndpoint, RealtimeEndpointStats, RealtimeHub } from './hub';

const POLICY_VIOLATION = 1008;

/** What an endpoint needs of the app. */
export interface RealtimeHost {
  readonly settings: Settings;
  readonly schemaCompiler: JsonSchemaCompiler;
  /** app.publish: every subscriber, every process. */
  publish(topic: string, value: unknown): number;
}

/** Options of request(): `timeout` ms (default settings.realtimeRequestTimeout). */
export interface RealtimeRequestOptions {
  timeout?: number;
}

type Handler = (data: unknown, ws: RealtimeSocket<never>) => unknown;

function validators(
  schemas: Record<string, Schema | undefined> | undefined,
  host: RealtimeHost,
  where: string,
): Map<string, Validator> {
  const out = new Map<string, Validator>();
  for (const [name, schema] of Object.entries(schemas ?? {}))
    if (schema !== undefined)
      out.set(name, compileValidator(schema, 'message', host.schemaCompiler, `${where}.${name}`));
  return out;
}

/** The controller app.realtime() returns. */
export class RealtimeEndpoint<A = UntypedApi, Data = Record<string, unknown>> implements HubEndpoint {
  private readonly conns = new Map<WebSocket, RealtimeConnection>();
  private readonly requestHandlers: Map<string, Handler>;
  private readonly eventHandlers: Map<string, Handler>;
  private readonly schemas: {
    requests: Map<string, Validator>;
    events: Map<string, Validator>;
    publish: Map<string, Validator>;
  };
  readonly recovers: (topic: string) => boolean;
  private readonly subs: SubscriptionHost;

  /** @internal app.realtime() makes it. */
  constructor(
    readonly path: string,
    private readonly options: RealtimeOptions<A, Data>,
    private readonly host: RealtimeHost,
    private readonly hub: RealtimeHub,
  ) {
    const o = options as RealtimeOptions;
    this.requestHandlers = new Map(Object.entries(o.requests ?? {}) as [string, Handler][]);
    this.eventHandlers = new Map(Object.entries(o.events ?? {}) as [string, Handler][]);
    const where = `app.realtime('${path}') schema`;
    this.schemas = {
      requests: validators(o.schema?.requests, host, `${where}.requests`),
      events: validators(o.schema?.events, host, `${where}.events`),
      publish: validators(o.schema?.publish, host, `${where}.publish`),
    };
    this.recovers = recoveryTest(o.recovery);
    const canSubscribe = o.canSubscribe;
    this.subs = {
      topics: hub.pubsub.topics,
      get history() {
        return hub.pubsub.history;
      },
      recovers: (topic) => hub.recovers(topic),
      maxSubscriptions: () => this.config.realtimeMaxSubscriptions,
      allowed: (conn, topic) => (canSubscribe === undefined ? true : canSubscribe.call(o, conn.ws as never, topic)),
    };
    hub.add(this);
  }

  /** Publishes to `topic` (app.publish: every subscriber, plain or krozen.v1, every process). */
  publish<T extends TopicName<A>>(topic: T, data: TopicData<A, T>): number {
    return this.host.publish(topic, data);
  }

  /** Sends the event to one connection; false when it was not written (closed, backpressure). */
  emit<E extends ServerEventName<A>>(ws: RealtimeSocket<Data>, event: E, data: ServerEventData<A, E>): boolean {
    return ws.send(['evt', event, data]);
  }

  /** Asks the client; resolves to its answer, rejects with a RealtimeError (its `err`, timeout, closed). */
  request<E extends ServerRequestName<A>>(
    ws: RealtimeSocket<Data>,
    event: E,
    data: ServerRequestData<A, E>,
    options: RealtimeRequestOptions = {},
  ): Promise<ServerRequestResult<A, E>> {
    const conn = this.conns.get(ws as WebSocket);
    if (conn === undefined || conn.closed)
      return Promise.reject(new RealtimeError('closed', 'the connection is not open'));
    const { ref, answer } = conn.ask(options.timeout ?? this.config.realtimeRequestTimeout);
    ws.send(['req', ref, event, data]);
    return answer as Promise<ServerRequestResult<A, E>>;
  }

  /** Sends the event to every connection of this endpoint, framed once; returns how many it was written to. */
  broadcast<E extends ServerEventName<A>>(event: E, data: ServerEventData<A, E>): number {
    if (this.conns.size === 0) return 0;
    const frame = frameValue(['evt', event, data], this.config.jsonBigInt);
    let sent = 0;
    for (const conn of this.conns.values()) if (conn.sendFrame(frame)) sent++;
    return sent;
  }

  /** The open connections (a copy). */
  get connections(): RealtimeSocket<Data>[] {
    return Array.from(this.conns.keys()) as RealtimeSocket<Data>[];
  }

  stats(): RealtimeEndpointStats {
    let subscriptions = 0;
    let pendingRequests = 0;
    let waitingRequests = 0;
    for (const c of this.conns.values()) {
      subscriptions += c.topics.size;
      pendingRequests += c.pending;
      waitingRequests += c.asking;
    }
    return { path: this.path, connections: this.conns.size, subscriptions, pendingRequests, waitingRequests };
  }

  /** @internal The app.ws() behaviour serving this endpoint. */
  behaviour(): WsBehaviour {
    const { upgrade, open, close } = this.options as RealtimeOptions;
    const limits = wsLimits(this.options as RealtimeOptions);
    return {
      ...limits,
      protocols: [SUBPROTOCOL],
      upgrade: (req) => {
        // A client that does not speak krozen.v1 is refused before the handshake (400, a JSON body).
        if (req.protocol !== SUBPROTOCOL)
          throw new HttpError(
            400,
            `this endpoint speaks the ${SUBPROTOCOL} subprotocol: offer it in Sec-WebSocket-Protocol`,
          );
        return upgrade === undefined ? undefined : upgrade(req);
      },
      open: ({ ws }) => {
        const conn = new RealtimeConnection(ws, sessionOfWs(ws));
        this.conns.set(ws, conn);
        return open?.(ws as never);
      },
      message: (ctx) => this.onMessage(ctx),
      close: ({ ws, code, reason }) => {
        const conn = this.conns.get(ws);
        if (conn === undefined) return;
        this.conns.delete(ws);
        unsubscribeAll(this.subs, conn);
        conn.end();
        return close?.(ws as never, code, reason);
      },
    };
  }

  /** The app's settings (realtimeMaxPendingRequests, realtimeRequestTimeout…), read when used. */
  private get config(): Settings {
    return this.host.settings;
  }

  private onMessage(ctx: WsMessageContext): void {
    const ws = ctx.ws;
    const conn = this.conns.get(ws);
    if (conn === undefined) return;
    if (ctx.binary) return ws.close(POLICY_VIOLATION, 'krozen.v1: binary messages are not part of the protocol');
    const data = ctx.data;
    if (ctx.invalidJson) {
      if (ws.readyState === 1) ws.close(POLICY_VIOLATION, 'krozen.v1: invalid JSON');
      return;
    }
    const m = readMessage(data);
    if (typeof m === 'string') return ws.close(POLICY_VIOLATION, m);
    this.dispatch(conn, m);
  }

  private dispatch(conn: RealtimeConnection, m: ClientMessage): void {
    const ws = conn.ws;
    switch (m.type) {
      case 'ping':
        ws.send(['pong']);
        return;
      case 'sub':
        subscribe(this.subs, conn, m.topic, m.after, (answer) => ws.send(['ok', m.ref, answer])).catch((err) =>
          this.fail(conn, m.ref, err),
        );
        return;
      case 'unsub':
        unsubscribe(this.subs, conn, m.topic);
        ws.send(['ok', m.ref, null]);
        return;
      case 'pub':
        this.clientPublish(conn, m.ref, m.topic, m.data).catch((err) => this.fail(conn, m.ref, err));
        return;
      case 'req':
        if (conn.pending >= this.config.realtimeMaxPendingRequests) {
          ws.close(POLICY_VIOLATION, 'krozen.v1: too many requests waiting for an answer');
          return;
        }
        conn.pending++;
        this.answer(conn, m.event, m.data).then(
          (result) => {
            conn.pending--;
            ws.send(['ok', m.ref, result === undefined ? null : result]);
          },
          (err) => {
            conn.pending--;
            this.fail(conn, m.ref, err);
          },
        );
        return;
      case 'evt':
        this.event(conn, m.event, m.data).catch((err) => this.logFailure(`event ${JSON.stringify(m.event)}`, err));
        return;
      case 'ok':
      case 'err': {
        const error = m.type === 'err' ? new RealtimeError(m.code as RealtimeError['code'], m.message) : undefined;
        if (!conn.settle(m.ref, m.type === 'ok' ? m.result : undefined, error))
          ws.close(POLICY_VIOLATION, `krozen.v1: ${m.type} for an unknown ref`);
        return;
      }
    }
  }

  private async answer(conn: RealtimeConnection, event: string, data: unknown): Promise<unknown> {
    const handler = this.requestHandlers.get(event);
    if (handler === undefined) throw new RealtimeError('not_found', `no request handler for ${JSON.stringify(event)}`);
    const value = await validated(this.schemas.requests.get(event), data);
    return handler(value, conn.ws as never);
  }

  private async event(conn: RealtimeConnection, event: string, data: unknown): Promise<void> {
    const handler = this.eventHandlers.get(event);
    // An event without a handler is dropped: events have no answer to carry an error.
    if (handler === undefined) return;
    const value = await validated(this.schemas.events.get(event), data);
    await handler(value, conn.ws as never);
  }

  private async clientPublish(conn: RealtimeConnection, ref: number, topic: string, data: unknown): Promise<void> {
    if (topic.length === 0) throw new RealtimeError('bad_request', 'empty topic');
    const canPublish = (this.options as RealtimeOptions).canPublish;
    // Safe default: clients publish only where canPublish says so.
    const allowed =
      canPublish === undefined ? false : await canPublish.call(this.options, conn.ws as never, topic, data);
    if (allowed !== true) throw new RealtimeError('forbidden', `may not publish to ${JSON.stringify(topic)}`);
    const value = await validated(this.schemas.publish.get(topic), data);
    this.host.publish(topic, value);
    // A recovery topic with Redis: acknowledged once Redis stored it (a refusal answers err, never a false ok).
    const stored = this.hub.pubsub.takeStored();
    if (stored !== undefined)
      await stored.catch(() => {
        throw new RealtimeError('internal', 'the message could not be stored (Redis unavailable)');
      });
    if (ref !== 0 && !conn.closed) conn.ws.send(['ok', ref, null]);
  }

  private fail(conn: RealtimeConnection, ref: number, err: unknown): void {
    const { answer, unexpected } = errAnswer(ref, err);
    if (unexpected) this.logFailure(`request ${ref}`, err);
    if (ref !== 0 && !conn.closed) conn.ws.send(answer);
  }

  private logFailure(what: string, err: unknown): void {
    logError(this.config.logger, `app.realtime('${this.path}'): ${what} failed`, err);
  }
}
