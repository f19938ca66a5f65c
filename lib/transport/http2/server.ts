// The HTTP/2 transport (settings.http2), on node:http2. Each stream reaches the pipeline as an
// Http2Exchange (./exchange.ts). With settings.tls the server is http2.createSecureServer with allowHTTP1:
// ALPN offers h2 then http/1.1 on the one port, and HTTP/1.1 requests and WebSocket upgrades go through the
// node:http transport's own handling (NodeTransport runs on this server instead of an https one). Without
// TLS ('h2c') the server speaks HTTP/2 by prior knowledge only.
import * as http from 'node:http';
import * as http2 from 'node:http2';
import type { Socket } from 'node:net';
import type { Settings } from '../../settings/index';
import { HTTP2_ALPN } from '../../settings/http2';
import { handshakeTimeout, type TlsSettings } from '../../settings/tls';
import type { SecureContextOptions, TLSSocket } from 'node:tls';
import { ErrorCode, KrozenError } from '../../base/errors';
import { listenerFault } from '../../base/listener-guard';
import { NodeTransport } from '../node/server';
import { SendWatch } from '../node/send-watch';
import { lingerOnClose } from '../node/lingering-close';
import { ConnectionLimit } from '../connection-limit';
import { listenOn } from '../listen';
import type { RequestHandler, TransportHandlers, TransportServer } from '../types';
import { Http2Exchange } from './exchange';
import { Http2Sessions } from './sessions';

/** node:http2's session options from the settings: the limits of docs/production.md, "HTTP/2". */
export function http2Options(s: Settings): http2.ServerOptions {
  return {
    settings: {
      maxConcurrentStreams: s.http2MaxConcurrentStreams,
      maxHeaderListSize: s.maxHeaderSize,
      enablePush: false,
    },
    // The pseudo-headers (:method, :path, :scheme, :authority) come on top of the fields.
    maxHeaderListPairs: s.maxHeaderCount + 4,
    // Floods: streams refused past maxConcurrentStreams and malformed frames end the session past these
    // counts (GOAWAY); nghttp2 ends one whose PING / SETTINGS acknowledgements pile up unread (1000 queued).
    maxSessionRejectedStreams: 100,
    maxSessionInvalidFrames: 100,
    maxOutstandingPings: 10,
  };
}

export class Http2Transport implements TransportServer {
  readonly server: http2.Http2Server | http2.Http2SecureServer;
  /** With TLS: the node:http transport serving the HTTP/1.1 connections of the same server. */
  private readonly http1: NodeTransport | undefined;
  private readonly sessions: Http2Sessions;
  /** h2c only (with TLS the node transport tracks the sockets). */
  private readonly sockets = new Set<Socket>();
  private readonly sendWatch: SendWatch | undefined;

  constructor(settings: Settings, handlers: TransportHandlers) {
    const s = settings;
    this.sessions = new Http2Sessions(s.keepAliveTimeout);
    if (s.tls !== undefined) {
      this.http1 = new NodeTransport(s, handlers, (options, tls, headersTimeout, listener) =>
        createSecureServer(s, options, tls as TlsSettings, headersTimeout, listener),
      );
      this.server = this.http1.server as unknown as http2.Http2SecureServer;
    } else {
      const server = http2.createServer(http2Options(s));
      this.sendWatch = new SendWatch(s.sendTimeout);
      this.limitConnections(server, new ConnectionLimit(s.maxConnections), this.sendWatch);
      this.server = server;
    }
    const sessions = this.sessions;
    this.server.on('session', (session: http2.ServerHttp2Session) => sessions.add(session));
    this.server.on('stream', streamListener(handlers.request, sessions, s.requestTimeout));
  }

  /** settings.tls: the context for new connections (h2 and HTTP/1.1 share the one TLS server). */
  setSecureContext(options: SecureContextOptions): void {
    if (this.http1 === undefined)
      throw new KrozenError(ErrorCode.UNSUPPORTED, "setSecureContext needs settings.tls: h2c ('h2c') is not TLS");
    this.http1.setSecureContext(options);
  }

  get openConnections(): number {
    return this.http1 !== undefined ? (this.http1.openConnections ?? 0) : this.sockets.size;
  }

  listen(port: number, host: string, backlog: number, reusePort = false): Promise<number> {
    return listenOn(this.server, port, host, backlog, reusePort);
  }

  close(): Promise<void> {
    this.sessions.closeAll();
    if (this.http1 !== undefined) return this.http1.close();
    return new Promise<void>((resolve) => this.server.close(() => resolve())).finally(() => this.sendWatch?.stop());
  }

  destroyConnections(): void {
    this.sessions.destroyAll();
    if (this.http1 !== undefined) this.http1.destroyConnections();
    for (const socket of this.sockets) socket.destroy();
  }

  /** settings.maxConnections and sendTimeout for h2c: node:http2's own listener runs only for admitted sockets. */
  private limitConnections(server: http2.Http2Server, limit: ConnectionLimit, sendWatch: SendWatch): void {
    const http2Listener = server.listeners('connection')[0] as (socket: Socket) => void;
    server.removeListener('connection', http2Listener);
    server.on('connection', (socket: Socket) => {
      try {
        if (!limit.admit(socket)) return;
        this.sockets.add(socket);
        sendWatch.add(socket);
        lingerOnClose(socket);
        socket.once('close', () => {
          this.sockets.delete(socket);
          sendWatch.delete(socket);
        });
      } catch (err) {
        listenerFault('connection', err, socket);
        return;
      }
      http2Listener.call(server, socket);
    });
  }
}

/** The 'stream' listener: one Http2Exchange per stream, run through the pipeline. */
function streamListener(
  request: RequestHandler,
  sessions: Http2Sessions,
  requestTimeout: number,
): (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void {
  return (stream, headers) => {
    // A stream 'error' with no listener would end the process; the stream is already being torn down.
    stream.on('error', ignore);
    try {
      sessions.opened(stream);
      const exchange = new Http2Exchange(stream, headers, requestTimeout);
      request(exchange, exchange);
    } catch (err) {
      listenerFault('request', err, stream);
    }
  };
}

/**
 * node:http2's TLS server, serving HTTP/1.1 too (allowHTTP1) for NodeTransport: the node:http options it
 * passes become the same properties node:http reads on its own server.
 */
function createSecureServer(
  s: Settings,
  options: http.ServerOptions,
  tls: TlsSettings,
  headersTimeout: number,
  listener: http.RequestListener,
): http.Server {
  const server = http2.createSecureServer({
    ...tls,
    handshakeTimeout: handshakeTimeout(tls, headersTimeout),
    ...http2Options(s),
    ALPNProtocols: tls.ALPNProtocols ?? [...HTTP2_ALPN],
    allowHTTP1: true,
    Http1IncomingMessage: options.IncomingMessage as typeof http.IncomingMessage,
  });
  // A failed or timed-out handshake ends that connection (tls.Server only reports it), as on the other transports.
  server.on('tlsClientError', (_err: Error, socket: TLSSocket) => socket.destroy());
  const h1 = server as unknown as Record<string, unknown>;
  for (const name of [
    'headersTimeout',
    'requestTimeout',
    'keepAliveTimeout',
    'connectionsCheckingInterval',
    'maxHeaderSize',
    'requireHostHeader',
  ] as const)
    if (options[name] !== undefined) h1[name] = options[name];
  // Adding the 'request' listener makes node:http2 route HTTP/2 streams to it too, through its compat
  // layer; streams are this transport's (the 'stream' listener above), so that routing is taken off again.
  server.on('request', listener as (req: unknown, res: unknown) => void);
  server.removeAllListeners('stream');
  return server as unknown as http.Server;
}

function ignore(): void {}
