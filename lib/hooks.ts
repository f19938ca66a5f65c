// Named hook chains (server:start, http:get, ws:message, ...), run in registration order.
// The names are data: HookEvents maps each to its context type (a misspelt name or a wrong context field
// fails tsc), and HOOK_EVENTS lists them for the run-time check (an unknown name throws at on()).
// A chain stays synchronous while its hooks are: a promise is awaited only when a hook returns one,
// so sync hooks cost no microtask per request.
import { METHODS } from 'node:http';
import type { ErrorHookContext, HttpHookContext } from './http/pipeline';
import type { ServerHookContext } from './server';
import type { WsConnectContext, WsDisconnectContext, WsMessageContext, WsUpgradeContext } from './ws/context';
import { runChain, type Hook, type HookRunner } from './base/hook-runner';
import { ErrorCode, KrozenTypeError } from './base/errors';

export type { Hook };

/** Every hook event and the context its hooks receive. */
export interface HookEvents {
  'server:start': ServerHookContext;
  'server:stop': ServerHookContext;
  'http:get': HttpHookContext;
  'http:get:after': HttpHookContext;
  'http:post': HttpHookContext;
  'http:post:after': HttpHookContext;
  'http:put': HttpHookContext;
  'http:put:after': HttpHookContext;
  'http:delete': HttpHookContext;
  'http:delete:after': HttpHookContext;
  'http:patch': HttpHookContext;
  'http:patch:after': HttpHookContext;
  'http:options': HttpHookContext;
  'http:options:after': HttpHookContext;
  error: ErrorHookContext;
  'ws:upgrade': WsUpgradeContext;
  /** Before the body is read (app.onRequest): res.stop answers at once. */
  request: HttpHookContext;
  /** Every answer, just before it is encoded (app.onResponse). */
  response: HttpHookContext;
  'ws:connect': WsConnectContext;
  'ws:message': WsMessageContext;
  'ws:disconnect': WsDisconnectContext;
}

export type HookName = keyof HookEvents;

/** The run-time list of HookEvents' names (`satisfies` keeps the two equal). */
const HOOK_EVENTS = {
  'server:start': true,
  'server:stop': true,
  'http:get': true,
  'http:get:after': true,
  'http:post': true,
  'http:post:after': true,
  'http:put': true,
  'http:put:after': true,
  'http:delete': true,
  'http:delete:after': true,
  'http:patch': true,
  'http:patch:after': true,
  'http:options': true,
  'http:options:after': true,
  error: true,
  request: true,
  response: true,
  'ws:upgrade': true,
  'ws:connect': true,
  'ws:message': true,
  'ws:disconnect': true,
} satisfies Record<HookName, true>;

/** Hooks for other HTTP methods (`http:purge`, `http:purge:after`) are valid at run time (untyped). */
const OTHER_METHOD_HOOK = new RegExp(`^http:(${METHODS.map((m) => m.toLowerCase()).join('|')})(:after)?$`);

/** Throws a clear error for a name that is not a hook event. */
export function assertHookName(event: unknown): asserts event is HookName {
  if (typeof event === 'string' && (Object.hasOwn(HOOK_EVENTS, event) || OTHER_METHOD_HOOK.test(event))) return;
  throw new KrozenTypeError(
    ErrorCode.UNKNOWN_HOOK,
    `Unknown hook event ${JSON.stringify(event)}; the events are: ${Object.keys(HOOK_EVENTS).join(', ')} ` +
      '(and http:<method>, http:<method>:after for other HTTP methods)',
  );
}

export class Hooks implements HookRunner {
  private readonly chains = new Map<string, Hook<any>[]>();
  /**
   * Whether any hook of the HTTP pipeline is registered (request, response, http:*): without one, a request
   * skips every per-phase lookup (four Map lookups per request otherwise).
   */
  httpHooks = false;

  /** Adds `hook` to the chain of `event`; an unknown event name throws a TypeError. */
  on<E extends HookName>(event: E, hook: Hook<HookEvents[E]>): void {
    assertHookName(event);
    if (typeof hook !== 'function')
      throw new KrozenTypeError(ErrorCode.INVALID_HANDLER, `Hook for '${event}' must be a function`);
    const chain = this.chains.get(event);
    if (chain) chain.push(hook);
    else this.chains.set(event, [hook]);
    if (event === 'request' || event === 'response' || event.startsWith('http:')) this.httpHooks = true;
  }

  /** The hooks registered for `event`, or undefined when there are none (a cheap check on hot paths). */
  get<C>(event: string): readonly Hook<C>[] | undefined {
    return this.chains.get(event);
  }

  has(event: string): boolean {
    return this.chains.has(event);
  }

  /**
   * Runs the chain for `event` with `ctx`; stops early once `stopped(ctx)` is true.
   * Returns undefined when every hook was synchronous, else a promise of the chain's end.
   * A hook's throw (or rejection) propagates to the caller.
   */
  run<C>(event: string, ctx: C, stopped?: (ctx: C) => boolean): void | Promise<void> {
    const chain = this.chains.get(event);
    if (chain === undefined) return undefined;
    return runChain(chain, 0, ctx, stopped);
  }
}
