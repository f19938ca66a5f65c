/** A minimal typed event emitter (no dependency on node:events: the client runs in browsers). */
export class Emitter<M> {
  private listeners = new Map<keyof M, Set<(e: never) => void>>();

  on<K extends keyof M>(event: K, handler: (e: M[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(handler as (e: never) => void);
    return () => this.off(event, handler);
  }

  off<K extends keyof M>(event: K, handler: (e: M[K]) => void): void {
    this.listeners.get(event)?.delete(handler as (e: never) => void);
  }

  /** Calls every listener; a throwing listener does not stop the others. Returns how many were called. */
  emit<K extends keyof M>(event: K, value: M[K], onError?: (err: unknown) => void): number {
    const set = this.listeners.get(event);
    if (!set) return 0;
    for (const h of [...set]) {
      try {
        (h as (e: M[K]) => void)(value);
      } catch (err) {
        onError?.(err);
      }
    }
    return set.size;
  }
}
