// Handlers and responses (pykrozen.md's table and helpers), at the wire.
import { Readable } from 'node:stream';
import { html, text, error, Response } from '../../lib/http/response';
import { startApp, request, rawRequest, parseResponses, type Running } from '../helpers/server';
import { TEST_HTTP2 } from '../helpers/tls-lane';

let r: Running;
beforeAll(async () => {
  r = await startApp((app) => {
    app.get('/html', () => html('<h1>hi ✓</h1>', 201));
    app.get('/text', () => text('plain ✓'));
    app.get('/error', () => error('bad thing'));
    app.get('/error-404', () => error('no such thing', 404));
    app.get('/buffer', () => ({ body: Buffer.from([0, 1, 2, 255]) }));
    app.get('/buffer-typed', () => ({ body: Buffer.from('GIF89a'), headers: { 'Content-Type': 'image/gif' } }));
    app.get('/string', () => ({ body: 'a "quoted" string' }));
    app.get('/string-typed', () => ({ body: '<svg/>', headers: { 'content-type': 'image/svg+xml' } }));
    app.get('/number', () => ({ body: 42 }));
    app.get('/boolean', () => ({ body: false }));
    app.get('/null', () => ({ body: null }));
    app.get('/array', () => ({ body: [1, 'two', { three: 3 }] }));
    app.get('/no-body', () => ({ status: 204 }));
    app.get('/status/:code', (req) => ({ status: Number(req.params.code), body: { code: Number(req.params.code) } }));
    app.get('/response', () => new Response({ made: 'by Response' }, 202, { 'x-kind': 'class' }));
    app.get('/async', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { body: { async: true } };
    });
    app.get('/async-nothing', async () => undefined);
    app.get('/stream', () => ({
      body: Readable.from([Buffer.from('chunk1,'), Buffer.from('chunk2')]),
      headers: { 'content-type': 'text/plain' },
    }));
    app.get('/stream-error', () => ({
      body: new Readable({
        read() {
          this.push('partial');
          this.destroy(new Error('disk on fire'));
        },
      }),
    }));
    app.get('/headers', (req) => ({
      body: { custom: req.headers['x-custom'], all: Object.keys(req.headers).filter((h) => h.startsWith('x-')) },
    }));
    app.get('/cycle', () => {
      const o: Record<string, unknown> = {};
      o.self = o;
      return { body: o };
    });
    app.get('/bigint', () => ({ body: { n: BigInt(1) } }));
    app.get('/bad-status', () => ({ status: 42 }));
    app.get('/multi-header', () => ({ body: {}, headers: { 'set-cookie': ['a=1', 'b=2'], 'x-num': 7 } }));
  });
});
afterAll(() => r.stop());

let errorSpy: jest.SpyInstance;
beforeEach(() => {
  errorSpy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => errorSpy.mockRestore());

test('html(content, status) sets text/html', async () => {
  const res = await fetch(`${r.base}/html`);
  expect(res.status).toBe(201);
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(await res.text()).toBe('<h1>hi ✓</h1>');
});

test('text(content) sets text/plain', async () => {
  const res = await fetch(`${r.base}/text`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength('plain ✓')));
  expect(await res.text()).toBe('plain ✓');
});

test('error(message) → 400 {error}; error(message, status)', async () => {
  const a = await fetch(`${r.base}/error`);
  expect(a.status).toBe(400);
  expect(await a.json()).toEqual({ error: 'bad thing' });
  const b = await fetch(`${r.base}/error-404`);
  expect(b.status).toBe(404);
  expect(await b.json()).toEqual({ error: 'no such thing' });
});

test('a Buffer is sent as is, octet-stream unless typed', async () => {
  const a = await fetch(`${r.base}/buffer`);
  expect(a.headers.get('content-type')).toBe('application/octet-stream');
  expect([...new Uint8Array(await a.arrayBuffer())]).toEqual([0, 1, 2, 255]);
  const b = await fetch(`${r.base}/buffer-typed`);
  expect(b.headers.get('content-type')).toBe('image/gif');
  expect(await b.text()).toBe('GIF89a');
});

test('a string without a content type is JSON; with one it is sent as is', async () => {
  const a = await fetch(`${r.base}/string`);
  expect(a.headers.get('content-type')).toBe('application/json');
  expect(await a.text()).toBe('"a \\"quoted\\" string"');
  const b = await fetch(`${r.base}/string-typed`);
  expect(b.headers.get('content-type')).toBe('image/svg+xml');
  expect(await b.text()).toBe('<svg/>');
});

test.each([
  ['/number', '42'],
  ['/boolean', 'false'],
  ['/null', 'null'],
  ['/array', '[1,"two",{"three":3}]'],
])('%s is JSON', async (path, expected) => {
  const res = await fetch(`${r.base}${path}`);
  expect(res.headers.get('content-type')).toBe('application/json');
  expect(await res.text()).toBe(expected);
});

test('a status without a body sends no body', async () => {
  const res = await request(r.port, { path: '/no-body' });
  expect(res.status).toBe(204);
  expect(res.body.length).toBe(0);
});

test('reason phrases are the right ones', async () => {
  for (const [code, reason] of [
    [201, 'Created'],
    [418, "I'm a Teapot"],
    [422, 'Unprocessable Entity'],
    [503, 'Service Unavailable'],
  ] as const) {
    const res = await request(r.port, { path: `/status/${code}` });
    expect(res.status).toBe(code);
    expect(res.statusText).toBe(reason);
  }
});

test('a Response object works as a return value', async () => {
  const res = await fetch(`${r.base}/response`);
  expect(res.status).toBe(202);
  expect(res.headers.get('x-kind')).toBe('class');
  expect(await res.json()).toEqual({ made: 'by Response' });
});

test('async handlers, including one returning nothing', async () => {
  expect(await (await fetch(`${r.base}/async`)).json()).toEqual({ async: true });
  const res = await fetch(`${r.base}/async-nothing`);
  expect(res.status).toBe(200);
  expect(await res.text()).toBe('{}');
});

test('a Readable body is streamed', async () => {
  const res = await fetch(`${r.base}/stream`);
  expect(res.headers.get('content-type')).toBe('text/plain');
  // HTTP/2 frames the body itself (no Transfer-Encoding); either way no length is announced.
  expect(res.headers.get('transfer-encoding')).toBe(TEST_HTTP2 ? null : 'chunked');
  expect(res.headers.get('content-length')).toBeNull();
  expect(await res.text()).toBe('chunk1,chunk2');
});

test('a stream that fails mid-way cuts the connection and the server keeps serving', async () => {
  await expect(fetch(`${r.base}/stream-error`).then((res) => res.text())).rejects.toThrow();
  expect(errorSpy).toHaveBeenCalled();
  expect((await fetch(`${r.base}/number`)).status).toBe(200);
});

test('HEAD: the headers GET would send, no body', async () => {
  const get = await request(r.port, { path: '/array' });
  const head = await request(r.port, { method: 'HEAD', path: '/array' });
  expect(head.status).toBe(200);
  expect(head.headers['content-length']).toBe(get.headers['content-length']);
  expect(head.headers['content-type']).toBe('application/json');
  expect(head.body.length).toBe(0);
  const stream = await request(r.port, { method: 'HEAD', path: '/stream' });
  expect(stream.status).toBe(200);
  expect(stream.body.length).toBe(0);
});

test('HEAD on the wire has no body bytes (the next pipelined response follows at once)', async () => {
  const raw = await rawRequest(
    r.port,
    'HEAD /number HTTP/1.1\r\nHost: x\r\n\r\nGET /boolean HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  );
  expect(raw.startsWith('HTTP/1.1 200 OK')).toBe(true);
  const second = raw.indexOf('HTTP/1.1 200 OK', 10);
  expect(raw.slice(raw.indexOf('\r\n\r\n') + 4, second)).toBe('');
  expect(raw.endsWith('false')).toBe(true);
});

test('OPTIONS → 204 with Allow; 404 for an unknown path', async () => {
  const res = await request(r.port, { method: 'OPTIONS', path: '/array' });
  expect(res.status).toBe(204);
  expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
  expect(res.body.length).toBe(0);
  expect((await request(r.port, { method: 'OPTIONS', path: '/nope' })).status).toBe(404);
});

test('request header names are case-insensitive (lower-case keys)', async () => {
  const res = await request(r.port, { path: '/headers', headers: { 'X-Custom': 'yes', 'X-OTHER': '1' } });
  expect(JSON.parse(res.text)).toEqual({ custom: 'yes', all: ['x-custom', 'x-other'] });
});

test('array and number header values', async () => {
  const res = await request(r.port, { path: '/multi-header' });
  expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
  expect(res.headers['x-num']).toBe('7');
});

test.each(['/cycle', '/bigint', '/bad-status'])(
  'a response that cannot be sent (%s) → 500, logged, server lives',
  async (path) => {
    const res = await fetch(`${r.base}${path}`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'Internal Server Error' });
    expect(errorSpy).toHaveBeenCalled();
    expect((await fetch(`${r.base}/number`)).status).toBe(200);
  },
);

test('malformed request → 400 {"error":"Bad Request"} and the connection closes', async () => {
  const raw = await rawRequest(r.port, 'THIS IS NOT HTTP\r\n\r\n');
  const [res] = parseResponses(raw);
  expect(res.status).toBe(400);
  expect(res.headers.connection).toBe('close');
  expect(JSON.parse(res.body)).toEqual({ error: 'Bad Request' });
  expect((await fetch(`${r.base}/number`)).status).toBe(200);
});
