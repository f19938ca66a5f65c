// settings.requestId: off by default (no header, no id); on, every request and WebSocket upgrade has an id
// (made here, or a sane one taken from the header with trustHeader), echoed in the response header, in req.log's
// lines and krozen's own log lines, and in the JSON error bodies krozen makes. Both transports, real sockets.
import { Writable } from 'node:stream';
import pino from 'pino';
import WsClient from 'ws';
import { HttpError } from '../../lib/http/http-error';
import { nextRequestId } from '../../lib/http/request-id';
import type { Settings } from '../../lib/settings/index';
import { json, request, startServer, type TestServer } from '../fixtures/wire';
import { Inbox } from '../ws/helpers';
import { wsBase } from '../helpers/tls-lane';

const TRANSPORTS = ['krozen', 'node'] as const;
const MADE_ID = /^[A-Za-z0-9_-]{12}-[0-9a-z]+$/;

function pinoLines(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

function routes(server: { app: TestServer['app'] }): void {
  const app = server.app;
  app.get('/id', (req) => {
    req.log.info({ step: 'handler' }, 'hello');
    return { body: { id: req.id ?? null } };
  });
  app.get('/teapot', () => {
    throw new HttpError(418, 'teapot');
  });
  app.get('/custom', () => {
    throw new HttpError(409, 'x', undefined, { mine: true });
  });
  app.get('/boom', () => {
    throw new Error('kaput');
  });
  app.post('/json', (req) => ({ body: req.body }));
  app.get('/own-header', () => ({ headers: { 'x-request-id': 'set-by-app' } }));
  app.ws('/socket', {
    message: (ctx) => {
      ctx.reply = { id: ctx.ws.id ?? null, echo: ctx.raw };
    },
  });
}

const silent = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

async function start(transport: string, overrides: Partial<Settings>): Promise<TestServer> {
  const settings = { transport: transport as Settings['transport'], logger: silent, ...overrides };
  const server = await startServer(settings, () => undefined);
  routes(server);
  return server;
}

describe.each(TRANSPORTS)('transport %s', (transport) => {
  test('off by default: no id, no header, error bodies as they were', async () => {
    const s = await start(transport, {});
    try {
      const r = await request(s.port, '/id', { headers: { 'x-request-id': 'from-client' } });
      expect(json(r)).toEqual({ id: null });
      expect(r.headers['x-request-id']).toBeUndefined();
      expect(json(await request(s.port, '/teapot'))).toEqual({ error: 'teapot' });
      expect(json(await request(s.port, '/nowhere'))).toEqual({ error: 'Not Found', method: 'GET', path: '/nowhere' });
    } finally {
      await s.stop();
    }
  });

  test('on: a made id per request, in req.id, the header, req.log and krozen lines, and error bodies', async () => {
    const { logger, lines } = pinoLines();
    const s = await start(transport, { requestId: true, logger });
    try {
      const a = await request(s.port, '/id', { headers: { 'x-request-id': 'from-client' } });
      const b = await request(s.port, '/id');
      const idA = (json(a) as { id: string }).id;
      expect(idA).toMatch(MADE_ID); // the client's header is not trusted by default
      expect(a.headers['x-request-id']).toBe(idA);
      expect((json(b) as { id: string }).id).not.toBe(idA);
      expect(lines.filter((l) => l.msg === 'hello').map((l) => l.reqId)).toEqual([idA, b.headers['x-request-id']]);
      expect(lines[0]).toMatchObject({ step: 'handler', reqId: idA });

      const teapot = await request(s.port, '/teapot');
      expect(teapot.status).toBe(418);
      expect(json(teapot)).toEqual({ error: 'teapot', requestId: teapot.headers['x-request-id'] });
      // An app's own HttpError body is the app's: left alone (the header still carries the id).
      const custom = await request(s.port, '/custom');
      expect(json(custom)).toEqual({ mine: true });
      expect(custom.headers['x-request-id']).toMatch(MADE_ID);

      const boom = await request(s.port, '/boom');
      expect(boom.status).toBe(500);
      const boomId = boom.headers['x-request-id'];
      expect(json(boom)).toEqual({ error: 'Internal Server Error', requestId: boomId });
      const line = lines.find((l) => l.msg === 'unhandled error in GET /boom');
      expect(line).toMatchObject({ reqId: boomId, method: 'GET', path: '/boom' });

      const bad = await request(s.port, '/json', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{nope',
      });
      expect(bad.status).toBe(400);
      expect(json(bad)).toEqual({ error: 'Invalid JSON', requestId: bad.headers['x-request-id'] });

      const missing = await request(s.port, '/nowhere');
      expect(json(missing)).toMatchObject({ error: 'Not Found', requestId: missing.headers['x-request-id'] });
      // A path that cannot be decoded is answered before routing: it has its id too.
      const malformed = await request(s.port, '/%zz');
      expect(malformed.status).toBe(400);
      expect((json(malformed) as { requestId: string }).requestId).toBe(malformed.headers['x-request-id']);
      expect(malformed.headers['x-request-id']).toMatch(MADE_ID);
      // A header the app sets itself wins.
      expect((await request(s.port, '/own-header')).headers['x-request-id']).toBe('set-by-app');
    } finally {
      await s.stop();
    }
  });

  test('trustHeader takes a sane id from the configured header; an insane one is replaced', async () => {
    let n = 0;
    const s = await start(transport, {
      requestId: { header: 'X-Correlation-Id', trustHeader: true, generate: () => `gen-${++n}` },
    });
    try {
      const sent = await request(s.port, '/id', { headers: { 'x-correlation-id': 'abc-123' } });
      expect(json(sent)).toEqual({ id: 'abc-123' });
      expect(sent.headers['x-correlation-id']).toBe('abc-123');
      expect(sent.headers['x-request-id']).toBeUndefined();
      // A space, too long, a repeated header (joined with ', '), a Latin-1 byte: each replaced by a made id.
      for (const insane of ['a b', 'x'.repeat(129), ['a', 'b'], Buffer.from([0xe9]).toString('latin1')]) {
        const r = await request(s.port, '/id', { headers: { 'x-correlation-id': insane } });
        expect((json(r) as { id: string }).id).toMatch(/^gen-\d+$/);
      }
      expect(json(await request(s.port, '/id'))).toEqual({ id: expect.stringMatching(/^gen-\d+$/) });
    } finally {
      await s.stop();
    }
  });

  test("a failing WebSocket handler's log line carries the connection's id", async () => {
    const { logger, lines } = pinoLines();
    const s = await start(transport, { requestId: true, logger });
    s.app.ws('/fails', {
      message: () => {
        throw new Error('handler broke');
      },
    });
    try {
      const client = new WsClient(`${wsBase(s.port)}/fails`);
      let id: unknown;
      client.once('upgrade', (res) => (id = res.headers['x-request-id']));
      await new Promise((resolve, reject) => {
        client.once('open', resolve);
        client.once('error', reject);
      });
      const closed = new Promise<number>((r) => client.once('close', (code: number) => r(code)));
      client.send('x');
      expect(await closed).toBe(1011);
      expect(id).toMatch(MADE_ID);
      expect(lines.find((l) => String(l.msg).startsWith('a WebSocket handler failed'))).toMatchObject({ reqId: id });
    } finally {
      await s.stop();
    }
  });

  test('a WebSocket upgrade gets an id: ws.id, and the 101 carries the header', async () => {
    const s = await start(transport, { requestId: true });
    try {
      const client = new WsClient(`${wsBase(s.port)}/socket`);
      const inbox = new Inbox(client);
      let headers: Record<string, unknown> = {};
      client.once('upgrade', (res) => (headers = res.headers));
      await new Promise((resolve, reject) => {
        client.once('open', resolve);
        client.once('error', reject);
      });
      client.send('hi');
      const got = (await inbox.json()) as { id: string; echo: string };
      expect(got.echo).toBe('hi');
      expect(got.id).toMatch(MADE_ID);
      expect(headers['x-request-id']).toBe(got.id);
      client.close();
      await new Promise((r) => client.once('close', r));
    } finally {
      await s.stop();
    }
  });
});

test('req.log: a logger without child() gets reqId merged into its fields; no logger: console lines', async () => {
  const calls: Array<[Record<string, unknown>, string | undefined]> = [];
  const logger = {
    error: () => undefined,
    warn: () => undefined,
    info: (fields: Record<string, unknown>, msg?: string) => calls.push([fields, msg]),
    debug: () => undefined,
  };
  const s = await start('krozen', { requestId: true, logger });
  try {
    const r = await request(s.port, '/id');
    expect(calls).toEqual([[{ reqId: r.headers['x-request-id'], step: 'handler' }, 'hello']]);
  } finally {
    await s.stop();
  }
  const spy = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  const quiet = await start('krozen', { logger: undefined });
  try {
    await request(quiet.port, '/id');
    expect(spy).toHaveBeenCalledWith('krozen: hello', { step: 'handler' });
  } finally {
    spy.mockRestore();
    await quiet.stop();
  }
});

test('made ids: a per-process prefix and a counter, all distinct', () => {
  const ids = new Set(Array.from({ length: 10_000 }, nextRequestId));
  expect(ids.size).toBe(10_000);
  const [first] = ids;
  expect(first).toMatch(MADE_ID);
});
