// The one request object of a WebSocket upgrade: `onRequest` hooks and middleware see it as an HTTP Request
// (no body), upgrade() and ws:upgrade hooks as a WsUpgradeRequest; the same object, so what middleware
// stashes in `extra` reaches upgrade().
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { RawRequest } from '../transport/types';
import type { Request } from '../http/types';
import { parseCookies, verifiedCookies } from '../http/cookies';
import type { WsUpgradeRequest } from './context';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

export class UpgradeHttpRequest
  implements WsUpgradeRequest, Request<Readonly<Record<string, string>>, undefined, Readonly<Record<string, string>>>
{
  /** Upgrade requests have no body. */
  readonly body: undefined = undefined;
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
  ) {}

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
