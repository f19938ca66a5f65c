// krozen/client against the real server, app.realtime() (lib/realtime/), on krozen's transport (and node:http
// with KROZEN_TRANSPORT=node): publish/subscribe, requests both ways, and recovery across a server-side cut.
import { connect, type RealtimeClient } from '../../client/index';
import { startWs, type RunningWs } from '../ws/helpers';
import type { RealtimeEndpoint } from '../../lib/index';
import { wsBase } from '../helpers/tls-lane';

let srv: RunningWs;
let rt: RealtimeEndpoint;
let url: string;
const clients: RealtimeClient[] = [];

beforeAll(async () => {
  srv = await startWs((app) => {
    rt = app.realtime('/rt', {
      recovery: ['feed'],
      canPublish: (_ws, topic) => topic === 'chat',
      requests: { add: (d) => (d as { a: number; b: number }).a + (d as { a: number; b: number }).b },
    });
  });
  url = `${wsBase(srv.port)}/rt`;
});
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});
afterAll(() => srv.stop());

function open(): RealtimeClient {
  const c = connect(url, { reconnect: { initialDelay: 50, maxDelay: 200 } });
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

test('subscribe, publish (allowed and forbidden), requests both ways against app.realtime()', async () => {
  const c = open();
  const got: unknown[] = [];
  await c.subscribe('chat', (d) => got.push(d)).ready;
  await c.publish('chat', 'hello');
  await until(() => got.length === 1, 'the publish');
  await expect(c.publish('other', 1)).rejects.toMatchObject({ code: 'forbidden' });
  await expect(c.request('add', { a: 1, b: 2 })).resolves.toBe(3);
  await expect(c.request('missing', 1)).rejects.toMatchObject({ code: 'not_found' });
  c.handle('double', (n) => (n as number) * 2);
  await until(() => rt.connections.length === 1, 'the connection');
  await expect(rt.request(rt.connections[0], 'double', 21)).resolves.toBe(42);
  const heard: unknown[] = [];
  c.onEvent('notice', (d) => heard.push(d));
  rt.broadcast('notice', 'hi');
  await until(() => heard.length === 1, 'the event');
});

test('recovery across a server-side terminate: every message once, in order, and recovered', async () => {
  const c = open();
  const got: unknown[] = [];
  const recovered: unknown[] = [];
  c.on('recovered', (e) => recovered.push(e));
  await c.subscribe('feed', (d) => got.push(d)).ready;
  await until(() => rt.connections.length === 1, 'the connection');
  for (let i = 1; i <= 5; i++) rt.publish('feed', i);
  await until(() => got.length === 5, 'the first five');
  let drops = 0;
  c.on('reconnecting', () => drops++);
  // Published in the same tick as the cut: the client cannot be back yet (its first retry may come at once,
  // full jitter), so these five can only reach it by recovery.
  rt.connections[0].terminate();
  for (let i = 6; i <= 10; i++) rt.publish('feed', i);
  await until(() => drops === 1, 'the cut');
  await until(() => got.length === 10, 'the missed five');
  for (let i = 11; i <= 12; i++) rt.publish('feed', i);
  await until(() => got.length === 12, 'live');
  expect(got).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  expect(recovered).toEqual([{ topic: 'feed', count: 5 }]);
});
