// What a connection runs at each step of its life: the global ws:* hooks (pykrozen's endpoint at
// settings.wsPath) or an app.ws() behaviour. Each returns undefined when it finished synchronously.
import type { HookRunner } from '../base/hook-runner';
import { isStopped, type WsConnectContext, type WsDisconnectContext, type WsMessageContext } from './context';
import type { WebSocket } from './websocket';

export interface WsHandlers {
  open(ctx: WsConnectContext): void | Promise<void>;
  message(ctx: WsMessageContext): void | Promise<void>;
  close(ctx: WsDisconnectContext): void | Promise<void>;
  drain(ws: WebSocket): void;
  /** pykrozen's default reply (echo) when a message gets no `reply` and no `stop`. */
  readonly defaultReply: boolean;
}

/** The global endpoint: the ws:* hook chains, read at each event (hooks added later count). */
export function hookHandlers(hooks: HookRunner): WsHandlers {
  return {
    open: (ctx) => hooks.run('ws:connect', ctx),
    message: (ctx) => hooks.run('ws:message', ctx, isStopped),
    close: (ctx) => hooks.run('ws:disconnect', ctx),
    drain: () => undefined,
    defaultReply: true,
  };
}

/** Whether a ws:* hook is registered (then the global endpoint at settings.wsPath exists, with 'auto'). */
export function hasWsHooks(hooks: HookRunner): boolean {
  return hooks.has('ws:upgrade') || hooks.has('ws:connect') || hooks.has('ws:message') || hooks.has('ws:disconnect');
}
