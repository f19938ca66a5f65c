// Request bodies: read with a size limit (413 without reading the rest into memory), then parsed by
// content type: application/json (and +json) → JSON or 400; no type → JSON, else string; text/* → string;
// anything else → Buffer.
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error';

/** True when the request announces a body (a non-zero Content-Length or any Transfer-Encoding). */
export function hasBody(raw: IncomingMessage): boolean {
  const headers = raw.headers;
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

const CLOSE = { connection: 'close' };

function tooLarge(limit: number): HttpError {
  return new HttpError(413, `Payload Too Large (limit ${limit} bytes)`, CLOSE);
}

/** Called with the whole body, once. */
export type BodyDone<C> = (ctx: C, body: Buffer) => void;
/** Called instead of BodyDone, once: 413 over the limit, 400 when the stream fails or the client aborts. */
export type BodyFailed<C> = (ctx: C, err: HttpError) => void;

/**
 * Reads the whole body into one Buffer, at most `limit` bytes, then calls `done(ctx, body)`; or
 * `failed(ctx, err)`. Over the limit (by Content-Length at once, synchronously; else while counting) it
 * fails with a 413 and stops collecting; the rest is discarded by node:http while the answer goes out with
 * Connection: close. Callbacks instead of a promise: no microtask, and the listeners are module-level
 * functions (the collector rides on the request), so a request allocates no closures here.
 */
export function readBody<C>(raw: IncomingMessage, limit: number, ctx: C, done: BodyDone<C>, failed: BodyFailed<C>): void {
  const declared = raw.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    failed(ctx, tooLarge(limit));
    return;
  }
  (raw as Collecting)[COLLECTOR] = new BodyCollector(ctx, limit, done, failed);
  raw.on('data', onData);
  raw.on('end', onEnd);
  raw.on('error', onError);
  raw.on('aborted', onAborted);
}

const COLLECTOR = Symbol('krozen.body');
type Collecting = IncomingMessage & { [COLLECTOR]: BodyCollector<any> };
const NO_CHUNKS: Buffer[] = [];

class BodyCollector<C> {
  chunks: Buffer[] = [];
  size = 0;
  /** Set once done or failed: later events are ignored (the listeners stay; the request is over for us). */
  settled = false;

  constructor(
    readonly ctx: C,
    readonly limit: number,
    readonly done: BodyDone<C>,
    readonly failed: BodyFailed<C>,
  ) {}

  fail(err: HttpError): void {
    this.settled = true;
    this.chunks = NO_CHUNKS;
    this.failed(this.ctx, err);
  }
}

// `this` is the request the listener was added to (EventEmitter calls listeners so).
function onData(this: Collecting, chunk: Buffer): void {
  const c = this[COLLECTOR];
  if (c.settled) return;
  c.size += chunk.length;
  if (c.size > c.limit) {
    c.fail(tooLarge(c.limit));
    return;
  }
  c.chunks.push(chunk);
}

function onEnd(this: Collecting): void {
  const c = this[COLLECTOR];
  if (c.settled) return;
  c.settled = true;
  const chunks = c.chunks;
  c.chunks = NO_CHUNKS;
  c.done(c.ctx, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, c.size));
}

function onError(this: Collecting, err: Error): void {
  const c = this[COLLECTOR];
  if (!c.settled) c.fail(new HttpError(400, `Bad request body: ${err.message}`, CLOSE));
}

function onAborted(this: Collecting): void {
  const c = this[COLLECTOR];
  if (!c.settled) c.fail(new HttpError(400, 'Request aborted', CLOSE));
}

const JSON_TYPE = 'application/json';

/** Turns the body bytes into what handlers see as req.body. */
export function parseBody(bytes: Buffer, contentType: string | undefined): unknown {
  if (bytes.length === 0) return undefined;
  if (contentType === undefined || contentType === '') {
    const text = bytes.toString('utf8');
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  // The usual spelling needs no slicing or lower-casing.
  const type = contentType === JSON_TYPE ? JSON_TYPE : mediaType(contentType);
  if (type === JSON_TYPE || type.endsWith('+json')) {
    try {
      return JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new HttpError(400, 'Invalid JSON');
    }
  }
  if (type.startsWith('text/')) return bytes.toString('utf8');
  return bytes;
}

/** `Application/JSON; charset=utf-8` → `application/json`. */
export function mediaType(contentType: string): string {
  const semi = contentType.indexOf(';');
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}
