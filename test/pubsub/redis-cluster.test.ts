// Redis Cluster (3 masters + 3 replicas, test/helpers/redis-cluster.ts): sharded pub/sub between two
// transports with topics spread over the three shards, then a master killed while a recovery topic is
// published to at a steady rate: every publish is either delivered (in order, once) or rejected.
import { startRedisCluster, type RedisCluster } from '../helpers/redis-cluster';
import { RedisTransport } from '../../lib/pubsub/redis';
import { Topics } from '../../lib/pubsub/topics';
import { compareIds } from '../../lib/pubsub/history';
import { until } from './clients';

let cluster: RedisCluster;
const transports: RedisTransport[] = [];
const nothing = (): void => undefined;
const quiet = { error: nothing, warn: nothing, info: nothing, debug: nothing };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Peer {
  transport: RedisTransport;
  topics: Topics<object>;
  got: Array<{ topic: string; id?: string; text: string }>;
}

async function peer(): Promise<Peer> {
  const topics = new Topics<object>();
  const got: Peer['got'] = [];
  const transport = new RedisTransport(
    {
      cluster: cluster.urls.slice(0, 2),
      prefix: 'kc:',
      logger: quiet,
      isRecoveryTopic: (t) => t.startsWith('r-'),
      deliver: (topic, _binary, payload, id) => got.push({ topic, id, text: payload.toString() }),
    },
    topics,
  );
  transports.push(transport);
  await transport.start();
  return { transport, topics, got };
}

/** Topics (recovery ones when `recovery`) whose channels land on each of the three masters. */
async function topicsOnEachShard(recovery: boolean): Promise<string[]> {
  const byMaster = new Map<number, string>();
  for (let i = 0; byMaster.size < 3 && i < 200; i++) {
    const topic = recovery ? `r-t${i}` : `t${i}`;
    const master = await cluster.masterOf(recovery ? `kc:{${topic}}` : `kc:${topic}`);
    if (!byMaster.has(master)) byMaster.set(master, topic);
  }
  expect(byMaster.size).toBe(3);
  return [...byMaster.values()];
}

beforeAll(async () => {
  cluster = await startRedisCluster();
}, 60000);

afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.stop()));
});

afterAll(async () => {
  await cluster?.stop();
});

test('sharded pub/sub: plain and recovery topics on all three shards reach the other process', async () => {
  const [a, b] = await Promise.all([peer(), peer()]);
  expect((a.transport.stats() as { sharded: boolean }).sharded).toBe(true);
  const plain = await topicsOnEachShard(false);
  const recovery = await topicsOnEachShard(true);
  for (const t of [...plain, ...recovery]) b.topics.add(t, {});
  await sleep(500); // the sharded subscriptions reach their nodes
  const history = a.transport.history({ maxMessages: 100, maxAge: 60_000, maxBytes: 0 });
  for (const t of plain) {
    const buf = Buffer.alloc(16 + 5);
    buf.write(`p-${t}`.slice(0, 5), 16);
    a.transport.send(t, false, buf);
  }
  const ids = await Promise.all(recovery.map((t) => history.append(t, Buffer.from(`"${t}"`))));
  await until(() => b.got.length >= 6, 10000, 'deliveries on three shards');
  await sleep(100);
  expect(b.got.length).toBe(6);
  expect(new Set(b.got.map((m) => m.topic))).toEqual(new Set([...plain, ...recovery]));
  expect(
    b.got
      .filter((m) => m.id !== undefined)
      .map((m) => m.id)
      .sort(),
  ).toEqual([...ids].sort());
  // Sharded channels are counted per shard: each recovery channel has one subscriber on its own master.
  for (const t of recovery) {
    const port = await cluster.masterOf(`kc:{${t}}`);
    expect(await cluster.cli(port, 'PUBSUB', 'SHARDNUMSUB', `kc:{${t}}`)).toMatch(/\n1\n?$/);
  }
}, 60000);

interface Publish {
  at: number;
  /** When its promise settled. */
  done?: number;
  id?: string;
  error?: string;
}

test('failover: the master of a recovery topic dies mid-stream; every publish is delivered once in order or rejected', async () => {
  const [pub, sub] = await Promise.all([peer(), peer()]);
  const topic = 'r-failover';
  sub.topics.add(topic, {});
  await sleep(500);
  const history = pub.transport.history({ maxMessages: 10_000, maxAge: 600_000, maxBytes: 0 });
  const publishes: Publish[] = [];
  let settled = 0;
  const timer = setInterval(() => {
    const p: Publish = { at: Date.now() };
    publishes.push(p);
    history.append(topic, Buffer.from(String(publishes.length - 1))).then(
      (id) => {
        p.id = id;
        p.done = Date.now();
        settled++;
      },
      (err: Error) => {
        p.error = err.message;
        p.done = Date.now();
        settled++;
      },
    );
  }, 20);
  let killedAt!: number;
  let promotedAt!: number;
  let heir!: number;
  try {
    await sleep(1000);
    const master = await cluster.masterOf(`kc:{${topic}}`);
    killedAt = Date.now();
    heir = await cluster.killMaster(master);
    promotedAt = Date.now();
    expect(await cluster.masterOf(`kc:{${topic}}`)).toBe(heir);
    await sleep(4000); // publishing goes on against the promoted replica
  } finally {
    clearInterval(timer);
  }
  await until(() => settled === publishes.length, 15000, 'every publish settled');
  const accepted = publishes.filter((p) => p.id !== undefined);
  await until(() => sub.got.length >= accepted.length, 15000, 'every accepted publish delivered');
  await sleep(300);

  // Delivered in id order, each message once.
  const ids = sub.got.map((m) => m.id!);
  for (let i = 1; i < ids.length; i++) expect(compareIds(ids[i], ids[i - 1])).toBeGreaterThan(0);
  const delivered = new Map(sub.got.map((m) => [Number(m.text), m.id]));
  expect(delivered.size).toBe(sub.got.length);
  // Every publish that resolved was delivered with its id; every other one rejected.
  for (const p of accepted) expect(delivered.get(publishes.indexOf(p))).toBe(p.id);
  const rejected = publishes.filter((p) => p.error !== undefined);
  expect(accepted.length + rejected.length).toBe(publishes.length);
  // A rejection that says the command never left krozen (node offline, queue dropped) was never delivered; only
  // a command in flight when the connection broke may have run anyway.
  const inDoubt = rejected.filter((p) => delivered.has(publishes.indexOf(p)));
  expect(inDoubt.every((p) => /Socket closed|ECONNRESET/.test(p.error!))).toBe(true);
  expect(rejected.length).toBeGreaterThan(0); // the outage was visible to the publisher
  // Publishes to the dead node fail at once instead of waiting in its queue until the failover is noticed.
  const slowestRejection = Math.max(...rejected.map((p) => p.done! - p.at));
  expect(slowestRejection).toBeLessThan(1000);
  // The subscription resumed on the promoted replica: what was published after the promotion arrives, live.
  const after = publishes.filter((p) => p.at >= promotedAt);
  const afterDelivered = after.filter((p) => delivered.has(publishes.indexOf(p)));
  expect(afterDelivered.length).toBeGreaterThan(80);
  // node-redis notices the promotion within about a second (topology refresh while the dead node reconnects):
  // from two seconds after it, nothing is rejected any more.
  const late = publishes.filter((p) => p.at >= promotedAt + 2000);
  expect(late.length).toBeGreaterThan(40);
  expect(late.filter((p) => !delivered.has(publishes.indexOf(p)))).toEqual([]);
  expect(await cluster.cli(heir, 'PUBSUB', 'SHARDNUMSUB', `kc:{${topic}}`)).toMatch(/\n1\n?$/);
  const firstRejected = publishes.findIndex((p) => p.error !== undefined);
  const back = publishes.find((p, i) => i > firstRejected && p.id !== undefined)!;
  const errors = [...new Set(rejected.map((p) => p.error))].join(' | ');
  console.log(
    `failover: published ${publishes.length}, delivered ${sub.got.length}, rejected ${rejected.length} ` +
      `(${errors}; slowest rejection ${slowestRejection} ms; ${inDoubt.length} in doubt and delivered); replica promoted ${promotedAt - killedAt} ms after ` +
      `the kill, publishes accepted again ${back.at - killedAt} ms after it; ` +
      `after the promotion ${afterDelivered.length}/${after.length} delivered`,
  );
}, 90000);
