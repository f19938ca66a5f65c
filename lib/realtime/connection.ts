// One krozen.v1 connection's state: its topics, the messages held on a topic while its history is read
// (recovery), the client requests being answered and the server requests waiting for the client.
import type { WebSocket } from '../ws/websocket';
import type { WsSession } from '../ws/session';
import { compareIds, type MessageId } from '../pubsub/history';
import { RealtimeError } from './realtime-error';

/** A live message that arrived while the topic's history was read. */
export interface Held {
  frame: Buffer;
  id: MessageId | undefined;
}

interface Waiter {
  resolve(result: unknown): void;
  reject(err: RealtimeError): void;
  timer: NodeJS.Timeout;
}

export class RealtimeConnection {
  /** Topics subscribed (or being subscribed: the live subscription comes first). */
  readonly topics = new Set<string>();
  /** Topic → live messages held during its recovery; null when nothing is held (the common case). */
  private holding: Map<string, Held[]> | null = null;
  /**
   * Topic → the last id its recovery sent. With Redis, a process that just followed the topic again repairs its
   * feed from the stream's newest id before it subscribed, which can be older than what the recovery read (a
   * read of several pages): those messages come again after the release and are dropped here, until one newer
   * passes (a feed delivers ids in increasing order).
   */
  private floors: Map<string, MessageId> | null = null;
  /** Client requests being handled. */
  pending = 0;
  private nextRef = 0;
  private readonly waiting = new Map<number, Waiter>();
  closed = false;

  constructor(
    readonly ws: WebSocket,
    private readonly session: WsSession,
  ) {}

  /** Writes an `m` frame, or holds it while the topic recovers. */
  write(topic: string, frame: Buffer, id: MessageId | undefined): boolean {
    const held = this.holding?.get(topic);
    if (held !== undefined) {
      held.push({ frame, id });
      return true;
    }
    if (this.floors !== null && id !== undefined) {
      const floor = this.floors.get(topic);
      if (floor !== undefined) {
        if (compareIds(id, floor) <= 0) return true; // sent by the recovery already
        this.unfloor(topic);
      }
    }
    return this.session.sendFrame(frame);
  }

  /** After a recovery that sent up to `id`: live messages up to it are not sent again. */
  floor(topic: string, id: MessageId): void {
    if (this.floors === null) this.floors = new Map();
    this.floors.set(topic, id);
  }

  unfloor(topic: string): void {
    this.floors?.delete(topic);
    if (this.floors?.size === 0) this.floors = null;
  }

  sendFrame(frame: Buffer): boolean {
    return this.session.sendFrame(frame);
  }

  hold(topic: string): void {
    if (this.holding === null) this.holding = new Map();
    this.holding.set(topic, []);
  }

  /** Stops holding `topic`; returns what was held. */
  release(topic: string): Held[] {
    const held = this.holding?.get(topic) ?? [];
    this.holding?.delete(topic);
    if (this.holding?.size === 0) this.holding = null;
    return held;
  }

  /** A server → client request: its ref, answered by settle() or failed by timeout / close. */
  ask(timeout: number): { ref: number; answer: Promise<unknown> } {
    // Refs stay below 2^53 and skip those still waiting (a wrap after ~9e15 requests).
    do this.nextRef = this.nextRef >= Number.MAX_SAFE_INTEGER ? 1 : this.nextRef + 1;
    while (this.waiting.has(this.nextRef));
    const ref = this.nextRef;
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(ref);
        reject(new RealtimeError('timeout', `no answer within ${timeout} ms`));
      }, timeout);
      timer.unref();
      this.waiting.set(ref, { resolve, reject, timer });
    });
    return { ref, answer };
  }

  /** The client's `ok` / `err` for server request `ref`; false when no request waits under that ref. */
  settle(ref: number, result: unknown, error?: RealtimeError): boolean {
    const waiter = this.waiting.get(ref);
    if (waiter === undefined) return false;
    this.waiting.delete(ref);
    clearTimeout(waiter.timer);
    if (error === undefined) waiter.resolve(result);
    else waiter.reject(error);
    return true;
  }

  /** Server requests waiting for an answer. */
  get asking(): number {
    return this.waiting.size;
  }

  /** The connection closed: every waiting server request fails with `closed`. */
  end(): void {
    this.closed = true;
    this.holding = null;
    this.floors = null;
    for (const [ref, waiter] of this.waiting) {
      this.waiting.delete(ref);
      clearTimeout(waiter.timer);
      waiter.reject(new RealtimeError('closed', 'the connection closed before the answer'));
    }
  }
}
