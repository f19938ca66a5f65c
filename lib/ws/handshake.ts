// The opening handshake (RFC 6455 §4.2): checks the upgrade request and builds the 101 response.
// A refused upgrade gets a small HTTP response with a JSON error body, then the socket is closed.
import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { UpgradeRequest } from './upgrade';
import { errorResponse } from '../transport/error-response';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** 16 random bytes in base64: 22 characters + '=='. */
const KEY_PATTERN = /^[+/0-9A-Za-z]{22}==$/;

export interface HandshakeRefusal {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

/** The Sec-WebSocket-Accept value for a client key. */
export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/** A header's value; repeated header lines are joined with ', ' (RFC 9110 §5.3). */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function hasToken(header: string | string[] | undefined, token: string): boolean {
  const value = headerValue(header);
  if (value === undefined) return false;
  for (const part of value.split(',')) {
    if (part.trim().toLowerCase() === token) return true;
  }
  return false;
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
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.on('error', () => socket.destroy());
  socket.end(errorResponse(refusal.status, refusal.message, refusal.headers));
  // end() flushes, then the peer's FIN (or this timer) finishes the socket.
  setTimeout(() => socket.destroy(), 1000).unref();
}

/** The 101 response; `protocol` '' sends no Sec-WebSocket-Protocol; `extra`: `[name, value]` (a request id). */
export function acceptResponse(key: string, extensions?: string, protocol = '', extra?: [string, string]): string {
  let head =
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n`;
  if (protocol !== '') head += `Sec-WebSocket-Protocol: ${protocol}\r\n`;
  if (extensions) head += `Sec-WebSocket-Extensions: ${extensions}\r\n`;
  if (extra !== undefined) head += `${extra[0]}: ${extra[1]}\r\n`;
  return head + '\r\n';
}
