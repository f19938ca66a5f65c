// Every answer a transport, the WebSocket handshake or a limit writes by hand (a head it cannot parse, a
// timeout, too many connections, a refused upgrade, a server that is stopping): one shape, the same as the
// pipeline's errors — `{"error": message}` as JSON, then the connection closes.
import { STATUS_CODES } from 'node:http';

/**
 * A whole HTTP/1.1 response: status line, JSON body `{"error": message}` (the reason phrase by default),
 * `connection: close`, then any `headers` given (names as written) and `dateLine` (a whole `date: …\r\n`
 * line, from the krozen transport's clock; node:http's callers send none, as node:http does for these).
 */
export function errorResponse(
  status: number,
  message: string = STATUS_CODES[status] ?? 'Error',
  headers?: Readonly<Record<string, string>>,
  dateLine = '',
): string {
  const body = JSON.stringify({ error: message });
  let head =
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\ncontent-type: application/json\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\n${dateLine}connection: close\r\n`;
  if (headers !== undefined) for (const name of Object.keys(headers)) head += `${name}: ${headers[name]}\r\n`;
  return `${head}\r\n${body}`;
}
