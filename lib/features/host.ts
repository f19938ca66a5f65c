// What the optional features need of an app: narrow views, so lib/features/ never imports lib/app.ts (the
// app passes itself; its wider type fits each view).
import type { Settings } from '../settings';
import type { Handler } from '../http/types';
import type { Middleware } from '../http/exchange';
import type { AppRoute, RouteMeta } from '../http/route-info';
import type { PubSubStats } from '../pubsub/pubsub';

/** An app that takes `request` hooks (app.onRequest): what CORS needs. */
export interface RequestHookHost {
  onRequest(fn: Middleware): unknown;
}

/** What the /_internal endpoints read and register. */
export interface InternalRoutesHost {
  readonly settings: Settings;
  get(path: string, handler: Handler, options?: RouteMeta): unknown;
  pluginNames(): string[];
  readonly pubsub: { stats(): PubSubStats };
  routeList(): AppRoute[];
}

/** What the rateLimit() and securityHeaders() plugins use: the hooks, the logger, the TLS setting, stop. */
export interface PluginHost extends RequestHookHost {
  readonly settings: Settings;
  onResponse(fn: Middleware): unknown;
  on(event: 'server:stop', hook: () => unknown): unknown;
}
