// The contract between a transport (bytes, framing, sockets) and the request pipeline (meaning).
//
// A transport parses a request head, then calls `handler(request, sink)` once per request:
//
//   TransportRequest — what the pipeline reads: `method`, `url` (the request-target as sent), `headers`
//     (lower-case names, repeated fields joined as node:http joins them), `httpVersion`, `remoteAddress`,
//     and the body: `hasBody` says whether one follows the head; `readBody(receiver)` feeds its bytes to a
//     BodyReceiver (data… then end, or abort) — the pipeline reads small bodies so, with its own size
//     limit; `bodyStream()` gives it as a Readable instead (uploads and `rawBody` routes pipe it).
//
//   ResponseSink — how the pipeline answers, exactly once per request:
//     `end(status, headers, body)`  the whole response in one call; `body` is the encoded entity (a string
//                                   is written as UTF-8) or null for none; `headers` (lower-case names)
//                                   already hold content-type and content-length.
//     `stream(status, headers, body)` the head now, then `body` piped with backpressure (chunked when no
//                                   content-length is set); the stream is destroyed if the client goes.
//     HEAD: the pipeline calls `end` with the headers GET would have sent and body null, and destroys a
//     stream body itself; 204 and 304 carry no body whatever is passed (the sink drops it).
//     `headersSent` / `destroy()`: after a failure, a sink whose head is not out yet can still take a 500;
//     one whose head went out is destroyed (the connection closes).
//     A `connection: close` header from the pipeline (a 413, say) closes the connection after the response.
//
// The pipeline (lib/http/pipeline.ts) never touches a socket: node:http (lib/transport/node/), krozen's
// own HTTP/1.1 (lib/transport/krozen/) and an in-memory inject all implement these two interfaces.
import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import type { SecureContextOptions } from 'node:tls';
import type { HeaderValue } from '../base/http-grammar';

/** Receives a request body as it arrives; exactly one of end() / abort() ends it. */
export interface BodyReceiver {
  data(chunk: Buffer): void;
  end(): void;
  /**
   * The body will not complete: the client went away, the framing broke or it took too long. `reason`
   * becomes the error text, `status` the answer (default 400).
   */
  abort(reason: string, status?: number): void;
}

/** The request body as a stream, with the head fields uploads read (node:http's IncomingMessage fits). */
export interface RawRequest extends Readable {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
}

export interface TransportRequest {
  readonly method: string;
  /** The request-target as sent (origin-form path + query; absolute-form and `*` as they came). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** '1.1' or '1.0'. */
  readonly httpVersion: string;
  readonly remoteAddress: string | undefined;
  /** True when a body follows the head (a non-zero Content-Length or a Transfer-Encoding). */
  readonly hasBody: boolean;
  /** Feeds the body to `receiver`; call at most once, and not after bodyStream(). */
  readBody(receiver: BodyReceiver): void;
  /** The body as a stream (made on first call); not after readBody(). */
  bodyStream(): RawRequest;
}

/** Response headers as the pipeline hands them over: lower-case names. */
export type OutgoingHeaders = Record<string, HeaderValue>;

export interface ResponseSink {
  /** True once the status line and headers were handed to the transport. */
  readonly headersSent: boolean;
  /** The whole response: head, then `body` (null: none). */
  end(status: number, headers: OutgoingHeaders, body: string | Uint8Array | null): void;
  /** The head now, then `body` piped with backpressure. */
  stream(status: number, headers: OutgoingHeaders, body: Readable): void;
  /** Abandons the response and closes the connection. */
  destroy(): void;
}

/** What a transport calls for each request: the pipeline, bound to an app. */
export type RequestHandler = (request: TransportRequest, sink: ResponseSink) => void;

/** The head of a request that asks for a protocol upgrade (WebSocket); node:http's IncomingMessage fits. */
export interface UpgradeHead {
  readonly method?: string;
  readonly url?: string;
  readonly headers: IncomingHttpHeaders;
  readonly httpVersion: string;
  readonly httpVersionMajor: number;
  readonly httpVersionMinor: number;
  readonly remoteAddress?: string;
}

/** What the server gives a transport: the pipeline, and where upgrade requests go. */
export interface TransportHandlers {
  request: RequestHandler;
  /** A request with `Connection: upgrade` and `Upgrade`: its head, the socket, and any bytes read past the head. */
  upgrade(req: UpgradeHead, socket: Duplex, head: Buffer): void;
}

/** A listening server of one transport, as lib/server.ts drives it. */
export interface TransportServer {
  /** Binds and listens (with SO_REUSEPORT when `reusePort`); resolves with the bound port. */
  listen(port: number, host: string, backlog: number, reusePort?: boolean): Promise<number>;
  /**
   * Graceful stop: no new connections; idle keep-alive connections close now, busy ones after their
   * current response (which goes out with `Connection: close`). Resolves when every connection is gone.
   */
  close(): Promise<void>;
  /** Destroys every connection still open (the shutdown deadline passed). */
  destroyConnections(): void;
  /** TCP connections open now, upgraded ones included (settings.metrics). */
  readonly openConnections?: number;
  /** settings.tls: the certificate (and other context options) for connections from now on. */
  setSecureContext(options: SecureContextOptions): void;
}
