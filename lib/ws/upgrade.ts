// The WebSocket entry point for every HTTP transport (krozen's own, the default, and node:http):
//
//   upgrade.handleUpgrade(request: UpgradeRequest, socket: net.Socket | tls.TLSSocket | Duplex, head: Buffer): void
//
// `request` is the head of an HTTP request that asked to upgrade (method, url as sent, headers with
// lower-case names, remote address); `head` holds bytes read past the request head. From here on the
// socket belongs to the WebSocket layer: it is answered with 101 and becomes a connection, or gets a
// refusal (an HTTP status with a JSON error body) and is closed. The steps, in order:
//   1. the endpoint for the path (app.ws() routes, then the global one at settings.wsPath): else 404;
//   2. the RFC 6455 §4.2.1 checks (GET, HTTP/1.1, Upgrade, Connection, version, key): 400/405/426;
//   3. the Origin policy: 403 before any user code runs;
//   4. the subprotocol (§4.2.2): the server's pick among the client's offers, or none;
//   5. upgrade(req) / ws:upgrade hooks, bounded by settings.wsUpgradeTimeout: an HttpError refuses with
//      its status, another error is a 500, a timeout a 503; `{ data }` becomes ws.data;
//   6. permessage-deflate, then 101 and the connection.
import type { Duplex } from 'node:stream';
import { isThenable, type HookRunner } from '../base/hook-runner';
import { isHttpError } from '../http/http-error';
import { decodePath, parseQuery } from '../http/query';
import type { RadixRouter } from '../router';
import type { ResolvedSettings } from '../settings/index';
import { WsSession } from './session';
import type { WsUpgradeRequest } from './context';
import { DEFAULT_CONCURRENCY, DEFAULT_THRESHOLD, Limiter, PerMessageDeflate, negotiateDeflate } from './deflate';
import {
  behaviourEndpoint,
  hookEndpoint,
  hookEndpointOn,
  type WsBehaviour,
  type WsEndpoint,
  type WsUpgradeResult,
} from './endpoint';
import { acceptResponse, checkUpgradeRequest, headerValue, refuseUpgrade } from './handshake';
import type { WsHub } from './hub';
import { originAllowed } from './origin';
import { offeredProtocols, pickProtocol, validOffer } from './protocols';
import { ErrorCode, KrozenError } from '../base/errors';
import { logError, type Logger } from '../base/logger';
import { compileTrust, type TrustFn } from '../settings/proxy-trust';
import { resolveForwarded } from '../http/proxy';
import { requestIdConfig, requestIdFor, type RequestIdConfig } from '../http/request-id';

/** The head of a request that asks for a protocol upgrade, as any transport gives it. */
export interface UpgradeRequest {
  readonly method: string;
  /** The request target as sent: path and query. */
  readonly url: string;
  /** Header names in lower case; a repeated header may be an array. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly remoteAddress?: string;
  /** '1.0', '1.1'...; absent means HTTP/1.1. */
  readonly httpVersion?: string;
}

/** What the upgrade needs from the app. */
export interface WsUpgradeHost {
  readonly wsHub: WsHub;
  readonly hooks: HookRunner;
  /** app.ws() endpoints by path. */
  readonly wsRoutes: RadixRouter<WsBehaviour>;
}

type NetLike = Duplex & {
  setNoDelay?: (on: boolean) => void;
  setTimeout?: (ms: number) => void;
  remoteAddress?: string;
};

const TIMED_OUT = Symbol('timed out');

export class WsUpgrade {
  private readonly hookEndpoint: WsEndpoint;
  /** app.ws() behaviours resolved against the settings (at their first upgrade). */
  private readonly endpoints = new Map<WsBehaviour, WsEndpoint>();
  /** zlib operations in flight across this server's connections (made at the first deflate). */
  private limiter: Limiter | null = null;
  /** settings.trustProxy and settings.requestId, compiled once. */
  private readonly trust: TrustFn;
  private readonly ids: RequestIdConfig | undefined;

  constructor(
    private readonly host: WsUpgradeHost,
    private readonly config: ResolvedSettings,
  ) {
    this.hookEndpoint = hookEndpoint(host.hooks, config);
    this.trust = compileTrust(config.trustProxy);
    this.ids = requestIdConfig(config.requestId);
  }

  /** Answers an upgrade request on `socket`: 101 and a connection, or a refusal. */
  handleUpgrade(request: UpgradeRequest, socket: Duplex, head: Buffer): void {
    const url = request.url;
    const q = url.indexOf('?');
    let path: string;
    let query: Record<string, string>;
    try {
      path = decodePath(q === -1 ? url : url.slice(0, q));
      query = q === -1 ? Object.create(null) : parseQuery(url.slice(q + 1), Infinity, undefined, this.config.jsonProto);
    } catch (err) {
      return refuseUpgrade(socket, { status: 400, message: (err as Error).message });
    }
    const found = this.endpointFor(path);
    if (found === null) return refuseUpgrade(socket, { status: 404, message: 'Not Found' });
    const checked = checkUpgradeRequest(request);
    if (!('key' in checked)) return refuseUpgrade(socket, checked);
    const { endpoint, params } = found;
    const headers = request.headers;
    const remoteAddress = request.remoteAddress ?? (socket as NetLike).remoteAddress;
    const proxied = resolveForwarded(headers, remoteAddress, this.trust, this.config.tls !== undefined);
    // Same-origin is judged against the host (and scheme) the client used, as trusted proxies report them.
    const scheme = proxied.forwardedProtocol ? proxied.protocol : undefined;
    if (!originAllowed(endpoint.origins, headerValue(headers.origin), proxied.host, scheme)) {
      return refuseUpgrade(socket, { status: 403, message: 'Origin not allowed' });
    }
    if (!socket.readable || !socket.writable) return void socket.destroy();
    const offered = offeredProtocols(headerValue(headers['sec-websocket-protocol']));
    if (!validOffer(offered)) return refuseUpgrade(socket, { status: 400, message: 'Invalid Sec-WebSocket-Protocol' });
    const base = {
      method: request.method,
      url,
      path,
      params,
      query,
      headers,
      remoteAddress,
      ip: proxied.ip,
      ips: proxied.ips,
      host: proxied.host,
      secure: proxied.protocol === 'https',
      id: this.ids === undefined ? undefined : requestIdFor(this.ids, headers as Record<string, string>),
      protocols: offered,
      protocol: '',
    };
    const logger = this.config.logger;
    let req: WsUpgradeRequest;
    let result: WsUpgradeResult | Promise<WsUpgradeResult>;
    try {
      req = { ...base, protocol: this.chooseProtocol(endpoint, offered, base) };
      result = endpoint.hasUpgrade ? endpoint.upgrade(req) : undefined;
    } catch (err) {
      return refuseWithError(socket, err, logger, base.id);
    }
    if (!isThenable(result)) return this.accept(endpoint, req, result, checked.key, socket, head);
    // An async upgrade: the socket waits (bytes that arrive meanwhile stay buffered in it), bounded in time.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(resolve, this.config.wsUpgradeTimeout, TIMED_OUT);
    });
    Promise.race([result, timeout])
      .then(
        (value) => {
          clearTimeout(timer);
          if (socket.destroyed || !socket.writable) return void socket.destroy(); // the client gave up
          if (value === TIMED_OUT) return refuseUpgrade(socket, { status: 503, message: 'Upgrade timed out' });
          this.accept(endpoint, req, value, checked.key, socket, head);
        },
        (err) => {
          clearTimeout(timer);
          refuseWithError(socket, err, logger, base.id);
        },
      )
      .catch((err) => {
        logError(logger, 'a WebSocket upgrade failed', err, base.id === undefined ? undefined : { reqId: base.id });
        socket.destroy();
      });
  }

  private endpointFor(path: string): { endpoint: WsEndpoint; params: Readonly<Record<string, string>> } | null {
    const match = this.host.wsRoutes.find('GET', path);
    if (match !== null) {
      let endpoint = this.endpoints.get(match.value);
      if (endpoint === undefined) {
        endpoint = behaviourEndpoint(match.value, this.config);
        this.endpoints.set(match.value, endpoint);
      }
      return { endpoint, params: match.params };
    }
    if (path === this.config.wsPath && hookEndpointOn(this.host.hooks, this.config)) {
      return { endpoint: this.hookEndpoint, params: Object.freeze(Object.create(null)) };
    }
    return null;
  }

  /** §4.2.2: exactly one of the offered values, or '' (no header). A chooser that picks another throws. */
  private chooseProtocol(endpoint: WsEndpoint, offered: readonly string[], req: WsUpgradeRequest): string {
    if (offered.length === 0) return '';
    const protocols = endpoint.protocols;
    if (typeof protocols !== 'function') return pickProtocol(protocols, offered);
    const picked = protocols(offered, req);
    if (picked === false || picked === '') return '';
    if (typeof picked !== 'string' || !offered.includes(picked)) {
      throw new KrozenError(
        ErrorCode.INVALID_RESULT,
        `protocols() picked ${JSON.stringify(picked)}, which the client did not offer (${offered.join(', ')})`,
      );
    }
    return picked;
  }

  private accept(
    endpoint: WsEndpoint,
    req: WsUpgradeRequest,
    result: WsUpgradeResult,
    key: string,
    socket: Duplex,
    head: Buffer,
  ): void {
    let deflate: PerMessageDeflate | null = null;
    let extensions: string | undefined;
    const pmd = endpoint.deflate;
    if (pmd !== false) {
      const options = pmd === true ? {} : pmd;
      const agreed = negotiateDeflate(headerValue(req.headers['sec-websocket-extensions']), options);
      if (agreed !== null) {
        if (this.limiter === null) this.limiter = new Limiter(options.concurrencyLimit ?? DEFAULT_CONCURRENCY);
        deflate = new PerMessageDeflate(agreed.params, this.limiter, options.threshold ?? DEFAULT_THRESHOLD);
        extensions = agreed.response;
      }
    }
    const net = socket as NetLike;
    if (typeof net.setNoDelay === 'function') net.setNoDelay(true);
    if (typeof net.setTimeout === 'function') net.setTimeout(0);
    const limits = endpoint.limits;
    const data = result !== undefined && result !== null && typeof result === 'object' ? result.data : undefined;
    const info = {
      url: req.url,
      remoteAddress: req.remoteAddress,
      ip: req.ip,
      id: req.id,
      params: req.params,
      headers: req.headers,
      protocol: req.protocol,
      data,
    };
    const session = new WsSession(this.host.wsHub, endpoint.handlers, socket, limits, deflate, info);
    this.host.wsHub.addConnection(session, limits);
    const idHeader: [string, string] | undefined =
      req.id === undefined || this.ids === undefined ? undefined : [this.ids.header, req.id];
    session.start(acceptResponse(key, extensions, req.protocol, idHeader), head);
  }
}

/** An HttpError refuses with its status and message; anything else is a 500 (logged, no detail sent). */
function refuseWithError(socket: Duplex, err: unknown, logger: Logger | undefined, id: string | undefined): void {
  if (isHttpError(err))
    return refuseUpgrade(socket, { status: err.status, message: err.message, headers: err.headers });
  logError(
    logger,
    'a WebSocket upgrade handler failed; answering 500',
    err,
    id === undefined ? undefined : { reqId: id },
  );
  refuseUpgrade(socket, { status: 500, message: 'Internal Server Error' });
}
