// Server: runs an App on a transport (HTTP and WebSocket on one port), or on N cluster workers when
// settings.workers > 1. stop() is graceful: stop accepting, close WebSockets with 1001, let in-flight
// requests finish within settings.shutdownTimeout, then destroy what is left.
import type * as http from 'node:http';
import type { SecureContextOptions } from 'node:tls';
import { app as globalApp, type App } from './app';
import { handleRequest } from './http/pipeline';
import { NodeTransport } from './transport/node/server';
import { KrozenTransport } from './transport/krozen/server';
import { Http2Transport } from './transport/http2/server';
import type { TransportHandlers, TransportServer } from './transport/types';
import { errorResponse } from './transport/error-response';
import type { Plugin } from './app';
import { ClusterPrimary, clusterWorkerPort, isClusterWorker, wireClusterWorker } from './cluster';
import { assertReusePort } from './reuse-port';
import { checkJsonSettings } from './backend/json-codec';
import { resolveSettings, servingTransport } from './settings/index';
import { WsUpgrade } from './ws/upgrade';
import { ErrorCode, KrozenError } from './base/errors';
import { logError, logInfo, fallbackLogger, useServerLogger } from './base/logger';
import { enableObservability, type Observability } from './features/observe';

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
  /** The node:http server with settings.transport 'node' (undefined otherwise, and in a cluster primary). */
  http: http.Server | undefined;
  private primary: ClusterPrimary | undefined;
  private boundPort: number | undefined;
  private transport: TransportServer | undefined;
  private wsUpgrade: WsUpgrade | undefined;
  /** settings.metrics / settings.tracing (see lib/features/observe.ts). */
  private observability: Observability | undefined;
  private closing = false;
  private running = false;
  private stopping: Promise<void> | undefined;
  /** A server:start hook failed: stop() runs no server:stop hooks. */
  private startFailed = false;
  /** Undoes this server's useServerLogger() when it stops. */
  private restoreLogger: () => void = () => undefined;
  private static last: Server | undefined;

  constructor(app: App = globalApp) {
    this.app = app;
  }

  /** The bound port (useful with port 0), once run() resolved. */
  get port(): number {
    if (this.boundPort === undefined)
      throw new KrozenError(ErrorCode.NOT_LISTENING, 'The server is not listening: await server.run() first');
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
    if (this.running) throw new KrozenError(ErrorCode.ALREADY_RUNNING, 'This server is already running');
    checkJsonSettings(this.app.settings);
    this.running = true;
    const app = this.app;
    for (const p of options.plugins ?? []) app.plugin(p);
    // Checked and frozen once: a bad value fails here, naming the setting; the WebSocket layer reads this copy.
    const settings = resolveSettings(app.settings);
    this.restoreLogger = useServerLogger(settings.logger);
    this.wsUpgrade = new WsUpgrade(app, settings);

    if (settings.reusePort) assertReusePort();
    if (settings.workers > 1 && !isClusterWorker()) {
      await app.pubsub.start('primary');
      this.primary = new ClusterPrimary(settings);
      this.boundPort = await this.primary.start().catch(stopPubSubAndThrow(app));
      if (settings.handleSignals) installSignalHandlers(this);
      if (settings.debug)
        logInfo(
          settings.logger,
          `${settings.workers} workers on ${settings.tls ? 'https' : 'http'}://${settings.host}:${this.boundPort}`,
        );
      await this.runStartHooks();
      return this;
    }

    const transport = this.createTransport();
    // Before listening: tracing without @opentelemetry/api fails here, with nothing bound.
    this.observability = enableObservability(
      app,
      settings,
      () => this.boundPort ?? 0,
      () => transport.openConnections ?? 0,
    );
    await app.pubsub.start(isClusterWorker() ? 'worker' : 'single');
    this.transport = transport;
    this.boundPort = await transport
      .listen(clusterWorkerPort(settings), settings.host, settings.backlog, settings.reusePort)
      .catch(stopPubSubAndThrow(app));
    if (settings.handleSignals) installSignalHandlers(this);
    if (isClusterWorker()) {
      wireClusterWorker(this, this.boundPort);
      if (settings.debug)
        logInfo(
          settings.logger,
          `worker ${process.pid} listening on ${settings.tls ? 'https' : 'http'}://${settings.host}:${this.boundPort}`,
        );
      return this; // server:start fires once, in the primary
    }
    if (settings.debug) {
      logInfo(
        settings.logger,
        `listening on ${settings.tls ? 'https' : 'http'}://${settings.host}:${this.boundPort} (WebSocket: ${settings.tls ? 'wss' : 'ws'}://${settings.host}:${this.boundPort}${settings.wsPath})`,
      );
    }
    await this.runStartHooks();
    return this;
  }

  /** server:start; when a hook fails, the server is stopped (no server:stop hooks) and run() rejects. */
  private async runStartHooks(): Promise<void> {
    try {
      await this.app.hooks.run<ServerHookContext>('server:start', { server: this });
    } catch (err) {
      this.startFailed = true;
      await this.stop().catch(() => undefined);
      throw err;
    }
  }

  private createTransport(): TransportServer {
    const app = this.app;
    const handlers: TransportHandlers = {
      request: (request, sink) => handleRequest(app, request, sink),
      upgrade: (req, socket, head) => {
        if (this.closing) {
          socket.end(errorResponse(503, 'The server is stopping'));
          return;
        }
        // node:http gives its IncomingMessage (the peer on its socket), krozen's transport an UpgradeHead.
        const peer = req.remoteAddress ?? (req as { socket?: { remoteAddress?: string } }).socket?.remoteAddress;
        const request = {
          method: req.method ?? '',
          url: req.url ?? '/',
          headers: req.headers,
          remoteAddress: peer,
          httpVersion: req.httpVersion,
        };
        const wsUpgrade = this.wsUpgrade as WsUpgrade;
        const traceUpgrade = this.observability?.upgrade;
        if (traceUpgrade === undefined) wsUpgrade.handleUpgrade(request, socket, head);
        else traceUpgrade(request, socket, () => wsUpgrade.handleUpgrade(request, socket, head));
      },
    };
    const serving = servingTransport(app.settings);
    if (serving === 'krozen') return new KrozenTransport(app.settings, handlers);
    if (serving === 'http2') return new Http2Transport(app.settings, handlers);
    const transport = new NodeTransport(app.settings, handlers);
    this.http = transport.server;
    return transport;
  }

  /**
   * settings.tls: serve connections from now on with `options` (a renewed key and certificate, say) without a
   * restart; open connections keep the context they began with. In a cluster, each worker calls it.
   */
  setSecureContext(options: SecureContextOptions): void {
    if (this.app.settings.tls === undefined)
      throw new KrozenError(ErrorCode.UNSUPPORTED, 'setSecureContext needs settings.tls: this server is not TLS');
    if (this.transport === undefined)
      throw new KrozenError(ErrorCode.NOT_LISTENING, 'No TLS listener here: await server.run() first (in a worker)');
    this.transport.setSecureContext(options);
  }

  /** Graceful stop (idempotent): resolves when every connection is closed and server:stop hooks ran. */
  stop(): Promise<void> {
    if (this.stopping === undefined) this.stopping = this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    removeSignalHandlers(this);
    this.restoreLogger();
    const app = this.app;
    if (this.primary !== undefined) {
      await this.primary.stop(app.settings.shutdownTimeout);
      await app.pubsub.stop();
      if (!this.startFailed) await app.hooks.run<ServerHookContext>('server:stop', { server: this });
      return;
    }
    const transport = this.transport;
    if (transport === undefined) return; // never started
    this.closing = true;
    const closed = transport.close();
    const deadline = app.settings.shutdownTimeout;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), deadline);
    });
    try {
      if (app.hasWsHub) await Promise.race([app.wsHub.closeAll(), expired]);
      const outcome = await Promise.race([closed, expired]);
      if (outcome === 'expired') {
        transport.destroyConnections();
        await closed;
      }
    } finally {
      clearTimeout(timer);
    }
    await app.pubsub.stop();
    this.observability?.stop();
    if (!isClusterWorker() && !this.startFailed)
      await app.hooks.run<ServerHookContext>('server:stop', { server: this });
  }
}

/** A run() that fails after pub/sub started leaves no Redis connection or IPC listener behind. */
function stopPubSubAndThrow(app: App): (err: unknown) => Promise<never> {
  return async (err) => {
    await app.pubsub.stop();
    throw err;
  };
}

// SIGINT / SIGTERM stop every running Server gracefully, then the process exits.
// Handlers exist only while at least one server with settings.handleSignals runs (installed by run(),
// removed by stop()); with handleSignals false the app owns its signals (workers included: same setting).
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
    for (const r of results)
      if (r.status === 'rejected') logError(fallbackLogger(), `stop after ${signal} failed`, r.reason);
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
