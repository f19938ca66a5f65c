// ci: runs both transports itself (every server here is given its transport; .ci/run leaves it out of the node-transport lanes).
// settings.metrics: the Prometheus exposition, parsed by parse-prometheus-text-format (a real parser of the
// text format), on both transports: off by default; request durations by route template, method and status
// class; in-flight requests; connections; WebSocket messages and bytes; pub/sub; the user's own series.
import { request, startServer, type TestServer } from '../fixtures/wire';
import { closed, Inbox, openWs, sleep } from '../ws/helpers';
import type { Settings } from '../../lib/settings/index';
import { MetricsRegistry } from '../../lib/features/metrics-registry';
import { wsBase } from '../helpers/tls-lane';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- no types shipped
const parsePrometheus = require('parse-prometheus-text-format') as (text: string) => Family[];

interface Family {
  name: string;
  help: string;
  type: string;
  metrics: Array<{
    value?: string;
    labels?: Record<string, string>;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }>;
}

const HISTOGRAM = 'krozen_http_request_duration_seconds';

/**
 * The families of one scrape. The parser folds every series of a labelled histogram into one, so the
 * histogram's samples are read a second time without its TYPE line: its _bucket, _sum and _count lines
 * then come back as plain samples with their labels.
 */
async function scrape(port: number, path = '/metrics'): Promise<Map<string, Family>> {
  const reply = await request(port, path);
  expect(reply.status).toBe(200);
  expect(reply.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  const text = reply.body.toString();
  const families = new Map(parsePrometheus(text).map((f) => [f.name, f]));
  expect(families.get(HISTOGRAM)?.type).toBe('HISTOGRAM');
  const flat = parsePrometheus(text.replace(`# TYPE ${HISTOGRAM} histogram\n`, ''));
  // (Each run of one name is a family of its own there: the runs are joined.)
  for (const f of flat) {
    if (!f.name.startsWith(`${HISTOGRAM}_`)) continue;
    const seen = families.get(f.name);
    if (seen === undefined) families.set(f.name, f);
    else seen.metrics.push(...f.metrics);
  }
  return families;
}

function value(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const family = families.get(name);
  if (family === undefined) throw new Error(`no ${name}`);
  const m = family.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v));
  if (m === undefined) throw new Error(`no ${name} ${JSON.stringify(labels)}`);
  return Number(m.value ?? m.count);
}

/** One series of the request histogram: cumulative buckets by `le`, sum and count (as the text has them). */
function histogram(families: Map<string, Family>, labels: Record<string, string>) {
  const matching = (suffix: string) =>
    (families.get(`${HISTOGRAM}_${suffix}`) as Family).metrics.filter((x) =>
      Object.entries(labels).every(([k, v]) => x.labels?.[k] === v),
    );
  const count = matching('count');
  if (count.length !== 1) return undefined;
  const buckets: Record<string, string> = {};
  for (const b of matching('bucket')) buckets[b.labels?.le as string] = b.value as string;
  return { count: count[0].value, sum: matching('sum')[0].value, buckets };
}

describe.each(['krozen', 'node'] as const)('metrics on the %s transport', (transport) => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  const start = (overrides: Partial<Settings>, configure: Parameters<typeof startServer>[1] = () => undefined) =>
    startServer({ transport, wsCloseTimeout: 1000, shutdownTimeout: 2000, ...overrides }, configure).then((s) => {
      server = s;
      return s;
    });

  test('off by default: no endpoint, no observer', async () => {
    const s = await start({});
    expect((await request(s.port, '/metrics')).status).toBe(404);
    expect(s.app.observer).toBeUndefined();
  });

  test('request durations by route template, method and status class; in flight', async () => {
    let release: () => void = () => undefined;
    const s = await start({ metrics: true }, (app) => {
      app.get('/users/:id', (req) => ({ body: { id: req.params.id } }));
      app.post('/boom', () => {
        throw new Error('boom');
      });
      app.get('/slow', () => new Promise((resolve) => (release = () => resolve({ body: 'done' }))));
    });
    for (const id of ['1', '2', '3']) expect((await request(s.port, `/users/${id}`)).status).toBe(200);
    expect((await request(s.port, '/no/such/path')).status).toBe(404);
    expect((await request(s.port, '/boom', { method: 'POST', body: '' })).status).toBe(500);
    const slow = request(s.port, '/slow');
    await sleep(50);
    let f = await scrape(s.port);
    // The scrape itself is in flight too.
    expect(value(f, 'krozen_http_requests_in_flight')).toBe(2);
    const users = histogram(f, { route: '/users/:id', method: 'GET', status_class: '2xx' });
    expect(users?.count).toBe('3');
    expect(users?.buckets?.['+Inf']).toBe('3');
    expect(Number(users?.sum)).toBeGreaterThan(0);
    // Raw URLs never become labels: the three ids are one series.
    const routes = new Set((f.get(`${HISTOGRAM}_count`) as Family).metrics.map((m) => m.labels?.route));
    expect([...routes].sort()).toEqual(['/boom', '/users/:id', 'unmatched']);
    expect(histogram(f, { route: 'unmatched', method: 'GET', status_class: '4xx' })?.count).toBe('1');
    expect(histogram(f, { route: '/boom', method: 'POST', status_class: '5xx' })?.count).toBe('1');
    release();
    expect((await slow).status).toBe(200);
    f = await scrape(s.port);
    expect(value(f, 'krozen_http_requests_in_flight')).toBe(1);
    expect(histogram(f, { route: '/slow', method: 'GET', status_class: '2xx' })?.count).toBe('1');
    // The previous scrape is counted under its own route.
    expect(histogram(f, { route: '/metrics', method: 'GET', status_class: '2xx' })?.count).toBe('1');
    expect(f.get('krozen_eventloop_delay_seconds')?.type).toBe('SUMMARY');
    expect(value(f, 'krozen_eventloop_delay_seconds')).toBeGreaterThan(0);
  });

  test('a path and buckets of its own; app.metrics holds user series', async () => {
    const s = await start({ metrics: { path: '/_internal/metrics', buckets: [0.1, 1] } }, (app) => {
      const hits = app.metrics.counter({ name: 'app_hits_total', help: 'Hits.', labelNames: ['kind'] });
      app.get('/hit', () => {
        hits.inc({ kind: 'a "quoted"\nkind' });
        return { body: {} };
      });
    });
    expect((await request(s.port, '/metrics')).status).toBe(404);
    await request(s.port, '/hit');
    const f = await scrape(s.port, '/_internal/metrics');
    expect(Object.keys(histogram(f, { route: '/hit' })?.buckets ?? {}).sort()).toEqual(['+Inf', '0.1', '1']);
    expect(value(f, 'app_hits_total', { kind: 'a "quoted"\nkind' })).toBe(1);
    expect(s.app.metrics.value('app_hits_total', { kind: 'a "quoted"\nkind' })).toBe(1);
  });

  test('connections, WebSocket messages and bytes, pub/sub', async () => {
    const s = await start({ metrics: true }, (app) => {
      app.ws('/chat/:room', {
        open: (ctx) => ctx.ws.subscribe('room'),
        message: (ctx) => {
          ctx.ws.send(ctx.raw);
        },
      });
    });
    const url = `${wsBase(s.port)}/chat/lobby`;
    const ws = await openWs(url);
    const inbox = new Inbox(ws);
    ws.send('hello');
    ws.send('world!');
    expect((await inbox.next()).text).toBe('hello');
    expect((await inbox.next()).text).toBe('world!');
    s.app.publish('room', 'news');
    expect((await inbox.next()).text).toBe('news');
    let f = await scrape(s.port);
    expect(value(f, 'krozen_ws_connections_open')).toBe(1);
    expect(value(f, 'krozen_ws_messages_received_total')).toBe(2);
    expect(value(f, 'krozen_ws_received_bytes_total')).toBe(11);
    expect(value(f, 'krozen_ws_messages_sent_total')).toBe(3);
    expect(value(f, 'krozen_ws_sent_bytes_total')).toBe(15);
    expect(value(f, 'krozen_pubsub_published_total')).toBe(1);
    expect(value(f, 'krozen_pubsub_history_entries')).toBe(0);
    // The scrape's own connection (closed after its answer, maybe not yet seen closed).
    expect(value(f, 'krozen_http_connections_open')).toBeGreaterThanOrEqual(1);
    ws.close();
    await closed(ws);
    for (let i = 0; i < 50 && value(f, 'krozen_ws_connections_open') !== 0; i++) {
      await sleep(20);
      f = await scrape(s.port);
    }
    expect(value(f, 'krozen_ws_connections_open')).toBe(0);
  });

  test('backpressure drops are counted', async () => {
    const s = await start({ metrics: true, wsMaxBackpressure: 1024, wsBackpressurePolicy: 'drop' }, (app) => {
      app.ws('/flood', {
        message: (ctx) => {
          const chunk = 'x'.repeat(64 * 1024);
          for (let i = 0; i < 200; i++) ctx.ws.send(chunk);
        },
      });
    });
    const ws = await openWs(`${wsBase(s.port)}/flood`);
    ws.send('go');
    await sleep(200);
    const f = await scrape(s.port);
    expect(value(f, 'krozen_ws_backpressure_drops_total')).toBeGreaterThan(0);
    expect(value(f, 'krozen_ws_messages_sent_total') + value(f, 'krozen_ws_backpressure_drops_total')).toBe(200);
    ws.terminate();
  });
});

test('the registry refuses bad names and exposes histograms cumulatively', () => {
  const r = new MetricsRegistry();
  expect(() => r.counter({ name: 'bad-name', help: '' })).toThrow(/Invalid metric name/);
  expect(() => r.gauge({ name: 'g', help: '', labelNames: ['le'] })).toThrow(/Invalid label name/);
  const h = r.histogram({ name: 'h_seconds', help: 'H.', buckets: [1, 2] });
  h.observe(undefined, 0.5);
  h.observe(undefined, 1.5);
  h.observe(undefined, 9);
  expect(h.get()).toEqual({ buckets: [1, 2, 3], sum: 11, count: 3 });
  r.counter({ name: 'c_total', help: 'C.' }).inc();
  expect(() => r.counter({ name: 'c_total', help: 'again' })).toThrow(/already registered/);
  const parsed = parsePrometheus(r.render());
  expect(parsed.map((f) => [f.name, f.type])).toEqual([
    ['h_seconds', 'HISTOGRAM'],
    ['c_total', 'COUNTER'],
  ]);
  expect(parsed[0].metrics[0].buckets).toEqual({ '1': '1', '2': '2', '+Inf': '3' });
});
