// One request on a krozen connection: the pipeline's TransportRequest (head + body as it arrives, fed by the
// connection) and its ResponseSink (the answer, framed here and handed to the connection's response queue,
// which writes it in request order).
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { BodyReceiver, OutgoingHeaders, RawRequest, ResponseSink, TransportRequest } from '../types';
import type { RequestHead } from './parser';
import { BodyPieces, KEEP_WHOLE } from '../body-pieces';
import type { DeferredResponse } from './response-queue';
import { CHUNKED_LINE, CLOSE_LINE, commonHead, currentDateLine, headTail, serializeHead } from './writer';

/** What an exchange needs from its connection: the request side (body flow, the peer, a drop). */
export interface ExchangeHost {
  readonly remoteAddress: string | undefined;
  /** Body bytes buffered with nobody reading them passed this: stop reading the socket until a reader comes. */
  pauseReading(): void;
  resumeReading(): void;
  /** Drop the connection (a failure after the head went out). */
  destroy(): void;
}

/** What an exchange needs from its connection's response queue (response-queue.ts): the response side, in order. */
export interface ExchangeResponses {
  /** Writes "100 Continue" for `ex`: now, or when the responses before it are out (interim responses keep order). */
  sendContinue(ex: KrozenExchange): void;
  /**
   * The framing lines of a response that keeps the connection, by the request's minor version: HTTP/1.0
   * needs `connection: keep-alive`; both get `keep-alive: timeout=N` (as node:http sends), so a client
   * pool (Node's http.Agent reads it) drops an idle socket before the server's keepAliveTimeout does,
   * instead of sending a request into a connection the server is closing.
   */
  readonly keepAliveLines: readonly [string, string];
  /** Whether the connection can stay open after this exchange's response (decided when its head goes out). */
  keepAliveAfter(ex: KrozenExchange): boolean;
  /** A complete response (head + optional body) for `ex`, written now or when the exchanges before it are done. */
  respond(
    ex: KrozenExchange,
    head: string,
    latin1Head: boolean,
    body: string | Uint8Array | null,
    close: boolean,
  ): void;
  /** A streamed response for `ex`: head now (or in turn), then `body`, chunked or not. */
  respondStream(ex: KrozenExchange, head: string, body: Readable, chunked: boolean, close: boolean): void;
}

/** Body bytes kept for a reader that has not come yet, before the socket is paused. */
const PENDING_BODY_MAX = 64 * 1024;

export class KrozenExchange implements TransportRequest, ResponseSink {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly hasBody: boolean;
  headersSent = false;
  /** A WebSocket upgrade (set by the connection): the socket is handed over once the responses before it are out. */
  upgrade = false;
  // The response queue's marks on this exchange (only response-queue.ts reads or writes them): kept here,
  // not in a record per queued exchange, so a request allocates nothing more for its place in the line.
  /** A response ready before its turn (pipelining): written when the exchanges ahead are done. */
  deferred: DeferredResponse | null = null;
  /** Its 100 Continue waits for the responses before it. */
  continueDue = false;
  /** The request body arrived whole (or there was none). */
  bodyComplete: boolean;
  private receiver: BodyReceiver | null = null;
  private streamed: BodyStream | null = null;
  /**
   * Pieces for `streamed` held until the socket read that brought them is done (a microtask), then pushed
   * together: a body of 1-byte chunks reaches the reader in slabs, not as a push (and a 'data' event, and a
   * Buffer in the stream's queue) per byte. Made on the first small piece.
   */
  private streamHeld: BodyPieces | null = null;
  private flushStream: (() => void) | null = null;
  private flushQueued = false;
  /** Body bytes that came before a reader (coalesced: tiny chunks do not cost a Buffer each). */
  private pending: BodyPieces | null = null;
  /** Reading is paused until a reader comes: pending passed PENDING_BODY_MAX. */
  private pausedForPending = false;
  private abortReason: string | null = null;
  private abortStatus = 400;
  private continueSent = false;

  constructor(
    readonly host: ExchangeHost,
    private readonly responses: ExchangeResponses,
    readonly head: RequestHead,
  ) {
    this.method = head.method;
    this.url = head.url;
    this.headers = head.headers;
    this.hasBody = head.bodyLength !== 0;
    this.bodyComplete = !this.hasBody;
  }

  get httpVersion(): string {
    return this.head.minor === 1 ? '1.1' : '1.0';
  }

  get remoteAddress(): string | undefined {
    return this.host.remoteAddress;
  }

  // ---- request body: the connection feeds it, the pipeline reads it ----

  /** From the connection: a piece of this request's body. */
  bodyData(chunk: Buffer): void {
    if (this.receiver !== null) {
      this.receiver.data(chunk);
    } else if (this.streamed !== null) {
      this.streamPiece(this.streamed, chunk);
    } else if (!this.headersSent) {
      if (this.pending === null) this.pending = new BodyPieces(PENDING_BODY_MAX);
      this.pending.add(chunk);
      if (this.pending.size > PENDING_BODY_MAX && !this.pausedForPending) {
        this.pausedForPending = true;
        this.host.pauseReading();
      }
    }
    // Answered without reading it: the bytes are dropped (the connection closes after such a response).
  }

  bodyEnd(): void {
    this.bodyComplete = true;
    if (this.receiver !== null) this.receiver.end();
    else if (this.streamed !== null) {
      this.pushHeld();
      this.streamed.push(null);
    }
  }

  /** The body will not complete (client gone, framing error, timeout): `status` is the answer. */
  bodyAbort(reason: string, status = 400): void {
    if (this.bodyComplete || this.abortReason !== null) return;
    this.abortReason = reason;
    this.abortStatus = status;
    if (this.receiver !== null) this.receiver.abort(reason, status);
    else if (this.streamed !== null) {
      if (this.streamHeld !== null) this.streamHeld.clear();
      this.streamed.abort(reason);
    }
  }

  readBody(receiver: BodyReceiver): void {
    this.receiver = receiver;
    this.startReading();
    const pending = this.takePending();
    for (let i = 0; i < pending.length; i++) receiver.data(pending[i]);
    if (this.abortReason !== null) receiver.abort(this.abortReason, this.abortStatus);
    else if (this.bodyComplete) receiver.end();
  }

  bodyStream(): RawRequest {
    if (this.streamed !== null) return this.streamed;
    const stream = new BodyStream(this);
    this.streamed = stream;
    this.startReading();
    const pending = this.takePending();
    for (let i = 0; i < pending.length; i++) stream.push(pending[i]);
    if (this.abortReason !== null) stream.abort(this.abortReason);
    else if (this.bodyComplete) stream.push(null);
    return stream;
  }

  private streamPiece(stream: BodyStream, chunk: Buffer): void {
    if (!this.flushQueued) {
      if (chunk.length >= KEEP_WHOLE) {
        if (!stream.push(chunk)) this.host.pauseReading();
        return;
      }
      if (this.streamHeld === null) {
        this.streamHeld = new BodyPieces(PENDING_BODY_MAX);
        this.flushStream = () => this.pushHeld();
      }
      this.flushQueued = true;
      queueMicrotask(this.flushStream as () => void);
    }
    (this.streamHeld as BodyPieces).add(chunk);
  }

  /** Pushes the held pieces to the stream (the read that brought them is over, or the body ended). */
  private pushHeld(): void {
    this.flushQueued = false;
    const held = this.streamHeld;
    const stream = this.streamed;
    if (held === null || stream === null || held.size === 0) return;
    const pieces = held.take();
    let more = true;
    for (let i = 0; i < pieces.length; i++) more = stream.push(pieces[i]);
    if (!more) this.host.pauseReading();
  }

  private takePending(): Buffer[] {
    const pending = this.pending;
    if (pending === null) return NO_PIECES;
    this.pending = null;
    return pending.take();
  }

  private startReading(): void {
    if (this.head.expectContinue && !this.continueSent && !this.bodyComplete) {
      this.continueSent = true;
      this.responses.sendContinue(this);
    }
    if (this.pausedForPending) {
      this.pausedForPending = false;
      this.host.resumeReading();
    }
  }

  /** True when the client was told to wait for 100 Continue and never was: its body may never come. */
  get awaitingContinue(): boolean {
    return this.head.expectContinue && !this.continueSent;
  }

  // ---- response ----

  end(status: number, headers: OutgoingHeaders, body: string | Uint8Array | null): void {
    if (this.headersSent) return;
    const info = serializeHead(status, headers);
    this.headersSent = true;
    const close = info.close || !this.responses.keepAliveAfter(this);
    const framing = this.framingLine(close);
    const head = info.commonLength === -1 ? info.text + headTail(framing) : commonHead(info, framing);
    const noBody = body === null || this.head.method === 'HEAD' || status === 204 || status === 304 || status < 200;
    this.responses.respond(this, head, info.latin1, noBody ? null : body, close);
  }

  stream(status: number, headers: OutgoingHeaders, body: Readable): void {
    if (this.headersSent) {
      body.destroy();
      return;
    }
    const info = serializeHead(status, headers);
    this.headersSent = true;
    const noBody = this.head.method === 'HEAD' || status === 204 || status === 304 || status < 200;
    // Without a length, HTTP/1.1 gets chunked; HTTP/1.0 ends the body by closing the connection.
    const chunked = !noBody && !info.hasLength && this.head.minor === 1;
    const close = info.close || (!noBody && !info.hasLength && !chunked) || !this.responses.keepAliveAfter(this);
    const head = `${info.text}${currentDateLine()}${chunked ? CHUNKED_LINE : ''}${this.framingLine(close)}\r\n`;
    if (noBody) {
      body.destroy();
      this.responses.respond(this, head, info.latin1, null, close);
      return;
    }
    this.responses.respondStream(this, head, body, chunked, close);
  }

  private framingLine(close: boolean): string {
    if (close) return CLOSE_LINE;
    return this.responses.keepAliveLines[this.head.minor];
  }

  destroy(): void {
    this.host.destroy();
  }
}

const NO_PIECES: Buffer[] = [];

/** A request body as a Readable (req.raw on this transport): uploads and rawBody routes pipe it. */
class BodyStream extends Readable implements RawRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;

  constructor(private readonly exchange: KrozenExchange) {
    super();
    this.method = exchange.method;
    this.url = exchange.url;
    this.headers = exchange.headers;
  }

  override _read(): void {
    this.exchange.host.resumeReading();
  }

  /** As node:http's IncomingMessage: 'aborted', then an error only for whoever listens for one. */
  abort(reason: string): void {
    this.emit('aborted');
    const err = Object.assign(new Error(reason), { code: 'ECONNRESET' });
    this.destroy(this.listenerCount('error') > 0 ? err : undefined);
  }
}
