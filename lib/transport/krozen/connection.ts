// One client connection of the krozen transport: reads request heads and bodies off the socket, hands each
// request to the pipeline, and writes the responses back in request order (pipelining). Framing decisions
// (RFC 9112 §6 and §9): a request that asks to close, HTTP/1.0 without keep-alive, a response with
// `connection: close`, a body left unread or a framing error end the connection after that response.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { RequestHandler } from '../types';
import { ChunkedDecoder } from './chunked';
import { KrozenExchange, type ExchangeHost } from './exchange';
import { HeadError, type RequestHead } from './head-rules';
import { HeadReader, type HeadLimits } from './head-parse';
import { errorResponse } from './errors';
import { listenerFault } from '../../listener-guard';
import { scratchBuffer, type DirectReader } from '../../ws/direct-read';
import { canWriteDirect } from './direct-write';
import { asksForWebSocket } from '../upgrade-rule';
import { SendProgress, sendPending } from '../send-progress';
import { pipeResponseBody, writeResponse } from './response-output';

/** What a connection needs from its transport. */
export interface ConnectionOwner {
  readonly handler: RequestHandler;
  readonly limits: ConnectionLimits;
  /** Graceful stop under way: answer what is in flight with `connection: close`, take nothing new. */
  readonly closing: boolean;
  /** An upgrade request reached the head of the line: the socket and the bytes after the head go there. */
  upgrade(ex: KrozenExchange, socket: Socket, rest: Buffer): void;
  /** The connection is done (closed or handed off). */
  release(conn: Connection): void;
}

export interface ConnectionLimits extends HeadLimits {
  /** Requests parsed ahead of their responses; reading stops at this many. */
  maxPipelined: number;
  /**
   * settings.httpMaxBackpressure: response bytes that may wait on one connection (unsent, or ready behind an
   * answer still going out); a response that would take them past it closes the connection. 0 = no cap.
   */
  maxBackpressure: number;
  /** ExchangeHost.keepAliveLines (writer.ts keepAliveLines for settings.keepAliveTimeout). */
  keepAliveLines: readonly [string, string];
}

/** Where a connection is, for the timeout sweep. */
export const enum Phase {
  /** Waiting for the first byte of a request (keep-alive idle). */
  Idle,
  /** Receiving a request head. */
  Head,
  /** Receiving a request body. */
  Body,
  /**
   * Request received; the pipeline and the writes are under way. No receive timeout: the response is ours;
   * what bounds it is the send deadline (settings.sendTimeout), in every phase.
   */
  Busy,
  /** The response that ends the connection went out; waiting for the client's FIN. */
  Closing,
}

// Why reading is paused (a bit each); reading resumes when none is left.
const PAUSE_BODY = 1;
const PAUSE_PIPELINE = 2;
const PAUSE_WRITE = 4;
const PAUSE_HANDOFF = 8;

/** Queued response bytes past which the connection stops reading new requests (a slow reader). */
const WRITE_HIGH_WATER = 64 * 1024;

const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';
/** Smallest buffer kept for input that outlives a read (a head cut by the read): it then grows by doubling. */
const KEPT_INPUT_MIN = 1024;

export class Connection implements ExchangeHost, DirectReader {
  readonly remoteAddress: string | undefined;
  phase = Phase.Idle;
  /** Date.now() when the current phase began (Head: when the request head began). */
  since: number;
  /** Unread input is buf[pos, end): a direct read leaves the shared scratch buffer whole (no view per read). */
  private buf: Buffer | null = null;
  private pos = 0;
  private end = 0;
  /** Exchanges whose responses are not all written, in request order; queue[0] may write. */
  private readonly queue: KrozenExchange[] = [];
  /** The exchange whose body is being received, with what is left of it. */
  private bodyEx: KrozenExchange | null = null;
  private bodyLeft = 0;
  private decoder: ChunkedDecoder | null = null;
  /** No further request is read (a close was asked for, a framing error, a hand-off). */
  private lastRequestSeen = false;
  private ended = false;
  private paused = 0;
  private peerEnded = false;
  private readonly onChunk: (chunk: Buffer) => void;
  /** buf is a view of the shared scratch buffer (direct reads): copy what must outlive this read. */
  private transient = false;
  /** buf was allocated here, so bytes may be appended past `end` (a slow head grows in place, not by re-copying). */
  private owned = false;
  /** The head being read: what was searched and checked of a partial head between reads. */
  private readonly heads = new HeadReader();
  private processing = false;
  /** Bytes of responses ready before their turn (deferred), for maxBackpressure. */
  private deferredBytes = 0;
  /** Responses may go out by direct writes (./direct-write.ts). */
  private readonly direct: boolean;
  /** Send progress, made when the sweep first finds bytes waiting (most connections never need one). */
  private sendProgress: SendProgress | null = null;

  constructor(
    readonly socket: Socket,
    private readonly owner: ConnectionOwner,
    now: number,
  ) {
    this.remoteAddress = socket.remoteAddress;
    this.direct = canWriteDirect(socket);
    this.since = now;
    this.phase = Phase.Head;
    this.onChunk = (chunk) => (this.bodyEx as KrozenExchange).bodyData(this.keep(chunk));
  }

  /** Bytes from the socket ('data' path: the chunk is ours to keep). */
  data(chunk: Buffer): void {
    if (this.ended) return; // after the last response: read and drop until the client closes
    this.transient = false;
    if (this.buf === null) {
      this.buf = chunk;
      this.owned = false;
      this.pos = 0;
      this.end = chunk.length;
    } else {
      this.append(chunk, chunk.length);
    }
    this.process();
  }

  /** DirectReader: `n` bytes read into the shared scratch buffer, valid only during this call. */
  onDirectRead(scratch: Buffer, n: number): void {
    if (this.ended) return;
    if (this.buf === null) {
      this.buf = scratch;
      this.pos = 0;
      this.end = n;
      this.transient = true;
      this.owned = false;
    } else {
      this.append(scratch, n);
      this.transient = false;
    }
    this.process();
    // What is left (a head cut by the read, a paused connection's input) must outlive the scratch buffer.
    if (this.transient && this.buf !== null) {
      const view = this.buf.subarray(this.pos, this.end);
      this.buf = null;
      this.append(view, view.length);
    }
    this.transient = false;
  }

  /**
   * Appends src[0, n) to the unread input buf[pos, end): in place when buf is ours and has room, else into a
   * new buffer with room to spare (doubling), so input that arrives in small reads costs linear copying.
   */
  private append(src: Buffer, n: number): void {
    const buf = this.buf;
    if (buf !== null && this.owned && buf.length - this.end >= n) {
      src.copy(buf, this.end, 0, n);
      this.end += n;
      return;
    }
    const have = buf === null ? 0 : this.end - this.pos;
    const next = Buffer.allocUnsafe(Math.max(KEPT_INPUT_MIN, 2 * (have + n)));
    if (buf !== null) buf.copy(next, 0, this.pos, this.end);
    src.copy(next, have, 0, n);
    this.buf = next;
    this.owned = true;
    this.pos = 0;
    this.end = have + n;
  }

  nextReadBuffer(): Buffer {
    return scratchBuffer();
  }

  /** A body piece to hand on: a view of a chunk we own, or a copy out of the scratch buffer. */
  private keep(chunk: Buffer): Buffer {
    return this.transient ? Buffer.from(chunk) : chunk;
  }

  private process(): void {
    if (this.processing) return; // resumed from inside the loop (a response written synchronously): it goes on
    this.processing = true;
    try {
      this.processLoop();
    } finally {
      this.processing = false;
    }
  }

  private processLoop(): void {
    while (this.buf !== null && this.paused === 0 && !this.ended) {
      const buf = this.buf;
      if (this.pos >= this.end) {
        this.buf = null;
        break;
      }
      if (this.bodyEx !== null) {
        if (!this.readBody(buf)) return;
        continue;
      }
      if (this.lastRequestSeen) {
        this.buf = null; // nothing after the last request is read
        break;
      }
      if (this.queue.length >= this.owner.limits.maxPipelined) {
        this.pause(PAUSE_PIPELINE);
        break;
      }
      if (!this.readHead(buf)) break;
    }
  }

  /** Parses one head from buf[pos..] and dispatches it; false when more bytes are needed or reading ended. */
  private readHead(buf: Buffer): boolean {
    const heads = this.heads;
    const parsed = heads.read(buf, this.pos, this.end, this.owner.limits);
    this.pos = heads.start;
    if (heads.start >= this.end) return false; // only empty lines so far
    // A new head starts its phase's clock only when the phase outlasts this read (more bytes to wait for, a
    // body under the request timeout, a hand-off): a head whole in one read reads no clock at all.
    const newHead = this.phase === Phase.Idle || this.phase === Phase.Busy;
    if (newHead) this.phase = Phase.Head;
    if (heads.next === -1) {
      if (newHead) this.since = Date.now();
      if (parsed !== null) this.refuse(parsed as HeadError);
      return false;
    }
    this.pos = heads.next;
    if (parsed instanceof HeadError) {
      this.refuse(parsed);
      return false;
    }
    const head = parsed as RequestHead;
    const ex = new KrozenExchange(this, head);
    // Only a WebSocket upgrade leaves HTTP; any other Upgrade (h2c) is answered by its route (RFC 9110 §7.8).
    ex.upgrade = head.upgrade && asksForWebSocket(head.headers);
    this.queue.push(ex);
    // A body (request timeout) or a hand-off still to come: the phase runs on from now.
    if (newHead && (head.bodyLength !== 0 || ex.upgrade)) this.since = Date.now();
    if (!head.keepAlive || this.owner.closing) this.lastRequestSeen = true;
    if (ex.upgrade && head.bodyLength === 0) {
      this.lastRequestSeen = true;
      this.pause(PAUSE_HANDOFF);
      if (this.queue[0] === ex) this.handOff(ex);
      return false;
    }
    if (head.bodyLength !== 0) {
      this.bodyEx = ex;
      this.phase = Phase.Body;
      if (head.bodyLength > 0) this.bodyLeft = head.bodyLength;
      else this.decoder = new ChunkedDecoder(this.owner.limits);
    } else {
      this.phase = Phase.Busy;
    }
    this.dispatch(ex);
    return true;
  }

  /** Feeds body bytes to bodyEx; false when reading stopped (a framing error). */
  private readBody(buf: Buffer): boolean {
    const ex = this.bodyEx as KrozenExchange;
    const decoder = this.decoder;
    if (decoder === null) {
      const take = Math.min(this.bodyLeft, this.end - this.pos);
      const chunk = this.pos === 0 && take === buf.length ? buf : buf.subarray(this.pos, this.pos + take);
      this.pos += take;
      this.bodyLeft -= take;
      if (this.bodyLeft === 0) this.bodyEx = null;
      ex.bodyData(this.keep(chunk));
      if (this.bodyLeft === 0) this.endBody(ex);
      return true;
    }
    const next = decoder.decode(buf, this.pos, this.end, this.onChunk);
    if (next === -1) {
      // A broken chunked body: the request fails (400 if nothing was answered yet) and the connection ends.
      this.bodyEx = null;
      this.decoder = null;
      this.lastRequestSeen = true;
      this.buf = null;
      const err = decoder.error as HeadError;
      if (ex.headersSent) this.destroy();
      else ex.bodyAbort(STATUS_CODES[err.status] as string, err.status);
      return false;
    }
    this.pos = next;
    if (decoder.done) {
      this.bodyEx = null;
      this.decoder = null;
      this.endBody(ex);
    }
    return true;
  }

  private endBody(ex: KrozenExchange): void {
    if (this.phase === Phase.Body) this.phase = Phase.Busy;
    ex.bodyEnd();
  }

  private dispatch(ex: KrozenExchange): void {
    try {
      this.owner.handler(ex, ex);
    } catch (err) {
      // The pipeline answers its own errors; reaching here is a bug in it. This connection only pays.
      this.ended = true;
      listenerFault('krozen request', err, this.socket);
    }
  }

  /** A request that cannot be parsed: answer (if nothing is in flight ahead of it) and close. */
  private refuse(err: HeadError): void {
    this.lastRequestSeen = true;
    this.buf = null;
    this.phase = Phase.Busy;
    const text = errorResponse(err.status);
    if (this.queue.length === 0) this.finish(text);
    else this.queue[this.queue.length - 1].onDone = () => this.finish(text);
  }

  // ---- ExchangeHost ----

  pauseReading(): void {
    this.pause(PAUSE_BODY);
  }

  resumeReading(): void {
    this.resume(PAUSE_BODY);
  }

  /**
   * An interim response goes in order like any other: only when `ex` is at the head of the line, else once
   * the responses before it are written (a 100 sent at once would land inside an earlier response's body).
   */
  sendContinue(ex: KrozenExchange): void {
    if (this.ended) return;
    if (this.queue[0] !== ex) {
      ex.continueDue = true;
      return;
    }
    this.writeContinue(ex);
  }

  private writeContinue(ex: KrozenExchange): void {
    ex.continueDue = false;
    this.socket.write(CONTINUE, 'latin1');
    // The client sends its body only now: the request timeout for it starts here.
    if (this.bodyEx === ex) this.since = Date.now();
  }

  get keepAliveLines(): readonly [string, string] {
    return this.owner.limits.keepAliveLines;
  }

  keepAliveAfter(ex: KrozenExchange): boolean {
    if (!ex.head.keepAlive || this.owner.closing || this.ended) return false;
    // A body the client is still sending (or was told to wait with) would be taken for the next request.
    if (!ex.bodyComplete) return false;
    return !(this.lastRequestSeen && this.queue[this.queue.length - 1] === ex && this.peerEnded);
  }

  respond(
    ex: KrozenExchange,
    head: string,
    latin1Head: boolean,
    body: string | Uint8Array | null,
    close: boolean,
  ): void {
    ex.closeAfter = close;
    // A response that closes the connection: no request behind it is read (or run: it would go unanswered).
    if (close) this.lastRequestSeen = true;
    const bytes = head.length + (body === null ? 0 : body.length);
    if (!this.admit(bytes)) return;
    if (this.queue[0] !== ex) {
      this.deferredBytes += bytes;
      ex.deferred = { head, latin1Head, body, stream: null, chunked: false, bytes };
      return;
    }
    this.write(head, latin1Head, body);
    this.done(ex);
  }

  respondStream(ex: KrozenExchange, head: string, body: Readable, chunked: boolean, close: boolean): void {
    ex.closeAfter = close;
    if (close) this.lastRequestSeen = true;
    if (!this.admit(head.length)) {
      body.destroy();
      return;
    }
    if (this.queue[0] !== ex) {
      this.deferredBytes += head.length;
      ex.deferred = { head, latin1Head: true, body: null, stream: body, chunked, bytes: head.length };
      return;
    }
    this.socket.write(head, 'latin1');
    this.pipeStream(ex, body, chunked);
  }

  /**
   * maxBackpressure: a response of about `bytes` may wait here unless answers already wait and it would take
   * them past the cap (then the connection is destroyed: a client that pipelines and never reads). One
   * response of any size on a connection with nothing waiting always goes.
   */
  private admit(bytes: number): boolean {
    const cap = this.owner.limits.maxBackpressure;
    if (cap === 0) return true;
    const waiting = this.socket.writableLength + this.deferredBytes;
    if (waiting === 0 || waiting + bytes <= cap) return true;
    this.destroy();
    return false;
  }

  private write(head: string, latin1Head: boolean, body: string | Uint8Array | null): void {
    if (this.ended) return;
    writeResponse(this.socket, this.direct, head, latin1Head, body);
    if (this.socket.writableLength > WRITE_HIGH_WATER) this.pause(PAUSE_WRITE);
  }

  private pipeStream(ex: KrozenExchange, body: Readable, chunked: boolean): void {
    pipeResponseBody(this.socket, body, chunked, {
      ended: () => this.ended,
      done: () => this.done(ex),
      failed: () => this.destroy(),
    });
  }

  /** `ex`'s response is fully handed to the socket: the next one may go. */
  private done(ex: KrozenExchange): void {
    const queue = this.queue;
    if (queue[0] === ex) queue.shift();
    const after = ex.onDone;
    if (ex.closeAfter) {
      this.finish(null);
      return;
    }
    if (after !== null) {
      after();
      return;
    }
    const next = queue[0];
    if (next !== undefined) {
      // Its 100 Continue was held back while the responses before it went out; a final answer ready already
      // replaces it (the client then must not send the body).
      if (next.continueDue && next.deferred === null) this.writeContinue(next);
      if (next.upgrade && next.head.bodyLength === 0) {
        this.handOff(next);
        return;
      }
      const d = next.deferred;
      if (d !== null) {
        next.deferred = null;
        this.deferredBytes -= d.bytes;
        if (d.stream !== null) {
          this.socket.write(d.head, 'latin1');
          this.pipeStream(next, d.stream, d.chunked);
        } else {
          this.write(d.head, d.latin1Head, d.body);
          this.done(next);
        }
        return;
      }
    }
    if (queue.length === 0) {
      if (this.peerEnded) {
        this.finish(null);
        return;
      }
      if (this.bodyEx === null && (this.buf === null || this.pos >= this.end)) {
        this.phase = Phase.Idle;
        this.since = Date.now();
      }
    }
    if ((this.paused & PAUSE_PIPELINE) !== 0 && queue.length < this.owner.limits.maxPipelined)
      this.resume(PAUSE_PIPELINE);
  }

  private handOff(ex: KrozenExchange): void {
    this.queue.length = 0;
    this.ended = true;
    const rest = this.buf === null ? EMPTY : Buffer.from(this.buf.subarray(this.pos, this.end));
    this.buf = null;
    this.owner.release(this);
    this.owner.upgrade(ex, this.socket, rest);
  }

  /** Ends the connection: `last` (an error response) goes out first, then FIN; input is dropped after. */
  private finish(last: string | null): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.length = 0;
    this.buf = null;
    this.phase = Phase.Closing;
    this.since = Date.now();
    const socket = this.socket;
    if (last !== null) socket.end(last, 'latin1');
    else socket.end();
    // Keep reading (and dropping) until the client closes, so a late request cannot cause a reset.
    if (this.paused !== 0) {
      this.paused = 0;
      socket.resume();
    }
  }

  private pause(reason: number): void {
    if (this.paused === 0) this.socket.pause();
    this.paused |= reason;
  }

  private resume(reason: number): void {
    if ((this.paused & reason) === 0) return;
    this.paused &= ~reason;
    if (this.paused === 0 && !this.ended) {
      this.socket.resume();
      this.process();
    }
  }

  // ---- socket events (the transport forwards them) ----

  drained(): void {
    this.resume(PAUSE_WRITE);
  }

  /** The client sent FIN: answer what was asked, then close. */
  peerEnd(): void {
    this.peerEnded = true;
    if (this.bodyEx !== null) {
      const ex = this.bodyEx;
      this.bodyEx = null;
      ex.bodyAbort('Request aborted');
    }
    this.lastRequestSeen = true;
    if (this.queue.length === 0 || this.ended) this.finish(null);
  }

  /** The socket closed (or failed): whatever is in flight is abandoned. */
  closed(): void {
    this.ended = true;
    const ex = this.bodyEx;
    this.bodyEx = null;
    if (ex !== null) ex.bodyAbort('Request aborted');
    this.queue.length = 0;
    this.buf = null;
  }

  /**
   * The timeout sweep: a request still being received gets 408 — after the answers to the requests before
   * it, which are never lost to a stalled next head — else the connection just closes.
   */
  timedOut(): void {
    if (this.phase === Phase.Head || this.phase === Phase.Body) {
      if (this.bodyEx !== null) {
        const ex = this.bodyEx;
        this.bodyEx = null;
        this.decoder = null;
        this.lastRequestSeen = true;
        this.buf = null;
        this.phase = Phase.Busy;
        // The pipeline answers 408 for the aborted body (with connection: close). An answer given before the
        // body came said close already (the body was incomplete): it goes out, then the connection ends.
        if (!ex.headersSent) ex.bodyAbort('Request Timeout', 408);
        return;
      }
      this.refuse(TIMED_OUT);
      return;
    }
    this.destroy();
  }

  /** settings.sendTimeout: bytes have waited on the socket with none taken for `limit` ms. */
  sendStalled(now: number, limit: number): boolean {
    if (this.sendProgress === null) {
      if (!sendPending(this.socket)) return false;
      this.sendProgress = new SendProgress();
    }
    return this.sendProgress.stalled(this.socket, now, limit);
  }

  /** The last response went out whole (nothing waits on the socket): the wait for the client's FIN runs. */
  get flushed(): boolean {
    return !sendPending(this.socket);
  }

  /** Graceful stop: a connection with nothing in flight closes now; a busy one after its response. */
  closeIfIdle(): void {
    if (this.queue.length === 0 && this.bodyEx === null && this.buf === null) this.destroy();
  }

  destroy(): void {
    this.ended = true;
    this.socket.destroy();
  }
}

const EMPTY = Buffer.alloc(0);
const TIMED_OUT = new HeadError(408, 'Request Timeout');
