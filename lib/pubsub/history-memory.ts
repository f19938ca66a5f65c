// The message history of one process (HistoryStore, history.ts): a ring per topic, ids "<epoch>-<n>" where
// epoch is this store's creation time and n counts the topic's messages from 1. An id with another epoch was
// issued by a previous instance (a restarted process): unknown, so `lost` with no count. Bounds: entries per
// topic, age, and bytes over all topics (the oldest entry anywhere goes first).
import { isMessageId, type HistoryBounds, type HistoryEntry, type HistoryStats, type HistoryStore } from './history';
import type { MessageId, Recovery } from './history';

interface Kept extends HistoryEntry {
  readonly seq: number;
  readonly at: number;
  readonly topic: TopicLog;
  /** Trimmed from its topic already (still in the global queue until it reaches the front). */
  dead: boolean;
}

interface TopicLog {
  readonly name: string;
  /** Messages appended so far (the newest id's n). */
  seq: number;
  /** Entries kept, oldest first, from `head`. */
  entries: Kept[];
  head: number;
}

/** Queue of every entry in append order, so byte and age trimming take the oldest anywhere in O(1). */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  push(item: T): void {
    this.items.push(item);
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  shift(): T | undefined {
    const item = this.items[this.head];
    if (item === undefined) return undefined;
    this.head++;
    // Compact once half the array is consumed: amortised O(1).
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

export class MemoryHistory implements HistoryStore {
  readonly kind = 'memory';
  /** This instance's epoch, the ms part of every id it issues. */
  readonly epoch: number;
  private readonly logs = new Map<string, TopicLog>();
  private readonly all = new Fifo<Kept>();
  private entries = 0;
  private bytes = 0;
  private trimmed = 0;

  constructor(
    private readonly bounds: HistoryBounds,
    private readonly now: () => number = Date.now,
  ) {
    this.epoch = now();
  }

  append(topic: string, payload: Buffer): MessageId {
    let log = this.logs.get(topic);
    if (log === undefined) {
      log = { name: topic, seq: 0, entries: [], head: 0 };
      this.logs.set(topic, log);
    }
    const seq = ++log.seq;
    const at = this.now();
    const entry: Kept = { id: `${this.epoch}-${seq}`, payload, seq, at, topic: log, dead: false };
    log.entries.push(entry);
    this.all.push(entry);
    this.entries++;
    this.bytes += payload.length;
    if (log.entries.length - log.head > this.bounds.maxMessages) this.dropFront(log);
    this.trim(at);
    return entry.id;
  }

  since(topic: string, after: MessageId): Recovery {
    this.trim(this.now());
    if (!isMessageId(after)) return { entries: [], complete: false };
    const dash = after.indexOf('-');
    const log = this.logs.get(topic);
    // Another epoch: issued by an earlier instance of this store, whose history is gone.
    if (Number(after.slice(0, dash)) !== this.epoch) return { entries: [], complete: false };
    const seq = Number(after.slice(dash + 1));
    const newest = log === undefined ? 0 : log.seq;
    if (seq > newest) return { entries: [], complete: false };
    if (log === undefined) return { entries: [], complete: true };
    const oldest = log.head < log.entries.length ? log.entries[log.head].seq : newest + 1;
    // Messages after `after` but before the oldest kept were trimmed.
    if (seq + 1 < oldest) {
      const missed = oldest - seq - 1;
      return { entries: this.from(log, oldest), complete: false, missed };
    }
    return { entries: this.from(log, seq + 1), complete: true };
  }

  last(topic: string): MessageId | null {
    const log = this.logs.get(topic);
    return log === undefined || log.seq === 0 ? null : `${this.epoch}-${log.seq}`;
  }

  stats(): HistoryStats {
    return { kind: 'memory', topics: this.logs.size, entries: this.entries, bytes: this.bytes, trimmed: this.trimmed };
  }

  async stop(): Promise<void> {
    this.logs.clear();
    while (this.all.shift() !== undefined);
    this.entries = 0;
    this.bytes = 0;
  }

  /** Entries of `log` from message number `seq` on (ids are consecutive within a log). */
  private from(log: TopicLog, seq: number): HistoryEntry[] {
    const out: HistoryEntry[] = [];
    if (log.head >= log.entries.length) return out;
    const start = log.head + Math.max(0, seq - log.entries[log.head].seq);
    for (let i = start; i < log.entries.length; i++)
      out.push({ id: log.entries[i].id, payload: log.entries[i].payload });
    return out;
  }

  /** Age and byte bounds, oldest entry anywhere first. */
  private trim(now: number): void {
    const { maxAge, maxBytes } = this.bounds;
    for (let e = this.all.peek(); e !== undefined; e = this.all.peek()) {
      if (e.dead) {
        this.all.shift();
        continue;
      }
      if (this.bytes <= maxBytes && now - e.at <= maxAge) break;
      this.all.shift();
      this.dropFront(e.topic);
    }
  }

  /** Drops the oldest entry of `log` (it is the front of the global queue too, or behind it and marked dead). */
  private dropFront(log: TopicLog): void {
    const e = log.entries[log.head];
    e.dead = true;
    log.head++;
    this.entries--;
    this.bytes -= e.payload.length;
    this.trimmed++;
    if (log.head > 64 && log.head * 2 > log.entries.length) {
      log.entries = log.entries.slice(log.head);
      log.head = 0;
    }
  }
}
