// Response encoding: one writeHead + one end per response, or a stream piped with pipeline().
// Body rules: undefined → empty; Buffer/Uint8Array → bytes (octet-stream unless typed); a Readable → streamed;
// a string with a content type already set → sent as is (html()/text()/file() set one); any other value
// (a string without a content type included) → JSON, application/json.
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Readable, pipeline } from 'node:stream';
import { utf8WithHeadroom } from '../backend';
import type { HeaderValue } from './types';

const JSON_TYPE = 'application/json';

// JSON texts shorter than this go to node:http as a string: it then sends header + body as ONE string
// write, while a Buffer body costs a writev of [header, body]. Measured with wrk -t1 -c50 on GET /json
// (27 B): writev was 31% of the server's profile and the Buffer path ran at ~0.65x bare node:http.
// Longer texts become bytes through the backend's utf8WithHeadroom (the native transcoder where it pays),
// which is what encodeJson does, without stringifying twice.
export const STRING_BODY_MAX_CHARS = 4096;
const OCTET_STREAM = 'application/octet-stream';

/** Encodes `body` and writes the whole response; for HEAD only the headers GET would have. */
export function sendResponse(
  out: ServerResponse,
  status: number,
  headers: Record<string, HeaderValue>,
  body: unknown,
  isHead: boolean,
): void {
  if (body === undefined) {
    headers['content-length'] = 0;
    out.writeHead(status, headers as OutgoingHttpHeaders);
    out.end();
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
    sendStream(out, status, headers, body, isHead);
    return;
  } else {
    const json = JSON.stringify(body) as string | undefined;
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
  out.writeHead(status, headers as OutgoingHttpHeaders);
  // node:http drops the body itself for HEAD, 204 and 304.
  if (isHead) out.end();
  else out.end(bytes);
}

function sendStream(out: ServerResponse, status: number, headers: Record<string, HeaderValue>, body: Readable, isHead: boolean): void {
  if (headers['content-type'] === undefined) headers['content-type'] = OCTET_STREAM;
  out.writeHead(status, headers as OutgoingHttpHeaders);
  if (isHead || status === 204 || status === 304) {
    body.destroy();
    out.end();
    return;
  }
  pipeline(body, out, onStreamDone);
}

function onStreamDone(err: NodeJS.ErrnoException | null): void {
  // pipeline() has already destroyed both ends; a client that went away is not worth a log line.
  if (err && err.code !== 'ERR_STREAM_PREMATURE_CLOSE') console.error('krozen: response stream failed:', err);
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
    if (value !== undefined) target[lowerName(name)] = value;
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
