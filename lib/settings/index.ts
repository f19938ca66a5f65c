// The server's settings: pykrozen's fields (camelCase) plus what a Node server needs.
// One global `settings` object, mutated before Server.run(); createSettings() makes a fresh one.
// Server.run() resolves them once (resolveSettings): every value checked against SETTING_RULES, then a
// frozen copy is what the server reads. A new setting is one field here and one line in SETTING_RULES.
import { describeValue, frozenCopy, type SettingRule } from './rules';
import os from 'node:os';
import path from 'node:path';
import type { RedisClientLike } from './redis-client';
import type { Logger } from '../base/logger';
import type { TlsSettings } from './tls';
import { checkHttp2Tls, type Http2Setting } from './http2';
import { ErrorCode, KrozenTypeError } from '../base/errors';
import type { RequestIdSetting, TrustProxySetting } from './proxy-trust';

export type { RequestIdOptions, RequestIdSetting, TrustProxySetting } from './proxy-trust';

export interface PerMessageDeflateOptions {
  /** Server drops its compression context between messages. */
  serverNoContextTakeover?: boolean;
  /** Client drops its compression context between messages. */
  clientNoContextTakeover?: boolean;
  /** LZ77 window bits for the server's compressor (8..15). */
  serverMaxWindowBits?: number;
  /** LZ77 window bits asked of the client (8..15). */
  clientMaxWindowBits?: number;
  /** Messages smaller than this are sent uncompressed. */
  threshold?: number;
  /** zlib operations in flight at once, across all connections. */
  concurrencyLimit?: number;
}

export interface Settings {
  /** TCP port; HTTP and WebSocket share it. 0 picks a free port (read it from server.port). */
  port: number;
  host: string;
  /** Pathname that upgrades to WebSocket (the query string is ignored). */
  wsPath: string;
  /** Print listening URLs and worker start lines; 500 bodies say why a handler result was refused. */
  debug: boolean;
  /**
   * HTTPS and WSS on the same port: { key, cert, … } as tls.createServer takes them (undefined: plain HTTP).
   * Keep the key out of the repository (read it from a file or a secret store at start).
   */
  tls: TlsSettings | undefined;
  /** Where krozen's error lines go: pino or any object with error/warn/info/debug (default: the console). */
  logger: Logger | undefined;
  /**
   * Request ids (off by default): true, or `{ header?, trustHeader?, generate? }`. On, every request gets
   * `req.id` (every upgrade `ws.id`): generated, or with `trustHeader` taken from `header` (default
   * 'x-request-id') when sane; echoed in that response header, in `req.log` lines, krozen's own log lines and
   * its JSON error bodies (`requestId`).
   */
  requestId: RequestIdSetting;
  /**
   * Which peers may say who the client is through X-Forwarded-For / -Proto / -Host or Forwarded (RFC 7239),
   * for req.ip, req.ips, req.protocol, req.host and the WebSocket Origin check. false (default: nobody; the
   * socket's peer is the client), true (every hop), a hop count, or addresses / CIDRs ('loopback',
   * 'linklocal', 'uniquelocal', '10.0.0.0/8', …). Trust only what sits in front of you: anyone else can
   * send these headers.
   */
  trustProxy: TrustProxySetting;
  /** serveStatic resolves a relative `root` (default `static`) against it, per request. */
  baseDir: string;
  /** >1: that many processes share the port through node:cluster. */
  workers: number;
  /** listen() backlog. */
  backlog: number;
  /**
   * Listen with SO_REUSEPORT (Node 22.12+ / 23.1+ on Linux and a few others; a clear error elsewhere): several
   * processes bind the same port and the kernel spreads connections. With workers > 1, each worker binds
   * its own socket instead of node:cluster's shared one. Off by default (pykrozen: on): with it, another
   * process of the same user can bind the port too and take a share of the connections.
   */
  reusePort: boolean;
  /**
   * Bytes of responses queued on one HTTP connection (a client that pipelines requests without reading):
   * a response that would take answers already waiting past this closes the connection. 0 = no cap.
   * (Enforced by the node:http transport.)
   */
  httpMaxBackpressure: number;
  /**
   * A response that makes no progress for this long, ms, ends its connection (both transports): bytes are
   * waiting to be sent and the client has taken none of them (a client that never reads, a stalled stream).
   * Counted from the last time the kernel took more of the waiting bytes, so a slow but moving download is
   * not cut; the kernel takes them in steps (about a third of the socket's send buffer, megabytes on fast
   * links), so keep it well above a few seconds. 0 = never.
   */
  sendTimeout: number;
  /** Largest request body read into memory, in bytes (413 beyond). */
  maxBodySize: number;
  /** Deepest nesting of arrays/objects in a JSON body or WebSocket JSON message: HTTP 400 / WebSocket 1008 beyond. */
  jsonMaxDepth: number;
  /** Integers outside ±(2^53 − 1) parse to BigInt and BigInt encodes exactly (Node ≥ 22; an error at start before). */
  jsonBigInt: boolean;
  /**
   * Prototype-poisoning keys in a JSON body or WebSocket JSON message: a `__proto__` key, or a `constructor`
   * key whose value is an object with a `prototype` key (any spelling, `"\u005f_proto__"` too). JSON.parse
   * keeps them as own keys, and `Object.assign({}, req.body)` or a deep merge then copies them into a
   * prototype. 'error' (the default, as fastify): HTTP 400 / WebSocket close 1008; 'remove': the keys are
   * deleted before handlers see the value; 'allow': nothing is checked. Also the `__proto__` keys of query
   * strings and URL-encoded forms ('error': 400, 'remove': dropped).
   */
  jsonProto: 'error' | 'remove' | 'allow';
  /** Most fields in a URL-encoded form body (413 beyond). */
  formMaxFields: number;
  /** Secret(s) for signed cookies: the first signs (`res.cookie(…, { signed: true })`), all verify (rotation). */
  cookieSecret: string | string[] | undefined;
  /** Time allowed to receive the request headers, ms (node:http headersTimeout). */
  headersTimeout: number;
  /** Time allowed to receive the whole request, ms (node:http requestTimeout). */
  requestTimeout: number;
  /** Idle keep-alive connections are closed after this many ms. */
  keepAliveTimeout: number;
  /** Graceful stop: in-flight requests get this long before connections are destroyed, ms. */
  shutdownTimeout: number;
  /**
   * Install SIGINT / SIGTERM handlers while a server runs: a graceful stop, then process.exit(0). False
   * installs none (the app owns its signals; `server.stop()` drains the same way).
   */
  handleSignals: boolean;
  /** Compress responses (br, zstd, gzip by Accept-Encoding) of compressible types; a route can opt out. */
  compression: boolean;
  /** Smallest response body compressed, bytes. */
  compressionThreshold: number;
  /** Static files up to this size are cached in memory; larger ones are streamed. */
  staticCacheMaxFileSize: number;
  /** The static file cache holds at most this many files (least recently used out first)... */
  staticCacheMaxEntries: number;
  /** ...and at most this many bytes. */
  staticCacheMaxBytes: number;
  /** Uploads: largest file, number of files, number of fields, largest field value. */
  uploadMaxFileSize: number;
  uploadMaxFiles: number;
  uploadMaxFields: number;
  uploadMaxFieldSize: number;
  /** Uploads: the bytes of all the files of one request together (413 beyond). */
  uploadMaxTotalSize: number;
  /**
   * Where uploads with `storage: 'disk'` (the default) are written while the handler runs: created with mode
   * 0700 if missing; each file 0600 under a random name, removed after the handler unless it calls keep().
   */
  uploadDir: string;
  /** Largest WebSocket message (after reassembly and inflate), bytes: 1009 beyond. */
  wsMaxPayload: number;
  /** Most frames in one fragmented message: 1008 beyond. */
  wsMaxFragments: number;
  /**
   * Idle check interval, ms (0 = off). A sweep runs every interval: a connection that completed no frame for
   * a whole interval gets a ping (so after 1–2 intervals of silence); still none at the next sweep, it is
   * closed with 1001. Bytes of a frame that never completes are not progress.
   */
  wsIdleTimeout: number;
  /** Time to wait for the peer's close frame before the TCP connection is cut, ms. */
  wsCloseTimeout: number;
  /**
   * Bytes of received messages a connection may hold while an async hook (or an inflate) is pending: past
   * this the socket stops reading until the queue is handled (so a client cannot make the server buffer
   * gigabytes behind a slow hook). The message that crosses the bound is kept whole.
   */
  wsMaxQueuedBytes: number;
  /**
   * Messages a second one WebSocket may send (a token bucket holding one second's worth: bursts up to the
   * limit pass); past it the connection is closed with 1008. 0 (default) = no limit. Endpoints:
   * `maxMessagesPerSecond`.
   */
  wsMaxMessagesPerSecond: number;
  /** Bytes queued on a socket before wsBackpressurePolicy applies. */
  wsMaxBackpressure: number;
  /** What happens to a send past wsMaxBackpressure: 'drop' the message or 'close' (1008) the connection. */
  wsBackpressurePolicy: 'drop' | 'close';
  /** permessage-deflate: false (default) or true / options to negotiate it. */
  wsPerMessageDeflate: boolean | PerMessageDeflateOptions;
  /**
   * The global endpoint at wsPath (the ws:* hooks, pykrozen's echo by default): 'auto' (default) serves it
   * once a ws:* hook is registered, 'on' always (an echo server with no hooks), 'off' never.
   */
  wsEndpoint: 'auto' | 'on' | 'off';
  /**
   * Which `Origin` may open a WebSocket (cross-site WebSocket hijacking): 'same-origin' (default: the
   * Origin's host must equal the Host header; requests without Origin, i.e. not from a browser, pass),
   * a list of allowed origins ('https://app.example.com'), or '*' for any. Others get 403.
   */
  wsOrigins: 'same-origin' | '*' | readonly string[];
  /** Subprotocols of the global endpoint, in the server's order of preference. */
  wsProtocols: readonly string[];
  /** Time an async upgrade()/ws:upgrade hook may take before the upgrade is refused with 503, ms. */
  wsUpgradeTimeout: number;
  /** Serve /_internal/info (versions, backends, plugins). Off by default: it helps attackers fingerprint. */
  infoEndpoint: boolean;
  /** Serve /_internal/openapi.json (every route). Off by default: it maps the whole API for anyone. */
  openapiEndpoint: boolean;
  /**
   * The HTTP/1.1 engine: 'krozen' (its own parser and writer on `net` sockets) or 'node' (node:http).
   * Both run the same pipeline, limits and WebSocket upgrades.
   */
  transport: 'krozen' | 'node';
  /**
   * HTTP/2 through node:http2 (off by default). `true` needs settings.tls: ALPN offers h2 then http/1.1 on the
   * one port (HTTP/1.1 clients and WebSocket upgrades are served by node:http as with transport 'node').
   * 'h2c': cleartext HTTP/2 by prior knowledge only, without tls (behind a proxy that speaks h2c).
   */
  http2: Http2Setting;
  /**
   * HTTP/2: streams one session may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS); more are refused
   * with RST_STREAM REFUSED_STREAM. The header list is bounded by maxHeaderSize, an idle session is closed
   * (GOAWAY) after keepAliveTimeout, and a session is counted as one connection by maxConnections.
   */
  http2MaxConcurrentStreams: number;
  /** Open connections (WebSocket ones included) before new ones get a 503 and are closed; 0 = no cap. */
  maxConnections: number;
  /** Largest request head (request line + header fields), bytes: 431 beyond (node:http's maxHeaderSize). */
  maxHeaderSize: number;
  /** Most header fields in a request: 431 beyond (krozen transport; node:http keeps the first 2000). */
  maxHeaderCount: number;
  /** Longest request-target, bytes: 414 beyond (krozen transport; node:http: within maxHeaderSize). */
  maxUrlLength: number;
  /** The `info` of /_internal/openapi.json (default: title 'krozen', version: krozen's). */
  openapi: { title?: string; version?: string; description?: string };
  /** Scaling out: publish through Redis pub/sub (e.g. 'redis://127.0.0.1:6379'); needs the `redis` package. */
  redisUrl: string | undefined;
  /** Or a node-redis client to publish with (krozen subscribes on its duplicate(), and leaves it open at stop). */
  redisClient: RedisClientLike | undefined;
  /**
   * Or a Redis Cluster (Redis >= 7): seed node URLs, e.g. ['redis://10.0.0.1:7000', 'redis://10.0.0.2:7000'];
   * node-redis discovers the other nodes. Topics use sharded pub/sub (SSUBSCRIBE/SPUBLISH): each lives on
   * the shard owning its slot, so publish throughput grows with the shards. Needs the `redis` package.
   */
  redisCluster: string[] | undefined;
  /** Redis channel of a topic: `<redisPrefix><topic>`. */
  redisPrefix: string;
  /** Largest publish payload (bytes after encoding): a bigger publish throws a RangeError. */
  publishMaxPayload: number;
  /** Recovery (app.realtime() topics with `recovery`): messages kept per topic for reconnecting clients. */
  recoveryMaxMessages: number;
  /** Recovery: milliseconds a message is kept for reconnecting clients. */
  recoveryMaxAge: number;
  /** Recovery: payload bytes the in-memory history keeps over all topics (the oldest go first). */
  recoveryMaxBytes: number;
  /** app.realtime(): topics one connection may subscribe to (one more: `err limit`). */
  realtimeMaxSubscriptions: number;
  /** app.realtime(): client requests one connection may have waiting for an answer (one more: closed, 1008). */
  realtimeMaxPendingRequests: number;
  /** app.realtime(): milliseconds a server → client request waits for its answer by default. */
  realtimeRequestTimeout: number;
  /**
   * Prometheus metrics (request durations by route template, connections, WebSocket and pub/sub counters,
   * event-loop delay) in app.metrics, served at `path` (default '/metrics'). Off by default: the endpoint
   * tells anyone your routes and load. `buckets`: the request duration histogram's bounds, seconds.
   */
  metrics: boolean | { path?: string; buckets?: readonly number[] };
  /**
   * OpenTelemetry: a SERVER span per request and per WebSocket upgrade, the parent taken from `traceparent`.
   * Needs the optional peer @opentelemetry/api (and an SDK set up by the application). Off by default.
   */
  tracing: boolean;
}

export function createSettings(overrides: Partial<Settings> = {}): Settings {
  return {
    port: 8000,
    host: '127.0.0.1',
    wsPath: '/ws',
    debug: false,
    tls: undefined,
    logger: undefined,
    requestId: false,
    trustProxy: false,
    baseDir: process.cwd(),
    workers: 1,
    backlog: 2048,
    reusePort: false,
    httpMaxBackpressure: 1024 * 1024,
    sendTimeout: 15_000,
    maxBodySize: 1024 * 1024,
    jsonMaxDepth: 128,
    jsonBigInt: false,
    jsonProto: 'error',
    formMaxFields: 1000,
    cookieSecret: undefined,
    headersTimeout: 10_000,
    requestTimeout: 30_000,
    keepAliveTimeout: 5_000,
    shutdownTimeout: 10_000,
    handleSignals: true,
    compression: true,
    compressionThreshold: 1024,
    staticCacheMaxFileSize: 1024 * 1024,
    staticCacheMaxEntries: 1000,
    staticCacheMaxBytes: 64 * 1024 * 1024,
    uploadMaxFileSize: 10 * 1024 * 1024,
    uploadMaxFiles: 10,
    uploadMaxFields: 100,
    uploadMaxFieldSize: 64 * 1024,
    uploadMaxTotalSize: 100 * 1024 * 1024,
    uploadDir: path.join(os.tmpdir(), 'krozen-uploads'),
    wsMaxPayload: 16 * 1024 * 1024,
    wsMaxFragments: 1024,
    wsIdleTimeout: 60_000,
    wsCloseTimeout: 5_000,
    wsMaxQueuedBytes: 4 * 1024 * 1024,
    wsMaxMessagesPerSecond: 0,
    wsMaxBackpressure: 16 * 1024 * 1024,
    wsBackpressurePolicy: 'close',
    wsPerMessageDeflate: false,
    wsEndpoint: 'auto',
    wsOrigins: 'same-origin',
    wsProtocols: [],
    wsUpgradeTimeout: 10_000,
    infoEndpoint: false,
    openapiEndpoint: false,
    openapi: {},
    redisUrl: undefined,
    redisClient: undefined,
    redisCluster: undefined,
    redisPrefix: 'krozen:',
    publishMaxPayload: 1024 * 1024,
    recoveryMaxMessages: 1000,
    recoveryMaxAge: 120_000,
    recoveryMaxBytes: 64 * 1024 * 1024,
    realtimeMaxSubscriptions: 256,
    realtimeMaxPendingRequests: 64,
    realtimeRequestTimeout: 10_000,
    transport: defaultTransport(),
    http2: false,
    http2MaxConcurrentStreams: 100,
    maxConnections: 0,
    maxHeaderSize: 16 * 1024,
    maxHeaderCount: 100,
    maxUrlLength: 8 * 1024,
    metrics: false,
    tracing: false,
    ...overrides,
  };
}

/** settings.transport's default: KROZEN_TRANSPORT=node|krozen when set (CI runs the suite once per transport), else 'krozen'. */
export function defaultTransport(): Settings['transport'] {
  const env = process.env.KROZEN_TRANSPORT;
  return env === 'krozen' || env === 'node' ? env : 'krozen';
}

/** The transport that serves `settings`: 'http2' when settings.http2 is on, else settings.transport (both serve TLS). */
export function servingTransport(settings: Settings): Settings['transport'] | 'http2' {
  if (settings.http2 === true || settings.http2 === 'h2c') return 'http2';
  return settings.transport;
}

/** The global settings (pykrozen style): change fields before Server.run(). */
export const settings: Settings = createSettings();

export { SETTING_RULES } from './setting-rules';
import { SETTING_RULES } from './setting-rules';

/** Settings as the running server reads them: checked once, frozen (nested objects too). */
export type ResolvedSettings = Readonly<Settings>;

/**
 * Checks every setting against SETTING_RULES and returns a frozen copy. A bad value throws a TypeError
 * naming the setting, what it accepts and what it got; an unknown setting name throws too (a typo).
 */
export function resolveSettings(input: Settings): ResolvedSettings {
  const rules: Record<string, SettingRule> = SETTING_RULES;
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(input)) {
    if (!Object.hasOwn(rules, name)) {
      throw new KrozenTypeError(
        ErrorCode.INVALID_SETTING,
        `Unknown setting "${name}"; the settings are: ${Object.keys(rules).join(', ')}`,
      );
    }
    const value = (input as unknown as Record<string, unknown>)[name];
    if (!rules[name].check(value))
      throw new KrozenTypeError(
        ErrorCode.INVALID_SETTING,
        `settings.${name} must be ${rules[name].expects} (got ${describeValue(value)})`,
      );
    out[name] = frozenCopy(value);
  }
  checkHttp2Tls(out.http2, out.tls);
  return Object.freeze(out) as unknown as ResolvedSettings;
}
