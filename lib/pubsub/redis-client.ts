// The Redis client, `redis` (node-redis), an optional peer dependency: loaded only when settings.redisUrl is
// set. It was chosen by measurement over ioredis (bench/redis-clients.mjs: about 4× the publish throughput at
// a quarter of the CPU per message, lower p99), see the README's "Scaling out".

import type { RedisClientLike } from '../settings/redis-client';
import { ErrorCode, KrozenError } from '../base/errors';

export type { RedisClientLike };

interface RedisModule {
  createClient(options: Record<string, unknown>): RedisClientLike;
  createCluster(options: Record<string, unknown>): RedisClientLike;
}

/** Waits between reconnect attempts: 100 ms, 200 ms, … up to 1 s. */
export function reconnectDelay(retries: number): number {
  return Math.min(100 * (retries + 1), 1000);
}

/** Loads `redis` (or `@redis/client`), or throws a clear error saying what to install; `user` names who needs it. */
export function loadRedisModule(user = 'settings.redisUrl is set', instead = 'settings.redisClient'): RedisModule {
  for (const name of ['redis', '@redis/client']) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional peer, loaded on use
      return require(name) as RedisModule;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code !== 'MODULE_NOT_FOUND' || !String(e.message).includes(`'${name}'`)) throw err;
    }
  }
  throw new KrozenError(
    ErrorCode.MISSING_PEER,
    `krozen: ${user}, but the 'redis' package is not installed. ` +
      `Run \`npm install redis\` (an optional peer dependency of krozen, v5 or v6), or pass a client as ${instead}.`,
  );
}

/** A client for `url`: reconnects forever with a short backoff; the caller handles 'error' events. */
export function createRedisClient(url: string): RedisClientLike {
  const { createClient } = loadRedisModule();
  return createClient({ url, socket: { reconnectStrategy: reconnectDelay } });
}

/** node-redis 6: re-discover the cluster's topology this long after a node starts reconnecting. */
const TOPOLOGY_REFRESH_MS = 500;

/**
 * A Redis Cluster client from its seed nodes' URLs (settings.redisCluster): node-redis finds the rest, follows
 * MOVED redirections and re-discovers the topology after a failover; each node reconnects as above.
 */
export function createRedisCluster(urls: readonly string[]): RedisClientLike {
  const { createCluster } = loadRedisModule('settings.redisCluster is set');
  return createCluster({
    rootNodes: urls.map((url) => ({ url })),
    // A command for a node that is down fails at once (ClientOfflineError: never sent, so never run) instead of
    // waiting in that node's queue until the failover is noticed (seconds) or it times out: publishes are
    // never queued, as with a single Redis. Subscriptions are kept and move with their slots.
    defaults: { socket: { reconnectStrategy: reconnectDelay }, disableOfflineQueue: true },
    // While a node fails to reconnect (its master died), re-read the topology every 500 ms or so instead of
    // node-redis's 5 s: the promoted replica gets the slots' publishes and subscriptions within about a second.
    topologyRefreshOnReconnectionAttemptStrategy: TOPOLOGY_REFRESH_MS,
  });
}

/** True for a node-redis cluster client (it knows its masters), which publishes with sharded pub/sub. */
export function isClusterClient(client: RedisClientLike): boolean {
  return 'masters' in client && 'sSubscribe' in client;
}
