// settings.workers > 1: the primary forks N workers (the same script, through node:cluster) that share
// the port; the primary serves nothing itself. A worker that dies is replaced (not while stopping).
// Publishes between them: lib/pubsub (IPC through the primary, or Redis).
import cluster, { type Worker } from 'node:cluster';
import * as net from 'node:net';
import type { Settings } from './settings/index';
import { listenerFault } from './base/listener-guard';
import { logError, logInfo, logWarn, fallbackLogger } from './base/logger';

/** IPC between primary and workers besides publishes (lib/pubsub/ipc.ts): stop, and a worker's listening port. */
type ClusterMessage = { krozen: 'stop' } | { krozen: 'listening'; port: number };

function isClusterMessage(msg: unknown): msg is ClusterMessage {
  return msg !== null && typeof msg === 'object' && typeof (msg as { krozen?: unknown }).krozen === 'string';
}

/** True in a process forked by ClusterPrimary. */
export function isClusterWorker(): boolean {
  return cluster.isWorker && process.env.KROZEN_CLUSTER_WORKER === '1';
}

/** The port a worker listens on: the one its primary chose for reusePort with port 0, else settings.port. */
export function clusterWorkerPort(settings: Settings): number {
  const chosen = process.env.KROZEN_CLUSTER_PORT;
  return isClusterWorker() && chosen !== undefined ? Number(chosen) : settings.port;
}

/** A free TCP port on `host` (listen on 0, read it, close). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** A worker that dies this soon after its start is replaced only after RESTART_DELAY (no fork storm). */
const EARLY_DEATH_MS = 1000;
const RESTART_DELAY_MS = 1000;

export class ClusterPrimary {
  private readonly workers = new Set<Worker>();
  private readonly startedAt = new Map<Worker, number>();
  private stopping = false;
  private port: number | undefined;
  private restartTimers = new Set<NodeJS.Timeout>();

  private reusePortNumber: number | undefined;

  constructor(private readonly settings: Settings) {}

  /** Forks the workers; resolves with the shared port once all of them listen. */
  async start(): Promise<number> {
    // 'advanced' serialization lets Buffers and Maps cross in publishes.
    cluster.setupPrimary({ serialization: 'advanced' });
    // reusePort: each worker binds the port itself, so port 0 must become one port for all of them.
    if (this.settings.reusePort && this.settings.port === 0) this.reusePortNumber = await freePort(this.settings.host);
    return this.forkAll();
  }

  private forkAll(): Promise<number> {
    const count = this.settings.workers;
    return new Promise<number>((resolve, reject) => {
      let listening = 0;
      let failed = false;
      for (let i = 0; i < count; i++) {
        const worker = this.fork();
        // node:cluster emits 'listening' for its shared handle only; a reusePort worker reports itself.
        let counted = false;
        const onListening = (port: number): void => {
          if (failed || counted) return;
          counted = true;
          this.port ??= port;
          if (++listening === count) {
            cluster.on('exit', this.onExit);
            resolve(this.port);
          }
        };
        worker.once('listening', (address) => onListening(address.port));
        worker.on('message', (msg: unknown) => {
          if (isClusterMessage(msg) && msg.krozen === 'listening') onListening(msg.port);
        });
        worker.once('exit', (code, signal) => {
          if (failed || listening === count) return;
          failed = true;
          this.stopping = true;
          for (const w of this.workers) w.process.kill('SIGKILL');
          reject(
            new Error(`krozen: worker ${worker.process.pid} exited before listening (code ${code}, signal ${signal})`),
          );
        });
      }
    });
  }

  private fork(): Worker {
    // With port 0, node:cluster keys the shared handle by the configured port (0), so a replacement
    // worker joins the same random port as long as one sibling still holds it.
    const env: Record<string, string> = { KROZEN_CLUSTER_WORKER: '1' };
    if (this.reusePortNumber !== undefined) env.KROZEN_CLUSTER_PORT = String(this.reusePortNumber);
    const worker = cluster.fork(env);
    this.workers.add(worker);
    this.startedAt.set(worker, Date.now());
    if (this.settings.debug)
      worker.once('online', () => logInfo(this.settings.logger, `worker ${worker.process.pid} started`));
    return worker;
  }

  // cluster 'exit' and 'message' listeners: a throw there would end the primary and every worker with it.
  private readonly onExit = (worker: Worker, code: number | null, signal: string | null): void => {
    try {
      this.replace(worker, code, signal);
    } catch (err) {
      listenerFault('cluster exit', err);
    }
  };

  private replace(worker: Worker, code: number | null, signal: string | null): void {
    if (!this.workers.delete(worker)) return;
    const age = Date.now() - (this.startedAt.get(worker) ?? 0);
    this.startedAt.delete(worker);
    if (this.stopping) return;
    logWarn(
      this.settings.logger,
      `worker ${worker.process.pid} died (code ${code}, signal ${signal}); starting a new one`,
    );
    if (age < EARLY_DEATH_MS) {
      const timer = setTimeout(() => {
        this.restartTimers.delete(timer);
        if (!this.stopping) this.fork();
      }, RESTART_DELAY_MS);
      this.restartTimers.add(timer);
    } else {
      this.fork();
    }
  }

  /** Asks every worker to stop gracefully; kills those still alive after the deadline. */
  async stop(shutdownTimeout: number): Promise<void> {
    this.stopping = true;
    for (const timer of this.restartTimers) clearTimeout(timer);
    this.restartTimers.clear();
    const exits = [...this.workers].map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) return resolve();
          worker.once('exit', () => resolve());
          if (worker.isConnected()) worker.send({ krozen: 'stop' } satisfies ClusterMessage);
          else worker.process.kill('SIGTERM');
        }),
    );
    const killer = setTimeout(() => {
      for (const worker of this.workers) if (!worker.isDead()) worker.process.kill('SIGKILL');
    }, shutdownTimeout + 1000);
    await Promise.all(exits);
    clearTimeout(killer);
    cluster.off('exit', this.onExit);
    this.workers.clear();
  }
}

function ignoreSendError(): void {
  // The primary went away meanwhile: the worker is about to be stopped anyway.
}

interface StoppableServer {
  stop(): Promise<void>;
}

/** In a worker, once listening: tells the primary its port, and stops when the primary says so. */
export function wireClusterWorker(server: StoppableServer, port: number): void {
  if (process.connected)
    process.send!({ krozen: 'listening', port } satisfies ClusterMessage, undefined, undefined, ignoreSendError);
  process.on('message', (msg: unknown) => {
    if (!isClusterMessage(msg)) return;
    if (msg.krozen === 'stop') {
      server.stop().then(
        () => process.exit(0),
        (err) => {
          logError(fallbackLogger(), 'worker stop failed', err);
          process.exit(1);
        },
      );
    }
  });
}
