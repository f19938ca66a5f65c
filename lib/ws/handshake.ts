// The opening handshake (RFC 6455 §4.2): checks the upgrade request and builds the 101 response.
// A refused upgrade gets a small HTTP response with a JSON error body, then the socket is closed.
import * as crypto from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { UpgradeRequest } from './upgrade';
import { errorResponse } from '../transport/error-response';
import { FIELD_VALUE, isToken, type HeaderValue } from '../base/http-grammar';
import { upgradeAnswered } from './upgrade-watch';
import { native } from '../backend/load';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** 16 random bytes in base64: 22 characters + '=='. */
const KEY_PATTERN = /^[+/0-9A-Za-z]{22}==$/;

export interface HandshakeRefusal {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

/** crypto.hash (Node >= 20.12): a one-shot digest, without a Hash object per handshake. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64') => string }).hash;

/** The addon's accept key (native/ws_accept.cc): the same text in a fraction of crypto's cost. */
const nativeAccept =
  native !== null && typeof native.wsAcceptKey === 'function' ? (native.wsAcceptKey as (key: string) => string) : null;

/** The Sec-WebSocket-Accept value for a client key (checked by checkUpgradeRequest: 24 base64 characters). */
export function acceptKey(key: string): string {
  if (nativeAccept !== null) return nativeAccept(key);
  return acceptKeyJs(key);
}

/** What Node's crypto says (the JS path, and the reference the addon is tested against). */
export function acceptKeyJs(key: string): string {
  if (oneShot !== undefined) return oneShot('sha1', key + GUID, 'base64');
  return crypto
    .createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/** A header's value; repeated header lines are joined with ', ' (RFC 9110 §5.3). */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** `token` (lower case) is one of the comma-separated elements of `header`, in any case. */
function hasToken(header: string | string[] | undefined, token: string): boolean {
  // What clients send: the token alone ("websocket", "Upgrade"), compared without a split or a copy.
  if (typeof header === 'string' && header.length === token.length) return sameTokenAt(header, 0, token);
  const value = headerValue(header);
  if (value === undefined) return false;
  for (const part of value.split(',')) {
    if (part.trim().toLowerCase() === token) return true;
  }
  return false;
}

/** value[at, at + token.length) is `token` (lower case) in any case (ASCII letters only fold). */
function sameTokenAt(value: string, at: number, token: string): boolean {
  for (let i = 0; i < token.length; i++) {
    const c = value.charCodeAt(at + i);
    if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== token.charCodeAt(i)) return false;
  }
  return true;
}

/** Checks everything but the path. Returns the refusal, or the client's key when the request is valid. */
export function checkUpgradeRequest(req: UpgradeRequest): HandshakeRefusal | { key: string } {
  if (req.method !== 'GET') return { status: 405, message: 'WebSocket upgrade needs GET', headers: { Allow: 'GET' } };
  if (req.httpVersion !== undefined && (req.httpVersion === '0.9' || req.httpVersion === '1.0')) {
    return { status: 400, message: 'WebSocket upgrade needs HTTP/1.1' };
  }
  const headers = req.headers;
  if (!hasToken(headers.upgrade, 'websocket')) return { status: 400, message: 'Upgrade header must be websocket' };
  if (!hasToken(headers.connection, 'upgrade'))
    return { status: 400, message: 'Connection header must include upgrade' };
  const version = headerValue(headers['sec-websocket-version']);
  if (version === undefined || version.trim() !== '13') {
    return { status: 426, message: 'Unsupported WebSocket version', headers: { 'Sec-WebSocket-Version': '13' } };
  }
  const key = headerValue(headers['sec-websocket-key']);
  if (key === undefined || !KEY_PATTERN.test(key.trim())) return { status: 400, message: 'Invalid Sec-WebSocket-Key' };
  return { key: key.trim() };
}

/** Answers a refused upgrade with `status` and {"error": message}, then closes the socket. */
export function refuseUpgrade(socket: Duplex, refusal: HandshakeRefusal): void {
  upgradeAnswered(socket, refusal.status);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  destroyOnError(socket);
  socket.end(errorResponse(refusal.status, refusal.message, refusal.headers));
  // end() flushes, then the peer's FIN (or this timer) finishes the socket.
  setTimeout(() => socket.destroy(), 1000).unref();
}

/**
 * The 101 response; `protocol` '' sends no Sec-WebSocket-Protocol. `extra`: whole header lines middleware
 * asked for (headerLines()); RFC 6455 §4.2.2 lets the 101 carry other fields, such as Set-Cookie.
 */
export function acceptResponse(key: string, extensions?: string, protocol = '', extra = ''): string {
  let head =
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n`;
  if (protocol !== '') head += `Sec-WebSocket-Protocol: ${protocol}\r\n`;
  if (extensions) head += `Sec-WebSocket-Extensions: ${extensions}\r\n`;
  return head + extra + '\r\n';
}

// What the handshake itself says on a 101; middleware's values for these are not sent.
const SWITCHING_OWN = new Set([
  'upgrade',
  'connection',
  'sec-websocket-accept',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
  'content-length',
  'transfer-encoding',
]);
// What a refusal's framing says (content-type is taken from the headers when given).
const REFUSAL_OWN = new Set(['content-length', 'transfer-encoding', 'connection', 'content-type']);

/**
 * `name: value\r\n` for each header (a list: one line per value), without `skip`'s names. Throws a
 * TypeError for a name that is not a token or a value with a control character (header injection).
 */
export function headerLines(headers: Readonly<Record<string, HeaderValue>>, forSwitching: boolean): string {
  const skip = forSwitching ? SWITCHING_OWN : REFUSAL_OWN;
  let out = '';
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    const value = headers[name];
    if (skip.has(lower) || value === undefined) continue;
    if (!isToken(lower)) throw new TypeError(`Invalid header name: ${JSON.stringify(name)}`);
    for (const one of Array.isArray(value) ? value : [value]) {
      const text = String(one);
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c > 0xff || FIELD_VALUE[c] !== 1) throw new TypeError(`Invalid character in header content ["${name}"]`);
      }
      out += `${lower}: ${text}\r\n`;
    }
  }
  return out;
}

/**
 * A refusal with the pipeline's answer (`res.stop` or an HttpError): its status, headers and body (JSON, or a
 * string / bytes as they are), `connection: close`. Then the socket is closed as refuseUpgrade() does.
 */
export function refuseUpgradeWith(
  socket: Duplex,
  status: number,
  headers: Readonly<Record<string, HeaderValue>>,
  body: unknown,
): void {
  if (!Number.isInteger(status) || status < 200 || status > 999)
    throw new TypeError(`An upgrade refusal needs a status from 200 to 999 (got ${String(status)})`);
  let type: HeaderValue | undefined;
  for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-type') type = headers[name];
  let bytes: Buffer;
  if (body === undefined || body === null) bytes = Buffer.alloc(0);
  else if (body instanceof Uint8Array) {
    bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    type ??= 'application/octet-stream';
  } else if (typeof body === 'string' && type !== undefined) bytes = Buffer.from(body);
  else {
    bytes = Buffer.from(JSON.stringify(body));
    type ??= 'application/json';
  }
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
  if (type !== undefined && bytes.length > 0) head += `content-type: ${String(type)}\r\n`;
  head += `content-length: ${bytes.length}\r\nconnection: close\r\n${headerLines(headers, false)}\r\n`;
  if (!socket.writable) return void socket.destroy();
  destroyOnError(socket);
  upgradeAnswered(socket, status);
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), bytes]));
  setTimeout(() => socket.destroy(), 1000).unref();
}

/** A net.Socket's later error ends it (nothing else listens any more); a RawSocket reports none. */
function destroyOnError(socket: Duplex): void {
  if (typeof socket.on === 'function') socket.on('error', () => socket.destroy());
}
