// settings.httpMaxBackpressure: a cap on the bytes of responses queued on one HTTP connection. A client
// that pipelines requests and never reads makes node:http run every handler in the chunk and hold every
// answer (2,000 pipelined GETs of a 1 MiB body held 2 GB). Past the cap the connection is closed, as a
// WebSocket with wsBackpressurePolicy 'close': only when answers are already waiting (one response of any
// size on a connection that reads goes out as before).
// Accounting costs nothing on the common path: a response that goes straight to an idle socket is not
// counted; only one queued behind another answer, or behind unsent bytes, is.
import type * as http from 'node:http';

const kQueued = Symbol('krozen.queuedResponseBytes');
const kBytes = Symbol('krozen.responseBytes');
type CountedSocket = { [kQueued]?: number; writableLength?: number; destroy(): void };
type CountedResponse = http.ServerResponse & { [kBytes]?: number };

/**
 * Admits a response of about `bytes` on `req`'s connection. False (and the connection destroyed) when
 * answers are already queued there and this one would take them over `cap` (0 = no cap).
 */
export function admitResponse(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  bytes: number,
  cap: number,
): boolean {
  const socket = req.socket as unknown as CountedSocket | null;
  if (socket === null || cap === 0) return true;
  const unsent = socket.writableLength ?? 0;
  const queued = socket[kQueued] ?? 0;
  if (res.socket !== null && unsent === 0 && queued === 0) return true; // straight out
  if (unsent + queued > 0 && unsent + queued + bytes > cap) {
    socket.destroy();
    return false;
  }
  socket[kQueued] = queued + bytes;
  (res as CountedResponse)[kBytes] = bytes;
  res.once('finish', onFinish);
  res.once('close', onFinish);
  return true;
}

function onFinish(this: CountedResponse): void {
  const bytes = this[kBytes];
  if (bytes === undefined) return;
  this[kBytes] = undefined;
  const socket = this.req.socket as unknown as CountedSocket | null;
  if (socket !== null) socket[kQueued] = Math.max(0, (socket[kQueued] ?? 0) - bytes);
}
