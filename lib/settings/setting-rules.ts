// What each setting accepts (SETTING_RULES): one line per setting, checked by resolveSettings() in index.ts.
// Kept apart from the Settings interface and its defaults so each file stays readable; tsc fails when a
// setting has no rule here.
import { bool, fieldsOk, int, isIntIn, oneOf, optional, rule, str, urlPath, type SettingRule } from './rules';
import { isToken } from '../base/http-grammar';
import { isLogger } from '../base/logger';
import { hasTlsCredentials } from './tls';
import { http2Rule } from './http2';
import { requestIdRule, trustProxyRule } from './proxy-trust';
import type { Settings } from './index';
import type { RedisClientLike } from './redis-client';

const isBool = (x: unknown): boolean => typeof x === 'boolean';
const isString = (x: unknown): boolean => typeof x === 'string';
const deflateOptions = rule(
  (v) =>
    isBool(v) ||
    fieldsOk(v, {
      serverNoContextTakeover: isBool,
      clientNoContextTakeover: isBool,
      serverMaxWindowBits: (x) => isIntIn(x, 8, 15),
      clientMaxWindowBits: (x) => isIntIn(x, 8, 15),
      threshold: (x) => isIntIn(x, 0),
      concurrencyLimit: (x) => isIntIn(x, 1),
    }),
  'true, false or { serverNoContextTakeover?, clientNoContextTakeover?: boolean; serverMaxWindowBits?, ' +
    'clientMaxWindowBits?: 8..15; threshold?: integer >= 0; concurrencyLimit?: integer >= 1 }',
);
const openapiInfo = rule(
  (v) => fieldsOk(v, { title: isString, version: isString, description: isString }),
  '{ title?, version?, description?: string }',
);

const originPolicy = rule(
  (v) =>
    v === 'same-origin' || v === '*' || (Array.isArray(v) && v.every((o) => typeof o === 'string' && o.length > 0)),
  "'same-origin', '*' or a list of origins ('https://app.example.com')",
);
const tokenList = rule(
  (v) => Array.isArray(v) && v.every((p) => typeof p === 'string' && isToken(p)),
  'a list of subprotocol names (HTTP tokens)',
);

const metricsOptions = rule(
  (v) =>
    isBool(v) ||
    fieldsOk(v, {
      path: (x) => urlPath.check(x),
      buckets: (x) =>
        Array.isArray(x) &&
        x.length > 0 &&
        x.every((b, i) => typeof b === 'number' && Number.isFinite(b) && (i === 0 || b > x[i - 1])),
    }),
  'true, false or { path?: a URL path; buckets?: increasing finite numbers }',
);

/** What each setting accepts: one line per setting (tsc fails when a setting has none). */
export const SETTING_RULES = {
  port: int(0, 65535),
  host: str,
  wsPath: urlPath,
  debug: bool,
  baseDir: str,
  workers: int(1),
  backlog: int(0),
  reusePort: bool,
  httpMaxBackpressure: int(0),
  sendTimeout: int(0),
  maxBodySize: int(0),
  headersTimeout: int(0),
  requestTimeout: int(0),
  keepAliveTimeout: int(0),
  shutdownTimeout: int(0),
  handleSignals: bool,
  staticCacheMaxFileSize: int(0),
  staticCacheMaxEntries: int(0),
  staticCacheMaxBytes: int(0),
  uploadMaxFileSize: int(0),
  uploadMaxFiles: int(0),
  uploadMaxFields: int(0),
  uploadMaxFieldSize: int(0),
  uploadMaxTotalSize: int(0),
  uploadDir: rule((v) => typeof v === 'string' && v.length > 0, 'a directory path'),
  wsMaxPayload: int(0),
  wsMaxFragments: int(1),
  wsIdleTimeout: int(0),
  wsCloseTimeout: int(0),
  wsMaxBackpressure: int(0),
  wsBackpressurePolicy: oneOf('drop', 'close'),
  wsMaxQueuedBytes: int(0),
  wsMaxMessagesPerSecond: int(0),
  wsPerMessageDeflate: deflateOptions,
  wsEndpoint: oneOf('auto', 'on', 'off'),
  wsOrigins: originPolicy,
  wsProtocols: tokenList,
  wsUpgradeTimeout: int(1),
  openapi: openapiInfo,
  infoEndpoint: bool,
  openapiEndpoint: bool,
  redisUrl: rule(
    (v) => v === undefined || (typeof v === 'string' && /^rediss?:\/\//.test(v)),
    'a redis:// or rediss:// URL (or undefined)',
  ),
  redisClient: optional(
    rule(
      (v) =>
        v !== null &&
        typeof v === 'object' &&
        typeof (v as RedisClientLike).publish === 'function' &&
        typeof (v as RedisClientLike).duplicate === 'function',
      'a node-redis client (publish and duplicate)',
    ),
  ),
  redisCluster: rule(
    (v) =>
      v === undefined ||
      (Array.isArray(v) && v.length > 0 && v.every((u) => typeof u === 'string' && /^rediss?:\/\//.test(u))),
    'a non-empty list of redis:// or rediss:// URLs (or undefined)',
  ),
  redisPrefix: str,
  publishMaxPayload: int(0),
  recoveryMaxMessages: int(1),
  recoveryMaxAge: int(1),
  recoveryMaxBytes: int(1),
  realtimeMaxSubscriptions: int(1),
  realtimeMaxPendingRequests: int(1),
  realtimeRequestTimeout: int(1),
  jsonMaxDepth: int(1),
  jsonBigInt: bool,
  jsonProto: oneOf('error', 'remove', 'allow'),
  formMaxFields: int(0),
  compression: bool,
  compressionThreshold: int(0),
  requestId: requestIdRule,
  trustProxy: trustProxyRule,
  logger: optional(rule(isLogger, 'pino or an object with error, warn, info and debug methods')),
  tls: optional(
    rule(hasTlsCredentials, '{ key, cert, … } (PEM strings or Buffers) or { pfx, … }, as tls.createServer takes'),
  ),
  cookieSecret: optional(
    rule(
      (v) =>
        (typeof v === 'string' && v.length > 0) ||
        (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x.length > 0)),
      'a non-empty string or list of them',
    ),
  ),
  transport: oneOf('krozen', 'node'),
  http2: http2Rule,
  http2MaxConcurrentStreams: int(1, 2 ** 31 - 1),
  maxConnections: int(0),
  maxHeaderSize: int(1),
  maxHeaderCount: int(1),
  maxUrlLength: int(1),
  metrics: metricsOptions,
  tracing: bool,
} satisfies Record<keyof Settings, SettingRule>;
