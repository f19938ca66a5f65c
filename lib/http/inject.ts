// app.inject(): one request through the whole pipeline (request hooks, body, middleware, hooks, route,
// response hooks, compression) with no socket, as fastify's inject does. An in-memory TransportRequest +
// ResponseSink; the answer is what the wire would carry: status, headers as a client sees them (strings;
// set-cookie as a list), body bytes (decoded from a stream when the handler streamed).
import { Readable } from 'node:stream';
import type { IncomingHttpHeaders } from 'node:http';
import type { BodyReceiver, OutgoingHeaders, RawRequest, ResponseSink, TransportRequest } from '../transport/types';
import { handleRequest, type PipelineHost } from './pipeline';
import { checkJsonSettings } from '../backend/json-codec';
import { HeaderMap } from '../transport/header-map';

export interface InjectOptions {
  /** Default GET. */
  method?: string;
  /** Path and query, e.g. `/users/7?full=1`. */
  url: string;
  /** Header names in any case; values as a client would send them. */
  headers?: Record<string, string | string[] | number | undefined>;
  /** A string or bytes as they are; any other value is sent as JSON (with content-type application/json). */
  body?: unknown;
  /** req.remoteAddress (default 127.0.0.1). */
  remoteAddress?: string;
}

export interface InjectResponse {
  status: number;
  /** Lower-case names; values as a client reads them: strings, `set-cookie` a list. */
  headers: Record<string, string | string[]>;
  /** The body as UTF-8 text. */
  body: string;
  /** The body bytes (still compressed if the response was). */
  rawBody: Buffer;
  /** JSON.parse of the body. */
  json<T = unknown>(): T;
}

function requestHeaders(options: InjectOptions, body: Buffer | undefined): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = new HeaderMap();
  for (const name in options.headers ?? {}) {
    const value = (options.headers as Record<string, unknown>)[name];
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (lower === 'set-cookie') headers[lower] = ([] as string[]).concat(value as string);
    // node:http joins repeated fields with ', ' (cookie with '; '): do the same for lists.
    else headers[lower] = Array.isArray(value) ? value.join(lower === 'cookie' ? '; ' : ', ') : String(value);
  }
  if (headers.host === undefined) headers.host = 'localhost';
  if (body !== undefined && headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) {
    headers['content-length'] = String(body.length);
  }
  return headers;
}

function bodyBytes(options: InjectOptions): { bytes: Buffer | undefined; json: boolean } {
  const body = options.body;
  if (body === undefined) return { bytes: undefined, json: false };
  if (typeof body === 'string') return { bytes: Buffer.from(body), json: false };
  if (body instanceof Uint8Array)
    return { bytes: Buffer.from(body.buffer, body.byteOffset, body.byteLength), json: false };
  return { bytes: Buffer.from(JSON.stringify(body)), json: true };
}

class InjectExchange implements TransportRequest, ResponseSink {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly httpVersion = '1.1';
  readonly remoteAddress: string;
  readonly hasBody: boolean;
  headersSent = false;
  private requestStream: RawRequest | undefined;

  constructor(
    options: InjectOptions,
    private readonly body: Buffer | undefined,
    private readonly resolve: (r: InjectResponse) => void,
    private readonly reject: (err: Error) => void,
  ) {
    this.method = (options.method ?? 'GET').toUpperCase();
    this.url = options.url;
    this.headers = requestHeaders(options, body);
    this.remoteAddress = options.remoteAddress ?? '127.0.0.1';
    this.hasBody = body !== undefined && body.length > 0;
  }

  readBody(receiver: BodyReceiver): void {
    const body = this.body;
    // A later tick, as from a socket.
    setImmediate(() => {
      if (body !== undefined && body.length > 0) receiver.data(body);
      receiver.end();
    });
  }

  bodyStream(): RawRequest {
    if (this.requestStream === undefined) {
      this.requestStream = Object.assign(Readable.from(this.body === undefined ? [] : [this.body]), {
        headers: this.headers,
        method: this.method,
        url: this.url,
      });
    }
    return this.requestStream;
  }

  end(status: number, headers: OutgoingHeaders, body: string | Uint8Array | null): void {
    this.headersSent = true;
    const bytes = body === null || status === 204 || status === 304 ? Buffer.alloc(0) : Buffer.from(body as string);
    this.resolve(answer(status, headers, bytes));
  }

  stream(status: number, headers: OutgoingHeaders, body: Readable): void {
    this.headersSent = true;
    if (status === 204 || status === 304) {
      body.destroy();
      this.resolve(answer(status, headers, Buffer.alloc(0)));
      return;
    }
    const chunks: Buffer[] = [];
    body.on('data', (chunk: Buffer | string) => chunks.push(Buffer.from(chunk)));
    body.on('end', () => {
      // What a client sees of a response without a length: chunked framing, the bytes reassembled.
      if (headers['content-length'] === undefined) headers['transfer-encoding'] = 'chunked';
      this.resolve(answer(status, headers, Buffer.concat(chunks)));
    });
    body.on('error', (err) => this.reject(err));
  }

  destroy(): void {
    this.reject(new Error('inject: the response was abandoned (the connection would have been cut)'));
  }
}

function answer(status: number, headers: OutgoingHeaders, bytes: Buffer): InjectResponse {
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (name === 'set-cookie') out[name] = ([] as string[]).concat(value as string | string[]).map(String);
    else out[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  const text = bytes.toString('utf8');
  return { status, headers: out, body: text, rawBody: bytes, json: <T>() => JSON.parse(text) as T };
}

/** Runs `options` through `host`'s pipeline; resolves with what the wire would carry. */
export function inject(host: PipelineHost, options: InjectOptions): Promise<InjectResponse> {
  if (
    options === null ||
    typeof options !== 'object' ||
    typeof options.url !== 'string' ||
    !options.url.startsWith('/')
  ) {
    return Promise.reject(new TypeError("inject needs { url: '/path…' }"));
  }
  try {
    checkJsonSettings(host.settings);
  } catch (err) {
    return Promise.reject(err);
  }
  const { bytes, json } = bodyBytes(options);
  return new Promise<InjectResponse>((resolve, reject) => {
    const exchange = new InjectExchange(options, bytes, resolve, reject);
    if (json && exchange.headers['content-type'] === undefined) exchange.headers['content-type'] = 'application/json';
    handleRequest(host, exchange, exchange);
  });
}
