// The WebSocket entry point for every HTTP transport (node:http today, krozen's own transport next):
//
//   upgrade.handleUpgrade(request: UpgradeRequest, socket: net.Socket | tls.TLSSocket | Duplex, head: Buffer): void
//
// `request` is the head of an HTTP request that asked to upgrade (method, url as sent, headers with
// lower-case names, remote address); `head` holds bytes read past the request head. From here on the
// socket belongs to the WebSocket layer: it is answered with 101 and becomes a connection, or gets a
// refusal (an HTTP status with a JSON error body) and is closed.
import type { Duplex } from 'node:stream';
import type { Hooks } from '../hooks';
import type { ResolvedSettings } from '../settings';
import { WebSocket, type ConnectionLimits } from './connection';
import { DEFAULT_CONCURRENCY, DEFAULT_THRESHOLD, Limiter, PerMessageDeflate, negotiateDeflate } from './deflate';
import { hookHandlers, type WsHandlers } from './handlers';
import { acceptResponse, checkUpgradeRequest, headerValue, refuseUpgrade } from './handshake';
import type { WsHub } from './hub';

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

type NetLike = Duplex & { setNoDelay?: (on: boolean) => void; setTimeout?: (ms: number) => void; remoteAddress?: string };

export class WsUpgrade {
  private readonly limits: ConnectionLimits;
  private readonly globalHandlers: WsHandlers;
  /** zlib operations in flight across this server's connections (made at the first deflate). */
  private limiter: Limiter | null = null;

  constructor(
    private readonly hub: WsHub,
    hooks: Hooks,
    private readonly config: ResolvedSettings,
  ) {
    this.limits = Object.freeze({
      maxPayload: config.wsMaxPayload,
      maxFragments: config.wsMaxFragments,
      closeTimeout: config.wsCloseTimeout,
      idleTimeout: config.wsIdleTimeout,
      maxBackpressure: config.wsMaxBackpressure,
      backpressurePolicy: config.wsBackpressurePolicy,
      maxQueuedBytes: config.wsMaxQueuedBytes,
    });
    this.globalHandlers = hookHandlers(hooks);
  }

  /** Answers an upgrade request on `socket`: 101 and a connection, or a refusal. */
  handleUpgrade(request: UpgradeRequest, socket: Duplex, head: Buffer): void {
    const config = this.config;
    const url = request.url;
    const q = url.indexOf('?');
    const pathname = q === -1 ? url : url.slice(0, q);
    if (pathname !== config.wsPath) {
      refuseUpgrade(socket, { status: 404, message: 'Not Found' });
      return;
    }
    const checked = checkUpgradeRequest(request);
    if (!('key' in checked)) {
      refuseUpgrade(socket, checked);
      return;
    }
    if (!socket.readable || !socket.writable) {
      socket.destroy();
      return;
    }
    let deflate: PerMessageDeflate | null = null;
    let extensions: string | undefined;
    const pmd = config.wsPerMessageDeflate;
    if (pmd !== false) {
      const options = pmd === true ? {} : pmd;
      const agreed = negotiateDeflate(headerValue(request.headers['sec-websocket-extensions']), options);
      if (agreed !== null) {
        if (this.limiter === null) this.limiter = new Limiter(options.concurrencyLimit ?? DEFAULT_CONCURRENCY);
        deflate = new PerMessageDeflate(agreed.params, this.limiter, options.threshold ?? DEFAULT_THRESHOLD);
        extensions = agreed.response;
      }
    }
    const net = socket as NetLike;
    if (typeof net.setNoDelay === 'function') net.setNoDelay(true);
    if (typeof net.setTimeout === 'function') net.setTimeout(0);
    const limits = this.limits;
    const remoteAddress = request.remoteAddress ?? net.remoteAddress;
    const ws = new WebSocket(this.hub, this.globalHandlers, socket, limits, deflate, remoteAddress, url);
    this.hub.addConnection(ws, limits.idleTimeout);
    ws.start(acceptResponse(checked.key, extensions), head);
  }
}
