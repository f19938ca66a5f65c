// Topic → subscribers. Each connection also remembers its own topics, so leaving is O(its topics).
import type { WebSocket } from './connection';

export class Topics {
  private readonly map = new Map<string, Set<WebSocket>>();

  add(topic: string, ws: WebSocket): void {
    const set = this.map.get(topic);
    if (set === undefined) this.map.set(topic, new Set([ws]));
    else set.add(ws);
  }

  remove(topic: string, ws: WebSocket): void {
    const set = this.map.get(topic);
    if (set === undefined) return;
    set.delete(ws);
    if (set.size === 0) this.map.delete(topic);
  }

  subscribers(topic: string): ReadonlySet<WebSocket> | undefined {
    return this.map.get(topic);
  }

  /** Topics that have at least one subscriber. */
  names(): string[] {
    return [...this.map.keys()];
  }
}
