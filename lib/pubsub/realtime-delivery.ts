// The krozen.v1 side of a publish (lib/realtime/): a topic that has krozen.v1 subscribers in this process, or
// whose messages are kept for recovery, carries JSON values only. The value is encoded once; plain subscribers
// get those bytes as before, krozen.v1 subscribers the same JSON inside an `m` envelope (a string value: as a
// JSON string), with the id the history gave it. Across processes the payload travels once, as for plain topics.
import type { Logger } from '../base/logger';
import { logError } from '../base/logger';
import { isThenable } from '../base/hook-runner';
import { ErrorCode, KrozenTypeError } from '../base/errors';
import type { HistoryStore, MessageId } from './history';
import { encodePayload, payloadTooLarge } from './payload';
import type { Topics } from './topics';
import type { PubSubTransport } from './transport';

/** This process's krozen.v1 subscribers, as lib/realtime/ registers them. */
export interface RealtimeSubscribers {
  /** Whether `topic`'s messages are kept for recovery (each gets an id). */
  recovers(topic: string): boolean;
  /** Writes ["m", topic, json, id?] to each krozen.v1 subscriber of `topic`, framed once; returns how many. */
  deliver(topic: string, json: Buffer, id: MessageId | undefined): number;
}

/** The plain side: the WebSocket hub (pubsub.ts's LocalSubscribers, without the import cycle). */
interface PlainSubscribers {
  publishPayload(topic: string, binary: boolean, payload: Buffer): number;
}

export class RealtimeDelivery {
  constructor(
    private readonly subscribers: RealtimeSubscribers,
    private readonly topics: Topics<unknown>,
    /** The history, or null where none is kept (a cluster primary serves no connection). */
    private readonly history: () => HistoryStore | null,
    private readonly plain: () => PlainSubscribers | undefined,
    private readonly logger: () => Logger | undefined,
  ) {}

  /** Publishes the history refused (Redis down, a cluster failover): logged, never delivered anywhere. */
  failed = 0;
  /** The last publish's storing, when the history is asynchronous (Redis); see PubSub.takeStored(). */
  lastStored: Promise<void> | undefined;

  /** Whether `topic`'s messages are kept for recovery. */
  recovers(topic: string): boolean {
    return this.subscribers.recovers(topic);
  }

  /** Whether `topic` takes this path. */
  follows(topic: string): boolean {
    return this.topics.realtimeSubscribers(topic) !== undefined || this.subscribers.recovers(topic);
  }

  publish(topic: string, value: unknown, jsonText: boolean, limit: number, transport: PubSubTransport | null): number {
    const headroom = transport === null ? 0 : transport.headroom;
    const { binary, buf } = encodePayload(value, headroom);
    if (binary)
      throw new KrozenTypeError(
        ErrorCode.INVALID_ARGUMENT,
        `krozen: publish(${JSON.stringify(topic)}): krozen.v1 topics carry JSON values, not bytes (base64 them)`,
      );
    const payload = buf.subarray(headroom);
    if (payload.length > limit) throw payloadTooLarge(payload.length, limit);
    const str = typeof value === 'string' && !jsonText;
    const json = str ? Buffer.from(JSON.stringify(value)) : payload;
    const history = this.subscribers.recovers(topic) ? this.history() : null;
    const id = history === null ? undefined : history.append(topic, json);
    if (!isThenable(id)) {
      const sent = this.local(topic, payload, json, id);
      if (transport !== null) transport.send(topic, false, buf, str);
      return sent;
    }
    // An asynchronous history is Redis Streams: its script publishes the message with its id to every process,
    // this one included (history-redis.ts), so local subscribers get it from Redis, in the stream's order.
    this.lastStored = Promise.resolve(id).then(ignore, (err: unknown) => {
      this.failed++;
      logError(this.logger(), `publish(${JSON.stringify(topic)}): the message was not stored nor sent`, err);
      throw err;
    });
    this.lastStored.catch(ignore); // reported above; a caller that wants it reads takeStored()
    return 0;
  }

  /** A message from another process. Without an id from the transport, this process's history numbers it. */
  remote(topic: string, payload: Buffer, id: MessageId | undefined, str: boolean): void {
    const json = str ? Buffer.from(JSON.stringify(payload.toString())) : payload;
    if (id === undefined && this.subscribers.recovers(topic)) {
      const history = this.history();
      if (history !== null && history.kind === 'memory') id = history.append(topic, json) as MessageId;
    }
    if (this.topics.realtimeSubscribers(topic) !== undefined) this.subscribers.deliver(topic, json, id);
  }

  private local(topic: string, payload: Buffer, json: Buffer, id: MessageId | undefined): number {
    let sent = 0;
    const hub = this.plain();
    if (hub !== undefined && this.topics.subscribers(topic) !== undefined)
      sent += hub.publishPayload(topic, false, payload);
    if (this.topics.realtimeSubscribers(topic) !== undefined) sent += this.subscribers.deliver(topic, json, id);
    return sent;
  }
}

function ignore(): void {}
