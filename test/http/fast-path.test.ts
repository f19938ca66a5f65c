// The pipeline sends a handler's result straight to the wire when no middleware or hook can see a
// Response; with hooks it goes through one. Both must give the same bytes (Date aside). Also: the
// callback body reader across aborts, and req.extra created on first use.
import { Readable } from 'node:stream';
import type { App } from '../../lib/app';
import { Response } from '../../lib/http/response';
import { startApp, request, type Running } from '../helpers/server';
import { connectRaw } from '../helpers/tls-lane';

function routes(app: App): void {
  app.get('/nothing', () => undefined);
  app.get('/object', () => ({ body: { a: [1, 'é'] } }));
  app.get('/status', () => ({ status: 201, body: 'made' }));
  app.get('/headers', () => ({
    body: { ok: true },
    headers: { 'X-Mixed-Case': 'v', 'Content-Type': 'application/vnd.x+json', 'x-list': ['a', 'b'] },
  }));
  app.get('/text', () => ({ body: 'plain ✓', headers: { 'content-type': 'text/plain; charset=utf-8' } }));
  app.get('/bytes', () => ({ body: Buffer.from([0, 1, 255]) }));
  app.get('/empty', () => ({ status: 204 }));
  app.get('/stream', () => ({ body: Readable.from([Buffer.from('ab'), Buffer.from('cd')]) }));
  app.get('/async', async () => ({ status: 202, body: { later: true } }));
  app.get('/response', () => new Response({ r: 1 }, 203, { 'x-r': 'yes' }));
  app.get('/unencodable', () => ({ body: { n: BigInt(1) } }));
  app.get('/throws', () => {
    throw new Error('boom');
  });
  app.post('/echo', (req) => ({ body: req.body }));
}

const PATHS = [
  '/nothing',
  '/object',
  '/status',
  '/headers',
  '/text',
  '/bytes',
  '/empty',
  '/stream',
  '/async',
  '/response',
  '/unencodable',
  '/throws',
  '/missing',
];

let errorSpy: jest.SpyInstance;
let plain: Running;
let observed: Running;
const seen: string[] = [];
beforeAll(async () => {
  errorSpy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  plain = await startApp(routes);
  observed = await startApp((app) => {
    routes(app);
    // Hooks that look but change nothing: the Response path must answer exactly like the direct one.
    app.on('http:get', ({ req }: { req: { path: string } }) => {
      seen.push(req.path);
    });
    app.on('http:get:after', () => undefined);
    app.on('http:post:after', () => undefined);
  });
});
afterAll(async () => {
  await plain.stop();
  await observed.stop();
  errorSpy.mockRestore();
});

function comparable(res: { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }) {
  const { date, ...headers } = res.headers;
  expect(typeof date).toBe('string');
  return { status: res.status, headers, body: res.body.toString('base64') };
}

describe('direct send and Response path give the same answer', () => {
  test.each(PATHS)('GET %s', async (path) => {
    const a = comparable(await request(plain.port, { path }));
    const b = comparable(await request(observed.port, { path }));
    expect(a).toEqual(b);
    expect(seen).toContain(path);
  });

  test('HEAD is GET without the body, on both', async () => {
    for (const path of ['/object', '/headers', '/text', '/nothing']) {
      const get = await request(plain.port, { path });
      const a = await request(plain.port, { method: 'HEAD', path });
      const b = await request(observed.port, { method: 'HEAD', path });
      expect(a.body.length).toBe(0);
      expect(comparable(a)).toEqual(comparable(b));
      expect(a.headers['content-length']).toBe(get.headers['content-length']);
    }
  });

  test('the shapes are what the rules say', async () => {
    const headers = await request(plain.port, { path: '/headers' });
    expect(headers.headers['x-mixed-case']).toBe('v');
    expect(headers.headers['content-type']).toBe('application/vnd.x+json');
    expect(headers.headers['x-list']).toBe('a, b');
    const nothing = await request(plain.port, { path: '/nothing' });
    expect(nothing.status).toBe(200);
    expect(nothing.text).toBe('{}');
    const bytes = await request(plain.port, { path: '/bytes' });
    expect(bytes.headers['content-type']).toBe('application/octet-stream');
    expect([...bytes.body]).toEqual([0, 1, 255]);
    // RFC 9110 §8.6: a 204 carries no Content-Length.
    const empty = await request(plain.port, { path: '/empty' });
    expect(empty.status).toBe(204);
    expect(empty.headers['content-length']).toBeUndefined();
    expect((await request(plain.port, { path: '/stream' })).text).toBe('abcd');
    const unencodable = await request(plain.port, { path: '/unencodable' });
    expect(unencodable.status).toBe(500);
    expect(JSON.parse(unencodable.text)).toEqual({ error: 'Internal Server Error' });
  });

  test('POST bodies the same way on both', async () => {
    const body = JSON.stringify({ id: 1, tags: ['x'], note: 'ü' });
    const options = {
      method: 'POST',
      path: '/echo',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      body,
    };
    const a = await request(plain.port, options);
    expect(JSON.parse(a.text)).toEqual(JSON.parse(body));
    expect(comparable(a)).toEqual(comparable(await request(observed.port, options)));
  });
});

describe('body reader', () => {
  test('a client that aborts mid-body does not disturb the next requests', async () => {
    for (const r of [plain, observed]) {
      await new Promise<void>((resolve, reject) => {
        const socket = connectRaw(r.port).once('connect', () => {
          socket.write(
            'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"partial":',
          );
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 50);
        });
        socket.on('error', reject);
      });
      const res = await request(r.port, {
        method: 'POST',
        path: '/echo',
        headers: { 'content-type': 'application/json', 'content-length': 7 },
        body: '{"a":1}',
      });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text)).toEqual({ a: 1 });
    }
  });

  test('a body in many small packets is read whole', async () => {
    const body = JSON.stringify({ list: Array.from({ length: 200 }, (_, i) => i) });
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connectRaw(plain.port);
      let out = '';
      socket.on('data', (d) => {
        out += d.toString('latin1');
        if (out.includes('\r\n\r\n') && out.endsWith(']}')) {
          socket.destroy();
          resolve(out);
        }
      });
      socket.on('error', reject);
      socket.on('connect', async () => {
        socket.write(
          `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
        );
        for (let i = 0; i < body.length; i += 97) {
          socket.write(body.slice(i, i + 97));
          await new Promise((r) => setTimeout(r, 2));
        }
      });
    });
    expect(text.startsWith('HTTP/1.1 200')).toBe(true);
    expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toEqual(JSON.parse(body));
  });
});

describe('req.extra', () => {
  let r: Running;
  beforeAll(async () => {
    r = await startApp((app) => {
      app.use((req) => {
        if (req.path === '/replaced') req.extra = { replaced: true };
        else req.extra.viaMiddleware = 1;
      });
      app.get('/extra', (req) => ({ body: req.extra }));
      app.get('/replaced', (req) => ({ body: req.extra }));
    });
  });
  afterAll(() => r.stop());

  test('created on first use, per request, and assignable', async () => {
    expect(JSON.parse((await request(r.port, { path: '/extra' })).text)).toEqual({ viaMiddleware: 1 });
    expect(JSON.parse((await request(r.port, { path: '/extra' })).text)).toEqual({ viaMiddleware: 1 });
    expect(JSON.parse((await request(r.port, { path: '/replaced' })).text)).toEqual({ replaced: true });
  });
});
