// A client's `pub` on a recovery topic with Redis is acknowledged only once Redis stored it: with Redis down the
// client gets `err`, never an `ok` for a message that went nowhere (the app logs it and counts it, notStored).
import { startApp, type Running } from '../helpers/server';
import { wsBase } from '../helpers/tls-lane';
import { startRedis, type RedisServer } from '../helpers/redis';
import { connect, type Peer } from './helpers';

let redis: RedisServer;
let r: Running;
let peer: Peer;
const logged: string[] = [];

beforeAll(async () => {
  redis = await startRedis();
  const logger = {
    info: () => {},
    warn: () => {},
    debug: () => {},
    error: (_: unknown, msg: string) => logged.push(msg),
  };
  r = await startApp(
    (app) => {
      app.realtime('/rt', { recovery: ['feed'], canPublish: () => true });
    },
    { redisUrl: redis.url, logger: logger as never },
  );
  peer = await connect(`${wsBase(r.port)}/rt`);
}, 20_000);

afterAll(async () => {
  peer?.close();
  await r?.stop();
  await redis?.stop();
});

test('ok once stored; err (and a log line, notStored) while Redis is down; ok again once it is back', async () => {
  expect(await peer.ask(['sub', 1, 'feed'])).toEqual(['ok', 1, expect.objectContaining({ recovered: 0 })]);
  const skipped: unknown[][] = [];
  expect(await peer.ask(['pub', 2, 'feed', 'first'], skipped)).toEqual(['ok', 2, null]);

  await redis.kill();
  const refused = await peer.ask(['pub', 3, 'feed', 'lost']);
  expect(refused.slice(0, 3)).toEqual(['err', 3, 'internal']);
  expect(String(refused[3])).toMatch(/could not be stored/);
  expect(logged.some((m) => /not stored nor sent/.test(m))).toBe(true);
  expect(r.app.pubsub.stats().notStored).toBeGreaterThanOrEqual(1);

  await redis.restart();
  let answer: unknown[] = [];
  for (let ref = 10; ref < 60; ref++) {
    // node-redis reconnects with a back-off: publishes are refused until it is back.
    answer = await peer.ask(['pub', ref, 'feed', 'again']);
    if (answer[0] === 'ok') break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  expect(answer[0]).toBe('ok');
}, 30_000);
