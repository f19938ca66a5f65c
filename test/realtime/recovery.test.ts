// Recovery on the wire (docs/realtime-protocol.md#recovery): a client that reconnects with `after` gets exactly
// what it missed, in order, then the live stream with no gap and no duplicate, even while publishing goes on
// during the history read (a history whose read is asynchronous, as the Redis one is); `lost` when the history
// no longer holds what was missed.
import { startWs, sleep, type RunningWs } from '../ws/helpers';
import { connect, type Peer } from './helpers';
import { MemoryHistory } from '../../lib/pubsub/history-memory';
import type { HistoryStore } from '../../lib/pubsub/history';
import { wsBase } from '../helpers/tls-lane';

let srv: RunningWs;
let url: string;
let memory: MemoryHistory;
/** Reads wait this long (ms) before looking at the history: publishes land in between. */
let readDelay = 0;
const peers: Peer[] = [];

/** The in-memory history whose reads are asynchronous and late. */
function slowStore(inner: MemoryHistory): HistoryStore {
  return {
    kind: 'memory',
    append: (topic, payload) => inner.append(topic, payload),
    since: async (topic, after) => {
      await sleep(readDelay);
      return inner.since(topic, after);
    },
    last: async (topic) => {
      await sleep(readDelay);
      return inner.last(topic);
    },
    stats: () => inner.stats(),
    stop: () => inner.stop(),
  };
}

beforeAll(async () => {
  srv = await startWs(
    (app) => {
      memory = new MemoryHistory({ maxMessages: 5, maxAge: 1000, maxBytes: 1 << 20 });
      app.pubsub.history = slowStore(memory);
      app.realtime('/rt', { recovery: ['feed*', 'count'] });
    },
    { recoveryMaxMessages: 5 },
  );
  url = `${wsBase(srv.port)}/rt`;
});
afterEach(() => {
  readDelay = 0;
  for (const p of peers.splice(0)) p.close();
});
afterAll(() => srv.stop());

async function peer(): Promise<Peer> {
  const p = await connect(url);
  peers.push(p);
  return p;
}

const publish = (topic: string, from: number, to: number): void => {
  for (let n = from; n <= to; n++) srv.app.publish(topic, { n });
};

/** The `m` messages' n, until `count` arrived. */
async function received(p: Peer, count: number): Promise<Array<{ n: number; id: string }>> {
  const out: Array<{ n: number; id: string }> = [];
  while (out.length < count) {
    const m = await p.next();
    expect(m[0]).toBe('m');
    out.push({ n: (m[2] as { n: number }).n, id: m[3] as string });
  }
  return out;
}

test('recovery-enabled topics carry ids; the sub answer says the newest', async () => {
  const p = await peer();
  expect(await p.ask(['sub', 1, 'feed/a'])).toEqual(['ok', 1, { last: null, recovered: 0 }]);
  publish('feed/a', 1, 2);
  const got = await received(p, 2);
  expect(got.map((m) => m.id)).toEqual([`${memory.epoch}-1`, `${memory.epoch}-2`]);
  const q = await peer();
  expect(await q.ask(['sub', 1, 'feed/a'])).toEqual(['ok', 1, { last: `${memory.epoch}-2`, recovered: 0 }]);
  // A topic without recovery: no id.
  await p.ask(['sub', 2, 'plain']);
  srv.app.publish('plain', 1);
  expect(await p.next()).toEqual(['m', 'plain', 1]);
});

test('a reconnect with after gets exactly the missed messages, then the ok, then live ones', async () => {
  const a = await peer();
  await a.ask(['sub', 1, 'feed/b']);
  publish('feed/b', 1, 3);
  const seen = await received(a, 3);
  a.close();
  publish('feed/b', 4, 5);
  const b = await peer();
  const before: unknown[][] = [];
  const ok = await b.ask(['sub', 1, 'feed/b', seen[2].id], before);
  expect(before.map((m) => (m[2] as { n: number }).n)).toEqual([4, 5]);
  expect(ok).toEqual(['ok', 1, { last: before[1][3], recovered: 2 }]);
  publish('feed/b', 6, 6);
  expect((await received(b, 1))[0].n).toBe(6);
  // Up to date already: nothing recovered, last is the id given.
  const c = await peer();
  expect(await c.ask(['sub', 1, 'feed/b', `${memory.epoch}-6`])).toEqual([
    'ok',
    1,
    { last: `${memory.epoch}-6`, recovered: 0 },
  ]);
});

test('publishing goes on while the history is read: no gap, no duplicate', async () => {
  const a = await peer();
  await a.ask(['sub', 1, 'feed/c']);
  publish('feed/c', 1, 2);
  const seen = await received(a, 2);
  a.close();
  publish('feed/c', 3, 4);
  readDelay = 60;
  const b = await peer();
  b.send(['sub', 1, 'feed/c', seen[1].id]);
  // Published while the read waits: held live, and also in the history when the read looks (deduplicated).
  await sleep(20);
  publish('feed/c', 5, 6);
  await sleep(20);
  publish('feed/c', 7, 7);
  await sleep(60);
  publish('feed/c', 8, 8);
  const messages: unknown[][] = [];
  for (let i = 0; i < 7; i++) messages.push(await b.next());
  const ns = messages.map((m) => (m[0] === 'ok' ? 'ok' : (m[2] as { n: number }).n));
  // The read saw 3..7 (recovered 5); 5..7 were held too and are not sent twice; 8 is live.
  expect(ns).toEqual([3, 4, 5, 6, 7, 'ok', 8]);
  expect(messages[5]).toEqual(['ok', 1, { last: `${memory.epoch}-7`, recovered: 5 }]);
  expect(await b.silent()).toBe(true);
});

test('a sub without after while the read is slow: the ok, then what was held', async () => {
  readDelay = 40;
  const b = await peer();
  b.send(['sub', 1, 'feed/d']);
  await sleep(10);
  publish('feed/d', 1, 1);
  const ok = await b.next();
  expect(ok[0]).toBe('ok');
  expect((await received(b, 1))[0].n).toBe(1);
});

test('lost: trimmed by count (recoveryMaxMessages 5), with how many were missed', async () => {
  const a = await peer();
  await a.ask(['sub', 1, 'count']);
  publish('count', 1, 1);
  const [first] = await received(a, 1);
  a.close();
  publish('count', 2, 9); // 2..4 trimmed, 5..9 kept
  const b = await peer();
  const before: unknown[][] = [];
  const ok = await b.ask(['sub', 1, 'count', first.id], before);
  expect(before[0]).toEqual(['lost', 'count', 3]);
  expect(before.slice(1).map((m) => (m[2] as { n: number }).n)).toEqual([5, 6, 7, 8, 9]);
  expect(ok).toEqual(['ok', 1, { last: `${memory.epoch}-9`, recovered: 5 }]);
});

test('lost: an id from another history (a restarted process) has no count; live messages follow', async () => {
  const b = await peer();
  const before: unknown[][] = [];
  const ok = await b.ask(['sub', 1, 'feed/e', `${memory.epoch - 1000}-3`], before);
  expect(before).toEqual([['lost', 'feed/e', null]]);
  expect(ok[2]).toEqual({ last: null, recovered: 0 });
  publish('feed/e', 1, 1);
  expect((await received(b, 1))[0].n).toBe(1);
});

test('lost: trimmed by age (maxAge 1000 ms)', async () => {
  const a = await peer();
  await a.ask(['sub', 1, 'feed/old']);
  publish('feed/old', 1, 2);
  const seen = await received(a, 2);
  a.close();
  publish('feed/old', 3, 3);
  await sleep(1100);
  const b = await peer();
  const before: unknown[][] = [];
  const ok = await b.ask(['sub', 1, 'feed/old', seen[0].id], before);
  expect(before).toEqual([['lost', 'feed/old', 2]]);
  expect(ok[2]).toEqual({ last: `${memory.epoch}-3`, recovered: 0 });
});

test('the history is in app.realtimeStats() and /_internal/info-style pubsub stats', () => {
  publish('feed/stats', 1, 2);
  const stats = srv.app.realtimeStats();
  expect(stats.history).toMatchObject({ kind: 'memory' });
  expect(stats.history?.entries).toBe(2);
  expect(stats.history?.bytes).toBe(14);
  expect(stats.endpoints[0]).toMatchObject({ path: '/rt' });
  expect(srv.app.pubsub.stats().history).toEqual(stats.history);
});
