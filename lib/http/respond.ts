// The end of the HTTP pipeline: the `response` hook, encoding (send.ts) through the transport's sink (wrapped
// for compression), and every failure's answer: an HttpError's status, else a logged 500 that keeps the
// headers middleware set and that `error` hooks may reshape.
import type { ResponseSink } from '../transport/types';
import type { HeaderValue } from './types';
import { Response } from './response';
import { HttpError, ValidationError } from './http-error';
import { mergeHeaders, sendResponse } from './send';
import { ResultShapeError } from './result';
import { CompressingSink } from './compress';
import { bindCookieSecret } from './cookies';
import type { ErrorHookContext, Exchange, HttpHookContext } from './exchange';
import { logError } from '../base/logger';
import { runPhase } from '../base/hook-runner';
import type { Serializer } from '../schema/serializer';
import { requestIdConfig, withRequestId, type RequestIdConfig } from './request-id';

export function finish(ex: Exchange): void {
  const res = ex.res;
  send(ex, res.status, mergeHeaders({}, res.headers), res.body);
}

/** Answers once: through the `response` hooks (when there are any), then encoded to the sink. */
export function send(ex: Exchange, status: number, headers: Record<string, HeaderValue>, body: unknown): void {
  if (ex.sent) return;
  ex.sent = true;
  const hooks = ex.host.hooks;
  if (!hooks.httpHooks || !hooks.has('response')) {
    write(ex, status, headers, body);
    return;
  }
  // One hook for every answer, whatever the method or outcome (logs, metrics): it sees and may change it.
  const ctx: HttpHookContext = { req: ex.req, res: responseFor(ex, body, status, headers) };
  const done = (): void => write(ex, ctx.res.status, mergeHeaders({}, ctx.res.headers), ctx.res.body);
  // A response hook that throws is logged; the answer still goes out as it stands.
  runPhase(hooks, 'response', ctx, ex, done, (_, err) => {
    logError(ex.host.settings.logger, 'a response hook threw', err, where(ex));
    done();
  });
}

/** A Response for hooks to see, with the app's cookie secret (`res.cookie(…, { signed: true })`). */
function responseFor(ex: Exchange, body: unknown, status: number, headers: Record<string, HeaderValue>): Response {
  return bindCookieSecret(new Response(body, status, headers), ex.host.settings.cookieSecret);
}

/** The fields of krozen's own log lines about a request (its id when ids are on). */
function where(ex: Exchange): Record<string, unknown> {
  const id = ex.req.id;
  return id === undefined
    ? { method: ex.req.method, path: ex.req.path }
    : { method: ex.req.method, path: ex.req.path, reqId: id };
}

/** Echoes the request id in its header (unless the app set that header itself). */
function echoRequestId(headers: Record<string, HeaderValue>, config: RequestIdConfig | undefined, id: string): void {
  if (config !== undefined && headers[config.header] === undefined) headers[config.header] = id;
}

function write(ex: Exchange, status: number, headers: Record<string, HeaderValue>, body: unknown): void {
  const id = ex.req.id;
  if (id !== undefined) echoRequestId(headers, requestIdConfig(ex.host.settings.requestId), id);
  try {
    const bigInt = ex.host.settings.jsonBigInt;
    sendResponse(outFor(ex), status, headers, body, ex.isHead, bigInt, serializerFor(ex, status, bigInt));
  } catch (err) {
    // A body JSON cannot encode (a cycle, a BigInt), an invalid status or header value.
    logError(ex.host.settings.logger, `cannot send the response to ${ex.req.method} ${ex.req.path}`, err, where(ex));
    if (!ex.out.headersSent) {
      const kept = keptHeaders(ex);
      if (id !== undefined) echoRequestId(kept, requestIdConfig(ex.host.settings.requestId), id);
      sendResponse(ex.out, (status = 500), kept, internalError(ex, err), ex.isHead);
    } else ex.out.destroy();
  }
  if (ex.host.observer !== undefined) ex.host.observer.end(ex, status);
}

/** The route's serializer for this answer's status (compiled from its response schema), if any. */
function serializerFor(ex: Exchange, status: number, bigInt: boolean): Serializer | undefined {
  const schema = ex.match === null || ex.failed ? undefined : ex.match.value.schema;
  return schema === undefined || schema === null ? undefined : schema.serializerFor(status, bigInt);
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
function internalError(ex: Exchange, err: unknown, debug = true): Record<string, string> {
  const body: Record<string, string> = { error: INTERNAL_ERROR };
  if (debug && ex.host.settings.debug && err instanceof ResultShapeError) body.detail = err.message;
  if (ex.req.id !== undefined) body.requestId = ex.req.id;
  return body;
}

// Headers that describe a body: an error answer has its own.
const BODY_HEADERS = new Set([
  'content-type',
  'content-length',
  'content-encoding',
  'content-range',
  'etag',
  'last-modified',
]);

/** The headers middleware and hooks had set (CORS, request ids…), kept on an error answer. */
function keptHeaders(ex: Exchange): Record<string, HeaderValue> {
  return headersKept(ex.response);
}

/** What of `res`'s headers an error answer keeps: all but those that describe a body; lower-case names. */
export function headersKept(res: Response | null): Record<string, HeaderValue> {
  const kept: Record<string, HeaderValue> = {};
  if (res === null) return kept;
  for (const name in res.headers) {
    const lower = name.toLowerCase();
    if (!BODY_HEADERS.has(lower) && res.headers[name] !== undefined) kept[lower] = res.headers[name];
  }
  return kept;
}

/** An HttpError's answer before there is an Exchange (a malformed path). */
export function sendHttpError(
  out: ResponseSink,
  err: HttpError,
  isHead: boolean,
  ids?: RequestIdConfig,
  id?: string,
): void {
  const headers: Record<string, HeaderValue> = err.headers === undefined ? {} : { ...err.headers };
  if (id !== undefined) echoRequestId(headers, ids, id);
  sendResponse(out, err.status, headers, withRequestId({ error: err.message }, id), isHead);
}

/** Any throw or rejection: an HttpError answers with its status; anything else is logged and becomes a 500. */
export function fail(ex: Exchange, err: unknown): void {
  const logger = ex.host.settings.logger;
  if (ex.sent) {
    logError(logger, `error after the response to ${ex.req.method} ${ex.req.path} was sent`, err, where(ex));
    return;
  }
  ex.failed = true;
  if (err instanceof HttpError) {
    const headers = keptHeaders(ex);
    if (err.headers !== undefined) Object.assign(headers, err.headers);
    // krozen's own bodies get the request id; a body the app gave its HttpError is its own business.
    const body =
      err.body === undefined
        ? withRequestId({ error: err.message }, ex.req.id)
        : err instanceof ValidationError
          ? withRequestId(err.body, ex.req.id)
          : err.body;
    if (!(err instanceof ValidationError) || !ex.host.hooks.has('error')) {
      send(ex, err.status, headers, body);
      return;
    }
    // A schema's 400 goes through the error hooks, which may reshape it (a team's own error format).
    runErrorHooks(ex, err, responseFor(ex, body, err.status, headers));
    return;
  }
  logError(logger, `unhandled error in ${ex.req.method} ${ex.req.path}`, err, where(ex));
  runErrorHooks(ex, err, responseFor(ex, internalError(ex, err), 500, keptHeaders(ex)));
}

/** The `error` hooks see the answer about to go out (`res`) and may change it. */
function runErrorHooks(ex: Exchange, err: unknown, res: Response): void {
  ex.res = res;
  const hooks = ex.host.hooks;
  if (!hooks.has('error')) {
    finish(ex);
    return;
  }
  const ctx: ErrorHookContext = { req: ex.req, res, error: err };
  runPhase(hooks, 'error', ctx, ex, () => finishError(ex, ctx), failInErrorHook);
}

function finishError(ex: Exchange, ctx: ErrorHookContext): void {
  ex.res = ctx.res;
  finish(ex);
}

function failInErrorHook(ex: Exchange, err: unknown): void {
  logError(ex.host.settings.logger, 'an error hook threw', err, where(ex));
  ex.res = responseFor(ex, internalError(ex, err, false), 500, keptHeaders(ex));
  finish(ex);
}
