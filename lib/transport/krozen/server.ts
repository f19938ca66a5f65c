// krozen's own HTTP/1.1 transport on `net` sockets, or TLS ones with settings.tls (tls-listener.ts): accepts connections
// (under settings.maxConnections), runs one timeout sweep for all of them (timeouts.ts), hands upgrade
// requests over with their socket, and stops gracefully.
import * as net from 'node:net';
import type * as tls from 'node:tls';
import type { Settings } from '../../settings/index';
import { ConnectionLimit } from '../connection-limit';
import { listenOn } from '../listen';
import type { RequestHandler, TransportHandlers, TransportServer, UpgradeHead } from '../types';
import { Connection, type HttpConnectionLimits, type ConnectionOwner } from './connection';
import { startSweep } from './timeouts';
import type { KrozenExchange } from './exchange';
import { keepAliveLines } from './writer';
import { startDirectRead } from '../direct-read';
import { listenerFault } from '../../base/listener-guard';
import { createTlsListener } from './tls-listener';
import type { FdWriter, RawSocket, TakeoverHost } from '../raw-socket';
import { allowTakeover, openRawSocket } from '../raw-takeover';
import { acceptOnHandles } from '../raw-accept';
import type { HttpSocket } from '../http-socket';
import type { TcpHandle } from '../tcp-handle';
import { fdWriter } from './direct-write';

/** Requests parsed ahead of their responses on one connection (pipelining) before reading stops. */
export const MAX_PIPELINED = 16;

/** @internal The socket's HTTP connection (null once upgraded). */
export const CONNECTION = Symbol('krozen.connection');
type Tracked = net.Socket & { [CONNECTION]: Connection | null; server: { [TRANSPORT]: KrozenTransport } };
/** The listener's transport, for the socket listeners shared by every connection (socket.server is its listener). */
const TRANSPORT = Symbol('krozen.transport');

export class KrozenTransport implements TransportServer, ConnectionOwner, TakeoverHost {
  readonly server: net.Server;
  readonly handler: RequestHandler;
  readonly limits: HttpConnectionLimits;
  closing = false;
  private readonly connections = new Set<Connection>();
  private readonly sockets = new Set<net.Socket>();
  /**
   * Connections driven through their handles (raw-socket.ts): accepted so (raw-accept.ts) or taken over by a
   * WebSocket; counted until they close, closed at shutdown.
   */
  private readonly raws = new Set<RawSocket>();
  private rawsGone: (() => void) | null = null;
  private readonly limit: ConnectionLimit;
  private readonly settings: Settings;
  private readonly onUpgrade: TransportHandlers['upgrade'];
  private sweeper: NodeJS.Timeout | undefined;

  constructor(settings: Settings, handlers: TransportHandlers) {
    this.settings = settings;
    this.handler = handlers.request;
    this.onUpgrade = handlers.upgrade;
    this.limits = {
      maxHeaderSize: settings.maxHeaderSize,
      maxHeaderCount: settings.maxHeaderCount,
      maxUrlLength: settings.maxUrlLength,
      maxPipelined: MAX_PIPELINED,
      maxBackpressure: settings.httpMaxBackpressure,
      keepAliveLines: keepAliveLines(settings.keepAliveTimeout),
    };
    this.limit = new ConnectionLimit(settings.maxConnections);
    this.server =
      settings.tls === undefined
        ? net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
            if (this.limit.admit(socket, true)) this.accept(socket);
          })
        : createTlsListener(
            settings,
            (raw) => this.admitTls(raw),
            (socket) => this.accept(socket),
          );
    (this.server as unknown as Tracked['server'])[TRANSPORT] = this;
  }

  /** A TCP connection to the TLS listener, counted from before its handshake (destroyed with the rest). */
  private admitTls(raw: net.Socket): boolean {
    if (!this.limit.admitSilently(raw)) return false;
    this.sockets.add(raw);
    raw.once('close', () => this.sockets.delete(raw));
    if (this.closing) raw.destroy();
    return !this.closing;
  }

  /** settings.tls: new connections get `options` (a renewed certificate); open ones keep theirs. */
  setSecureContext(options: tls.SecureContextOptions): void {
    (this.server as tls.Server).setSecureContext(options);
  }

  async listen(port: number, host: string, backlog: number, reusePort = false): Promise<number> {
    const bound = await listenOn(this.server, port, host, backlog, reusePort);
    // Plain TCP: new connections run on their handles, without a net.Socket (the listener's own 'connection'
    // listener, accept() below, is the one the transport counts as its own).
    if (this.settings.tls === undefined) acceptOnHandles(this.server, (h, owner) => this.acceptHandle(h, owner), 1);
    // One timer for every connection's deadlines (as node:http's connectionsCheckingInterval).
    this.sweeper = startSweep(this.settings, this.connections);
    return bound;
  }

  /** An admitted connection (over TLS: its handshake done), read through its stream path or directly. */
  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    const conn = new Connection(socket, this, Date.now());
    (socket as Tracked)[CONNECTION] = conn;
    this.connections.add(conn);
    socket.on('data', onSocketData);
    socket.on('end', onSocketEnd);
    socket.on('drain', onSocketDrain);
    socket.on('error', onSocketError);
    // Over TLS the raw TCP socket is the one counted (admitTls).
    socket.on('close', this.settings.tls === undefined ? onSocketClose : onTlsSocketClose);
    // Reads land in one shared buffer instead of a fresh allocation per read (see lib/transport/direct-read.ts);
    // never on a TLSSocket (its handle reads ciphertext): startDirectRead refuses one.
    startDirectRead(socket, conn);
    if (this.closing) conn.destroy();
  }

  /** A connection on its handle (raw-accept.ts); false leaves it to Node's callback and accept() (503, a stop). */
  private acceptHandle(handle: TcpHandle, ownerSymbol: symbol): boolean {
    if (this.closing || !this.limit.admitCounted()) return false;
    const raw = openRawSocket(handle, this, ownerSymbol);
    if (raw === null) {
      this.limit.closed();
      return false;
    }
    if (typeof handle.setNoDelay === 'function') handle.setNoDelay(true);
    const conn = new Connection(raw, this, Date.now());
    this.connections.add(conn);
    this.raws.add(raw);
    if (!raw.start(conn)) raw.destroy();
    return true;
  }

  get openConnections(): number {
    return this.limit.count;
  }

  /** The socket of an accepted connection closed (`counted`: under maxConnections by this socket). */
  socketClosed(socket: Tracked, counted: boolean): void {
    this.sockets.delete(socket);
    if (counted) this.limit.closed();
    // Read from the socket, not captured: after an upgrade the socket no longer holds its HTTP connection,
    // which would otherwise stay alive as long as the WebSocket (~0.7 KB each, npm run bench -- ws-idle).
    const current = socket[CONNECTION];
    if (current === null) return;
    this.release(current);
    try {
      current.closed();
    } catch (err) {
      listenerFault('krozen connection close', err);
    }
  }

  release(conn: Connection): void {
    this.connections.delete(conn);
  }

  upgrade(ex: KrozenExchange, socket: HttpSocket, rest: Buffer): void {
    // The WebSocket layer owns the socket from here: the HTTP connection (already released) is let go. A
    // RawSocket (paused by the hand-off) becomes its session's at once; a net.Socket loses our listeners.
    if (socket instanceof net.Socket) {
      (socket as Tracked)[CONNECTION] = null;
      socket.off('data', onSocketData);
      socket.off('end', onSocketEnd);
      socket.off('drain', onSocketDrain);
      // Plain TCP: the WebSocket layer may drive the handle itself (takenOver below).
      if (this.settings.tls === undefined) allowTakeover(socket, this);
      // As node:http leaves it: the next 'data' listener starts the flow again.
      (socket as { readableFlowing: boolean | null }).readableFlowing = null;
    }
    const req: UpgradeHead = {
      method: ex.method,
      url: ex.url,
      headers: ex.headers,
      httpVersion: ex.httpVersion,
      httpVersionMajor: 1,
      httpVersionMinor: ex.head.minor,
      remoteAddress: ex.remoteAddress,
    };
    try {
      this.onUpgrade(req, socket as unknown as net.Socket, rest);
    } catch (err) {
      listenerFault('krozen upgrade', err, socket);
    }
  }

  /** The net.Socket let go (its handle is `raw`'s now): `raw` is counted instead, until rawClosed. */
  takenOver(socket: net.Socket, raw: RawSocket): void {
    this.sockets.delete(socket);
    this.raws.add(raw);
  }

  fdWriter(): FdWriter | null {
    return fdWriter();
  }

  rawClosed(raw: RawSocket): void {
    if (!this.raws.delete(raw)) return;
    this.limit.closed();
    if (this.raws.size === 0 && this.rawsGone !== null) this.rawsGone();
  }

  close(): Promise<void> {
    this.closing = true;
    const listener = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // A taken-over connection left net.Server's count: it is waited for here, as the server waits for sockets.
    const raws = this.raws.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.rawsGone = resolve));
    for (const conn of this.connections) conn.closeIfIdle();
    return Promise.all([listener, raws])
      .then(() => undefined)
      .finally(() => clearInterval(this.sweeper));
  }

  destroyConnections(): void {
    for (const socket of this.sockets) socket.destroy();
    for (const raw of this.raws) raw.destroy();
  }
}

// Socket listeners shared by every connection (`this` is the socket). A fault in one connection is logged
// and ends that connection, never the process. An upgrade removes them before it clears CONNECTION.
function onSocketData(this: Tracked, chunk: Buffer): void {
  const conn = this[CONNECTION] as Connection;
  try {
    conn.data(chunk);
  } catch (err) {
    fault(conn, err);
  }
}

function onSocketEnd(this: Tracked): void {
  const conn = this[CONNECTION] as Connection;
  try {
    conn.peerEnd();
  } catch (err) {
    fault(conn, err);
  }
}

function onSocketDrain(this: Tracked): void {
  const conn = this[CONNECTION] as Connection;
  try {
    conn.drained();
  } catch (err) {
    fault(conn, err);
  }
}

// socket.server is the listener (net.Server or tls.Server) that accepted it.
function onSocketClose(this: Tracked): void {
  this.server[TRANSPORT].socketClosed(this, true);
}

function onTlsSocketClose(this: Tracked): void {
  this.server[TRANSPORT].socketClosed(this, false);
}

function onSocketError(this: Tracked): void {
  // 'close' follows; ECONNRESET and EPIPE are the client's business.
}

function fault(conn: Connection, err: unknown): void {
  conn.destroy();
  listenerFault('krozen connection', err, conn.socket);
}
