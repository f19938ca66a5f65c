// One HTTP/2 stream as the pipeline sees it (../types.ts): its TransportRequest and its ResponseSink.
// The head comes from node:http2's header object: pseudo-headers are dropped (`:path` is the url,
// `:method` the method, `:authority` the host when no Host field came). The answer goes out through
// stream.respond(): HTTP/1.1 connection-specific fields are illegal in HTTP/2 (RFC 9113 §8.2.2) and node:http2
// refuses them, so they are dropped; the pipeline's `connection: close` ends this stream, not the session.
import * as http2 from 'node:http2';
import type { IncomingHttpHeaders } from 'node:http';
import { pipeline, type Readable } from 'node:stream';
import { listenerFault } from '../../base/listener-guard';
import { logError, fallbackLogger } from '../../base/logger';
import type { BodyReceiver, OutgoingHeaders, RawRequest, ResponseSink, TransportRequest } from '../types';

const { NGHTTP2_NO_ERROR, NGHTTP2_INTERNAL_ERROR } = http2.constants;

/** Fields the pipeline may set that HTTP/2 forbids (RFC 9113 §8.2.2). */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);

/** What closeAfterAnswer reads and drops of a refused body before it resets the stream. */
const DRAIN_BYTES = 256 * 1024;
const DRAIN_MS = 2000;

type Http2Headers = http2.IncomingHttpHeaders;

export class Http2Exchange implements TransportRequest, ResponseSink {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly hasBody: boolean;
  readonly httpVersion = '2.0';
  private receiver: BodyReceiver | undefined;
  /** settings.requestTimeout for the body: armed while it is read. */
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly h2: http2.ServerHttp2Stream,
    head: Http2Headers,
    private readonly requestTimeout: number,
  ) {
    this.method = head[':method'] as string;
    // CONNECT has no :path; its authority-form target is :authority, as in HTTP/1.1 (RFC 9113 §8.5).
    this.url = head[':path'] ?? head[':authority'] ?? '';
    const headers: IncomingHttpHeaders = {};
    for (const name of Object.keys(head)) if (name.charCodeAt(0) !== 58 /* ':' */) headers[name] = head[name];
    if (headers.host === undefined && head[':authority'] !== undefined) headers.host = head[':authority'];
    this.headers = headers;
    // END_STREAM on the HEADERS frame: nothing follows.
    this.hasBody = !h2.endAfterHeaders;
  }

  get remoteAddress(): string | undefined {
    return this.h2.session?.socket?.remoteAddress;
  }

  readBody(receiver: BodyReceiver): void {
    this.receiver = receiver;
    const stream = this.h2;
    stream.on('data', (chunk: Buffer) => this.guard(() => receiver.data(chunk)));
    stream.on('end', () => this.settle(() => receiver.end()));
    stream.on('aborted', () => this.settle(() => receiver.abort('Request aborted')));
    stream.on('error', (err: Error) => this.settle(() => receiver.abort(`Bad request body: ${err.message}`)));
    stream.on('close', () => this.settle(() => receiver.abort('Request aborted')));
    if (this.requestTimeout > 0) {
      this.timer = setTimeout(() => this.settle(() => receiver.abort('Request Timeout', 408)), this.requestTimeout);
      this.timer.unref();
    }
  }

  bodyStream(): RawRequest {
    // The stream is the body's Readable; uploads read the head fields from it as from an IncomingMessage.
    const raw = this.h2 as unknown as RawRequest & { method?: string; url?: string };
    raw.headers = this.headers;
    raw.method = this.method;
    raw.url = this.url;
    return raw;
  }

  get headersSent(): boolean {
    return this.h2.headersSent;
  }

  end(status: number, headers: OutgoingHeaders, body: string | Uint8Array | null): void {
    const stream = this.h2;
    if (stream.destroyed || stream.closed) return;
    const noBody = body === null || status === 204 || status === 304 || this.method === 'HEAD';
    const out = responseHead(status, headers);
    stream.respond(out, { endStream: noBody });
    if (!noBody) stream.end(body);
    if (headers.connection === 'close') this.closeAfterAnswer();
  }

  stream(status: number, headers: OutgoingHeaders, body: Readable): void {
    const stream = this.h2;
    if (stream.destroyed || stream.closed) {
      body.destroy();
      return;
    }
    const out = responseHead(status, headers);
    if (status === 204 || status === 304) {
      body.destroy();
      stream.respond(out, { endStream: true });
      return;
    }
    stream.respond(out);
    pipeline(body, stream, onStreamDone);
    if (headers.connection === 'close') this.closeAfterAnswer();
  }

  destroy(): void {
    this.clearTimer();
    if (!this.h2.closed) this.h2.close(NGHTTP2_INTERNAL_ERROR);
  }

  /**
   * The pipeline closes the connection with this answer (a 413, a refused upload): in HTTP/2 the stream is
   * what ends. Once the answer is out, RST_STREAM NO_ERROR tells the client to stop sending the rest of a
   * body (RFC 9113 §8.1); the session and its other streams go on.
   */
  private closeAfterAnswer(): void {
    const stream = this.h2;
    this.clearTimer();
    if (stream.readableEnded) return;
    // The rest of the body is read and dropped for a while first: a reset right behind the answer makes
    // some clients (curl 7.88) drop the answer itself. Past DRAIN_BYTES or DRAIN_MS the stream is reset.
    let drained = 0;
    const reset = (): void => {
      clearTimeout(timer);
      stream.off('data', count);
      if (!stream.closed) stream.close(NGHTTP2_NO_ERROR);
    };
    const count = (chunk: Buffer): void => {
      drained += chunk.length;
      if (drained > DRAIN_BYTES) reset();
    };
    const timer = setTimeout(reset, DRAIN_MS).unref();
    stream.on('data', count);
    stream.once('end', () => clearTimeout(timer));
    stream.once('close', () => clearTimeout(timer));
    stream.resume();
  }

  /** Body listeners run inside node:http2's event emission: a fault resets this stream only. */
  private guard(run: () => void): void {
    try {
      run();
    } catch (err) {
      listenerFault('request body', err, this.h2);
    }
  }

  /** Ends the body's reading once: the first of end / abort / error / timeout wins. */
  private settle(run: () => void): void {
    if (this.receiver === undefined) return;
    this.receiver = undefined;
    this.clearTimer();
    this.guard(run);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** `:status` plus the pipeline's headers, without the fields HTTP/2 forbids. */
function responseHead(status: number, headers: OutgoingHeaders): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = { ':status': status };
  for (const name of Object.keys(headers)) {
    if (CONNECTION_SPECIFIC.has(name)) continue;
    out[name] = headers[name] as http2.OutgoingHttpHeaders[string];
  }
  return out;
}

function onStreamDone(err: NodeJS.ErrnoException | null): void {
  // pipeline() has already destroyed both ends; a client that reset the stream is not worth a log line.
  if (err && err.code !== 'ERR_STREAM_PREMATURE_CLOSE' && err.code !== 'ERR_HTTP2_STREAM_ERROR')
    logError(fallbackLogger(), 'response stream failed', err);
}
