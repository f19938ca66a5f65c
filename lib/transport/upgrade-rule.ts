// Which upgrade requests a transport hands to the WebSocket layer. RFC 9110 §7.8 lets a server ignore an
// Upgrade it does not take: krozen takes only `websocket`, so any other (curl --http2 sends `Upgrade: h2c`)
// is served as the plain request it also is, by its route, instead of being refused. A request that carries
// a Sec-WebSocket-Key is a WebSocket handshake attempt whatever its Upgrade says: the WebSocket layer
// refuses a wrong one with 400 (RFC 6455 §4.2.1), rather than a route answering a half-made handshake.
import type { IncomingHttpHeaders } from 'node:http';

/** True when the Upgrade field lists the `websocket` protocol (any case, any place in the list), or a key says so. */
export function asksForWebSocket(headers: IncomingHttpHeaders): boolean {
  const value = headers.upgrade;
  if (value === undefined) return false;
  if (headers['sec-websocket-key'] !== undefined) return true;
  if (value.length === 9 && value.toLowerCase() === 'websocket') return true;
  const list = value.split(',');
  for (let i = 0; i < list.length; i++) {
    // A protocol may carry a version (`websocket/13` is not what RFC 6455 asks for, so it is not taken).
    if (list[i].trim().toLowerCase() === 'websocket') return true;
  }
  return false;
}
