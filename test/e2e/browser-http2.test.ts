// A real browser over HTTP/2: Debian's Chromium (playwright-core) loads the demo chat over HTTPS with
// settings.http2 (a self-signed certificate the test makes; --ignore-certificate-errors). The page must
// come over h2 (ALPN, as the browser reports it) and its WebSocket must work over wss beside it
// (HTTP/1.1 on the same port).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/chromium';
import { selfSignedCert } from '../helpers/self-signed';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createDemoApp } = require('../../examples/demo/app.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Server } = require('../../dist/index.js');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'krozen-browser-h2-'));
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium(true); // the certificate the test made
}, 60_000);

afterAll(async () => {
  await browser?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the demo over HTTPS + HTTP/2: the page is h2, the chat WebSocket works over wss', async () => {
  const { key, cert } = selfSignedCert(dir, 'DNS:localhost,IP:127.0.0.1');
  const app = createDemoApp({ port: 0, http2: true, tls: { key, cert } });
  const server = await new Server(app).run();
  try {
    const page = await browser.newPage();
    await page.goto(`https://127.0.0.1:${server.port}/?room=dev`);
    const protocols = await page.evaluate(() => ({
      page: (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).nextHopProtocol,
      assets: (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map((e) => e.nextHopProtocol),
    }));
    expect(protocols.page).toBe('h2');
    expect(protocols.assets.length).toBeGreaterThan(0);
    for (const p of protocols.assets) expect(p).toBe('h2');
    await page.locator('#status[data-state="open"]').waitFor({ timeout: 10_000 });
    await page.fill('#name', 'h2');
    await page.fill('#text', 'over wss beside h2');
    await page.click('#send');
    await page.locator('#messages li', { hasText: 'over wss beside h2' }).waitFor({ timeout: 5000 });
    const connections = app.wsHub.connections as unknown[];
    expect(connections).toHaveLength(1);
    await page.close();
  } finally {
    await server.stop();
  }
}, 60_000);
