// ci: runs both transports itself (every server here is given its transport; .ci/run leaves it out of the node-transport lanes).
// settings.tracing with the OpenTelemetry SDK's in-memory exporter: a SERVER span per request (its parent
// from `traceparent`, the HTTP semantic conventions' attributes, error status for 5xx), a handler's own span
// as its child, a span per WebSocket upgrade; both transports. MISSING_PEER without @opentelemetry/api.
import { context, propagation, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { request, startServer, type TestServer } from '../fixtures/wire';
import { closed, openWs, sleep } from '../ws/helpers';
import { ErrorCode } from '../../lib/base/errors';
import { TEST_TLS, wsBase, laneSettings } from '../helpers/tls-lane';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => {
  provider.register({
    contextManager: new AsyncLocalStorageContextManager(),
    propagator: new W3CTraceContextPropagator(),
  });
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});
beforeEach(() => exporter.reset());

const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';

async function spansNamed(name: string) {
  for (let i = 0; i < 100; i++) {
    const found = exporter.getFinishedSpans().filter((s) => s.name === name);
    if (found.length > 0) return found;
    await sleep(10);
  }
  throw new Error(`no span named ${name}: ${exporter.getFinishedSpans().map((s) => s.name)}`);
}

describe.each(['krozen', 'node'] as const)('tracing on the %s transport', (transport) => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  async function start(): Promise<TestServer> {
    const settings = { transport, tracing: true, wsCloseTimeout: 1000, shutdownTimeout: 2000, logger: quiet };
    server = await startServer(settings, (app) => {
      app.get('/users/:id', async (req) => {
        // A span the handler starts is a child of the request's server span.
        const child = trace.getTracer('test').startSpan('load user');
        await sleep(5);
        child.end();
        return { body: { id: req.params.id } };
      });
      app.get('/fail', () => {
        throw new Error('boom');
      });
      app.ws('/chat/:room', {});
    });
    return server;
  }

  test('a request with traceparent: its trace and parent, name, attributes, a child span', async () => {
    const s = await start();
    const reply = await request(s.port, '/users/42?x=1', {
      headers: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`, 'user-agent': 'krozen-test/1' },
    });
    expect(reply.status).toBe(200);
    const [span] = await spansNamed('GET /users/:id');
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.spanContext().traceId).toBe(TRACE_ID);
    expect(span.parentSpanContext?.spanId).toBe(PARENT_ID);
    expect(span.attributes).toEqual({
      'http.request.method': 'GET',
      'http.route': '/users/:id',
      'http.response.status_code': 200,
      'url.path': '/users/42',
      'url.scheme': TEST_TLS ? 'https' : 'http',
      'server.address': '127.0.0.1',
      'server.port': s.port,
      'network.peer.address': '127.0.0.1',
      'user_agent.original': 'krozen-test/1',
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    const [child] = await spansNamed('load user');
    expect(child.spanContext().traceId).toBe(TRACE_ID);
    expect(child.parentSpanContext?.spanId).toBe(span.spanContext().spanId);
  });

  test('a 5xx is an error span; an unmatched request is named by its method only; no traceparent: a new trace', async () => {
    const s = await start();
    expect((await request(s.port, '/fail')).status).toBe(500);
    const [failed] = await spansNamed('GET /fail');
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed.attributes['http.response.status_code']).toBe(500);
    expect(failed.parentSpanContext).toBeUndefined();
    expect((await request(s.port, '/nowhere', { method: 'POST', body: '' })).status).toBe(404);
    const [unmatched] = await spansNamed('POST');
    expect(unmatched.attributes['http.route']).toBeUndefined();
    expect(unmatched.attributes['http.response.status_code']).toBe(404);
    expect(unmatched.status.code).toBe(SpanStatusCode.UNSET);
  });

  test('a WebSocket upgrade yields a span (101), a refused one too (404)', async () => {
    const s = await start();
    const ws = await openWs(`${wsBase(s.port)}/chat/lobby`, {
      headers: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` },
    });
    const [span] = await spansNamed('GET /chat/:room');
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.spanContext().traceId).toBe(TRACE_ID);
    expect(span.attributes['http.response.status_code']).toBe(101);
    expect(span.attributes['url.path']).toBe('/chat/lobby');
    ws.close();
    await closed(ws);
    await expect(openWs(`${wsBase(s.port)}/nope`)).rejects.toThrow(/404/);
    const [refused] = await spansNamed('GET');
    expect(refused.attributes['http.response.status_code']).toBe(404);
  });
});

test('tracing without @opentelemetry/api: MISSING_PEER at startup, nothing listening', async () => {
  let run: Promise<unknown> = Promise.resolve();
  let server: { port: number } | undefined;
  jest.isolateModules(() => {
    jest.doMock('@opentelemetry/api', () => {
      const err = new Error("Cannot find module '@opentelemetry/api'") as NodeJS.ErrnoException;
      err.code = 'MODULE_NOT_FOUND';
      throw err;
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh copy that sees the mock
    const fresh = require('../../lib/index') as typeof import('../../lib/index');
    const s = new fresh.Server(fresh.createApp(laneSettings({ port: 0, host: '127.0.0.1', tracing: true })));
    server = s;
    run = s.run();
  });
  await expect(run).rejects.toMatchObject({
    code: ErrorCode.MISSING_PEER,
    message: expect.stringMatching(/npm install @opentelemetry\/api/),
  });
  expect(() => server?.port).toThrow(/not listening/);
  jest.dontMock('@opentelemetry/api');
});
