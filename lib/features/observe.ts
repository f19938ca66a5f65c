// settings.metrics and settings.tracing wired into a running server: the RequestObserver the pipeline calls
// where a request starts and where its answer is written, the metrics route, and a span per WebSocket
// upgrade. Called by Server.run() with the resolved settings; with both off nothing is installed.
import type { Duplex } from 'node:stream';
import type { Exchange, RequestObserver } from '../http/exchange';
import type { Handler, ResponseInit } from '../http/types';
import type { RouteMeta } from '../http/route-info';
import type { ResolvedSettings } from '../settings/index';
import type { PubSubStats } from '../pubsub/pubsub';
import type { WsHub } from '../ws/hub';
import type { WsBehaviour } from '../ws/endpoint';
import type { UpgradeRequest } from '../ws/upgrade';
import { WsStats } from '../ws/ws-stats';
import { watchUpgrade } from '../ws/upgrade-watch';
import type { MetricsRegistry } from './metrics-registry';
import { HttpMetrics, registerProcessSeries, type MetricsOptions } from './metrics';
import { HttpTracing, type ServerSpan } from './tracing';
import { packageVersion } from './internal';

/** What observability needs of an app. */
export interface ObservedHost {
  readonly metrics: MetricsRegistry;
  observer: RequestObserver | undefined;
  readonly wsHub: WsHub;
  readonly hasWsHub: boolean;
  readonly pubsub: { stats(): PubSubStats };
  /** app.ws() paths as registered, by behaviour (the upgrade span's route). */
  readonly wsPaths: ReadonlyMap<WsBehaviour, string>;
  readonly wsRoutes: { find(method: string, path: string): { value: WsBehaviour } | null };
  get(path: string, handler: Handler, options?: RouteMeta): unknown;
}

/** Traces upgrades: runs `handle()` inside the upgrade's span. */
export type UpgradeTracer = (request: UpgradeRequest, socket: Duplex, handle: () => void) => void;

export interface Observability {
  /** Traces WebSocket upgrades (tracing on), else undefined. */
  upgrade: UpgradeTracer | undefined;
  /** Stops what runs in the background (the event-loop monitor). */
  stop(): void;
}

const installed = new WeakSet<object>();

/**
 * Turns on what settings.metrics / settings.tracing ask for (once per app). `connections` reads the
 * transport's open connection count. Throws MISSING_PEER when tracing is on without @opentelemetry/api.
 */
export function enableObservability(
  app: ObservedHost,
  settings: ResolvedSettings,
  port: () => number,
  connections: () => number,
): Observability {
  const off: Observability = { upgrade: undefined, stop: () => undefined };
  if ((settings.metrics === false && !settings.tracing) || installed.has(app)) return off;
  installed.add(app);
  const tracing = settings.tracing ? new HttpTracing(packageVersion(), settings.tls ? 'https' : 'http', port) : null;
  let http: HttpMetrics | null = null;
  let stop = off.stop;
  if (settings.metrics !== false) {
    const options: MetricsOptions = settings.metrics === true ? {} : settings.metrics;
    http = new HttpMetrics(app.metrics, options.buckets);
    const wsStats = new WsStats();
    app.wsHub.stats = wsStats;
    stop = registerProcessSeries(app.metrics, {
      connections,
      wsConnections: () => (app.hasWsHub ? app.wsHub.size : 0),
      wsStats,
      pubsubStats: () => app.pubsub.stats(),
    });
    const registry = app.metrics;
    app.get(
      options.path ?? '/metrics',
      function metrics(): ResponseInit {
        return { headers: { 'content-type': registry.contentType }, body: registry.render() };
      },
      { summary: 'Prometheus metrics', tags: ['internal'], operationId: 'metrics' },
    );
  }
  app.observer = tracing === null ? new MetricsObserver(http as HttpMetrics) : new TracingObserver(tracing, http);
  return { upgrade: tracing === null ? undefined : upgradeTracer(app, tracing, settings.wsPath), stop };
}

function routeOf(ex: Exchange): string | undefined {
  return ex.match === null ? undefined : ex.match.value.template;
}

/** Metrics alone: the request's start time is all it keeps. */
class MetricsObserver implements RequestObserver {
  constructor(private readonly http: HttpMetrics) {}

  begin(ex: Exchange, next: (ex: Exchange) => void): void {
    ex.observed = this.http.start();
    next(ex);
  }

  end(ex: Exchange, status: number): void {
    if (typeof ex.observed !== 'number') return;
    this.http.end(ex.match === null ? null : ex.match.value, ex.req.method, status, ex.observed);
    ex.observed = null;
  }
}

interface Traced {
  started: number;
  span: ServerSpan | null;
}

class TracingObserver implements RequestObserver {
  constructor(
    private readonly tracing: HttpTracing,
    private readonly http: HttpMetrics | null,
  ) {}

  begin(ex: Exchange, next: (ex: Exchange) => void): void {
    const traced: Traced = { started: this.http === null ? 0 : this.http.start(), span: null };
    ex.observed = traced;
    const raw = ex.req.transport;
    const request = { method: raw.method, url: raw.url, headers: raw.headers, remoteAddress: raw.remoteAddress };
    this.tracing.run({ ...request, route: routeOf(ex) }, traced, next, ex);
  }

  end(ex: Exchange, status: number): void {
    const traced = ex.observed as Traced | null;
    if (traced === null) return;
    ex.observed = null;
    if (this.http !== null)
      this.http.end(ex.match === null ? null : ex.match.value, ex.req.method, status, traced.started);
    if (traced.span !== null) traced.span.end(status);
  }
}

function upgradeTracer(app: ObservedHost, tracing: HttpTracing, wsPath: string): UpgradeTracer {
  return (request, socket, handle) => {
    const q = request.url.indexOf('?');
    const path = q === -1 ? request.url : request.url.slice(0, q);
    const match = app.wsRoutes.find('GET', path);
    const route = match !== null ? app.wsPaths.get(match.value) : path === wsPath ? wsPath : undefined;
    const holder: { span: ServerSpan | null } = { span: null };
    // Answered (101 or a refusal), or the socket went first (status 0: an error); a span ends once.
    const done = (code: number): void => {
      if (holder.span !== null) holder.span.end(code);
    };
    watchUpgrade(socket, done);
    // A net.Socket says 'close'; a connection on its TCP handle (lib/transport/raw-socket.ts) has whenClosed.
    const raw = socket as unknown as { whenClosed?: (fn: () => void) => void };
    if (typeof raw.whenClosed === 'function') raw.whenClosed(() => done(0));
    else socket.once('close', () => done(0));
    tracing.run({ ...request, route }, holder, handle, undefined);
  };
}
