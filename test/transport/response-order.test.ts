// Answers in request order on a pipelined connection, whatever else happens on it (issue 19): an interim
// 100 Continue waits for the responses before it, a stalled next head never costs the answer before it, and
// a response that closes the connection stops the requests behind it from running. Both transports.
import * as net from 'node:net';
import { Readable } from 'node:stream';
import type { App } from '../../lib/app';
import type { Settings } from '../../lib/settings/index';
import { parseResponses, startApp, type Running } from '../helpers/server';
import { connectRaw } from '../helpers/tls-lane';

const TRANSPORTS = ['node', 'krozen'] as const;
const BIG = 5 * 1024 * 1024;

function routes(app: App, counts: { ran: number }): void {
  // Streamed as a file is (chunks read over time, a content-length known): where an early 100 slipped in.
  app.get('/big', () => ({
    body: Readable.from(chunks(BIG, 64 * 1024)),
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(BIG) },
  }));
  app.post('/echo', (req) => ({ body: req.body }));
  app.get('/slow', async (req) => {
    await new Promise((r) => setTimeout(r, Number(req.query.ms ?? 50)));
    return { body: { slow: true } };
  });
  app.get('/count', () => {
    counts.ran++;
    return { body: { ran: counts.ran } };
  });
}

async function* chunks(total: number, size: number): AsyncGenerator<Buffer> {
  for (let sent = 0; sent < total; sent += size) {
    await new Promise((r) => setImmediate(r));
    yield Buffer.alloc(Math.min(size, total - sent), 0x61);
  }
}

async function start(
  transport: string,
  overrides: Partial<Settings> = {},
): Promise<{ running: Running; counts: { ran: number } }> {
  const counts = { ran: 0 };
  const running = await startApp((app) => routes(app, counts), {
    transport: transport as Settings['transport'],
    ...overrides,
  });
  return { running, counts };
}

/** A raw connection that collects everything it receives. */
function open(port: number): Promise<{ socket: net.Socket; received: () => Buffer; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connectRaw(port);
    const chunks: Buffer[] = [];
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, received: () => Buffer.concat(chunks), closed }));
    socket.once('error', reject);
  });
}

async function until(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(TRANSPORTS)('response order on the %s transport', (transport) => {
  test('a pipelined 100 Continue comes after the streamed 5 MB response before it, never inside its body', async () => {
    const { running } = await start(transport);
    try {
      const conn = await open(running.port);
      conn.socket.write(
        'GET /big HTTP/1.1\r\nHost: x\r\n\r\n' +
          'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n',
      );
      const marker = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n');
      await until(() => conn.received().includes(marker), 10_000);
      const bytes = conn.received();
      const at = bytes.indexOf(marker);
      const first = parseResponses(bytes.subarray(0, at).toString('latin1'));
      expect(first).toHaveLength(1);
      expect(first[0].status).toBe(200);
      expect(first[0].body.length).toBe(BIG);
      // Nothing between the end of the first response and the interim one.
      expect(bytes.subarray(0, at).toString('latin1').endsWith('a'.repeat(64))).toBe(true);
      conn.socket.write('hello');
      const total = (): Buffer => conn.received().subarray(at + marker.length);
      await until(() => parseResponses(total().toString('latin1')).length === 1, 5000);
      const second = parseResponses(total().toString('latin1'));
      expect(second.map((r) => [r.status, r.body.replace(/"/g, '')])).toEqual([[200, 'hello']]);
      conn.socket.destroy();
    } finally {
      await running.stop();
    }
  }, 30_000);

  test('a next head that stalls: the answer before it still goes out, then 408 and close', async () => {
    const { running } = await start(transport, { headersTimeout: 400, requestTimeout: 1000 });
    try {
      const conn = await open(running.port);
      conn.socket.write('GET /slow?ms=800 HTTP/1.1\r\nHost: x\r\n\r\nGET /count HTTP/1.1\r\nHo');
      await conn.closed;
      const responses = parseResponses(conn.received().toString('latin1'));
      expect(responses[0].status).toBe(200);
      expect(JSON.parse(responses[0].body)).toEqual({ slow: true });
      // node:http answers 408 too; what matters most is that the first answer was not lost.
      expect(responses.slice(1).every((r) => r.status === 408)).toBe(true);
    } finally {
      await running.stop();
    }
  }, 15_000);

  test('a request pipelined behind a 413 that closes the connection is not run', async () => {
    const { running, counts } = await start(transport, { maxBodySize: 1024 });
    try {
      const conn = await open(running.port);
      const body = 'x'.repeat(4096);
      conn.socket.write(
        'GET /slow?ms=150 HTTP/1.1\r\nHost: x\r\n\r\n' +
          `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}` +
          'GET /count HTTP/1.1\r\nHost: x\r\n\r\n',
      );
      await conn.closed;
      const responses = parseResponses(conn.received().toString('latin1'));
      expect(responses.map((r) => r.status)).toEqual([200, 413]);
      expect(JSON.parse(responses[1].body).error).toMatch(/Payload Too Large/);
      expect(counts.ran).toBe(0);
    } finally {
      await running.stop();
    }
  }, 15_000);
});
