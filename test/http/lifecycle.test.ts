// The request lifecycle: onRequest before the body (401/429 without reading it), one response hook for
// every answer, settings.logger (pino or any object with its level methods), and app.inject() equal to
// the wire.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createApp, type App } from '../../lib/app';
import { Server } from '../../lib/server';
import { HttpError } from '../../lib/http/http-error';
import { setCookie } from '../../lib/http/cookies';
import { startServer, request, json, type TestServer } from '../fixtures/wire';
import { rawRequest } from '../helpers/server';
import { laneSettings } from '../helpers/tls-lane';

describe('onRequest: before the body', () => {
  let server: TestServer;
  const seen: string[] = [];
  let hits = 0;
  beforeAll(async () => {
    server = await startServer({}, (app) => {
      app.onRequest((req, res) => {
        seen.push(`request ${req.method} ${req.path} body=${String(req.body)}`);
        if (req.path.startsWith('/private') && req.headers.authorization !== 'Bearer ok') {
          res.status = 401;
          res.body = { error: 'Unauthorized' };
          res.headers['www-authenticate'] = 'Bearer';
          res.stop = true;
        }
      });
      app.onRequest(async (req) => {
        if (req.path === '/limited' && ++hits > 2)
          throw new HttpError(429, 'Too Many Requests', { 'retry-after': '1' });
      });
      app.use((req) => {
        seen.push(`middleware ${req.path} body=${JSON.stringify(req.body)}`);
      });
      app.post('/private/upload', (req) => ({ body: { got: req.body } }));
      app.get('/limited', () => ({ body: 'ok' }));
    });
  });
  afterAll(() => server.stop());
  beforeEach(() => {
    seen.length = 0;
  });

  test('401 before a byte of a (never finished) 100 kB body is read; Connection: close', async () => {
    const head =
      'POST /private/upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"partial":';
    const reply = await rawRequest(server.port, head, 500);
    expect(reply).toMatch(/^HTTP\/1\.1 401 Unauthorized\r\n/);
    expect(reply.toLowerCase()).toContain('connection: close');
    expect(reply.toLowerCase()).toContain('www-authenticate: bearer');
    expect(reply).toContain('{"error":"Unauthorized"}');
    expect(seen).toEqual(['request POST /private/upload body=undefined']); // no middleware: the body was never read
  });

  test('with the right credentials the body is read and middleware sees it', async () => {
    const r = await request(server.port, '/private/upload', {
      method: 'POST',
      headers: { authorization: 'Bearer ok', 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(r.status).toBe(200);
    expect(json(r)).toEqual({ got: { a: 1 } });
    expect(seen).toEqual(['request POST /private/upload body=undefined', 'middleware /private/upload body={"a":1}']);
  });

  test('an async onRequest throwing HttpError(429) answers at once', async () => {
    expect((await request(server.port, '/limited')).status).toBe(200);
    expect((await request(server.port, '/limited')).status).toBe(200);
    const r = await request(server.port, '/limited');
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('1');
    expect(json(r)).toEqual({ error: 'Too Many Requests' });
  });
});

describe('one response hook for every answer', () => {
  let server: TestServer;
  const log: string[] = [];
  beforeAll(async () => {
    server = await startServer({ maxBodySize: 100 }, (app) => {
      app.onResponse((req, res) => {
        log.push(`${req.method} ${req.path} ${res.status}`);
        res.headers['x-seen-by'] = 'response-hook';
      });
      app.get('/a', () => ({ body: 1 }));
      app.post('/b', () => ({ status: 201 }));
      app.delete('/c', () => {
        throw new Error('boom');
      });
      app.get('/d', () => {
        throw new HttpError(418, 'teapot');
      });
    });
  });
  afterAll(() => server.stop());

  test('GET, POST, DELETE, 404, 405, 413, 500 and HttpError answers all pass through it', async () => {
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const results = [
        await request(server.port, '/a'),
        await request(server.port, '/b', { method: 'POST' }),
        await request(server.port, '/c', { method: 'DELETE' }),
        await request(server.port, '/missing'),
        await request(server.port, '/a', { method: 'PUT' }),
        await request(server.port, '/b', {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: 'x'.repeat(500),
        }),
        await request(server.port, '/d'),
      ];
      expect(results.map((r) => r.status)).toEqual([200, 201, 500, 404, 405, 413, 418]);
      for (const r of results) expect(r.headers['x-seen-by']).toBe('response-hook');
      expect(log).toEqual([
        'GET /a 200',
        'POST /b 201',
        'DELETE /c 500',
        'GET /missing 404',
        'PUT /a 405',
        'POST /b 413',
        'GET /d 418',
      ]);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('settings.logger', () => {
  test('pino gets error lines as JSON with err, method and path; the console stays quiet', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
        cb();
      },
    });
    const logger = pino({ level: 'info' }, sink);
    const consoleSpy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const server = await startServer({ logger }, (app) => {
      app.get('/boom', () => {
        throw new Error('kaput');
      });
    });
    try {
      expect((await request(server.port, '/boom')).status).toBe(500);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 50, msg: 'unhandled error in GET /boom', method: 'GET', path: '/boom' });
      expect((lines[0].err as { message: string }).message).toBe('kaput');
      expect(consoleSpy).not.toHaveBeenCalled();
    } finally {
      consoleSpy.mockRestore();
      await server.stop();
    }
  });

  test('any object with the level methods works; one without them is a startup error', async () => {
    const calls: unknown[][] = [];
    const logger = { error: (...a: unknown[]) => calls.push(a), warn() {}, info() {}, debug() {} };
    const app = createApp({ logger });
    app.get('/bad', () => ({ nope: 1 }) as never);
    const r = await app.inject({ url: '/bad' });
    expect(r.status).toBe(500);
    expect(calls).toHaveLength(1);
    expect(calls[0][1]).toBe('unhandled error in GET /bad');
    const broken = new Server(createApp({ port: 0, logger: { error() {} } as never }));
    await expect(broken.run()).rejects.toThrow(
      'settings.logger must be undefined or pino or an object with error, warn, info and debug methods',
    );
  });
});

describe('app.inject()', () => {
  let base: string;
  let app: App;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'krozen-inject-')));
    fs.mkdirSync(path.join(base, 'static'));
    fs.writeFileSync(path.join(base, 'static', 'page.html'), '<p>' + 'hello '.repeat(500) + '</p>');
    app = createApp(laneSettings({ port: 0, baseDir: base }));
    app.use((_req, res) => {
      res.headers['x-mw'] = '1';
    });
    app.get('/json', (req) => ({ body: { q: req.query, cookies: req.cookies } }));
    app.post('/echo', (req) => ({ status: 201, body: { got: req.body } }));
    app.get('/cookie', () => setCookie(setCookie({ body: 'c' }, 'a', '1'), 'b', '2'));
    app.get('/big', () => ({
      body: { rows: Array.from({ length: 300 }, (_, i) => ({ i, text: 'some text to compress' })) },
    }));
    app.get('/stream', () => new Response('streamed body', { headers: { 'content-type': 'text/plain' } }));
    app.get('/boom', () => {
      throw new Error('x');
    });
    app.serveStatic('/s');
    server = await new Server(app).run();
    port = server.port;
  });
  afterAll(async () => {
    await server.stop();
    fs.rmSync(base, { recursive: true, force: true });
  });

  const WIRE_ONLY = new Set(['date', 'connection', 'keep-alive']);
  function comparable(headers: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(
      Object.entries(headers)
        .filter(([name]) => !WIRE_ONLY.has(name))
        .sort(([a], [b]) => a.localeCompare(b)),
    );
  }

  const cases: Array<[string, { method?: string; url: string; headers?: Record<string, string>; body?: string }]> = [
    ['GET with a query and a cookie', { url: '/json?tag=a&tag=b&x=%20y', headers: { cookie: 'theme=dark' } }],
    [
      'POST JSON',
      { method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, body: '{"a":[1,2,{"b":null}]}' },
    ],
    [
      'POST form',
      {
        method: 'POST',
        url: '/echo',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'a=1&a=2&b=%E2%82%AC',
      },
    ],
    [
      'invalid JSON → 400',
      { method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, body: '{nope' },
    ],
    ['404', { url: '/nowhere' }],
    ['405', { method: 'DELETE', url: '/json' }],
    ['OPTIONS', { method: 'OPTIONS', url: '/json' }],
    ['HEAD', { method: 'HEAD', url: '/json' }],
    ['two Set-Cookie lines', { url: '/cookie' }],
    ['br compression', { url: '/big', headers: { 'accept-encoding': 'br' } }],
    ['a streamed WHATWG body (chunked)', { url: '/stream' }],
    ['a static file', { url: '/s/page.html' }],
    ['a static Range', { url: '/s/page.html', headers: { range: 'bytes=0-9' } }],
    ['a static file, gzip', { url: '/s/page.html', headers: { 'accept-encoding': 'gzip' } }],
    ['500', { url: '/boom' }],
  ];

  test.each(cases)('%s: inject() equals the wire', async (_name, opts) => {
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const wire = await request(port, opts.url, { method: opts.method, headers: opts.headers, body: opts.body });
      const injected = await app.inject({ method: opts.method, url: opts.url, headers: opts.headers, body: opts.body });
      expect(injected.status).toBe(wire.status);
      expect(comparable(injected.headers)).toEqual(comparable(wire.headers as Record<string, unknown>));
      expect(injected.rawBody.equals(wire.body)).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });

  test('an object body is sent as JSON; json() parses the answer', async () => {
    const r = await app.inject({ method: 'POST', url: '/echo', body: { n: 1 } });
    expect(r.status).toBe(201);
    expect(r.json()).toEqual({ got: { n: 1 } });
    expect(r.headers['content-type']).toBe('application/json');
    await expect(app.inject({ url: 'no-slash' })).rejects.toThrow("inject needs { url: '/path…' }");
  });

  test('no socket is opened: inject works on an app that never listens', async () => {
    const offline = createApp();
    offline.get('/hi', () => ({ body: { hi: true } }));
    const r = await offline.inject({ url: '/hi' });
    expect(r).toMatchObject({ status: 200, body: '{"hi":true}' });
    expect(r.headers['content-length']).toBe('11');
  });
});
