// The request pipeline: built-ins (URL decoding, route lookup) → `request` hooks (app.onRequest, before the
// body) → body reading → middleware in order → `http:<method>` hooks → the route's schema (validate-request.ts)
// → the route → `http:<method>:after` hooks (also for 404/405) → `response` hooks (every answer) → encoding and compression (respond.ts).
// It stays synchronous until something returns a promise, and allocates closures only on async paths:
// every step is a module-level function of one per-request `Exchange`. It never touches a socket: it reads
// a TransportRequest and answers through a ResponseSink (lib/transport/types.ts).
import type { ResponseSink, TransportRequest } from '../transport/types';
import type { HandlerResult, ResponseInit } from './types';
import { KrozenRequest } from './request';
import type { HttpError } from './http-error';
import { decodePath, routeParam, routingPath } from './query';
import { parseBody, readBody } from './body';
import { mergeHeaders } from './send';
import { checkResult } from './result';
import { Exchange, type HttpHookContext, type PipelineHost } from './exchange';
import { fail, finish, send, sendHttpError } from './respond';
import { isThenable, runPhase } from '../base/hook-runner';
import { validateRequest } from './validate-request';
import { requestIdConfig, requestIdFor, withRequestId } from './request-id';

export type {
  Middleware,
  Route,
  RouteTable,
  PipelineHost,
  HttpHookContext,
  ErrorHookContext,
  RequestObserver,
} from './exchange';
/** Runs one request through the pipeline; the answer goes to `out`, exactly once. */
export function handleRequest(host: PipelineHost, raw: TransportRequest, out: ResponseSink): void {
  const method = raw.method;
  const isHead = method === 'HEAD';
  const url = raw.url;
  // settings.requestId is off by default: one check per request then.
  const ids = host.settings.requestId === false ? undefined : requestIdConfig(host.settings.requestId);
  const id = ids === undefined ? undefined : requestIdFor(ids, raw.headers);
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  let path = rawPath;
  let routePath = rawPath;
  if (rawPath.indexOf('%') !== -1) {
    try {
      path = decodePath(rawPath);
      routePath = routingPath(rawPath);
    } catch (err) {
      sendHttpError(out, err as HttpError, isHead, ids, id);
      return;
    }
  }
  const rawQuery = q === -1 ? '' : url.slice(q + 1);
  const match = host.routeTable.find(isHead ? 'GET' : method, routePath);
  if (match !== null && routePath !== path)
    for (const name in match.params) match.params[name] = routeParam(match.params[name]);
  const req = new KrozenRequest(method, path, rawQuery, match === null ? {} : match.params, raw);
  req.cookieSecret = host.settings.cookieSecret;
  req.protoKeys = host.settings.jsonProto;
  req.settings = host.settings;
  req.id = id;
  const ex = new Exchange(host, req, out, match, isHead, routePath);
  if (host.observer === undefined) startExchange(ex);
  else host.observer.begin(ex, startExchange);
}

/** The request's own steps, from the query check on (within its span when tracing is on). */
function startExchange(ex: Exchange): void {
  const rawQuery = ex.req.rawQuery;
  const host = ex.host;
  const req = ex.req;
  if (rawQuery.length !== 0 && (rawQuery.indexOf('%') !== -1 || rawQuery.indexOf('__proto__') !== -1)) {
    // Decode now so a malformed query (or a forbidden `__proto__` key) is a 400 even for a handler that
    // never reads it.
    try {
      req.validateQuery();
    } catch (err) {
      fail(ex, err);
      return;
    }
  }
  if (host.hooks.httpHooks && host.hooks.has('request')) runRequestHooks(ex);
  else readRequestBody(ex);
}

/**
 * The `request` phase (app.onRequest): before the body is read, so a 401 or 429 costs no body bytes. An
 * answer from here (res.stop, or a throw) closes the connection when a body was announced: it is never read.
 */
function runRequestHooks(ex: Exchange): void {
  runPhase(ex.host.hooks, 'request', ex, ex, afterRequestHooks, failBeforeBody, isStopped);
}

function afterRequestHooks(ex: Exchange): void {
  const res = ex.response;
  if (res === null || !res.stop) {
    readRequestBody(ex);
    return;
  }
  if (ex.req.transport.hasBody) res.headers.connection = 'close';
  finish(ex);
}

function failBeforeBody(ex: Exchange, err: unknown): void {
  if (ex.req.transport.hasBody) ex.res.headers.connection = 'close';
  fail(ex, err);
}

function readRequestBody(ex: Exchange): void {
  const raw = ex.req.transport;
  const match = ex.match;
  if (raw.hasBody && (match === null || !match.value.rawBody)) {
    readBody(raw, ex.host.settings.maxBodySize, ex, onBody, fail);
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
    if (isThenable(result)) {
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
  if (!hooks.httpHooks || !hooks.has(name)) {
    runRoute(ex);
    return;
  }
  runPhase(hooks, name, ex, ex, afterBeforeHooks, fail, isStopped);
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
  const schema = match.value.schema;
  if (schema !== undefined && schema !== null && schema.validators.length > 0) {
    validateRequest(ex, schema, callHandler, fail);
    return;
  }
  callHandler(ex);
}

function callHandler(ex: Exchange): void {
  const match = ex.match as NonNullable<Exchange['match']>;
  let result: HandlerResult | Promise<HandlerResult>;
  try {
    result = match.value.handler(ex.req);
  } catch (err) {
    fail(ex, err);
    return;
  }
  if (isThenable(result)) {
    (result as Promise<HandlerResult>).then(
      (value) => applyResult(ex, value),
      (err) => fail(ex, err),
    );
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
  const hooks = ex.host.hooks;
  if (ex.response === null && (!hooks.httpHooks || !hooks.has(ex.hookNames.after))) {
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
    res.body = withRequestId({ error: 'Not Found', method: req.method, path: req.path }, req.id);
  } else if (req.method === 'OPTIONS') {
    res.status = 204;
    res.body = undefined;
    res.headers.allow = allowHeader(methods);
  } else {
    res.status = 405;
    res.body = withRequestId({ error: 'Method Not Allowed', method: req.method, path: req.path }, req.id);
    res.headers.allow = allowHeader(methods);
  }
  runAfterHooks(ex);
}

function runAfterHooks(ex: Exchange): void {
  const hooks = ex.host.hooks;
  const name = ex.hookNames.after;
  if (!hooks.httpHooks || !hooks.has(name)) {
    finish(ex);
    return;
  }
  runPhase(hooks, name, ex, ex, finish, fail);
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
