// Topic → local subscribers. Each subscriber also remembers its own topics, so leaving is O(its topics).
// A watcher hears when a topic gets its first subscriber and loses its last one: that is when a
// cross-process transport (Redis) subscribes to or leaves the topic's channel.

export type TopicWatcher = (topic: string, active: boolean) => void;

export class Topics<S> {
  private readonly map = new Map<string, Set<S>>();
  private watcher: TopicWatcher | null = null;

  add(topic: string, subscriber: S): void {
    const set = this.map.get(topic);
    if (set !== undefined) {
      set.add(subscriber);
      return;
    }
    this.map.set(topic, new Set([subscriber]));
    if (this.watcher !== null) this.watcher(topic, true);
  }

  remove(topic: string, subscriber: S): void {
    const set = this.map.get(topic);
    if (set === undefined || !set.delete(subscriber) || set.size !== 0) return;
    this.map.delete(topic);
    if (this.watcher !== null) this.watcher(topic, false);
  }

  subscribers(topic: string): ReadonlySet<S> | undefined {
    return this.map.get(topic);
  }

  /** How many topics have at least one subscriber. */
  get size(): number {
    return this.map.size;
  }

  /** Topics that have at least one subscriber. */
  names(): string[] {
    return [...this.map.keys()];
  }

  /** One watcher (or null to stop watching); it is told nothing about topics that already exist. */
  watch(watcher: TopicWatcher | null): void {
    this.watcher = watcher;
  }
}
