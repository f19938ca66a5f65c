// ws.headers after the upgrade: the request's headers as upgrade(req) saw them (names, values, joined
// duplicates, the map's prototype), on both transports. krozen's transport keeps copies of the values rather
// than slices of the raw head (lib/ws/compact-head.ts); nothing of that may show.
import type { WebSocket } from '../../lib/ws/websocket';
import type { Settings } from '../../lib/settings/index';
import WsClient from 'ws';
import { openWs, startWs, type RunningWs } from './helpers';

const LONG = 'v'.repeat(300);

describe.each<Settings['transport']>(['krozen', 'node'])('ws.headers on the %s transport', (transport) => {
  let srv: RunningWs;
  let seen: Record<string, unknown> | undefined;
  let opened: (ws: WebSocket) => void;
  const open = new Promise<WebSocket>((resolve) => (opened = resolve));
  beforeAll(async () => {
    srv = await startWs(
      (app) => {
        app.ws('/h', {
          upgrade(req) {
            seen = { ...req.headers };
            Object.defineProperty(seen, 'proto', { value: Object.getPrototypeOf(req.headers) });
          },
          open: (ctx) => opened(ctx.ws),
        });
      },
      { transport },
    );
  });
  afterAll(() => srv.stop());

  test('are the upgrade request headers, with the same prototype', async () => {
    const client = await openWs(`${srv.url.replace(/\/ws$/, '')}/h`, {
      headers: { 'X-Long-Value': LONG, Cookie: 'a=1', 'x-short': 'ok', constructor: 'c-value-long-enough' },
    });
    const ws = await open;
    expect(ws.headers['x-long-value']).toBe(LONG);
    expect(ws.headers['x-short']).toBe('ok');
    expect(ws.headers.constructor).toBe('c-value-long-enough');
    expect(ws.headers['sec-websocket-key']).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect({ ...ws.headers }).toEqual({ ...seen });
    expect(Object.keys(ws.headers)).toEqual(Object.keys(seen!));
    expect(Object.getPrototypeOf(ws.headers)).toBe((seen as { proto?: unknown }).proto);
    client.close();
  });

  test('a map the app froze in upgrade() is kept as a copy of the same headers', async () => {
    let frozen: Record<string, unknown> | undefined;
    const app2 = await startWs(
      (app) => {
        app.ws('/f', {
          upgrade(req) {
            frozen = Object.freeze(req.headers) as Record<string, unknown>;
          },
          open: (ctx) => ctx.ws.send(JSON.stringify(ctx.ws.headers)),
        });
      },
      { transport },
    );
    try {
      // The open handler's message may come in the 101's own read: listen before the connection opens.
      const client = new WsClient(`${app2.url.replace(/\/ws$/, '')}/f`, { headers: { 'X-Frozen': LONG } });
      const first = await new Promise<string>((resolve, reject) => {
        client.once('message', (m) => resolve(String(m)));
        client.once('error', reject);
      });
      const headers = JSON.parse(first) as Record<string, string>;
      expect(headers['x-frozen']).toBe(LONG);
      expect(headers).toEqual({ ...frozen });
      client.close();
    } finally {
      await app2.stop();
    }
  });
});
