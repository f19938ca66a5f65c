// rateLimit() with the memory store over real sockets, on both transports: the count, the IETF RateLimit
// fields on allowed answers, the 429 with its JSON body and Retry-After, the window's reset, skip(), key(),
// a refusal before the body is read, and a failing store (503, or through with failOpen).
import { rateLimit, memoryStore, type RateLimitStore } from '../../lib/index';
import { startServer, request, json, type TestServer } from '../fixtures/wire';

const TRANSPORTS = ['node', 'krozen'] as const;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.each(TRANSPORTS)('transport %s: rateLimit()', (transport) => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  test('limit requests per window, then 429 with the RateLimit fields and Retry-After; reset after the window', async () => {
    server = await startServer({ transport }, (app) => {
      app.plugin(rateLimit({ limit: 3, windowMs: 800 }));
      app.get('/x', () => ({ body: { ok: true } }));
    });
    const port = server.port;
    for (let i = 1; i <= 3; i++) {
      const r = await request(port, '/x');
      expect(r.status).toBe(200);
      expect(r.headers['ratelimit-policy']).toBe('"default";q=3;w=1');
      expect(r.headers['ratelimit']).toBe(`"default";r=${3 - i};t=1`);
      expect(r.headers['retry-after']).toBeUndefined();
    }
    const refused = await request(port, '/x');
    expect(refused.status).toBe(429);
    expect(json(refused)).toEqual({ error: 'Too Many Requests' });
    expect(refused.headers['content-type']).toMatch(/^application\/json/);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers['ratelimit']).toBe('"default";r=0;t=1');
    expect(refused.headers['ratelimit-policy']).toBe('"default";q=3;w=1');
    // Unknown paths count too (a scanner is limited like anyone).
    expect((await request(port, '/nope')).status).toBe(429);
    await sleep(900);
    const again = await request(port, '/x');
    expect(again.status).toBe(200);
    expect(again.headers['ratelimit']).toBe('"default";r=2;t=1');
  });

  test('skip(): not counted, no RateLimit fields; key(): counted per key; a named policy', async () => {
    server = await startServer({ transport }, (app) => {
      app.plugin(
        rateLimit({
          limit: 1,
          windowMs: 60_000,
          name: 'per-key',
          key: (req) => String(req.headers['x-api-key'] ?? 'anonymous'),
          skip: (req) => req.path === '/health',
        }),
      );
      app.get('/health', () => ({ body: 'ok' }));
      app.get('/x', () => ({ body: 'x' }));
    });
    const port = server.port;
    for (let i = 0; i < 3; i++) {
      const h = await request(port, '/health');
      expect(h.status).toBe(200);
      expect(h.headers['ratelimit']).toBeUndefined();
    }
    const a1 = await request(port, '/x', { headers: { 'x-api-key': 'a' } });
    expect(a1.status).toBe(200);
    expect(a1.headers['ratelimit-policy']).toBe('"per-key";q=1;w=60');
    expect(a1.headers['ratelimit']).toBe('"per-key";r=0;t=60');
    expect((await request(port, '/x', { headers: { 'x-api-key': 'a' } })).status).toBe(429);
    expect((await request(port, '/x', { headers: { 'x-api-key': 'b' } })).status).toBe(200);
    expect((await request(port, '/x')).status).toBe(200);
    const refused = await request(port, '/x');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(55);
  });

  test('refused before the body is read: a body over maxBodySize gets the 429, not a 413', async () => {
    let handled = 0;
    server = await startServer({ transport, maxBodySize: 1024 }, (app) => {
      app.plugin(rateLimit({ limit: 1, windowMs: 60_000 }));
      app.post('/up', () => {
        handled++;
        return { body: 'ok' };
      });
    });
    const port = server.port;
    const body = Buffer.alloc(8 * 1024, 'a');
    const headers = { 'content-type': 'application/octet-stream' };
    expect((await request(port, '/up', { method: 'POST', body: 'small', headers })).status).toBe(200);
    const refused = await request(port, '/up', { method: 'POST', body, headers });
    expect(refused.status).toBe(429);
    expect(refused.headers.connection).toBe('close');
    expect(handled).toBe(1);
  });

  test('a store that fails: 503 with Retry-After by default, the request through with failOpen', async () => {
    const broken: RateLimitStore = { hit: () => Promise.reject(new Error('store down')) };
    const warnings: unknown[] = [];
    const logger = { error() {}, warn: (f: unknown) => warnings.push(f), info() {}, debug() {} };
    server = await startServer({ transport, logger }, (app) => {
      app.plugin(rateLimit({ limit: 5, windowMs: 1000, store: broken }));
      app.get('/x', () => ({ body: 'x' }));
    });
    const r = await request(server.port, '/x');
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('1');
    expect((await request(server.port, '/x')).status).toBe(503);
    expect(warnings).toHaveLength(1); // once per outage
    await server.stop();
    server = await startServer({ transport, logger }, (app) => {
      app.plugin(rateLimit({ limit: 5, windowMs: 1000, store: broken, failOpen: true }));
      app.get('/x', () => ({ body: 'x' }));
    });
    const through = await request(server.port, '/x');
    expect(through.status).toBe(200);
    expect(through.headers['ratelimit']).toBeUndefined();
    expect(warnings).toHaveLength(2);
  });
});

test('the memory store forgets ended windows and holds at most maxKeys', async () => {
  const store = memoryStore({ maxKeys: 3 });
  for (const k of ['a', 'b', 'c', 'd']) store.hit(k, 50);
  expect(store.size).toBe(3);
  expect(store.hit('a', 50).count).toBe(1); // 'a', the oldest, was dropped for 'd'
  expect(store.hit('d', 50).count).toBe(2);
  await sleep(60);
  store.hit('e', 50); // the sweep on this hit drops every ended window
  expect(store.size).toBe(1);
});

test('bad options throw at setup, with the option named', () => {
  expect(() => rateLimit({ limit: 0, windowMs: 1000 })).toThrow(/rateLimit: limit must be an integer >= 1/);
  expect(() => rateLimit({ limit: 1, windowMs: 1.5 })).toThrow(/windowMs/);
  expect(() => rateLimit({ limit: 1, windowMs: 1, name: 'a"b' })).toThrow(/name/);
  expect(() => rateLimit({ limit: 1, windowMs: 1, key: 'ip' as never })).toThrow(/key must be a function/);
});
