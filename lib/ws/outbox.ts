// A connection's outgoing side: framing of what it sends, the backpressure policy, the compression queue
// (a message to deflate holds back everything sent after it, so order is kept) and the batch (frames
// written during one read, or one tick, leave in one syscall). The connection owns it and calls it; the
// outbox reports back only a failure and "the queue emptied".
import type { WsSocket } from './session-socket';
import { listenerFault } from '../base/listener-guard';
import { Failures, type Failure } from './close-codes';
import type { PerMessageDeflate } from './deflate';
import { Length, Opcode } from './frame';
import { binaryBytes, textWithHeadroom } from './message-encoding';
import { COPY_LIMIT, frameCopy, frameHeader, frameInHeadroom } from './sender';
import { framePayloadBytes, type WsStats } from './ws-stats';

/** A batch of frames up to this size is concatenated into one Buffer; larger ones go by writev. */
const CONCAT_LIMIT = 16 * 1024;

export interface OutboxOwner {
  /** The connection must fail: the backpressure limit with policy 'close', or deflate broke. */
  outboxFailed(failure: Failure): void;
  /** The compression queue ran empty (a close waiting for it may end the socket now). */
  outboxDrained(): void;
}

export interface OutboxLimits {
  readonly maxBackpressure: number;
  readonly backpressurePolicy: 'drop' | 'close';
  /** settings.jsonBigInt: JSON values are encoded with BigInt written exactly. */
  readonly jsonBigInt: boolean;
}

type Queued = { frame: Buffer } | { opcode: number; compress: Buffer };

export class Outbox {
  /** Frames written during this read (or tick), not yet handed to the socket. */
  batched = false;
  /** Inside a read: the batch is flushed when the read ends (else: at the end of the tick). */
  inRead = false;
  // The batch: one frame (the common case: no array), or several. A string is the 101's head (latin1), first.
  private batchOne: Buffer | string | null = null;
  private batchMany: Buffer[] | null = null;
  private batchBytes = 0;
  /** Frames behind a compression (null: nothing waits, write straight to the batch). */
  private queue: Queued[] | null = null;
  private queueBytes = 0;
  private compressing = false;

  constructor(
    private readonly owner: OutboxOwner,
    /** @internal */ readonly socket: WsSocket,
    private readonly limits: OutboxLimits,
    private readonly deflate: PerMessageDeflate | null,
    /** settings.metrics: the hub's counters (null: off). */
    private readonly stats: WsStats | null = null,
  ) {}

  /** Bytes queued and not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.socket.writableLength + this.queueBytes + this.batchBytes;
  }

  /** Nothing waits behind a compression. */
  get idle(): boolean {
    return this.queue === null;
  }

  /** Output over the limit (a peer that pings without reading gets no more pongs). */
  get overLimit(): boolean {
    return this.socket.writableLength + this.batchBytes > this.limits.maxBackpressure;
  }

  /** Whether a payload of `length` bytes would be compressed. */
  compresses(length: number): boolean {
    return this.deflate !== null && length >= this.deflate.threshold;
  }

  /** ws.send() and a handler's reply: the value → message rule of message-encoding.ts. */
  sendValue(value: unknown): boolean {
    const bytes = binaryBytes(value);
    if (bytes !== null) return this.sendBytes(Opcode.BINARY, bytes);
    return this.sendEncoded(Opcode.TEXT, textWithHeadroom(value, this.limits.jsonBigInt));
  }

  /** A complete frame (publish shares one Buffer between subscribers). */
  sendFrame(frame: Buffer): boolean {
    if (!this.admit(frame.length)) return false;
    if (this.stats !== null) this.counted(framePayloadBytes(frame));
    if (this.queue !== null) this.enqueue({ frame });
    else this.write(frame);
    return true;
  }

  /** `buf` = Length.HEADROOM reserved bytes + payload. */
  sendEncoded(opcode: number, buf: Buffer): boolean {
    if (this.compresses(buf.length - Length.HEADROOM))
      return this.sendCompressed(opcode, buf.subarray(Length.HEADROOM));
    return this.sendFrame(frameInHeadroom(buf, opcode));
  }

  sendBytes(opcode: number, payload: Uint8Array): boolean {
    const length = payload.length;
    if (this.compresses(length))
      return this.sendCompressed(opcode, Buffer.from(payload.buffer, payload.byteOffset, length));
    if (length <= COPY_LIMIT) return this.sendFrame(frameCopy(opcode, payload));
    if (!this.admit(length)) return false;
    if (this.stats !== null) this.counted(length);
    // Large payloads are not copied: header and payload go out in the same writev.
    const header = frameHeader(opcode, length);
    const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, length);
    if (this.queue !== null) {
      this.enqueue({ frame: header });
      this.enqueue({ frame: body });
    } else {
      this.write(header);
      this.write(body);
    }
    return true;
  }

  /** A control frame: never refused, kept in order behind queued compressions. */
  sendControl(frame: Buffer): void {
    if (this.queue !== null) this.enqueue({ frame });
    else this.write(frame);
  }

  /** Drops queued compressions (the connection fails: its close frame goes first). */
  dropQueue(): void {
    this.queue = null;
    this.queueBytes = 0;
  }

  /** The socket closed: nothing more goes out. */
  discard(): void {
    this.batched = false;
    this.batchOne = null;
    this.batchMany = null;
    this.batchBytes = 0;
    this.dropQueue();
  }

  /** Ends the socket after what is batched (the close handshake is done, or failed). */
  end(): void {
    if (this.batched) this.flush();
    if (this.socket.writable) this.socket.end();
  }

  /**
   * Closes the socket now, after what is batched, when the socket can (closeNow: a connection on its handle
   * with everything in the kernel, which sends it, then FIN). False: end() instead.
   */
  closeNow(): boolean {
    if (this.batched) this.flush();
    const socket = this.socket;
    return socket.closeNow !== undefined && socket.closeNow();
  }

  /** The read is over: its frames leave now. */
  endRead(): void {
    this.inRead = false;
    if (this.batched) this.flush();
  }

  /** Applies the backpressure policy to `bytes` more. A message is refused only when others wait already. */
  private admit(bytes: number): boolean {
    const queued = this.socket.writableLength + this.queueBytes + this.batchBytes;
    if (queued === 0 || queued + bytes <= this.limits.maxBackpressure) return true;
    const close = this.limits.backpressurePolicy === 'close';
    if (this.stats !== null) {
      if (close) this.stats.backpressureCloses++;
      else this.stats.backpressureDrops++;
    }
    if (close) this.owner.outboxFailed(Failures.BACKPRESSURE);
    return false;
  }

  /** One message of `bytes` payload bytes went out (settings.metrics). */
  private counted(bytes: number): void {
    const stats = this.stats as WsStats;
    stats.messagesOut++;
    stats.bytesOut += bytes;
  }

  private sendCompressed(opcode: number, payload: Buffer): boolean {
    if (!this.admit(payload.length)) return false;
    if (this.stats !== null) this.counted(payload.length);
    if (this.queue === null) this.queue = [];
    this.enqueue({ opcode, compress: payload });
    if (!this.compressing) this.pump();
    return true;
  }

  private enqueue(item: Queued): void {
    (this.queue as Queued[]).push(item);
    this.queueBytes += 'frame' in item ? item.frame.length : item.compress.length;
  }

  /** Writes queued frames in order; a compression holds back everything behind it. */
  private pump(): void {
    const queue = this.queue;
    while (queue !== null && queue.length > 0) {
      const item = queue[0];
      if ('frame' in item) {
        queue.shift();
        this.queueBytes -= item.frame.length;
        this.write(item.frame);
        continue;
      }
      this.compressing = true;
      (this.deflate as PerMessageDeflate).compress(item.compress, (err, out) =>
        this.guarded(() => {
          this.compressing = false;
          if (this.queue !== queue) return; // dropped (failed or closed) meanwhile
          queue.shift();
          this.queueBytes -= item.compress.length;
          if (err || out === undefined) return this.owner.outboxFailed(Failures.DEFLATE_FAILED);
          if (out.length <= COPY_LIMIT) {
            this.write(frameCopy(item.opcode, out, true));
          } else {
            this.write(frameHeader(item.opcode, out.length, true));
            this.write(out);
          }
          this.pump();
        }),
      );
      return;
    }
    this.queue = null;
    this.owner.outboxDrained();
  }

  /** A zlib callback: a throw there would be an uncaught exception, so a fault ends this socket only. */
  private guarded(step: () => void): void {
    try {
      step();
    } catch (err) {
      listenerFault('WebSocket message', err, this.socket);
    }
  }

  /**
   * Adds a frame to this read's (or tick's) batch. The batch leaves in one syscall at the end of the
   * read: one frame as is, small frames concatenated into one Buffer, large ones by writev (cork).
   */
  write(buf: Buffer): void {
    if (!this.socket.writable) return;
    if (this.batchOne === null && this.batchMany === null) {
      this.batchOne = buf;
      this.opened();
    } else if (this.batchMany === null) {
      const one = this.batchOne as Buffer | string;
      this.batchMany = [typeof one === 'string' ? Buffer.from(one, 'latin1') : one, buf];
      this.batchOne = null;
    } else {
      this.batchMany.push(buf);
    }
    this.batchBytes += buf.length;
  }

  /**
   * The handshake's 101 (header bytes), first in the batch. Alone in it (no frame sent in the open handler, the
   * usual case), it leaves as the string it is: no Buffer is made for it.
   */
  writeHead(head: string): void {
    if (!this.socket.writable) return;
    if (this.batchOne !== null || this.batchMany !== null) return this.write(Buffer.from(head, 'latin1'));
    this.batchOne = head;
    this.batchBytes += head.length;
    this.opened();
  }

  /** The batch has its first entry: it leaves at the end of the read, or of the tick. */
  private opened(): void {
    if (!this.batched) {
      this.batched = true;
      if (!this.inRead) scheduleFlush(this);
    }
  }

  /** Hands the batch to the socket. */
  flush(): void {
    this.batched = false;
    const one = this.batchOne;
    const many = this.batchMany;
    const bytes = this.batchBytes;
    this.batchOne = null;
    this.batchMany = null;
    this.batchBytes = 0;
    const socket = this.socket;
    if (!socket.writable) return;
    if (one !== null) {
      if (typeof one === 'string') socket.write(one, 'latin1');
      else socket.write(one);
    } else if (many !== null) {
      if (bytes <= CONCAT_LIMIT) {
        socket.write(Buffer.concat(many, bytes));
      } else {
        socket.cork();
        for (let i = 0; i < many.length; i++) socket.write(many[i]);
        socket.uncork();
      }
    }
  }
}

// Batches written outside a read (a publish, a timer, an async hook) leave once this tick's work is done.
let pending: Outbox[] = [];
let flushScheduled = false;

function scheduleFlush(outbox: Outbox): void {
  pending.push(outbox);
  if (!flushScheduled) {
    flushScheduled = true;
    process.nextTick(flushPending);
  }
}

function flushPending(): void {
  const list = pending;
  pending = [];
  flushScheduled = false;
  for (let i = 0; i < list.length; i++) {
    const outbox = list[i];
    if (!outbox.batched) continue;
    try {
      outbox.flush();
    } catch (err) {
      // A nextTick callback: a throw would end the process.
      listenerFault('WebSocket flush', err, outbox.socket);
    }
  }
}
