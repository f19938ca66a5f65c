// krozen/client in a real browser (Debian's Chromium, driven by playwright-core): the page loads the client
// bundled by esbuild, subscribes to a recovery-enabled topic and counts messages 1..N while its socket is cut
// server-side in the middle. Every message must arrive once, in order, and the page must see `recovered`.
// The server is test/client/fake-server.ts (krozen.v1 on `ws`) until app.realtime() with recovery lands.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { startFake, type FakeServer } from '../client/fake-server';

const CHROMIUM = '/usr/bin/chromium';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'krozen-client-browser-'));
let browser: Browser;
let pages: http.Server;
let base: string;
let server: FakeServer;

const PAGE = `<!doctype html><meta charset="utf-8"><title>krozen/client</title>
<p>messages: <span id="count">0</span></p>
<script type="module">
  import { connect } from './client.mjs';
  const url = new URLSearchParams(location.search).get('ws');
  const client = connect(url, { reconnect: { initialDelay: 50, maxDelay: 200 } });
  window.got = [];
  client.on('recovered', (e) => (document.body.dataset.recovered = String(e.count)));
  client.on('reconnecting', () => (document.body.dataset.reconnected = 'yes'));
  const sub = client.subscribe('feed', (data) => {
    window.got.push(data);
    document.getElementById('count').textContent = String(window.got.length);
  });
  sub.ready.then(() => (document.body.dataset.ready = 'yes'));
</script>`;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
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
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await new Promise((resolve) => pages?.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('messages 1..N across a cut socket: each once, in order, and the page sees recovered', async () => {
  server = await startFake({ recoveryTopics: ['feed'] });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/?ws=${encodeURIComponent(server.url)}`);
  await page.locator('body[data-ready="yes"]').waitFor({ timeout: 10_000 });

  const N = 40;
  for (let i = 1; i <= N / 2; i++) server.publish('feed', i);
  await page.locator('#count', { hasText: String(N / 2) }).waitFor({ timeout: 5000 });
  server.terminateAll(); // the page's socket dies without a close handshake
  for (let i = N / 2 + 1; i <= (3 * N) / 4; i++) server.publish('feed', i); // while the page is away
  await page.locator(`body[data-recovered="${N / 4}"]`).waitFor({ timeout: 10_000 });
  for (let i = (3 * N) / 4 + 1; i <= N; i++) server.publish('feed', i);
  await page.locator('#count', { hasText: String(N) }).waitFor({ timeout: 5000 });

  const got = await page.evaluate(() => (window as unknown as { got: number[] }).got);
  expect(got).toEqual(Array.from({ length: N }, (_, i) => i + 1));
  expect(await page.locator('body').getAttribute('data-reconnected')).toBe('yes');
  expect(errors).toEqual([]);
  await page.close();
}, 60_000);
