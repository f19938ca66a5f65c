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
//   3. `request` hooks (app.onRequest), then middleware (upgrade-pipeline.ts): `res.stop` or a throw refuses;
//   4. the Origin policy: 403;
//   5. the subprotocol (§4.2.2): the server's pick among the client's offers, or none;
//   6. upgrade(req) / ws:upgrade hooks, bounded by settings.wsUpgradeTimeout: an HttpError refuses with
//      its status, another error is a 500, a timeout a 503; `{ data }` becomes ws.data;
//   7. permessage-deflate, then 101 (with the headers middleware set on `res`) and the connection.
// `response` hooks (app.onResponse) see every answer from step 1 on, the 101 included (status 101).
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
import {
  acceptResponse,
  checkUpgradeRequest,
  headerLines,
  headerValue,
  refuseUpgrade,
  refuseUpgradeWith,
  type HandshakeRefusal,
} from './handshake';
import { UpgradeHttpRequest } from './upgrade-request';
import {
  errorAnswer,
  hasUpgradePipeline,
  runBeforeUpgrade,
  runResponseHooks,
  UpgradeCall,
  type Answer,
  type UpgradePipelineHost,
} from './upgrade-pipeline';
import { headersKept } from '../http/respond';
import { compactHeaders, keptUrl, ownString } from './compact-head';
import type { WsHub } from './hub';
import { originAllowed } from './origin';
import { upgradeAnswered } from './upgrade-watch';
import { offeredProtocols, pickProtocol, validOffer } from './protocols';
import { ErrorCode, KrozenError } from '../base/errors';
import { logError } from '../base/logger';
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

/** What the upgrade needs from the app (hooks and middleware: upgrade-pipeline.ts). */
export interface WsUpgradeHost extends UpgradePipelineHost {
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
    const headers = request.headers;
    const remoteAddress = request.remoteAddress ?? (socket as NetLike).remoteAddress;
    const offered = offeredProtocols(headerValue(headers['sec-websocket-protocol']));
    const req = new UpgradeHttpRequest(
      request.method,
      url,
      path,
      found === null ? NO_PARAMS : found.params,
      query,
      headers as UpgradeHttpRequest['headers'],
      remoteAddress,
      offered,
      this.config.cookieSecret,
      resolveForwarded(headers, remoteAddress, this.trust, this.config.tls !== undefined),
      this.ids === undefined ? undefined : requestIdFor(this.ids, headers as Record<string, string>),
    );
    // No request/response hook and no middleware: no Response, no extra step (the direct path).
    const call = hasUpgradePipeline(this.host) ? new UpgradeCall(this.host, req, this.config) : null;
    const step: Step = { call, req, socket, head, endpoint: null, key: '' };
    if (found === null) return this.refuse(step, { status: 404, message: 'Not Found' });
    const checked = checkUpgradeRequest(request);
    if (!('key' in checked)) return this.refuse(step, checked);
    step.endpoint = found.endpoint;
    step.key = checked.key;
    if (call === null) return this.checkAndUpgrade(step);
    runBeforeUpgrade(
      call,
      () => (gone(socket) ? socket.destroy() : this.checkAndUpgrade(step)),
      (answer) => this.answer(step, answer),
    );
  }

  /** Origin → subprotocol → upgrade() / ws:upgrade (bounded by wsUpgradeTimeout) → accept. */
  private checkAndUpgrade(step: Step): void {
    const { req, socket } = step;
    const endpoint = step.endpoint as WsEndpoint;
    const headers = req.headers;
    // Same-origin is judged against the host (and scheme) the client used, as trusted proxies report them.
    if (!originAllowed(endpoint.origins, headerValue(headers.origin), req.host, req.forwardedScheme)) {
      return this.refuse(step, { status: 403, message: 'Origin not allowed' });
    }
    if (gone(socket)) return void socket.destroy();
    if (!validOffer(req.protocols))
      return this.refuse(step, { status: 400, message: 'Invalid Sec-WebSocket-Protocol' });
    let result: WsUpgradeResult | Promise<WsUpgradeResult>;
    try {
      req.protocol = this.chooseProtocol(endpoint, req.protocols, req);
      result = endpoint.hasUpgrade ? endpoint.upgrade(req) : undefined;
    } catch (err) {
      return this.refuseWithError(step, err);
    }
    if (!isThenable(result)) return this.accept(step, result);
    // An async upgrade: the socket waits (bytes that arrive meanwhile stay buffered in it), bounded in time.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(resolve, this.config.wsUpgradeTimeout, TIMED_OUT);
    });
    Promise.race([result, timeout])
      .then(
        (value) => {
          clearTimeout(timer);
          if (gone(socket)) return void socket.destroy(); // the client gave up
          if (value === TIMED_OUT) return this.refuse(step, { status: 503, message: 'Upgrade timed out' });
          this.accept(step, value);
        },
        (err) => {
          clearTimeout(timer);
          this.refuseWithError(step, err);
        },
      )
      .catch((err) => {
        logError(this.config.logger, 'a WebSocket upgrade failed', err, logFields(req));
        socket.destroy();
      });
  }

  /** A refusal of the handshake's own (404, 400, 403, 503…): `{"error": message}`, through the response hooks. */
  private refuse(step: Step, refusal: HandshakeRefusal): void {
    if (step.call === null) return refuseUpgrade(step.socket, refusal);
    const headers = headersKept(step.call.res);
    if (refusal.headers !== undefined) Object.assign(headers, refusal.headers);
    this.answer(step, { status: refusal.status, headers, body: { error: refusal.message } });
  }

  /** An HttpError refuses with its status and message; anything else is a 500 (logged, no detail sent). */
  private refuseWithError(step: Step, err: unknown): void {
    if (step.call !== null) return this.answer(step, errorAnswer(step.call, err));
    if (isHttpError(err))
      return refuseUpgrade(step.socket, { status: err.status, message: err.message, headers: err.headers });
    logError(this.config.logger, 'a WebSocket upgrade handler failed; answering 500', err, logFields(step.req));
    refuseUpgrade(step.socket, { status: 500, message: 'Internal Server Error' });
  }

  /** A pipeline's refusal: the response hooks see it, then it goes out (a bad status or header: a 500). */
  private answer(step: Step, answer: Answer): void {
    runResponseHooks(step.call as UpgradeCall, answer, (final) => {
      try {
        refuseUpgradeWith(step.socket, final.status, final.headers, final.body);
      } catch (err) {
        logError(this.config.logger, 'cannot send the answer to a WebSocket upgrade', err);
        refuseUpgrade(step.socket, { status: 500, message: 'Internal Server Error' });
      }
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
      return { endpoint: this.hookEndpoint, params: NO_PARAMS };
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

  private accept(step: Step, result: WsUpgradeResult): void {
    const { req, socket, head } = step;
    const endpoint = step.endpoint as WsEndpoint;
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
    const data = result !== undefined && result !== null && typeof result === 'object' ? result.data : undefined;
    const open = (extra: string): void => {
      const net = socket as NetLike;
      if (typeof net.setNoDelay === 'function') net.setNoDelay(true);
      if (typeof net.setTimeout === 'function') net.setTimeout(0);
      const limits = endpoint.limits;
      const info = {
        // Kept for the connection's life: own copies, not slices pinning the raw head (compact-head.ts).
        url: keptUrl(req.url),
        remoteAddress: req.remoteAddress,
        ip: ownString(req.ip),
        id: ownString(req.id),
        params: req.params,
        headers: compactHeaders(req.headers),
        protocol: req.protocol,
        data,
      };
      const session = new WsSession(this.host.wsHub, endpoint.handlers, socket, limits, deflate, info);
      this.host.wsHub.addConnection(session, limits);
      upgradeAnswered(socket, 101);
      session.start(acceptResponse(step.key, extensions, req.protocol, extra), head);
    };
    const call = step.call;
    // settings.requestId: the id goes out on the 101 too (unless middleware set that header itself).
    const idLine = req.id === undefined || this.ids === undefined ? '' : `${this.ids.header}: ${req.id}\r\n`;
    if (call === null) return open(idLine);
    // The 101 with the headers middleware set; the response hooks see it (status 101) first.
    runResponseHooks(call, { status: 101, headers: call.res.headers, body: undefined }, (final) => {
      let extra: string;
      try {
        extra = headerLines(final.headers, true);
      } catch (err) {
        logError(this.config.logger, 'cannot send the 101 to a WebSocket upgrade', err);
        return refuseUpgrade(socket, { status: 500, message: 'Internal Server Error' });
      }
      if (gone(socket)) return void socket.destroy();
      const own = this.ids !== undefined && final.headers[this.ids.header] !== undefined;
      open(own ? extra : extra + idLine);
    });
  }
}

/** Where an upgrade stands: its request, socket, endpoint and key once checked, and the pipeline's call. */
interface Step {
  readonly call: UpgradeCall | null;
  readonly req: UpgradeHttpRequest;
  readonly socket: Duplex;
  readonly head: Buffer;
  endpoint: WsEndpoint | null;
  key: string;
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze(Object.create(null));

/** krozen's own log lines about an upgrade carry its request id (settings.requestId). */
function logFields(req: UpgradeHttpRequest): Record<string, unknown> | undefined {
  return req.id === undefined ? undefined : { reqId: req.id };
}

/** The client closed or the socket failed while user code ran. */
function gone(socket: Duplex): boolean {
  return socket.destroyed || !socket.readable || !socket.writable;
}
