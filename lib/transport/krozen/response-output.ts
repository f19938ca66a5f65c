// Putting one response on a connection's socket: a whole response (head + body) in as few writes as
// possible — one native send when the addon can (direct-write.ts), else one socket write for a small body
// and a corked pair for a large one — and a streamed body, chunked or not, with backpressure.
import type { HttpSocket } from '../http-socket';
import type { Readable } from 'node:stream';
import { writeDirect } from './direct-write';
import { logError, fallbackLogger } from '../../base/logger';

/** Bodies up to this size are copied behind the head into one buffer: one write instead of a writev. */
const COPY_BODY_MAX = 16 * 1024;

/** Writes `head` (Latin-1) and `body` (a string as UTF-8) on `socket`; `direct`: try a direct write first. */
export function writeResponse(
  socket: HttpSocket,
  direct: boolean,
  head: string,
  latin1Head: boolean,
  body: string | Uint8Array | null,
): void {
  if (direct && writeDirect(socket, head, body)) return;
  if (body === null) {
    socket.write(head, 'latin1');
  } else if (typeof body === 'string') {
    if (!latin1Head) {
      socket.write(head + body);
    } else {
      socket.cork();
      socket.write(head, 'latin1');
      socket.write(body);
      socket.uncork();
    }
  } else if (body.length <= COPY_BODY_MAX) {
    const out = Buffer.allocUnsafe(head.length + body.length);
    out.write(head, 0, 'latin1');
    out.set(body, head.length);
    socket.write(out);
  } else {
    socket.cork();
    socket.write(head, 'latin1');
    socket.write(body);
    socket.uncork();
  }
}

/** What pipeResponseBody reports to its connection. */
export interface StreamOwner {
  /** The connection ended: what the body still yields is dropped. */
  ended(): boolean;
  /** The body was written whole (with its last chunk when chunked). */
  done(): void;
  /** The body failed after the head went out: the connection must be dropped. */
  failed(): void;
}

/** A streamed body on its way: the connection tells it of the socket's drain and close. */
export interface BodyPipe {
  /** It ended, failed or was dropped: nothing more is written. */
  readonly finished: boolean;
  /** The socket drained: the body, paused while the socket was full, goes on. */
  drained(): void;
  /** The socket closed: the body is destroyed. */
  closed(): void;
}

/**
 * Writes `body` after its head (already written): chunked framing when `chunked`, paused while the socket is
 * full (until the connection calls drained()).
 */
export function pipeResponseBody(socket: HttpSocket, body: Readable, chunked: boolean, owner: StreamOwner): BodyPipe {
  const pipe = {
    finished: false,
    drained(): void {
      if (!pipe.finished) body.resume();
    },
    closed(): void {
      if (pipe.finished) return;
      pipe.finished = true;
      body.destroy();
    },
  };
  body.on('data', (chunk: Buffer | string) => {
    if (pipe.finished || owner.ended()) return;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (bytes.length === 0) return;
    let ok: boolean;
    if (chunked) {
      socket.cork();
      socket.write(`${bytes.length.toString(16)}\r\n`, 'latin1');
      socket.write(bytes);
      ok = socket.write('\r\n', 'latin1');
      socket.uncork();
    } else {
      ok = socket.write(bytes);
    }
    if (!ok) body.pause();
  });
  body.once('end', () => {
    if (pipe.finished) return;
    pipe.finished = true;
    if (chunked && !owner.ended()) socket.write('0\r\n\r\n', 'latin1');
    owner.done();
  });
  body.once('error', (err: NodeJS.ErrnoException) => {
    if (pipe.finished) return;
    pipe.finished = true;
    if (err.code !== 'ERR_STREAM_PREMATURE_CLOSE') logError(fallbackLogger(), 'response stream failed', err);
    owner.failed();
  });
  return pipe;
}
