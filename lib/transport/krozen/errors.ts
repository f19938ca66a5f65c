// The responses the transport writes itself (a head it cannot parse, a timeout): a JSON error body, then
// the connection closes — the same shape as the pipeline's errors and node:http's clientError answers.
import { errorResponse as cannedError } from '../error-response';
import { currentDateLine } from './writer';

/** A whole response: `{ "error": <reason phrase> }` (as node:http's transport answers) with `connection: close`. */
export function errorResponse(status: number): string {
  return cannedError(status, undefined, undefined, currentDateLine());
}
