// Strings many long-lived connections hold with the same characters (the Host, Upgrade and Origin values of
// WebSocket upgrades, the peer address behind a proxy): one copy shared by all instead of one each (~24-64 B
// a value, ~230 B per idle WebSocket). Bounded: past `capacity` distinct values nothing more is added, and
// a value not pooled is returned as given. Sharing is invisible: strings are immutable values.
export class StringPool {
  private readonly pool = new Map<string, string>();

  constructor(
    private readonly capacity: number,
    /** Longer values are not pooled (rarely shared, and each would pin its own memory in the pool). */
    private readonly maxLength: number,
  ) {}

  /** The pooled string equal to `value` (pooling `copy(value)` if there is none yet and room), else `value`. */
  get(value: string, copy: (value: string) => string = identity): string {
    if (value.length > this.maxLength) return value;
    const pooled = this.pool.get(value);
    if (pooled !== undefined) return pooled;
    if (this.pool.size >= this.capacity) return value;
    const kept = copy(value);
    this.pool.set(kept, kept);
    return kept;
  }

  get size(): number {
    return this.pool.size;
  }
}

function identity(value: string): string {
  return value;
}
