// Only a WebSocket upgrade leaves HTTP (issue 19): any other Upgrade — curl --http2 sends `Upgrade: h2c`
// on a plain GET — is ignored as RFC 9110 §7.8 allows, and the route answers (both transports:
// node-faults.test.ts). On the krozen transport the connection then goes on as any keep-alive one (node's
// llhttp reads nothing after a message it took for an upgrade, so node closes it).
import WebSocket from 'ws';
import type { Settings } from '../../lib/settings/index';
import { asksForWebSocket } from '../../lib/transport/upgrade-rule';
import { parseResponses, rawRequest, startApp } from '../helpers/server';
import { wsBase } from '../helpers/tls-lane';

const TRANSPORTS = ['krozen'] as const;

test('asksForWebSocket reads the Upgrade list, any case and place', () => {
  expect(asksForWebSocket({ upgrade: 'websocket' })).toBe(true);
  expect(asksForWebSocket({ upgrade: 'WebSocket' })).toBe(true);
  expect(asksForWebSocket({ upgrade: 'h2c, websocket' })).toBe(true);
  expect(asksForWebSocket({ upgrade: 'h2c' })).toBe(false);
  expect(asksForWebSocket({ upgrade: 'websocket/13' })).toBe(false);
  expect(asksForWebSocket({})).toBe(false);
  // A handshake attempt with a wrong Upgrade goes to the WebSocket layer, which refuses it (400).
  expect(asksForWebSocket({ upgrade: 'h2c', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' })).toBe(true);
});

describe.each(TRANSPORTS)('upgrades on the %s transport', (transport) => {
  test('GET with Upgrade: h2c gets the route, and the connection goes on', async () => {
    const running = await startApp(
      (app) => {
        app.get('/hello', () => ({ body: { hello: 'world' } }));
        app.ws('/ws', {
          message: (ctx) => {
            ctx.reply = ctx.raw;
          },
        });
      },
      { transport: transport as Settings['transport'] },
    );
    try {
      const raw = await rawRequest(running.port, [
        'GET /hello HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n',
        'GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      ]);
      const responses = parseResponses(raw);
      expect(responses.map((r) => r.status)).toEqual([200, 200]);
      expect(JSON.parse(responses[0].body)).toEqual({ hello: 'world' });

      const ws = new WebSocket(`${wsBase(running.port)}/ws`);
      const echoed = await new Promise<string>((resolve, reject) => {
        ws.on('open', () => ws.send('ping'));
        ws.on('message', (data) => resolve(String(data)));
        ws.on('error', reject);
      });
      expect(echoed).toBe('ping');
      ws.close();
    } finally {
      await running.stop();
    }
  });
});
