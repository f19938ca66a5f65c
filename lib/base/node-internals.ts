// Reads of Node-internal fields, in one place. Each one tolerates the field being missing, null, or of
// another shape (Node sets some to null once they are done, and may rename them): the answer is then
// "nothing there", never a throw.
import type { ServerResponse } from 'node:http';

/**
 * The response node:http is writing (or will write next) on `socket`, or null. node:http keeps it in
 * socket._httpMessage, and sets that to null once a keep-alive response has finished.
 */
export function inFlightResponse(socket: unknown): ServerResponse | null {
  if (socket === null || typeof socket !== 'object') return null;
  const res = (socket as { _httpMessage?: unknown })._httpMessage;
  if (res === null || typeof res !== 'object' || typeof (res as ServerResponse).once !== 'function') return null;
  return res as ServerResponse;
}

/** The request `res` answers has not been read whole yet (so a parse error now is in its body). */
export function requestStillArriving(res: ServerResponse): boolean {
  const req = (res as { req?: unknown }).req;
  return req !== null && typeof req === 'object' && (req as { complete?: unknown }).complete === false;
}
