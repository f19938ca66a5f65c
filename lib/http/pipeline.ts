// The request pipeline: built-ins (URL decoding, route lookup, body reading) → middleware in order
// → `http:<method>` hooks → the route → `http:<method>:after` hooks (also for 404/405) → encoding.
// It stays synchronous until something returns a promise, and allocates closures only on async paths:
// every step is a module-level function of one per-request `Exchange`. It never touches a socket: it reads
// a TransportRequest and answers through a ResponseSink (lib/transport/types.ts).
import type { ResponseSink, TransportRequest } from '../transport/types';
import type { Hooks } from '../hooks';
import type { Settings } from '../settings';
import type { Handler, HandlerResult, HeaderValue, Request, ResponseInit } from './types';
import { KrozenRequest } from './request';
import { Response } from './response';
import { HttpError } from './http-error';
import { decodePath, routeParam, routingPath } from './query';
import { parseBody, readBody } from './body';
import { mergeHeaders, sendResponse } from './send';
import { checkResult, ResultShapeError } from './result';
import { CompressingSink } from './compress';

/** Middleware: runs on every request, in order; may be async; `res.stop = true` answers at once. */
export type Middleware = (req: Request, res: Response) => unknown;

/** What the router stores per route. */
export interface Route {
  handler: Handler;
  /** Leave the body unread: the handler reads req.raw (uploads). */
  rawBody: boolean;
  /** False: this route's responses are never compressed. */
  compress?: boolean;
}

/** The route table as the pipeline needs it (RadixRouter<Route> fits). */
export interface RouteTable {
  find(method: string, path: string): { value: Route; params: Record<string, string> } | null;
  methodsFor(path: string): string[];
}

/** What the pipeline needs from an App. */
export interface PipelineHost {
  readonly settings: Settings;
  readonly hooks: Hooks;
  readonly middleware: readonly Middleware[];
  readonly routeTable: RouteTable;
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

interface HookNames {
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

function hookNames(method: string): HookNames {
  const known = HOOK_NAMES[method];
  if (known !== undefined) return known;
  const lower = method.toLowerCase();
  return { before: `http:${lower}`, after: `http:${lower}:after` };
}

/** One request on its way through the pipeline; also the context object of the http hooks. */
class Exchange implements HttpHookContext {
  req: KrozenRequest;
  readonly host: PipelineHost;
  readonly out: ResponseSink;
  readonly match: { value: Route; params: Record<string, string> } | null;
  readonly isHead: boolean;
  readonly hookNames: HookNames;
  sent: boolean;
  /** The Response, once something can see it (middleware, a hook, 404/405, an error): see `res`. */
  response: Response | null;

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
    this.response = null;
  }

  /** Created on first use: a request that meets no middleware or hook goes from the handler's result to the wire. */
  get res(): Response {
    if (this.response === null) this.response = new Response();
    return this.response;
  }

  set res(value: Response) {
    this.response = value;
  }
}

/** Runs one request through the pipeline; the answer goes to `out`, exactly once. */
export function handleRequest(host: PipelineHost, raw: TransportRequest, out: ResponseSink): void {
  const method = raw.method;
  const isHead = method === 'HEAD';
  const url = raw.url;
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  let path = rawPath;
  let routePath = rawPath;
  if (rawPath.indexOf('%') !== -1) {
    try {
      path = decodePath(rawPath);
      routePath = routingPath(rawPath);
    } catch (err) {
      sendHttpError(out, err as HttpError, isHead);
      return;
    }
  }
  const rawQuery = q === -1 ? '' : url.slice(q + 1);
  const match = host.routeTable.find(isHead ? 'GET' : method, routePath);
  if (match !== null && routePath !== path) for (const name in match.params) match.params[name] = routeParam(match.params[name]);
  const req = new KrozenRequest(method, path, rawQuery, match === null ? {} : match.params, raw);
  req.cookieSecret = host.settings.cookieSecret;
  const ex = new Exchange(host, req, out, match, isHead, routePath);
  if (rawQuery.indexOf('%') !== -1) {
    // Decode now so a malformed query is a 400 even for a handler that never reads it.
    try {
      req.validateQuery();
    } catch (err) {
      fail(ex, err);
      return;
    }
  }
  if (raw.hasBody && (match === null || !match.value.rawBody)) {
    readBody(raw, host.settings.maxBodySize, ex, onBody, fail);
    return;
  }
  runMiddleware(ex, 0);
}

function onBody(ex: Exchange, bytes: Buffer): void {
  try {
    ex.req.body = parseBody(bytes, ex.req.headers['content-type'], ex.host.settings);
  } catch (err) {
    fail(ex, err);
    return;
  }
  runMiddleware(ex, 0);
}

function isPromise(value: unknown): value is Promise<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as Promise<unknown>).then === 'function';
}

function runMiddleware(ex: Exchange, start: number): void {
  const chain = ex.host.middleware;
  for (let i = start; i < chain.length; i++) {
    let result: unknown;
    try {
      result = chain[i](ex.req, ex.res);
    } catch (err) {
      fail(ex, err);
      return;
    }
    if (isPromise(result)) {
      const next = i + 1;
      result.then(
        () => (ex.res.stop ? finish(ex) : runMiddleware(ex, next)),
        (err) => fail(ex, err),
      );
      return;
    }
    if (ex.res.stop) {
      finish(ex);
      return;
    }
  }
  runBeforeHooks(ex);
}

function isStopped(ctx: HttpHookContext): boolean {
  return ctx.res.stop;
}

function runBeforeHooks(ex: Exchange): void {
  const hooks = ex.host.hooks;
  const name = ex.hookNames.before;
  if (!hooks.has(name)) {
    runRoute(ex);
    return;
  }
  let pending: void | Promise<void>;
  try {
    pending = hooks.run<HttpHookContext>(name, ex, isStopped);
  } catch (err) {
    fail(ex, err);
    return;
  }
  if (pending !== undefined) pending.then(() => afterBeforeHooks(ex), (err) => fail(ex, err));
  else afterBeforeHooks(ex);
}

function afterBeforeHooks(ex: Exchange): void {
  const res = ex.response;
  if (res !== null && res.stop) finish(ex);
  else runRoute(ex);
}

function runRoute(ex: Exchange): void {
  const match = ex.match;
  if (match === null) {
    noRoute(ex);
    return;
  }
  let result: HandlerResult | Promise<HandlerResult>;
  try {
    result = match.value.handler(ex.req);
  } catch (err) {
    fail(ex, err);
    return;
  }
  if (isPromise(result)) {
    (result as Promise<HandlerResult>).then((value) => applyResult(ex, value), (err) => fail(ex, err));
    return;
  }
  applyResult(ex, result as HandlerResult);
}

function applyResult(ex: Exchange, value: HandlerResult): void {
  let result: ResponseInit | undefined;
  try {
    result = checkResult(value, `The handler for ${ex.req.method} ${ex.req.path}`);
  } catch (err) {
    fail(ex, err);
    return;
  }
  if (ex.response === null && !ex.host.hooks.has(ex.hookNames.after)) {
    // Nothing has seen or will see a Response: the result goes to the wire as it is.
    sendResult(ex, result);
    return;
  }
  const res = ex.res;
  if (result === undefined) {
    res.status = 200;
    res.body = {};
  } else {
    const init = result;
    res.status = init.status === undefined ? 200 : init.status;
    res.body = init.body;
    if (init.headers !== undefined) mergeHeaders(res.headers, init.headers);
  }
  runAfterHooks(ex);
}

/** The Allow header for a path: the routed methods, HEAD with GET, and OPTIONS. */
export function allowHeader(methods: readonly string[]): string {
  const list = methods.slice();
  if (list.includes('GET') && !list.includes('HEAD')) list.push('HEAD');
  if (!list.includes('OPTIONS')) list.push('OPTIONS');
  return list.join(', ');
}

function noRoute(ex: Exchange): void {
  const req = ex.req;
  const res = ex.res;
  const methods = ex.host.routeTable.methodsFor(ex.routePath);
  if (methods.length === 0) {
    res.status = 404;
    res.body = { error: 'Not Found', method: req.method, path: req.path };
  } else if (req.method === 'OPTIONS') {
    res.status = 204;
    res.body = undefined;
    res.headers.allow = allowHeader(methods);
  } else {
    res.status = 405;
    res.body = { error: 'Method Not Allowed', method: req.method, path: req.path };
    res.headers.allow = allowHeader(methods);
  }
  runAfterHooks(ex);
}

function runAfterHooks(ex: Exchange): void {
  const hooks = ex.host.hooks;
  const name = ex.hookNames.after;
  if (!hooks.has(name)) {
    finish(ex);
    return;
  }
  let pending: void | Promise<void>;
  try {
    pending = hooks.run<HttpHookContext>(name, ex);
  } catch (err) {
    fail(ex, err);
    return;
  }
  if (pending !== undefined) pending.then(() => finish(ex), (err) => fail(ex, err));
  else finish(ex);
}

/** What applyResult then finish would send, without the Response in between. */
function sendResult(ex: Exchange, result: ResponseInit | undefined): void {
  if (result === undefined) {
    send(ex, 200, {}, {});
    return;
  }
  const init = result as ResponseInit;
  const headers = init.headers === undefined ? {} : mergeHeaders({}, init.headers);
  send(ex, init.status === undefined ? 200 : init.status, headers, init.body);
}

function finish(ex: Exchange): void {
  const res = ex.res;
  send(ex, res.status, mergeHeaders({}, res.headers), res.body);
}

function send(ex: Exchange, status: number, headers: Record<string, HeaderValue>, body: unknown): void {
  if (ex.sent) return;
  ex.sent = true;
  try {
    sendResponse(outFor(ex), status, headers, body, ex.isHead, ex.host.settings.jsonBigInt);
  } catch (err) {
    // A body JSON cannot encode (a cycle, a BigInt), an invalid status or header value.
    console.error(`krozen: cannot send the response to ${ex.req.method} ${ex.req.path}:`, err);
    if (!ex.out.headersSent) sendResponse(ex.out, 500, keptHeaders(ex), internalError(ex, err), ex.isHead);
    else ex.out.destroy();
  }
}

/** The sink to answer through: the transport's, wrapped to compress when settings and the route allow it. */
function outFor(ex: Exchange): ResponseSink {
  const settings = ex.host.settings;
  if (!settings.compression || ex.req.headers['accept-encoding'] === undefined) return ex.out;
  if (ex.match !== null && ex.match.value.compress === false) return ex.out;
  return new CompressingSink(ex.out, ex.req.headers['accept-encoding'], { threshold: settings.compressionThreshold });
}

const INTERNAL_ERROR = 'Internal Server Error';

/** The 500 body: no detail for the client, except what a debug run should show about a bad handler result. */
function internalError(ex: Exchange | undefined, err: unknown): Record<string, string> {
  if (ex !== undefined && ex.host.settings.debug && err instanceof ResultShapeError) return { error: INTERNAL_ERROR, detail: err.message };
  return { error: INTERNAL_ERROR };
}

// Headers that describe a body: an error answer has its own.
const BODY_HEADERS = new Set(['content-type', 'content-length', 'content-encoding', 'content-range', 'etag', 'last-modified']);

/** The headers middleware and hooks had set (CORS, request ids…), kept on an error answer. */
function keptHeaders(ex: Exchange): Record<string, HeaderValue> {
  const kept: Record<string, HeaderValue> = {};
  const res = ex.response;
  if (res === null) return kept;
  for (const name in res.headers) {
    const lower = name.toLowerCase();
    if (!BODY_HEADERS.has(lower) && res.headers[name] !== undefined) kept[lower] = res.headers[name];
  }
  return kept;
}

function sendHttpError(out: ResponseSink, err: HttpError, isHead: boolean, headers: Record<string, HeaderValue> = {}): void {
  if (err.headers !== undefined) Object.assign(headers, err.headers);
  sendResponse(out, err.status, headers, { error: err.message }, isHead);
}

/** Any throw or rejection: an HttpError answers with its status; anything else is logged and becomes a 500. */
function fail(ex: Exchange, err: unknown): void {
  if (ex.sent) {
    console.error(`krozen: error after the response to ${ex.req.method} ${ex.req.path} was sent:`, err);
    return;
  }
  if (err instanceof HttpError) {
    ex.sent = true;
    sendHttpError(ex.out, err, ex.isHead, keptHeaders(ex));
    return;
  }
  console.error(`krozen: unhandled error in ${ex.req.method} ${ex.req.path}:`, err);
  const res = new Response(internalError(ex, err), 500, keptHeaders(ex));
  ex.res = res;
  const hooks = ex.host.hooks;
  if (!hooks.has('error')) {
    finish(ex);
    return;
  }
  const ctx: ErrorHookContext = { req: ex.req, res, error: err };
  let pending: void | Promise<void>;
  try {
    pending = hooks.run<ErrorHookContext>('error', ctx);
  } catch (hookErr) {
    failInErrorHook(ex, hookErr);
    return;
  }
  if (pending !== undefined) pending.then(() => finishError(ex, ctx), (hookErr) => failInErrorHook(ex, hookErr));
  else finishError(ex, ctx);
}

function finishError(ex: Exchange, ctx: ErrorHookContext): void {
  ex.res = ctx.res;
  finish(ex);
}

function failInErrorHook(ex: Exchange, err: unknown): void {
  console.error('krozen: an error hook threw:', err);
  ex.res = new Response(internalError(undefined, err), 500, keptHeaders(ex));
  finish(ex);
}
