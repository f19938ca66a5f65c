// krozen's public API.
import { app, type App } from './app';
import type { RouteSource } from './app';
import type { Middleware } from './http/pipeline';
import type { Hook, HookEvents, HookName } from './hooks';
import type { Plugin } from './app';
import type { StaticOptions } from './features/static';

export { encodeJson } from './backend';
export { getBackends } from './diagnostics';
export type { Backends } from './diagnostics';
export { settings, createSettings } from './settings/index';
export type {
  Settings,
  PerMessageDeflateOptions,
  RequestIdOptions,
  RequestIdSetting,
  TrustProxySetting,
} from './settings/index';
export { clientIp } from './http/proxy';
export { Hooks } from './hooks';
export type { Hook, HookEvents, HookName } from './hooks';
export { App, createApp, app } from './app';
export type { AppRouteOptions, RouteSource, AppRoute, TopicMap } from './app';
export { Server } from './server';
export type { RunOptions, ServerHookContext } from './server';
export { Response, html, text, error } from './http/response';
export { HttpError, ValidationError } from './http/http-error';
export { ErrorCode, KrozenError, KrozenTypeError, KrozenRangeError } from './base/errors';
export { cors } from './features/cors';
export type { CorsOptions, CorsOrigin } from './features/cors';
export { rateLimit, keyOf } from './features/rate-limit';
export type { RateLimitOptions, RateLimitPlugin } from './features/rate-limit';
export { memoryStore, MemoryStore } from './features/rate-limit-store';
export type { RateLimitStore, RateLimitHit, MemoryStoreOptions } from './features/rate-limit-store';
export { redisStore, RedisStore } from './features/rate-limit-redis';
export type { RedisStoreOptions } from './features/rate-limit-redis';
export { securityHeaders, DEFAULT_CSP } from './features/security-headers';
export type {
  SecurityHeadersOptions,
  SecurityHeadersPlugin,
  CspOptions,
  CspDirectives,
  HstsOptions,
} from './features/security-headers';
export { setCookie, clearCookie, signCookie, unsignCookie } from './http/cookies';
export type { CookieOptions } from './http/cookies';
export { file, clearFileCache } from './features/static';
export type { FileOptions, StaticOptions } from './features/static';
export type {
  DiskFile,
  MemoryFile,
  StreamedFile,
  UploadedFile,
  UploadFileInfo,
  UploadHandler,
  UploadOptions,
  UploadSink,
  UploadStorage,
} from './features/upload';
export type {
  MetricsRegistry,
  Counter,
  Gauge,
  Histogram,
  MetricOptions,
  HistogramOptions,
  Labels,
  Sample,
} from './features/metrics-registry';
export type { InjectOptions, InjectResponse } from './http/inject';
export type { Logger, RequestLog, RequestLogMethod } from './base/logger';
export { router, RouterGroup } from './router-group';
export type { RouteMeta, RouteInfo } from './router-group';
export { RadixRouter } from './router';
export { buildOpenApiDocument } from './features/openapi';
export type { Middleware, HttpHookContext, ErrorHookContext } from './http/pipeline';
export type { Request, ResponseInit, Handler, HandlerResult, HeaderValue, RouteOptions } from './http/types';
export type { PathParams, ParamNames, RouteRequest, RouteResult, RouteHandler } from './http/route-types';
export type { Schema, JsonSchema, Infer, FromJsonSchema } from './schema/infer';
export type { StandardSchemaV1 } from './schema/standard-schema';
export type { RouteSchema } from './schema/route-schema';
export type { ValidationIssue, SchemaPart } from './schema/issues';
export type { Plugin } from './app';
export { WsHub, WebSocket, CloseCode } from './ws';
export type {
  WsMessageContext,
  WsConnectContext,
  WsDisconnectContext,
  WsUpgradeContext,
  WsUpgradeRequest,
  WsBehaviour,
  WsProtocolChooser,
  WsUpgradeResult,
  OriginPolicy,
  UpgradeRequest,
} from './ws';
export { RealtimeEndpoint, RealtimeError } from './realtime/index';
export type {
  RealtimeApi,
  UntypedApi,
  RealtimeErrorCode,
  RealtimeOptions,
  RealtimeSocket,
  RealtimeStats,
  RealtimeRequestOptions,
  RecoveryOption,
} from './realtime/index';
export type { HistoryStore, HistoryEntry, HistoryStats, MessageId, Recovery } from './pubsub/history';

// pykrozen style: top-level functions bound to the global app. `delete` is a reserved word, hence `del`
// (app.delete(...) works too).
export const get: App['get'] = bound('get');
export const post: App['post'] = bound('post');
export const put: App['put'] = bound('put');
export const del: App['delete'] = bound('delete');
export const patch: App['patch'] = bound('patch');
export const use = (mw: Middleware) => app.use(mw);
export const on = <E extends HookName>(event: E, hook: Hook<HookEvents[E]>) => app.on(event, hook);
export const plugin = (p: Plugin) => app.plugin(p);
export const includeRouter = (group: RouteSource) => app.includeRouter(group);
export const serveStatic = (prefix: string, options?: StaticOptions) => app.serveStatic(prefix, options);
export const upload: App['upload'] = (path, handler, options) => app.upload(path, handler, options);
export const publish = (topic: string, value: unknown) => app.publish(topic, value);

/** The global app's route method `name`, with its typed overloads (params from the path, schemas). */
function bound<K extends 'get' | 'post' | 'put' | 'delete' | 'patch'>(name: K): App[K] {
  return app[name].bind(app) as unknown as App[K];
}
