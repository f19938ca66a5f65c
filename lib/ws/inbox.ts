// The order of a connection's messages: while a handler's promise or an inflate is pending (busy), later
// messages and the peer's close wait here and are delivered in arrival order once it settles; past
// QUEUE_PAUSE items or maxQueuedBytes of payload waiting, the socket stops reading until the queue is empty.
import type { WsSocket } from './session-socket';

/** Messages waiting behind an async handler or inflate; past this many the socket stops reading. */
const QUEUE_PAUSE = 256;

export type Incoming =
  | { close: false; binary: boolean; payload: Buffer; compressed: boolean; headroom: boolean }
  | { close: true; code: number; reason: string };

export interface InboxOwner {
  /** Handles one waiting item (it may set `busy` again). */
  deliver(item: Incoming): void;
  /** The socket is gone: nothing more is delivered. */
  readonly disconnected: boolean;
}

export class Inbox {
  /** A handler or inflate is in progress: what arrives now waits. */
  busy = false;
  private queue: Incoming[] | null = null;
  /** Payload bytes in `queue` (counted from 0 again whenever the queue is started afresh). */
  private queueBytes = 0;
  private stopped = false;

  constructor(
    private readonly owner: InboxOwner,
    private readonly socket: WsSocket,
    private readonly maxQueuedBytes: number,
  ) {}

  /** The socket stopped reading because too much waits here. */
  get paused(): boolean {
    return this.stopped;
  }

  /** Queues `item` behind the busy one. */
  wait(item: Incoming): void {
    if (this.queue === null) {
      this.queue = [];
      this.queueBytes = 0;
    }
    this.queue.push(item);
    if (!item.close) this.queueBytes += item.payload.length;
    if (!this.stopped && (this.queue.length >= QUEUE_PAUSE || this.queueBytes >= this.maxQueuedBytes)) {
      this.stopped = true;
      this.socket.pause();
    }
  }

  /** The busy work settled: delivers waiting items until one makes the connection busy again. */
  resume(): void {
    this.busy = false;
    const queue = this.queue;
    while (queue !== null && queue.length > 0 && !this.busy && !this.owner.disconnected) {
      const item = queue.shift() as Incoming;
      if (!item.close) this.queueBytes -= item.payload.length;
      this.owner.deliver(item);
    }
    if (queue !== null && queue.length === 0) this.queue = null;
    if (this.stopped && this.queue === null) {
      this.stopped = false;
      this.socket.resume();
    }
  }

  /** Drops everything waiting (the connection failed, closed or the peer ended). */
  clear(): void {
    this.queue = null;
  }
}
