// The HTTP/2 feature table's app and its cases: one app with a route per pipeline feature, and the
// checks each client (node:http2, curl) must pass against it over h2 (TLS, ALPN) and h2c.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { Readable } from 'node:stream';
import type { App } from '../../lib/app';
import type { KrozenRequest } from '../../lib/http/request';
import type { MemoryFile } from '../../lib/features/upload-storage';
import { MULTIPART_TYPE, multipart } from '../fixtures/multipart';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/** One request over whichever client the table runs with. */
export type Send = (path: string, opts?: SendOptions) => Promise<Reply>;

export const STATIC_TEXT = 'hello from a static file over HTTP/2\n'.repeat(100);

/** Writes `dir/public/hello.txt` and registers every route of the table on `app`. */
export function featureApp(app: App, dir: string): void {
  fs.mkdirSync(path.join(dir, 'public'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'public', 'hello.txt'), STATIC_TEXT);
  app.use((req, res) => {
    if (req.path === '/mw') res.headers['x-middleware'] = 'ran';
  });
  app.on('http:get', ({ req, res }) => {
    if (req.path === '/hooked') res.headers['x-hook'] = 'get';
  });
  app.on('error', (ctx) => {
    if (ctx.req.path !== '/throws') return;
    ctx.res.status = 503;
    ctx.res.body = { error: 'handled', reason: (ctx.error as Error).message };
  });
  app.get('/users/:id', (req) => ({
    body: { id: req.params.id, q: req.query, version: (req as unknown as KrozenRequest).transport.httpVersion },
  }));
  app.get('/hooked', () => ({ body: { ok: true } }));
  app.get('/mw', () => ({ body: { ok: true } }));
  app.get('/cookies', (req) => ({
    body: { cookies: req.cookies },
    headers: { 'set-cookie': ['a=1; Path=/', 'b=2; Path=/'] },
  }));
  app.get('/big', () => ({ body: { list: Array.from({ length: 2000 }, (_, i) => `item ${i}`) } }));
  app.get('/stream', () => ({
    body: Readable.from([Buffer.from('chunk1,'), Buffer.from('chunk2')]),
    headers: { 'content-type': 'text/plain' },
  }));
  app.get('/throws', () => {
    throw new Error('boom');
  });
  app.post('/orders', (req) => ({ status: 201, body: { got: req.body } }), {
    schema: {
      body: {
        type: 'object',
        properties: { qty: { type: 'integer', minimum: 1 } },
        required: ['qty'],
      },
    },
  });
  app.upload(
    '/upload',
    (files) => ({ body: { files: (files as MemoryFile[]).map((f) => ({ name: f.filename, size: f.size })) } }),
    { storage: 'memory' },
  );
  app.serveStatic('/static', { root: path.join(dir, 'public') });
}

const json = (r: Reply): unknown => JSON.parse(r.body.toString());

/** [name, check]: each check sends what it needs and asserts (jest expect) on the replies. */
export const CASES: Array<[string, (send: Send) => Promise<void>]> = [
  [
    'route params and query, httpVersion 2.0',
    async (send) => {
      const r = await send('/users/42?a=1&b=x');
      expect(r.status).toBe(200);
      expect(json(r)).toEqual({ id: '42', q: { a: '1', b: 'x' }, version: '2.0' });
    },
  ],
  [
    'JSON body accepted by the schema (201) and refused (400)',
    async (send) => {
      const ok = await send('/orders', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"qty":3}',
      });
      expect(ok.status).toBe(201);
      expect(json(ok)).toEqual({ got: { qty: 3 } });
      const bad = await send('/orders', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"qty":0}',
      });
      expect(bad.status).toBe(400);
      expect(json(bad)).toMatchObject({ error: expect.any(String) });
    },
  ],
  [
    '404 and 405 JSON errors',
    async (send) => {
      const missing = await send('/nope');
      expect(missing.status).toBe(404);
      expect(json(missing)).toEqual({ error: 'Not Found', method: 'GET', path: '/nope' });
      const wrong = await send('/hooked', { method: 'DELETE' });
      expect(wrong.status).toBe(405);
      expect(wrong.headers.allow).toBe('GET, HEAD, OPTIONS');
    },
  ],
  [
    'hooks and middleware',
    async (send) => {
      expect((await send('/hooked')).headers['x-hook']).toBe('get');
      expect((await send('/mw')).headers['x-middleware']).toBe('ran');
    },
  ],
  [
    'cookies in and set-cookie out',
    async (send) => {
      const r = await send('/cookies', { headers: { cookie: 'x=1; y=2' } });
      expect(json(r)).toEqual({ cookies: { x: '1', y: '2' } });
      expect(r.headers['set-cookie']).toBe('a=1; Path=/, b=2; Path=/');
    },
  ],
  [
    'compression: gzip and br by accept-encoding',
    async (send) => {
      const gz = await send('/big', { headers: { 'accept-encoding': 'gzip' } });
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(JSON.parse(zlib.gunzipSync(gz.body).toString()).list).toHaveLength(2000);
      const br = await send('/big', { headers: { 'accept-encoding': 'br' } });
      expect(br.headers['content-encoding']).toBe('br');
      expect(JSON.parse(zlib.brotliDecompressSync(br.body).toString()).list).toHaveLength(2000);
    },
  ],
  [
    'static file, Range (206) and If-None-Match (304)',
    async (send) => {
      const whole = await send('/static/hello.txt');
      expect(whole.status).toBe(200);
      expect(whole.body.toString()).toBe(STATIC_TEXT);
      const part = await send('/static/hello.txt', { headers: { range: 'bytes=0-4' } });
      expect(part.status).toBe(206);
      expect(part.body.toString()).toBe('hello');
      expect(part.headers['content-range']).toBe(`bytes 0-4/${STATIC_TEXT.length}`);
      const etag = whole.headers.etag;
      expect(etag).toBeDefined();
      const same = await send('/static/hello.txt', { headers: { 'if-none-match': etag } });
      expect(same.status).toBe(304);
      expect(same.body.length).toBe(0);
    },
  ],
  [
    'multipart upload',
    async (send) => {
      const body = multipart([
        { name: 'f', filename: 'a.bin', content: Buffer.alloc(100_000, 7) },
        { name: 'g', filename: 'b.txt', content: 'hi' },
      ]);
      const r = await send('/upload', { method: 'POST', headers: { 'content-type': MULTIPART_TYPE }, body });
      expect(r.status).toBe(200);
      expect(json(r)).toEqual({
        files: [
          { name: 'a.bin', size: 100_000 },
          { name: 'b.txt', size: 2 },
        ],
      });
    },
  ],
  [
    'streaming response',
    async (send) => {
      const r = await send('/stream');
      expect(r.status).toBe(200);
      expect(r.body.toString()).toBe('chunk1,chunk2');
    },
  ],
  [
    'HEAD: the GET headers, no body',
    async (send) => {
      const r = await send('/users/1', { method: 'HEAD' });
      expect(r.status).toBe(200);
      expect(r.headers['content-length']).toBe(String((await send('/users/1')).body.length));
      expect(r.body.length).toBe(0);
    },
  ],
  [
    'a body over maxBodySize: 413, and the session serves the next request',
    async (send) => {
      const r = await send('/orders', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Buffer.alloc(300_000, 0x20),
      });
      expect(r.status).toBe(413);
      expect((await send('/users/7')).status).toBe(200);
    },
  ],
  [
    'the error hook shapes a thrown error',
    async (send) => {
      const r = await send('/throws');
      expect(r.status).toBe(503);
      expect(json(r)).toEqual({ error: 'handled', reason: 'boom' });
    },
  ],
];
