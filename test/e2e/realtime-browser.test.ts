// krozen/client in a real browser (Debian's Chromium, driven by playwright-core) against the real server,
// app.realtime() with recovery on `feed`: the page loads the client bundled by esbuild, subscribes and counts
// messages 1..N (a) while its socket is terminated server-side (in-memory history, this process), and (b) with
// Redis, while the server process (a child) is SIGKILLed and started again on the same port and a publisher in
// this process keeps publishing into the stream. Every message must arrive once, in order, and the page must
// see `recovered`. One browser for both.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium';
import type { RealtimeEndpoint } from '../../lib/index';
import { startWs, type RunningWs } from '../ws/helpers';
import { startChild, killChild, type Child } from '../helpers/child';
import { startRedis, type RedisServer } from '../helpers/redis';
import { startFeedPublisher, type FeedPublisher } from '../helpers/feed-publisher';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'krozen-client-browser-'));
let browser: Browser;
let pages: http.Server;
let base: string;
let server: RunningWs | undefined;
let redis: RedisServer | undefined;
let publisher: FeedPublisher | undefined;
let child: Child | undefined;

const PAGE = `<!doctype html><meta charset="utf-8"><title>krozen/client</title>
<p>messages: <span id="count">0</span></p>
<script type="module">
  import { connect } from './client.mjs';
  const url = new URLSearchParams(location.search).get('ws');
  const client = connect(url, { reconnect: { initialDelay: 50, maxDelay: 200 } });
  window.got = [];
  client.on('recovered', (e) => (document.body.dataset.recovered = String(e.count)));
  client.on('reconnecting', () => (document.body.dataset.reconnected = 'yes'));
  client.on('lost', (e) => (document.body.dataset.lost = String(e.missed)));
  const sub = client.subscribe('feed', (data) => {
    window.got.push(data);
    document.getElementById('count').textContent = String(window.got.length);
  });
  sub.ready.then(() => (document.body.dataset.ready = 'yes'));
</script>`;

beforeAll(async () => {
  await build({
    entryPoints: [path.resolve(__dirname, '../../client/index.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    external: ['ws'],
    outfile: path.join(dir, 'client.mjs'),
    logLevel: 'error',
  });
  fs.writeFileSync(path.join(dir, 'index.html'), PAGE);
  pages = http.createServer((req, res) => {
    const file = new URL(req.url!, 'http://x').pathname === '/client.mjs' ? 'client.mjs' : 'index.html';
    res.setHeader('content-type', file.endsWith('.mjs') ? 'text/javascript' : 'text/html');
    res.end(fs.readFileSync(path.join(dir, file)));
  });
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await publisher?.stop();
  if (child !== undefined) await killChild(child);
  await redis?.stop();
  await new Promise((resolve) => pages?.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

async function openPage(ws: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/?ws=${encodeURIComponent(ws)}`);
  await page.locator('body[data-ready="yes"]').waitFor({ timeout: 10_000 });
  return { page, errors };
}

const got = (page: Page): Promise<number[]> => page.evaluate(() => (window as unknown as { got: number[] }).got);

test('messages 1..N across a socket terminated by the server: each once, in order, and the page sees recovered', async () => {
  let rt!: RealtimeEndpoint;
  server = await startWs((app) => {
    rt = app.realtime('/rt', { recovery: ['feed'], origins: [base] }); // the page is on another port
  });
  const { page, errors } = await openPage(`ws://127.0.0.1:${server.port}/rt`);

  const N = 40;
  for (let i = 1; i <= N / 2; i++) rt.publish('feed', i);
  await page.locator('#count', { hasText: String(N / 2) }).waitFor({ timeout: 5000 });
  expect(rt.connections.length).toBe(1);
  rt.connections[0].terminate(); // the page's socket dies without a close handshake
  for (let i = N / 2 + 1; i <= (3 * N) / 4; i++) rt.publish('feed', i); // while the page is away
  await page.locator(`body[data-recovered="${N / 4}"]`).waitFor({ timeout: 10_000 });
  for (let i = (3 * N) / 4 + 1; i <= N; i++) rt.publish('feed', i);
  await page.locator('#count', { hasText: String(N) }).waitFor({ timeout: 5000 });

  expect(await got(page)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
  expect(await page.locator('body').getAttribute('data-reconnected')).toBe('yes');
  expect(errors).toEqual([]);
  await page.close();
}, 30_000);

test('with Redis: the server process is killed and started again on the same port while publishing goes on', async () => {
  redis = await startRedis();
  const env = { REDIS_URL: redis.url, REDIS_PREFIX: 'browser:', ORIGINS: base };
  const app = './test/helpers/realtime-app.ts';
  child = await startChild(env, 30_000, app);
  const port = child.port;
  publisher = await startFeedPublisher(redis.url, 'browser:');
  const { page, errors } = await openPage(`ws://127.0.0.1:${port}/rt`);

  const N = 400;
  publisher.run(N, 5);
  await page.waitForFunction(() => (window as unknown as { got: number[] }).got.length >= 50, null, {
    timeout: 10_000,
  });
  await killChild(child); // SIGKILL: the page's socket ends, its reconnects are refused
  await page.locator('body[data-reconnected]').waitFor({ timeout: 5000 }); // nothing more comes from it
  await publisher.reached((await got(page)).length + 20); // published into Redis while no server runs
  child = await startChild({ ...env, PORT: String(port) }, 30_000, app);
  await page.locator(`body[data-recovered]`).waitFor({ timeout: 10_000 });
  await page.locator('#count', { hasText: String(N) }).waitFor({ timeout: 10_000 });
  await new Promise((r) => setTimeout(r, 100)); // a late duplicate would show here

  expect(await got(page)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
  expect(Number(await page.locator('body').getAttribute('data-recovered'))).toBeGreaterThanOrEqual(20);
  expect(await page.locator('body').getAttribute('data-lost')).toBeNull();
  expect(errors).toEqual([]);
  await page.close();
}, 45_000);
