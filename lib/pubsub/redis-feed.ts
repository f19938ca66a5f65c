// Delivery of recovery topics from Redis in stream order, with gap repair. Each message carries its stream id
// "<ms>-<n>" (n: the topic's message number), so a jump in n shows messages this process never received (the
// subscriber connection dropped, a cluster failover moved the shard): they are read from the stream
// (XRANGE after the last id delivered) and delivered first, while live ones for that topic wait; an id not
// newer than the last delivered is a duplicate and dropped. After a reconnect every followed topic is checked
// the same way, so an outage with no later message is repaired too.
import { compareIds, type MessageId } from './history';
import { idNumber, readAfter, streamKey } from './history-redis';
import type { Opened } from './envelope';
import type { RedisClientLike } from './redis-client';

interface Feed {
  /** The last id delivered (or the stream's newest when the topic was followed); undefined: not known yet. */
  last?: MessageId;
  repairing: boolean;
  held: Opened[];
}

export interface FeedCounts {
  /** Messages read back from streams after a gap and delivered. */
  repaired: number;
  /** Messages received twice (dropped). */
  duplicates: number;
  /** Messages that neither arrived nor were in the stream any more (trimmed, or Redis lost them). */
  lost: number;
  errors: number;
}

export type FeedDelivery = (topic: string, opened: Opened) => void;

export class RecoveryFeeds {
  private readonly feeds = new Map<string, Feed>();
  readonly counts: FeedCounts = { repaired: 0, duplicates: 0, lost: 0, errors: 0 };

  constructor(
    private readonly client: () => RedisClientLike,
    private readonly prefix: string,
    private readonly deliver: FeedDelivery,
  ) {}

  /** Starts following a topic from `last` (its stream's newest id before subscribing, if known). */
  follow(topic: string, last: MessageId | null | undefined): void {
    const feed = this.feeds.get(topic);
    if (feed === undefined) this.feeds.set(topic, { last: last ?? undefined, repairing: false, held: [] });
    else if (feed.last === undefined && last) feed.last = last;
  }

  has(topic: string): boolean {
    return this.feeds.has(topic);
  }

  leave(topic: string): void {
    this.feeds.delete(topic);
  }

  receive(topic: string, opened: Opened): void {
    let feed = this.feeds.get(topic);
    if (feed === undefined) {
      feed = { repairing: false, held: [] };
      this.feeds.set(topic, feed);
    }
    if (feed.repairing) feed.held.push(opened);
    else this.accept(topic, feed, opened, true);
  }

  /** Checks every followed topic's stream for messages after the last delivered (after a reconnect). */
  repairAll(): void {
    for (const [topic, feed] of this.feeds)
      if (!feed.repairing && feed.last !== undefined) void this.repair(topic, feed);
  }

  private accept(topic: string, feed: Feed, opened: Opened, mayRepair: boolean): void {
    const id = opened.id!;
    if (feed.last !== undefined) {
      if (compareIds(id, feed.last) <= 0) {
        this.counts.duplicates++;
        return;
      }
      const n = idNumber(id);
      const expected = idNumber(feed.last) + 1;
      if (n !== expected) {
        if (mayRepair) {
          feed.held.push(opened);
          void this.repair(topic, feed);
          return;
        }
        if (n > expected) this.counts.lost += n - expected;
      }
    }
    feed.last = id;
    this.deliver(topic, opened);
  }

  private async repair(topic: string, feed: Feed): Promise<void> {
    feed.repairing = true;
    try {
      const entries = await readAfter(this.client(), streamKey(this.prefix, topic), feed.last!);
      for (const e of entries) {
        if (this.feeds.get(topic) !== feed) return; // left meanwhile
        if (feed.last !== undefined && compareIds(e.id, feed.last) <= 0) continue;
        const n = idNumber(e.id);
        const expected = feed.last === undefined ? n : idNumber(feed.last) + 1;
        if (n > expected) this.counts.lost += n - expected;
        feed.last = e.id;
        this.counts.repaired++;
        this.deliver(topic, { binary: false, str: false, origin: '', sequence: 0, id: e.id, payload: e.payload });
      }
    } catch {
      this.counts.errors++; // Redis down again: what is held goes out below; the next reconnect repairs
    } finally {
      feed.repairing = false;
      const held = feed.held;
      feed.held = [];
      // Messages that arrived during the read: the ones it did not already deliver, without a second repair.
      for (const opened of held) this.accept(topic, feed, opened, false);
    }
  }
}
