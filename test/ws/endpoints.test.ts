// app.ws(path, behaviour): endpoints with route params, upgrade control (sync, async, HttpError refusals,
// timeout, data), the Origin policy, subprotocols, and which paths serve WebSocket at all. Real `ws` clients.
import WsClient from 'ws';
import { HttpError } from '../../lib/http/http-error';
import { createApp } from '../../lib/app';
import type { WsUpgradeRequest } from '../../lib/ws';
import { Inbox, closed, openWs, startWs, type RunningWs } from './helpers';
import { wsBase, httpBase } from '../helpers/tls-lane';

interface Refusal {
  status: number;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/** Opens a `ws` client that must be refused: the HTTP status, JSON body and headers (and no 101 — no 'open'). */
function refused(url: string, options: WsClient.ClientOptions = {}, protocols?: string[]): Promise<Refusal> {
  return new Promise((resolve, reject) => {
    const ws = new WsClient(url, protocols, options);
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body), headers: res.headers }));
    });
    ws.once('error', () => undefined); // 'unexpected-response' already tells
  });
}

async function roundTrip(ws: WsClient, message: string): Promise<unknown> {
  const inbox = new Inbox(ws);
  ws.send(message);
  return inbox.json();
}

describe('endpoints with route params, several per app', () => {
  let srv: RunningWs;
  beforeAll(async () => {
    srv = await startWs(
      (app) => {
        app.ws('/chat/:room', {
          open: ({ ws }) => ws.subscribe(`room:${ws.params.room}`),
          message(ctx) {
            ctx.reply = { room: ctx.ws.params.room, said: ctx.data, url: ctx.ws.url };
          },
        });
        app.ws('/feeds/:kind/:id', {
          message(ctx) {
            ctx.reply = { kind: ctx.ws.params.kind, id: ctx.ws.params.id, binary: ctx.binary };
          },
        });
        app.ws('/silent', {}); // no message handler: no reply (no default echo on app.ws endpoints)
        app.get('/http', () => ({ body: { http: true } }));
      },
      { wsEndpoint: 'auto' },
    );
  });
  afterAll(() => srv.stop());

  test('each endpoint gets its own params; ws.url keeps the query', async () => {
    const a = await openWs(`${wsBase(srv.port)}/chat/lobby?x=1`);
    const b = await openWs(`${wsBase(srv.port)}/feeds/prices/42`);
    expect(await roundTrip(a, '"hi"')).toEqual({ room: 'lobby', said: 'hi', url: '/chat/lobby?x=1' });
    expect(await roundTrip(b, 'x')).toEqual({ kind: 'prices', id: '42', binary: false });
    expect(srv.app.wsHub.topics()).toEqual(['room:lobby']);
    a.close();
    b.close();
    await Promise.all([closed(a), closed(b)]);
  });

  test('HTTP routes keep working on the same port', async () => {
    const res = await fetch(`${httpBase(srv.port)}/http`);
    expect(await res.json()).toEqual({ http: true });
  });

  test('an endpoint without message() sends nothing back (no default echo)', async () => {
    const ws = await openWs(`${wsBase(srv.port)}/silent`);
    const inbox = new Inbox(ws);
    ws.send('{"a":1}');
    ws.ping('p');
    await new Promise((resolve) => ws.once('pong', resolve));
    expect(inbox.length).toBe(0);
    ws.close();
    await closed(ws);
  });

  test('a WebSocket request to a path with no endpoint → 404 with a JSON body', async () => {
    expect(await refused(`${wsBase(srv.port)}/chat`)).toMatchObject({
      status: 404,
      body: { error: 'Not Found' },
    });
    expect(await refused(`${wsBase(srv.port)}/nowhere`)).toMatchObject({ status: 404 });
    // No ws:* hook and wsEndpoint 'auto': the global path serves nothing either.
    expect(await refused(`${wsBase(srv.port)}/ws`)).toMatchObject({ status: 404 });
  });
});

describe('the global endpoint at wsPath exists only when asked for', () => {
  test("an app that never mentions WebSocket serves none ('auto')", async () => {
    const srv = await startWs(() => undefined, { wsEndpoint: 'auto' });
    try {
      expect((await refused(srv.url)).status).toBe(404);
      srv.app.on('ws:message', (ctx) => void (ctx.reply = 'hooked')); // a ws:* hook turns it on
      const ws = await openWs(srv.url);
      const inbox = new Inbox(ws);
      ws.send('x');
      expect((await inbox.next()).text).toBe('hooked');
      ws.terminate();
    } finally {
      await srv.stop();
    }
  });

  test("'off' serves it never, even with hooks; 'on' serves pykrozen's echo with none", async () => {
    const off = await startWs((app) => app.on('ws:message', () => undefined), { wsEndpoint: 'off' });
    const on = await startWs(() => undefined, { wsEndpoint: 'on' });
    try {
      expect((await refused(off.url)).status).toBe(404);
      const ws = await openWs(on.url);
      expect(await roundTrip(ws, '{"a":1}')).toEqual({ echo: { a: 1 } });
      ws.terminate();
    } finally {
      await Promise.all([off.stop(), on.stop()]);
    }
  });
});

describe('upgrade(req): before the handshake', () => {
  let srv: RunningWs;
  const seen: WsUpgradeRequest[] = [];
  beforeAll(async () => {
    srv = await startWs(
      (app) => {
        app.ws('/secure/:room', {
          async upgrade(req) {
            seen.push(req);
            await new Promise((resolve) => setTimeout(resolve, 20)); // e.g. a session lookup
            const token = /(?:^|;\s*)session=([^;]+)/.exec(String(req.headers.cookie ?? ''))?.[1];
            if (token === undefined) throw new HttpError(401, 'Login required');
            if (token !== 'alice-token') throw new HttpError(403, 'Bad session');
            return { data: { user: 'alice', room: req.params.room } };
          },
          message(ctx) {
            ctx.reply = { from: ctx.ws.data.user, room: ctx.ws.data.room, text: ctx.raw };
          },
        });
        app.ws('/sync-refuse', {
          upgrade(req) {
            if (req.query.key !== 'ok') throw new HttpError(401, 'Missing key', { 'WWW-Authenticate': 'Key' });
          },
          message: (ctx) => void (ctx.reply = ctx.raw),
        });
        app.ws('/broken', {
          upgrade() {
            throw new Error('database down (must not reach the client)');
          },
        });
        app.ws('/slow', { upgrade: () => new Promise(() => undefined) });
        app.on('ws:upgrade', (ctx) => {
          if (ctx.req.headers.authorization !== 'Bearer t0k') throw new HttpError(401, 'Bearer token required');
          ctx.data = { user: 'bob' };
        });
        app.on('ws:message', (ctx) => void (ctx.reply = { user: ctx.ws.data.user }));
      },
      { wsUpgradeTimeout: 300 },
    );
  });
  afterAll(() => srv.stop());

  test('a rejected upgrade: 401, a JSON error body, no 101', async () => {
    const r = await refused(`${wsBase(srv.port)}/secure/lobby`);
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'Login required' });
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['sec-websocket-accept']).toBeUndefined();
    expect((await refused(`${wsBase(srv.port)}/secure/lobby`, { headers: { Cookie: 'session=mallory' } })).status).toBe(
      403,
    );
  });

  test('an async upgrade attaches the user; message() sees it in ws.data', async () => {
    const ws = await openWs(`${wsBase(srv.port)}/secure/lobby?v=2`, {
      headers: { Cookie: 'theme=dark; session=alice-token' },
    });
    expect(await roundTrip(ws, 'hello')).toEqual({ from: 'alice', room: 'lobby', text: 'hello' });
    const req = seen[seen.length - 1];
    expect(req).toMatchObject({
      method: 'GET',
      url: '/secure/lobby?v=2',
      path: '/secure/lobby',
      params: { room: 'lobby' },
      protocol: '',
    });
    expect({ ...req.query }).toEqual({ v: '2' });
    expect(req.headers.cookie).toBe('theme=dark; session=alice-token');
    expect(req.remoteAddress).toBe('127.0.0.1');
    ws.close();
    await closed(ws);
  });

  test('a synchronous refusal carries the HttpError headers; accepted without data, ws.data is {}', async () => {
    const r = await refused(`${wsBase(srv.port)}/sync-refuse`);
    expect(r).toMatchObject({ status: 401, body: { error: 'Missing key' } });
    expect(r.headers['www-authenticate']).toBe('Key');
    const ws = await openWs(`${wsBase(srv.port)}/sync-refuse?key=ok`);
    const inbox = new Inbox(ws);
    ws.send('same');
    expect((await inbox.next()).text).toBe('same');
    ws.terminate();
  });

  test('an upgrade that throws something else → 500 without the detail; one that hangs → 503 after the timeout', async () => {
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const broken = await refused(`${wsBase(srv.port)}/broken`);
      expect(broken).toMatchObject({ status: 500, body: { error: 'Internal Server Error' } });
      expect(JSON.stringify(broken.body)).not.toContain('database');
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    const started = Date.now();
    expect(await refused(`${wsBase(srv.port)}/slow`)).toMatchObject({
      status: 503,
      body: { error: 'Upgrade timed out' },
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  test('the global endpoint gets the same power through ws:upgrade', async () => {
    expect(await refused(srv.url)).toMatchObject({ status: 401, body: { error: 'Bearer token required' } });
    const ws = await openWs(srv.url, { headers: { Authorization: 'Bearer t0k' } });
    expect(await roundTrip(ws, '{}')).toEqual({ user: 'bob' });
    ws.terminate();
  });
});

describe('Origin policy', () => {
  test("default 'same-origin': a foreign Origin → 403 before any hook runs; the page's own origin and no Origin pass", async () => {
    let upgrades = 0;
    const srv = await startWs((app) => {
      app.ws('/live', { upgrade: () => void upgrades++, message: (ctx) => void (ctx.reply = 'ok') });
      app.on('ws:upgrade', () => void upgrades++);
    });
    try {
      const live = `${wsBase(srv.port)}/live`;
      expect(await refused(live, { origin: 'https://evil.example' })).toMatchObject({
        status: 403,
        body: { error: 'Origin not allowed' },
      });
      expect(await refused(srv.url, { origin: 'https://evil.example' })).toMatchObject({ status: 403 });
      expect(await refused(live, { origin: `${httpBase(srv.port + 1)}` })).toMatchObject({ status: 403 }); // another port
      expect(await refused(live, { origin: 'null' })).toMatchObject({ status: 403 });
      expect(upgrades).toBe(0);
      for (const options of [{ origin: `${httpBase(srv.port)}` }, {}]) {
        const ws = await openWs(live, options);
        const inbox = new Inbox(ws);
        ws.send('x');
        expect((await inbox.next()).text).toBe('ok');
        ws.terminate();
      }
      expect(upgrades).toBe(2);
    } finally {
      await srv.stop();
    }
  });

  test('a list of origins (settings.wsOrigins), a per-endpoint override, and "*"', async () => {
    const srv = await startWs(
      (app) => {
        app.ws('/any', { origins: '*', message: (ctx) => void (ctx.reply = 'any') });
        app.ws('/listed', { message: (ctx) => void (ctx.reply = 'listed') });
      },
      { wsOrigins: ['https://app.example.com', 'http://localhost:3000'] },
    );
    try {
      const listed = `${wsBase(srv.port)}/listed`;
      for (const origin of ['https://app.example.com', 'HTTPS://APP.EXAMPLE.COM:443', 'http://localhost:3000']) {
        (await openWs(listed, { origin })).terminate();
      }
      for (const origin of [
        'https://app.example.com.evil.example',
        'http://app.example.com',
        `${httpBase(srv.port)}`,
      ]) {
        expect((await refused(listed, { origin })).status).toBe(403);
      }
      (await openWs(`${wsBase(srv.port)}/any`, { origin: 'https://evil.example' })).terminate();
    } finally {
      await srv.stop();
    }
  });
});

describe('subprotocols (RFC 6455 §4.2.2)', () => {
  let srv: RunningWs;
  beforeAll(async () => {
    srv = await startWs(
      (app) => {
        app.ws('/listed', { protocols: ['chat.v2', 'chat.v1'], message: (ctx) => void (ctx.reply = ctx.ws.protocol) });
        app.ws('/picked', {
          protocols: (offered, req) =>
            req.query.none === '1' ? false : (offered.find((p) => p.startsWith('json.')) ?? false),
          message: (ctx) => void (ctx.reply = ctx.ws.protocol),
        });
        app.ws('/bad-pick', { protocols: () => 'never.offered' });
      },
      { wsProtocols: ['pykrozen'] },
    );
  });
  afterAll(() => srv.stop());

  async function negotiate(path: string, offered: string[]): Promise<{ client: string; server: string }> {
    const client = new WsClient(`${wsBase(srv.port)}${path}`, offered);
    await new Promise<void>((resolve, reject) => {
      client.once('open', () => resolve());
      client.once('error', reject);
    });
    const inbox = new Inbox(client);
    client.send('which?');
    const server = (await inbox.next()).text;
    client.terminate();
    return { client: client.protocol, server };
  }

  test("the server's preference wins among the client's offers; the 101 names exactly one", async () => {
    expect(await negotiate('/listed', ['chat.v1', 'chat.v2'])).toEqual({ client: 'chat.v2', server: 'chat.v2' });
    expect(await negotiate('/listed', ['chat.v1', 'other'])).toEqual({ client: 'chat.v1', server: 'chat.v1' });
    expect(await negotiate('/picked', ['xml', 'json.v3', 'json.v4'])).toEqual({ client: 'json.v3', server: 'json.v3' });
    expect(await negotiate('/ws', ['pykrozen'])).toEqual({ client: 'pykrozen', server: '{"error":"invalid json"}' }); // settings.wsProtocols
  });

  test('absent: nothing offered → no header and ws.protocol is ""', async () => {
    expect(await negotiate('/listed', [])).toEqual({ client: '', server: '' });
  });

  test('absent: nothing the server speaks → the 101 has no Sec-WebSocket-Protocol (the `ws` client then refuses)', async () => {
    const client = new WsClient(`${wsBase(srv.port)}/listed`, ['chat.v9']);
    const error = await new Promise<Error>((resolve) => client.once('error', resolve));
    expect(error.message).toMatch(/Server sent no subprotocol/);
    const picked = new WsClient(`${wsBase(srv.port)}/picked?none=1`, ['json.v1']);
    expect((await new Promise<Error>((resolve) => picked.once('error', resolve))).message).toMatch(
      /Server sent no subprotocol/,
    );
  });

  test('a chooser that picks something not offered is a 500; a malformed offer is a 400', async () => {
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect((await refused(`${wsBase(srv.port)}/bad-pick`, {}, ['a'])).status).toBe(500);
    } finally {
      spy.mockRestore();
    }
    expect(
      (await refused(`${wsBase(srv.port)}/listed`, { headers: { 'Sec-WebSocket-Protocol': 'chat v1' } })).status,
    ).toBe(400);
  });
});

describe('per-endpoint limits', () => {
  test("an endpoint's maxPayload overrides settings.wsMaxPayload (1009 past it)", async () => {
    const srv = await startWs((app) => {
      app.ws('/small', { maxPayload: 10, message: (ctx) => void (ctx.reply = { fine: true }) });
      app.ws('/big', { message: (ctx) => void (ctx.reply = { fine: true }) });
    });
    try {
      const small = await openWs(`${wsBase(srv.port)}/small`);
      const done = closed(small);
      small.send('x'.repeat(11));
      expect((await done).code).toBe(1009);
      const big = await openWs(`${wsBase(srv.port)}/big`);
      expect(await roundTrip(big, 'x'.repeat(11))).toEqual({ fine: true });
      big.terminate();
    } finally {
      await srv.stop();
    }
  });
});

test('app.ws() checks its arguments: a clear error naming the field', () => {
  const app = createApp();
  expect(() => app.ws('chat', {})).toThrow(/path must start with '\/'/);
  expect(() => app.ws('/a', { message: 'x' } as never)).toThrow(/message must be a function/);
  expect(() => app.ws('/b', { maxPayload: -1 })).toThrow(/maxPayload must be an integer >= 0/);
  expect(() => app.ws('/c', { protocols: ['bad name'] })).toThrow(
    /protocols must be a function or a list of subprotocol names/,
  );
  expect(() => app.ws('/d', { onMessage: () => undefined } as never)).toThrow(/unknown behaviour field "onMessage"/);
  app.ws('/e', {});
  expect(() => app.ws('/e', {})).toThrow();
});
