// ci: runs both transports itself (every server here is given its transport; .ci/run leaves it out of the node-transport lanes).
// rateLimit() on WebSocket upgrades: the plugin's onRequest hook runs on the upgrade request too (the
// upgrade pipeline), so a client over the limit gets 429 with the RateLimit fields and no 101, while HTTP
// requests and upgrades share one count. Both transports, a real `ws` client.
import WsClient from 'ws';
import { rateLimit } from '../../lib/index';
import { openWs, startWs, type RunningWs } from './helpers';
import { request } from '../fixtures/wire';
import { wsBase } from '../helpers/tls-lane';

function refusal(url: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WsClient(url);
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    ws.once('error', () => undefined);
  });
}

describe.each(['krozen', 'node'] as const)('transport %s', (transport) => {
  let srv: RunningWs;
  beforeAll(async () => {
    srv = await startWs(
      (app) => {
        app.plugin(rateLimit({ limit: 3, windowMs: 60_000 }));
        app.ws('/live', { message: ({ ws }) => void ws.send('ok') });
        app.get('/x', () => ({ body: 1 }));
      },
      { transport },
    );
  });
  afterAll(() => srv.stop());

  test('upgrades count against the limit; past it: 429, RateLimit fields, no 101', async () => {
    const url = `${wsBase(srv.port)}/live`;
    const first = await openWs(url);
    const second = await openWs(url);
    expect((await request(srv.port, '/x')).status).toBe(200); // HTTP shares the count
    const refused = await refusal(url);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toEqual({ error: 'Too Many Requests' });
    expect(refused.headers['ratelimit']).toMatch(/^"default";r=0;t=\d+$/);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    // Connections already open are not affected.
    const echoed = new Promise((resolve) => first.once('message', (d) => resolve(String(d))));
    first.send('hi');
    expect(await echoed).toBe('ok');
    first.close();
    second.close();
  });
});
