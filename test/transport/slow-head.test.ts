// A request head that arrives a byte at a time costs linear work on the krozen transport (issue 19): the
// bytes kept between reads grow in place (doubling), the search for the blank line resumes where it
// stopped, and the early check of a partial head resumes at its last complete line. Before, every read
// re-copied, re-searched and re-checked the whole head so far: quadratic in the head's size.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { Connection, type ConnectionOwner } from '../../lib/transport/krozen/connection';
import type { KrozenExchange } from '../../lib/transport/krozen/exchange';
import { keepAliveLines } from '../../lib/transport/krozen/writer';

/** Just what a Connection touches of a socket, recording what is written. */
class FakeSocket extends EventEmitter {
  remoteAddress = '127.0.0.1';
  writableLength = 0;
  written: string[] = [];
  destroyed = false;
  pause(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  write(data: string | Buffer): boolean {
    this.written.push(typeof data === 'string' ? data : data.toString('latin1'));
    return true;
  }
  end(data?: string): this {
    if (data !== undefined) this.written.push(data);
    return this;
  }
  destroy(): this {
    this.destroyed = true;
    return this;
  }
}

function connection(maxHeaderSize: number): { conn: Connection; socket: FakeSocket; seen: KrozenExchange[] } {
  const socket = new FakeSocket();
  const seen: KrozenExchange[] = [];
  const owner: ConnectionOwner = {
    handler: (request) => seen.push(request as KrozenExchange),
    limits: {
      maxHeaderSize,
      maxHeaderCount: 10_000,
      maxUrlLength: 8192,
      maxPipelined: 16,
      maxBackpressure: 0,
      keepAliveLines: keepAliveLines(5000),
    },
    closing: false,
    upgrade: () => undefined,
    release: () => undefined,
  };
  return { conn: new Connection(socket as unknown as Socket, owner, Date.now()), socket, seen };
}

/** A 32 KB head of many short field lines (the worst case for a per-line resume). */
function bigHead(): Buffer {
  let head = 'GET /slow HTTP/1.1\r\nHost: x\r\n';
  for (let i = 0; head.length < 32 * 1024; i++) head += `x-f${i}: v${i}\r\n`;
  return Buffer.from(`${head}\r\n`, 'latin1');
}

test('a 32 KB head fed a byte per read parses as when it comes whole, in linear time', () => {
  const head = bigHead();
  const whole = connection(64 * 1024);
  whole.conn.data(Buffer.from(head));
  expect(whole.seen).toHaveLength(1);

  const slow = connection(64 * 1024);
  const started = process.hrtime.bigint();
  for (let i = 0; i < head.length; i++) slow.conn.data(head.subarray(i, i + 1));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  expect(slow.seen).toHaveLength(1);
  expect(slow.seen[0].url).toBe('/slow');
  expect(slow.seen[0].headers).toEqual(whole.seen[0].headers);
  // Linear: a few ms here (quadratic re-copying and re-scanning of 32 KB a byte at a time took seconds).
  expect(ms).toBeLessThan(400);
});

test('a byte-a-read head that goes wrong is still refused at once, and one too large at the limit', () => {
  const bad = connection(64 * 1024);
  const text = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nx-ok: 1\r\nbad header: 2\r\n', 'latin1');
  for (let i = 0; i < text.length; i++) bad.conn.data(text.subarray(i, i + 1));
  expect(bad.seen).toHaveLength(0);
  expect(bad.socket.written.join('')).toMatch(/^HTTP\/1\.1 400 /);

  const large = connection(4096);
  const big = bigHead();
  let i = 0;
  for (; i < big.length && large.socket.written.length === 0; i++) large.conn.data(big.subarray(i, i + 1));
  expect(large.socket.written.join('')).toMatch(/^HTTP\/1\.1 431 /);
  expect(i).toBeLessThanOrEqual(4097);
});
