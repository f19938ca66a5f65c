// Middleware, hooks, errors and the order of the pipeline, at the wire.
import { Response } from '../../lib/http/response';
import { startApp, request, rawRequest, parseResponses, type Running } from '../helpers/server';

let errorSpy: jest.SpyInstance;
beforeEach(() => {
  errorSpy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => errorSpy.mockRestore());

describe('middleware and hooks', () => {
  let r: Running;
  const order: string[] = [];
  beforeAll(async () => {
    r = await startApp((app) => {
      app.state.counter = 0;
      app.use((req, res) => {
        order.push('mw1');
        req.extra.user = 'ada';
        res.headers['X-Middleware'] = 'one';
        res.headers['x-both'] = 'middleware';
        res.headers['Content-Type'] = 'text/x-middleware';
      });
      app.use(async (req, res) => {
        order.push('mw2');
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (req.path === '/blocked') {
          res.status = 403;
          res.body = { error: 'blocked by middleware' };
          res.stop = true;
        }
        if (req.method === 'OPTIONS' && req.path === '/cors') {
          res.status = 200;
          res.headers['access-control-allow-origin'] = '*';
          res.body = { preflight: true };
          res.stop = true;
        }
      });
      app.on('http:get', ({ req, res }: { req: { path: string }; res: Response }) => {
        order.push('hook:get');
        if (req.path === '/hooked') {
          res.body = { from: 'hook' };
          res.stop = true;
        }
      });
      app.on('http:get:after', ({ res }: { res: Response }) => {
        order.push('hook:get:after');
        res.headers['x-after'] = String(res.status);
      });
      app.on('http:post', ({ req }: { req: { body: unknown; extra: Record<string, unknown> } }) => {
        req.extra.seenBody = req.body;
      });
      app.get('/who', (req) => {
        order.push('handler');
        app.state.counter += 1;
        return {
          body: { user: req.extra.user, counter: app.state.counter },
          headers: { 'x-both': 'handler', 'content-type': 'application/json' },
        };
      });
      app.get('/blocked', () => ({ body: 'never' }));
      app.get('/hooked', () => ({ body: 'never' }));
      app.post('/seen', (req) => ({ body: req.extra.seenBody }));
      app.get('/cors', () => ({}));
    });
  });
  afterAll(() => r.stop());

  test('middleware in order, then hooks, then the route, then after hooks; headers merge (handler wins)', async () => {
    order.length = 0;
    const res = await fetch(`${r.base}/who`);
    expect(order).toEqual(['mw1', 'mw2', 'hook:get', 'handler', 'hook:get:after']);
    expect(res.headers.get('x-middleware')).toBe('one');
    expect(res.headers.get('x-both')).toBe('handler');
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('x-after')).toBe('200');
    expect(await res.json()).toEqual({ user: 'ada', counter: 1 });
    expect(await (await fetch(`${r.base}/who`)).json()).toEqual({ user: 'ada', counter: 2 });
  });

  test('res.stop in (async) middleware answers at once', async () => {
    order.length = 0;
    const res = await fetch(`${r.base}/blocked`);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: 'blocked by middleware' });
    expect(order).toEqual(['mw1', 'mw2']);
  });

  test('res.stop in an http:get hook answers at once', async () => {
    order.length = 0;
    const res = await fetch(`${r.base}/hooked`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ from: 'hook' });
    expect(order).toEqual(['mw1', 'mw2', 'hook:get']);
  });

  test('after hooks run for 404s too', async () => {
    const res = await fetch(`${r.base}/not-here`);
    expect(res.status).toBe(404);
    expect(res.headers.get('x-after')).toBe('404');
  });

  test('http:post hooks see the parsed body', async () => {
    const res = await fetch(`${r.base}/seen`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"k":"v"}',
    });
    expect(await res.json()).toEqual({ k: 'v' });
  });

  test('middleware can answer OPTIONS itself', async () => {
    const res = await request(r.port, { method: 'OPTIONS', path: '/cors' });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(JSON.parse(res.text)).toEqual({ preflight: true });
  });

  test('built-in endpoints pass through middleware', async () => {
    const res = await fetch(`${r.base}/_internal/health`);
    expect(res.headers.get('x-middleware')).toBe('one');
    expect(await res.json()).toEqual({ status: 'ok' });
  });
});

describe('throws anywhere → 500, no stack, the server keeps serving', () => {
  let r: Running;
  beforeAll(async () => {
    r = await startApp((app) => {
      app.use((req) => {
        if (req.path === '/mw-sync') throw new Error('secret middleware detail');
      });
      app.use(async (req) => {
        if (req.path === '/mw-async') throw new Error('secret async middleware detail');
      });
      app.on('http:get', ({ req }: { req: { path: string } }) => {
        if (req.path === '/hook-sync') throw new Error('secret hook detail');
      });
      app.on('http:get', async ({ req }: { req: { path: string } }) => {
        if (req.path === '/hook-async') throw new Error('secret async hook detail');
      });
      app.on('http:get:after', ({ req }: { req: { path: string } }) => {
        if (req.path === '/after') throw new Error('secret after-hook detail');
      });
      app.get('/sync', () => {
        throw new Error('secret handler detail');
      });
      app.get('/async', async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        throw new Error('secret async handler detail');
      });
      app.get('/throw-string', () => {
        throw 'a string';
      });
      for (const path of ['/mw-sync', '/mw-async', '/hook-sync', '/hook-async', '/after'])
        app.get(path, () => ({ body: 'unreached' }));
      app.get('/ok', () => ({ body: { ok: true } }));
    });
  });
  afterAll(() => r.stop());

  test.each(['/sync', '/async', '/throw-string', '/mw-sync', '/mw-async', '/hook-sync', '/hook-async', '/after'])(
    '%s',
    async (path) => {
      const res = await fetch(`${r.base}${path}`);
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toBe('application/json');
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({ error: 'Internal Server Error' });
      expect(text).not.toContain('secret');
      expect(text).not.toContain('at ');
      expect(errorSpy).toHaveBeenCalled();
      const logged = errorSpy.mock.calls.flat().map(String).join(' ');
      expect(logged).toContain(path);
      const next = await fetch(`${r.base}/ok`);
      expect(await next.json()).toEqual({ ok: true });
    },
  );
});

describe('error hooks shape the 500', () => {
  let r: Running;
  beforeAll(async () => {
    r = await startApp((app) => {
      app.on('error', async (ctx) => {
        await Promise.resolve();
        if (ctx.req.path === '/hook-throws') throw new Error('the error hook broke');
        ctx.res.status = 503;
        ctx.res.body = { error: 'Try later', reason: (ctx.error as Error).message };
        ctx.res.headers['retry-after'] = '1';
      });
      app.get('/boom', () => {
        throw new Error('db down');
      });
      app.get('/hook-throws', () => {
        throw new Error('first');
      });
    });
  });
  afterAll(() => r.stop());

  test('an error hook can change the answer', async () => {
    const res = await fetch(`${r.base}/boom`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toEqual({ error: 'Try later', reason: 'db down' });
  });

  test('an error hook that throws still gives the plain 500', async () => {
    const res = await fetch(`${r.base}/hook-throws`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'Internal Server Error' });
  });
});

test('pipelined requests are answered in order even when the first handler is slower', async () => {
  const r = await startApp((app) => {
    app.get('/slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 80));
      return { body: { n: 'slow' } };
    });
    app.get('/fast', () => ({ body: { n: 'fast' } }));
  });
  try {
    const raw = await rawRequest(
      r.port,
      'GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    const responses = parseResponses(raw);
    expect(responses.map((x) => JSON.parse(x.body).n)).toEqual(['slow', 'fast', 'fast']);
  } finally {
    await r.stop();
  }
});
