// The responses the transport writes itself (a head it cannot parse, a timeout): a JSON error body, then
// the connection closes — the same shape as the pipeline's errors and node:http's clientError answers.
import { STATUS_CODES } from 'node:http';
import { currentDateLine } from './writer';

/** A whole response: `{ "error": <reason phrase> }` (as node:http's transport answers) with `connection: close`. */
export function errorResponse(status: number): string {
  const reason = STATUS_CODES[status] ?? 'Error';
  const body = JSON.stringify({ error: reason });
  return (
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\n${currentDateLine()}connection: close\r\n\r\n${body}`
  );
}
