// Publishes through Redis pub/sub: one channel per topic (`<prefix><topic>`; a recovery topic:
// `<prefix>{<topic>}`, beside its stream, history-redis.ts), subscribed while this process has a local
// subscriber to the topic. Two connections: a publisher and a subscriber (a subscribed Redis connection can
// issue nothing else). While Redis is down, local publishing goes on, publishes are counted as not sent
// (never queued), and both connections reconnect; node-redis resubscribes the channels. With Redis Cluster
// (settings.redisCluster, or a cluster client) the channels are sharded (SSUBSCRIBE/SPUBLISH): each lives on
// the shard that owns its slot. Recovery topics are delivered in stream order with gap repair (redis-feed.ts).
import { listenerFault } from '../base/listener-guard';
import { ENVELOPE_BYTES, EnvelopeWriter, GapCounter, openEnvelope } from './envelope';
import { createRedisClient, createRedisCluster, isClusterClient, type RedisClientLike } from './redis-client';
import { RecoveryFeeds, type FeedCounts } from './redis-feed';
import { BEFORE_FIRST_ID, RedisStreamHistory, recoveryChannel, streamKey } from './history-redis';
import { runScript, LAST } from './redis-scripts';
import type { HistoryBounds } from './history';
import type { Opened } from './envelope';
import type { Topics } from './topics';
import type { PubSubTransport, RemoteDelivery } from './transport';
import { ErrorCode, KrozenError } from '../base/errors';
import { logWarn, type Logger } from '../base/logger';

/** How long start() waits for Redis before serving anyway (the connections keep trying). */
const CONNECT_WAIT_MS = 3000;
/** How long stop() lets the connections close politely. */
const CLOSE_WAIT_MS = 1000;
/** After a reconnect, how long node-redis gets to resubscribe before the streams are checked for gaps. */
const REPAIR_DELAY_MS = 200;

export interface RedisTransportOptions {
  /** settings.logger (outages and recoveries are logged once each). */
  logger?: Logger;
  url?: string;
  /** settings.redisCluster: seed node URLs of a Redis Cluster (sharded pub/sub). */
  cluster?: readonly string[];
  /** Which topics keep a history in Redis Streams (their messages carry ids and are delivered in stream order). */
  isRecoveryTopic?: (topic: string) => boolean;
  /** A node-redis client to publish with (its duplicate subscribes); krozen leaves it open at stop. */
  client?: RedisClientLike;
  prefix: string;
  deliver: RemoteDelivery;
}

export interface RedisStats extends FeedCounts {
  connected: boolean;
  /** Redis Cluster with sharded pub/sub. */
  sharded: boolean;
  /** Publishes Redis acknowledged. */
  sent: number;
  /** Publishes not handed to Redis (it was down) or that failed: local subscribers still got them. */
  notSent: number;
  /** Messages from other processes received. */
  received: number;
  /** Messages other processes published that this one never received (gaps in their numbering). */
  missed: number;
  /** Messages on our channels that are not krozen's (ignored). */
  malformed: number;
  /** Connection errors seen (each outage reports a few). */
  errors: number;
  /** Times a connection came back after being lost. */
  reconnects: number;
  /** Channels subscribed (topics with a local subscriber). */
  channels: number;
}

type Listener = (message: Buffer, channel: Buffer) => void;

export class RedisTransport implements PubSubTransport {
  readonly kind = 'redis';
  readonly headroom = ENVELOPE_BYTES;
  private readonly pub: RedisClientLike;
  private readonly sub: RedisClientLike;
  private readonly ownsPub: boolean;
  /** Redis Cluster: sharded pub/sub. */
  readonly sharded: boolean;
  private readonly feeds: RecoveryFeeds;
  private repairTimer: NodeJS.Timeout | undefined;
  private readonly writer = new EnvelopeWriter();
  private readonly gaps = new GapCounter();
  private readonly listeners = new Map<string, Listener>();
  private readonly counts = { sent: 0, notSent: 0, received: 0, missed: 0, malformed: 0, errors: 0, reconnects: 0 };
  private readonly wasReady = new WeakSet<RedisClientLike>();
  private readonly down = new WeakSet<RedisClientLike>();
  private stopped = false;

  constructor(
    private readonly options: RedisTransportOptions,
    private readonly topics: Topics<object>,
  ) {
    if (options.client !== undefined) {
      this.pub = options.client;
      this.ownsPub = false;
    } else if (options.cluster !== undefined && options.cluster.length > 0) {
      this.pub = createRedisCluster(options.cluster);
      this.ownsPub = true;
    } else {
      if (options.url === undefined)
        throw new KrozenError(
          ErrorCode.INVALID_SETTING,
          'krozen: Redis needs settings.redisUrl or settings.redisClient',
        );
      this.pub = createRedisClient(options.url);
      this.ownsPub = true;
    }
    this.sharded = isClusterClient(this.pub);
    this.sub = this.pub.duplicate();
    for (const client of [this.pub, this.sub]) this.watchConnection(client);
    this.feeds = new RecoveryFeeds(() => this.pub, options.prefix, this.deliverWithId);
  }

  /** The history of recovery topics, in Redis Streams next to their channels. */
  history(bounds: HistoryBounds): RedisStreamHistory {
    return new RedisStreamHistory(
      { client: this.pub, prefix: this.options.prefix, sharded: this.sharded, writer: this.writer },
      bounds,
    );
  }

  /** Connects (waiting at most CONNECT_WAIT_MS), then follows the local topics. */
  async start(): Promise<void> {
    const connecting = [this.pub, this.sub]
      .filter((c) => !c.isOpen)
      .map((c) =>
        c.connect().then(
          () => undefined,
          () => undefined,
        ),
      ); // failures arrive as 'error' events
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(resolve, CONNECT_WAIT_MS, 'timeout');
    });
    const outcome = await Promise.race([Promise.all(connecting), waited]);
    clearTimeout(timer);
    if (outcome === 'timeout' && !this.stopped) {
      logWarn(
        this.options.logger,
        `Redis not reachable after ${CONNECT_WAIT_MS} ms; serving anyway (publishes stay local until it is)`,
      );
    }
    for (const topic of this.topics.names()) this.follow(topic, true);
    this.topics.watch((topic, active) => this.follow(topic, active));
  }

  send(topic: string, binary: boolean, buf: Buffer, str = false): void {
    if (!this.pub.isReady) {
      this.counts.notSent++;
      return;
    }
    this.writer.seal(topic, binary, buf, str);
    try {
      const channel = this.options.prefix + topic;
      const sent = this.sharded ? this.pub.sPublish!(channel, buf) : this.pub.publish(channel, buf);
      sent.then(this.onSent, this.onNotSent);
    } catch {
      this.counts.notSent++; // a client closed under us throws instead of rejecting: local delivery already happened
    }
  }

  stats(): RedisStats {
    return {
      connected: this.pub.isReady && this.sub.isReady,
      sharded: this.sharded,
      ...this.counts,
      ...this.feeds.counts,
      errors: this.counts.errors + this.feeds.counts.errors,
      channels: this.listeners.size,
    };
  }

  /** Leaves every channel and closes the connections (the user's own client stays open). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.topics.watch(null);
    clearTimeout(this.repairTimer);
    const channels = [...this.listeners.keys()].map((topic) => this.channel(topic));
    this.listeners.clear();
    if (this.sub.isReady && this.sharded)
      await withTimeout(Promise.all(channels.map((c) => this.sub.sUnsubscribe!(c))), CLOSE_WAIT_MS);
    else if (this.sub.isReady) await withTimeout(this.sub.unsubscribe(), CLOSE_WAIT_MS);
    await Promise.all([closeClient(this.sub), this.ownsPub ? closeClient(this.pub) : Promise.resolve()]);
  }

  private readonly onSent = (): void => {
    this.counts.sent++;
  };

  private readonly onNotSent = (): void => {
    this.counts.notSent++;
  };

  /** Subscribes to a topic's channel when it gets its first local subscriber; leaves it after the last. */
  private follow(topic: string, active: boolean): void {
    if (this.stopped) return;
    const channel = this.channel(topic);
    if (active) {
      if (this.listeners.has(topic)) return;
      // node-redis still calls a listener for messages read before its UNSUBSCRIBE is answered: once the topic
      // is left they are dropped (they would start a new feed at a stale id, repaired again when followed).
      const listener: Listener = (message) => {
        if (this.listeners.get(topic) === listener) this.receive(topic, message);
      };
      this.listeners.set(topic, listener);
      if (this.isRecovery(topic)) void this.followRecovery(topic, channel, listener);
      else this.subscribe(channel, listener);
    } else {
      const listener = this.listeners.get(topic);
      if (listener === undefined) return;
      this.listeners.delete(topic);
      this.gaps.forget(topic);
      this.feeds.leave(topic);
      const left = this.sharded
        ? this.sub.sUnsubscribe!(channel, listener, true)
        : this.sub.unsubscribe(channel, listener, true);
      left.catch(this.onCommandError);
    }
  }

  /** Reads the stream's newest id before subscribing: what is published after it is this process's to deliver. */
  private async followRecovery(topic: string, channel: string, listener: Listener): Promise<void> {
    let last: string | null | undefined;
    try {
      if (this.pub.isReady)
        last = (await runScript(this.pub, LAST, streamKey(this.options.prefix, topic), [])) as string | null;
    } catch {
      this.counts.errors++;
    }
    if (this.listeners.get(topic) !== listener) return; // left meanwhile
    // No stream yet (null): its first message will be number 1, and the feed expects it. Messages published
    // before the SUBSCRIBE below takes effect then show as a gap and are read back from the stream; with an
    // unknown position the first live one would have been taken as the start and those lost.
    this.feeds.follow(topic, last === null ? BEFORE_FIRST_ID : last);
    this.subscribe(channel, listener);
  }

  private subscribe(channel: string, listener: Listener): void {
    const done = this.sharded
      ? this.sub.sSubscribe!(channel, listener, true)
      : this.sub.subscribe(channel, listener, true);
    done.catch(this.onCommandError);
  }

  private isRecovery(topic: string): boolean {
    return this.options.isRecoveryTopic?.(topic) === true;
  }

  private channel(topic: string): string {
    return this.isRecovery(topic) ? recoveryChannel(this.options.prefix, topic) : this.options.prefix + topic;
  }

  /** A message from a recovery topic's stream, in order: this process's own ones too. */
  private readonly deliverWithId = (topic: string, opened: Opened): void => {
    this.counts.received++;
    try {
      this.options.deliver(topic, opened.binary, opened.payload, opened.id);
    } catch (err) {
      this.counts.errors++;
      listenerFault('Redis message', err);
    }
  };

  /** After a reconnect (or a cluster node coming back), checks the recovery topics' streams for gaps. */
  private scheduleRepair(): void {
    if (this.stopped) return;
    clearTimeout(this.repairTimer);
    this.repairTimer = setTimeout(() => this.feeds.repairAll(), REPAIR_DELAY_MS);
    this.repairTimer.unref?.();
  }

  private receive(topic: string, message: Buffer): void {
    const opened = openEnvelope(message);
    if (opened === null) {
      this.counts.malformed++;
      return;
    }
    if (opened.id !== undefined) {
      this.feeds.receive(topic, opened);
      return;
    }
    if (opened.origin === this.writer.originKey) return; // delivered locally when published
    this.counts.received++;
    this.counts.missed += this.gaps.see(topic, opened.origin, opened.sequence);
    try {
      this.options.deliver(topic, opened.binary, opened.payload, undefined, opened.str);
    } catch (err) {
      this.counts.errors++;
      listenerFault('Redis message', err);
    }
  }

  private readonly onCommandError = (): void => {
    this.counts.errors++;
  };

  /** Error events are counted (an unhandled one would crash the process); an outage is reported once. */
  private watchConnection(client: RedisClientLike): void {
    client.on('error', (err: Error) => {
      this.counts.errors++;
      if (this.stopped || this.down.has(client)) return;
      this.down.add(client);
      logWarn(this.options.logger, `Redis connection lost (${err.message}); publishes stay local until it is back`);
    });
    // A cluster client reports its nodes: one coming back may carry resubscribed shards.
    client.on('node-ready', () => this.scheduleRepair());
    client.on('ready', () => {
      if (this.wasReady.has(client)) {
        this.counts.reconnects++;
        if (client === this.sub) this.scheduleRepair();
      }
      this.wasReady.add(client);
      if (this.down.delete(client) && !this.stopped) logWarn(this.options.logger, 'Redis connection is back');
    });
  }
}

function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** close() (node-redis 5+) or quit(), bounded; then destroy() whatever is left. */
export async function closeClient(client: RedisClientLike): Promise<void> {
  if (client.isOpen) {
    const polite = client.close?.() ?? client.quit?.();
    if (polite !== undefined) await withTimeout(polite, CLOSE_WAIT_MS);
  }
  if (client.isOpen) {
    if (client.destroy !== undefined) client.destroy();
    else await withTimeout(client.disconnect?.() ?? Promise.resolve(), CLOSE_WAIT_MS);
  }
}
