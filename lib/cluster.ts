// settings.workers > 1: the primary forks N workers (the same script, through node:cluster) that share
// the port; the primary serves nothing itself. A worker that dies is replaced (not while stopping).
// Publishes between them: lib/pubsub (IPC through the primary, or Redis).
import cluster, { type Worker } from 'node:cluster';
import type { Settings } from './settings';
import { listenerFault } from './listener-guard';

/** The primary's IPC message to a worker (lib/pubsub/ipc.ts carries publishes). */
type ClusterMessage = { krozen: 'stop' };

function isClusterMessage(msg: unknown): msg is ClusterMessage {
  return msg !== null && typeof msg === 'object' && typeof (msg as { krozen?: unknown }).krozen === 'string';
}

/** True in a process forked by ClusterPrimary. */
export function isClusterWorker(): boolean {
  return cluster.isWorker && process.env.KROZEN_CLUSTER_WORKER === '1';
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

  constructor(private readonly settings: Settings) {}

  /** Forks the workers; resolves with the shared port once all of them listen. */
  start(): Promise<number> {
    // 'advanced' serialization lets Buffers and Maps cross in publishes.
    cluster.setupPrimary({ serialization: 'advanced' });
    const count = this.settings.workers;
    return new Promise<number>((resolve, reject) => {
      let listening = 0;
      let failed = false;
      for (let i = 0; i < count; i++) {
        const worker = this.fork();
        worker.once('listening', (address) => {
          if (failed) return;
          this.port ??= address.port;
          if (++listening === count) {
            cluster.on('exit', this.onExit);
            resolve(this.port);
          }
        });
        worker.once('exit', (code, signal) => {
          if (failed || listening === count) return;
          failed = true;
          this.stopping = true;
          for (const w of this.workers) w.process.kill('SIGKILL');
          reject(new Error(`krozen: worker ${worker.process.pid} exited before listening (code ${code}, signal ${signal})`));
        });
      }
    });
  }

  private fork(): Worker {
    // With port 0, node:cluster keys the shared handle by the configured port (0), so a replacement
    // worker joins the same random port as long as one sibling still holds it.
    const worker = cluster.fork({ KROZEN_CLUSTER_WORKER: '1' });
    this.workers.add(worker);
    this.startedAt.set(worker, Date.now());
    if (this.settings.debug) worker.once('online', () => console.log(`krozen: worker ${worker.process.pid} started`));
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
    console.error(`krozen: worker ${worker.process.pid} died (code ${code}, signal ${signal}); starting a new one`);
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
    const exits = [...this.workers].map((worker) => new Promise<void>((resolve) => {
      if (worker.isDead()) return resolve();
      worker.once('exit', () => resolve());
      if (worker.isConnected()) worker.send({ krozen: 'stop' } satisfies ClusterMessage);
      else worker.process.kill('SIGTERM');
    }));
    const killer = setTimeout(() => {
      for (const worker of this.workers) if (!worker.isDead()) worker.process.kill('SIGKILL');
    }, shutdownTimeout + 1000);
    await Promise.all(exits);
    clearTimeout(killer);
    cluster.off('exit', this.onExit);
    this.workers.clear();
  }
}

interface StoppableServer {
  stop(): Promise<void>;
}

/** In a worker: stop when the primary says so. */
export function wireClusterWorker(server: StoppableServer): void {
  process.on('message', (msg: unknown) => {
    if (!isClusterMessage(msg)) return;
    if (msg.krozen === 'stop') {
      server.stop().then(
        () => process.exit(0),
        (err) => {
          console.error('krozen: worker stop failed:', err);
          process.exit(1);
        },
      );
    }
  });
}
