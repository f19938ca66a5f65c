// `sub` and `unsub` (docs/realtime-protocol.md#recovery). A sub with `after` registers the live subscription
// first and holds its messages while the history is read (the Redis history answers asynchronously), then
// sends the missed entries, the `ok`, and the held messages newer than the last one sent: no gap, no duplicate.
import type { Topics } from '../pubsub/topics';
import { compareIds, isMessageId, type HistoryStore, type MessageId } from '../pubsub/history';
import type { RealtimeConnection } from './connection';
import { messageFrame } from './protocol';
import { RealtimeError } from './realtime-error';

export interface SubscriptionHost {
  readonly topics: Topics<unknown, object>;
  readonly history: HistoryStore;
  recovers(topic: string): boolean;
  maxSubscriptions(): number;
  /** canSubscribe; throws or rejects like a handler. */
  allowed(conn: RealtimeConnection, topic: string): boolean | Promise<boolean>;
}

export interface SubAnswer {
  last: MessageId | null;
  recovered: number;
}

/**
 * Subscribes `conn` to `topic` (recovering after `after` when given) and calls `ok` with the answer, at the
 * moment the protocol puts it: after the missed messages, before the held live ones. A refusal throws a
 * RealtimeError before anything is sent.
 */
export async function subscribe(
  host: SubscriptionHost,
  conn: RealtimeConnection,
  topic: string,
  after: unknown,
  ok: (answer: SubAnswer) => void,
): Promise<void> {
  if (topic.length === 0) throw new RealtimeError('bad_request', 'empty topic');
  if (after !== null && !isMessageId(after)) throw new RealtimeError('bad_request', 'after must be a message id');
  if (!conn.topics.has(topic) && conn.topics.size >= host.maxSubscriptions())
    throw new RealtimeError('limit', `at most ${host.maxSubscriptions()} subscriptions per connection`);
  const allowed = await host.allowed(conn, topic);
  if (allowed !== true) throw new RealtimeError('forbidden', `may not subscribe to ${JSON.stringify(topic)}`);
  if (conn.closed) return;
  const fresh = !conn.topics.has(topic);
  if (fresh) {
    conn.topics.add(topic);
    host.topics.addRealtime(topic, conn);
  }
  if (!host.recovers(topic)) return ok({ last: null, recovered: 0 });
  // Already subscribed (a repeated sub): the live stream runs, nothing to hold.
  if (fresh) conn.hold(topic);
  let after2: MessageId | null = null;
  try {
    after2 = await recover(host, conn, topic, after as MessageId | null, ok);
  } finally {
    // Also when the history failed: the subscription stays live and the held messages go out.
    if (fresh && !conn.closed) {
      for (const h of conn.release(topic)) {
        if (after2 !== null && h.id !== undefined && compareIds(h.id, after2) <= 0) continue;
        conn.sendFrame(h.frame);
      }
      if (after2 !== null) conn.floor(topic, after2);
    }
  }
}

/** Sends what was missed and the `ok`; returns the id after which held messages are new (null: all are). */
async function recover(
  host: SubscriptionHost,
  conn: RealtimeConnection,
  topic: string,
  after: MessageId | null,
  ok: (answer: SubAnswer) => void,
): Promise<MessageId | null> {
  const history = host.history;
  if (after === null) {
    ok({ last: await history.last(topic), recovered: 0 });
    return null;
  }
  const r = await history.since(topic, after);
  if (conn.closed) return null;
  if (!r.complete) conn.ws.send(['lost', topic, r.missed ?? null]);
  for (const entry of r.entries) conn.sendFrame(messageFrame(topic, entry.payload, entry.id));
  const n = r.entries.length;
  const sentUpTo = n > 0 ? r.entries[n - 1].id : r.complete ? after : null;
  ok({ last: sentUpTo ?? (await history.last(topic)), recovered: n });
  return sentUpTo;
}

export function unsubscribe(host: SubscriptionHost, conn: RealtimeConnection, topic: string): void {
  if (!conn.topics.delete(topic)) return;
  host.topics.removeRealtime(topic, conn);
  conn.release(topic);
  conn.unfloor(topic);
}

/** The connection closed: leaves every topic. */
export function unsubscribeAll(host: SubscriptionHost, conn: RealtimeConnection): void {
  for (const topic of conn.topics) host.topics.removeRealtime(topic, conn);
  conn.topics.clear();
}
