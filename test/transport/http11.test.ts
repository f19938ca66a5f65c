// HTTP/1.1 on the wire, on both transports: framing, keep-alive, pipelining, 100-continue, limits,
// timeouts, the connection cap and fault isolation. Raw sockets, because fetch cannot send these bytes.
import * as net from 'node:net';
import { Readable } from 'node:stream';
import type { App } from '../../lib/app';
import type { Settings } from '../../lib/settings/index';
import { parseResponses, rawRequest, startApp, type Running } from '../helpers/server';
import { connectRaw, TEST_TLS } from '../helpers/tls-lane';

const TRANSPORTS = ['node', 'krozen'] as const;

function routes(app: App): void {
  app.get('/json', () => ({ body: { ok: true } }));
  app.post('/echo', (req) => ({ body: req.body }));
  app.get('/slow', async (req) => {
    await new Promise((r) => setTimeout(r, Number(req.query.ms ?? 50)));
    return { body: { slow: req.query.n } };
  });
  app.get('/n', (req) => ({ body: { n: req.query.n } }));
  app.get('/big', () => ({ body: Buffer.alloc(100_000, 0x61) }));
  app.get('/stream', () => ({ body: Readable.from([Buffer.from('ab'), Buffer.from('cd')]) }));
  app.get('/ip', (req) => ({ body: { ip: req.remoteAddress } }));
  app.get('/inject', () => ({
    body: 'x',
    headers: { 'content-type': 'text/plain', 'x-a': 'a\r\nset-cookie: evil=1' },
  }));
  app.get('/no-content', () => ({ status: 204 }));
}

async function start(transport: string, overrides: Partial<Settings> = {}): Promise<Running> {
  return startApp(routes, { transport: transport as Settings['transport'], ...overrides });
}

/** Opens a socket and collects what it receives; `closed` resolves when the server ends it. */
function open(port: number): { socket: net.Socket; received: () => string; closed: Promise<string> } {
  const socket = connectRaw(port);
  let data = '';
  socket.on('data', (c) => (data += c.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(data)));
  return { socket, received: () => data, closed };
}

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(TRANSPORTS)('transport %s', (transport) => {
  let r: Running;
  beforeAll(async () => {
    r = await start(transport);
  });
  afterAll(() => r.stop());

  test('keep-alive on HTTP/1.1: two requests on one connection', async () => {
    const raw = await rawRequest(r.port, 'GET /json HTTP/1.1\r\nHost: x\r\n\r\nGET /n?n=2 HTTP/1.1\r\nHost: x\r\n\r\n');
    const res = parseResponses(raw);
    expect(res.map((x) => x.body)).toEqual(['{"ok":true}', '{"n":"2"}']);
    expect(res[0].headers.date).toMatch(/GMT$/);
  });

  test('a kept connection is told the keep-alive timeout (client pools drop idle sockets before the server does)', async () => {
    const kept = parseResponses(await rawRequest(r.port, 'GET /json HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(kept[0].headers['keep-alive']).toBe('timeout=5');
    const kept10 = parseResponses(await rawRequest(r.port, 'GET /json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'));
    expect(kept10[0].headers.connection).toBe('keep-alive');
    expect(kept10[0].headers['keep-alive']).toBe('timeout=5');
    const closing = parseResponses(
      await rawRequest(r.port, 'GET /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    );
    expect(closing[0].headers.connection).toBe('close');
    expect(closing[0].headers['keep-alive']).toBeUndefined();
  });

  test('pipelined requests are answered in request order, a slow first one included', async () => {
    const raw = await rawRequest(
      r.port,
      'GET /slow?n=1&ms=80 HTTP/1.1\r\nHost: x\r\n\r\nGET /n?n=2 HTTP/1.1\r\nHost: x\r\n\r\nGET /slow?n=3&ms=10 HTTP/1.1\r\nHost: x\r\n\r\n',
      400,
    );
    expect(parseResponses(raw).map((x) => x.body)).toEqual(['{"slow":"1"}', '{"n":"2"}', '{"slow":"3"}']);
  });

  test('40 pipelined requests in one write: all answered, in order', async () => {
    let wire = '';
    for (let i = 0; i < 40; i++) wire += `GET /n?n=${i} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const res = parseResponses(await rawRequest(r.port, wire, 400));
    expect(res.map((x) => JSON.parse(x.body).n)).toEqual(Array.from({ length: 40 }, (_, i) => String(i)));
  });

  test('Connection: close is answered with connection: close, then the server closes', async () => {
    const c = open(r.port);
    c.socket.write('GET /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /json HTTP/1.1\r\nHost: x\r\n\r\n');
    const res = parseResponses(await c.closed);
    expect(res[0].status).toBe(200);
    expect(res[0].headers.connection).toBe('close');
    // The request after it is not served (node:http answers those bytes with a 400, krozen drops them).
    expect(res.filter((x) => x.status === 200)).toHaveLength(1);
  });

  test('HTTP/1.0: closed after the response unless keep-alive is asked for', async () => {
    const c = open(r.port);
    c.socket.write('GET /json HTTP/1.0\r\n\r\n');
    expect(parseResponses(await c.closed)[0].body).toBe('{"ok":true}');
    const raw = await rawRequest(
      r.port,
      'GET /json HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /n?n=2 HTTP/1.0\r\n\r\n',
    );
    const res = parseResponses(raw);
    expect(res.map((x) => x.body)).toEqual(['{"ok":true}', '{"n":"2"}']);
    expect(res[0].headers.connection?.toLowerCase()).toBe('keep-alive');
  });

  test('HTTP/1.0 with Transfer-Encoding on a keep-alive connection: answered once, then closed (RFC 9112 §6.1)', async () => {
    const c = open(r.port);
    c.socket.write(
      'POST /echo HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n' +
        '7\r\n{"a":1}\r\n0\r\n\r\nGET /json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n',
    );
    const res = parseResponses(await c.closed);
    expect(res).toHaveLength(1);
    expect(res[0].body).toBe('{"a":1}');
  });

  test('chunked request body with extensions and trailers', async () => {
    const raw = await rawRequest(
      r.port,
      'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n' +
        '3;ext=1\r\n{"a\r\n4\r\n":1}\r\n0\r\nX-Trailer: yes\r\n\r\nGET /n?n=2 HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    expect(parseResponses(raw).map((x) => x.body)).toEqual(['{"a":1}', '{"n":"2"}']);
  });

  test('a body in many small pieces', async () => {
    const body = JSON.stringify({ text: 'x'.repeat(300) });
    const pieces: string[] = [
      `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    ];
    for (let i = 0; i < body.length; i += 7) pieces.push(body.slice(i, i + 7));
    const c = open(r.port);
    for (const p of pieces) {
      c.socket.write(p);
      await new Promise((res) => setImmediate(res));
    }
    await waitFor(() => c.received().includes('"}'));
    c.socket.destroy();
    expect(parseResponses(c.received())[0].body).toBe(body);
  });

  test.each([
    [
      'Content-Length with Transfer-Encoding',
      'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
    [
      'two differing Content-Lengths',
      'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd',
    ],
    ['chunked not last', 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n'],
    [
      'a non-hex chunk size',
      'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n',
    ],
    [
      'a chunk size that overflows',
      `POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${'f'.repeat(20)}\r\n`,
    ],
    ['whitespace before the colon', 'GET /json HTTP/1.1\r\nHost : x\r\n\r\n'],
    ['obs-fold', 'GET /json HTTP/1.1\r\nHost: x\r\nX-A: a\r\n  b\r\n\r\n'],
    ['NUL in a field value', 'GET /json HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n'],
    ['a bad method', 'G(T /json HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['HTTP/1.1 without Host', 'GET /json HTTP/1.1\r\nX-A: 1\r\n\r\n'],
    ['two Host fields', 'GET /json HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n'],
  ])('%s → 400 and the connection closes', async (_name, wire) => {
    const c = open(r.port);
    c.socket.write(wire);
    const res = parseResponses(await c.closed);
    expect(res).toHaveLength(1);
    expect(res[0].status).toBe(400);
    expect(JSON.parse(res[0].body)).toEqual({ error: 'Bad Request' });
    // The server serves everyone else.
    expect(parseResponses(await rawRequest(r.port, 'GET /json HTTP/1.1\r\nHost: x\r\n\r\n'))[0].status).toBe(200);
  });

  test('a head larger than maxHeaderSize → 431', async () => {
    const c = open(r.port);
    c.socket.write(`GET /json HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    const res = parseResponses(await c.closed);
    expect(res[0].status).toBe(431);
  });

  test('Expect: 100-continue gets "100 Continue" before the final answer', async () => {
    const c = open(r.port);
    c.socket.write(
      'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 7\r\nExpect: 100-continue\r\n\r\n',
    );
    await waitFor(() => c.received().includes('100 Continue'));
    expect(c.received()).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\n$/);
    c.socket.write('{"a":1}');
    await waitFor(() => c.received().includes('{"a":1}'));
    c.socket.destroy();
    expect(c.received()).toContain('HTTP/1.1 200 OK');
  });

  test('absolute-form target is routed by its path', async () => {
    const res = parseResponses(await rawRequest(r.port, 'GET http://example.com/json HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(res[0].status).toBe(transport === 'krozen' ? 200 : 404);
  });

  test("HEAD: GET's headers, no body, and the connection stays usable", async () => {
    const raw = await rawRequest(r.port, 'HEAD /big HTTP/1.1\r\nHost: x\r\n\r\nGET /json HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(raw).toContain('content-length: 100000');
    const second = raw.indexOf('HTTP/1.1 200', 10);
    expect(raw.slice(raw.indexOf('\r\n\r\n') + 4, second)).toBe('');
    expect(raw.endsWith('{"ok":true}')).toBe(true);
  });

  test('a large body and a streamed (chunked) body', async () => {
    const big = parseResponses(await rawRequest(r.port, 'GET /big HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(big[0].body).toBe('a'.repeat(100_000));
    const raw = await rawRequest(r.port, 'GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(raw.toLowerCase()).toContain('transfer-encoding: chunked');
    // Chunk boundaries carry no meaning (Node 24+ coalesces the two writes into one chunk): decode and compare.
    expect(raw.endsWith('0\r\n\r\n')).toBe(true);
    expect(decodeChunked(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toBe('abcd');
  });

  test('a header value with CR/LF is never written: 500 instead (no header injection)', async () => {
    const errors = jest.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const raw = await rawRequest(r.port, 'GET /inject HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(parseResponses(raw)[0].status).toBe(500);
      expect(raw.toLowerCase()).not.toContain('evil');
    } finally {
      errors.mockRestore();
    }
  });

  test('204: no body and no Content-Length (RFC 9110 §8.6); the connection stays usable', async () => {
    const raw = await rawRequest(
      r.port,
      'GET /no-content HTTP/1.1\r\nHost: x\r\n\r\nGET /json HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    expect(raw.startsWith('HTTP/1.1 204')).toBe(true);
    expect(raw.slice(0, raw.indexOf('\r\n\r\n')).toLowerCase()).not.toContain('content-length');
    expect(raw.endsWith('{"ok":true}')).toBe(true);
  });

  test('req.remoteAddress is the peer', async () => {
    const res = parseResponses(await rawRequest(r.port, 'GET /ip HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(JSON.parse(res[0].body).ip).toMatch(/127\.0\.0\.1/);
  });

  test('a client that vanishes mid-body or mid-response does not hurt the server', async () => {
    const c = open(r.port);
    c.socket.write('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"a"');
    await new Promise((res) => setTimeout(res, 30));
    c.socket.destroy();
    const d = open(r.port);
    d.socket.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => d.received().length > 0);
    d.socket.destroy();
    expect(parseResponses(await rawRequest(r.port, 'GET /json HTTP/1.1\r\nHost: x\r\n\r\n'))[0].status).toBe(200);
  });
});

describe.each(TRANSPORTS)('transport %s: limits and timeouts', (transport) => {
  test('maxConnections: past the cap a new connection gets 503 (over TLS: no answer) and is closed; the others keep working', async () => {
    const r = await start(transport, { maxConnections: 2 });
    try {
      const a = open(r.port);
      const b = open(r.port);
      a.socket.write('GET /json HTTP/1.1\r\nHost: x\r\n\r\n');
      b.socket.write('GET /json HTTP/1.1\r\nHost: x\r\n\r\n');
      await waitFor(() => a.received().includes('ok') && b.received().includes('ok'));
      const c = open(r.port);
      c.socket.write('GET /json HTTP/1.1\r\nHost: x\r\n\r\n');
      // Over TLS the refusal comes before the handshake: the connection is closed with no answer (a TLS
      // client cannot read a plaintext 503; test/tls.test.ts checks the same on a non-lane server).
      if (TEST_TLS) expect(await c.closed).toBe('');
      else expect(parseResponses(await c.closed)[0].status).toBe(503);
      a.socket.write('GET /n?n=2 HTTP/1.1\r\nHost: x\r\n\r\n');
      await waitFor(() => a.received().includes('"n":"2"'));
      a.socket.destroy();
      b.socket.destroy();
      await Promise.all([a.closed, b.closed]);
      await waitFor(() => true);
      const later = await rawRequest(r.port, 'GET /json HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(parseResponses(later)[0].status).toBe(200);
    } finally {
      await r.stop();
    }
  });

  test('keep-alive idle timeout closes an idle connection', async () => {
    const r = await start(transport, { keepAliveTimeout: 200 });
    try {
      const c = open(r.port);
      c.socket.write('GET /json HTTP/1.1\r\nHost: x\r\n\r\n');
      const t0 = Date.now();
      await c.closed;
      expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
      expect(parseResponses(c.received())[0].status).toBe(200);
    } finally {
      await r.stop();
    }
  });

  test('a head that never completes gets 408 and is closed', async () => {
    const r = await start(transport, { headersTimeout: 300, requestTimeout: 1000 });
    try {
      const c = open(r.port);
      c.socket.write('GET /json HTTP/1.1\r\nHost: x\r\n');
      const res = parseResponses(await c.closed);
      expect(res[0].status).toBe(408);
    } finally {
      await r.stop();
    }
  });

  test('a body that stalls past requestTimeout ends the connection with an error status', async () => {
    const r = await start(transport, { headersTimeout: 300, requestTimeout: 400 });
    try {
      const c = open(r.port);
      c.socket.write('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab');
      const res = parseResponses(await c.closed);
      expect(res[0].status).toBeGreaterThanOrEqual(400);
    } finally {
      await r.stop();
    }
  });
});

describe('krozen transport only (stricter than node:http, or node:http lacks it)', () => {
  let r: Running;
  beforeAll(async () => {
    r = await start('krozen', { maxHeaderCount: 10, maxUrlLength: 100 });
  });
  afterAll(() => r.stop());

  test.each([
    ['a target over maxUrlLength', 414, `GET /${'a'.repeat(200)} HTTP/1.1\r\nHost: x\r\n\r\n`],
    ['more fields than maxHeaderCount', 431, `GET /json HTTP/1.1\r\nHost: x\r\n${'X-A: 1\r\n'.repeat(11)}\r\n`],
    ['bare LF line endings', 400, 'GET /json HTTP/1.1\nHost: x\n\n'],
    ['HTTP/2.0 in the request line', 505, 'GET /json HTTP/2.0\r\nHost: x\r\n\r\n'],
    [
      'a transfer coding it does not implement',
      501,
      'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n',
    ],
    [
      'repeated equal Content-Lengths',
      400,
      'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab',
    ],
    ['an unknown expectation', 417, 'POST /echo HTTP/1.1\r\nHost: x\r\nExpect: x\r\nContent-Length: 2\r\n\r\nab'],
  ])('%s → %d', async (_name, status, wire) => {
    const c = open(r.port);
    c.socket.write(wire);
    expect(parseResponses(await c.closed)[0].status).toBe(status);
  });

  test('a slow reader: the server stops reading requests while responses pile up unread', async () => {
    let served = 0;
    const s = await startApp(
      (app) => {
        app.get('/big', () => {
          served++;
          return { body: Buffer.alloc(1 << 20, 0x62) };
        });
      },
      { transport: 'krozen' },
    );
    try {
      const c = connectRaw(s.port);
      c.on('error', () => {});
      await new Promise((res) => c.on('connect', res));
      c.pause(); // never reads
      let wire = '';
      for (let i = 0; i < 200; i++) wire += 'GET /big HTTP/1.1\r\nHost: x\r\n\r\n';
      c.write(wire);
      await new Promise((res) => setTimeout(res, 500));
      // 200 MiB were asked for; the kernel buffers hold a few MiB: reading stopped long before 200.
      expect(served).toBeGreaterThan(0);
      expect(served).toBeLessThan(40);
      c.destroy();
    } finally {
      await s.stop();
    }
  });

  test("a handler fault in one connection is that connection's only", async () => {
    const s = await startApp(
      (app) => {
        app.get('/boom', () => {
          throw new Error('boom');
        });
        app.get('/json', () => ({ body: { ok: true } }));
      },
      { transport: 'krozen' },
    );
    const errors = jest.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const res = parseResponses(
        await rawRequest(s.port, 'GET /boom HTTP/1.1\r\nHost: x\r\n\r\nGET /json HTTP/1.1\r\nHost: x\r\n\r\n'),
      );
      expect(res.map((x) => x.status)).toEqual([500, 200]);
    } finally {
      errors.mockRestore();
      await s.stop();
    }
  });
});

/** Decodes a chunked body (no trailers), checking each chunk's size line; throws on a framing error. */
function decodeChunked(body: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    if (eol < 0) throw new Error('chunk size line without CRLF');
    const size = parseInt(body.slice(at, eol), 16);
    if (!Number.isFinite(size)) throw new Error(`bad chunk size ${JSON.stringify(body.slice(at, eol))}`);
    at = eol + 2;
    if (size === 0) return out;
    out += body.slice(at, at + size);
    if (body.slice(at + size, at + size + 2) !== '\r\n') throw new Error('chunk data not followed by CRLF');
    at += size + 2;
  }
}
