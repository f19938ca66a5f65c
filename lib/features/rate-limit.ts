// Rate limiting as a plugin: `app.plugin(rateLimit({ limit: 100, windowMs: 60_000 }))`. It runs as a `request`
// hook, before the body is read, so a refused request costs no body bytes. Each request is counted under its
// key (the client's address, or options.key) in a fixed window (rate-limit-store.ts); past `limit`, 429 with
// a JSON body and Retry-After. Every answer it counted carries the IETF RateLimit-Policy / RateLimit fields
// (draft-ietf-httpapi-ratelimit-headers: `"default";q=100;w=60` and `"default";r=42;t=17`).
import type { PluginHost } from './host';
import type { Request } from '../http/types';
import type { Response } from '../http/response';
import { isThenable } from '../base/hook-runner';
import { ErrorCode, KrozenTypeError } from '../base/errors';
import { logWarn, type Logger } from '../base/logger';
import { memoryStore, type RateLimitHit, type RateLimitStore } from './rate-limit-store';
import { clientIp } from '../http/proxy';

export interface RateLimitOptions {
  /** Requests a key may make per window (an integer >= 1). */
  limit: number;
  /** The window, ms (an integer >= 1; the headers say it in whole seconds, rounded up). */
  windowMs: number;
  /** Whose requests count together (default: the client's address, keyOf(req)). */
  key?(req: Request): string;
  /** Where counts live (default: memoryStore(), per process; redisStore() shares them). One store per policy. */
  store?: RateLimitStore;
  /** Requests it returns true for are not counted and get no RateLimit headers (health checks, …). */
  skip?(req: Request): boolean;
  /** The policy's name in the headers (default `'default'`). */
  name?: string;
  /** The store failed (Redis down): false (default) answers 503 with Retry-After: 1; true lets requests through. */
  failOpen?: boolean;
}

/** The plugin rateLimit() returns (a krozen Plugin: app.plugin(rateLimit({...}))). */
export interface RateLimitPlugin {
  name: 'rate-limit';
  setup(app: PluginHost): void;
}

/**
 * The default key: the client's address, `req.ip` — the TCP peer, or what proxies trusted by
 * settings.trustProxy report (so clients behind one load balancer are not one key).
 */
export function keyOf(req: Request): string {
  return clientIp(req) ?? '';
}

// RFC 8941 sf-string characters, without the quote and the backslash (a name needs no escaping then).
const POLICY_NAME = /^[\x20\x21\x23-\x5b\x5d-\x7e]{1,64}$/;

function check(options: RateLimitOptions): void {
  const bad = (what: string): never => {
    throw new KrozenTypeError(ErrorCode.INVALID_OPTION, `rateLimit: ${what}`);
  };
  if (options === null || typeof options !== 'object') bad('options must be an object');
  if (!Number.isInteger(options.limit) || options.limit < 1) bad('limit must be an integer >= 1');
  if (!Number.isInteger(options.windowMs) || options.windowMs < 1) bad('windowMs must be an integer >= 1 (ms)');
  for (const fn of ['key', 'skip'] as const)
    if (options[fn] !== undefined && typeof options[fn] !== 'function') bad(`${fn} must be a function`);
  if (options.store !== undefined && typeof options.store?.hit !== 'function')
    bad('store must have a hit(key, windowMs) method');
  if (options.name !== undefined && (typeof options.name !== 'string' || !POLICY_NAME.test(options.name)))
    bad('name must be 1-64 printable ASCII characters without " or \\');
}

export function rateLimit(options: RateLimitOptions): RateLimitPlugin {
  check(options);
  const { limit, windowMs, skip } = options;
  const keyFn = options.key ?? keyOf;
  const store = options.store ?? memoryStore();
  const name = JSON.stringify(options.name ?? 'default');
  const policy = `${name};q=${limit};w=${Math.ceil(windowMs / 1000)}`;
  const failOpen = options.failOpen === true;
  let logger: Logger | undefined;
  let storeDown = false;

  function apply(res: Response, hit: RateLimitHit): void {
    storeDown = false;
    const seconds = Math.max(0, Math.ceil(hit.resetMs / 1000));
    res.headers['ratelimit-policy'] = policy;
    res.headers['ratelimit'] = `${name};r=${Math.max(0, limit - hit.count)};t=${seconds}`;
    if (hit.count <= limit) return;
    res.status = 429;
    res.body = { error: 'Too Many Requests' };
    res.headers['retry-after'] = String(seconds);
    res.stop = true;
  }

  function failed(res: Response, err: unknown): void {
    // Logged once per outage: a down store would otherwise log on every request.
    if (!storeDown)
      logWarn(logger, `rateLimit: the store failed; ${failOpen ? 'letting requests through' : 'answering 503'}`, {
        err,
      });
    storeDown = true;
    if (failOpen) return;
    res.status = 503;
    res.body = { error: 'Service Unavailable' };
    res.headers['retry-after'] = '1';
    res.stop = true;
  }

  function count(req: Request, res: Response): void | Promise<void> {
    if (skip !== undefined && skip(req)) return;
    let hit: RateLimitHit | Promise<RateLimitHit>;
    try {
      hit = store.hit(keyFn(req), windowMs);
    } catch (err) {
      failed(res, err);
      return;
    }
    if (!isThenable(hit)) {
      apply(res, hit);
      return;
    }
    return Promise.resolve(hit as Promise<RateLimitHit>).then(
      (h) => apply(res, h),
      (err: unknown) => failed(res, err),
    );
  }

  return {
    name: 'rate-limit',
    setup(app: PluginHost) {
      logger = app.settings.logger;
      // Nothing here is HTTP-only: a `request` hook that runs for a WebSocket upgrade counts it the same way.
      app.onRequest(count);
      if (store.close !== undefined) app.on('server:stop', () => store.close?.());
    },
  };
}
