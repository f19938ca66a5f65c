// The request/response contract shared by the router, the HTTP pipeline, static files and uploads.
// Independent of the transport that carried the request.
import type { IncomingHttpHeaders } from 'node:http';
import type { RawRequest } from '../transport/types';
import type { RequestLog } from '../base/logger';

/**
 * The request a handler sees. The type parameters are filled in from the route's path and schema
 * (route-types.ts): `app.get('/users/:id', (req) => …)` gives `req.params.id: string`.
 */
export interface Request<
  Params = Record<string, string>,
  Body = unknown,
  Query = Record<string, string | string[]>,
  Headers = IncomingHttpHeaders,
> {
  method: string;
  /** Percent-decoded pathname, without the query string. */
  path: string;
  /** Lower-case header names, as Node gives them. */
  headers: Headers;
  /**
   * Parsed on first access; `+` and %XX decoded. A key seen once → a string; seen more than once → an
   * array of its values in order; written `key[]=` → always an array (see query.ts).
   */
  readonly query: Query;
  /** The Cookie header as name → value, parsed on first access. */
  readonly cookies: Record<string, string>;
  /** Cookies signed with settings.cookieSecret whose signature checks (values without the signature). */
  readonly signedCookies: Record<string, string>;
  /** Route parameters (`:name`, `*name`). */
  params: Params;
  /** JSON (application/json or no content type), string (text/*), Buffer (other types), or undefined. */
  body: Body;
  /** Middleware's stash. */
  extra: Record<string, unknown>;
  /**
   * The request body as a Readable (with `headers`; node:http's IncomingMessage on that transport); unread
   * only on routes registered with `rawBody`.
   */
  readonly raw: RawRequest;
  /** The peer's IP address (behind a proxy, the proxy's: see `ip`). */
  readonly remoteAddress: string | undefined;
  /** The request id when settings.requestId is on (else undefined). */
  readonly id: string | undefined;
  /** A logger for this request: settings.logger's child with `reqId` (pino's `child`), else the console. */
  readonly log: RequestLog;
  /** The client's address: remoteAddress, or what proxies trusted by settings.trustProxy say. */
  readonly ip: string | undefined;
  /** The trusted proxy chain, client first, the nearest proxy last (empty when no proxy is trusted). */
  readonly ips: readonly string[];
  /** 'http' or 'https': the socket's, or a trusted proxy's X-Forwarded-Proto / Forwarded proto=. */
  readonly protocol: 'http' | 'https';
  /** The Host header, or a trusted proxy's X-Forwarded-Host / Forwarded host= (port included if sent). */
  readonly host: string | undefined;
}

export type { HeaderValue } from '../base/http-grammar';
import type { HeaderValue } from '../base/http-grammar';

/**
 * What a handler returns. body: object/array/number/boolean/null/string → JSON; a Buffer → bytes as is;
 * a Readable stream → streamed. html()/text()/file() set their content type.
 */
export interface ResponseInit {
  status?: number;
  body?: unknown;
  headers?: Record<string, HeaderValue>;
}

/** A WHATWG (fetch) Response is accepted too: status, headers and its body (streamed). */
export type HandlerResult = ResponseInit | globalThis.Response | void | undefined;
export type Handler = (req: Request) => HandlerResult | Promise<HandlerResult>;

export interface RouteOptions {
  /** Leave the body unread (the handler reads req.raw itself, e.g. uploads). */
  rawBody?: boolean;
  /** false: never compress this route's responses (settings.compression applies otherwise). */
  compress?: boolean;
}
