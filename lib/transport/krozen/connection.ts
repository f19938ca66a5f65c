// One client connection of the krozen transport: the request side and the connection's life. It reads
// request heads (head-parse.ts) and bodies (Content-Length or chunked) out of its unread input (input.ts),
// hands each request to the pipeline and to its response queue (response-queue.ts: the answers in request
// order), pauses and resumes reading (a body nobody reads yet, too many requests ahead, a full socket, a
// hand-off), and ends: a FIN from the client, a refusal, a timeout (timeouts.ts), an upgrade hand-off.
// Framing decisions (RFC 9112 §6 and §9): a request that asks to close, HTTP/1.0 without keep-alive, a
// response with `connection: close`, a body left unread or a framing error end the connection after that
// response.
import { STATUS_CODES } from 'node:http';
import type { HttpSocket } from '../http-socket';
import type { RawSocketOwner } from '../raw-socket';
import type { RequestHandler } from '../types';
import { ChunkedDecoder } from './chunked';
import { KrozenExchange, type ExchangeHost } from './exchange';
import { HeadError, type RequestHead } from './head-rules';
import { HeadReader, type HeadLimits } from './head-parse';
import { Input } from './input';
import { errorResponse } from './errors';
import { listenerFault } from '../../base/listener-guard';
import { scratchBuffer, type DirectReader } from '../direct-read';
import { asksForWebSocket } from '../upgrade-rule';
import { SendProgress, sendPending } from '../send-progress';
import { ResponseQueue, type ResponseQueueHost } from './response-queue';
import { Phase, type TimedConnection } from './timeouts';

/** What a connection needs from its transport. */
export interface ConnectionOwner {
  readonly handler: RequestHandler;
  readonly limits: HttpConnectionLimits;
  /** Graceful stop under way: answer what is in flight with `connection: close`, take nothing new. */
  readonly closing: boolean;
  /** An upgrade request reached the head of the line: the socket and the bytes after the head go there. */
  upgrade(ex: KrozenExchange, socket: HttpSocket, rest: Buffer): void;
  /** The connection is done (closed or handed off). */
  release(conn: Connection): void;
}

export interface HttpConnectionLimits extends HeadLimits {
  /** Requests parsed ahead of their responses; reading stops at this many. */
  maxPipelined: number;
  /** settings.httpMaxBackpressure (response-queue.ts). */
  maxBackpressure: number;
  /** ExchangeResponses.keepAliveLines (writer.ts keepAliveLines for settings.keepAliveTimeout). */
  keepAliveLines: readonly [string, string];
}

// Why reading is paused (a bit each); reading resumes when none is left.
const PAUSE_BODY = 1;
const PAUSE_PIPELINE = 2;
const PAUSE_WRITE = 4;
const PAUSE_HANDOFF = 8;

export class Connection implements ExchangeHost, ResponseQueueHost, TimedConnection, DirectReader, RawSocketOwner {
  phase = Phase.Idle;
  /** Date.now() when the current phase began (Head: when the request head began). */
  since: number;
  /** Bytes read and not consumed yet. */
  private readonly input = new Input();
  /** The requests read whose answers are not all written, in order: the response side of the connection. */
  private readonly responses: ResponseQueue;
  /** The exchange whose body is being received, with what is left of it. */
  private bodyEx: KrozenExchange | null = null;
  private bodyLeft = 0;
  private decoder: ChunkedDecoder | null = null;
  /** Over (finished, handed off, closed, destroyed): input is dropped, nothing more is written. */
  ended = false;
  private paused = 0;
  /** The client sent FIN. */
  peerEnded = false;
  /** Made with the first chunked body (an idle connection holds no closure). */
  private onChunk: ((chunk: Buffer) => void) | null = null;
  /** The head being read: what was searched and checked of a partial head between reads. */
  private readonly heads = new HeadReader();
  private processing = false;
  /** Send progress, made when the sweep first finds bytes waiting (most connections never need one). */
  private sendProgress: SendProgress | null = null;

  constructor(
    readonly socket: HttpSocket,
    private readonly owner: ConnectionOwner,
    now: number,
  ) {
    this.responses = new ResponseQueue(socket, this, owner);
    this.since = now;
    this.phase = Phase.Head;
  }

  /**
   * The peer's address, asked of the socket when first read (a getpeername then, not at every accept: most
   * requests never ask; the socket keeps the answer). Undefined once the connection is gone, if never read.
   */
  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  /** Bytes from the socket ('data' path: the chunk is ours to keep). */
  data(chunk: Buffer): void {
    if (this.ended) return; // after the last response: read and drop until the client closes
    this.input.addChunk(chunk);
    this.process();
  }

  /** DirectReader: `n` bytes read into the shared scratch buffer, valid only during this call. */
  onDirectRead(scratch: Buffer, n: number): void {
    if (this.ended) return;
    const input = this.input;
    input.addDirectRead(scratch, n);
    this.process();
    input.endDirectRead();
  }

  nextReadBuffer(): Buffer {
    return scratchBuffer();
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
    const input = this.input;
    while (input.buf !== null && this.paused === 0 && !this.ended) {
      const buf = input.buf;
      if (input.pos >= input.end) {
        input.drop();
        break;
      }
      if (this.bodyEx !== null) {
        if (!this.readBody(buf)) return;
        continue;
      }
      if (this.responses.lastRequestSeen) {
        input.drop(); // nothing after the last request is read
        break;
      }
      if (this.responses.size >= this.owner.limits.maxPipelined) {
        this.pause(PAUSE_PIPELINE);
        break;
      }
      if (!this.readHead(buf)) break;
    }
  }

  /** Parses one head from buf[pos..] and dispatches it; false when more bytes are needed or reading ended. */
  private readHead(buf: Buffer): boolean {
    const heads = this.heads;
    const input = this.input;
    const parsed = heads.read(buf, input.pos, input.end, this.owner.limits);
    input.pos = heads.start;
    if (heads.start >= input.end) return false; // only empty lines so far
    // A new head starts its phase's clock only when the phase outlasts this read (more bytes to wait for, a
    // body under the request timeout, a hand-off): a head whole in one read reads no clock at all.
    const newHead = this.phase === Phase.Idle || this.phase === Phase.Busy;
    if (newHead) this.phase = Phase.Head;
    if (heads.next === -1) {
      if (newHead) this.since = Date.now();
      if (parsed !== null) this.refuse(parsed as HeadError);
      return false;
    }
    input.pos = heads.next;
    if (parsed instanceof HeadError) {
      this.refuse(parsed);
      return false;
    }
    const head = parsed as RequestHead;
    const responses = this.responses;
    const ex = new KrozenExchange(this, responses, head);
    // Only a WebSocket upgrade leaves HTTP; any other Upgrade (h2c) is answered by its route (RFC 9110 §7.8).
    ex.upgrade = head.upgrade && asksForWebSocket(head.headers);
    responses.add(ex);
    // A body (request timeout) or a hand-off still to come: the phase runs on from now.
    if (newHead && (head.bodyLength !== 0 || ex.upgrade)) this.since = Date.now();
    if (!head.keepAlive || this.owner.closing) responses.lastRequestSeen = true;
    if (ex.upgrade && head.bodyLength === 0) {
      responses.lastRequestSeen = true;
      this.pause(PAUSE_HANDOFF);
      responses.upgradeInTurn(ex);
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
    const input = this.input;
    if (decoder === null) {
      const pos = input.pos;
      const take = Math.min(this.bodyLeft, input.end - pos);
      const chunk = pos === 0 && take === buf.length ? buf : buf.subarray(pos, pos + take);
      input.pos = pos + take;
      this.bodyLeft -= take;
      if (this.bodyLeft === 0) this.bodyEx = null;
      ex.bodyData(input.keep(chunk));
      if (this.bodyLeft === 0) this.endBody(ex);
      return true;
    }
    const onChunk = (this.onChunk ??= (chunk) => (this.bodyEx as KrozenExchange).bodyData(this.input.keep(chunk)));
    const next = decoder.decode(buf, input.pos, input.end, onChunk);
    if (next === -1) {
      // A broken chunked body: the request fails (400 if nothing was answered yet) and the connection ends.
      this.bodyEx = null;
      this.decoder = null;
      this.responses.lastRequestSeen = true;
      input.drop();
      const err = decoder.error as HeadError;
      if (ex.headersSent) this.destroy();
      else ex.bodyAbort(STATUS_CODES[err.status] as string, err.status);
      return false;
    }
    input.pos = next;
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

  /** A request that cannot be parsed: answered after the answers ahead of it, then the connection ends. */
  private refuse(err: HeadError): void {
    this.input.drop();
    this.phase = Phase.Busy;
    this.responses.refuse(errorResponse(err.status));
  }

  // ---- ExchangeHost ----

  pauseReading(): void {
    this.pause(PAUSE_BODY);
  }

  resumeReading(): void {
    this.resume(PAUSE_BODY);
  }

  // ---- ResponseQueueHost ----

  continueWritten(ex: KrozenExchange): void {
    // The client sends its body only now: the request timeout for it starts here.
    if (this.bodyEx === ex) this.since = Date.now();
  }

  backedUp(): void {
    this.pause(PAUSE_WRITE);
  }

  answered(waiting: number): void {
    if (waiting === 0) {
      if (this.peerEnded) {
        this.finish(null);
        return;
      }
      if (this.bodyEx === null && this.input.empty) {
        this.phase = Phase.Idle;
        this.since = Date.now();
      }
    }
    if ((this.paused & PAUSE_PIPELINE) !== 0 && waiting < this.owner.limits.maxPipelined) this.resume(PAUSE_PIPELINE);
  }

  handOff(ex: KrozenExchange): void {
    this.responses.clear();
    this.ended = true;
    const rest = this.input.takeRest();
    this.owner.release(this);
    this.owner.upgrade(ex, this.socket, rest);
  }

  /** Ends the connection: `last` (an error response) goes out first, then FIN; input is dropped after. */
  finish(last: string | null): void {
    if (this.ended) return;
    this.ended = true;
    this.responses.clear();
    this.input.drop();
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
    this.responses.drained();
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
    this.responses.lastRequestSeen = true;
    if (this.responses.size === 0 || this.ended) this.finish(null);
  }

  /** The socket closed (or failed): whatever is in flight is abandoned. */
  closed(): void {
    this.ended = true;
    const ex = this.bodyEx;
    this.bodyEx = null;
    if (ex !== null) ex.bodyAbort('Request aborted');
    this.responses.socketClosed();
    this.input.drop();
  }

  // ---- RawSocketOwner: the same events from a connection on its handle (../raw-socket.ts) ----

  onEnd(): void {
    this.peerEnd();
  }

  onDrain(): void {
    this.drained();
  }

  onSocketClose(): void {
    this.owner.release(this);
    this.closed();
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
        this.responses.lastRequestSeen = true;
        this.input.drop();
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
    if (this.responses.size === 0 && this.bodyEx === null && this.input.buf === null) this.destroy();
  }

  destroy(): void {
    this.ended = true;
    this.socket.destroy();
  }
}

const TIMED_OUT = new HeadError(408, 'Request Timeout');
