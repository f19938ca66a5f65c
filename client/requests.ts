import { RealtimeError, toCode } from './errors';

interface Pending {
  resolve: (result: unknown) => void;
  reject: (err: RealtimeError) => void;
}

/**
 * The client's messages waiting for an `ok`/`err`, by ref (the client's ref space, docs/realtime-protocol.md).
 * Timeouts are the caller's: they count from the call, time spent in the send buffer included.
 */
export class RequestTable {
  private next = 1;
  private pending = new Map<number, Pending>();

  get size(): number {
    return this.pending.size;
  }

  open(): { ref: number; promise: Promise<unknown> } {
    const ref = this.next++;
    const promise = new Promise<unknown>((resolve, reject) => this.pending.set(ref, { resolve, reject }));
    return { ref, promise };
  }

  /** An `ok` or `err` from the server; false when the ref is unknown (late, after a timeout). */
  settle(ref: unknown, ok: boolean, value: unknown, message?: unknown): boolean {
    const p = typeof ref === 'number' ? this.pending.get(ref) : undefined;
    if (!p) return false;
    this.pending.delete(ref as number);
    if (ok) p.resolve(value);
    else p.reject(new RealtimeError(toCode(value), typeof message === 'string' ? message : String(value)));
    return true;
  }

  /** The caller gave up (timeout): a late answer is then ignored. */
  cancel(ref: number): void {
    this.pending.delete(ref);
  }

  /** The connection is gone: no answer can come (refs are per connection on the server). */
  rejectAll(err: RealtimeError): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(err);
  }
}
