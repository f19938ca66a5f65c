// app.publish(): this process's subscribers first (framed once, written to each), then the other processes
// through one transport: Redis when settings.redisUrl or settings.redisClient is set, else cluster IPC
// between the primary and its workers, else none. A message from another process is framed once here too.
import type { Settings } from '../settings/index';
import { IpcPrimaryTransport, IpcWorkerTransport } from './ipc';
import { encodePayload, payloadTooLarge } from './payload';
import { RedisTransport } from './redis';
import type { RedisClientLike } from './redis-client';
import { Topics } from './topics';
import type { PubSubTransport } from './transport';
import { ErrorCode, KrozenTypeError } from '../base/errors';

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
}

const REDIS_URL = /^rediss?:\/\//;

/** `Subscriber`: what the local hub keeps per topic (the WebSocket layer's connections). */
export class PubSub<Subscriber extends object = object> {
  /** Topic → this process's subscribers (the WebSocket hub adds and removes its connections here). */
  readonly topics = new Topics<Subscriber>();
  private transport: PubSubTransport | null = null;
  private published = 0;
  private received = 0;

  constructor(
    private readonly settings: Settings,
    private readonly local: () => LocalSubscribers | undefined,
  ) {}

  /** Sends `value` to every subscriber of `topic` in every process; returns how many were here. */
  publish(topic: string, value: unknown): number {
    if (typeof topic !== 'string')
      throw new KrozenTypeError(ErrorCode.INVALID_ARGUMENT, 'krozen: publish(topic, value): topic must be a string');
    const limit = this.settings.publishMaxPayload;
    const transport = this.transport;
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

  /** Starts the cross-process transport this process's role and the settings call for. */
  async start(role: PubSubRole): Promise<void> {
    if (this.transport !== null) return;
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
        },
        this.topics,
      );
      this.transport = redis;
      await redis.start();
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
    return out;
  }

  private readonly deliver = (topic: string, binary: boolean, payload: Buffer, id?: string): void => {
    this.received++;
    const hub = this.local();
    if (hub !== undefined && this.topics.subscribers(topic) !== undefined)
      hub.publishPayload(topic, binary, payload, id);
  };
}
