// The node:http transport: llhttp parses, node:http frames; each request reaches the pipeline through a
// NodeExchange, which is both its TransportRequest and its ResponseSink (see ./types.ts).
import * as http from 'node:http';
import type * as https from 'node:https';
import type { Socket } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import { pipeline, type Duplex, type Readable } from 'node:stream';
import type { Settings } from '../../settings/index';
import { listenerFault } from '../../base/listener-guard';
import { isClosing, markClosing, onClientError } from './client-error';
import { inFlightResponse } from '../../base/node-internals';
import { NodeIncomingMessage, requestEndsConnection } from './incoming';
import { createNodeServer, type NodeServerFactory } from './tls-server';
import { ConnectionLimit } from '../connection-limit';
import { listenOn } from '../listen';
import { admitResponse } from './response-backlog';
import { SendWatch } from './send-watch';
import { ChunkBudget } from './chunk-budget';
import { lingerOnClose } from './lingering-close';
import type {
  BodyReceiver,
  OutgoingHeaders,
  RawRequest,
  RequestHandler,
  ResponseSink,
  TransportHandlers,
  TransportRequest,
  TransportServer,
} from '../types';
import { logError, fallbackLogger } from '../../base/logger';

const RECEIVER = Symbol('krozen.bodyReceiver');
const BUDGET = Symbol('krozen.chunkBudget');
type Receiving = http.IncomingMessage & { [RECEIVER]: BodyReceiver; [BUDGET]: ChunkBudget | undefined };

/** One node:http request/response pair, as the pipeline sees it. */
export class NodeExchange implements TransportRequest, ResponseSink {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly hasBody: boolean;

  constructor(
    readonly req: http.IncomingMessage,
    readonly res: http.ServerResponse,
    /** settings.httpMaxBackpressure (response-backlog.ts); 0 = no cap. */
    private readonly maxBacklog = 0,
  ) {
    this.method = req.method as string;
    this.url = req.url as string;
    const headers = req.headers;
    this.headers = headers;
    const length = headers['content-length'];
    this.hasBody = headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  }

  get httpVersion(): string {
    return this.req.httpVersion;
  }

  get remoteAddress(): string | undefined {
    const socket = this.req.socket as Socket | null;
    return socket === null ? undefined : socket.remoteAddress;
  }

  readBody(receiver: BodyReceiver): void {
    const req = this.req as Receiving;
    req[RECEIVER] = receiver;
    // A chunked body's extensions are bounded per body (chunk-budget.ts); a sized one needs no check.
    req[BUDGET] =
      req.headers['transfer-encoding'] !== undefined && req.socket !== null ? new ChunkBudget(req.socket) : undefined;
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  }

  bodyStream(): RawRequest {
    return this.req;
  }

  get headersSent(): boolean {
    return this.res.headersSent;
  }

  end(status: number, headers: OutgoingHeaders, body: string | Uint8Array | null): void {
    const res = this.res;
    if (this.maxBacklog !== 0 && body !== null) {
      // A string's UTF-16 length: a cheap lower bound of its bytes.
      if (!admitResponse(this.req, res, body.length, this.maxBacklog)) return;
    }
    // The pipeline closes the connection with this answer: requests parsed behind it are not run.
    if (headers.connection === 'close') markClosing(this.req.socket);
    res.writeHead(status, headers as http.OutgoingHttpHeaders);
    // node:http drops the body itself for HEAD, 204 and 304.
    if (body === null) res.end();
    else res.end(body);
  }

  stream(status: number, headers: OutgoingHeaders, body: Readable): void {
    const res = this.res;
    if (headers.connection === 'close') markClosing(this.req.socket);
    res.writeHead(status, headers as http.OutgoingHttpHeaders);
    if (status === 204 || status === 304) {
      body.destroy();
      res.end();
      return;
    }
    pipeline(body, res, onStreamDone);
  }

  destroy(): void {
    this.res.destroy();
  }
}

// Listeners shared by every request: `this` is the request they were added to. They run inside Node's
// event emission, where a throw would end the process: a fault ends this request's connection only.
function onData(this: Receiving, chunk: Buffer): void {
  try {
    const budget = this[BUDGET];
    if (budget !== undefined && !budget.take(chunk.length)) {
      this[BUDGET] = undefined;
      this.off('data', onData);
      this[RECEIVER].abort('Payload Too Large: chunk extensions outweigh the data', 413);
      return;
    }
    this[RECEIVER].data(chunk);
  } catch (err) {
    listenerFault('request body', err, this.socket);
  }
}

function onEnd(this: Receiving): void {
  try {
    this[RECEIVER].end();
  } catch (err) {
    listenerFault('request body', err, this.socket);
  }
}

function onError(this: Receiving, err: Error): void {
  try {
    this[RECEIVER].abort(`Bad request body: ${err.message}`);
  } catch (fault) {
    listenerFault('request body', fault, this.socket);
  }
}

function onAborted(this: Receiving): void {
  try {
    this[RECEIVER].abort('Request aborted');
  } catch (err) {
    listenerFault('request body', err, this.socket);
  }
}

function onStreamDone(err: NodeJS.ErrnoException | null): void {
  // pipeline() has already destroyed both ends; a client that went away is not worth a log line.
  if (err && err.code !== 'ERR_STREAM_PREMATURE_CLOSE') logError(fallbackLogger(), 'response stream failed', err);
}

/** Runs `handler` for a node:http request (also what bench/http-overhead.mjs drives without a socket). */
export function handleNodeRequest(
  handler: RequestHandler,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  maxBacklog = 0,
): void {
  const exchange = new NodeExchange(req, res, maxBacklog);
  handler(exchange, exchange);
}

/** node:http as a TransportServer. */
export class NodeTransport implements TransportServer {
  readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  /** settings.sendTimeout: connections whose response bytes stopped moving (send-watch.ts). */
  private readonly sendWatch: SendWatch;
  private closing = false;

  /** `create`: the server to run on (the HTTP/2 transport passes node:http2's, which serves HTTP/1.1 too). */
  constructor(settings: Settings, handlers: TransportHandlers, create: NodeServerFactory = createNodeServer) {
    const s = settings;
    // node:http wants headersTimeout <= requestTimeout (0 = no request timeout).
    const headersTimeout = s.requestTimeout > 0 ? Math.min(s.headersTimeout, s.requestTimeout) : s.headersTimeout;
    const request = handlers.request;
    const maxBacklog = s.httpMaxBackpressure;
    const sendWatch = new SendWatch(s.sendTimeout);
    const secure = s.tls !== undefined;
    this.sendWatch = sendWatch;
    const server = create(
      {
        headersTimeout,
        requestTimeout: s.requestTimeout,
        keepAliveTimeout: s.keepAliveTimeout,
        // How often node:http checks the two timeouts above: often enough for short test timeouts.
        connectionsCheckingInterval: Math.max(
          100,
          Math.min(1000, Math.floor(Math.min(headersTimeout || 1000, s.requestTimeout || 1000) / 2)),
        ),
        maxHeaderSize: s.maxHeaderSize,
        // Host is checked below, to answer with the same JSON error as every other refusal.
        requireHostHeader: false,
        // Only WebSocket upgrades reach the 'upgrade' listener; any other is a request like the rest.
        IncomingMessage: NodeIncomingMessage,
      } as http.ServerOptions,
      s.tls,
      headersTimeout,
      (req, res) => {
        // Every listener here runs inside node:http's event emission: a throw would end the process, so a
        // fault ends that connection only (listener-guard.ts).
        try {
          // node:http parses every request of a chunk in one go, even after the connection was destroyed (by
          // httpMaxBackpressure, say): 2,000 pipelined GETs would all run their handlers for nobody. Destroyed
          // now, each skips the 'aborted' error (and its stack trace) node:http makes for it at the close
          // (a third less CPU for such a flood; the parsing itself cannot be stopped from here).
          if (req.socket.destroyed) {
            req.destroy();
            return;
          }
          // Likewise behind an answer that closes the connection (a 413, say): it would run for nobody. Its
          // body, if any, is dropped; the connection ends once that answer is out.
          if (isClosing(req.socket)) {
            req.resume();
            return;
          }
          // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 request means faulty framing: answer it, then close
          // (llhttp would keep the connection for whatever bytes follow).
          // A refused upgrade (incoming.ts): llhttp parses nothing after it, so the connection ends.
          if (
            this.closing ||
            (req.httpVersionMinor === 0 && req.headers['transfer-encoding'] !== undefined) ||
            requestEndsConnection(req)
          ) {
            res.shouldKeepAlive = false;
          }
          // Bytes behind a request whose answer closes the connection are not answered (client-error.ts).
          if (!res.shouldKeepAlive) markClosing(req.socket);
          if (req.httpVersionMinor === 1 && !hasOneHost(req)) {
            refuseBadRequest(res);
            return;
          }
          handleNodeRequest(request, req, res, maxBacklog);
        } catch (err) {
          listenerFault('request', err, req.socket);
        }
      },
    );
    server.keepAliveTimeout = s.keepAliveTimeout;
    // A client that half-closes after its request still gets the answer (node:http's default drops the
    // requests in progress and ends the socket at once); the connection ends after the last answer.
    (server as http.Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
    // sendTimeout watches the socket responses are written to: over TLS that is the TLS socket (the TCP
    // one under it only carries what TLS already took).
    const watchSends = (socket: Socket): void => {
      sendWatch.add(socket);
      socket.once('close', () => sendWatch.delete(socket));
    };
    if (secure) server.on('secureConnection', watchSends);
    // settings.maxConnections: node:http's own connection listener runs only for admitted sockets.
    const limit = new ConnectionLimit(s.maxConnections);
    const nodeListener = server.listeners('connection')[0] as (socket: Socket) => void;
    server.removeListener('connection', nodeListener);
    server.on('connection', (socket: Socket) => {
      try {
        // Over TLS a plaintext 503 would be noise to the client: refused there without an answer.
        if (!(secure ? limit.admitSilently(socket) : limit.admit(socket))) return;
        this.sockets.add(socket);
        if (!secure) watchSends(socket);
        lingerOnClose(socket);
        socket.once('close', () => this.sockets.delete(socket));
      } catch (err) {
        listenerFault('connection', err, socket);
        return;
      }
      nodeListener.call(server, socket);
    });
    server.on('clientError', onClientError);
    const upgrade = handlers.upgrade;
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      // node:http took its own 'error' listener off this socket: an error with none ends the process.
      socket.on('error', destroyOnError);
      // A pipelined upgrade behind requests still being answered: its 101 goes out after their answers
      // (still under sendTimeout until then: a client that never reads them must not hold the socket).
      afterAnswers(socket, () => {
        sendWatch.delete(socket as Socket);
        try {
          upgrade(req, socket, head);
        } catch (err) {
          listenerFault('upgrade', err, socket);
        }
      });
    });
    this.server = server;
  }

  get openConnections(): number {
    return this.sockets.size;
  }

  listen(port: number, host: string, backlog: number, reusePort = false): Promise<number> {
    return listenOn(this.server, port, host, backlog, reusePort);
  }

  /** settings.tls: the https server's context for new connections. */
  setSecureContext(options: SecureContextOptions): void {
    (this.server as unknown as https.Server).setSecureContext(options);
  }

  close(): Promise<void> {
    const server = this.server;
    this.closing = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Connections whose last request finishes after close() become idle: close those as they do.
    const sweeper = setInterval(() => server.closeIdleConnections(), 25);
    return closed.finally(() => {
      clearInterval(sweeper);
      this.sendWatch.stop();
    });
  }

  destroyConnections(): void {
    for (const socket of this.sockets) socket.destroy();
    // node:http2's server (serving HTTP/1.1 too) has no closeAllConnections: the sockets above are all of them.
    this.server.closeAllConnections?.();
  }
}

/**
 * Runs `then` once every response node:http has on `socket` has finished (at once when none). node:http
 * emits 'upgrade' as soon as the head is parsed, while answers to the requests before it may still be in
 * progress or queued. Its own 'finish' listener (the first) detaches the finished answer and attaches the
 * next queued one, so an answer still attached has not had its 'finish' yet, even when writableFinished
 * already says true (that getter only sees that the bytes left it): each round waits on the current one.
 */
function afterAnswers(socket: Duplex, then: () => void): void {
  if (socket.destroyed) return;
  const res = inFlightResponse(socket);
  if (res === null) {
    // node:http arms its keep-alive timer when the last answer finishes; that is not the upgraded protocol's.
    (socket as Socket).setTimeout?.(0);
    then();
    return;
  }
  const next = (): void => {
    res.off('close', next);
    res.off('finish', next);
    try {
      afterAnswers(socket, then);
    } catch (err) {
      listenerFault('upgrade', err, socket);
    }
  };
  res.once('finish', next);
  res.once('close', next);
}

function destroyOnError(this: Duplex): void {
  this.destroy();
}

/** RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host (llhttp does not check; node:http keeps the first). */
function hasOneHost(req: http.IncomingMessage): boolean {
  if (req.headers.host === undefined) return false;
  const raw = req.rawHeaders;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === 4 && name.toLowerCase() === 'host') count++;
  }
  return count === 1;
}

const BAD_REQUEST_BODY = JSON.stringify({ error: 'Bad Request' });

function refuseBadRequest(res: http.ServerResponse): void {
  res.shouldKeepAlive = false;
  res.writeHead(400, {
    'content-type': 'application/json',
    'content-length': BAD_REQUEST_BODY.length,
    connection: 'close',
  });
  res.end(BAD_REQUEST_BODY);
}
