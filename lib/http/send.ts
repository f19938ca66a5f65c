// Response encoding: the body becomes bytes (or a string) plus content-type and content-length, handed to
// the transport's ResponseSink in one call; a stream goes to sink.stream().
// Body rules: undefined → empty; Buffer/Uint8Array → bytes (octet-stream unless typed); a Readable → streamed;
// a string with a content type already set → sent as is (html()/text()/file() set one); any other value
// (a string without a content type included) → JSON, application/json.
import { Readable } from 'node:stream';
import { utf8WithHeadroom } from '../backend';
import type { ResponseSink } from '../transport/types';
import { CompressingSink } from './compress';
import { stringifyWithBigInt } from '../backend/json-codec';
import type { HeaderValue } from './types';
import type { Serializer } from '../schema/serializer';
import { ErrorCode, KrozenRangeError, KrozenTypeError } from '../base/errors';

const JSON_TYPE = 'application/json';

// JSON texts shorter than this go to the transport as a string: a transport then sends header + body as ONE
// string write, while a Buffer body costs a writev of [header, body]. Measured with wrk -t1 -c50 on GET /json
// (27 B) on the node:http transport: writev was 31% of the server's profile and the Buffer path ran at
// ~0.65x bare node:http.
// Longer texts become bytes through the backend's utf8WithHeadroom (the native transcoder where it pays),
// which is what encodeJson does, without stringifying twice.
export const STRING_BODY_MAX_CHARS = 4096;
const OCTET_STREAM = 'application/octet-stream';

/** Encodes `body` and hands the whole response to `sink`; for HEAD only the headers GET would have. */
export function sendResponse(
  sink: ResponseSink,
  status: number,
  headers: Record<string, HeaderValue>,
  body: unknown,
  isHead: boolean,
  /** settings.jsonBigInt: BigInt values are written as exact integers. */
  bigInt = false,
  /** The route's serializer for this status (compiled from its response schema): writes the JSON text. */
  serializer?: Serializer,
): void {
  // A 1xx is an interim answer, never the final one (a client would wait for another): refused as fastify
  // refuses an invalid status. The throw reaches the pipeline's catch: logged, and a 500 goes out instead.
  if (status < 200)
    throw new KrozenRangeError(
      ErrorCode.INVALID_RESPONSE,
      `Status ${status} is an interim (1xx) status: it cannot be the final answer`,
    );
  if (status === 204 || status === 304) {
    sendBodiless(sink, status, headers, body);
    return;
  }
  if (body === undefined) {
    headers['content-length'] = 0;
    sink.end(status, headers, null);
    return;
  }
  let bytes: Buffer | Uint8Array | string;
  if (typeof body === 'string' && headers['content-type'] !== undefined) {
    // (A HEAD sends no body: its length is all that is needed, unless compression needs the bytes.)
    if (body.length < STRING_BODY_MAX_CHARS || (isHead && !(sink instanceof CompressingSink))) {
      bytes = body;
      headers['content-length'] = Buffer.byteLength(body);
    } else {
      // A long text becomes bytes here, through the backend's transcoder, as a long JSON text does: a socket
      // write of a string re-encodes it in Node's stream code (storage for 3 bytes a unit, then a per-unit
      // UTF-8 pass for two-byte text), and the length needed its own pass. Issue 19 saw a 1 MiB string
      // answer hold the loop 55 ms where a Buffer took ~1; on the 2-core test box, 1.7-7.7 ms -> 0.8-2.7 ms.
      bytes = utf8WithHeadroom(body, 0);
      headers['content-length'] = bytes.length;
    }
  } else if (body instanceof Uint8Array) {
    bytes = body;
    if (headers['content-type'] === undefined) headers['content-type'] = OCTET_STREAM;
    headers['content-length'] = body.length;
  } else if (body instanceof Readable) {
    if (headers['content-type'] === undefined) headers['content-type'] = OCTET_STREAM;
    if (isHead) {
      body.destroy();
      if (sink instanceof CompressingSink) sink.head(status, headers, null);
      else sink.end(status, headers, null);
    } else {
      sink.stream(status, headers, body);
    }
    return;
  } else {
    const json =
      serializer !== undefined
        ? serializer(body)
        : bigInt
          ? stringifyWithBigInt(body)
          : (JSON.stringify(body) as string | undefined);
    if (json === undefined)
      throw new KrozenTypeError(ErrorCode.NOT_SERIALIZABLE, 'Response body is not JSON-serializable');
    if (json.length < STRING_BODY_MAX_CHARS) {
      bytes = json;
      headers['content-length'] = Buffer.byteLength(json);
    } else {
      bytes = utf8WithHeadroom(json, 0);
      headers['content-length'] = bytes.length;
    }
    if (headers['content-type'] === undefined) headers['content-type'] = JSON_TYPE;
  }
  // HEAD announces what GET would send: with compression, the coding and its length (compress.ts).
  if (!isHead) sink.end(status, headers, bytes);
  else if (sink instanceof CompressingSink) sink.head(status, headers, bytes);
  else sink.end(status, headers, null);
}

/**
 * 204 and 304 carry no content (RFC 9110 §15.3.5, §15.4.5), so no length of one is made up: a 204 sends no
 * Content-Length at all (§8.6: MUST NOT), a 304 only one its handler set (the length the 200 would have).
 * A body given anyway is dropped, a stream destroyed.
 */
function sendBodiless(sink: ResponseSink, status: number, headers: Record<string, HeaderValue>, body: unknown): void {
  if (body instanceof Readable) body.destroy();
  if (status === 204) delete headers['content-length'];
  sink.end(status, headers, null);
}

/**
 * Merges header maps into one with lower-case names (later maps win), so that lookups such as
 * `content-type` are case-insensitive.
 */
export function mergeHeaders(
  target: Record<string, HeaderValue>,
  source: Record<string, HeaderValue> | undefined,
): Record<string, HeaderValue> {
  if (source === undefined) return target;
  for (const name in source) {
    const value = source[name];
    if (value === undefined) continue;
    const lower = lowerName(name);
    // Cookies from middleware and from the handler are all sent.
    if (lower === 'set-cookie' && target[lower] !== undefined)
      target[lower] = ([] as string[]).concat(target[lower] as string, value as string);
    else target[lower] = value;
  }
  return target;
}

function lowerName(name: string): string {
  // Most names are already lower-case: skip the allocation then.
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 65 && c <= 90) return name.toLowerCase();
  }
  return name;
}
