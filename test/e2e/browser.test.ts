// A real browser against the demo: Debian's Chromium (driven by playwright-core) opens the chat page, which
// logs in and connects to the app.ws('/chat/:room') endpoint with subprotocol chat.v1. Chromium offers
// permessage-deflate, so the demo runs with compression off and on.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/chromium';
import { wsBase, httpBase, laneSettings, TEST_TLS } from '../helpers/tls-lane';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createDemoApp } = require('../../examples/demo/app.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Server } = require('../../dist/index.js');

const shots = fs.mkdtempSync(path.join(os.tmpdir(), 'krozen-browser-'));
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium(TEST_TLS); // the TLS lane's self-signed certificate
}, 60_000);

afterAll(async () => {
  await browser?.close();
  console.log(`browser screenshots: ${shots}`);
});

describe.each([false, true])('demo chat in Chromium, permessage-deflate %s', (deflate) => {
  test('two pages chat through a room topic; the page shows history, messages and presence', async () => {
    const app = createDemoApp(laneSettings({ port: 0, wsPerMessageDeflate: deflate }));
    const server = await new Server(app).run();
    const base = `${httpBase(server.port)}`;
    try {
      // A message posted over HTTP before anyone joins: it must arrive as history.
      const posted = await fetch(`${base}/api/rooms/dev/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'curl', text: 'hello from HTTP' }),
      });
      expect(posted.status).toBe(201);

      const alice = await browser.newPage();
      const bob = await browser.newPage();
      await alice.goto(`${base}/?room=dev`);
      await bob.goto(`${base}/?room=dev`);
      await alice.locator('#status[data-state="open"]').waitFor();
      await bob.locator('#status[data-state="open"]').waitFor();
      await expect(alice.locator('#messages li').first().textContent()).resolves.toContain('hello from HTTP');
      await alice.locator('#online', { hasText: '2 online' }).waitFor();
      // The subprotocol the page asked for, as Chromium reports it (WebSocket.protocol).
      await alice.locator('body[data-protocol="chat.v1"]').waitFor();
      await bob.locator('body[data-protocol="chat.v1"]').waitFor();
      const connections = app.wsHub.connections as Array<{
        extensions: string;
        protocol: string;
        data: { user: string };
      }>;

      await alice.fill('#name', 'alice');
      await alice.fill('#text', 'hi bob — ünïcödé 🚀');
      await alice.click('#send');
      await bob.locator('#messages li', { hasText: 'hi bob — ünïcödé 🚀' }).waitFor({ timeout: 5000 });
      await alice.locator('#messages li', { hasText: 'hi bob' }).waitFor({ timeout: 5000 });

      await bob.fill('#name', 'bob');
      await bob.fill('#text', 'x'.repeat(400)); // long enough to be worth compressing
      await bob.click('#send');
      await alice.locator('#messages li', { hasText: 'x'.repeat(400) }).waitFor({ timeout: 5000 });
      expect(await bob.locator('#messages li').count()).toBe(3);

      // What was negotiated: Chromium always offers permessage-deflate; both pages speak chat.v1.
      expect(connections).toHaveLength(2);
      for (const ws of connections) {
        if (deflate) expect(ws.extensions).toContain('permessage-deflate');
        else expect(ws.extensions).toBe('');
        expect(ws.protocol).toBe('chat.v1');
        expect(ws.data.user).toBe('anonymous'); // from the session cookie the upgrade read
      }
      // Absent: Chromium offering nothing opens with protocol ''; offering only a subprotocol the server does
      // not speak gets a 101 without the header, which Chromium refuses (RFC 6455 §4.1 lets a client).
      const url = `${wsBase(server.port)}/chat/dev`;
      const attempt = (u: string, offered: string[]) =>
        alice.evaluate(
          ([target, protocols]) =>
            new Promise<string>((resolve) => {
              const w = new WebSocket(target, protocols);
              w.onopen = () => {
                resolve(`open:${w.protocol}`);
                w.close();
              };
              w.onerror = () => resolve('error');
            }),
          [u, offered] as [string, string[]],
        );
      expect(await attempt(url, [])).toBe('open:');
      expect(await attempt(url, ['nope.v9'])).toBe('error');
      // A handshake without the session cookie is refused (401) before any 101.
      const anonymous = await browser.newContext();
      const stranger = await anonymous.newPage();
      await stranger.goto(`${base}/static/style.css`);
      const refused = await stranger.evaluate(
        (u) =>
          new Promise<string>((resolve) => {
            const w = new WebSocket(u, ['chat.v1']);
            w.onopen = () => resolve('open');
            w.onerror = () => resolve('error');
          }),
        url,
      );
      expect(refused).toBe('error');
      await anonymous.close();

      const shot = path.join(shots, `chat-deflate-${deflate ? 'on' : 'off'}.png`);
      await alice.screenshot({ path: shot });
      expect(fs.statSync(shot).size).toBeGreaterThan(1000);

      await bob.close();
      await alice.locator('#online', { hasText: '1 online' }).waitFor({ timeout: 5000 });
      await alice.close();
    } finally {
      await server.stop();
    }
  }, 60_000);
});
