// The App: routes, middleware, hooks, plugins, shared state, static files, uploads and the WebSocket hub.
// createApp() makes an independent one with its own Settings; the global `app` uses the global `settings`.
import { Hooks, type Hook, type HookEvents, type HookName } from './hooks';
import { createSettings, settings as globalSettings, type Settings } from './settings/index';
import { RadixRouter } from './router';
import type { Handler } from './http/types';
import { routeInfo, type RouteInfo, type RouteMeta, type RouterGroup } from './router-group';
import type { Middleware, PipelineHost, Route } from './http/pipeline';
import { inject, type InjectOptions, type InjectResponse } from './http/inject';
import { stringifyWithBigInt } from './backend/json-codec';
import { registerInternalRoutes } from './features/internal';
import { createStaticHandler, type StaticOptions } from './features/static';
import {
  createUploadHandler,
  type FileFor,
  type UploadHandler,
  type UploadOptions,
  type UploadStorage,
} from './features/upload';
import { WsHub, type WebSocket } from './ws';
import { assertBehaviour, type WsBehaviour } from './ws/endpoint';
import { PubSub } from './pubsub';
import type { NoSchema, PathParams, RouteHandler, RouteResult, TypedRouteHandler } from './http/route-types';
import type { Infer } from './schema/infer';
import { compileMessageSchema, type WsSchema } from './ws/message-schema';
import { compileRouteSchema, type RouteSchema } from './schema/route-schema';
import { JsonSchemaCompiler } from './schema/ajv';
import { compileValidator } from './schema/validator';
import { MetricsRegistry } from './features/metrics-registry';
import type { RequestObserver } from './http/exchange';
import { RealtimeEndpoint, RealtimeHub, assertRealtimeOptions, type RealtimeOptions } from './realtime/index';
import type { RealtimeApi, RealtimeStats, UntypedApi } from './realtime/index';

/** What app.get/post/... accept as their third argument: OpenAPI metadata and route options. */
export type AppRouteOptions<S extends RouteSchema = RouteSchema> = RouteMeta<S>;

/** Topic → payload type, for a typed app.publish (createApp<{ chat: ChatMessage }>()). */
export type TopicMap = Record<string, unknown>;

/** A route as listed for the OpenAPI document. */
import type { AppRoute } from './http/route-info';
import { ErrorCode, KrozenTypeError } from './base/errors';
export type { AppRoute };

/** Anything with router-group's shape: its routes now, and a listener for routes added later. */
export type RouteSource = Pick<RouterGroup, 'routes' | 'onRoute'>;

/** A plugin: a name (listed at /_internal/info) and a setup(app) called at once by app.plugin(). */
export interface Plugin {
  name: string;
  setup(app: App): void;
}

export function assertPlugin(p: unknown): asserts p is Plugin {
  const candidate = p as Partial<Plugin> | null;
  if (candidate === null || (typeof candidate !== 'object' && typeof candidate !== 'function')) {
    throw new KrozenTypeError(
      ErrorCode.INVALID_PLUGIN,
      'A plugin must be an object with a name and a setup(app) function',
    );
  }
  if (typeof candidate.setup !== 'function')
    throw new KrozenTypeError(ErrorCode.INVALID_PLUGIN, 'A plugin needs a setup(app) function');
  if (typeof candidate.name !== 'string' || candidate.name.length === 0)
    throw new KrozenTypeError(ErrorCode.INVALID_PLUGIN, 'A plugin needs a name');
}

export class App<Topics extends TopicMap = TopicMap> implements PipelineHost {
  readonly settings: Settings;
  /** Compiles the routes' JSON Schemas (ajv, loaded with the first one). */
  readonly schemaCompiler = new JsonSchemaCompiler();
  readonly hooks = new Hooks();
  readonly middleware: Middleware[] = [];
  readonly routeTable = new RadixRouter<Route>();
  /** Shared state for handlers and hooks (pykrozen's app.state). */
  state: Record<string, any> = {};
  private readonly routesInOrder: AppRoute[] = [];
  private readonly plugins: Plugin[] = [];
  private hub: WsHub | undefined;
  private realtimeHub: RealtimeHub | undefined;
  /** Topics across processes: app.publish, its transport (cluster IPC or Redis) and stats(). */
  readonly pubsub: PubSub<WebSocket>;
  /** settings.metrics / settings.tracing, installed by Server.run() (undefined: both off). */
  observer: RequestObserver | undefined = undefined;
  private registry: MetricsRegistry | undefined;

  constructor(settings: Settings) {
    this.settings = settings;
    this.pubsub = new PubSub<WebSocket>(settings, () => this.hub);
    registerInternalRoutes(this);
  }

  /** app.ws() endpoints by path (read by the upgrade). */
  readonly wsRoutes = new RadixRouter<WsBehaviour>();
  /** app.ws() paths as registered (tracing names the upgrade's span after them). */
  readonly wsPaths = new Map<WsBehaviour, string>();

  /**
   * The Prometheus registry: krozen's series once a server runs with settings.metrics, and yours
   * (counter(), gauge(), histogram()); render() is the text served at settings.metrics.path.
   */
  get metrics(): MetricsRegistry {
    if (this.registry === undefined) this.registry = new MetricsRegistry();
    return this.registry;
  }

  /**
   * A WebSocket endpoint at `path` (route params: `/chat/:room`), on the same port as HTTP. `behaviour`:
   * upgrade(req), protocols, open, message, drain, close, origins and limits (lib/ws/endpoint.ts).
   * Several per app; a path with none answers a WebSocket request with 404.
   */
  ws<const P extends string, Data = Record<string, unknown>, const S extends WsSchema = NoSchema>(
    path: P,
    behaviour: WsBehaviour<PathParams<P>, Data, S extends { readonly message: infer M } ? Infer<M> : unknown> & {
      schema?: S;
    },
  ): this {
    assertBehaviour(path, behaviour);
    if (behaviour.schema !== undefined)
      compileMessageSchema(behaviour, behaviour.schema, this.schemaCompiler, `app.ws('${path}')`);
    this.wsRoutes.add('GET', path, behaviour as WsBehaviour);
    this.wsPaths.set(behaviour as WsBehaviour, path);
    return this;
  }

  /**
   * A krozen.v1 endpoint at `path` (docs/realtime.md): topics with recovery, requests and events both ways,
   * typed by `Api` (lib/realtime/api-types.ts). Returns its controller (publish, emit, request, broadcast).
   */
  realtime<A extends RealtimeApi = UntypedApi, Data = Record<string, unknown>>(
    path: string,
    options: RealtimeOptions<A, Data> = {},
  ): RealtimeEndpoint<A, Data> {
    assertRealtimeOptions(path, options);
    if (this.realtimeHub === undefined) this.realtimeHub = new RealtimeHub(this.pubsub);
    const endpoint = new RealtimeEndpoint<A, Data>(path, options, this, this.realtimeHub);
    this.ws(path, endpoint.behaviour());
    return endpoint;
  }

  /** The krozen.v1 endpoints' connections, subscriptions and requests, and the recovery history's size. */
  realtimeStats(): RealtimeStats {
    return this.realtimeHub?.stats() ?? { endpoints: [], history: null };
  }

  /** The WebSocket hub: open connections, topics (created on first use). */
  get wsHub(): WsHub {
    if (this.hub === undefined) this.hub = new WsHub({ topics: this.pubsub.topics });
    return this.hub;
  }

  /** Whether the hub exists yet (stop() has nothing to close otherwise). */
  get hasWsHub(): boolean {
    return this.hub !== undefined;
  }

  get<const P extends string, const S extends RouteSchema, const R extends RouteResult<S>>(
    path: P,
    handler: TypedRouteHandler<P, S, R>,
    options: AppRouteOptions<S> & { schema: S },
  ): this;
  get<const P extends string>(
    path: P,
    handler: RouteHandler<P, NoSchema>,
    options?: AppRouteOptions<NoSchema> & { schema?: undefined },
  ): this;
  get(path: string, handler: Handler, options?: AppRouteOptions): this {
    return this.register('GET', path, handler, options);
  }

  post<const P extends string, const S extends RouteSchema, const R extends RouteResult<S>>(
    path: P,
    handler: TypedRouteHandler<P, S, R>,
    options: AppRouteOptions<S> & { schema: S },
  ): this;
  post<const P extends string>(
    path: P,
    handler: RouteHandler<P, NoSchema>,
    options?: AppRouteOptions<NoSchema> & { schema?: undefined },
  ): this;
  post(path: string, handler: Handler, options?: AppRouteOptions): this {
    return this.register('POST', path, handler, options);
  }

  put<const P extends string, const S extends RouteSchema, const R extends RouteResult<S>>(
    path: P,
    handler: TypedRouteHandler<P, S, R>,
    options: AppRouteOptions<S> & { schema: S },
  ): this;
  put<const P extends string>(
    path: P,
    handler: RouteHandler<P, NoSchema>,
    options?: AppRouteOptions<NoSchema> & { schema?: undefined },
  ): this;
  put(path: string, handler: Handler, options?: AppRouteOptions): this {
    return this.register('PUT', path, handler, options);
  }

  delete<const P extends string, const S extends RouteSchema, const R extends RouteResult<S>>(
    path: P,
    handler: TypedRouteHandler<P, S, R>,
    options: AppRouteOptions<S> & { schema: S },
  ): this;
  delete<const P extends string>(
    path: P,
    handler: RouteHandler<P, NoSchema>,
    options?: AppRouteOptions<NoSchema> & { schema?: undefined },
  ): this;
  delete(path: string, handler: Handler, options?: AppRouteOptions): this {
    return this.register('DELETE', path, handler, options);
  }

  patch<const P extends string, const S extends RouteSchema, const R extends RouteResult<S>>(
    path: P,
    handler: TypedRouteHandler<P, S, R>,
    options: AppRouteOptions<S> & { schema: S },
  ): this;
  patch<const P extends string>(
    path: P,
    handler: RouteHandler<P, NoSchema>,
    options?: AppRouteOptions<NoSchema> & { schema?: undefined },
  ): this;
  patch(path: string, handler: Handler, options?: AppRouteOptions): this {
    return this.register('PATCH', path, handler, options);
  }

  /** Registers a route for any method; throws on a duplicate or a conflicting parameter name. */
  route<const P extends string, const S extends RouteSchema, const R extends RouteResult<S>>(
    method: string,
    path: P,
    handler: TypedRouteHandler<P, S, R>,
    options: AppRouteOptions<S> & { schema: S },
  ): this;
  route<const P extends string>(
    method: string,
    path: P,
    handler: RouteHandler<P, NoSchema>,
    options?: AppRouteOptions<NoSchema> & { schema?: undefined },
  ): this;
  route(method: string, path: string, handler: Handler, options?: AppRouteOptions): this {
    return this.register(method, path, handler, options);
  }

  private register(method: string, path: string, handler: Handler, options?: AppRouteOptions): this {
    if (typeof handler !== 'function')
      throw new KrozenTypeError(ErrorCode.INVALID_HANDLER, `Handler for ${method} ${path} must be a function`);
    this.addRoute(method, path, handler, routeInfo(handler, options));
    return this;
  }

  /** Adds middleware: `mw(req, res)` runs on every request in order; `res.stop = true` answers at once. */
  use(mw: Middleware): this {
    if (typeof mw !== 'function') throw new KrozenTypeError(ErrorCode.INVALID_HANDLER, 'Middleware must be a function');
    this.middleware.push(mw);
    return this;
  }

  /**
   * Runs `fn(req, res)` on every request before its body is read (req.body is still undefined): set
   * `res.stop = true` (or throw an HttpError) to answer at once, e.g. 401 or 429, without reading the body.
   */
  onRequest(fn: Middleware): this {
    if (typeof fn !== 'function') throw new KrozenTypeError(ErrorCode.INVALID_HANDLER, 'onRequest needs a function');
    this.hooks.on('request', (ctx) => fn(ctx.req, ctx.res));
    return this;
  }

  /** Runs `fn(req, res)` for every answer, whatever the method or outcome, before it is encoded (logs, metrics). */
  onResponse(fn: Middleware): this {
    if (typeof fn !== 'function') throw new KrozenTypeError(ErrorCode.INVALID_HANDLER, 'onResponse needs a function');
    this.hooks.on('response', (ctx) => fn(ctx.req, ctx.res));
    return this;
  }

  /**
   * Runs one request through the whole pipeline without a socket (tests): `{ status, headers, body }`,
   * what the wire would carry. See http/inject.ts.
   */
  inject(options: InjectOptions): Promise<InjectResponse> {
    return inject(this, options);
  }

  /** Adds a hook (see HookEvents for the names and their contexts); an unknown name throws a TypeError. */
  on<E extends HookName>(event: E, hook: Hook<HookEvents[E]>): this {
    this.hooks.on(event, hook);
    return this;
  }

  /** Calls `p.setup(this)` at once and lists the plugin's name in /_internal/info. */
  plugin(p: Plugin): this {
    assertPlugin(p);
    p.setup(this);
    this.plugins.push(p);
    return this;
  }

  pluginNames(): string[] {
    return this.plugins.map((p) => p.name);
  }

  /** Registers a router group's routes, and those it gets later. */
  includeRouter(group: RouteSource): this {
    for (const [method, path, handler, info] of group.routes()) this.addRoute(method, path, handler, info);
    group.onRoute((method, path, handler, info) => this.addRoute(method, path, handler, info));
    return this;
  }

  private addRoute(method: string, path: string, handler: Handler, info: RouteInfo): void {
    const upper = method.toUpperCase();
    const schema =
      info.schema === undefined ? null : compileRouteSchema(info.schema, this.schemaCompiler, `${upper} ${path}`);
    this.routeTable.add(upper, path, {
      handler,
      rawBody: info.rawBody,
      compress: info.compress,
      schema,
      template: path,
      metrics: undefined,
    });
    this.routesInOrder.push({ method: upper, path, handler, info });
  }

  /**
   * GET `<prefix>/*path` serves `<root>/<path>`: `options.root` (default 'static') absolute or relative to
   * settings.baseDir (options: root, dotfiles, index, caching).
   */
  serveStatic(prefix: string, options?: StaticOptions): this {
    const base = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
    return this.get(`${base}/*path`, createStaticHandler(this.settings, base, options), {
      tags: ['static'],
      operationId: `static${base.replace(/[^A-Za-z0-9]/g, '_')}`,
    });
  }

  /**
   * POST `path` parses multipart/form-data and calls `handler(files, req)` (text fields in req.body). Files
   * go to `options.storage`: 'disk' (default: temporary files in settings.uploadDir), 'memory' (a Buffer
   * each) or `(file, req) => Writable`.
   */
  upload<S extends UploadStorage = 'disk'>(
    path: string,
    handler: UploadHandler<FileFor<S>>,
    options?: UploadOptions<S>,
  ): this {
    // The text fields exist only once the multipart body is read: schema.body is checked there, not before.
    const { storage, ...routeOptions } = options ?? {};
    const schema = routeOptions.schema;
    const fields =
      schema?.body === undefined
        ? undefined
        : compileValidator(schema.body, 'body', this.schemaCompiler, `POST ${path} schema.body`);
    const meta = {
      ...routeOptions,
      rawBody: true,
      schema: schema === undefined ? undefined : { ...schema, body: undefined },
    };
    return this.register('POST', path, createUploadHandler(this.settings, handler, fields, storage), meta);
  }

  /**
   * Sends `value` to every WebSocket subscribed to `topic`, in every worker and, with settings.redisUrl, in
   * every process on the same Redis; returns how many subscribers in this process it was written to.
   */
  publish<K extends keyof Topics & string>(topic: K, value: Topics[K]): number {
    // jsonBigInt: the JSON text is made here (BigInt written exactly) and published as that text.
    if (
      this.settings.jsonBigInt &&
      typeof value === 'object' &&
      value !== null &&
      !(value instanceof Uint8Array) &&
      !(value instanceof ArrayBuffer)
    ) {
      return this.pubsub.publish(topic, stringifyWithBigInt(value), true);
    }
    return this.pubsub.publish(topic, value);
  }

  /** Every route in registration order, for the OpenAPI document. */
  routeList(): AppRoute[] {
    return this.routesInOrder.slice();
  }
}

export function createApp<Topics extends TopicMap = TopicMap>(overrides: Partial<Settings> = {}): App<Topics> {
  return new App<Topics>(createSettings(overrides));
}

/** The global app (pykrozen style), on the global `settings`. */
export const app: App = new App(globalSettings);
