// rateLimit() with redisStore() across two server processes sharing one real redis-server (started here on a
// free port, stopped by PID): one count per client for both, the window's expiry in Redis, and Redis down
// (503 at once, not a hung request) and back.
import { startChild, killChild, type Child } from '../helpers/child';
import { request } from '../helpers/server';
import { startRedis, type RedisServer } from '../helpers/redis';

const APP = './test/helpers/rate-limit-app.ts';
let redis: RedisServer;
const children: Child[] = [];

async function server(env: Record<string, string>): Promise<Child> {
  const child = await startChild({ REDIS_URL: redis.url, ...env }, 60000, APP);
  children.push(child);
  return child;
}

beforeAll(async () => {
  redis = await startRedis();
}, 20000);

afterEach(async () => {
  await Promise.all(children.splice(0).map(killChild));
});

afterAll(async () => {
  await redis?.stop();
});

test('two processes share one limit through Redis; the window ends for both', async () => {
  const env = { LIMIT: '4', WINDOW_MS: '1500', REDIS_PREFIX: 'rl-shared:' };
  const [a, b] = await Promise.all([server(env), server(env)]);
  const pids = new Set<unknown>();
  for (const [i, port] of [a.port, b.port, a.port, b.port].entries()) {
    const res = await request(port, { path: '/pid' });
    expect(res.status).toBe(200);
    expect(res.headers['ratelimit-policy']).toBe('"default";q=4;w=2');
    expect(res.headers['ratelimit']).toMatch(new RegExp(`^"default";r=${3 - i};t=[12]$`));
    pids.add(JSON.parse(res.text).pid);
  }
  expect(pids.size).toBe(2);
  for (const port of [a.port, b.port]) {
    const res = await request(port, { path: '/pid' });
    expect(res.status).toBe(429);
    expect(JSON.parse(res.text)).toEqual({ error: 'Too Many Requests' });
    expect(res.headers['retry-after']).toMatch(/^[12]$/);
  }
  // One key in Redis, under the prefix, with the window as its expiry.
  const ttl = Number(/:(-?\d+)/.exec(await redis.command('PTTL rl-shared:127.0.0.1'))?.[1]);
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(1500);
  await new Promise((r) => setTimeout(r, ttl + 100));
  expect((await request(b.port, { path: '/pid' })).status).toBe(200);
  expect((await request(a.port, { path: '/pid' })).status).toBe(200);
}, 60000);

test('Redis down: 503 with Retry-After at once; back: counted again', async () => {
  const a = await server({ LIMIT: '100', REDIS_PREFIX: 'rl-outage:' });
  expect((await request(a.port, { path: '/pid' })).status).toBe(200);
  await redis.kill();
  const started = Date.now();
  const down = await request(a.port, { path: '/pid' });
  expect(down.status).toBe(503);
  expect(down.headers['retry-after']).toBe('1');
  expect(Date.now() - started).toBeLessThan(1000);
  await redis.restart();
  const deadline = Date.now() + 10000;
  let status = 0;
  while (Date.now() < deadline && status !== 200) {
    status = (await request(a.port, { path: '/pid' })).status;
    if (status !== 200) await new Promise((r) => setTimeout(r, 100));
  }
  expect(status).toBe(200);
}, 60000);
