// krozen's own Prometheus series (settings.metrics), registered into the app's registry when the server
// starts: request durations by route template, method and status class; requests in flight; connections;
// WebSocket messages, bytes and backpressure; pub/sub counters; event-loop delay. Everything but the
// request histogram is read when scraped, so it costs nothing between scrapes.
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import { DEFAULT_BUCKETS, type HistogramSeries, type MetricsRegistry, type Sample } from './metrics-registry';
import type { WsStats } from '../ws/ws-stats';
import type { PubSubStats } from '../pubsub/pubsub';
import type { Route } from '../http/exchange';

/** settings.metrics as an object. */
export interface MetricsOptions {
  /** Where the exposition is served (default '/metrics'). */
  path?: string;
  /** Upper bounds of the request duration histogram, seconds (default 0.005 … 10). */
  buckets?: readonly number[];
}

/** The route label of a request that matched no route: route templates start with '/', so it cannot clash. */
export const UNMATCHED = 'unmatched';

// Methods outside the standard set share one label (as OpenTelemetry's `_OTHER`): bounded cardinality.
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'TRACE', '_OTHER'];
const METHOD_INDEX: Record<string, number> = Object.create(null);
METHODS.forEach((m, i) => (METHOD_INDEX[m] = i));
const CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'];

/** A route's cached series: by status class, for the method it was registered with. */
interface RouteSeries {
  owner: HttpMetrics;
  method: string;
  byClass: Array<HistogramSeries | undefined>;
}

/** The request side: in-flight count and the duration histogram, with its series cached per route. */
export class HttpMetrics {
  inFlight = 0;
  private readonly rows = new Map<string, Array<HistogramSeries | undefined>>();
  private readonly duration;

  constructor(registry: MetricsRegistry, buckets: readonly number[] = DEFAULT_BUCKETS) {
    this.duration = registry.histogram({
      name: 'krozen_http_request_duration_seconds',
      help: 'Time from the request head to its answer handed to the transport, by route template, method and status class.',
      labelNames: ['route', 'method', 'status_class'],
      buckets,
    });
    registry.collect(
      gauge('krozen_http_requests_in_flight', 'Requests received and not yet answered.', () => this.inFlight),
    );
  }

  /** The start of a request, for end(). */
  start(): number {
    this.inFlight++;
    return performance.now();
  }

  /**
   * A request answered. The series is cached on its route for the route's own method (the common case: one
   * property read and one array read); other methods (HEAD on a GET route) and unmatched requests take the
   * table below.
   */
  end(route: Route | null, method: string, status: number, started: number): void {
    const c = status < 100 || status > 599 ? 4 : ((status / 100) | 0) - 1;
    if (route !== null) {
      let cache = route.metrics as RouteSeries | undefined;
      if (cache === undefined || cache.owner !== this) {
        cache = { owner: this, method, byClass: [undefined, undefined, undefined, undefined, undefined] };
        route.metrics = cache;
      }
      if (cache.method === method) {
        this.inFlight--;
        let series = cache.byClass[c];
        if (series === undefined) series = cache.byClass[c] = this.seriesFor(route.template, method, status);
        series.observe((performance.now() - started) / 1000);
        return;
      }
    }
    this.endSlow(route === null ? undefined : route.template, method, status, started);
  }

  private seriesFor(route: string | undefined, method: string, status: number): HistogramSeries {
    const template = route === undefined ? UNMATCHED : route;
    const m = METHOD_INDEX[method];
    const c = status < 100 || status > 599 ? 4 : ((status / 100) | 0) - 1;
    return this.duration.seriesFor([template, m === undefined ? '_OTHER' : method, CLASSES[c]]);
  }

  private endSlow(route: string | undefined, method: string, status: number, started: number): void {
    this.inFlight--;
    const template = route === undefined ? UNMATCHED : route;
    let row = this.rows.get(template);
    if (row === undefined) {
      row = new Array(METHODS.length * CLASSES.length).fill(undefined);
      this.rows.set(template, row);
    }
    const m = METHOD_INDEX[method];
    const c = status < 100 || status > 599 ? 4 : ((status / 100) | 0) - 1;
    const i = (m === undefined ? METHODS.length - 1 : m) * CLASSES.length + c;
    let series = row[i];
    if (series === undefined) {
      series = this.duration.seriesFor([template, METHODS[(i / CLASSES.length) | 0], CLASSES[c]]);
      row[i] = series;
    }
    series.observe((performance.now() - started) / 1000);
  }
}

/** What the scrape-time series read. */
export interface MetricsSources {
  /** TCP connections open on the transport (WebSocket ones included). */
  connections(): number;
  /** WebSocket connections open (0 before the first). */
  wsConnections(): number;
  readonly wsStats: WsStats;
  pubsubStats(): PubSubStats;
}

/** Registers the scrape-time series; returns a stop() for the event-loop monitor. */
export function registerProcessSeries(registry: MetricsRegistry, src: MetricsSources): () => void {
  registry.collect(
    gauge('krozen_http_connections_open', 'HTTP connections open (not counting those upgraded to WebSocket).', () =>
      Math.max(0, src.connections() - src.wsConnections()),
    ),
  );
  registry.collect(gauge('krozen_ws_connections_open', 'WebSocket connections open.', src.wsConnections));
  // The recovery history (app.realtime() topics with `recovery`): 0 until one is in use.
  registry.collect(
    gauge(
      'krozen_pubsub_history_entries',
      'Messages kept for recovery.',
      () => src.pubsubStats().history?.entries ?? 0,
    ),
  );
  registry.collect(
    gauge(
      'krozen_pubsub_history_bytes',
      'Payload bytes kept for recovery.',
      () => src.pubsubStats().history?.bytes ?? 0,
    ),
  );
  const ws = src.wsStats;
  const counters: Array<[string, string, () => number]> = [
    ['krozen_ws_messages_received_total', 'WebSocket messages received.', () => ws.messagesIn],
    ['krozen_ws_messages_sent_total', 'WebSocket messages sent (replies, send(), publishes).', () => ws.messagesOut],
    ['krozen_ws_received_bytes_total', 'WebSocket payload bytes received (after inflate).', () => ws.bytesIn],
    ['krozen_ws_sent_bytes_total', 'WebSocket payload bytes sent (before deflate).', () => ws.bytesOut],
    [
      'krozen_ws_backpressure_drops_total',
      'Sends dropped by wsMaxBackpressure (policy drop).',
      () => ws.backpressureDrops,
    ],
    [
      'krozen_ws_backpressure_closes_total',
      'Connections closed by wsMaxBackpressure (policy close).',
      () => ws.backpressureCloses,
    ],
    ['krozen_pubsub_published_total', 'app.publish() calls in this process.', () => src.pubsubStats().published],
    [
      'krozen_pubsub_received_total',
      'Messages from other processes handed to local subscribers.',
      () => src.pubsubStats().received,
    ],
    [
      'krozen_pubsub_sent_total',
      'Publishes handed to the transport (Redis acknowledged, or IPC sent).',
      () => transportCount(src, 'sent'),
    ],
    [
      'krozen_pubsub_not_sent_total',
      'Publishes the transport did not take (Redis down, worker gone).',
      () => transportCount(src, 'notSent'),
    ],
    [
      'krozen_pubsub_missed_total',
      'Messages of other processes never received (Redis gaps).',
      () => transportCount(src, 'missed'),
    ],
  ];
  for (const [name, help, read] of counters) registry.collect(single(name, help, 'counter', read));
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  registry.collect(eventLoopSummary(loop));
  return () => loop.disable();
}

function transportCount(src: MetricsSources, field: string): number {
  const stats = src.pubsubStats();
  const t = (stats.redis ?? stats.ipc) as Record<string, unknown> | undefined;
  const v = t === undefined ? undefined : t[field];
  return typeof v === 'number' ? v : 0;
}

function single(name: string, help: string, type: 'counter' | 'gauge', read: () => number) {
  return { name, help, type, samples: (): Sample[] => [{ name, labels: {}, value: read() }] };
}

function gauge(name: string, help: string, read: () => number) {
  return single(name, help, 'gauge', read);
}

/** Event-loop delay since metrics were turned on, as a summary (quantiles, sum, count), in seconds. */
function eventLoopSummary(h: IntervalHistogram) {
  const name = 'krozen_eventloop_delay_seconds';
  return {
    name,
    help: 'Event-loop delay (perf_hooks.monitorEventLoopDelay, 10 ms resolution) since the server started.',
    type: 'summary' as const,
    samples(): Sample[] {
      const count = (h as IntervalHistogram & { count?: number }).count ?? 0;
      const out: Sample[] = [0.5, 0.9, 0.99].map((q) => ({
        name,
        labels: { quantile: String(q) },
        value: count === 0 ? 0 : h.percentile(q * 100) / 1e9,
      }));
      out.push({ name: `${name}_sum`, labels: {}, value: count === 0 ? 0 : (h.mean * count) / 1e9 });
      out.push({ name: `${name}_count`, labels: {}, value: count });
      return out;
    },
  };
}
