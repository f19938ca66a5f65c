// Named hook chains (server:start, http:get, ws:message, ...), run in registration order.
// A chain stays synchronous while its hooks are: a promise is awaited only when a hook returns one,
// so sync hooks cost no microtask per request.

export type Hook<C> = (ctx: C) => unknown;

export class Hooks {
  private readonly chains = new Map<string, Hook<any>[]>();

  on<C>(event: string, hook: Hook<C>): void {
    if (typeof hook !== 'function') throw new TypeError(`Hook for '${event}' must be a function`);
    const chain = this.chains.get(event);
    if (chain) chain.push(hook);
    else this.chains.set(event, [hook]);
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
    return runFrom(chain, 0, ctx, stopped);
  }
}

function runFrom<C>(chain: readonly Hook<C>[], start: number, ctx: C, stopped?: (ctx: C) => boolean): void | Promise<void> {
  for (let i = start; i < chain.length; i++) {
    if (stopped !== undefined && stopped(ctx)) return undefined;
    const result = chain[i](ctx);
    if (result !== null && typeof result === 'object' && typeof (result as Promise<unknown>).then === 'function') {
      return (result as Promise<unknown>).then(() => runFrom(chain, i + 1, ctx, stopped));
    }
  }
  return undefined;
}
