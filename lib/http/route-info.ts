// What a route says about itself (RouteMeta: tags, summary, responses, rawBody, compress…) and the defaults
// applied to it (RouteInfo): read by the pipeline (rawBody, compress), router groups and the OpenAPI document.
import type { Handler, RouteOptions } from './types';
import type { RouteSchema } from '../schema/route-schema';

/** What a route may say about itself (all optional). */
export interface RouteMeta<S extends RouteSchema = RouteSchema> extends RouteOptions {
  /**
   * Schemas of the request's parts and of the answers by status (Standard Schema or JSON Schema): they type
   * the handler, validate before it runs (400 on failure), serialize its answers and fill the OpenAPI document.
   */
  schema?: S;
  /** Added after the group's tags (duplicates dropped). */
  tags?: readonly string[];
  summary?: string;
  description?: string;
  deprecated?: boolean;
  /** Default: the handler's name, when it has one. */
  operationId?: string;
  /**
   * Status code (or '4XX', 'default') → description. Default: { 200: 'Success' }, or nothing beside the
   * statuses of `schema.response` (described 'Success' for 2XX and so on).
   */
  responses?: Readonly<Record<string | number, string>>;
}

/** RouteMeta with the defaults applied and the group's tags merged in. */
export interface RouteInfo {
  tags: string[];
  summary?: string;
  description?: string;
  deprecated: boolean;
  operationId?: string;
  responses: Record<string, string>;
  rawBody: boolean;
  /** False when the route opted out of response compression. */
  compress: boolean;
  /** The route's schema as given (compiled when the route is registered in an app). */
  schema?: RouteSchema;
}

/** A registered route as listed by app.routeList(). */
export interface AppRoute {
  method: string;
  path: string;
  handler: Handler;
  info: RouteInfo;
}

/** Builds a route's RouteInfo; the app uses it for routes added outside any group too. */
export function routeInfo(handler: Handler, meta?: RouteMeta, groupTags: readonly string[] = []): RouteInfo {
  const tags: string[] = [];
  for (const tag of groupTags) if (!tags.includes(tag)) tags.push(tag);
  if (meta?.tags !== undefined) for (const tag of meta.tags) if (!tags.includes(tag)) tags.push(tag);
  const responses: Record<string, string> = {};
  if (meta?.responses !== undefined) {
    for (const [code, description] of Object.entries(meta.responses)) responses[code] = description;
  }
  // A route with response schemas is described by them: no made-up 200 beside its 201.
  const responseSchemas = meta?.schema?.response;
  const hasResponseSchemas =
    responseSchemas !== undefined && responseSchemas !== null && Object.keys(responseSchemas).length > 0;
  if (Object.keys(responses).length === 0 && !hasResponseSchemas) responses['200'] = 'Success';
  const info: RouteInfo = {
    tags,
    deprecated: meta?.deprecated === true,
    responses,
    rawBody: meta?.rawBody === true,
    compress: meta?.compress !== false,
  };
  if (meta?.schema !== undefined) info.schema = meta.schema;
  if (meta?.summary !== undefined) info.summary = meta.summary;
  if (meta?.description !== undefined) info.description = meta.description;
  const operationId = meta?.operationId ?? handlerName(handler);
  if (operationId !== undefined) info.operationId = operationId;
  return info;
}

/** A function's own name ('bound ' dropped), or undefined for anonymous functions. */
function handlerName(handler: Handler): string | undefined {
  let name = typeof handler === 'function' ? handler.name : '';
  while (name.startsWith('bound ')) name = name.slice(6);
  return name.length > 0 ? name : undefined;
}
