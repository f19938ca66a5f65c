// What runs one WebSocket connection behind its public object (websocket.ts): the socket's events, the
// receiver's sink, the outbox's owner, direct reads, the idle sweep's side and the order of messages (a
// handler that returns a promise holds back the connection's next messages until it settles). What it
// sends goes through its Outbox (outbox.ts); where direct reads land is its ReadBuffer's business
// (read-buffer.ts); what a message gets back is reply.ts's; the close handshake is close-handshake.ts's.
import { isUtf8 } from 'node:buffer';
import type { Duplex } from 'node:stream';
import type { RawSocket } from '../transport/raw-socket';
import { takeOverSocket } from '../transport/raw-takeover';
import { CloseCode, Failures, type Failure } from './close-codes';
import { CloseHandshake } from './close-handshake';
import type { ConnectionLimits, WsConnectionInfo } from './connection-config';
import { WsMessageContext, type WsConnectContext, type WsDisconnectContext } from './context';
import { MessageTooBigError, type PerMessageDeflate } from './deflate';
import { scratchBuffer, startDirectRead, type DirectReader } from '../transport/direct-read';
import { EMPTY, Opcode } from './frame';
import type { WsHandlers } from './handlers';
import type { WsHub } from './hub';
import { Inbox, type InboxOwner, type Incoming } from './inbox';
import { Outbox, type OutboxOwner } from './outbox';
import { MessageRate } from './message-rate';
import { ReadBuffer } from './read-buffer';
import { Receiver, type ReceiverSink } from './receiver';
import { sendReply } from './reply';
import { frameCopy } from './sender';
import { WebSocket, type ConnectionControl, sessionOf } from './websocket';
import { listenerFault } from '../base/listener-guard';
import { listenToSocket, type WsSocket } from './session-socket';
import { logError } from '../base/logger';

export class WsSession implements ConnectionControl, ReceiverSink, OutboxOwner, InboxOwner, DirectReader {
  /** The public object handlers see. */
  readonly ws: WebSocket;
  /**
   * Set when a read completes a frame (any frame, control frames too); the idle sweep clears it.
   * Bytes alone do not count: a peer trickling one byte of a huge frame per interval is idle.
   */
  active = true;
  /** The idle sweep pinged this connection and waits for any sign of life. */
  idlePinged = false;
  /** The socket closed. */
  disconnected = false;

  private readonly receiver: Receiver;
  private readonly outbox: Outbox;
  /** Non-null once the socket reads directly into buffers this connection picks (../transport/direct-read.ts). */
  private reads: ReadBuffer | null = null;
  /** The TCP socket, or its handle taken over: `raw` (a fault in a timer callback destroys it). */
  readonly socket: WsSocket;
  private readonly raw: RawSocket | null;
  /** Made on the first close (ours, the peer's or TCP's end): an open connection has none. */
  private closing: CloseHandshake | null = null;
  /** Made when a handler's promise or an inflate first makes the connection busy. */
  private inbox: Inbox | null = null;
  private topicSet: Set<string> | null = null;
  /** Only with a message rate limit (settings.wsMaxMessagesPerSecond). */
  private readonly rate: MessageRate | null;

  /** Made by the upgrade (upgrade.ts). */
  constructor(
    private readonly hub: WsHub,
    private readonly handlers: WsHandlers,
    stream: Duplex,
    readonly limits: ConnectionLimits, // (the hub's idle sweep reads idleTimeout)
    private readonly deflate: PerMessageDeflate | null,
    info: WsConnectionInfo,
  ) {
    this.ws = new WebSocket(this, info);
    this.rate = limits.maxMessagesPerSecond > 0 ? new MessageRate(limits.maxMessagesPerSecond) : null;
    this.receiver = new Receiver(this, limits, deflate !== null);
    // Plain TCP of the krozen transport: driven through its handle (../transport/raw-socket.ts), else its stream.
    this.raw = takeOverSocket(stream, this);
    this.socket = this.raw ?? stream;
    this.outbox = new Outbox(this, this.socket, limits, deflate, hub.stats);
    if (this.raw === null) listenToSocket(stream, this);
  }

  /** Writes the 101, runs the open handler, then parses bytes that came with the handshake. */
  start(response: string, head: Buffer): void {
    const outbox = this.outbox;
    outbox.inRead = true;
    outbox.writeHead(response);
    const ctx: WsConnectContext = { ws: this.ws };
    try {
      const result = this.handlers.open(ctx);
      if (result !== undefined) {
        const inbox = this.waiting();
        inbox.busy = true;
        result.then(
          () => this.guarded(() => inbox.resume()),
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
      if (this.raw !== null) {
        this.receiver.copyKept = true;
        this.raw.startReading();
      } else if (startDirectRead(this.socket, this)) this.receiver.copyKept = true;
      else this.reads = null;
    }
  }

  // ---- the public API's side (websocket.ts) ---------------------------------------------------

  get bufferedAmount(): number {
    return this.outbox.bufferedAmount;
  }

  get extensions(): string {
    return this.deflate !== null ? 'permessage-deflate' : '';
  }

  send(value: unknown): boolean {
    if (!this.canSend()) return false;
    return this.outbox.sendValue(value);
  }

  /** ws.close(), arguments checked. */
  close(code: number, reason: string): void {
    this.initiateClose(code, reason, false);
  }

  ping(payload: Uint8Array): boolean {
    if (!this.canSend()) return false;
    this.outbox.sendControl(frameCopy(Opcode.PING, payload));
    return true;
  }

  terminate(): void {
    this.socket.destroy();
  }

  subscribe(topic: string): void {
    if (this.disconnected) return;
    if (this.topicSet === null) this.topicSet = new Set();
    if (this.topicSet.has(topic)) return;
    this.topicSet.add(topic);
    this.hub.topicsIndex.add(topic, this.ws);
  }

  unsubscribe(topic: string): void {
    if (this.topicSet === null || !this.topicSet.delete(topic)) return;
    this.hub.topicsIndex.remove(topic, this.ws);
  }

  isSubscribed(topic: string): boolean {
    return this.topicSet !== null && this.topicSet.has(topic);
  }

  topics(): string[] {
    return this.topicSet === null ? [] : [...this.topicSet];
  }

  /** A complete frame (publish shares one Buffer between subscribers). */
  sendFrame(frame: Buffer): boolean {
    return this.canSend() && this.outbox.sendFrame(frame);
  }

  private canSend(): boolean {
    return !this.closeSent() && !this.disconnected;
  }

  /** Our close frame is queued: nothing else is sent, what arrives is discarded. */
  private closeSent(): boolean {
    return this.closing !== null && this.closing.sent;
  }

  private closer(): CloseHandshake {
    return (this.closing ??= new CloseHandshake(this.socket, this.outbox, this.limits.closeTimeout));
  }

  private waiting(): Inbox {
    return (this.inbox ??= new Inbox(this, this.socket, this.limits.maxQueuedBytes));
  }

  // ---- OutboxOwner ----------------------------------------------------------------------------

  outboxFailed(failure: Failure): void {
    if (!this.disconnected) this.fail(failure);
  }

  outboxDrained(): void {
    if (this.closing !== null) this.closing.outboxDrained();
  }

  // ---- receiving: the socket, DirectReader, ReceiverSink, InboxOwner --------------------------

  /** A 'data' chunk (the stream path: direct reads are off or unsupported). */
  onData(chunk: Buffer): void {
    const frames = this.receiver.framesDone;
    this.outbox.inRead = true;
    this.receiver.push(chunk);
    if (this.receiver.framesDone !== frames) this.active = true;
    this.outbox.endRead();
  }

  onDirectRead(buf: Buffer, n: number): void {
    const reads = this.reads as ReadBuffer;
    const frames = this.receiver.framesDone;
    this.outbox.inRead = true;
    reads.read(buf, n);
    if (this.receiver.framesDone !== frames) this.active = true;
    this.outbox.endRead();
    reads.account(n, !this.disconnected);
  }

  nextReadBuffer(): Buffer {
    return this.reads === null ? scratchBuffer() : this.reads.next();
  }

  placePayload(chunk: Buffer, pos: number, total: number): Buffer | null {
    return this.reads === null ? null : this.reads.place(chunk, pos, total);
  }

  onMessage(binary: boolean, payload: Buffer, compressed: boolean, headroom = false, transient = false): void {
    if (this.closeSent()) return; // closing: data is discarded
    if (this.rate !== null && !this.rate.take()) return this.fail(Failures.MESSAGE_RATE);
    const inbox = this.inbox;
    if (inbox !== null && inbox.busy) {
      // Held beyond this read: out of the shared read buffer.
      if (transient) {
        payload = Buffer.from(payload);
        headroom = false;
      }
      inbox.wait({ close: false, binary, payload, compressed, headroom });
      return;
    }
    this.handleMessage(binary, payload, compressed, headroom, transient);
  }

  onPing(payload: Buffer): void {
    if (this.closeSent() || this.disconnected) return;
    // A peer that pings without reading gets no more pongs once the output is over the limit.
    if (this.outbox.overLimit) return;
    this.outbox.sendControl(frameCopy(Opcode.PONG, payload));
  }

  /** Unsolicited pongs are allowed and ignored (any read counts as activity). */
  onPong(): void {}

  onCloseFrame(code: number, reason: string): void {
    const closing = this.closer();
    closing.peerClosed(code, reason);
    const ws = this.ws;
    if (ws.readyState === WebSocket.OPEN) ws.readyState = WebSocket.CLOSING;
    if (this.inbox !== null && this.inbox.busy && !closing.sent) {
      // Replies to the messages before the close go out first.
      this.inbox.wait({ close: true, code, reason });
      return;
    }
    closing.answer(code);
  }

  onProtocolError(code: number, message: string): void {
    this.failWith(code, message);
  }

  /** A message or close that waited behind busy work. */
  deliver(item: Incoming): void {
    if (item.close) this.closer().answer(item.code);
    else if (!this.closeSent()) this.handleMessage(item.binary, item.payload, item.compressed, item.headroom);
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
    const inbox = this.waiting();
    inbox.busy = true;
    (this.deflate as PerMessageDeflate).decompress(payload, this.limits.maxPayload, (err, data) =>
      this.guarded(() => {
        if (this.disconnected || this.closeSent()) return;
        if (err || data === undefined)
          return this.fail(err instanceof MessageTooBigError ? Failures.TOO_BIG : Failures.BAD_DEFLATE);
        if (!binary && !isUtf8(data)) return this.fail(Failures.BAD_UTF8);
        inbox.busy = false;
        this.dispatch(binary, data, false, false);
        if (!inbox.busy) inbox.resume();
      }),
    );
  }

  /** Runs the message handler(s), then sends the reply (or the default one). */
  private dispatch(binary: boolean, payload: Buffer, headroom: boolean, transient: boolean): void {
    if (this.hub.stats !== null) this.hub.stats.received(payload.length);
    const ctx = new WsMessageContext(this.ws, binary, payload, transient, headroom, this.limits);
    let result: void | Promise<void>;
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
    const inbox = this.waiting();
    inbox.busy = true;
    result.then(
      () => {
        if (this.disconnected) return;
        this.guarded(() => {
          this.reply(ctx);
          inbox.resume();
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

  /** The fields of krozen's lines about this connection: its request id when ids are on. */
  private logFields(): Record<string, unknown> | undefined {
    return this.ws.id === undefined ? undefined : { reqId: this.ws.id };
  }

  private handlerFailed(err: unknown): void {
    if (this.disconnected) return;
    logError(this.limits.logger, 'a WebSocket handler failed; closing the connection with 1011', err, this.logFields());
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
    if (this.inbox !== null) this.inbox.clear();
    this.outbox.dropQueue(); // queued compressions are dropped; the close frame goes first
    this.initiateClose(code, reason, true);
  }

  private initiateClose(code: number, reason: string, endNow: boolean): void {
    if (this.disconnected) return;
    const ws = this.ws;
    if (ws.readyState === WebSocket.OPEN) ws.readyState = WebSocket.CLOSING;
    this.closer().send(code, reason, endNow);
  }

  /** Idle sweep: the connection stayed silent after a ping. */
  idleExpired(): void {
    // Not reading because our own handler is slow (the queue is full): the silence is ours, not the peer's.
    if (this.inbox !== null && this.inbox.paused) return;
    this.fail(Failures.IDLE);
  }

  /** Idle sweep: ask for a sign of life. */
  idlePing(): void {
    if (this.canSend()) this.outbox.sendControl(frameCopy(Opcode.PING, EMPTY));
  }

  /** The socket drained: the drain handler, then the 'drain' event. */
  onDrain(): void {
    try {
      this.handlers.drain(this.ws);
    } catch (err) {
      this.handlerFailed(err);
    }
    this.ws.emit('drain');
  }

  /** The peer ended its side (TCP FIN). */
  onEnd(): void {
    const ws = this.ws;
    if (ws.readyState === WebSocket.OPEN) ws.readyState = WebSocket.CLOSING;
    this.receiver.stop();
    if (this.inbox !== null) this.inbox.clear();
    this.closer().endSocket();
  }

  onSocketClose(): void {
    if (this.disconnected) return;
    const ws = this.ws;
    this.disconnected = true;
    ws.readyState = WebSocket.CLOSED;
    const closing = this.closing;
    if (closing !== null) closing.done();
    this.receiver.stop();
    if (this.inbox !== null) this.inbox.clear();
    this.outbox.discard();
    if (this.reads !== null) this.reads.release();
    if (this.deflate !== null) this.deflate.close();
    if (this.topicSet !== null) {
      for (const topic of this.topicSet) this.hub.topicsIndex.remove(topic, ws);
      this.topicSet = null;
    }
    this.hub.removeConnection(this);
    // No close frame either way and no close of ours: 1006, as CloseHandshake reports.
    const code = closing === null ? CloseCode.ABNORMAL : closing.code;
    const reason = closing === null ? '' : closing.reason;
    const ctx: WsDisconnectContext = { ws, code, reason };
    try {
      const result = this.handlers.close(ctx);
      if (result !== undefined)
        result.catch((err) => logError(this.limits.logger, 'a WebSocket close handler failed', err, this.logFields()));
    } catch (err) {
      logError(this.limits.logger, 'a WebSocket close handler failed', err, this.logFields());
    }
    ws.emit('close', code, reason);
  }
}

/** The session behind `ws` (publish writes through it; the idle sweep and tests reach it). */
export function sessionOfWs(ws: WebSocket): WsSession {
  return sessionOf(ws) as WsSession;
}
