// Server: runs an App on node:http (HTTP and WebSocket on one port), or on N cluster workers when
// settings.workers > 1. stop() is graceful: stop accepting, close WebSockets with 1001, let in-flight
// requests finish within settings.shutdownTimeout, then destroy what is left.
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { app as globalApp, type App } from './app';
import { handleRequest } from './http/pipeline';
import type { Plugin } from './plugin';
import { ClusterPrimary, isClusterWorker, wireClusterWorker } from './cluster';

export interface RunOptions {
  /** Plugins to install (app.plugin(p)) before listening. */
  plugins?: Plugin[];
}

/** The context of `server:start` and `server:stop` hooks. */
export interface ServerHookContext {
  server: Server;
}

export class Server {
  readonly app: App;
  /** The node:http server (undefined in a cluster primary, which does not serve requests itself). */
  http: http.Server | undefined;
  private primary: ClusterPrimary | undefined;
  private boundPort: number | undefined;
  private readonly sockets = new Set<Socket>();
  private closing = false;
  private running = false;
  private stopping: Promise<void> | undefined;
  private static last: Server | undefined;

  constructor(app: App = globalApp) {
    this.app = app;
  }

  /** The bound port (useful with port 0), once run() resolved. */
  get port(): number {
    if (this.boundPort === undefined) throw new Error('The server is not listening: await server.run() first');
    return this.boundPort;
  }

  /** Runs the global app (pykrozen's Server.run()). */
  static run(options?: RunOptions): Promise<Server> {
    const server = new Server(globalApp);
    Server.last = server;
    return server.run(options);
  }

  /** Stops the server started by the static Server.run(). */
  static stop(): Promise<void> {
    return Server.last === undefined ? Promise.resolve() : Server.last.stop();
  }

  async run(options: RunOptions = {}): Promise<this> {
    if (this.running) throw new Error('This server is already running');
    this.running = true;
    const app = this.app;
    for (const p of options.plugins ?? []) app.plugin(p);
    const settings = app.settings;

    if (settings.workers > 1 && !isClusterWorker()) {
      this.primary = new ClusterPrimary(settings);
      this.boundPort = await this.primary.start();
      installSignalHandlers(this);
      if (settings.debug) console.log(`krozen: ${settings.workers} workers on http://${settings.host}:${this.boundPort}`);
      await app.hooks.run<ServerHookContext>('server:start', { server: this });
      return this;
    }

    const server = this.createHttpServer();
    this.http = server;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      server.once('error', onError);
      server.listen({ port: settings.port, host: settings.host, backlog: settings.backlog }, () => {
        server.off('error', onError);
        resolve();
      });
    });
    this.boundPort = (server.address() as AddressInfo).port;
    installSignalHandlers(this);
    if (isClusterWorker()) {
      wireClusterWorker(this);
      if (settings.debug) console.log(`krozen: worker ${process.pid} listening on http://${settings.host}:${this.boundPort}`);
      return this; // server:start fires once, in the primary
    }
    if (settings.debug) {
      console.log(`krozen: listening on http://${settings.host}:${this.boundPort} (WebSocket: ws://${settings.host}:${this.boundPort}${settings.wsPath})`);
    }
    await app.hooks.run<ServerHookContext>('server:start', { server: this });
    return this;
  }

  private createHttpServer(): http.Server {
    const app = this.app;
    const s = app.settings;
    // node:http wants headersTimeout <= requestTimeout (0 = no request timeout).
    const headersTimeout = s.requestTimeout > 0 ? Math.min(s.headersTimeout, s.requestTimeout) : s.headersTimeout;
    const server = http.createServer({
      headersTimeout,
      requestTimeout: s.requestTimeout,
      keepAliveTimeout: s.keepAliveTimeout,
      // How often node:http checks the two timeouts above: often enough for short test timeouts.
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(Math.min(headersTimeout || 1000, s.requestTimeout || 1000) / 2))),
    } as http.ServerOptions, (req, res) => {
      if (this.closing) res.shouldKeepAlive = false;
      handleRequest(app, req, res);
    });
    server.keepAliveTimeout = s.keepAliveTimeout;
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('clientError', onClientError);
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      if (this.closing) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      app.ws.handleUpgrade(req, socket, head);
    });
    return server;
  }

  /** Graceful stop (idempotent): resolves when every connection is closed and server:stop hooks ran. */
  stop(): Promise<void> {
    if (this.stopping === undefined) this.stopping = this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    removeSignalHandlers(this);
    const app = this.app;
    if (this.primary !== undefined) {
      await this.primary.stop(app.settings.shutdownTimeout);
      await app.hooks.run<ServerHookContext>('server:stop', { server: this });
      return;
    }
    const server = this.http;
    if (server === undefined) return; // never started
    this.closing = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const deadline = app.settings.shutdownTimeout;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), deadline);
    });
    // Connections whose last request finishes after close() become idle: close those as they do.
    const sweeper = setInterval(() => server.closeIdleConnections(), 25);
    try {
      if (app.hasWsHub) await Promise.race([app.ws.closeAll(1001), expired]);
      const outcome = await Promise.race([closed, expired]);
      if (outcome === 'expired') {
        for (const socket of this.sockets) socket.destroy();
        server.closeAllConnections();
        await closed;
      }
    } finally {
      clearInterval(sweeper);
      clearTimeout(timer);
    }
    if (!isClusterWorker()) await app.hooks.run<ServerHookContext>('server:stop', { server: this });
  }
}

const CLIENT_ERROR_STATUS: Record<string, [number, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
};

/** A request node:http could not parse (or that timed out): a JSON error, then the connection closes. */
function onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  const inProgress = (socket as Duplex & { _httpMessage?: http.ServerResponse })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || (inProgress !== undefined && inProgress.headersSent)) {
    socket.destroy();
    return;
  }
  const [status, reason] = CLIENT_ERROR_STATUS[err.code ?? ''] ?? [400, 'Bad Request'];
  const body = JSON.stringify({ error: reason });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
}


// SIGINT / SIGTERM stop every running Server gracefully, then the process exits.
// Handlers exist only while at least one server runs (installed by run(), removed by stop()).
interface Stoppable {
  stop(): Promise<void>;
}

const running = new Set<Stoppable>();
let installed = false;

function onSignal(signal: NodeJS.Signals): void {
  const servers = [...running];
  running.clear();
  uninstall();
  Promise.allSettled(servers.map((s) => s.stop())).then((results) => {
    for (const r of results) if (r.status === 'rejected') console.error(`krozen: stop after ${signal} failed:`, r.reason);
    process.exit(0);
  });
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

function installSignalHandlers(server: Stoppable): void {
  running.add(server);
  if (installed) return;
  installed = true;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function removeSignalHandlers(server: Stoppable): void {
  running.delete(server);
  if (running.size === 0) uninstall();
}
