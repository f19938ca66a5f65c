// rateLimit()'s Redis store: every process that uses the same Redis and prefix shares one count per key. One
// Lua script per request does INCR and, on a key's first request, PEXPIRE, then reads PTTL, atomically (no
// other command runs between them), so two processes never both start a window or lose a count. Redis
// caches the script; EVALSHA sends only its hash (EVAL once after a NOSCRIPT, e.g. after a Redis restart).
import { createHash } from 'node:crypto';
import { loadRedisModule, reconnectDelay } from '../pubsub/redis-client';
import { closeClient } from '../pubsub/redis';
import type { RedisClientLike } from '../settings/redis-client';
import { ErrorCode, KrozenTypeError } from '../base/errors';
import type { RateLimitHit, RateLimitStore } from './rate-limit-store';

const SCRIPT = `local n = redis.call('INCR', KEYS[1])
local t = redis.call('PTTL', KEYS[1])
if t < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  t = tonumber(ARGV[1])
end
return {n, t}`;
const SHA = createHash('sha1').update(SCRIPT).digest('hex');

/** How long a request waits for the first connection before the store counts as down. */
const CONNECT_WAIT_MS = 2000;

/** The part of a node-redis (v5/v6) client the store uses. */
interface CommandClient extends RedisClientLike {
  sendCommand(args: string[]): Promise<unknown>;
}

export interface RedisStoreOptions {
  /** Redis URL (`redis://host:6379`); the store opens its own connection. */
  url?: string;
  /** Or a connected (or not yet connected) node-redis client; the store leaves it open at stop. */
  client?: RedisClientLike;
  /** Key prefix (default `'krozen:rl:'`): one prefix per rateLimit() policy. */
  prefix?: string;
}

export class RedisStore implements RateLimitStore {
  private readonly client: CommandClient;
  private readonly owns: boolean;
  private readonly prefix: string;
  private opening: Promise<void> | null = null;

  constructor(options: RedisStoreOptions) {
    if (options.url === undefined && options.client === undefined)
      throw new KrozenTypeError(ErrorCode.INVALID_OPTION, 'redisStore: needs { url } or { client }');
    this.prefix = options.prefix ?? 'krozen:rl:';
    if (options.client !== undefined) {
      this.client = options.client as CommandClient;
      this.owns = false;
    } else {
      const { createClient } = loadRedisModule('redisStore() is used', 'redisStore({ client })');
      // No offline queue: while Redis is down a count fails at once (rateLimit answers 503 or lets the request
      // through, as configured) instead of holding the request until Redis is back.
      this.client = createClient({
        url: options.url,
        disableOfflineQueue: true,
        socket: { reconnectStrategy: reconnectDelay },
      }) as CommandClient;
      this.owns = true;
    }
    // node-redis emits 'error' on every failed (re)connection; without a listener that would crash the process.
    // The failure reaches rateLimit() through the count that fails.
    this.client.on('error', ignore);
  }

  async hit(key: string, windowMs: number): Promise<RateLimitHit> {
    if (!this.client.isReady) await this.open();
    const k = this.prefix + key;
    const ms = String(windowMs);
    let reply: unknown;
    try {
      reply = await this.client.sendCommand(['EVALSHA', SHA, '1', k, ms]);
    } catch (err) {
      if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
      reply = await this.client.sendCommand(['EVAL', SCRIPT, '1', k, ms]);
    }
    const [count, resetMs] = reply as [number, number];
    return { count: Number(count), resetMs: Number(resetMs) };
  }

  async close(): Promise<void> {
    this.opening = null;
    if (this.owns) await closeClient(this.client);
  }

  /** Connects once (node-redis then reconnects by itself), waiting at most CONNECT_WAIT_MS. */
  private open(): Promise<void> {
    if (this.opening === null) {
      this.opening = this.client.isOpen
        ? Promise.resolve()
        : this.client.connect().then(ignore, (err: unknown) => {
            this.opening = null;
            throw err;
          });
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((_, reject) => {
      timer = setTimeout(() => reject(new Error('Redis not connected')), CONNECT_WAIT_MS);
    });
    return Promise.race([this.opening, timeout]).finally(() => clearTimeout(timer));
  }
}

function ignore(): void {}

/** A store shared through Redis (needs the optional peer `redis`: `npm install redis`). */
export function redisStore(options: RedisStoreOptions): RedisStore {
  return new RedisStore(options);
}
