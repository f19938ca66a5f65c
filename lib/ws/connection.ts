// One WebSocket connection: the object handlers see as `ws`. It owns the socket, the receiver, the close
// handshake and the order of messages (a handler that returns a promise holds back the connection's next
// messages until it settles). What it sends goes through its Outbox (outbox.ts); where direct reads land
// is its ReadBuffer's business (read-buffer.ts); what a message gets back is reply.ts's.
import { EventEmitter } from 'node:events';
import { isUtf8 } from 'node:buffer';
import type { Duplex } from 'node:stream';
import { CloseCode, Failures, assertCloseArgs, type Failure } from './close-codes';
import { CloseHandshake } from './close-handshake';
import type { ConnectionLimits, WsConnectionInfo } from './connection-config';
import { WsMessageContext, type WsConnectContext, type WsDisconnectContext } from './context';
import { MessageTooBigError, type PerMessageDeflate } from './deflate';
import { scratchBuffer, startDirectRead, type DirectReader } from './direct-read';
import type { WsHandlers } from './handlers';
import { Inbox, type InboxOwner, type Incoming } from './inbox';
import { Outbox, type OutboxOwner } from './outbox';
import { ReadBuffer } from './read-buffer';
import { Receiver, type ReceiverSink } from './receiver';
import { sendReply } from './reply';
import { EMPTY, Opcode, frameCopy } from './sender';
import type { WsHub } from './hub';
import { listenerFault } from '../base/listener-guard';

export type ReadyState = 0 | 1 | 2 | 3;

export class WebSocket extends EventEmitter {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  /** Per-connection state for handlers (pykrozen's ws.data); upgrade()'s `{ data }` when it returned one. */
  data: Record<string, unknown>;
  readyState: ReadyState = 1;
  readonly remoteAddress: string | undefined;
  /** The request target of the upgrade (path and query), e.g. `/ws?room=lobby`. */
  readonly url: string;
  /** The endpoint's route parameters (`/chat/:room` → `{ room }`). */
  readonly params: Readonly<Record<string, string>>;
  /** The upgrade request's headers (lower-case names). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The subprotocol agreed in the handshake ('' for none). */
  readonly protocol: string;

  /**
   * @internal Set when a read completes a frame (any frame, control frames too); the idle sweep clears it.
   * Bytes alone do not count: a peer trickling one byte of a huge frame per interval is idle.
   */
  active = true;
  /** @internal The idle sweep pinged this connection and waits for any sign of life. */
  idlePinged = false;

  private readonly receiver: Receiver;
  private readonly outbox: Outbox;
  /** Non-null once the socket reads directly into buffers this connection picks (direct-read.ts). */
  private reads: ReadBuffer | null = null;
  private readonly closing: CloseHandshake;
  /** @internal The socket closed. */
  disconnected = false;
  private readonly inbox: Inbox;
  private topicSet: Set<string> | null = null;

  /** @internal Made by the upgrade (upgrade.ts). */
  constructor(
    private readonly hub: WsHub,
    private readonly handlers: WsHandlers,
    private readonly socket: Duplex,
    private readonly limits: ConnectionLimits,
    private readonly deflate: PerMessageDeflate | null,
    info: WsConnectionInfo,
  ) {
    super();
    this.remoteAddress = info.remoteAddress;
    this.url = info.url;
    this.params = info.params;
    this.headers = info.headers;
    this.protocol = info.protocol;
    this.data = info.data ?? {};
    this.receiver = new Receiver(this, limits, deflate !== null);
    this.outbox = new Outbox(this, socket, limits, deflate);
    this.inbox = new Inbox(this, socket, limits.maxQueuedBytes);
    this.closing = new CloseHandshake(socket, this.outbox, limits.closeTimeout);
    (socket as SocketWithWs)[kWs] = this;
    socket.on('data', socketOnData);
    socket.on('end', socketOnEnd);
    socket.on('close', socketOnClose);
    socket.on('error', socketOnError); // 'close' follows
    socket.on('drain', socketOnDrain);
  }

  /** @internal Writes the 101, runs the open handler, then parses bytes that came with the handshake. */
  start(response: string, head: Buffer): void {
    const outbox = this.outbox;
    outbox.inRead = true;
    outbox.write(Buffer.from(response, 'latin1'));
    const ctx: WsConnectContext = { ws: this };
    try {
      const result = this.handlers.open(ctx);
      if (result !== undefined) {
        this.inbox.busy = true;
        result.then(
          () => this.guarded(() => this.inbox.resume()),
          (err) => this.handlerFailed(err),
        );
      }
    } catch (err) {
      this.handlerFailed(err);
    }
    if (head.length > 0 && !this.receiver.stopped) this.receiver.push(head);
    outbox.endRead();
    if (!this.disconnected) {
      const reads = new ReadBuffer(this.receiver);
      this.reads = reads;
      if (startDirectRead(this.socket, this)) this.receiver.copyKept = true;
      else this.reads = null;
    }
  }

  /** @internal The TCP socket (a fault in a timer callback destroys it). */
  get rawSocket(): Duplex {
    return this.socket;
  }

  /** Bytes queued for this connection and not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.outbox.bufferedAmount;
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
    return this.outbox.sendValue(value);
  }

  /** Starts the close handshake. code: 1000, 1001-1003, 1007-1014 or 3000-4999; reason: <= 123 bytes. */
  close(code: number = CloseCode.NORMAL, reason = ''): void {
    assertCloseArgs(code, reason);
    this.initiateClose(code, reason, false);
  }

  /** Sends a ping (payload <= 125 bytes). False when closing. */
  ping(payload: string | Uint8Array = EMPTY): boolean {
    const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
    if (bytes.length > 125) throw new RangeError('Ping payload must be at most 125 bytes');
    if (!this.canSend()) return false;
    this.outbox.sendControl(frameCopy(Opcode.PING, bytes));
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
    return this.canSend() && this.outbox.sendFrame(frame);
  }

  private canSend(): boolean {
    return !this.closing.sent && !this.disconnected;
  }

  /** @internal OutboxOwner */
  outboxFailed(failure: Failure): void {
    if (!this.disconnected) this.fail(failure);
  }

  /** @internal OutboxOwner */
  outboxDrained(): void {
    this.closing.outboxDrained();
  }

  // ---- receiving -----------------------------------------------------------------------------

  /** @internal */
  onData(chunk: Buffer): void {
    const frames = this.receiver.framesDone;
    this.outbox.inRead = true;
    this.receiver.push(chunk);
    if (this.receiver.framesDone !== frames) this.active = true;
    this.outbox.endRead();
  }

  /** @internal DirectReader */
  onDirectRead(buf: Buffer, n: number): void {
    const reads = this.reads as ReadBuffer;
    const frames = this.receiver.framesDone;
    this.outbox.inRead = true;
    reads.read(buf, n);
    if (this.receiver.framesDone !== frames) this.active = true;
    this.outbox.endRead();
    reads.account(n, !this.disconnected);
  }

  /** @internal DirectReader */
  nextReadBuffer(): Buffer {
    return this.reads === null ? scratchBuffer() : this.reads.next();
  }

  /** @internal ReceiverSink */
  placePayload(chunk: Buffer, pos: number, total: number): Buffer | null {
    return this.reads === null ? null : this.reads.place(chunk, pos, total);
  }

  /** @internal ReceiverSink */
  onMessage(binary: boolean, payload: Buffer, compressed: boolean, headroom = false, transient = false): void {
    if (this.closing.sent) return; // closing: data is discarded
    if (this.inbox.busy) {
      // Held beyond this read: out of the shared read buffer.
      if (transient) {
        payload = Buffer.from(payload);
        headroom = false;
      }
      this.inbox.wait({ close: false, binary, payload, compressed, headroom });
      return;
    }
    this.handleMessage(binary, payload, compressed, headroom, transient);
  }

  /** @internal ReceiverSink */
  onPing(payload: Buffer): void {
    if (this.closing.sent || this.disconnected) return;
    // A peer that pings without reading gets no more pongs once the output is over the limit.
    if (this.outbox.overLimit) return;
    this.outbox.sendControl(frameCopy(Opcode.PONG, payload));
  }

  /** @internal ReceiverSink: unsolicited pongs are allowed and ignored (any read counts as activity). */
  onPong(): void {}

  /** @internal ReceiverSink */
  onCloseFrame(code: number, reason: string): void {
    this.closing.peerClosed(code, reason);
    if (this.readyState === WebSocket.OPEN) this.readyState = WebSocket.CLOSING;
    if (this.inbox.busy && !this.closing.sent) {
      // Replies to the messages before the close go out first.
      this.inbox.wait({ close: true, code, reason });
      return;
    }
    this.closing.answer(code);
  }

  /** @internal ReceiverSink */
  onProtocolError(code: number, message: string): void {
    this.failWith(code, message);
  }

  /** @internal InboxOwner: a message or close that waited behind busy work. */
  deliver(item: Incoming): void {
    if (item.close) this.closing.answer(item.code);
    else if (!this.closing.sent) this.handleMessage(item.binary, item.payload, item.compressed, item.headroom);
  }

  private handleMessage(
    binary: boolean,
    payload: Buffer,
    compressed: boolean,
    headroom: boolean,
    transient = false,
  ): void {
    if (!compressed) {
      this.dispatch(binary, payload, headroom, transient);
      return;
    }
    if (transient) payload = Buffer.from(payload); // inflated later
    this.inbox.busy = true;
    (this.deflate as PerMessageDeflate).decompress(payload, this.limits.maxPayload, (err, data) =>
      this.guarded(() => {
        if (this.disconnected || this.closing.sent) return;
        if (err || data === undefined)
          return this.fail(err instanceof MessageTooBigError ? Failures.TOO_BIG : Failures.BAD_DEFLATE);
        if (!binary && !isUtf8(data)) return this.fail(Failures.BAD_UTF8);
        this.inbox.busy = false;
        this.dispatch(binary, data, false, false);
        if (!this.inbox.busy) this.inbox.resume();
      }),
    );
  }

  /** Runs the message handler(s), then sends the reply (or the default one). */
  private dispatch(binary: boolean, payload: Buffer, headroom: boolean, transient: boolean): void {
    const ctx = new WsMessageContext(this, binary, payload, transient, headroom, this.limits);
    let result: void | Promise<void> = undefined;
    try {
      result = this.handlers.message(ctx);
    } catch (err) {
      ctx.release();
      this.handlerFailed(err);
      return;
    }
    if (result === undefined) {
      this.reply(ctx);
      ctx.release();
      return;
    }
    ctx.release();
    this.inbox.busy = true;
    result.then(
      () => {
        if (this.disconnected) return;
        this.guarded(() => {
          this.reply(ctx);
          this.inbox.resume();
        });
      },
      (err) => this.handlerFailed(err),
    );
  }

  private reply(ctx: WsMessageContext): void {
    if (!this.canSend()) return;
    try {
      sendReply(ctx, this.outbox, this.handlers.defaultReply);
    } catch (err) {
      this.handlerFailed(err);
    }
  }

  private handlerFailed(err: unknown): void {
    if (this.disconnected) return;
    console.error('krozen: a WebSocket handler failed; closing the connection with 1011:', err);
    const [code, reason] = Failures.HOOK_FAILED;
    this.guarded(() => this.initiateClose(code, reason, false));
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

  // ---- closing -------------------------------------------------------------------------------

  /** Fails the connection (RFC 6455 §7.1.7): close frame, then end TCP without waiting for the peer. */
  private fail([code, reason]: Failure): void {
    this.failWith(code, reason);
  }

  private failWith(code: number, reason: string): void {
    this.receiver.stop();
    this.inbox.clear();
    this.outbox.dropQueue(); // queued compressions are dropped; the close frame goes first
    this.initiateClose(code, reason, true);
  }

  private initiateClose(code: number, reason: string, endNow: boolean): void {
    if (this.disconnected) return;
    if (this.readyState === WebSocket.OPEN) this.readyState = WebSocket.CLOSING;
    this.closing.send(code, reason, endNow);
  }

  /** @internal Idle sweep: the connection stayed silent after a ping. */
  idleExpired(): void {
    // Not reading because our own handler is slow (the queue is full): the silence is ours, not the peer's.
    if (this.inbox.paused) return;
    this.fail(Failures.IDLE);
  }

  /** @internal Idle sweep: ask for a sign of life. */
  idlePing(): void {
    if (this.canSend()) this.outbox.sendControl(frameCopy(Opcode.PING, EMPTY));
  }

  /** @internal The socket drained: the drain handler, then the 'drain' event. */
  onDrain(): void {
    try {
      this.handlers.drain(this);
    } catch (err) {
      this.handlerFailed(err);
    }
    this.emit('drain');
  }

  /** @internal The peer ended its side (TCP FIN). */
  onEnd(): void {
    if (this.readyState === WebSocket.OPEN) this.readyState = WebSocket.CLOSING;
    this.receiver.stop();
    this.inbox.clear();
    this.closing.endSocket();
  }

  /** @internal */
  onSocketClose(): void {
    if (this.disconnected) return;
    this.disconnected = true;
    this.readyState = WebSocket.CLOSED;
    this.closing.done();
    this.receiver.stop();
    this.inbox.clear();
    this.outbox.discard();
    if (this.reads !== null) this.reads.release();
    if (this.deflate !== null) this.deflate.close();
    if (this.topicSet !== null) {
      for (const topic of this.topicSet) this.hub.topicsIndex.remove(topic, this);
      this.topicSet = null;
    }
    this.hub.removeConnection(this);
    const ctx: WsDisconnectContext = { ws: this, code: this.closing.code, reason: this.closing.reason };
    try {
      const result = this.handlers.close(ctx);
      if (result !== undefined) result.catch((err) => console.error('krozen: a WebSocket close handler failed:', err));
    } catch (err) {
      console.error('krozen: a WebSocket close handler failed:', err);
    }
    this.emit('close', this.closing.code, this.closing.reason);
  }
}

const kWs = Symbol('krozen.ws');
type SocketWithWs = Duplex & { [kWs]: WebSocket };

// Listeners shared by every connection (no closures per connection). They run inside Node's event
// emission, where a throw would end the process: a fault ends this socket only.
function socketListener(
  where: string,
  call: (ws: WebSocket, chunk: Buffer) => void,
): (this: SocketWithWs, chunk: Buffer) => void {
  return function (this: SocketWithWs, chunk: Buffer): void {
    try {
      call(this[kWs], chunk);
    } catch (err) {
      listenerFault(where, err, this);
    }
  };
}

// 'data' is not emitted once direct reads are on (Node no longer pushes to the stream).
const socketOnData = socketListener('WebSocket data', (ws, chunk) => ws.onData(chunk));
const socketOnEnd = socketListener('WebSocket end', (ws) => ws.onEnd());
const socketOnClose = socketListener('WebSocket close', (ws) => ws.onSocketClose());
const socketOnDrain = socketListener('WebSocket drain', (ws) => ws.onDrain());
function socketOnError(): void {}
