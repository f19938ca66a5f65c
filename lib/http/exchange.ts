// The per-request state of the HTTP pipeline and the types it shares with the App: the Exchange (one
// request on its way; also the context object of the http hooks), the route table's shape, hook names.
import type { ResponseSink } from '../transport/types';
import type { HookRunner } from '../base/hook-runner';
import type { Settings } from '../settings/index';
import type { Handler, Request } from './types';
import type { KrozenRequest } from './request';
import { Response } from './response';
import { bindCookieSecret } from './cookies';
import type { CompiledRouteSchema } from '../schema/route-schema';

/** Middleware: runs on every request, in order; may be async; `res.stop = true` answers at once. */
export type Middleware = (req: Request, res: Response) => unknown;

/** What the router stores per route. */
export interface Route {
  handler: Handler;
  /** Leave the body unread: the handler reads req.raw (uploads). */
  rawBody: boolean;
  /** False: this route's responses are never compressed. */
  compress?: boolean;
  /** The route's schema, compiled at registration (validators; serializers by status). */
  schema?: CompiledRouteSchema | null;
  /** The path as registered ('/users/:id'): the bounded label of metrics and spans. */
  template?: string;
  /** settings.metrics' series for this route, cached here on first use (lib/features/metrics.ts). */
  metrics?: unknown;
}

/**
 * Watches requests from start to answer (settings.metrics, settings.tracing; lib/features/observe.ts).
 * Absent when both are off: the pipeline then pays one check where a request starts and one where it ends.
 */
export interface RequestObserver {
  /** A request starts: runs `next(ex)`, the rest of the pipeline (inside the request's span with tracing). */
  begin(ex: Exchange, next: (ex: Exchange) => void): void;
  /** Its answer, `status`, is handed to the transport. */
  end(ex: Exchange, status: number): void;
}

/** The route table as the pipeline needs it (RadixRouter<Route> fits). */
export interface RouteTable {
  find(method: string, path: string): { value: Route; params: Record<string, string> } | null;
  methodsFor(path: string): string[];
}

/** What the pipeline needs from an App. */
export interface PipelineHost {
  readonly settings: Settings;
  readonly hooks: HookRunner;
  readonly middleware: readonly Middleware[];
  readonly routeTable: RouteTable;
  /** settings.metrics / settings.tracing (undefined: both off). */
  readonly observer?: RequestObserver | undefined;
}

/** The context of `http:<method>` and `http:<method>:after` hooks. */
export interface HttpHookContext {
  req: Request;
  res: Response;
}

/** The context of `error` hooks: `res` is the 500 about to go out; change it to shape the answer. */
export interface ErrorHookContext extends HttpHookContext {
  error: unknown;
}

export interface HookNames {
  before: string;
  after: string;
}

// HEAD runs GET's hooks: it is a GET without the body.
const HOOK_NAMES: Record<string, HookNames> = {
  GET: { before: 'http:get', after: 'http:get:after' },
  HEAD: { before: 'http:get', after: 'http:get:after' },
  POST: { before: 'http:post', after: 'http:post:after' },
  PUT: { before: 'http:put', after: 'http:put:after' },
  DELETE: { before: 'http:delete', after: 'http:delete:after' },
  PATCH: { before: 'http:patch', after: 'http:patch:after' },
  OPTIONS: { before: 'http:options', after: 'http:options:after' },
};

export function hookNames(method: string): HookNames {
  const known = HOOK_NAMES[method];
  if (known !== undefined) return known;
  const lower = method.toLowerCase();
  return { before: `http:${lower}`, after: `http:${lower}:after` };
}

/** One request on its way through the pipeline; also the context object of the http hooks. */
export class Exchange implements HttpHookContext {
  req: KrozenRequest;
  readonly host: PipelineHost;
  readonly out: ResponseSink;
  readonly match: { value: Route; params: Record<string, string> } | null;
  readonly isHead: boolean;
  readonly hookNames: HookNames;
  sent: boolean;
  /** An error answer (HttpError, 500) is on its way: the route's response serializers do not apply to it. */
  failed: boolean;
  /** The Response, once something can see it (middleware, a hook, 404/405, an error): see `res`. */
  response: Response | null;
  /** What the RequestObserver keeps for this request (a start time, a span); null without one. */
  observed: unknown;

  constructor(
    host: PipelineHost,
    req: KrozenRequest,
    out: ResponseSink,
    match: Exchange['match'],
    isHead: boolean,
    /** The path as the router matched it (per-segment decoded: see query.ts routingPath). */
    readonly routePath: string,
  ) {
    this.host = host;
    this.req = req;
    this.out = out;
    this.match = match;
    this.isHead = isHead;
    this.hookNames = hookNames(req.method);
    this.sent = false;
    this.failed = false;
    this.response = null;
    this.observed = null;
  }

  /** Created on first use: a request that meets no middleware or hook goes from the handler's result to the wire. */
  get res(): Response {
    if (this.response === null) this.response = bindCookieSecret(new Response(), this.host.settings.cookieSecret);
    return this.response;
  }

  set res(value: Response) {
    this.response = value;
  }
}
