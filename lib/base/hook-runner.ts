// What the pipeline and the WebSocket layer need of an app's hooks (lib/hooks.ts implements it with the typed
// event map), and the one rule for a step that may or may not return a promise: continue synchronously
// when it did not, so sync hooks and handlers cost no microtask per request.

export type Hook<C> = (ctx: C) => unknown;

export interface HookRunner {
  /** Whether any hook of the HTTP pipeline is registered (request, response, http:*): else no lookups. */
  readonly httpHooks: boolean;
  has(event: string): boolean;
  /** The hooks registered for `event`, or undefined when there are none. */
  get<C>(event: string): readonly Hook<C>[] | undefined;
  /** Runs the chain; undefined when every hook was synchronous, else a promise of the chain's end. */
  run<C>(event: string, ctx: C, stopped?: (ctx: C) => boolean): void | Promise<void>;
}

/** A promise, or anything with a then() (what `await` would wait for). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

/** Runs `chain` from `start`, stopping early once `stopped(ctx)`; a promise only if a hook returned one. */
export function runChain<C>(
  chain: readonly Hook<C>[],
  start: number,
  ctx: C,
  stopped?: (ctx: C) => boolean,
): void | Promise<void> {
  for (let i = start; i < chain.length; i++) {
    if (stopped !== undefined && stopped(ctx)) return undefined;
    const result = chain[i](ctx);
    if (isThenable(result)) return Promise.resolve(result).then(() => runChain(chain, i + 1, ctx, stopped));
  }
  return undefined;
}

/**
 * One phase of a request or a connection: runs the `event` chain on `ctx`, then `next(subject)`, or
 * `fail(subject, err)` if a hook threw or rejected: synchronously when every hook was synchronous.
 * `subject` carries the state, so callers pass module-level functions and allocate no closure.
 */
export function runPhase<S, C>(
  hooks: HookRunner,
  event: string,
  ctx: C,
  subject: S,
  next: (subject: S) => void,
  fail: (subject: S, err: unknown) => void,
  stopped?: (ctx: C) => boolean,
): void {
  let pending: void | Promise<void>;
  try {
    pending = hooks.run<C>(event, ctx, stopped);
  } catch (err) {
    fail(subject, err);
    return;
  }
  if (pending === undefined) next(subject);
  else
    pending.then(
      () => next(subject),
      (err) => fail(subject, err),
    );
}
