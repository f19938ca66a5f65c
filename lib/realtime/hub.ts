// An app's krozen.v1 endpoints: the subscribers pub/sub hands topic messages to (each `m` framed once and
// written to every subscriber), which topics keep a history, and the stats.
import type { RealtimeSubscribers } from '../pubsub/realtime-delivery';
import type { HistoryStats, HistoryStore, MessageId } from '../pubsub/history';
import type { Topics } from '../pubsub/topics';
import type { RealtimeConnection } from './connection';
import { messageFrame } from './protocol';

/** What the hub needs of the app's pub/sub. */
export interface RealtimePubSub {
  /** Its krozen.v1 subscribers are RealtimeConnections (only this layer adds them). */
  readonly topics: Topics<unknown, object>;
  readonly history: HistoryStore;
  attachRealtime(subscribers: RealtimeSubscribers): void;
  /** The storing of the publish just made, when asynchronous (PubSub.takeStored). */
  takeStored(): Promise<void> | undefined;
}

export interface RealtimeEndpointStats {
  path: string;
  connections: number;
  /** Subscriptions over all connections. */
  subscriptions: number;
  /** Client requests being handled and server requests waiting for the client. */
  pendingRequests: number;
  waitingRequests: number;
}

export interface RealtimeStats {
  endpoints: RealtimeEndpointStats[];
  /** The recovery history, once a recovery-enabled topic was published to or subscribed with recovery. */
  history: HistoryStats | null;
}

/** One endpoint as the hub sees it. */
export interface HubEndpoint {
  recovers(topic: string): boolean;
  stats(): RealtimeEndpointStats;
}

export class RealtimeHub implements RealtimeSubscribers {
  private readonly endpoints: HubEndpoint[] = [];
  private historyUsed = false;

  constructor(readonly pubsub: RealtimePubSub) {
    pubsub.attachRealtime(this);
  }

  add(endpoint: HubEndpoint): void {
    this.endpoints.push(endpoint);
  }

  /** A topic keeps a history when any endpoint's `recovery` names it. */
  recovers(topic: string): boolean {
    for (const e of this.endpoints) {
      if (e.recovers(topic)) {
        this.historyUsed = true;
        return true;
      }
    }
    return false;
  }

  deliver(topic: string, json: Buffer, id: MessageId | undefined): number {
    const subscribers = this.pubsub.topics.realtimeSubscribers(topic) as ReadonlySet<RealtimeConnection> | undefined;
    if (subscribers === undefined) return 0;
    const frame = messageFrame(topic, json, id);
    let sent = 0;
    for (const conn of subscribers) if (conn.write(topic, frame, id)) sent++;
    return sent;
  }

  stats(): RealtimeStats {
    return {
      endpoints: this.endpoints.map((e) => e.stats()),
      history: this.historyUsed ? this.pubsub.history.stats() : null,
    };
  }
}
