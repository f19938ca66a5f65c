// Redis options in one process (two apps on one Redis act as two processes: each has its own origin id):
// the prefix, the size limit, a client passed in, a dropped subscriber connection, missed and foreign messages,
// and the clear errors for a bad URL or a missing `redis` package.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { createClient } from 'redis';
import type { App } from '../../lib/app';
import type { Settings } from '../../lib/settings/index';
import { ENVELOPE_BYTES, EnvelopeWriter } from '../../lib/pubsub/envelope';
import { startApp, type Running } from '../helpers/server';
import { startRedis, type RedisServer } from '../helpers/redis';
import { connect, published, until, type Client } from './clients';

let redis: RedisServer;
const running: Running[] = [];
const clients: Client[] = [];

function subscribeByQuery(app: App): void {
  app.on('ws:connect', ({ ws }: { ws: { url: string; subscribe(t: string): void; send(v: unknown): void } }) => {
    ws.subscribe(new URL(ws.url, 'http://x').searchParams.get('topic') ?? 'news');
    ws.send({ pid: process.pid });
  });
}

async function start(overrides: Partial<Settings> = {}): Promise<Running> {
  const r = await startApp(subscribeByQuery, { redisUrl: redis.url, ...overrides });
  running.push(r);
  return r;
}

async function client(port: number, topic = 'news'): Promise<Client> {
  const c = await connect(port, topic);
  clients.push(c);
  return c;
}

async function numsub(channel: string): Promise<number> {
  return Number(/:(\d+)\r\n$/.exec(await redis.command(`PUBSUB NUMSUB ${channel}`))?.[1]);
}

async function untilAsync(check: () => Promise<boolean>, ms = 10000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`${what}: not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  redis = await startRedis();
}, 20000);

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

afterAll(async () => {
  await redis?.stop();
});

test('channels are <redisPrefix><topic>: apps on other prefixes never see each other', async () => {
  const a = await start({ redisPrefix: 'app1:' });
  const b = await start({ redisPrefix: 'app1:' });
  const other = await start({ redisPrefix: 'app2:' });
  const onA = await client(a.port, 'room');
  const onOther = await client(other.port, 'room');
  await untilAsync(async () => (await numsub('app1:room')) === 1 && (await numsub('app2:room')) === 1);
  expect(b.app.publish('room', 'for app1')).toBe(0);
  await until(() => published(onA).length === 1);
  expect(published(onA)[0].value).toBe('for app1');
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(published(onOther)).toEqual([]);
  // The channel is left when its last local subscriber goes.
  onA.ws.close();
  await untilAsync(async () => (await numsub('app1:room')) === 0, 10000, 'channel left');
}, 20000);

test('a publish over publishMaxPayload throws a RangeError naming the setting; nothing is sent', async () => {
  const a = await start({ publishMaxPayload: 1000 });
  const b = await start();
  const onA = await client(a.port);
  const onB = await client(b.port);
  await untilAsync(async () => (await numsub('krozen:news')) === 2);
  expect(() => a.app.publish('news', 'x'.repeat(1001))).toThrow(RangeError);
  expect(() => a.app.publish('news', Buffer.alloc(2000))).toThrow(
    /1001|2000 bytes is over settings.publishMaxPayload \(1000 bytes\)/,
  );
  expect(() => a.app.publish('news', { big: 'y'.repeat(1000) })).toThrow(/publishMaxPayload/);
  expect(a.app.publish('news', 'x'.repeat(1000))).toBe(1); // at the limit: fine
  await until(() => published(onB).length === 1 && published(onA).length === 1);
  expect(published(onB)[0].data.length).toBe(1000);
  expect(a.app.pubsub.stats()).toEqual(expect.objectContaining({ transport: 'redis' }));
}, 20000);

test('the size limit holds for a single process without Redis too', async () => {
  const r = await startApp(subscribeByQuery, { publishMaxPayload: 10 });
  running.push(r);
  await client(r.port);
  expect(() => r.app.publish('news', 'ü'.repeat(6))).toThrow(
    /12 bytes is over settings.publishMaxPayload \(10 bytes\)/,
  );
  expect(r.app.publish('news', 'ü'.repeat(5))).toBe(1);
});

test('Redis drops the subscriber connection (CLIENT KILL TYPE pubsub): it reconnects, resubscribes, delivery resumes', async () => {
  const a = await start();
  const b = await start();
  const onA = await client(a.port);
  await untilAsync(async () => (await numsub('krozen:news')) === 1);
  b.app.publish('news', { n: 1 });
  await until(() => published(onA).length === 1);
  await redis.command('CLIENT KILL TYPE pubsub');
  await untilAsync(
    async () =>
      (a.app.pubsub.stats().redis as { reconnects: number }).reconnects >= 1 && (await numsub('krozen:news')) === 1,
    10000,
    'resubscribed',
  );
  b.app.publish('news', { n: 2 });
  await until(() => published(onA).some((m) => (m.value as { n: number }).n === 2), 10000, 'delivery after the cut');
}, 20000);

test("gaps in a publisher's numbering are counted as missed (also in /_internal/info); foreign messages are ignored", async () => {
  const a = await start({ infoEndpoint: true });
  const onA = await client(a.port);
  await untilAsync(async () => (await numsub('krozen:news')) === 1);
  // Another process's messages, made here: numbers 1, then 7 (2..6 never reached this subscriber).
  const writer = new EnvelopeWriter();
  const message = (text: string): Buffer => {
    const buf = Buffer.concat([Buffer.alloc(ENVELOPE_BYTES), Buffer.from(text)]);
    writer.seal('news', false, buf);
    return buf;
  };
  const publisher = createClient({ url: redis.url });
  await publisher.connect();
  try {
    await publisher.publish('krozen:news', message('"one"'));
    for (let i = 2; i <= 6; i++) message('lost');
    await publisher.publish('krozen:news', message('"seven"'));
    await publisher.publish('krozen:news', 'not a krozen message');
    await until(() => published(onA).length === 2);
    await untilAsync(async () => (a.app.pubsub.stats().redis as { malformed: number }).malformed === 1);
  } finally {
    publisher.destroy();
  }
  expect(published(onA).map((m) => m.value)).toEqual(['one', 'seven']);
  expect(a.app.pubsub.stats().redis).toEqual(expect.objectContaining({ received: 2, missed: 5, malformed: 1 }));
  const info = await (await fetch(`${a.base}/_internal/info`)).json();
  expect(info.pubsub).toEqual(
    expect.objectContaining({ transport: 'redis', redis: expect.objectContaining({ missed: 5 }) }),
  );
}, 20000);

test('a client passed in publishes; krozen subscribes on its duplicate and leaves the client open at stop', async () => {
  const own = createClient({ url: redis.url });
  await own.connect();
  try {
    const a = await start({ redisUrl: undefined, redisClient: own as never });
    const b = await start();
    const onB = await client(b.port);
    await untilAsync(async () => (await numsub('krozen:news')) === 1);
    a.app.publish('news', Buffer.from('bytes from a passed-in client'));
    await until(() => published(onB).length === 1);
    expect(published(onB)[0]).toEqual(expect.objectContaining({ binary: true }));
    await a.stop();
    running.splice(running.indexOf(a), 1);
    expect(own.isOpen).toBe(true);
    expect(await own.ping()).toBe('PONG');
  } finally {
    own.destroy();
  }
}, 20000);

test('a run() that cannot listen (port taken) closes the Redis connections it opened', async () => {
  const a = await start();
  const clients = async () => Number(/connected_clients:(\d+)/.exec(await redis.command('INFO clients'))?.[1]);
  const before = await clients();
  await expect(startApp(() => undefined, { redisUrl: redis.url, port: a.port })).rejects.toThrow(/EADDRINUSE/);
  await untilAsync(async () => (await clients()) === before, 5000, 'connections closed');
});

test('a bad redisUrl is a clear error at run()', async () => {
  await expect(startApp(() => undefined, { redisUrl: 'localhost:6379' })).rejects.toThrow(
    /settings.redisUrl must be a redis:\/\/ or rediss:\/\/ URL/,
  );
});

test("redisUrl without the 'redis' package installed: a clear error saying what to install", () => {
  // A child process where require('redis') and require('@redis/client') fail as if not installed.
  const script = `
    const Module = require('module');
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) {
      if (request === 'redis' || request === '@redis/client') {
        const err = new Error("Cannot find module '" + request + "'"); err.code = 'MODULE_NOT_FOUND'; throw err;
      }
      return resolve.call(this, request, ...rest);
    };
    const { createApp, Server } = require('./dist/index.js');
    new Server(createApp({ port: 0, redisUrl: 'redis://127.0.0.1:1' })).run().then(
      () => { console.log('started'); process.exit(1); },
      (err) => { console.log(err.message); process.exit(0); });`;
  const out = spawnSync(process.execPath, ['-e', script], {
    cwd: path.join(__dirname, '..', '..'),
    encoding: 'utf8',
    timeout: 20000,
  });
  expect(out.status).toBe(0);
  expect(out.stdout).toMatch(/the 'redis' package is not installed\. Run `npm install redis`/);
});
