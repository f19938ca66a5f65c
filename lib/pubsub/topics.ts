// Topic → local subscribers. Each subscriber also remembers its own topics, so leaving is O(its topics).
// Two kinds of subscriber: plain WebSockets (ws.subscribe: they get the published value as is) and krozen.v1
// connections (app.realtime(): they get it in an `m` envelope), kept apart so publish frames each kind once.
// A watcher hears when a topic gets its first subscriber of either kind and loses its last one: that is when
// a cross-process transport (Redis) subscribes to or leaves the topic's channel.

export type TopicWatcher = (topic: string, active: boolean) => void;

export class Topics<S, R extends object = object> {
  private readonly map = new Map<string, Set<S>>();
  private readonly realtimeMap = new Map<string, Set<R>>();
  private watcher: TopicWatcher | null = null;

  add(topic: string, subscriber: S): void {
    this.join(this.map, this.realtimeMap, topic, subscriber);
  }

  remove(topic: string, subscriber: S): void {
    this.leave(this.map, this.realtimeMap, topic, subscriber);
  }

  /** The plain subscribers of `topic`. */
  subscribers(topic: string): ReadonlySet<S> | undefined {
    return this.map.get(topic);
  }

  /** A krozen.v1 subscriber (lib/realtime/). */
  addRealtime(topic: string, subscriber: R): void {
    this.join(this.realtimeMap, this.map, topic, subscriber);
  }

  removeRealtime(topic: string, subscriber: R): void {
    this.leave(this.realtimeMap, this.map, topic, subscriber);
  }

  /** Adds to one kind's map; the watcher hears of the topic when neither kind had it. */
  private join<T>(own: Map<string, Set<T>>, other: Map<string, Set<unknown>>, topic: string, subscriber: T): void {
    const set = own.get(topic);
    if (set !== undefined) {
      set.add(subscriber);
      return;
    }
    own.set(topic, new Set([subscriber]));
    if (this.watcher !== null && !other.has(topic)) this.watcher(topic, true);
  }

  /** Removes from one kind's map; the watcher hears when the topic has no subscriber of either kind left. */
  private leave<T>(own: Map<string, Set<T>>, other: Map<string, Set<unknown>>, topic: string, subscriber: T): void {
    const set = own.get(topic);
    if (set === undefined || !set.delete(subscriber) || set.size !== 0) return;
    own.delete(topic);
    if (this.watcher !== null && !other.has(topic)) this.watcher(topic, false);
  }

  /** The krozen.v1 subscribers of `topic`. */
  realtimeSubscribers(topic: string): ReadonlySet<R> | undefined {
    return this.realtimeMap.get(topic);
  }

  /** How many topics have at least one subscriber. */
  get size(): number {
    if (this.realtimeMap.size === 0) return this.map.size;
    let n = this.map.size;
    for (const topic of this.realtimeMap.keys()) if (!this.map.has(topic)) n++;
    return n;
  }

  /** Topics that have at least one subscriber. */
  names(): string[] {
    if (this.realtimeMap.size === 0) return [...this.map.keys()];
    return [...new Set([...this.map.keys(), ...this.realtimeMap.keys()])];
  }

  /** One watcher (or null to stop watching); it is told nothing about topics that already exist. */
  watch(watcher: TopicWatcher | null): void {
    this.watcher = watcher;
  }
}
