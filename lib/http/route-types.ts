// The types a route's path literal and schema give its handler: `'/users/:id/posts/:postId'` →
// `req.params: { id: string; postId: string }` (`*rest` → `rest`), a schema's parts → req.params / query /
// headers / body, and its `response` → what the handler may return for each status. With a path that is
// only known as `string`, everything falls back to the untyped shapes.
import type { IncomingHttpHeaders } from 'node:http';
import type { Infer } from '../schema/infer';
import type { HandlerResult, HeaderValue, Request } from './types';

/** A route without a schema. */
export type NoSchema = Record<never, never>;

type Simplify<T> = { [K in keyof T]: T[K] };

/** `id/posts/:postId` → 'id'. */
type SegmentName<Rest extends string> = Rest extends `${infer Name}/${string}` ? Name : Rest;
type AfterSegment<Rest extends string> = Rest extends `${string}/${infer Tail}` ? `/${Tail}` : '';

/** The parameter names of a route path: `:name` segments and a trailing `*name`; nameless ones capture nothing. */
export type ParamNames<P extends string> = P extends `${string}:${infer Rest}`
  ? Exclude<SegmentName<Rest>, ''> | ParamNames<AfterSegment<Rest>>
  : P extends `${string}*${infer Name}`
    ? Exclude<Name, ''>
    : never;

/** `req.params` for a route path. */
export type PathParams<P extends string> = string extends P
  ? Record<string, string>
  : Simplify<{ [K in ParamNames<P>]: string }>;

/** The request a handler of path P with schema S receives. */
export type RouteRequest<P extends string, S> = Request<
  S extends { readonly params: infer X } ? Infer<X> : PathParams<P>,
  S extends { readonly body: infer X } ? Infer<X> : unknown,
  S extends { readonly query: infer X } ? Infer<X> : Record<string, string | string[]>,
  S extends { readonly headers: infer X } ? Infer<X> & IncomingHttpHeaders : IncomingHttpHeaders
>;

type StatusOf<K> = K extends number ? K : K extends `${infer N extends number}` ? N : number;

/**
 * A body as a handler may write it: arrays and objects may be readonly (the route methods infer the result
 * with a `const` type parameter, so that `status: 201` stays 201, which also makes literals readonly).
 */
type Writable<T> = T extends readonly (infer E)[]
  ? readonly Writable<E>[]
  : T extends Date | Uint8Array | ((...args: never[]) => unknown)
    ? T
    : T extends object
      ? { readonly [K in keyof T]: Writable<T[K]> }
      : T;

/** One declared answer: 200 may leave `status` out (it is the default). */
type TypedAnswer<K, Body> = (StatusOf<K> extends 200 ? { readonly status?: 200 } : { readonly status: StatusOf<K> }) & {
  readonly body: Writable<Body>;
  readonly headers?: Readonly<Record<string, HeaderValue>>;
};

/** What a handler may return: with `schema.response`, only declared statuses with their bodies (or a fetch Response). */
export type RouteResult<S> = S extends { readonly response: infer R }
  ? { [K in keyof R]: TypedAnswer<K, Infer<R[K]>> }[keyof R] | globalThis.Response
  : HandlerResult;

/** A handler of path P with schema S. */
export type RouteHandler<P extends string, S> = (req: RouteRequest<P, S>) => RouteResult<S> | Promise<RouteResult<S>>;

/**
 * A handler of path P with schema S whose result R is checked against the response schemas. R is a type
 * parameter of the route method so that `status: 201` keeps its literal type (a contextual return type alone
 * is widened while the schema is still being inferred).
 */
export type TypedRouteHandler<P extends string, S, R> = (req: RouteRequest<P, S>) => R | Promise<R>;
