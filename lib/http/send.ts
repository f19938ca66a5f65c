// Response encoding: the body becomes bytes (or a string) plus content-type and content-length, handed to
// the transport's ResponseSink in one call; a stream goes to sink.stream().
// Body rules: undefined → empty; Buffer/Uint8Array → bytes (octet-stream unless typed); a Readable → streamed;
// a string with a content type already set → sent as is (html()/text()/file() set one); any other value
// (a string without a content type included) → JSON, application/json.
import { Readable } from 'node:stream';
import { utf8WithHeadroom } from '../backend';
import type { ResponseSink } from '../transport/types';
import { stringifyWithBigInt } from '../json';
import type { HeaderValue } from './types';

const JSON_TYPE = 'application/json';

// JSON texts shorter than this go to the transport as a string: node:http then sends header + body as ONE
// string write, while a Buffer body costs a writev of [header, body]. Measured with wrk -t1 -c50 on GET /json
// (27 B): writev was 31% of the server's profile and the Buffer path ran at ~0.65x bare node:http.
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
): void {
  if (body === undefined) {
    // RFC 9110 §8.6: no Content-Length on 204 (node:http would send the 0 it is given).
    if (status !== 204) headers['content-length'] = 0;
    sink.end(status, headers, null);
    return;
  }
  let bytes: Buffer | Uint8Array | string;
  if (typeof body === 'string' && headers['content-type'] !== undefined) {
    bytes = body;
    headers['content-length'] = Buffer.byteLength(body);
  } else if (body instanceof Uint8Array) {
    bytes = body;
    if (headers['content-type'] === undefined) headers['content-type'] = OCTET_STREAM;
    headers['content-length'] = body.length;
  } else if (body instanceof Readable) {
    if (headers['content-type'] === undefined) headers['content-type'] = OCTET_STREAM;
    if (isHead) {
      body.destroy();
      sink.end(status, headers, null);
    } else {
      sink.stream(status, headers, body);
    }
    return;
  } else {
    const json = bigInt ? stringifyWithBigInt(body) : (JSON.stringify(body) as string | undefined);
    if (json === undefined) throw new TypeError('Response body is not JSON-serializable');
    if (json.length < STRING_BODY_MAX_CHARS) {
      bytes = json;
      headers['content-length'] = Buffer.byteLength(json);
    } else {
      bytes = utf8WithHeadroom(json, 0);
      headers['content-length'] = bytes.length;
    }
    if (headers['content-type'] === undefined) headers['content-type'] = JSON_TYPE;
  }
  sink.end(status, headers, isHead ? null : bytes);
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
    if (lower === 'set-cookie' && target[lower] !== undefined) target[lower] = ([] as string[]).concat(target[lower] as string, value as string);
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
