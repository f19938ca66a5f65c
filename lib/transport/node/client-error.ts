// node:http's 'clientError': a request it could not parse, or one that timed out. The client gets a JSON
// error (400, 408 or 431) and the connection closes. This runs inside node:http's event emission, where a
// throw ends the process; the keep-alive case (a good request answered, then a malformed one on the same
// connection, when node:http has set socket._httpMessage to null) once did exactly that (issue 9).
import type { Duplex } from 'node:stream';
import { listenerFault } from '../../base/listener-guard';
import { inFlightResponse, requestStillArriving } from '../../base/node-internals';
import { errorResponse } from '../error-response';

const CLIENT_ERROR_STATUS: Record<string, [number, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
};

/** A request node:http could not parse (or that timed out): a JSON error, then the connection closes. */
export function onClientError(err: NodeJS.ErrnoException | null | undefined, socket: Duplex): void {
  try {
    answerClientError(err, socket);
  } catch (fault) {
    listenerFault('clientError', fault, socket);
  }
}

/** Sockets already answered: node:http reports every later parse error of the same socket again. */
const answered = new WeakSet<Duplex>();
/** Sockets whose current answer ends the connection (Connection: close): bytes after it get no answer. */
const closing = new WeakSet<object>();

/** The answer being made on `socket` closes it: a parse error behind it is not answered (server.ts). */
export function markClosing(socket: object | null): void {
  if (socket !== null) closing.add(socket);
}

/** Whether an answer on `socket` closes it: a request parsed behind it is not run (server.ts). */
export function isClosing(socket: object | null): boolean {
  return socket !== null && closing.has(socket);
}

function answerClientError(err: NodeJS.ErrnoException | null | undefined, socket: Duplex): void {
  if (answered.has(socket)) return;
  answered.add(socket);
  const code = err?.code ?? '';
  if (code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  if (closing.has(socket)) {
    // RFC 9112 §9.6: nothing is sent after the answer that closes the connection, so what the client sent
    // behind it is ignored. node:http ends the socket once that answer is out; if it is out already, now.
    const last = inFlightResponse(socket);
    if (last !== null && requestStillArriving(last) && !last.headersSent) {
      // Not behind it: in its own body, cut short (the client closed mid-upload). Nothing answers it
      // otherwise, and it would wait for the rest forever; the close that follows aborts it.
      writeClientError(code, socket);
      return;
    }
    if (last === null || last.writableEnded) socket.end();
    return;
  }
  // A pipelined request that failed behind one still being answered: that answer goes out first.
  const inFlight = inFlightResponse(socket);
  if (inFlight !== null && !inFlight.writableFinished) {
    if (requestStillArriving(inFlight)) {
      // The error is in the body of the request being answered: it gets the error, unless its answer began.
      if (inFlight.headersSent) socket.destroy();
      else writeClientError(code, socket);
      return;
    }
    inFlight.once('finish', () => {
      try {
        writeClientError(code, socket);
      } catch (fault) {
        listenerFault('clientError', fault, socket);
      }
    });
    return;
  }
  writeClientError(code, socket);
}

function writeClientError(code: string, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason] = CLIENT_ERROR_STATUS[code] ?? [400, 'Bad Request'];
  socket.end(errorResponse(status, reason));
}
