// Topics across processes through a real redis-server (started here on a free port, stopped by PID):
// two servers in two processes, two workers plus a second server, Redis killed and restarted, binary
// payloads, graceful stop.
import { startChild, killChild, type Child } from '../helpers/child';
import { request } from '../helpers/server';
import { startRedis, type RedisServer } from '../helpers/redis';
import { connect, connectToEach, published, until, type Client } from './clients';

const APP = './test/helpers/pubsub-app.ts';
let redis: RedisServer;
const children: Child[] = [];
const clients: Client[] = [];

async function server(env: Record<string, string> = {}): Promise<Child> {
  const child = await startChild({ REDIS_URL: redis.url, ...env }, 60000, APP);
  children.push(child);
  return child;
}

async function client(port: number, topic = 'news'): Promise<Client> {
  const c = await connect(port, topic);
  clients.push(c);
  return c;
}

async function post(port: number, path: string, body: string | Buffer, type = 'application/json'): Promise<any> {
  const res = await request(port, { method: 'POST', path, body, headers: { 'content-type': type } });
  expect(res.status).toBe(200);
  return JSON.parse(res.text);
}

async function stats(port: number): Promise<any> {
  return JSON.parse((await request(port, { path: '/stats' })).text);
}

/** Subscribers Redis counts on a channel (PUBSUB NUMSUB). */
async function numsub(channel: string): Promise<number> {
  const reply = await redis.command(`PUBSUB NUMSUB ${channel}`);
  return Number(/:(\d+)\r\n$/.exec(reply)?.[1]);
}

beforeAll(async () => {
  redis = await startRedis();
}, 20000);

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await Promise.all(children.splice(0).map(killChild));
});

afterAll(async () => {
  await redis?.stop();
});

test('two servers, two processes: what one publishes reaches a ws client on the other, once, in order; binary too', async () => {
  const [a, b] = await Promise.all([server(), server()]);
  const onA = await client(a.port);
  const onB = await client(b.port);
  await waitForSubscribers('krozen:news', 2);

  expect(await post(b.port, '/publish', '{"hello":"from b"}')).toEqual({ local: 1, pid: b.proc.pid });
  const bytes = Buffer.from([0, 0xff, 0x80, 1, 2, 3, 0xc3, 0x28]); // not UTF-8: must stay binary
  await post(b.port, '/publish', bytes, 'application/octet-stream');
  await post(b.port, '/publish', 'plain ünïcode text', 'text/plain');
  await post(b.port, '/burst?n=200', '');

  const expected = 3 + 200;
  await until(() => published(onA).length >= expected && published(onB).length >= expected, 20000, 'deliveries');
  await new Promise((resolve) => setTimeout(resolve, 150)); // a duplicate would arrive meanwhile
  for (const c of [onA, onB]) {
    const got = published(c);
    expect(got.length).toBe(expected); // each message once: B's own publish is not delivered twice on B
    expect(got[0].value).toEqual({ hello: 'from b' });
    expect(got[1].binary).toBe(true);
    expect(got[1].data.equals(bytes)).toBe(true);
    expect(got[2]).toEqual(expect.objectContaining({ binary: false, value: 'plain ünïcode text' }));
    expect(got.slice(3).map((m) => (m.value as { seq: number }).seq)).toEqual(
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
  }
  const sb = await stats(b.port);
  expect(sb.transport).toBe('redis');
  expect(sb.redis).toEqual(expect.objectContaining({ connected: true, notSent: 0, missed: 0, channels: 1 }));
  expect(sb.redis.sent).toBe(expected);
  const sa = await stats(a.port);
  expect(sa.redis.received).toBe(expected);
}, 90000);

test('two workers plus a second server: every publisher reaches every process, the primary included', async () => {
  const cluster = await server({ WORKERS: '2', PRIMARY_PUBLISH_MS: '100' });
  const single = await server();
  const onWorkers = await connectToEach(cluster.port, 2);
  clients.push(...onWorkers);
  const onSingle = await client(single.port);
  await waitForSubscribers('krozen:news', 3);
  const all = [...onWorkers, onSingle];

  await post(single.port, '/publish', '{"from":"single"}');
  const { pid: workerPid } = await post(cluster.port, '/publish', '{"from":"worker"}');
  const values = (c: Client) => published(c).map((m) => m.value as { from?: string });
  await until(
    () => all.every((c) => values(c).some((v) => v.from === 'single') && values(c).some((v) => v.from === 'worker')),
    20000,
    'single + worker',
  );
  await until(
    () => all.every((c) => values(c).filter((v) => v.from === 'primary').length >= 2),
    20000,
    'primary publishes',
  );
  await new Promise((resolve) => setTimeout(resolve, 150));
  for (const c of all) {
    expect(values(c).filter((v) => v.from === 'single').length).toBe(1);
    expect(values(c).filter((v) => v.from === 'worker').length).toBe(1);
  }
  expect(onWorkers.map((c) => c.pid)).toContain(workerPid);
  // Workers use Redis, not IPC, when it is configured.
  expect((await stats(cluster.port)).transport).toBe('redis');
}, 90000);

test('Redis killed mid-test: local publish goes on, losses are counted, remote delivery resumes after the restart', async () => {
  const [a, b] = await Promise.all([server(), server()]);
  const onA = await client(a.port);
  const onB = await client(b.port);
  await waitForSubscribers('krozen:news', 2);
  await post(b.port, '/publish', '{"n":1}');
  await until(() => published(onA).length === 1, 20000, 'first message');

  await redis.kill();
  await untilAsync(async () => (await stats(b.port)).redis.connected === false, 20000, 'B sees Redis down');
  expect(await post(b.port, '/publish', '{"n":2}')).toEqual({ local: 1, pid: b.proc.pid }); // local still works
  await until(() => published(onB).length === 2, 20000, 'local delivery while down');
  expect((await stats(b.port)).redis.notSent).toBeGreaterThanOrEqual(1);

  await redis.restart();
  await untilAsync(
    async () => (await stats(a.port)).redis.connected && (await stats(b.port)).redis.connected,
    15000,
    'reconnected',
  );
  await waitForSubscribers('krozen:news', 2); // resubscribed
  await post(b.port, '/publish', '{"n":3}');
  await until(() => published(onA).length === 2, 20000, 'remote delivery after restart');
  expect(published(onA).map((m) => m.value)).toEqual([{ n: 1 }, { n: 3 }]);
  expect(published(onB).map((m) => m.value)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  const sb = (await stats(b.port)).redis;
  expect(sb.reconnects).toBeGreaterThanOrEqual(1);
  // Both processes lived through it (no crash, no unhandled rejection).
  for (const child of [a, b]) expect(child.proc.exitCode).toBeNull();
  expect(a.stderr.join('') + b.stderr.join('')).toContain('Redis connection lost');
}, 90000);

test('graceful stop unsubscribes and closes the Redis connections', async () => {
  const [a, b] = await Promise.all([server(), server()]);
  await client(a.port);
  await client(b.port);
  await waitForSubscribers('krozen:news', 2);
  const before = await connectedClients();
  a.proc.kill('SIGTERM');
  expect(await a.exited).toBe(0);
  expect(await numsub('krozen:news')).toBe(1);
  expect(await connectedClients()).toBe(before - 2); // its publisher and subscriber connections
}, 90000);

async function waitForSubscribers(channel: string, n: number): Promise<void> {
  await untilAsync(async () => (await numsub(channel)) === n, 20000, `${n} subscribers on ${channel}`);
}

async function connectedClients(): Promise<number> {
  const reply = await redis.command('INFO clients');
  return Number(/connected_clients:(\d+)/.exec(reply)?.[1]);
}

async function untilAsync(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`${what}: not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
