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
