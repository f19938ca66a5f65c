// ci: runs both transports itself (every server here is given its transport; .ci/run leaves it out of the node-transport lanes).
// WebSocket upgrades through the HTTP pipeline, on both transports with the `ws` client: request hooks and
// middleware run before upgrade() (and before ws:upgrade hooks) and may refuse; headers they set go out on the
// 101; response hooks see every answer; cookies and signed cookies are on the upgrade request.
import WsClient from 'ws';
import type { IncomingMessage } from 'node:http';
import { HttpError, cors, setCookie, signCookie, Response as KrozenResponse } from '../../lib';
import { startWs, Inbox, closed, type RunningWs } from './helpers';
import { wsBase } from '../helpers/tls-lane';

const SECRET = 'upgrade-secret';

interface Refusal {
  status: number;
  body: string;
  headers: IncomingMessage['headers'];
}

/** The answer to an upgrade the server refuses (no 101). */
function refused(url: string, options: WsClient.ClientOptions = {}): Promise<Refusal> {
  return new Promise((resolve, reject) => {
    const ws = new WsClient(url, options);
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    ws.once('error', () => undefined); // 'unexpected-response' already tells
  });
}

/** Opens a WebSocket and returns it with the 101's headers. */
async function opened(url: string, options: WsClient.ClientOptions = {}): Promise<{ ws: WsClient; head: Refusal }> {
  const ws = new WsClient(url, options);
  const head = await new Promise<Refusal>((resolve, reject) => {
    ws.once('upgrade', (res) => resolve({ status: res.statusCode ?? 0, body: '', headers: res.headers }));
    ws.once('error', reject);
  });
  await new Promise<void>((resolve, reject) => {
    if (ws.readyState === WsClient.OPEN) return resolve();
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, head };
}

describe.each(['krozen', 'node'] as const)('upgrades through the pipeline, transport %s', (transport) => {
  let srv: RunningWs;
  let calls: string[] = [];
  let seen: Array<{ path: string; status: number; method: string }> = [];
  let upgradeSaw: Record<string, unknown> = {};
  const logged: string[] = [];
  const logger = { error: (_: unknown, m?: string) => void logged.push(String(m)), warn() {}, info() {}, debug() {} };

  beforeAll(async () => {
    srv = await startWs(
      (app) => {
        app.plugin(cors({ origin: ['https://app.example'], credentials: true }));
        app.onRequest((req, res) => {
          calls.push(`request ${req.path}`);
          if (req.query.token === 'bad') {
            res.status = 401;
            res.body = { error: 'Unauthorized', why: 'bad token' };
            res.headers['www-authenticate'] = 'Bearer';
            res.stop = true;
          }
          if (req.query.token === 'throw') throw new HttpError(429, 'Slow down', { 'retry-after': '3' });
          if (req.query.token === 'crash') throw new Error('boom');
        });
        app.use(async (req, res) => {
          calls.push(`middleware ${req.path} body=${String(req.body)}`);
          await Promise.resolve();
          req.extra.user = req.signedCookies.sid;
          res.headers['x-mw'] = 'yes';
          res.cookie('seen', '1');
          res.cookie('sig', 'v', { signed: true });
          if (req.query.token === 'mwstop') {
            res.status = 403;
            res.body = { error: 'Forbidden by middleware' };
            res.stop = true;
          }
        });
        app.onResponse((req, res) => {
          calls.push(`response ${res.status}`);
          seen.push({ path: req.path, status: res.status, method: req.method });
        });
        app.ws('/room/:id', {
          origins: '*',
          upgrade(req) {
            calls.push('upgrade()');
            upgradeSaw = {
              id: req.params.id,
              cookies: { ...req.cookies },
              signed: { ...req.signedCookies },
              user: req.extra.user,
            };
            return { data: { user: req.extra.user } };
          },
          message(ctx) {
            ctx.ws.send({ user: ctx.ws.data.user });
          },
        });
        app.on('ws:upgrade', () => void calls.push('ws:upgrade'));
      },
      { transport, cookieSecret: SECRET, wsOrigins: ['https://app.example'], logger },
    );
  });
  afterAll(() => srv.stop());
  beforeEach(() => {
    calls = [];
    seen = [];
    upgradeSaw = {};
  });
  const url = (p: string): string => `${wsBase(srv.port)}${p}`;

  test('an onRequest hook refuses with 401: its JSON body and headers, no 101, nothing after it runs', async () => {
    const r = await refused(url('/room/a?token=bad'));
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toEqual({ error: 'Unauthorized', why: 'bad token' });
    expect(r.headers['www-authenticate']).toBe('Bearer');
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers.connection).toBe('close');
    expect(calls).toEqual(['request /room/a', 'response 401']);
    expect(seen).toEqual([{ path: '/room/a', status: 401, method: 'GET' }]);
  });

  test('a thrown HttpError refuses with its status and headers; another error is a 500', async () => {
    const r = await refused(url('/room/a?token=throw'));
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('3');
    expect(JSON.parse(r.body)).toEqual({ error: 'Slow down' });
    const crash = await refused(url('/room/a?token=crash'));
    expect(crash.status).toBe(500);
    expect(JSON.parse(crash.body)).toEqual({ error: 'Internal Server Error' });
    expect(seen.map((s) => s.status)).toEqual([429, 500]);
    expect(logged).toEqual(['a WebSocket upgrade hook or middleware failed; answering 500']);
    logged.length = 0;
  });

  test('middleware refuses with res.stop; the headers it set are kept', async () => {
    const r = await refused(url('/room/a?token=mwstop'));
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body)).toEqual({ error: 'Forbidden by middleware' });
    expect(r.headers['x-mw']).toBe('yes');
    expect(calls).toEqual(['request /room/a', 'middleware /room/a body=undefined', 'response 403']);
  });

  test('accepted: the order of calls, middleware headers and cookies on the 101, cookies in upgrade()', async () => {
    const sid = signCookie('ada', SECRET);
    const forged = signCookie('eve', 'another-secret');
    const { ws, head } = await opened(url('/room/42'), {
      headers: { cookie: `theme=dark; sid=${sid}; forged=${forged}`, origin: 'https://app.example' },
    });
    try {
      expect(head.status).toBe(101);
      expect(head.headers['x-mw']).toBe('yes');
      expect(head.headers['set-cookie']).toEqual([
        'seen=1; Path=/; HttpOnly; SameSite=Lax',
        `sig=${encodeURIComponent(signCookie('v', SECRET))}; Path=/; HttpOnly; SameSite=Lax`,
      ]);
      // cors() ran on the upgrade too
      expect(head.headers['access-control-allow-origin']).toBe('https://app.example');
      expect(head.headers['access-control-allow-credentials']).toBe('true');
      expect(head.headers.vary).toBe('Origin');
      expect(calls).toEqual(['request /room/42', 'middleware /room/42 body=undefined', 'upgrade()', 'response 101']);
      expect(seen).toEqual([{ path: '/room/42', status: 101, method: 'GET' }]);
      expect(upgradeSaw).toEqual({
        id: '42',
        cookies: { theme: 'dark', sid, forged },
        signed: { sid: 'ada' },
        user: 'ada',
      });
      const inbox = new Inbox(ws);
      ws.send('hi');
      expect(await inbox.json()).toEqual({ user: 'ada' }); // extra → upgrade() → ws.data
    } finally {
      ws.close();
      await closed(ws);
    }
  });

  test('the global endpoint: request hooks and middleware run before ws:upgrade hooks', async () => {
    const { ws } = await opened(url('/ws'), { headers: { origin: 'https://app.example' } });
    ws.close();
    await closed(ws);
    expect(calls).toEqual(['request /ws', 'middleware /ws body=undefined', 'ws:upgrade', 'response 101']);
  });

  test('the Origin check comes after middleware; its 403 keeps the CORS headers and reaches onResponse', async () => {
    const r = await refused(url('/ws'), { headers: { origin: 'https://evil.example' } });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body)).toEqual({ error: 'Origin not allowed' });
    expect(r.headers['x-mw']).toBe('yes');
    expect(r.headers['access-control-allow-origin']).toBeUndefined(); // cors() did not allow that origin
    expect(calls).toEqual(['request /ws', 'middleware /ws body=undefined', 'response 403']);
  });

  test('an unknown path: 404 without request hooks or middleware, but onResponse sees it', async () => {
    const r = await refused(url('/nowhere'));
    expect(r.status).toBe(404);
    expect(calls).toEqual(['response 404']);
    expect(seen).toEqual([{ path: '/nowhere', status: 404, method: 'GET' }]);
  });
});

test('setCookie { signed: true } needs a secret when the response did not come from the pipeline', () => {
  expect(() => setCookie({ body: 1 }, 'a', 'b', { signed: true })).toThrow(/has no secret/);
  expect(() => new KrozenResponse().cookie('a', 'b', { signed: true })).toThrow(/has no secret/);
  const res = setCookie({ headers: {} as Record<string, string | string[]> }, 'a', 'b', { secret: 's' }); // explicit secret
  expect(res.headers['set-cookie']).toEqual([
    `a=${encodeURIComponent(signCookie('b', 's'))}; Path=/; HttpOnly; SameSite=Lax`,
  ]);
});
