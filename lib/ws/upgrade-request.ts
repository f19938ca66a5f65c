// The one request object of a WebSocket upgrade: `onRequest` hooks and middleware see it as an HTTP Request
// (no body), upgrade() and ws:upgrade hooks as a WsUpgradeRequest; the same object, so what middleware
// stashes in `extra` reaches upgrade().
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { RawRequest } from '../transport/types';
import type { Request } from '../http/types';
import { parseCookies, verifiedCookies } from '../http/cookies';
import type { ForwardedInfo } from '../http/proxy';
import { childLogger, type Logger, type RequestLog } from '../base/logger';
import type { WsUpgradeRequest } from './context';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

export class UpgradeHttpRequest implements WsUpgradeRequest {
  /** Upgrade requests have no body. */
  readonly body: undefined = undefined;
  readonly ip: string | undefined;
  readonly ips: readonly string[];
  readonly host: string | undefined;
  readonly secure: boolean;
  /** @internal The scheme a trusted proxy reported (the Origin check compares it), else undefined. */
  readonly forwardedScheme: 'http' | 'https' | undefined;
  /** Set once the subprotocol is chosen (upgrade.ts). */
  protocol = '';
  private parsedCookies: Record<string, string> | undefined = undefined;
  private verified: Record<string, string> | undefined = undefined;
  private extraStash: Record<string, unknown> | undefined = undefined;

  constructor(
    readonly method: string,
    readonly url: string,
    readonly path: string,
    readonly params: Readonly<Record<string, string>>,
    readonly query: Readonly<Record<string, string>>,
    readonly headers: Headers & IncomingHttpHeaders,
    readonly remoteAddress: string | undefined,
    readonly protocols: readonly string[],
    /** settings.cookieSecret, for signedCookies. */
    private readonly cookieSecret: string | readonly string[] | undefined,
    /** The client as settings.trustProxy lets proxies describe it. */
    forwarded: ForwardedInfo,
    /** settings.requestId's id for this upgrade, else undefined. */
    readonly id: string | undefined,
  ) {
    this.ip = forwarded.ip;
    this.ips = forwarded.ips;
    this.host = forwarded.host;
    this.secure = forwarded.protocol === 'https';
    this.forwardedScheme = forwarded.forwardedProtocol ? forwarded.protocol : undefined;
  }

  get cookies(): Record<string, string> {
    if (this.parsedCookies === undefined) {
      const header = this.headers.cookie;
      this.parsedCookies = parseCookies(Array.isArray(header) ? header.join('; ') : header);
    }
    return this.parsedCookies;
  }

  get signedCookies(): Record<string, string> {
    if (this.verified === undefined) this.verified = verifiedCookies(this.cookies, this.cookieSecret);
    return this.verified;
  }

  get extra(): Record<string, unknown> {
    if (this.extraStash === undefined) this.extraStash = {};
    return this.extraStash;
  }

  set extra(value: Record<string, unknown>) {
    this.extraStash = value;
  }

  /** An ended stream: an upgrade request carries no body (a handshake with one is refused before this). */
  get raw(): RawRequest {
    return Object.assign(Readable.from([]), { headers: this.headers, method: this.method, url: this.url });
  }
}

type UpgradeAsHttp = Request<Readonly<Record<string, string>>, undefined, Readonly<Record<string, string>>>;

/**
 * The upgrade request as `onRequest` hooks and middleware see it: an HTTP Request (no body) whose `protocol`
 * is the scheme ('http' | 'https'), where upgrade() sees the chosen subprotocol under that name. Everything
 * else reads through to the one upgrade request, so what middleware puts in `extra` reaches upgrade().
 */
export class UpgradeRequestView implements UpgradeAsHttp {
  readonly body: undefined = undefined;
  private childLog: RequestLog | undefined = undefined;

  constructor(
    readonly upgrade: UpgradeHttpRequest,
    private readonly logger: Logger | undefined,
  ) {}

  get method(): string {
    return this.upgrade.method;
  }
  get path(): string {
    return this.upgrade.path;
  }
  get params(): Readonly<Record<string, string>> {
    return this.upgrade.params;
  }
  get query(): Readonly<Record<string, string>> {
    return this.upgrade.query;
  }
  get headers(): UpgradeHttpRequest['headers'] {
    return this.upgrade.headers;
  }
  get cookies(): Record<string, string> {
    return this.upgrade.cookies;
  }
  get signedCookies(): Record<string, string> {
    return this.upgrade.signedCookies;
  }
  get extra(): Record<string, unknown> {
    return this.upgrade.extra;
  }
  set extra(value: Record<string, unknown>) {
    this.upgrade.extra = value;
  }
  get raw(): RawRequest {
    return this.upgrade.raw;
  }
  get remoteAddress(): string | undefined {
    return this.upgrade.remoteAddress;
  }
  get id(): string | undefined {
    return this.upgrade.id;
  }
  get ip(): string | undefined {
    return this.upgrade.ip;
  }
  get ips(): readonly string[] {
    return this.upgrade.ips;
  }
  get host(): string | undefined {
    return this.upgrade.host;
  }
  get protocol(): 'http' | 'https' {
    return this.upgrade.secure ? 'https' : 'http';
  }
  get log(): RequestLog {
    if (this.childLog === undefined) {
      const id = this.upgrade.id;
      this.childLog = childLogger(this.logger, id === undefined ? {} : { reqId: id });
    }
    return this.childLog;
  }
}
