// Issue 9 §2: while an async ws:message / ws:connect hook is pending, the connection's later messages wait
// in a queue. The queue is bounded in bytes (settings.wsMaxQueuedBytes) as well as in messages: past the
// bound the socket stops reading, so one client cannot make the server hold gigabytes. Measured in a child
// process (its RSS alone); then the hook resolves and every message is handled, none lost or reordered.
import * as net from 'node:net';
import { killChild, startChild, type Child } from '../helpers/child';
import { request } from '../helpers/server';
import { handshakeRequest } from './helpers';
import { connectRaw } from '../helpers/tls-lane';

const MESSAGE = 8 * 1024 * 1024;
const MiB = 1024 * 1024;
const DEFAULT_BOUND = 4 * MiB;

async function memory(child: Child): Promise<{ rss: number; arrayBuffers: number; received: number }> {
  const res = await request(child.port, { path: '/memory' });
  return JSON.parse(res.text);
}

/** A masked (key 0) binary frame of MESSAGE bytes: header + sequence number, then the shared tail. */
function frameHead(seq: number): Buffer {
  const head = Buffer.alloc(14 + 4);
  head[0] = 0x82;
  head[1] = 0x80 | 127;
  head.writeUInt32BE(0, 2);
  head.writeUInt32BE(MESSAGE, 6);
  head.writeUInt32BE(0, 10); // mask key 0: the payload goes as is
  head.writeUInt32BE(seq, 14);
  return head;
}

interface Flood {
  sent(): number;
  replies: string[];
  done: Promise<void>;
  socket: net.Socket;
}

async function flood(port: number, COUNT: number): Promise<Flood> {
  const socket = connectRaw(port);
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(handshakeRequest());
  let pending = Buffer.alloc(0);
  let upgraded = false;
  const replies: string[] = [];
  let allReplies: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allReplies = resolve));
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    if (!upgraded) {
      const end = pending.indexOf('\r\n\r\n');
      if (end === -1) return;
      expect(pending.subarray(0, 12).toString()).toBe('HTTP/1.1 101');
      upgraded = true;
      pending = pending.subarray(end + 4);
    }
    // Server frames here are small unmasked text frames.
    while (pending.length >= 2 && pending.length >= 2 + (pending[1] & 0x7f)) {
      const length = pending[1] & 0x7f;
      replies.push(pending.subarray(2, 2 + length).toString());
      pending = pending.subarray(2 + length);
    }
    if (replies.length === COUNT) allReplies();
  });
  await new Promise<void>((resolve) => {
    const check = (): void => (upgraded ? resolve() : void setTimeout(check, 5));
    check();
  });
  const tail = Buffer.alloc(MESSAGE - 4, 0x5a);
  let sent = 0;
  void (async () => {
    for (let i = 0; i < COUNT && !socket.destroyed; i++) {
      socket.write(frameHead(i));
      const ok = socket.write(tail);
      sent = i + 1;
      if (!ok) await new Promise((resolve) => socket.once('drain', resolve));
    }
  })();
  return { sent: () => sent, replies, done, socket };
}

/** Resolves once the server stopped reading: no progress on the client's writes for `quietMs`. */
async function stalled(f: Flood, COUNT: number, quietMs = 1500): Promise<void> {
  let last = -1;
  let since = Date.now();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = f.sent();
    if (now === COUNT) throw new Error('every message was accepted: the server never stopped reading');
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return;
    }
  }
}

// The figures: 250 × 8 MiB through ws:message (2 GB), 125 × 8 MiB through ws:connect (1 GB).
describe.each([
  ['ws:message', 'message', 250],
  ['ws:connect', 'connect', 125],
])('%s hook that awaits (%s), %i messages of 8 MiB', (_name, hold, COUNT) => {
  test('reading stops at the byte bound; after release every message is handled in order', async () => {
    const child = await startChild({ HOLD: hold }, 20000, './test/helpers/ws-hold-app.ts');
    try {
      const before = await memory(child);
      const f = await flood(child.port, COUNT);
      await stalled(f, COUNT);
      const held = await memory(child);
      const grew = held.rss - before.rss;
      // The bound, plus the message the hook holds, the one that crossed the bound and the one being read.
      const limit = DEFAULT_BOUND + 3 * MESSAGE + 32 * MiB;
      expect(grew).toBeLessThan(limit);
      expect(held.received).toBeLessThanOrEqual(2);
      process.stdout.write(
        `queue-bytes ${hold}: RSS +${(grew / MiB).toFixed(1)} MiB while held (limit ${(limit / MiB).toFixed(0)} MiB), client wrote ${f.sent()} of ${COUNT}\n`,
      );

      await request(child.port, { path: '/release' });
      await f.done;
      const expected = Array.from({ length: COUNT }, (_, i) => `${i}:${MESSAGE}:${0x5a}`);
      expect(f.replies).toEqual(expected);
      f.socket.destroy();
      const after = await memory(child);
      expect(after.received).toBe(COUNT);
      expect(child.proc.exitCode).toBeNull();
    } finally {
      await killChild(child);
    }
  }, 120_000);
});
