import { RealtimeError } from './errors';
import { compareIds } from './message-ids';

/** Called for every message on a subscribed topic; `id` only on recovery-enabled topics. */
export type MessageHandler = (data: unknown, meta: { topic: string; id: string | undefined }) => void;

/** One subscribed topic and its recovery state; every `subscribe()` of the topic shares one server `sub`. */
interface Topic {
  handlers: Set<MessageHandler>;
  /** Id of the last message handled, or the `last` of the `sub` answer when none came: the next `after`. */
  lastId: string | null;
  /** The first `sub` answer: `ok` resolves, `err` rejects (later resubscriptions report through `error`). */
  ready: Promise<void>;
  settle: ((err?: RealtimeError) => void) | null;
  /** Messages handled since the last `sub` was sent (those before its `ok` are the recovered ones). */
  delivered: number;
}

/** What a `sub` answer meant, for the client's `recovered` event. */
export interface SubResult {
  recovered: number;
  delivered: number;
}

/** The client's subscriptions, the handlers per topic and the last id seen per topic. */
export class Subscriptions {
  private topics = new Map<string, Topic>();
  constructor(private readonly onHandlerError: (err: unknown) => void) {}

  names(): string[] {
    return [...this.topics.keys()];
  }

  has(topic: string): boolean {
    return this.topics.has(topic);
  }

  /** Adds a handler; `isNew` when the topic needs a `sub`. */
  add(topic: string, handler: MessageHandler): { ready: Promise<void>; isNew: boolean } {
    let t = this.topics.get(topic);
    const isNew = !t;
    if (!t) {
      let settle: Topic['settle'] = null;
      const ready = new Promise<void>((resolve, reject) => {
        settle = (err) => (err ? reject(err) : resolve());
      });
      ready.catch(() => {}); // a caller that never reads `ready` must not get an unhandled rejection
      t = { handlers: new Set(), lastId: null, ready, settle, delivered: 0 };
      this.topics.set(topic, t);
    }
    t.handlers.add(handler);
    return { ready: t.ready, isNew };
  }

  /** Removes a handler; true when it was the topic's last one (the topic is dropped: send `unsub`). */
  remove(topic: string, handler: MessageHandler): boolean {
    const t = this.topics.get(topic);
    if (!t || !t.handlers.delete(handler) || t.handlers.size > 0) return false;
    this.topics.delete(topic);
    t.settle?.(new RealtimeError('closed', `unsubscribed from ${topic} before the answer`));
    return true;
  }

  /** The `after` for a (re)subscription: the last id seen, if any. Starts counting recovered messages. */
  resubscribing(topic: string): string | null {
    const t = this.topics.get(topic);
    if (!t) return null;
    t.delivered = 0;
    return t.lastId;
  }

  /** An `m`: handled unless its id is not newer than the last one seen (a duplicate, whatever the server did). */
  message(topic: string, data: unknown, id: unknown): void {
    const t = this.topics.get(topic);
    if (!t) return; // a message racing our unsub
    const msgId = typeof id === 'string' ? id : undefined;
    if (msgId !== undefined) {
      const order = t.lastId === null ? null : compareIds(msgId, t.lastId);
      if (order !== null && order <= 0) return;
      t.lastId = msgId;
    }
    t.delivered++;
    for (const h of [...t.handlers]) {
      try {
        h(data, { topic, id: msgId });
      } catch (err) {
        this.onHandlerError(err);
      }
    }
  }

  /** The `ok` of a `sub`: `{ last, recovered }`. */
  subscribed(topic: string, answer: unknown): SubResult | null {
    const t = this.topics.get(topic);
    if (!t) return null;
    const a = (answer ?? {}) as { last?: unknown; recovered?: unknown };
    if (typeof a.last === 'string') {
      const order = t.lastId === null ? null : compareIds(a.last, t.lastId);
      if (t.lastId === null || (order !== null && order > 0)) t.lastId = a.last;
    }
    t.settle?.();
    t.settle = null;
    return { recovered: typeof a.recovered === 'number' ? a.recovered : 0, delivered: t.delivered };
  }

  /** `lost`: the ids before it mean nothing now (the history may be new), so the next ids must not be dropped. */
  lost(topic: string): void {
    const t = this.topics.get(topic);
    if (t) t.lastId = null;
  }

  /** An `err` to a `sub`: the topic is dropped; false when the topic was already gone. */
  failed(topic: string, err: RealtimeError): boolean {
    const t = this.topics.get(topic);
    if (!t) return false;
    this.topics.delete(topic);
    t.settle?.(err);
    return true;
  }

  clear(err: RealtimeError): void {
    for (const t of this.topics.values()) t.settle?.(err);
    this.topics.clear();
  }
}
