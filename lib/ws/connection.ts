// One WebSocket connection: the object hooks see as `ws`. It owns the socket, the receiver, the close
// handshake, backpressure and the order of messages (a hook that returns a promise holds back the
// connection's next messages until it settles).
import { EventEmitter } from 'node:events';
import { isUtf8 } from 'node:buffer';
import type { Duplex } from 'node:stream';
import { encodeJsonWithHeadroom, utf8WithHeadroom } from '../backend';
import { CloseCode, MAX_CLOSE_REASON_BYTES, isValidCloseCode } from './close-codes';
import { isStopped, WsMessageContext, type WsConnectContext, type WsDisconnectContext } from './context';
import { MessageTooBigError, type PerMessageDeflate } from './deflate';
import {
  OWN_MIN_WINDOW, OWN_READ_MIN, OWN_WINDOW, claimOwnSlab, nextOwnSlab, releaseOwnSlab, scratchBuffer,
  startDirectRead, type DirectReader,
} from './direct-read';
import { Receiver, type ReceiverSink } from './receiver';
import {
  COPY_LIMIT, EMPTY, HEADROOM, Opcode, frameClose, frameCopy, frameHeader, frameInHeadroom, headerLength, writeHeader,
} from './sender';
import type { WsHub } from './hub';
import { listenerFault } from '../listener-guard';

/** Per-connection limits, read from settings at upgrade time (one shared object while settings are unchanged). */
export interface ConnectionLimits {
  readonly maxPayload: number;
  readonly maxFragments: number;
  readonly closeTimeout: number;
  readonly idleTimeout: number;
  readonly maxBackpressure: number;
  readonly backpressurePolicy: 'drop' | 'close';
  /** Bytes of messages waiting behind an async hook or inflate before the socket stops reading. */
  readonly maxQueuedBytes: number;
}

/** Messages waiting behind an async hook or inflate; past this many the socket stops reading. */
const QUEUE_PAUSE = 256;
/** A connection gives its own read slab back after this many reads in a row under SMALL_READ bytes. */
const SMALL_READS_TO_RELEASE = 8;
const SMALL_READ = 4096;
/** A batch of frames up to this size is concatenated into one Buffer; larger ones go by writev. */
const CONCAT_LIMIT = 16 * 1024;

type Incoming =
  | { close: false; binary: boolean; payload: Buffer; compressed: boolean; headroom: boolean }
  | { close: true; code: number; reason: string };

type Outgoing = { frame: Buffer } | { opcode: number; compress: Buffer };

export type ReadyState = 0 | 1 | 2 | 3;

export class WebSocket extends EventEmitter implements ReceiverSink, DirectReader {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  /** Per-connection state for hooks (pykrozen's ws.data). */
  data: Record<string, unknown> = {};
  readyState: ReadyState = 1;
  readonly remoteAddress: string | undefined;
  /** The request target of the upgrade (path and query), e.g. `/ws?room=lobby`. */
  readonly url: string;

  /**
   * @internal Set when a read completes a frame (any frame, control frames too); the idle sweep clears it.
   * Bytes alone do not count: a peer trickling one byte of a huge frame per interval is idle.
   */
  active = true;
  /** @internal The idle sweep pinged this connection and waits for any sign of life. */
  idlePinged = false;
  /** @internal Frames written during this read (or tick), not yet handed to the socket. */
  batched = false;

  private readonly receiver: Receiver;
  /** The socket reads into buffers this connection picks (direct-read.ts); else it emits 'data'. */
  private direct = false;
  /** The payload Buffer the current direct read was pointed at (Receiver.readWindow()), or null. */
  private readWindow: Buffer | null = null;
  /** This connection's own read slab (direct-read.ts): bytes before ownCursor are never rewritten. */
  private ownSlab: Buffer | null = null;
  private ownCursor = 0;
  /** The part of ownSlab the current direct read was pointed at. */
  private ownTarget: Buffer | null = null;
  private smallReads = 0;
  private inRead = false;
  private closeSent = false;
  private closeReceived = false;
  private closeCode: number = CloseCode.ABNORMAL;
  private closeReason = '';
  private closeTimer: NodeJS.Timeout | null = null;
  private disconnected = false;
  private busy = false;
  private paused = false;
  private incoming: Incoming[] | null = null;
  /** Payload bytes in `incoming` (counted from 0 again whenever the queue is started afresh). */
  private incomingBytes = 0;
  private outgoing: Outgoing[] | null = null;
  private outgoingBytes = 0;
  private compressing = false;
  private topicSet: Set<string> | null = null;
  // The batch: one frame (the common case: no array), or several.
  private batchOne: Buffer | null = null;
  private batchMany: Buffer[] | null = null;
  private batchBytes = 0;

  /** @internal Made by WsHub.handleUpgrade. */
  constructor(
    private readonly hub: WsHub,
    private readonly socket: Duplex,
    private readonly limits: ConnectionLimits,
    private readonly deflate: PerMessageDeflate | null,
    remoteAddress: string | undefined,
    url: string,
  ) {
    super();
    this.remoteAddress = remoteAddress;
    this.url = url;
    this.receiver = new Receiver(this, limits, deflate !== null);
    // Shared listener functions (no closures per connection: 10,000 idle connections stay small).
    (socket as SocketWithWs)[kWs] = this;
    socket.on('data', socketOnData);
    socket.on('end', socketOnEnd);
    socket.on('close', socketOnClose);
    socket.on('error', socketOnError); // 'close' follows
    socket.on('drain', socketOnDrain);
  }

  /** @internal Writes the 101, runs ws:connect, then parses bytes that came with the handshake. */
  start(response: string, head: Buffer): void {
    this.inRead = true;
    this.write(Buffer.from(response, 'latin1'));
    const hooks = this.hub.hooks;
    if (hooks.has('ws:connect')) {
      const ctx: WsConnectContext = { ws: this };
      try {
        const result = hooks.run('ws:connect', ctx);
        if (result !== undefined) {
          this.busy = true;
          result.then(() => this.guarded(this.resume), (err) => this.hookFailed(err));
        }
      } catch (err) {
        this.hookFailed(err);
      }
    }
    if (head.length > 0 && !this.receiver.stopped) this.receiver.push(head);
    this.endRead();
    if (!this.disconnected && startDirectRead(this.socket, this)) {
      this.direct = true;
      this.receiver.copyKept = true;
    }
  }

  /** @internal The TCP socket (a fault in a timer callback destroys it). */
  get rawSocket(): Duplex {
    return this.socket;
  }

  /** Bytes queued for this connection and not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.socket.writableLength + this.outgoingBytes + this.batchBytes;
  }

  /** The extension in use ('permessage-deflate' or ''). */
  get extensions(): string {
    return this.deflate !== null ? 'permessage-deflate' : '';
  }

  // ---- sending -------------------------------------------------------------------------------

  /**
   * string → text frame, Buffer/Uint8Array → binary frame, anything else → JSON text.
   * False when the connection is closing or the message was dropped by the backpressure policy.
   */
  send(value: unknown): boolean {
    if (!this.canSend()) return false;
    if (typeof value === 'string') return this.sendEncoded(Opcode.TEXT, utf8WithHeadroom(value, HEADROOM));
    if (value instanceof Uint8Array) return this.sendBytes(Opcode.BINARY, value);
    if (value instanceof ArrayBuffer) return this.sendBytes(Opcode.BINARY, new Uint8Array(value));
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
      throw new TypeError(`Cannot send ${typeof value} as JSON`);
    }
    return this.sendEncoded(Opcode.TEXT, encodeJsonWithHeadroom(value, HEADROOM));
  }

  /** Starts the close handshake. code: 1000, 1001-1003, 1007-1014 or 3000-4999; reason: <= 123 bytes. */
  close(code: number = CloseCode.NORMAL, reason = ''): void {
    if (!Number.isInteger(code) || !isValidCloseCode(code)) throw new RangeError(`Invalid close code: ${code}`);
    if (typeof reason !== 'string') throw new TypeError('Close reason must be a string');
    if (Buffer.byteLength(reason) > MAX_CLOSE_REASON_BYTES) {
      throw new RangeError(`Close reason must be at most ${MAX_CLOSE_REASON_BYTES} bytes`);
    }
    this.initiateClose(code, reason, false);
  }

  /** Sends a ping (payload <= 125 bytes). False when closing. */
  ping(payload: string | Uint8Array = EMPTY): boolean {
    const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
    if (bytes.length > 125) throw new RangeError('Ping payload must be at most 125 bytes');
    if (!this.canSend()) return false;
    this.sendControl(frameCopy(Opcode.PING, bytes));
    return true;
  }

  /** Destroys the socket at once, without a close handshake. */
  terminate(): void {
    this.socket.destroy();
  }

  subscribe(topic: string): void {
    if (this.disconnected) return;
    if (this.topicSet === null) this.topicSet = new Set();
    if (this.topicSet.has(topic)) return;
    this.topicSet.add(topic);
    this.hub.topicsIndex.add(topic, this);
  }

  unsubscribe(topic: string): void {
    if (this.topicSet === null || !this.topicSet.delete(topic)) return;
    this.hub.topicsIndex.remove(topic, this);
  }

  isSubscribed(topic: string): boolean {
    return this.topicSet !== null && this.topicSet.has(topic);
  }

  get topics(): string[] {
    return this.topicSet === null ? [] : [...this.topicSet];
  }

  /** @internal A complete frame (publish shares one Buffer between subscribers). */
  sendFrame(frame: Buffer): boolean {
    if (!this.canSend() || !this.admit(frame.length)) return false;
    if (this.outgoing !== null) this.enqueue({ frame });
    else this.write(frame);
    return true;
  }

  private canSend(): boolean {
    return !this.closeSent && !this.disconnected;
  }

  /** Applies the backpressure policy to `bytes` more. A message is refused only when others wait already. */
  private admit(bytes: number): boolean {
    const queued = this.socket.writableLength + this.outgoingBytes + this.batchBytes;
    if (queued === 0 || queued + bytes <= this.limits.maxBackpressure) return true;
    if (this.limits.backpressurePolicy === 'close') this.fail(CloseCode.POLICY_VIOLATION, 'Backpressure limit');
    return false;
  }

  /** `buf` = HEADROOM reserved bytes + payload. */
  private sendEncoded(opcode: number, buf: Buffer): boolean {
    if (this.deflate !== null && buf.length - HEADROOM >= this.deflate.threshold) {
      return this.sendCompressed(opcode, buf.subarray(HEADROOM));
    }
    return this.sendFrame(frameInHeadroom(buf, opcode));
  }

  private sendBytes(opcode: number, payload: Uint8Array): boolean {
    const length = payload.length;
    if (this.deflate !== null && length >= this.deflate.threshold) {
      return this.sendCompressed(opcode, Buffer.from(payload.buffer, payload.byteOffset, length));
    }
    if (length <= COPY_LIMIT) return this.sendFrame(frameCopy(opcode, payload));
    if (!this.canSend() || !this.admit(length)) return false;
    // Large payloads are not copied: header and payload go out in the same writev.
    const header = frameHeader(opcode, length);
    const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, length);
    if (this.outgoing !== null) {
      this.enqueue({ frame: header });
      this.enqueue({ frame: body });
    } else {
      this.write(header);
      this.write(body);
    }
    return true;
  }

  private sendCompressed(opcode: number, payload: Buffer): boolean {
    if (!this.canSend() || !this.admit(payload.length)) return false;
    if (this.outgoing === null) this.outgoing = [];
    this.enqueue({ opcode, compress: payload });
    if (!this.compressing) this.pump();
    return true;
  }

  private sendControl(frame: Buffer): void {
    if (this.outgoing !== null) this.enqueue({ frame });
    else this.write(frame);
  }

  private enqueue(item: Outgoing): void {
    (this.outgoing as Outgoing[]).push(item);
    this.outgoingBytes += 'frame' in item ? item.frame.length : item.compress.length;
  }

  /** Writes queued frames in order; a compression holds back everything behind it. */
  private pump(): void {
    const queue = this.outgoing;
    while (queue !== null && queue.length > 0) {
      const item = queue[0];
      if ('frame' in item) {
        queue.shift();
        this.outgoingBytes -= item.frame.length;
        this.write(item.frame);
        continue;
      }
      this.compressing = true;
      (this.deflate as PerMessageDeflate).compress(item.compress, (err, out) => this.guarded(() => {
        this.compressing = false;
        if (this.disconnected || this.outgoing !== queue) return;
        queue.shift();
        this.outgoingBytes -= item.compress.length;
        if (err || out === undefined) return this.fail(CloseCode.INTERNAL_ERROR, 'Compression failed');
        if (out.length <= COPY_LIMIT) {
          this.write(frameCopy(item.opcode, out, true));
        } else {
          this.write(frameHeader(item.opcode, out.length, true));
          this.write(out);
        }
        this.pump();
      }));
      return;
    }
    this.outgoing = null;
    if (this.closeSent && this.closeReceived) this.endSocket();
  }

  /**
   * Adds a frame to this read's (or tick's) batch. The batch leaves in one syscall at the end of the
   * read: one frame as is, small frames concatenated into one Buffer, large ones by writev (cork).
   */
  private write(buf: Buffer): void {
    if (!this.socket.writable) return;
    if (this.batchOne === null && this.batchMany === null) {
      this.batchOne = buf;
      if (!this.batched) {
        this.batched = true;
        if (!this.inRead) this.hub.scheduleFlush(this);
      }
    } else if (this.batchMany === null) {
      this.batchMany = [this.batchOne as Buffer, buf];
      this.batchOne = null;
    } else {
      this.batchMany.push(buf);
    }
    this.batchBytes += buf.length;
  }

  /** @internal Hands the batch to the socket. */
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
      socket.write(one);
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

  private endRead(): void {
    this.inRead = false;
    if (this.batched) this.flush();
  }

  // ---- receiving -----------------------------------------------------------------------------

  /** @internal */
  onData(chunk: Buffer): void {
    const frames = this.receiver.framesDone;
    this.inRead = true;
    this.receiver.push(chunk);
    if (this.receiver.framesDone !== frames) this.active = true;
    this.endRead();
  }

  /** @internal DirectReader */
  onDirectRead(buf: Buffer, n: number): void {
    this.inRead = true;
    const receiver = this.receiver;
    const frames = receiver.framesDone;
    if (!receiver.stopped) {
      if (buf === this.readWindow) {
        receiver.pushInPlace(n);
      } else if (buf === this.ownTarget) {
        // Own slab: nothing read here is rewritten, so payloads are handed on as views.
        this.ownCursor += n;
        receiver.copyKept = false;
        receiver.push(buf, n);
      } else {
        receiver.copyKept = true;
        receiver.push(buf, n);
      }
    }
    if (receiver.framesDone !== frames) this.active = true;
    this.endRead();
    if (n >= OWN_READ_MIN) {
      this.smallReads = 0;
      if (this.ownSlab === null && !this.disconnected) {
        this.ownSlab = claimOwnSlab();
        this.ownCursor = 0;
      }
    } else if (n < SMALL_READ && this.ownSlab !== null && ++this.smallReads >= SMALL_READS_TO_RELEASE && !receiver.placedPending) {
      this.dropOwnSlab();
    }
  }

  /**
   * @internal DirectReader: the rest of a long payload straight into its Buffer; else the own slab where
   * the last read ended; else the shared scratch Buffer.
   */
  nextReadBuffer(): Buffer {
    const receiver = this.receiver;
    this.ownTarget = null;
    this.readWindow = null;
    if (receiver.stopped) return scratchBuffer();
    const window = receiver.readWindow();
    if (window !== null) {
      this.readWindow = window;
      return window;
    }
    let slab = this.ownSlab;
    if (slab === null) return scratchBuffer();
    // A placed payload continues where the last read ended, in this slab (it fits: placePayload checked).
    if (slab.length - this.ownCursor < OWN_MIN_WINDOW && !receiver.placedPending) {
      slab = this.ownSlab = nextOwnSlab();
      this.ownCursor = 0;
    }
    const target = slab.subarray(this.ownCursor, Math.min(slab.length, this.ownCursor + OWN_WINDOW));
    this.ownTarget = target;
    return target;
  }

  /** @internal ReceiverSink: a payload cut by the end of an own-slab read continues in place. */
  placePayload(chunk: Buffer, pos: number, total: number): Buffer | null {
    const slab = this.ownSlab;
    if (slab === null || chunk !== this.ownTarget) return null;
    const start = chunk.byteOffset - slab.byteOffset + pos;
    if (start + total > slab.length) return null;
    return slab.subarray(start, start + total);
  }

  private dropOwnSlab(): void {
    if (this.ownSlab === null) return;
    this.ownSlab = null;
    this.ownTarget = null;
    releaseOwnSlab();
  }

  /** @internal ReceiverSink */
  onMessage(binary: boolean, payload: Buffer, compressed: boolean, headroom = false, transient = false): void {
    if (this.closeSent) return; // closing: data is discarded
    if (this.busy) {
      // Held beyond this read: out of the shared read buffer.
      if (transient) {
        payload = Buffer.from(payload);
        headroom = false;
      }
      this.queueIncoming({ close: false, binary, payload, compressed, headroom });
      return;
    }
    this.handleMessage(binary, payload, compressed, headroom, transient);
  }

  /** @internal ReceiverSink */
  onPing(payload: Buffer): void {
    if (this.closeSent || this.disconnected) return;
    // A peer that pings without reading gets no more pongs once the output is over the limit.
    if (this.socket.writableLength + this.batchBytes > this.limits.maxBackpressure) return;
    this.sendControl(frameCopy(Opcode.PONG, payload));
  }

  /** @internal ReceiverSink: unsolicited pongs are allowed and ignored (any read counts as activity). */
  onPong(): void {}

  /** @internal ReceiverSink */
  onCloseFrame(code: number, reason: string): void {
    this.closeCode = code;
    this.closeReason = reason;
    if (this.readyState === WebSocket.OPEN) this.readyState = WebSocket.CLOSING;
    if (this.busy && !this.closeSent) {
      // Replies to the messages before the close go out first.
      this.queueIncoming({ close: true, code, reason });
      return;
    }
    this.answerClose(code);
  }

  /** @internal ReceiverSink */
  onProtocolError(code: number, message: string): void {
    this.fail(code, message);
  }

  private queueIncoming(item: Incoming): void {
    if (this.incoming === null) {
      this.incoming = [];
      this.incomingBytes = 0;
    }
    this.incoming.push(item);
    if (!item.close) this.incomingBytes += item.payload.length;
    if (!this.paused && (this.incoming.length >= QUEUE_PAUSE || this.incomingBytes >= this.limits.maxQueuedBytes)) {
      this.paused = true;
      this.socket.pause();
    }
  }

  /** Continues after an async hook or inflate: handles queued messages until one goes async again. */
  private resume(): void {
    this.busy = false;
    const queue = this.incoming;
    while (queue !== null && queue.length > 0 && !this.busy && !this.disconnected) {
      const item = queue.shift() as Incoming;
      if (item.close) {
        this.answerClose(item.code);
      } else {
        this.incomingBytes -= item.payload.length;
        if (!this.closeSent) this.handleMessage(item.binary, item.payload, item.compressed, item.headroom);
      }
    }
    if (queue !== null && queue.length === 0) this.incoming = null;
    if (this.paused && this.incoming === null) {
      this.paused = false;
      this.socket.resume();
    }
  }

  private handleMessage(binary: boolean, payload: Buffer, compressed: boolean, headroom: boolean, transient = false): void {
    if (!compressed) {
      this.dispatch(binary, payload, headroom, transient);
      return;
    }
    if (transient) payload = Buffer.from(payload); // inflated later
    this.busy = true;
    (this.deflate as PerMessageDeflate).decompress(payload, this.limits.maxPayload, (err, data) => this.guarded(() => {
      if (this.disconnected || this.closeSent) return;
      if (err || data === undefined) {
        if (err instanceof MessageTooBigError) this.fail(CloseCode.MESSAGE_TOO_BIG, 'Message too big');
        else this.fail(CloseCode.INVALID_PAYLOAD, 'Invalid compressed data');
        return;
      }
      if (!binary && !isUtf8(data)) {
        this.fail(CloseCode.INVALID_PAYLOAD, 'Invalid UTF-8 in text message');
        return;
      }
      this.busy = false;
      this.dispatch(binary, data, false, false);
      if (!this.busy) this.resume();
    }));
  }

  /** Runs the ws:message hooks, then sends the reply (or the default one). */
  private dispatch(binary: boolean, payload: Buffer, headroom: boolean, transient: boolean): void {
    const ctx = new WsMessageContext(this, binary, payload, transient, headroom);
    const hooks = this.hub.hooks;
    let result: void | Promise<void> = undefined;
    try {
      result = hooks.run('ws:message', ctx, isStopped);
    } catch (err) {
      ctx.release();
      this.hookFailed(err);
      return;
    }
    if (result === undefined) {
      this.reply(ctx);
      ctx.release();
      return;
    }
    ctx.release();
    this.busy = true;
    result.then(
      () => {
        if (this.disconnected) return;
        this.guarded(() => {
          this.reply(ctx);
          this.resume();
        });
      },
      (err) => this.hookFailed(err),
    );
  }

  /**
   * Runs `step` from a promise or zlib callback, where a throw would become an unhandled rejection or an
   * uncaught exception: a fault there ends this connection only.
   */
  private guarded(step: () => void): void {
    try {
      step.call(this);
    } catch (err) {
      listenerFault('WebSocket message', err, this.socket);
    }
  }

  private reply(ctx: WsMessageContext): void {
    if (this.closeSent || this.disconnected) return;
    try {
      const reply = ctx.reply;
      if (reply !== undefined && reply !== null) {
        // The exact echo (reply = ctx.raw): send the received bytes, no re-encoding.
        if ((reply === ctx.bytes && reply !== null) || (typeof reply === 'string' && reply === ctx.decodedText)) {
          this.sendEcho(ctx.binary ? Opcode.BINARY : Opcode.TEXT, ctx);
        } else {
          this.send(reply);
        }
      } else if (!ctx.stop) {
        if (ctx.binary) {
          this.sendEcho(Opcode.BINARY, ctx);
        } else {
          const data = ctx.data;
          this.send(ctx.invalidJson && data === undefined ? { error: 'invalid json' } : { echo: data });
        }
      }
    } catch (err) {
      this.hookFailed(err);
    }
  }

  /** Sends the message's own bytes back: the frame header goes in front of them when there is room. */
  private sendEcho(opcode: number, ctx: WsMessageContext): void {
    let payload = ctx.bytes;
    if (payload === null || ctx.inReadBuffer) {
      // Released text, or bytes the next read overwrites: copied into a frame of their own, or (to be
      // compressed later) kept by the payload getter.
      const bytes = payload === null ? ctx.payload : payload;
      if (this.deflate === null || bytes.length < this.deflate.threshold) {
        this.sendFrame(frameCopy(opcode, bytes));
        return;
      }
      payload = ctx.payload;
    }
    const length = payload.length;
    const h = headerLength(length);
    if (!ctx.headroom || payload.byteOffset < h || (this.deflate !== null && length >= this.deflate.threshold)) {
      this.sendBytes(opcode, payload);
      return;
    }
    // Header and payload in one Buffer without a copy: the received frame's header room is reused.
    const frame = Buffer.from(payload.buffer, payload.byteOffset - h, h + length);
    writeHeader(frame, 0, opcode, length);
    ctx.headroom = false; // used
    this.sendFrame(frame);
  }

  private hookFailed(err: unknown): void {
    if (this.disconnected) return;
    console.error('krozen: a WebSocket hook failed; closing the connection with 1011:', err);
    this.guarded(() => this.initiateClose(CloseCode.INTERNAL_ERROR, 'Internal error', false));
  }

  // ---- closing -------------------------------------------------------------------------------

  /** The peer's close frame arrived (and every message before it is handled): answer, then end TCP. */
  private answerClose(code: number): void {
    this.closeReceived = true;
    if (!this.closeSent) {
      this.closeSent = true;
      // Echo the peer's code; a close without one is answered with an empty close.
      this.sendControl(code === CloseCode.NO_STATUS ? frameClose() : frameClose(code));
      this.startCloseTimer();
    }
    if (this.outgoing === null) this.endSocket();
  }

  /** Fails the connection (RFC 6455 §7.1.7): close frame, then end TCP without waiting for the peer. */
  private fail(code: number, reason: string): void {
    this.receiver.stop();
    this.incoming = null;
    if (this.outgoing !== null) {
      // Queued compressions are dropped; the close frame goes first.
      this.outgoing = null;
      this.outgoingBytes = 0;
    }
    this.initiateClose(code, reason, true);
  }

  private initiateClose(code: number, reason: string, endNow: boolean): void {
    if (this.disconnected) return;
    if (this.readyState === WebSocket.OPEN) this.readyState = WebSocket.CLOSING;
    if (!this.closeSent) {
      this.closeSent = true;
      this.sendControl(frameClose(code, reason.length > MAX_CLOSE_REASON_BYTES ? '' : reason));
      this.startCloseTimer();
      if (this.closeCode === CloseCode.ABNORMAL && !this.closeReceived) {
        this.closeCode = code;
        this.closeReason = reason;
      }
    }
    if ((endNow || this.closeReceived) && this.outgoing === null) this.endSocket();
  }

  /** @internal Idle sweep: the connection stayed silent after a ping. */
  idleExpired(): void {
    // Not reading because our own hook is slow (the queue is full): the silence is ours, not the peer's.
    if (this.paused) return;
    this.fail(CloseCode.GOING_AWAY, 'Idle timeout');
  }

  /** @internal Idle sweep: ask for a sign of life. */
  idlePing(): void {
    if (this.canSend()) this.sendControl(frameCopy(Opcode.PING, EMPTY));
  }

  private startCloseTimer(): void {
    if (this.closeTimer !== null) return;
    this.closeTimer = setTimeout(() => this.socket.destroy(), this.limits.closeTimeout);
  }

  private endSocket(): void {
    if (this.batched) this.flush();
    if (this.socket.writable) this.socket.end();
    this.startCloseTimer();
  }

  /** @internal The peer ended its side (TCP FIN). */
  onEnd(): void {
    if (this.readyState === WebSocket.OPEN) this.readyState = WebSocket.CLOSING;
    this.receiver.stop();
    this.incoming = null;
    this.endSocket();
  }

  /** @internal */
  onSocketClose(): void {
    if (this.disconnected) return;
    this.disconnected = true;
    this.readyState = WebSocket.CLOSED;
    this.batched = false;
    this.batchOne = null;
    this.batchMany = null;
    this.batchBytes = 0;
    if (this.closeTimer !== null) {
      clearTimeout(this.closeTimer);
      this.closeTimer = null;
    }
    this.receiver.stop();
    this.incoming = null;
    this.outgoing = null;
    this.outgoingBytes = 0;
    this.dropOwnSlab();
    if (this.deflate !== null) this.deflate.close();
    if (this.topicSet !== null) {
      for (const topic of this.topicSet) this.hub.topicsIndex.remove(topic, this);
      this.topicSet = null;
    }
    this.hub.removeConnection(this);
    const hooks = this.hub.hooks;
    if (hooks.has('ws:disconnect')) {
      const ctx: WsDisconnectContext = { ws: this, code: this.closeCode, reason: this.closeReason };
      try {
        const result = hooks.run('ws:disconnect', ctx);
        if (result !== undefined) result.catch((err) => console.error('krozen: ws:disconnect hook failed:', err));
      } catch (err) {
        console.error('krozen: ws:disconnect hook failed:', err);
      }
    }
    this.emit('close', this.closeCode, this.closeReason);
  }
}

const kWs = Symbol('krozen.ws');
type SocketWithWs = Duplex & { [kWs]: WebSocket };

// These run inside Node's event emission: a throw would end the process, so a fault ends this socket only.
function socketOnData(this: SocketWithWs, chunk: Buffer): void {
  // Not reached once direct reads are on (Node no longer pushes to the stream).
  try {
    this[kWs].onData(chunk);
  } catch (err) {
    listenerFault('WebSocket data', err, this);
  }
}
function socketOnEnd(this: SocketWithWs): void {
  try {
    this[kWs].onEnd();
  } catch (err) {
    listenerFault('WebSocket end', err, this);
  }
}
function socketOnClose(this: SocketWithWs): void {
  try {
    this[kWs].onSocketClose();
  } catch (err) {
    listenerFault('WebSocket close', err, this);
  }
}
function socketOnError(): void {}
function socketOnDrain(this: SocketWithWs): void {
  try {
    this[kWs].emit('drain');
  } catch (err) {
    listenerFault('WebSocket drain', err, this);
  }
}
