// The Server's WebSocket wiring: upgrades on the same port, publish, 1001 on stop, publish across workers.
import WebSocket from 'ws';
import { startApp, request } from './helpers/server';
import { startChild, killChild } from './helpers/child';
import { wsBase } from './helpers/tls-lane';

function open(url: string): Promise<{ ws: WebSocket; messages: unknown[]; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const messages: unknown[] = [];
    const closed = new Promise<number>((res) => ws.on('close', (code) => res(code)));
    ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
    ws.on('open', () => resolve({ ws, messages, closed }));
    ws.on('error', reject);
  });
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('HTTP and WebSocket share the port; app.publish reaches subscribers; stop closes them with 1001', async () => {
  const r = await startApp((app) => {
    app.on('ws:connect', ({ ws }: { ws: { subscribe(t: string): void } }) => ws.subscribe('news'));
    app.post('/publish', (req) => ({ body: { receivers: app.publish('news', req.body) } }));
  });
  const a = await open(`${wsBase(r.port)}/ws?token=x`);
  const b = await open(`${wsBase(r.port)}/ws`);
  const res = await request(r.port, {
    method: 'POST',
    path: '/publish',
    body: '{"n":1}',
    headers: { 'content-type': 'application/json' },
  });
  expect(JSON.parse(res.text)).toEqual({ receivers: 2 });
  await until(() => a.messages.length === 1 && b.messages.length === 1);
  expect(a.messages).toEqual([{ n: 1 }]);
  a.ws.send(JSON.stringify({ ping: true }));
  await until(() => a.messages.length === 2);
  expect(a.messages[1]).toEqual({ echo: { ping: true } });
  await r.stop();
  expect(await a.closed).toBe(1001);
  expect(await b.closed).toBe(1001);
});

test('workers=2: a publish in one worker reaches subscribers in both', async () => {
  const child = await startChild({ WORKERS: '2', SHUTDOWN_TIMEOUT: '2000' }, 30000);
  const clients: Array<Awaited<ReturnType<typeof open>>> = [];
  try {
    // Connect until the clients cover both workers (each greets with its pid).
    const pids = new Set<number>();
    const end = Date.now() + 10000;
    while (pids.size < 2 && Date.now() < end) {
      const c = await open(`${wsBase(child.port)}/ws`);
      clients.push(c);
      await until(() => c.messages.length === 1);
      pids.add((c.messages[0] as { pid: number }).pid);
    }
    expect(pids.size).toBe(2);
    const res = await request(child.port, {
      method: 'POST',
      path: '/publish',
      body: '{"hello":"everyone"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    await until(() => clients.every((c) => c.messages.length === 2));
    for (const c of clients) expect(c.messages[1]).toEqual({ hello: 'everyone' });
  } finally {
    for (const c of clients) c.ws.terminate();
    await killChild(child);
  }
}, 40000);
