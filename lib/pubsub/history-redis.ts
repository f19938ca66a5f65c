// Message history in Redis Streams: one stream per recovery topic, `<prefix>stream:{<topic>}`, shared by
// every process. An append is one script (redis-scripts.ts APPEND): XADD with count and age trimming, then
// (S)PUBLISH of the message with its id on the topic's channel `<prefix>{<topic>}`; the hash tag puts the
// stream and the channel in one cluster slot. Ids are "<ms>-<n>" with n the topic's message number, so
// `since` knows how many messages were trimmed between an old id and the oldest one kept.
import { compareIds, type HistoryBounds, type HistoryEntry, type HistoryStats, type HistoryStore } from './history';
import type { MessageId, Recovery } from './history';
import { APPEND, LAST, OrderedScript, RANGE, runScript } from './redis-scripts';
import type { RedisClientLike } from './redis-client';
import type { EnvelopeWriter } from './envelope';
import { VERSION_WITH_ID } from './envelope';

/** Entries read per XRANGE call. */
export const PAGE = 500;

/** The position before a stream's first message: the APPEND script numbers an empty stream's next message 1. */
export const BEFORE_FIRST_ID: MessageId = '0-0';

/** The stream of a recovery topic. */
export function streamKey(prefix: string, topic: string): string {
  return `${prefix}stream:{${topic}}`;
}

/** The channel of a recovery topic (same slot as its stream). */
export function recoveryChannel(prefix: string, topic: string): string {
  return `${prefix}{${topic}}`;
}

/** The message number n of an id "<ms>-<n>" written by the APPEND script. */
export function idNumber(id: MessageId): number {
  return Number(id.slice(id.indexOf('-') + 1));
}

/** What the history needs from the Redis transport: its publishing client and how it publishes. */
export interface RedisStreamHost {
  readonly client: RedisClientLike;
  readonly prefix: string;
  /** Redis Cluster: SPUBLISH (sharded pub/sub). */
  readonly sharded: boolean;
  readonly writer: EnvelopeWriter;
}

/** Reads a topic's stream after `after` (exclusive), page by page, up to its end. */
export async function readAfter(client: RedisClientLike, key: string, after: MessageId): Promise<HistoryEntry[]> {
  const entries: HistoryEntry[] = [];
  let start = after;
  for (;;) {
    const page = (await runScript(client, RANGE, key, [`(${start}`, String(PAGE)])) as Array<[string, string]>;
    for (const [id, d] of page) entries.push({ id, payload: Buffer.from(d || '') });
    if (page.length < PAGE) return entries;
    start = page[page.length - 1][0];
  }
}

export class RedisStreamHistory implements HistoryStore {
  readonly kind = 'redis';
  private readonly appended = new Set<string>();
  /** Appends reach Redis in the order they are made: that order is the order of the ids. */
  private readonly appendScript: OrderedScript;

  constructor(
    private readonly host: RedisStreamHost,
    private readonly bounds: HistoryBounds,
  ) {
    this.appendScript = new OrderedScript(host.client, APPEND);
  }

  /** Rejects when Redis is down or the script fails: the publisher learns it, nothing is queued. */
  async append(topic: string, payload: Buffer): Promise<MessageId> {
    const { client, prefix, sharded, writer } = this.host;
    // Down (reconnecting): refuse now rather than wait in node-redis's offline queue for as long as the outage.
    if (client.isReady === false) throw new Error('Redis is not connected: the message was neither stored nor sent');
    const header = Buffer.allocUnsafe(16);
    writer.seal(topic, false, header, false, VERSION_WITH_ID);
    const id = (await this.appendScript.run(streamKey(prefix, topic), [
      recoveryChannel(prefix, topic),
      header,
      payload,
      String(Math.max(1, this.bounds.maxMessages)),
      String(Number.isFinite(this.bounds.maxAge) ? Math.max(0, Math.floor(this.bounds.maxAge)) : 0),
      sharded ? '1' : '0',
    ])) as string;
    if (this.appended.size < 100_000) this.appended.add(topic);
    return id;
  }

  async since(topic: string, after: MessageId): Promise<Recovery> {
    const key = streamKey(this.host.prefix, topic);
    const entries = await readAfter(this.host.client, key, after);
    const want = idNumber(after) + 1;
    if (entries.length > 0) {
      const first = idNumber(entries[0].id);
      if (first === want) return { entries, complete: true };
      // A smaller number: another stream than the one that issued `after` (Redis lost it and started over).
      return first > want ? { entries, complete: false, missed: first - want } : { entries, complete: false };
    }
    const last = await this.last(topic);
    // Nothing newer: complete only when `after` is the newest entry (else it was never this stream's).
    return { entries, complete: last !== null && compareIds(last, after) === 0 };
  }

  async last(topic: string): Promise<MessageId | null> {
    const id = await runScript(this.host.client, LAST, streamKey(this.host.prefix, topic), []);
    return typeof id === 'string' ? id : null;
  }

  stats(): HistoryStats {
    return { kind: 'redis', topics: this.appended.size, entries: 0, bytes: 0, trimmed: 0 };
  }

  /** The connections belong to the transport, which closes them. */
  async stop(): Promise<void> {}
}
