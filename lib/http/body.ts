// Request bodies: read with a size limit (413 without reading the rest into memory; the limit counts the
// framing of tiny chunks too, so a body of them cannot cost far more than its bytes), then parsed by
// content type: application/json (and +json) → JSON or 400 (also past settings.jsonMaxDepth and for a
// forbidden `__proto__` / `constructor.prototype` key under settings.jsonProto; BigInt for big integers with
// settings.jsonBigInt: ../backend/json-codec.ts); no type → JSON (the same 400s), else string;
// application/x-www-form-urlencoded → an object (query rules, at most settings.formMaxFields fields: 413;
// a `__proto__` field under settings.jsonProto);
// text/* → string; anything else → Buffer.
import type { BodyReceiver, TransportRequest } from '../transport/types';
import { BodyPieces, KEEP_WHOLE } from '../transport/body-pieces';
import { HttpError } from './http-error';
import { FORBIDDEN_QUERY_KEY, parseQuery, type Query } from './query';
import { JsonDepthError, JsonProtoError, parseJson, type JsonSettings } from '../backend/json-codec';

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
 * fails with a 413 and stops collecting; the transport discards the rest while the answer goes out with
 * Connection: close. Callbacks instead of a promise: no microtask, and no closures per request.
 */
export function readBody<C>(
  request: TransportRequest,
  limit: number,
  ctx: C,
  done: BodyDone<C>,
  failed: BodyFailed<C>,
): void {
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    failed(ctx, tooLarge(limit));
    return;
  }
  request.readBody(new BodyCollector(ctx, limit, done, failed));
}

/**
 * What a small body piece (under KEEP_WHOLE bytes) costs beyond its bytes, charged against the limit for
 * each one past the first FREE_PIECES: the framing the smallest chunk carries on the wire ("1" CRLF, data,
 * CRLF), so the limit bounds a chunked body's bytes on the wire, not only its payload. A body in ordinary
 * pieces (socket reads, chunks of a kilobyte or more) pays nothing; a body of 1-byte chunks reaches a 1 MiB
 * limit after ~175k of them (6 bytes each on the wire), not a million, and a 64 KiB one still passes.
 */
const PIECE_COST = 5;
const FREE_PIECES = 64;
export { PIECE_COST, FREE_PIECES }; // by name: an `export const` is read as `exports.X` at every use

/** Collects the body: pieces are held coalesced (BodyPieces), so tiny chunks cost their bytes, not a Buffer each. */
class BodyCollector<C> extends BodyPieces implements BodyReceiver {
  /** Small pieces seen: past FREE_PIECES each one costs PIECE_COST more against the limit. */
  small = 0;
  overhead = 0;
  /** Set once done or failed: later calls are ignored (the request is over for us). */
  settled = false;

  constructor(
    readonly ctx: C,
    readonly limit: number,
    readonly done: BodyDone<C>,
    readonly failed: BodyFailed<C>,
  ) {
    super(limit);
  }

  data(chunk: Buffer): void {
    if (this.settled) return;
    if (chunk.length < KEEP_WHOLE && ++this.small > FREE_PIECES) this.overhead += PIECE_COST;
    if (this.size + chunk.length + this.overhead > this.limit) {
      this.fail(tooLarge(this.limit));
      return;
    }
    this.add(chunk);
  }

  end(): void {
    if (this.settled) return;
    this.settled = true;
    this.done(this.ctx, this.join());
  }

  abort(reason: string, status = 400): void {
    if (!this.settled) this.fail(new HttpError(status, reason, CLOSE));
  }

  private fail(err: HttpError): void {
    this.settled = true;
    this.clear();
    this.failed(this.ctx, err);
  }
}

const JSON_TYPE = 'application/json';

const FORM_TYPE = 'application/x-www-form-urlencoded';

/** What parseBody needs from the settings. */
export interface BodyLimits extends JsonSettings {
  formMaxFields: number;
}

/** Turns the body bytes into what handlers see as req.body. */
export function parseBody(bytes: Buffer, contentType: string | undefined, limits: BodyLimits): unknown {
  if (bytes.length === 0) return undefined;
  if (contentType === undefined || contentType === '') {
    const text = bytes.toString('utf8');
    try {
      return parseJson(text, limits);
    } catch (err) {
      // A valid JSON text refused by the settings is a 400, not a string the handler mistakes for one.
      if (err instanceof JsonDepthError || err instanceof JsonProtoError) throw new HttpError(400, err.message);
      return text;
    }
  }
  // The usual spelling needs no slicing or lower-casing.
  const type = contentType === JSON_TYPE ? JSON_TYPE : mediaType(contentType);
  if (type === JSON_TYPE || type.endsWith('+json')) {
    try {
      return parseJson(bytes.toString('utf8'), limits);
    } catch (err) {
      throw new HttpError(
        400,
        err instanceof JsonDepthError || err instanceof JsonProtoError ? err.message : 'Invalid JSON',
      );
    }
  }
  if (type === FORM_TYPE) return parseForm(bytes.toString('utf8'), limits);
  if (type.startsWith('text/')) return bytes.toString('utf8');
  return bytes;
}

/** `Application/JSON; charset=utf-8` → `application/json`. */
export function mediaType(contentType: string): string {
  const semi = contentType.indexOf(';');
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/** An `application/x-www-form-urlencoded` body: the query string rules (repeated keys → arrays). */
function parseForm(text: string, limits: BodyLimits): Query {
  const maxFields = limits.formMaxFields;
  try {
    return parseQuery(
      text,
      maxFields,
      () => new HttpError(413, `Too many form fields (limit ${maxFields})`),
      limits.jsonProto,
    );
  } catch (err) {
    if (err instanceof HttpError && err.status === 400) {
      throw new HttpError(
        400,
        err.message === FORBIDDEN_QUERY_KEY ? 'Forbidden form field __proto__' : 'Malformed percent-encoding in form',
      );
    }
    throw err;
  }
}
