// Message history for recovery (the krozen.v1 protocol, docs/realtime-protocol.md): a bounded log per
// recovery-enabled topic, kept in memory (history-memory.ts) or in a Redis Stream per topic (history-redis.ts),
// so a client that reconnects can be sent exactly what it missed.

/** A message id: "<ms>-<seq>", as Redis Streams writes them; ordered by (ms, seq) as numbers. */
export type MessageId = string;

const ID = /^(\d{1,15})-(\d{1,15})$/;

/** True for a well-formed id. */
export function isMessageId(value: unknown): value is MessageId {
  return typeof value === 'string' && ID.test(value);
}

/** Orders two well-formed ids: negative when `a` is older than `b`, 0 when equal, positive when newer. */
export function compareIds(a: MessageId, b: MessageId): number {
  const da = a.indexOf('-');
  const db = b.indexOf('-');
  const ms = Number(a.slice(0, da)) - Number(b.slice(0, db));
  return ms !== 0 ? ms : Number(a.slice(da + 1)) - Number(b.slice(db + 1));
}

/** One message kept: its id and the published value's JSON bytes. */
export interface HistoryEntry {
  readonly id: MessageId;
  readonly payload: Buffer;
}

/** What a reconnecting subscriber is owed on one topic. */
export interface Recovery {
  /** Entries newer than the id asked about, oldest first, up to the topic's end when read. */
  readonly entries: HistoryEntry[];
  /** False when the id is older than what is kept, or unknown to this history: messages were lost. */
  readonly complete: boolean;
  /** With `complete` false: how many messages were lost, when known. */
  readonly missed?: number;
}

/** Sizes of the history, for stats. */
export interface HistoryStats {
  readonly kind: 'memory' | 'redis';
  /** Topics with a history kept (memory; Redis: topics appended to by this process). */
  readonly topics: number;
  /** Entries kept (memory only; Redis keeps its own). */
  readonly entries: number;
  /** Payload bytes kept (memory only). */
  readonly bytes: number;
  /** Entries dropped by the count, age or byte bounds (memory), since start. */
  readonly trimmed: number;
}

/** The bounds every history applies: settings.recoveryMaxMessages, recoveryMaxAge, recoveryMaxBytes. */
export interface HistoryBounds {
  /** Entries kept per topic. */
  readonly maxMessages: number;
  /** Milliseconds an entry is kept. */
  readonly maxAge: number;
  /** Payload bytes kept over all topics (memory only). */
  readonly maxBytes: number;
}

export interface HistoryStore {
  readonly kind: 'memory' | 'redis';
  /**
   * Records a message and returns its id. Memory: synchronous. Redis: one script appends to the topic's
   * stream and publishes the message with its id to every process, so ids and delivery order agree everywhere.
   */
  append(topic: string, payload: Buffer): MessageId | Promise<MessageId>;
  /** Entries after `after` on `topic` (see Recovery). */
  since(topic: string, after: MessageId): Recovery | Promise<Recovery>;
  /** The topic's newest id, or null when it has none. */
  last(topic: string): MessageId | null | Promise<MessageId | null>;
  stats(): HistoryStats;
  stop(): Promise<void>;
}
