// Recovery end to end with Redis (docs/realtime.md#recovery-across-processes-and-restarts): two krozen server
// processes A and B on one redis-server, a publisher in this process sending 1..N on `feed` at a steady rate
// through the Redis Stream, and a krozen/client connected through a TCP proxy in front of A. A is SIGKILLed
// and the proxy switched to B: the client recovers from the shared stream, every message once, in order.
// Also: a history trimmed past the client's id (lost, with the right count, then live again), and a cut
// socket while B has no other subscriber to the topic (B leaves the Redis channel; the stream still has all).
// Each `m` frame on the wire is recorded too: the server must send no message twice (not only the client
// dropping it).
import WsClient from 'ws';
import { connect, type RealtimeClient, type WebSocketConstructor } from '../../client/index';
import { startChild, killChild, type Child } from '../helpers/child';
import { startRedis, type RedisServer } from '../helpers/redis';
import { startProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { request } from '../helpers/server';
import { startFeedPublisher, type FeedPublisher } from '../helpers/feed-publisher';
import { wsBase } from '../helpers/tls-lane';

const APP = './test/helpers/realtime-app.ts';
let redis: RedisServer;
let prefix = '';
let publisher: FeedPublisher | undefined;
let proxy: TcpProxy | undefined;
const children: Child[] = [];
const clients: RealtimeClient[] = [];

beforeAll(async () => {
  redis = await startRedis();
  // Small stream nodes, so MAXLEN ~ trims close to recoveryMaxMessages (the default node holds 100 entries).
  expect(await redis.command('CONFIG SET stream-node-max-entries 10')).toBe('+OK\r\n');
}, 20_000);

let seq = 0;
beforeEach(() => {
  prefix = `rr${++seq}:`; // a fresh stream per test
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await publisher?.stop();
  publisher = undefined;
  await proxy?.close();
  proxy = undefined;
  await Promise.all(children.splice(0).map(killChild));
});

afterAll(async () => {
  await redis?.stop();
});

async function server(env: Record<string, string> = {}): Promise<Child> {
  const child = await startChild({ REDIS_URL: redis.url, REDIS_PREFIX: prefix, ...env }, 30_000, APP);
  children.push(child);
  return child;
}

/** `what` may be a function: it is read when the wait times out (the state then, not at the call). */
async function until(check: () => boolean, what: string | (() => string), ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function stats(port: number): Promise<any> {
  return JSON.parse((await request(port, { path: '/stats' })).text);
}

interface Watched {
  client: RealtimeClient;
  got: number[];
  recovered: Array<{ topic: string; count: number }>;
  lost: Array<{ topic: string; missed: number | null }>;
  /** Ids of the `m` frames on `feed` as they came off the wire, before the client's own de-duplication. */
  wire: string[];
}

/** A krozen/client through the proxy, subscribed to `feed`, with the frames it receives recorded. */
async function client(): Promise<Watched> {
  const wire: string[] = [];
  // ws's WebSocket with a tap: 'message' listeners run beside the client's onmessage.
  function Tapped(url: string, protocols: string): WsClient {
    const ws = new WsClient(url, protocols);
    ws.on('message', (data, binary) => {
      const m = binary ? null : JSON.parse(String(data));
      if (Array.isArray(m) && m[0] === 'm' && m[1] === 'feed') wire.push(m[3]);
    });
    return ws;
  }
  const c = connect(`${wsBase(proxy!.port)}/rt`, {
    WebSocket: Tapped as unknown as WebSocketConstructor,
    reconnect: { initialDelay: 50, maxDelay: 200 },
  });
  clients.push(c);
  const w: Watched = { client: c, got: [], recovered: [], lost: [], wire };
  c.on('recovered', (e) => w.recovered.push(e));
  c.on('lost', (e) => w.lost.push(e));
  await c.subscribe('feed', (n) => w.got.push(n as number)).ready;
  return w;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The numbers 1..n not in `got`, for a timeout's message (the first few). */
function missing(got: number[], n: number): string {
  const have = new Set(got);
  const out = range(1, n).filter((k) => !have.has(k));
  return out.length === 0 ? 'none' : `${out.slice(0, 10).join(', ')}${out.length > 10 ? ` … (${out.length})` : ''}`;
}

/** Frames the server sent whose id was not newer than one it had sent before on this topic. */
function resent(wire: string[]): string[] {
  const out: string[] = [];
  let top = '';
  for (const id of wire) {
    const [ms, n] = id.split('-').map(Number);
    const [tms, tn] = top === '' ? [-1, -1] : top.split('-').map(Number);
    if (ms > tms || (ms === tms && n > tn)) top = id;
    else out.push(id);
  }
  return out;
}

test('A is killed mid-stream and the proxy moves to B: every message 1..N once, in order, recovered', async () => {
  const [a, b] = await Promise.all([server(), server()]);
  publisher = await startFeedPublisher(redis.url, prefix);
  proxy = await startProxy(a.port);
  const w = await client();
  expect(await w.client.request('pid', null)).toBe(a.proc.pid);

  const N = 300;
  publisher.run(N, 4);
  await until(() => w.got.length >= 60, 'the first messages through A');
  proxy.blocked = true; // the client's reconnects fail until B takes over
  await killChild(a); // SIGKILL: no close frame, the proxied socket just ends
  await until(() => w.client.state !== 'open', 'the close'); // nothing more comes from A
  await publisher.reached(w.got.length + 40); // messages the client misses while it is away
  proxy.target = b.port;
  proxy.blocked = false;

  await until(
    () => w.got.length >= N,
    () => `all ${N} messages (got ${w.got.length}; missing ${missing(w.got, N)})`,
  );
  expect(await w.client.request('pid', null)).toBe(b.proc.pid);
  await new Promise((r) => setTimeout(r, 100)); // a late duplicate would show here
  expect(w.got).toEqual(range(1, N));
  expect(w.lost).toEqual([]);
  expect(w.recovered.length).toBe(1);
  expect(w.recovered[0].topic).toBe('feed');
  expect(w.recovered[0].count).toBeGreaterThanOrEqual(40);
  expect(resent(w.wire)).toEqual([]);
}, 30_000);

test("the history was trimmed past the client's id: lost with the number missed, then live messages resume", async () => {
  const env = { RECOVERY_MAX: '10' };
  const [a, b] = await Promise.all([server(env), server(env)]);
  publisher = await startFeedPublisher(redis.url, prefix, 10); // the publishing script trims: its bound counts
  proxy = await startProxy(a.port);
  const w = await client();

  const N = 400;
  publisher.run(N, 2);
  await until(() => w.got.length >= 30, 'the first messages through A');
  proxy.blocked = true;
  await killChild(a);
  await until(() => w.client.state !== 'open', 'the close'); // nothing more comes from A
  const before = w.got.length;
  await publisher.reached(before + 150); // far more than the 10 (+ one stream node) kept
  proxy.target = b.port;
  proxy.blocked = false;

  await until(
    () => w.got.at(-1) === N,
    () => `message ${N} (got ${w.got.length}, the last ${w.got.at(-1)})`,
  );
  await new Promise((r) => setTimeout(r, 100));
  const u = w.got[before - 1];
  const v = w.got[before];
  expect(w.got.slice(0, before)).toEqual(range(1, u));
  expect(w.got.slice(before)).toEqual(range(v, N)); // what the stream still held, then live, each once
  expect(v - u - 1).toBeGreaterThan(100);
  expect(w.lost).toEqual([{ topic: 'feed', missed: v - u - 1 }]);
  expect(resent(w.wire)).toEqual([]);
}, 30_000);

test('the socket is cut while B has no other subscriber to the topic: B leaves the channel, the stream recovers all', async () => {
  const b = await server();
  publisher = await startFeedPublisher(redis.url, prefix);
  proxy = await startProxy(b.port);
  const w = await client();

  const N = 1500; // fast, and more missed than one XRANGE page (500)
  publisher.run(N, 1);
  await until(() => w.got.length >= 60, 'the first messages');
  proxy.blocked = true;
  proxy.cut(); // both sides reset: B sees its only subscriber to `feed` go
  let after: any;
  await until(() => w.client.state !== 'open', 'the cut');
  const end = Date.now() + 5000;
  while ((after = await stats(b.port)).pubsub.redis.channels !== 0 && Date.now() < end)
    await new Promise((r) => setTimeout(r, 20));
  expect(after.pubsub.redis.channels).toBe(0); // B follows `feed` no more: nothing of it reaches B
  expect(after.realtime.subscriptions).toBe(0);
  await publisher.reached(w.got.length + 700);
  proxy.blocked = false;

  await until(
    () => w.got.length >= N,
    () => `all ${N} messages (got ${w.got.length}; missing ${missing(w.got, N)})`,
  );
  await new Promise((r) => setTimeout(r, 100));
  expect(w.got).toEqual(range(1, N));
  expect(w.lost).toEqual([]);
  expect(w.recovered.length).toBe(1);
  expect(w.recovered[0].count).toBeGreaterThanOrEqual(700);
  expect(resent(w.wire)).toEqual([]);
}, 30_000);
