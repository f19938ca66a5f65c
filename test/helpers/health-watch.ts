// Watches a server while something attacks it: a health GET on a fresh connection of its own, one after
// another (every `everyMs`), timed from connect to the end of the answer, and optionally the server's RSS
// from a JSON endpoint ({ rss }). A server whose event loop is stalled, or that starves other
// connections, shows as a slow or missing health answer; one that holds what an attacker sends, as RSS.
import { connectRaw } from './tls-lane';

export interface HealthReport {
  probes: number;
  /** Probes not answered 200 within the probe timeout (counted at the timeout in the latencies). */
  failed: number;
  latencies: number[];
  max: number;
  p50: number;
  p99: number;
  /** RSS when the watch started and its highest sample since, bytes (0 without a memory path). */
  rssBase: number;
  rssPeak: number;
}

export interface HealthWatchOptions {
  everyMs?: number;
  /** A probe not answered within this is a failure (and its latency is this). */
  timeoutMs?: number;
  healthPath?: string;
  /** GET path answering JSON with `rss` (bytes); sampled every `memoryEveryMs`. */
  memoryPath?: string;
  memoryEveryMs?: number;
}

/** One GET on a new connection: its latency in ms and the answer, or null after `timeoutMs`. */
export function timedGet(
  port: number,
  path: string,
  timeoutMs: number,
): Promise<{ ms: number; status: number; body: string } | null> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const socket = connectRaw(port);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(null);
    }, timeoutMs);
    socket.on('error', () => undefined);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
      const bodyAt = raw.indexOf('\r\n\r\n');
      resolve(
        m === null
          ? null
          : { ms: performance.now() - t0, status: Number(m[1]), body: bodyAt === -1 ? '' : raw.slice(bodyAt + 4) },
      );
    });
    socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  });
}

export function percentile(list: number[], q: number): number {
  if (list.length === 0) return 0;
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
}

export class HealthWatch {
  private running = false;
  private loops: Array<Promise<void>> = [];
  private readonly latencies: number[] = [];
  private failed = 0;
  private rssBase = 0;
  private rssPeak = 0;
  private readonly o: Required<Omit<HealthWatchOptions, 'memoryPath'>> & { memoryPath?: string };

  constructor(
    private readonly port: number,
    options: HealthWatchOptions = {},
  ) {
    this.o = { everyMs: 100, timeoutMs: 5000, healthPath: '/_internal/health', memoryEveryMs: 250, ...options };
  }

  /** Takes the RSS baseline (when watching memory), then starts probing. */
  async start(): Promise<void> {
    if (this.o.memoryPath !== undefined) {
      this.rssBase = (await this.rss()) ?? 0;
      this.rssPeak = this.rssBase;
    }
    this.running = true;
    this.loops.push(this.healthLoop());
    if (this.o.memoryPath !== undefined) this.loops.push(this.memoryLoop());
  }

  async stop(): Promise<HealthReport> {
    this.running = false;
    await Promise.all(this.loops);
    this.loops = [];
    const l = this.latencies;
    return {
      probes: l.length,
      failed: this.failed,
      latencies: l,
      max: l.length === 0 ? 0 : Math.max(...l),
      p50: percentile(l, 0.5),
      p99: percentile(l, 0.99),
      rssBase: this.rssBase,
      rssPeak: this.rssPeak,
    };
  }

  private async healthLoop(): Promise<void> {
    while (this.running) {
      const t0 = performance.now();
      const r = await timedGet(this.port, this.o.healthPath, this.o.timeoutMs);
      if (r === null || r.status !== 200) {
        this.failed++;
        this.latencies.push(r === null ? this.o.timeoutMs : r.ms);
      } else {
        this.latencies.push(r.ms);
      }
      await sleep(Math.max(0, this.o.everyMs - (performance.now() - t0)));
    }
  }

  private async memoryLoop(): Promise<void> {
    while (this.running) {
      const rss = await this.rss();
      if (rss !== null) this.rssPeak = Math.max(this.rssPeak, rss);
      await sleep(this.o.memoryEveryMs);
    }
  }

  private async rss(): Promise<number | null> {
    const r = await timedGet(this.port, this.o.memoryPath as string, this.o.timeoutMs);
    if (r === null || r.status !== 200) return null;
    try {
      return Number(JSON.parse(r.body).rss);
    } catch {
      return null;
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
