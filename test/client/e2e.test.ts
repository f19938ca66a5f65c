// krozen/client end to end in Node against a protocol-following server (test/client/fake-server.ts, on `ws`):
// on Node 22+ through globalThis.WebSocket, on Node 20 through the `ws` fallback (`transport` says which).
import { connect, RealtimeError, type RealtimeClient } from '../../client/index';
import { startFake, type FakeServer } from './fake-server';

const transport = (globalThis as { WebSocket?: unknown }).WebSocket ? 'global WebSocket' : 'ws fallback';
let server: FakeServer;
const clients: RealtimeClient[] = [];
const fast = { reconnect: { initialDelay: 50, maxDelay: 200 } };

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
});

function open(options = {}): RealtimeClient {
  const c = connect(server.url, { ...fast, ...options });
  clients.push(c);
  return c;
}

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const opened = (c: RealtimeClient): Promise<void> => until(() => c.state === 'open', 'open');

test(`subscribe, publish, requests and events both ways (${transport})`, async () => {
  server = await startFake({ canPublish: true, requests: { add: (d: { a: number; b: number }) => d.a + d.b } });
  const c = open();
  const got: Array<[unknown, string]> = [];
  const sub = c.subscribe('news', (data, meta) => got.push([data, meta.topic]));
  await sub.ready;
  server.publish('news', { n: 1 });
  await until(() => got.length === 1, 'a message');
  expect(got).toEqual([[{ n: 1 }, 'news']]);
  await c.publish('news', 'from the client');
  await until(() => got.length === 2, 'its own publish');
  expect(got[1]).toEqual(['from the client', 'news']);
  await expect(c.subscribe('forbidden', () => {}).ready).rejects.toMatchObject({ code: 'forbidden' });

  await expect(c.request('add', { a: 2, b: 3 })).resolves.toBe(5);
  const missing = (await c.request('nope', null).catch((e: unknown) => e)) as RealtimeError;
  expect(missing).toBeInstanceOf(RealtimeError);
  expect(missing.code).toBe('not_found');

  expect(c.emit('hello', [1, 2])).toBe(true);
  await until(() => server.events.length === 1, 'the event');
  expect(server.events).toEqual([['hello', [1, 2]]]);
  const heard: unknown[] = [];
  c.onEvent('notice', (d) => heard.push(d));
  server.emit('notice', 'hi');
  await until(() => heard.length === 1, 'a server event');

  c.handle('double', (n) => (n as number) * 2);
  c.handle('fails', () => {
    throw new Error('nope');
  });
  await expect(server.request('double', 21)).resolves.toEqual(['ok', expect.any(Number), 42]);
  await expect(server.request('fails', 1)).resolves.toEqual(['err', expect.any(Number), 'internal', 'nope']);
  await expect(server.request('unknown', 1)).resolves.toEqual([
    'err',
    expect.any(Number),
    'not_found',
    'no handler for unknown',
  ]);

  sub.unsubscribe();
  await until(() => server.subscribers('news') === 0, 'the unsub');
});

test('a request with no answer rejects with timeout; client publish denied rejects with forbidden', async () => {
  server = await startFake({ requests: { slow: () => new Promise(() => {}) } });
  const c = open();
  const t0 = Date.now();
  await expect(c.request('slow', 1, { timeout: 150 })).rejects.toMatchObject({ code: 'timeout' });
  expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  await expect(c.publish('x', 1)).rejects.toMatchObject({ code: 'forbidden' });
});

test('reconnect after the server cuts the socket: pending requests reject closed, resubscribed, buffered sends flushed', async () => {
  server = await startFake({ canPublish: true, requests: { slow: () => new Promise(() => {}) } });
  const c = open();
  const got: unknown[] = [];
  const states: string[] = [];
  c.on('reconnecting', (e) => states.push(`reconnecting ${e.attempt}`));
  c.on('open', (e) => states.push(e.reconnected ? 'reopened' : 'open'));
  await c.subscribe('news', (d) => got.push(d)).ready;
  const pending = c.request('slow', 1, { timeout: 0 });
  await until(() => server.received.some((f) => f[0] === 'req'), 'the request on the wire');

  server.terminateAll();
  await expect(pending).rejects.toMatchObject({ code: 'closed' });
  expect(c.state).toBe('reconnecting');
  const published = c.publish('news', 'buffered');
  expect(c.emit('offline', 1)).toBe(true);

  await published; // flushed after the reconnect and answered
  await until(() => got.includes('buffered'), 'the buffered publish, through the new subscription');
  await until(() => server.events.length === 1, 'the buffered event');
  expect(server.subscribers('news')).toBe(1);
  const subs = server.received.filter((f) => f[0] === 'sub');
  expect(subs).toHaveLength(2);
  // Resubscription first, then the buffer.
  const order = server.received.map((f) => f[0]).slice(-4);
  expect(order.indexOf('sub')).toBeLessThan(order.indexOf('pub'));
  expect(states).toEqual(['open', 'reconnecting 1', 'reopened']);
});

test('recovery: messages 1..N with a cut in the middle arrive exactly once, in order, and recovered fires', async () => {
  server = await startFake({ recoveryTopics: ['feed'] });
  const c = open();
  const got: Array<[unknown, string | undefined]> = [];
  const recovered: unknown[] = [];
  c.on('recovered', (e) => recovered.push(e));
  await c.subscribe('feed', (d, meta) => got.push([d, meta.id])).ready;
  for (let i = 1; i <= 5; i++) server.publish('feed', i);
  await until(() => got.length === 5, 'the first five');
  const lastBefore = got[4][1];

  server.terminateAll();
  for (let i = 6; i <= 10; i++) server.publish('feed', i); // while the client is away
  await until(() => got.length === 10, 'the missed five');
  expect(recovered).toEqual([{ topic: 'feed', count: 5 }]);
  const resub = server.received.filter((f) => f[0] === 'sub')[1];
  expect(resub).toEqual(['sub', expect.any(Number), 'feed', lastBefore]);
  for (let i = 11; i <= 12; i++) server.publish('feed', i);
  await until(() => got.length === 12, 'live messages');
  expect(got.map(([d]) => d)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
});

test('a server that resends messages already seen: the client drops every duplicate', async () => {
  server = await startFake({ recoveryTopics: ['feed'], resendAll: true });
  const c = open();
  const got: unknown[] = [];
  await c.subscribe('feed', (d) => got.push(d)).ready;
  for (let i = 1; i <= 3; i++) server.publish('feed', i);
  await until(() => got.length === 3, 'three');
  let drops = 0;
  c.on('reconnecting', () => drops++);
  server.terminateAll();
  server.publish('feed', 4);
  // The event, not the state: with full jitter the first retry may come at once and the state be 'open' again.
  await until(() => drops === 1, 'the drop');
  await opened(c);
  server.publish('feed', 5);
  await until(() => got.length >= 5, 'five');
  await new Promise((r) => setTimeout(r, 50));
  expect(got).toEqual([1, 2, 3, 4, 5]);
});

test('lost: history trimmed past the last id seen; lost fires and live messages with new ids still arrive', async () => {
  server = await startFake({ recoveryTopics: ['feed'], historySize: 3 });
  const c = open();
  const got: unknown[] = [];
  const lost: unknown[] = [];
  c.on('lost', (e) => lost.push(e));
  await c.subscribe('feed', (d) => got.push(d)).ready;
  server.publish('feed', 1);
  await until(() => got.length === 1, 'one');
  server.terminateAll();
  for (let i = 2; i <= 10; i++) server.publish('feed', i);
  await until(() => lost.length === 1, 'lost');
  expect(lost).toEqual([{ topic: 'feed', missed: null }]);
  await opened(c);
  server.publish('feed', 11);
  await until(() => got.includes(11), 'a live message after lost');
  expect(got).toEqual([1, 11]);
});

test('maxBuffered: sends past the bound while offline fail with limit; close rejects the rest with closed', async () => {
  server = await startFake();
  const url = server.url;
  await server.close(); // nothing listens: the client keeps reconnecting
  const c = connect(url, { maxBuffered: 2, reconnect: { initialDelay: 20, maxDelay: 50 } });
  clients.push(c);
  const a = c.publish('t', 1);
  const b = c.request('r', 2);
  await expect(c.publish('t', 3)).rejects.toMatchObject({ code: 'limit' });
  expect(c.emit('e', 4)).toBe(false);
  c.close();
  await expect(a).rejects.toMatchObject({ code: 'closed' });
  await expect(b).rejects.toMatchObject({ code: 'closed' });
  expect(c.state).toBe('closed');
});

test('keep-alive: no answer to ["ping"] within pingTimeout counts as a dead connection and reconnects', async () => {
  server = await startFake({ noPong: true });
  const c = open({ pingInterval: 50, pingTimeout: 100 });
  const closes: unknown[] = [];
  c.on('close', (e) => closes.push(e));
  await opened(c);
  await until(() => closes.length === 1, 'the dead connection closed', 2000);
  expect(closes[0]).toMatchObject({ reason: 'no pong', willReconnect: true });
  expect(server.received.some((f) => f[0] === 'ping')).toBe(true);
  await opened(c);
});

test('reconnect: false ends the client at the first close; retryRequests sends a pending request again', async () => {
  let calls = 0;
  server = await startFake({ requests: { once: () => (++calls === 1 ? new Promise(() => {}) : 'second') } });
  const noRetry = open({ reconnect: false });
  await opened(noRetry);
  const retry = open({ retryRequests: true });
  await opened(retry);
  const answer = retry.request('once', null, { timeout: 0 });
  await until(() => calls === 1, 'the first try');
  server.terminateAll();
  await expect(answer).resolves.toBe('second');
  expect(noRetry.state).toBe('closed');
});
