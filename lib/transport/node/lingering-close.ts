// A lingering close for node:http sockets. node:http destroys a socket as soon as the answer that closes it
// is written (socket.destroySoon()); when the client is still sending (a body refused with 413 mid-way),
// closing with its bytes unread makes the kernel send a reset, and a reset can drop the answer before the
// client reads it. Instead, as the krozen transport does: FIN after the answer, then read and drop what
// still comes until the client closes, for LINGER_MS at most.
import type { Socket } from 'node:net';

const LINGER_MS = 2000;

function lingerThenDestroy(this: Socket): void {
  linger(this);
}

function linger(socket: Socket): void {
  if (socket.destroyed) return;
  if (socket.writable) socket.end();
  const done = (): void => {
    clearTimeout(timer);
    socket.destroy();
  };
  const timer = setTimeout(done, LINGER_MS);
  timer.unref();
  socket.once('end', done);
  socket.once('close', () => clearTimeout(timer));
  socket.resume();
}

/** Makes node:http's close of `socket` a lingering one. */
export function lingerOnClose(socket: Socket): void {
  (socket as Socket & { destroySoon: () => void }).destroySoon = lingerThenDestroy;
}
