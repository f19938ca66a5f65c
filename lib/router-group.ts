// Router groups, pykrozen's `router(prefix, { tags })`: routes under a common prefix with OpenAPI
// metadata. A group only records routes; `app.includeRouter(group)` registers its routes() and
// listens (onRoute) for the ones added later. The group also keeps a RadixRouter of its own, so a
// duplicate or conflicting route fails at the line that adds it, with the full path in the message.
import type { Handler } from './http/types';
import { routeInfo, type RouteInfo, type RouteMeta } from './http/route-info';
import type { NoSchema, RouteHandler, RouteResult, TypedRouteHandler } from './http/route-types';
import type { RouteSchema } from './schema/route-schema';

export { routeInfo, type RouteInfo, type RouteMeta };
import { RadixRouter } from './router';
import { ErrorCode, KrozenTypeError } from './base/errors';

/** Any handler: the typed overloads above say what each route's handler receives. */
type AnyHandler = (req: never) => unknown;

export type RouteListener = (method: string, fullPath: string, handler: Handler, info: RouteInfo) => void;

export type GroupRoute = [method: string, fullPath: string, handler: Handler, info: RouteInfo];

/** A prefix as stored: '' for none, else '/x/y' without trailing slashes. */
export function normalizePrefix(prefix: string | undefined): string {
  if (prefix === undefined) return '';
  let p = prefix.replace(/\/+$/, '');
  if (p.length > 0 && !p.startsWith('/')) p = '/' + p;
  return p;
}

/**
 * The full path of `path` under `prefix` (normalized by normalizePrefix). With no prefix the path is
 * kept as given (only a leading '/' is ensured). Under a prefix, '' and '/' mean the prefix itself
 * and a trailing slash is dropped: ('/api/v1', '/things/') → '/api/v1/things'.
 */
export function joinPath(prefix: string, path: string): string {
  const p = path.length === 0 || path.startsWith('/') ? path : '/' + path;
  if (prefix.length === 0) return p.length === 0 ? '/' : p;
  const trimmed = p.replace(/\/+$/, '');
  return prefix + trimmed;
}

/** `Prefix`: the group's prefix literal, so its parameters type the routes' req.params too. */
export class RouterGroup<Prefix extends string = string> {
  readonly prefix: string;
  readonly tags: readonly string[];
  private readonly list: GroupRoute[] = [];
  private readonly listeners: RouteListener[] = [];
  private readonly check = new RadixRouter<true>();

  constructor(prefix?: Prefix, options?: { tags?: readonly string[] }) {
    this.prefix = normalizePrefix(prefix);
    this.tags = Object.freeze([...(options?.tags ?? [])]);
  }

  get<const P extends string, const S extends RouteSchema, const R extends RouteResult<S>>(
    path: P,
    handler: TypedRouteHandler<`${Prefix}${P}`, S, R>,
    meta: RouteMeta<S> & { schema: S },
  ): this;
  get<const P extends string>(
    path: P,
    handler: RouteHandler<`${Prefix}${P}`, NoSchema>,
    meta?: RouteMeta<NoSchema> & { schema?: undefined },
  ): this;
  get(path: string, handler: AnyHandler, meta?: RouteMeta): this {
    return this.register('GET', path, handler, meta);
  }

  post<const P extends string, const S extends RouteSchema, const R extends RouteResult<S>>(
    path: P,
    handler: TypedRouteHandler<`${Prefix}${P}`, S, R>,
    meta: RouteMeta<S> & { schema: S },
  ): this;
  post<const P extends string>(
    path: P,
    handler: RouteHandler<`${Prefix}${P}`, NoSchema>,
    meta?: RouteMeta<NoSchema> & { schema?: undefined },
  ): this;
  post(path: string, handler: AnyHandler, meta?: RouteMeta): this {
    return this.register('POST', path, handler, meta);
  }

  put<const P extends string, const S extends RouteSchema, const R extends RouteResult<S>>(
    path: P,
    handler: TypedRouteHandler<`${Prefix}${P}`, S, R>,
    meta: RouteMeta<S> & { schema: S },
  ): this;
  put<const P extends string>(
    path: P,
    handler: RouteHandler<`${Prefix}${P}`, NoSchema>,
    meta?: RouteMeta<NoSchema> & { schema?: undefined },
  ): this;
  put(path: string, handler: AnyHandler, meta?: RouteMeta): this {
    return this.register('PUT', path, handler, meta);
  }

  delete<const P extends string, const S extends RouteSchema, const R extends RouteResult<S>>(
    path: P,
    handler: TypedRouteHandler<`${Prefix}${P}`, S, R>,
    meta: RouteMeta<S> & { schema: S },
  ): this;
  delete<const P extends string>(
    path: P,
    handler: RouteHandler<`${Prefix}${P}`, NoSchema>,
    meta?: RouteMeta<NoSchema> & { schema?: undefined },
  ): this;
  delete(path: string, handler: AnyHandler, meta?: RouteMeta): this {
    return this.register('DELETE', path, handler, meta);
  }

  patch<const P extends string, const S extends RouteSchema, const R extends RouteResult<S>>(
    path: P,
    handler: TypedRouteHandler<`${Prefix}${P}`, S, R>,
    meta: RouteMeta<S> & { schema: S },
  ): this;
  patch<const P extends string>(
    path: P,
    handler: RouteHandler<`${Prefix}${P}`, NoSchema>,
    meta?: RouteMeta<NoSchema> & { schema?: undefined },
  ): this;
  patch(path: string, handler: AnyHandler, meta?: RouteMeta): this {
    return this.register('PATCH', path, handler, meta);
  }

  /** Any method (upper-cased); the shortcuts above call this. */
  route<const P extends string, const S extends RouteSchema, const R extends RouteResult<S>>(
    method: string,
    path: P,
    handler: TypedRouteHandler<`${Prefix}${P}`, S, R>,
    meta: RouteMeta<S> & { schema: S },
  ): this;
  route<const P extends string>(
    method: string,
    path: P,
    handler: RouteHandler<`${Prefix}${P}`, NoSchema>,
    meta?: RouteMeta<NoSchema> & { schema?: undefined },
  ): this;
  route(method: string, path: string, handler: AnyHandler, meta?: RouteMeta): this {
    return this.register(method, path, handler, meta);
  }

  private register(method: string, path: string, handler: AnyHandler, meta?: RouteMeta): this {
    if (typeof handler !== 'function')
      throw new KrozenTypeError(ErrorCode.INVALID_HANDLER, `Handler for ${method} ${path} is not a function`);
    const m = method.toUpperCase();
    const fullPath = joinPath(this.prefix, path);
    this.check.add(m, fullPath, true);
    const untyped = handler as Handler;
    const entry: GroupRoute = [m, fullPath, untyped, routeInfo(untyped, meta, this.tags)];
    this.list.push(entry);
    for (const listener of this.listeners) listener(entry[0], entry[1], entry[2], entry[3]);
    return this;
  }

  /** Routes added so far, in order: [method, fullPath, handler, info]. */
  routes(): GroupRoute[] {
    return this.list.slice();
  }

  /** Called for every route added from now on (not for the existing ones: read routes() for those). */
  onRoute(listener: RouteListener): void {
    this.listeners.push(listener);
  }
}

/** pykrozen's `router(prefix, { tags })`. */
export function router<const Prefix extends string = ''>(
  prefix?: Prefix,
  options?: { tags?: readonly string[] },
): RouterGroup<Prefix> {
  return new RouterGroup<Prefix>(prefix, options);
}
