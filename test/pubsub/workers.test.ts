// Publishing across cluster workers without Redis (IPC through the primary), the primary's own publishes
// included.
import { startChild, killChild, type Child } from '../helpers/child';
import { request } from '../helpers/server';
import { connectToEach, published, until, type Client } from './clients';

const APP = './test/helpers/pubsub-app.ts';
let child: Child;
let clients: Client[] = [];

beforeAll(async () => {
  child = await startChild({ WORKERS: '2', PRIMARY_PUBLISH_MS: '50' }, 60000, APP);
  clients = await connectToEach(child.port, 2);
}, 70000);

afterAll(async () => {
  for (const c of clients) c.ws.terminate();
  if (child !== undefined) await killChild(child);
});

test('a publish in the primary reaches subscribers in both workers, in order', async () => {
  const fromPrimary = (c: Client) => published(c).filter((m) => (m.value as { from?: string })?.from === 'primary');
  await until(() => clients.every((c) => fromPrimary(c).length >= 3), 15000, 'primary publishes at both workers');
  expect(new Set(clients.map((c) => c.pid)).size).toBe(2);
  for (const c of clients) {
    const ns = fromPrimary(c).map((m) => (m.value as { n: number }).n);
    expect(ns).toEqual([...ns].sort((a, b) => a - b));
    for (let i = 1; i < ns.length; i++) expect(ns[i]).toBe(ns[i - 1] + 1); // none lost, none twice
  }
}, 20000);

test('a binary publish in one worker reaches both workers once, with the same bytes', async () => {
  const bytes = Buffer.from([0, 1, 2, 250, 255, 0x80, 0x81]);
  const res = await request(child.port, {
    method: 'POST',
    path: '/publish?topic=news',
    body: bytes,
    headers: { 'content-type': 'application/octet-stream' },
  });
  expect(res.status).toBe(200);
  const binaries = (c: Client) => published(c).filter((m) => m.binary);
  await until(() => clients.every((c) => binaries(c).length >= 1), 10000, 'binary at both workers');
  await new Promise((resolve) => setTimeout(resolve, 100)); // a second copy would arrive meanwhile
  for (const c of clients) {
    expect(binaries(c).length).toBe(1);
    expect(binaries(c)[0].data.equals(bytes)).toBe(true);
  }
  const stats = JSON.parse((await request(child.port, { path: '/stats' })).text);
  expect(stats.transport).toBe('ipc');
  expect(stats.ipc).toEqual(expect.objectContaining({ sent: expect.any(Number), received: expect.any(Number) }));
}, 20000);

test('a publish in one worker reaches krozen.v1 subscribers in both workers as ["m", topic, data]', async () => {
  const { connect: connectRt } = await import('../realtime/helpers');
  const byPid = new Map<number, Awaited<ReturnType<typeof connectRt>>>();
  for (let i = 0; i < 20 && byPid.size < 2; i++) {
    const p = await connectRt(`ws://127.0.0.1:${child.port}/rt`);
    const pid = (await p.ask(['req', 1, 'pid', null]))[2] as number;
    if (byPid.has(pid)) p.close();
    else byPid.set(pid, p);
  }
  expect(byPid.size).toBe(2);
  const peers = [...byPid.values()];
  for (const p of peers) {
    expect(await p.ask(['sub', 2, 'rt/news'])).toEqual(['ok', 2, { last: null, recovered: 0 }]);
    expect((await p.ask(['sub', 3, 'rec/news']))[0]).toBe('ok');
  }
  const post = (topic: string, body: string, type: string) =>
    request(child.port, { method: 'POST', path: `/publish?topic=${topic}`, body, headers: { 'content-type': type } });
  expect((await post('rt/news', '{"a":[1,2]}', 'application/json')).status).toBe(200);
  // A string crosses as text and arrives as a JSON string, not as JSON text.
  expect((await post('rt/news', '{"not":"json"}', 'text/plain')).status).toBe(200);
  expect((await post('rec/news', '{"r":1}', 'application/json')).status).toBe(200);
  for (const p of peers) {
    expect(await p.next(10000)).toEqual(['m', 'rt/news', { a: [1, 2] }]);
    expect(await p.next(10000)).toEqual(['m', 'rt/news', '{"not":"json"}']);
    // Recovery without Redis is per process: each worker numbers the message in its own history.
    expect(await p.next(10000)).toEqual(['m', 'rec/news', { r: 1 }, expect.stringMatching(/^\d+-1$/)]);
    p.close();
  }
}, 30000);
