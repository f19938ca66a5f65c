// app.publish(): this process's subscribers first (framed once, written to each), then the other processes
// through one transport: Redis when settings.redisUrl or settings.redisClient is set, else cluster IPC
// between the primary and its workers, else none. A message from another process is framed once here too.
// krozen.v1 subscribers (lib/realtime/) get the value's JSON in an `m` envelope, with a history id on
// recovery-enabled topics (realtime-delivery.ts).
import type { Settings } from '../settings/index';
import { IpcPrimaryTransport, IpcWorkerTransport } from './ipc';
import { encodePayload, payloadTooLarge } from './payload';
import { RedisTransport } from './redis';
import type { RedisClientLike } from './redis-client';
import { Topics } from './topics';
import type { PubSubTransport, RemoteDelivery } from './transport';
import { ErrorCode, KrozenTypeError } from '../base/errors';
import type { HistoryBounds, HistoryStats, HistoryStore } from './history';
import { MemoryHistory } from './history-memory';
import { RealtimeDelivery, type RealtimeSubscribers } from './realtime-delivery';

/** This process's subscribers (the WebSocket hub). */
export interface LocalSubscribers {
  /** Frames `value` once and writes it to each subscriber of `topic`; throws over `maxPayload` bytes. */
  publish(topic: string, value: unknown, maxPayload?: number): number;
  /** Frames payload bytes from another process once and writes them to each subscriber of `topic`. */
  publishPayload(topic: string, binary: boolean, payload: Buffer, id?: string): number;
}

/** Which process this is: one server on its own, a cluster primary (serves nothing) or a cluster worker. */
export type PubSubRole = 'single' | 'primary' | 'worker';

export interface PubSubStats {
  /** publish() calls in this process. */
  published: number;
  /** Messages from other processes handed to local subscribers. */
  received: number;
  /** Topics with a subscriber in this process. */
  topics: number;
  /** How publishes leave this process. */
  transport: 'none' | 'ipc' | 'redis';
  /** The transport's own counters (Redis: connected, sent, notSent, received, missed, …). */
  ipc?: object;
  redis?: object;
  /** The recovery history (app.realtime() topics with `recovery`), once one is in use. */
  history?: HistoryStats;
  /** Publishes on recovery topics that Redis refused (down, failing over): logged, delivered nowhere. */
  notStored?: number;
}

const REDIS_URL = /^rediss?:\/\//;

/** `Subscriber`: what the local hub keeps per topic (the WebSocket layer's connections). */
export class PubSub<Subscriber extends object = object> {
  /** Topic → this process's subscribers (the WebSocket hub adds and removes its connections here). */
  readonly topics = new Topics<Subscriber>();
  private transport: PubSubTransport | null = null;
  private published = 0;
  private received = 0;
  private store: HistoryStore | null = null;
  /** Set by the first app.realtime() endpoint: the path for topics krozen.v1 connections follow. */
  private rt: RealtimeDelivery | null = null;
  /** A cluster primary serves no connection: it keeps no history. */
  private primary = false;

  constructor(
    private readonly settings: Settings,
    private readonly local: () => LocalSubscribers | undefined,
  ) {}

  /** @internal The app's krozen.v1 subscribers (lib/realtime/); from then on their topics take the JSON path. */
  attachRealtime(subscribers: RealtimeSubscribers): void {
    this.rt = new RealtimeDelivery(
      subscribers,
      this.topics,
      () => (this.primary ? null : this.history),
      this.local,
      () => this.settings.logger,
    );
  }

  /**
   * The recovery history: set before start() (the Redis store with settings.redisUrl), else the in-memory one
   * (history-memory.ts) under settings.recoveryMaxMessages / recoveryMaxAge / recoveryMaxBytes.
   */
  get history(): HistoryStore {
    if (this.store === null) this.store = new MemoryHistory(this.bounds());
    return this.store;
  }

  set history(store: HistoryStore) {
    const previous = this.store;
    this.store = store;
    if (previous !== null && previous !== store) void previous.stop();
  }

  private bounds(): HistoryBounds {
    const s = this.settings;
    return { maxMessages: s.recoveryMaxMessages, maxAge: s.recoveryMaxAge, maxBytes: s.recoveryMaxBytes };
  }

  /** Sends `value` to every subscriber of `topic` in every process; returns how many were here. */
  /** `jsonText`: `value` is a string of JSON (app.publish under jsonBigInt), not a string value. */
  publish(topic: string, value: unknown, jsonText = false): number {
    if (typeof topic !== 'string')
      throw new KrozenTypeError(ErrorCode.INVALID_ARGUMENT, 'krozen: publish(topic, value): topic must be a string');
    const limit = this.settings.publishMaxPayload;
    const transport = this.transport;
    const rt = this.rt;
    if (rt !== null && rt.follows(topic)) {
      const sent = rt.publish(topic, value, jsonText, limit, transport);
      this.published++;
      return sent;
    }
    this.published++;
    if (transport === null) {
      const hub = this.local();
      return hub === undefined ? 0 : hub.publish(topic, value, limit);
    }
    const { binary, buf } = encodePayload(value, transport.headroom);
    const payload = buf.subarray(transport.headroom);
    if (payload.length > limit) throw payloadTooLarge(payload.length, limit);
    const hub = this.local();
    const sent =
      hub === undefined || this.topics.subscribers(topic) === undefined
        ? 0
        : hub.publishPayload(topic, binary, payload);
    transport.send(topic, binary, buf);
    return sent;
  }

  /**
   * Called right after publish(): a promise of that message being stored and sent when the history is
   * asynchronous (a recovery topic with Redis), which rejects if Redis refused it; undefined when it went out
   * synchronously. A client's `pub` is acknowledged only after it (lib/realtime/endpoint.ts).
   */
  takeStored(): Promise<void> | undefined {
    const rt = this.rt;
    if (rt === null) return undefined;
    const stored = rt.lastStored;
    rt.lastStored = undefined;
    return stored;
  }

  /** Starts the cross-process transport this process's role and the settings call for. */
  async start(role: PubSubRole): Promise<void> {
    if (this.transport !== null) return;
    this.primary = role === 'primary';
    const { redisUrl, redisClient, redisCluster, redisPrefix } = this.settings;
    if (redisUrl !== undefined || redisClient !== undefined || redisCluster !== undefined) {
      if (
        redisClient === undefined &&
        redisCluster === undefined &&
        (typeof redisUrl !== 'string' || !REDIS_URL.test(redisUrl))
      ) {
        throw new KrozenTypeError(
          ErrorCode.INVALID_SETTING,
          `krozen: settings.redisUrl must be a redis:// or rediss:// URL (got ${JSON.stringify(redisUrl)})`,
        );
      }
      if (typeof redisPrefix !== 'string')
        throw new KrozenTypeError(ErrorCode.INVALID_SETTING, 'krozen: settings.redisPrefix must be a string');
      const redis = new RedisTransport(
        {
          url: redisUrl,
          cluster: redisCluster,
          client: redisClient as RedisClientLike | undefined,
          prefix: redisPrefix,
          deliver: this.deliver,
          logger: this.settings.logger,
          isRecoveryTopic: (topic) => this.rt !== null && this.rt.recovers(topic),
        },
        this.topics,
      );
      this.transport = redis;
      await redis.start();
      // Recovery topics keep their history in Redis Streams, shared by every process (history-redis.ts).
      if (!this.primary) this.history = redis.history(this.bounds());
    } else if (role === 'primary') {
      this.transport = new IpcPrimaryTransport();
    } else if (role === 'worker') {
      this.transport = new IpcWorkerTransport(this.deliver);
    }
  }

  /** Leaves Redis (unsubscribes, closes its connections) or the IPC channel. */
  async stop(): Promise<void> {
    const transport = this.transport;
    this.transport = null;
    if (transport !== null) await transport.stop();
    if (this.store !== null) await this.store.stop();
  }

  stats(): PubSubStats {
    const t = this.transport;
    const out: PubSubStats = {
      published: this.published,
      received: this.received,
      topics: this.topics.size,
      transport: t === null ? 'none' : t.kind,
    };
    if (t !== null) out[t.kind] = t.stats();
    if (this.store !== null) out.history = this.store.stats();
    if (this.rt !== null && this.rt.failed > 0) out.notStored = this.rt.failed;
    return out;
  }

  private readonly deliver: RemoteDelivery = (topic, binary, payload, id, str) => {
    this.received++;
    const hub = this.local();
    if (hub !== undefined && this.topics.subscribers(topic) !== undefined) hub.publishPayload(topic, binary, payload);
    const rt = this.rt;
    if (rt !== null && !binary && rt.follows(topic)) rt.remote(topic, payload, id, str === true);
  };
}
