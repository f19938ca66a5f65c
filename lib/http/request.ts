// The pipeline's request, over whichever transport parsed it.
import type { IncomingHttpHeaders } from 'node:http';
import type { RawRequest, TransportRequest } from '../transport/types';
import type { Request } from './types';
import { parseQuery, type Query } from './query';
import { parseCookies, verifiedCookies } from './cookies';
import type { JsonProto } from '../backend/json-codec';
import type { Settings } from '../settings/index';
import { compileTrust } from '../settings/proxy-trust';
import { childLogger, type RequestLog } from '../base/logger';
import { resolveForwarded, type ForwardedInfo } from './proxy';

export class KrozenRequest implements Request {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  params: Record<string, string>;
  body: unknown;
  /** The transport's request (head, body, peer). */
  readonly transport: TransportRequest;
  /** @internal The raw query string (after `?`, before any `#`), parsed on first read of `query`. */
  readonly rawQuery: string;
  private parsedQuery: Query | undefined;
  private parsedCookies: Record<string, string> | undefined;
  private verified: Record<string, string> | undefined;
  /** settings.cookieSecret, for signedCookies. */
  cookieSecret: string | readonly string[] | undefined;
  /** settings.jsonProto, for a `__proto__` key in the query. */
  protoKeys: JsonProto;
  /** `extra`, created on first read: most requests meet no middleware that stashes anything. */
  private extraStash: Record<string, unknown> | undefined;
  /** The request id (settings.requestId), undefined when ids are off. */
  id: string | undefined;
  /** The app's settings, for what is worked out on first read (log, ip, protocol, host). */
  settings: Settings | undefined;
  private childLog: RequestLog | undefined;
  private forwarded: ForwardedInfo | undefined;

  constructor(
    method: string,
    path: string,
    rawQuery: string,
    params: Record<string, string>,
    transport: TransportRequest,
  ) {
    this.method = method;
    this.path = path;
    this.headers = transport.headers;
    this.params = params;
    this.body = undefined;
    this.transport = transport;
    this.rawQuery = rawQuery;
    this.parsedQuery = undefined;
    this.parsedCookies = undefined;
    this.verified = undefined;
    this.cookieSecret = undefined;
    this.protoKeys = 'error';
    this.extraStash = undefined;
    this.id = undefined;
    this.settings = undefined;
    this.childLog = undefined;
    this.forwarded = undefined;
  }

  /** The body as a stream (uploads and rawBody routes read it); with node:http, the IncomingMessage. */
  get raw(): RawRequest {
    return this.transport.bodyStream();
  }

  /** The peer's IP address (undefined once the connection is gone). */
  get remoteAddress(): string | undefined {
    return this.transport.remoteAddress;
  }

  /** settings.logger's child carrying `reqId` (made on first read: a request that never logs pays nothing). */
  get log(): RequestLog {
    if (this.childLog === undefined)
      this.childLog = childLogger(this.settings?.logger, this.id === undefined ? {} : { reqId: this.id });
    return this.childLog;
  }

  private get proxied(): ForwardedInfo {
    if (this.forwarded === undefined) {
      const settings = this.settings;
      this.forwarded = resolveForwarded(
        this.headers,
        this.transport.remoteAddress,
        compileTrust(settings?.trustProxy),
        settings !== undefined && settings.tls !== undefined,
      );
    }
    return this.forwarded;
  }

  /** The client's address: the peer, or what trusted proxies say (settings.trustProxy). */
  get ip(): string | undefined {
    return this.proxied.ip;
  }

  /** The trusted proxy chain, client first (empty without trusted proxies). */
  get ips(): readonly string[] {
    return this.proxied.ips;
  }

  /** 'https' or 'http': the socket's, or a trusted proxy's X-Forwarded-Proto / Forwarded proto=. */
  get protocol(): 'http' | 'https' {
    return this.proxied.protocol;
  }

  /** The Host header, or a trusted proxy's X-Forwarded-Host / Forwarded host=. */
  get host(): string | undefined {
    return this.proxied.host;
  }

  get cookies(): Record<string, string> {
    if (this.parsedCookies === undefined) this.parsedCookies = parseCookies(this.headers.cookie);
    return this.parsedCookies;
  }

  get signedCookies(): Record<string, string> {
    if (this.verified === undefined) this.verified = verifiedCookies(this.cookies, this.cookieSecret);
    return this.verified;
  }

  get query(): Query {
    if (this.parsedQuery === undefined)
      this.parsedQuery = parseQuery(this.rawQuery, Infinity, undefined, this.protoKeys);
    return this.parsedQuery;
  }

  /** A route's query schema replaces the parsed query with what it let through (coerced, defaults applied). */
  set query(value: Query) {
    this.parsedQuery = value;
  }

  get extra(): Record<string, unknown> {
    if (this.extraStash === undefined) this.extraStash = {};
    return this.extraStash;
  }

  set extra(value: Record<string, unknown>) {
    this.extraStash = value;
  }

  /**
   * Parses the query now (the pipeline does this when it holds `%` or `__proto__`, so bad encoding and a
   * forbidden key are always a 400).
   */
  validateQuery(): void {
    void this.query;
  }
}
