// The responses of one connection, in request order (pipelining, RFC 9112 §9.3.2): the exchanges whose
// answers are not all written wait here, and only the one at the head writes; an answer ready before its
// turn is kept (deferred) until the ones ahead are out. What depends on that order is decided here too: a
// 100 Continue held back until its exchange reaches the head, whether an answer may keep the connection
// (the last request, `connection: close`), a refusal (400, 408, 431…) that goes out after the answers ahead
// of it, an upgrade that takes the socket once it reaches the head, and the cap on answers waiting
// (settings.httpMaxBackpressure). An exchange talks to this queue about its response; the connection adds
// exchanges and hears back (ResponseQueueHost) when the line moves: one hop each way.
import type { HttpSocket } from '../http-socket';
import type { Readable } from 'node:stream';
import type { ExchangeResponses, KrozenExchange } from './exchange';
import { canWriteDirect } from './direct-write';
import { pipeResponseBody, writeResponse, type BodyPipe } from './response-output';

/** What the queue needs from its connection. */
export interface ResponseQueueHost {
  /** The connection is over (finished, handed off, closed, destroyed): nothing more is written. */
  readonly ended: boolean;
  /** The client sent FIN. */
  readonly peerEnded: boolean;
  /** A 100 Continue went out for `ex`: the client sends its body only now. */
  continueWritten(ex: KrozenExchange): void;
  /** Response bytes wait on the socket past the high-water mark: stop reading requests until 'drain'. */
  backedUp(): void;
  /** An answer went out and the line moved on to one not ready yet; `waiting` exchanges are left in it. */
  answered(waiting: number): void;
  /** End the connection: `last` (a refusal) goes out first, then FIN. */
  finish(last: string | null): void;
  /** An upgrade reached the head of the line: the socket goes to it. */
  handOff(ex: KrozenExchange): void;
  /** Drop the connection. */
  destroy(): void;
}

/** What the queue reads of its transport (graceful stop, limits). */
export interface ResponseQueueTransport {
  readonly closing: boolean;
  readonly limits: {
    /**
     * settings.httpMaxBackpressure: response bytes that may wait on one connection (unsent, or ready behind
     * an answer still going out); a response that would take them past it closes the connection. 0 = no cap.
     */
    readonly maxBackpressure: number;
    /** ExchangeResponses.keepAliveLines (writer.ts keepAliveLines for settings.keepAliveTimeout). */
    readonly keepAliveLines: readonly [string, string];
  };
}

/** A response ready before its turn. */
export interface DeferredResponse {
  head: string;
  latin1Head: boolean;
  body: string | Uint8Array | null;
  stream: Readable | null;
  chunked: boolean;
  /** The connection ends after it. */
  close: boolean;
  /** Its size as counted against maxBackpressure (string bodies by length: close enough for a cap). */
  bytes: number;
}

/** Queued response bytes past which the connection stops reading new requests (a slow reader). */
const WRITE_HIGH_WATER = 64 * 1024;

const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';

export class ResponseQueue implements ExchangeResponses {
  /** No further request joins the line, and none is read (a close was asked for, a framing error, a hand-off). */
  lastRequestSeen = false;
  /** Exchanges whose responses are not all written, in request order; line[0] may write. */
  private readonly line: KrozenExchange[] = [];
  /** Bytes of responses ready before their turn (deferred), for maxBackpressure. */
  private deferredBytes = 0;
  /** A refusal that goes out (and ends the connection) once `refusalAfter`'s answer is written. */
  private refusal: string | null = null;
  private refusalAfter: KrozenExchange | null = null;
  /** Responses may go out by direct writes (./direct-write.ts). */
  private readonly direct: boolean;
  /** The streamed body going out now, if any: it hears of the socket's drain and close. */
  private piping: BodyPipe | null = null;

  constructor(
    private readonly socket: HttpSocket,
    private readonly host: ResponseQueueHost,
    private readonly transport: ResponseQueueTransport,
  ) {
    this.direct = canWriteDirect(socket);
  }

  /** Exchanges waiting for (or writing) their answers. */
  get size(): number {
    return this.line.length;
  }

  add(ex: KrozenExchange): void {
    this.line.push(ex);
  }

  /** An upgrade request (no body): the socket goes to it now if nothing is ahead of it, else in its turn. */
  upgradeInTurn(ex: KrozenExchange): void {
    if (this.line[0] === ex) this.host.handOff(ex);
  }

  /** The connection ended: nothing in the line is written any more. */
  clear(): void {
    this.line.length = 0;
  }

  /** The socket drained: a streamed body paused by it goes on. */
  drained(): void {
    if (this.piping !== null) this.piping.drained();
  }

  /** The socket closed: a streamed body still going is dropped. */
  socketClosed(): void {
    this.line.length = 0;
    const piping = this.piping;
    this.piping = null;
    if (piping !== null) piping.closed();
  }

  /** A request that cannot be read: `text` answers it after the answers ahead of it, then the connection ends. */
  refuse(text: string): void {
    this.lastRequestSeen = true;
    const line = this.line;
    if (line.length === 0) {
      this.host.finish(text);
    } else {
      this.refusal = text;
      this.refusalAfter = line[line.length - 1];
    }
  }

  // ---- ExchangeResponses ----

  /**
   * An interim response goes in order like any other: only when `ex` is at the head of the line, else once
   * the responses before it are written (a 100 sent at once would land inside an earlier response's body).
   */
  sendContinue(ex: KrozenExchange): void {
    if (this.host.ended) return;
    if (this.line[0] !== ex) {
      ex.continueDue = true;
      return;
    }
    this.writeContinue(ex);
  }

  private writeContinue(ex: KrozenExchange): void {
    ex.continueDue = false;
    this.socket.write(CONTINUE, 'latin1');
    this.host.continueWritten(ex);
  }

  get keepAliveLines(): readonly [string, string] {
    return this.transport.limits.keepAliveLines;
  }

  keepAliveAfter(ex: KrozenExchange): boolean {
    if (!ex.head.keepAlive || this.transport.closing || this.host.ended) return false;
    // A body the client is still sending (or was told to wait with) would be taken for the next request.
    if (!ex.bodyComplete) return false;
    const line = this.line;
    return !(this.lastRequestSeen && line[line.length - 1] === ex && this.host.peerEnded);
  }

  respond(
    ex: KrozenExchange,
    head: string,
    latin1Head: boolean,
    body: string | Uint8Array | null,
    close: boolean,
  ): void {
    // A response that closes the connection: no request behind it is read (or run: it would go unanswered).
    if (close) this.lastRequestSeen = true;
    const bytes = head.length + (body === null ? 0 : body.length);
    if (!this.admit(bytes)) return;
    if (this.line[0] !== ex) {
      this.deferredBytes += bytes;
      ex.deferred = { head, latin1Head, body, stream: null, chunked: false, close, bytes };
      return;
    }
    this.write(head, latin1Head, body);
    this.done(ex, close);
  }

  respondStream(ex: KrozenExchange, head: string, body: Readable, chunked: boolean, close: boolean): void {
    if (close) this.lastRequestSeen = true;
    if (!this.admit(head.length)) {
      body.destroy();
      return;
    }
    if (this.line[0] !== ex) {
      this.deferredBytes += head.length;
      ex.deferred = { head, latin1Head: true, body: null, stream: body, chunked, close, bytes: head.length };
      return;
    }
    this.socket.write(head, 'latin1');
    this.pipeStream(ex, body, chunked, close);
  }

  /**
   * maxBackpressure: a response of about `bytes` may wait here unless answers already wait and it would take
   * them past the cap (then the connection is destroyed: a client that pipelines and never reads). One
   * response of any size on a connection with nothing waiting always goes.
   */
  private admit(bytes: number): boolean {
    const cap = this.transport.limits.maxBackpressure;
    if (cap === 0) return true;
    const waiting = this.socket.writableLength + this.deferredBytes;
    if (waiting === 0 || waiting + bytes <= cap) return true;
    this.host.destroy();
    return false;
  }

  private write(head: string, latin1Head: boolean, body: string | Uint8Array | null): void {
    if (this.host.ended) return;
    writeResponse(this.socket, this.direct, head, latin1Head, body);
    if (this.socket.writableLength > WRITE_HIGH_WATER) this.host.backedUp();
  }

  private pipeStream(ex: KrozenExchange, body: Readable, chunked: boolean, close: boolean): void {
    const host = this.host;
    const pipe = pipeResponseBody(this.socket, body, chunked, {
      ended: () => host.ended,
      done: () => {
        if (this.piping === pipe) this.piping = null;
        this.done(ex, close);
      },
      failed: () => {
        if (this.piping === pipe) this.piping = null;
        host.destroy();
      },
    });
    if (!pipe.finished) this.piping = pipe;
  }

  /** `ex`'s response is fully handed to the socket (`close`: the connection ends after it): the next one may go. */
  private done(ex: KrozenExchange, close: boolean): void {
    const line = this.line;
    if (line[0] === ex) line.shift();
    if (close) {
      this.host.finish(null);
      return;
    }
    if (ex === this.refusalAfter) {
      this.host.finish(this.refusal);
      return;
    }
    const next = line[0];
    if (next !== undefined) {
      // Its 100 Continue was held back while the responses before it went out; a final answer ready already
      // replaces it (the client then must not send the body).
      if (next.continueDue && next.deferred === null) this.writeContinue(next);
      if (next.upgrade && next.head.bodyLength === 0) {
        this.host.handOff(next);
        return;
      }
      const d = next.deferred;
      if (d !== null) {
        next.deferred = null;
        this.deferredBytes -= d.bytes;
        if (d.stream !== null) {
          this.socket.write(d.head, 'latin1');
          this.pipeStream(next, d.stream, d.chunked, d.close);
        } else {
          this.write(d.head, d.latin1Head, d.body);
          this.done(next, d.close);
        }
        return;
      }
    }
    this.host.answered(line.length);
  }
}
