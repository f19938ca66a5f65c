// settings.tracing: an OpenTelemetry SERVER span per HTTP request and per WebSocket upgrade, named
// `<METHOD> <route template>`, with the HTTP semantic conventions' attributes. The parent comes from the
// request's W3C `traceparent` (through the global propagator) and the rest of the pipeline runs inside the
// span's context, so spans a handler starts are its children. @opentelemetry/api is an optional peer,
// required only when tracing is on; the SDK (exporters, sampling) is the application's.
import type * as OtelApi from '@opentelemetry/api';
import type { IncomingHttpHeaders } from 'node:http';
import { ErrorCode, KrozenError } from '../base/errors';

type Api = typeof OtelApi;
type Span = OtelApi.Span;

/** Loads @opentelemetry/api, or throws MISSING_PEER saying what to install. */
export function loadOtelApi(): Api {
  const name = '@opentelemetry/api';
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional peer, loaded on use
    return require(name) as Api;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code !== 'MODULE_NOT_FOUND' || !String(e.message).includes(`'${name}'`)) throw err;
  }
  throw new KrozenError(
    ErrorCode.MISSING_PEER,
    "krozen: settings.tracing is on, but '@opentelemetry/api' is not installed. Run `npm install @opentelemetry/api` " +
      '(an optional peer dependency of krozen, v1.x) and set up an OpenTelemetry SDK, or turn settings.tracing off.',
  );
}

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'TRACE']);

/** What a span is made from: the request's head as the pipeline or the upgrade sees it. */
export interface SpanRequest {
  method: string;
  /** The request target as sent (path and query). */
  url: string;
  headers: IncomingHttpHeaders | Readonly<Record<string, string | string[] | undefined>>;
  remoteAddress?: string | undefined;
  /** The route's path as registered; undefined when none matched. */
  route: string | undefined;
}

/** A started span, ended with the answer's status. */
export interface ServerSpan {
  end(status: number): void;
}

export class HttpTracing {
  private readonly api: Api;
  private readonly tracer: OtelApi.Tracer;

  constructor(
    version: string,
    private readonly scheme: 'http' | 'https',
    /** The listening port (server.port when the Host header has none). */
    private readonly port: () => number,
  ) {
    this.api = loadOtelApi();
    this.tracer = this.api.trace.getTracer('krozen', version);
  }

  /** Starts the SERVER span of `req`, puts it in `holder.span`, then runs `fn(arg)` inside its context. */
  run<T>(req: SpanRequest, holder: { span: ServerSpan | null }, fn: (arg: T) => void, arg: T): void {
    const api = this.api;
    const parent = api.propagation.extract(api.context.active(), req.headers);
    const method = KNOWN_METHODS.has(req.method) ? req.method : '_OTHER';
    const q = req.url.indexOf('?');
    const attributes: OtelApi.Attributes = {
      'http.request.method': method,
      'url.path': q === -1 ? req.url : req.url.slice(0, q),
      'url.scheme': this.scheme,
    };
    if (method === '_OTHER') attributes['http.request.method_original'] = req.method;
    if (req.route !== undefined) attributes['http.route'] = req.route;
    const host = hostAndPort(first(req.headers.host));
    if (host.address !== undefined) attributes['server.address'] = host.address;
    attributes['server.port'] = host.port ?? this.port();
    if (req.remoteAddress !== undefined) attributes['network.peer.address'] = req.remoteAddress;
    const agent = first(req.headers['user-agent']);
    if (agent !== undefined) attributes['user_agent.original'] = agent;
    const name = req.route === undefined ? method : `${method} ${req.route}`;
    const span = this.tracer.startSpan(name, { kind: api.SpanKind.SERVER, attributes }, parent);
    holder.span = new Served(span, api);
    api.context.with(api.trace.setSpan(parent, span), fn, undefined, arg);
  }
}

class Served implements ServerSpan {
  private ended = false;
  constructor(
    private readonly span: Span,
    private readonly api: Api,
  ) {}

  end(status: number): void {
    if (this.ended) return;
    this.ended = true;
    const span = this.span;
    if (status > 0) span.setAttribute('http.response.status_code', status);
    // Server spans: only 5xx are errors (a 4xx is the client's; semantic conventions, HTTP spans).
    if (status >= 500 || status === 0) span.setStatus({ code: this.api.SpanStatusCode.ERROR });
    span.end();
  }
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** The Host header as server.address and server.port ('[::1]:8080', 'example.com'). */
function hostAndPort(host: string | undefined): { address: string | undefined; port: number | undefined } {
  if (host === undefined || host === '') return { address: undefined, port: undefined };
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host);
  if (m === null) return { address: host, port: undefined };
  const address = m[1].startsWith('[') ? m[1].slice(1, -1) : m[1];
  return { address, port: m[2] === undefined ? undefined : Number(m[2]) };
}
