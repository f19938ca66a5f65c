// Bodies and readers for the send-deadline tests: a large body made as it is read (nothing holds it whole),
// and a client that reads a paused socket a little at a time.
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';

/** A 50 MB body made 64 KiB at a time as it is read. */
export function bigStream(): Readable {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let left = 800;
  return new Readable({
    read() {
      this.push(left-- > 0 ? chunk : null);
    },
  });
}

/**
 * Reads about `perTick` bytes off a paused socket every 100 ms for `ms`; resolves with the bytes read. A
 * budget, spent as bytes arrive: a TLS socket holds only one record or so at a time (the rest comes after
 * the read that asks for it), so one read() loop per tick would read less over TLS than over TCP.
 */
export async function readSlowly(socket: Socket, perTick: number, ms: number): Promise<number> {
  let received = 0;
  let budget = 0;
  const take = (): void => {
    while (budget > 0) {
      const chunk = socket.read() as Buffer | null;
      if (chunk === null) return;
      budget -= chunk.length;
      received += chunk.length;
    }
  };
  socket.on('readable', take);
  const reader = setInterval(() => {
    budget = perTick;
    take();
  }, 100);
  await new Promise((resolve) => setTimeout(resolve, ms));
  clearInterval(reader);
  socket.off('readable', take);
  return received;
}
