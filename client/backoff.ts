/** Reconnection timing (docs/client.md#reconnection). */
export interface ReconnectOptions {
  /** Upper bound of the first delay, ms. Default 500. */
  initialDelay?: number;
  /** Cap of every delay, ms. Default 10000. */
  maxDelay?: number;
  /** Growth of the bound per failed attempt. Default 2. */
  factor?: number;
  /** Failed attempts in a row before the client gives up (state `closed`). Default Infinity. */
  maxAttempts?: number;
}

export type Backoff = Required<ReconnectOptions>;

export function backoffOptions(o: ReconnectOptions = {}): Backoff {
  return {
    initialDelay: o.initialDelay ?? 500,
    maxDelay: o.maxDelay ?? 10_000,
    factor: o.factor ?? 2,
    maxAttempts: o.maxAttempts ?? Infinity,
  };
}

/**
 * Full jitter: a uniform delay in [0, min(maxDelay, initialDelay × factor^attempt)), `attempt` counted from 0.
 * Spreading the whole range (not just a fraction of it) keeps clients cut together from reconnecting together.
 */
export function backoffDelay(attempt: number, b: Backoff, random: () => number = Math.random): number {
  const bound = Math.min(b.maxDelay, b.initialDelay * Math.pow(b.factor, attempt));
  return Math.floor(random() * bound);
}
