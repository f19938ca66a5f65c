// Where rateLimit() counts: the store contract and the in-process store. The algorithm is a fixed window
// per key (a counter that starts at the key's first request and resets windowMs later), the same in every
// store so the answers and headers do not depend on where the count lives. A fixed window lets a client send
// up to 2 × limit across a window edge; it is what one atomic INCR + PEXPIRE gives on Redis.

/** One request counted: how many the key has made in its window (this one included), and when it resets. */
export interface RateLimitHit {
  readonly count: number;
  /** Milliseconds until the key's window ends. */
  readonly resetMs: number;
}

/** Counts requests per key. `hit` may answer at once (no promise, no microtask) or with a promise. */
export interface RateLimitStore {
  hit(key: string, windowMs: number): RateLimitHit | Promise<RateLimitHit>;
  /** Releases what the store holds (timers, connections); called when the server stops. */
  close?(): unknown;
}

export interface MemoryStoreOptions {
  /** Most keys held at once (default 100,000); past it the oldest window is dropped. */
  maxKeys?: number;
}

interface Window {
  count: number;
  resetAt: number;
}

/** A process's own counts: each process (and each worker) limits on its own; use redisStore() to share. */
export class MemoryStore implements RateLimitStore {
  private readonly windows = new Map<string, Window>();
  private readonly maxKeys: number;
  private nextSweep = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.maxKeys = options.maxKeys ?? 100_000;
  }

  hit(key: string, windowMs: number): RateLimitHit {
    const now = Date.now();
    if (now >= this.nextSweep) this.sweep(now, windowMs);
    let w = this.windows.get(key);
    if (w === undefined || now >= w.resetAt) {
      // A new window goes to the end of the Map's order, so the first entries are the oldest windows.
      if (w !== undefined) this.windows.delete(key);
      else if (this.windows.size >= this.maxKeys) this.dropOldest();
      w = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, w);
    }
    w.count++;
    return { count: w.count, resetMs: w.resetAt - now };
  }

  /** Keys held now (for tests and metrics). */
  get size(): number {
    return this.windows.size;
  }

  close(): void {
    this.windows.clear();
  }

  /**
   * Forgets ended windows, at most once a window, so the Map holds only keys seen in the last two windows.
   * The Map is in window order (one windowMs per store), so the sweep stops at the first window still open.
   */
  private sweep(now: number, windowMs: number): void {
    this.nextSweep = now + windowMs;
    for (const [key, w] of this.windows) {
      if (now < w.resetAt) return;
      this.windows.delete(key);
    }
  }

  private dropOldest(): void {
    for (const key of this.windows.keys()) {
      this.windows.delete(key);
      return;
    }
  }
}

/** The in-process store (the default). */
export function memoryStore(options?: MemoryStoreOptions): MemoryStore {
  return new MemoryStore(options);
}
