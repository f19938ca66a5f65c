// Errors in user code (issue 15): hooks, middleware, handlers and listeners that throw, reject at once or
// reject later, on every event. Each is logged once, the request is answered (500 JSON) or the connection
// closed (1011), the server keeps serving, and nothing reaches the process as an uncaught exception or an
// unhandled rejection.
import type { App } from '../lib/app';
import type { WebSocket } from '../lib/ws/websocket';
import { Server } from '../lib/server';
import { createApp } from '../lib/app';
import { request, startApp, type Running } from './helpers/server';
import { Inbox, closed, openWs } from './ws/helpers';
import { wsBase, laneSettings } from './helpers/tls-lane';

type Mode = 'throw' | 'reject' | 'reject later';
const MODES: Mode[] = ['throw', 'reject', 'reject later'];

/** A user function that fails in `mode` with a message naming `where`. */
function failing(mode: Mode, where: string): () => unknown {
  const err = (): Error => new Error(`user fault in ${where} (${mode})`);
  if (mode === 'throw')
    return () => {
      throw err();
    };
  if (mode === 'reject') return () => Promise.reject(err());
  return () => new Promise((_, reject) => setTimeout(() => reject(err()), 20));
}

const escaped: unknown[] = [];
const onEscape = (err: unknown): void => void escaped.push(err);
let errorSpy: jest.SpyInstance;
beforeAll(() => {
  process.on('unhandledRejection', onEscape);
  process.on('uncaughtException', onEscape);
});
afterAll(() => {
  process.off('unhandledRejection', onEscape);
  process.off('uncaughtException', onEscape);
});
beforeEach(() => {
  errorSpy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(async () => {
  await new Promise((resolve) => setTimeout(resolve, 30));
  jest.restoreAllMocks();
  expect(escaped).toEqual([]);
});

/** console.error calls that carry the fault named `where` (its message or the Error). */
function logged(where: string, mode: Mode): number {
  const text = `user fault in ${where} (${mode})`;
  return errorSpy.mock.calls.filter((call) =>
    call.some((a: unknown) => String(a instanceof Error ? a.message : a).includes(text)),
  ).length;
}

async function withApp(setup: (app: App) => void, body: (r: Running) => Promise<void>): Promise<void> {
  const r = await startApp((app) => {
    app.get('/ok', () => ({ body: { ok: true } }));
    setup(app);
  });
  try {
    await body(r);
    expect((await request(r.port, { path: '/ok' })).status).toBe(200);
  } finally {
    await r.stop();
  }
}

describe.each(MODES)('HTTP, %s', (mode) => {
  const cases: Array<[string, (app: App, fn: () => unknown) => void]> = [
    ['a route handler', (app, fn) => void app.get('/x', fn as never)],
    [
      'middleware',
      (app, fn) => {
        app.use(fn as never);
        app.get('/x', () => ({ body: 1 }));
      },
    ],
    [
      'an http:get hook',
      (app, fn) => {
        app.on('http:get', fn);
        app.get('/x', () => ({ body: 1 }));
      },
    ],
    [
      'an http:get:after hook',
      (app, fn) => {
        app.on('http:get:after', fn);
        app.get('/x', () => ({ body: 1 }));
      },
    ],
  ];
  test.each(cases)('%s → 500 JSON, logged once, server lives', async (where, install) => {
    await withApp(
      (app) => {
        let first = true;
        const fn = failing(mode, where);
        install(app, () => {
          if (!first) return undefined; // only the first request fails (the health check after it must not)
          first = false;
          return fn();
        });
      },
      async (r) => {
        const res = await request(r.port, { path: '/x' });
        expect(res.status).toBe(500);
        expect(JSON.parse(res.text)).toEqual({ error: 'Internal Server Error' });
        expect(logged(where, mode)).toBe(1);
      },
    );
  });

  test('an error hook that fails too → still a 500, both logged', async () => {
    await withApp(
      (app) => {
        app.get('/x', failing('throw', 'the handler before the error hook') as never);
        app.on('error', failing(mode, 'an error hook'));
      },
      async (r) => {
        const res = await request(r.port, { path: '/x' });
        expect(res.status).toBe(500);
        expect(logged('an error hook', mode)).toBe(1);
      },
    );
  });
});

describe.each(MODES)('WebSocket, %s', (mode) => {
  test('ws:connect → closed with 1011, logged once, others served', async () => {
    await withApp(
      (app) => {
        let first = true;
        const fn = failing(mode, 'ws:connect');
        app.on('ws:connect', () => {
          if (!first) return undefined;
          first = false;
          return fn();
        });
      },
      async (r) => {
        const ws = await openWs(`${wsBase(r.port)}/ws`);
        expect((await closed(ws)).code).toBe(1011);
        expect(logged('ws:connect', mode)).toBe(1);
        const other = await openWs(`${wsBase(r.port)}/ws`);
        const inbox = new Inbox(other);
        other.send('{"a":1}');
        expect(await inbox.json()).toEqual({ echo: { a: 1 } });
        other.close();
      },
    );
  });

  test('ws:message → closed with 1011, logged once, others served', async () => {
    await withApp(
      (app) => {
        const fn = failing(mode, 'ws:message');
        app.on('ws:message', (ctx) => (ctx.raw === 'fail' ? fn() : undefined));
      },
      async (r) => {
        const ws = await openWs(`${wsBase(r.port)}/ws`);
        ws.send('fail');
        expect((await closed(ws)).code).toBe(1011);
        expect(logged('ws:message', mode)).toBe(1);
        const other = await openWs(`${wsBase(r.port)}/ws`);
        const inbox = new Inbox(other);
        other.send('{"b":2}');
        expect(await inbox.json()).toEqual({ echo: { b: 2 } });
        other.close();
      },
    );
  });

  test('ws:disconnect → logged once, server lives', async () => {
    await withApp(
      (app) => {
        app.on('ws:disconnect', failing(mode, 'ws:disconnect'));
      },
      async (r) => {
        const ws = await openWs(`${wsBase(r.port)}/ws`);
        ws.close();
        await closed(ws);
        for (let i = 0; i < 20 && logged('ws:disconnect', mode) === 0; i++)
          await new Promise((resolve) => setTimeout(resolve, 20));
        expect(logged('ws:disconnect', mode)).toBe(1);
      },
    );
  });
});

test('a user ws "close" listener that throws → logged once, server lives', async () => {
  await withApp(
    (app) => {
      app.on('ws:connect', ({ ws }: { ws: WebSocket }) => {
        ws.on('close', () => {
          throw new Error('user fault in a close listener (throw)');
        });
      });
    },
    async (r) => {
      const ws = await openWs(`${wsBase(r.port)}/ws`);
      ws.close();
      await closed(ws);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(logged('a close listener', 'throw')).toBe(1);
    },
  );
});

test.each(MODES)('server:start that fails (%s) → run() rejects and nothing is left listening', async (mode) => {
  const app = createApp(laneSettings({ port: 0 }));
  app.on('server:start', failing(mode, 'server:start'));
  const server = new Server(app);
  await expect(server.run()).rejects.toThrow(`user fault in server:start (${mode})`);
  expect(server.http?.listening ?? false).toBe(false);
});

test.each(MODES)('server:stop that fails (%s) → stop() rejects, the server is closed', async (mode) => {
  const app = createApp(laneSettings({ port: 0 }));
  app.on('server:stop', failing(mode, 'server:stop'));
  const server = await new Server(app).run();
  await expect(server.stop()).rejects.toThrow(`user fault in server:stop (${mode})`);
  expect(server.http?.listening ?? false).toBe(false);
  await expect(request(server.port, { path: '/ok', timeoutMs: 2000 })).rejects.toThrow();
});
