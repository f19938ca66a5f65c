// Server: run/stop, hooks, plugins, graceful stop, timeouts, signals.
import { createApp, app as globalApp } from '../lib/app';
import { Server } from '../lib/server';
import { get, use, del } from '../lib';
import { startApp, request, type Running } from './helpers/server';
import { startChild, killChild } from './helpers/child';
import { httpBase, laneSettings, connectRaw } from './helpers/tls-lane';

test('run() on port 0 exposes the port; server:start and server:stop fire once with { server }', async () => {
  const app = createApp(laneSettings({ port: 0 }));
  const events: string[] = [];
  let seen: unknown;
  app.on('server:start', (ctx: { server: Server }) => {
    events.push('start');
    seen = ctx.server;
  });
  app.on('server:stop', async () => {
    await Promise.resolve();
    events.push('stop');
  });
  const server = new Server(app);
  expect(() => server.port).toThrow('not listening');
  await server.run();
  expect(server.port).toBeGreaterThan(0);
  expect(seen).toBe(server);
  expect(events).toEqual(['start']);
  await Promise.all([server.stop(), server.stop()]);
  expect(events).toEqual(['start', 'stop']);
  await expect(fetch(`${httpBase(server.port)}/_internal/health`)).rejects.toThrow();
});

test('run({ plugins }) installs them before listening', async () => {
  const app = createApp(laneSettings({ port: 0, infoEndpoint: true }));
  const server = await new Server(app).run({
    plugins: [{ name: 'hello', setup: (a) => a.get('/hello', () => ({ body: 'hi' })) }],
  });
  try {
    expect(await (await fetch(`${httpBase(server.port)}/hello`)).json()).toBe('hi');
    expect((await (await fetch(`${httpBase(server.port)}/_internal/info`)).json()).plugins).toEqual(['hello']);
  } finally {
    await server.stop();
  }
});

test('run() twice is an error; a port in use rejects', async () => {
  const a = await new Server(createApp(laneSettings({ port: 0 }))).run();
  try {
    await expect(a.run()).rejects.toThrow('already running');
    await expect(new Server(createApp({ port: a.port })).run()).rejects.toThrow(/EADDRINUSE/);
  } finally {
    await a.stop();
  }
});

test('graceful stop: the in-flight request completes, new connections are refused', async () => {
  let release!: () => void;
  let started!: () => void;
  const inHandler = new Promise<void>((resolve) => (started = resolve));
  const r = await startApp((app) => {
    app.get(
      '/slow',
      () =>
        new Promise((resolve) => {
          started();
          release = () => resolve({ body: { finished: true } });
        }),
    );
  });
  const inflight = request(r.port, { path: '/slow' });
  await inHandler;
  const stopped = r.stop();
  let stopDone = false;
  void stopped.then(() => (stopDone = true));
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(stopDone).toBe(false);
  await expect(request(r.port, { path: '/_internal/health' })).rejects.toThrow(/ECONNREFUSED/);
  release();
  const res = await inflight;
  expect(res.status).toBe(200);
  expect(res.headers.connection).toBe('close');
  expect(JSON.parse(res.text)).toEqual({ finished: true });
  await stopped;
});

test('graceful stop closes idle keep-alive connections at once', async () => {
  const r = await startApp(() => undefined, { keepAliveTimeout: 60_000 });
  const socket = connectRaw(r.port);
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write('GET /_internal/health HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise((resolve) => socket.once('data', resolve));
  const closed = new Promise((resolve) => socket.once('close', resolve));
  const t0 = Date.now();
  await r.stop();
  await closed;
  expect(Date.now() - t0).toBeLessThan(2000);
});

test('stop() destroys what is still running after shutdownTimeout', async () => {
  const r = await startApp(
    (app) => {
      app.get('/forever', () => new Promise(() => undefined));
    },
    { shutdownTimeout: 200 },
  );
  const inflight = request(r.port, { path: '/forever' }).then(
    () => 'answered',
    () => 'cut',
  );
  await new Promise((resolve) => setTimeout(resolve, 50));
  const t0 = Date.now();
  await r.stop();
  expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
  expect(Date.now() - t0).toBeLessThan(3000);
  expect(await inflight).toBe('cut');
});

describe('slow clients are cut off', () => {
  let r: Running;
  beforeAll(async () => {
    r = await startApp(
      (app) => {
        app.post('/echo', (req) => ({ body: req.body }));
      },
      { headersTimeout: 300, requestTimeout: 600 },
    );
  });
  afterAll(() => r.stop());

  function trickle(parts: string[], everyMs: number): Promise<{ data: string; ms: number }> {
    return new Promise((resolve) => {
      const t0 = Date.now();
      const socket = connectRaw(r.port);
      let data = '';
      let i = 0;
      const timer = setInterval(() => {
        if (i < parts.length && socket.writable) socket.write(parts[i++]);
      }, everyMs);
      socket.on('data', (d) => (data += d.toString('latin1')));
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ data, ms: Date.now() - t0 });
      });
      socket.on('error', () => undefined);
    });
  }

  test('headers that never finish → 408 and the connection closes', async () => {
    const parts = Array.from({ length: 100 }, (_, i) => `X-Slow-${i}: y\r\n`);
    const { data, ms } = await trickle(['GET / HTTP/1.1\r\nHost: x\r\n', ...parts], 50);
    expect(data).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
    expect(data).toContain('{"error":"Request Timeout"}');
    expect(ms).toBeLessThan(2500);
    expect((await request(r.port, { path: '/_internal/health' })).status).toBe(200);
  });

  test('a body that never finishes → cut by the request timeout', async () => {
    const head = 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n';
    const { ms } = await trickle([head, ...Array.from({ length: 100 }, () => ' ')], 50);
    expect(ms).toBeLessThan(3000);
    expect((await request(r.port, { path: '/_internal/health' })).status).toBe(200);
  });
});

test('Server.run() / Server.stop() serve the global app', async () => {
  const app = globalApp;
  const globalSettings = app.settings;
  const saved = globalSettings.port;
  globalSettings.port = 0;
  const savedTls = globalSettings.tls;
  globalSettings.tls = laneSettings({}).tls;
  // pykrozen style: the top-level functions register on the global app.
  get('/global-route', () => ({ body: 'global' }));
  use((req, res) => {
    res.headers['x-global-mw'] = 'yes';
  });
  del('/global-route', () => ({ body: 'deleted' }));
  try {
    const server = await Server.run();
    expect(server.app).toBe(app);
    const res = await fetch(`${httpBase(server.port)}/global-route`);
    expect(await res.json()).toBe('global');
    expect(res.headers.get('x-global-mw')).toBe('yes');
    expect(await (await fetch(`${httpBase(server.port)}/global-route`, { method: 'DELETE' })).json()).toBe('deleted');
    await Server.stop();
  } finally {
    globalSettings.port = saved;
    globalSettings.tls = savedTls;
  }
});

test("handleSignals false: SIGTERM is the app's (it keeps running); its server.stop() still drains", async () => {
  const child = await startChild({ HANDLE_SIGNALS: '0' });
  try {
    const inflight = request(child.port, { path: '/slow?ms=400' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    child.proc.kill('SIGTERM');
    const res = await inflight;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ slow: true, pid: child.proc.pid });
    const deadline = Date.now() + 5000;
    while (!child.lines.some((l) => l.stopped === true) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const events = child.lines.map((l) => l.hook ?? (l.appSignal ? 'app:SIGTERM' : l.stopped ? 'stopped' : null));
    expect(events.filter(Boolean)).toEqual(['server:start', 'app:SIGTERM', 'server:stop', 'stopped']);
    // krozen installed no handler, so nothing called process.exit(0): the process is still there.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(child.proc.exitCode).toBeNull();
    expect(child.proc.signalCode).toBeNull();
    await expect(fetch(`${httpBase(child.port)}/pid`)).rejects.toThrow();
  } finally {
    await killChild(child);
  }
});

test('SIGTERM: the in-flight request completes, then the process exits 0', async () => {
  const child = await startChild();
  try {
    const inflight = request(child.port, { path: '/slow?ms=400' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    child.proc.kill('SIGTERM');
    const res = await inflight;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ slow: true, pid: child.proc.pid });
    expect(await child.exited).toBe(0);
    expect(child.lines.map((l) => l.hook).filter(Boolean)).toEqual(['server:start', 'server:stop']);
  } finally {
    await killChild(child);
  }
});
