// examples/basic.ts works as documented.
import { Server } from '../lib/server';
import { createBasicApp } from '../examples/basic';
import { httpBase, laneSettings } from './helpers/tls-lane';

let server: Server;
let base: string;
beforeAll(async () => {
  server = await new Server(createBasicApp(laneSettings({ port: 0 }))).run();
  base = `${httpBase(server.port)}`;
});
afterAll(() => server.stop());

test('routes, middleware headers, the after hook', async () => {
  const res = await fetch(`${base}/hello/ada?lang=fr`);
  expect(await res.json()).toEqual({ hello: 'ada', lang: 'fr' });
  expect(res.headers.get('x-powered-by')).toBe('krozen');
  expect(Number(res.headers.get('x-elapsed-ms'))).toBeGreaterThanOrEqual(0);
  expect((await fetch(base)).headers.get('content-type')).toBe('text/html; charset=utf-8');
});

test('the router group', async () => {
  const created = await fetch(`${base}/api/todos`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"title":"ship it"}',
  });
  expect(created.status).toBe(201);
  const todos = await (await fetch(`${base}/api/todos`)).json();
  expect(todos.map((t: { title: string }) => t.title)).toEqual(['Try krozen', 'ship it']);
  const bad = await fetch(`${base}/api/todos`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  expect(bad.status).toBe(400);
});

test('serveStatic serves the demo page, HEAD has no body', async () => {
  const res = await fetch(`${base}/static/index.html`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  expect(await res.text()).toContain('<html');
  const head = await fetch(`${base}/static/index.html`, { method: 'HEAD' });
  expect(head.status).toBe(200);
  expect(await head.text()).toBe('');
  const etag = res.headers.get('etag');
  expect(etag).toBeTruthy();
  const notModified = await fetch(`${base}/static/index.html`, { headers: { 'if-none-match': etag! } });
  expect(notModified.status).toBe(304);
  expect(await notModified.text()).toBe('');
  expect((await fetch(`${base}/static/../package.json`)).status).toBe(404);
});
